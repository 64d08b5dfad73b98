/**
 * Prepares the placement's data from a workload, a users file, prices and (optionally) live measurements, and runs
 * the pure placement. Costs (costs.ts): per region, the cheapest S3 strategy whose prices are all known, averaged
 * over the horizon; replication is priced per primary-replica pair only when a replica is required, and only when
 * the placement asks.
 */
import type { Catalog } from "../../core/pricing/catalog.js";
import { OPTION_IDS, SINGLE_CLASS, optionLabel, type OptionId } from "../../core/cost/estimate.js";
import type { Workload } from "../../core/cost/workload.js";
import { estimateRtt, haversineKm, type Estimate } from "../latency/estimate.js";
import { REGIONS, findRegion } from "../../core/regions.js";
import { costTable } from "./costs.js";
import { place, type Candidate, type Plan } from "./placement.js";
import type { Users } from "./users.js";

export const S3_STRATEGIES: readonly OptionId[] = OPTION_IDS.filter((id) => id.startsWith("s3-"));

/**
 * The strategies a placement may choose from. Data that is read back must be readable in milliseconds: Glacier
 * Flexible Retrieval and Deep Archive need a restore of minutes to hours first, so they only qualify for data that
 * nobody reads (a lifecycle may still age old data into them).
 */
export function placementStrategies(w: Workload): OptionId[] {
  const read = (w.requests?.monthly_reads ?? 0) > 0 || (w.access?.monthly_read_gb ?? 0) > 0;
  return S3_STRATEGIES.filter((id) => !read || (id !== "s3-glacier-flexible" && id !== "s3-deep-archive"));
}

export interface PlanContext {
  readonly workload: Workload;
  readonly users: Users;
  readonly catalog: Catalog;
  /** Live round trips from this machine by region, for the population marked `here`. */
  readonly live?: ReadonlyMap<string, number>;
}

export interface PlanResult extends Plan {
  readonly workload: Workload;
  /** The option id behind each region's cost, for the stack config's lifecycle. */
  readonly strategies: ReadonlyMap<string, OptionId>;
}

function estimated(population: string, weight: number, e: Estimate) {
  return { population, weight, rttMs: e.estimateMs, estimated: true, highMs: e.highMs };
}

export function plan(ctx: PlanContext): PlanResult {
  const { workload: w, users, catalog } = ctx;
  const priced = new Set(catalog.regions("AmazonS3"));
  const table = costTable(w, catalog, placementStrategies(w));
  const costs = new Map(REGIONS.map((r) => [r.code, priced.has(r.code) ? table.cheapest(r.code) : null]));

  const candidates: Candidate[] = REGIONS.map((r) => {
    const cost = costs.get(r.code)!;
    return {
      region: r.code,
      monthlyCost: cost?.monthlyCost ?? null,
      strategy: cost ? optionLabel(cost.strategy, w) : null,
      latency: users.populations.map((p) => {
        const measured = p.here ? ctx.live?.get(r.code) : undefined;
        return measured !== undefined
          ? { population: p.name, weight: p.weight, rttMs: measured, estimated: false }
          : estimated(p.name, p.weight, estimateRtt(p.place, r));
      }),
    };
  });

  const result = place({
    candidates,
    constraints: users.constraints,
    distanceKm: (a, b) => haversineKm(findRegion(a)!, findRegion(b)!),
    replicaCost: (primary, replica) => (priced.has(replica) ? table.replicaCost(primary, replica) : null),
  });
  const chosen = new Map<string, OptionId>();
  for (const [region, cost] of costs) if (cost) chosen.set(region, cost.strategy);
  return { ...result, workload: w, strategies: chosen };
}

/**
 * How the stack stores data under a strategy: the class uploads land in (S3 has no bucket default: uploaders send
 * it as x-amz-storage-class) and the lifecycle transitions after that.
 */
export function scheduleFor(strategy: OptionId, w: Workload): { uploadStorageClass: string; transitions: { afterDays: number; storageClass: string }[] } {
  if (strategy === "s3-lifecycle") {
    return { uploadStorageClass: "STANDARD", transitions: w.lifecycle.map((r) => ({ afterDays: r.after_days, storageClass: r.class })) };
  }
  return { uploadStorageClass: SINGLE_CLASS[strategy] ?? "STANDARD", transitions: [] };
}
