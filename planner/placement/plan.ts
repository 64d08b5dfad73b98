/**
 * Prepares the placement's data from a workload, a users file, prices and (optionally) live measurements, and runs
 * the pure placement. Costs (costs.ts): per region, or per primary-replica pair when a replica is required, the
 * cheapest S3 strategy over the horizon (and the range of any cheaper one whose price is missing), priced only when
 * the placement asks.
 */
import type { Catalog } from "../../core/pricing/catalog.js";
import { OPTION_IDS, SINGLE_CLASS, optionLabel, type OptionId } from "../../core/cost/horizon.js";
import type { Workload } from "../../core/cost/workload.js";
import { estimateRtt, haversineKm, type Estimate } from "../latency/predict.js";
import { REGIONS, findRegion } from "../../core/regions.js";
import type { Transition } from "../../core/storageClasses.js";
import { costTable } from "./costs.js";
import { place } from "./placement.js";
import type { Candidate, Option, Plan } from "./types.js";
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
  /** The option id behind each priced region's cost (with its replica when one is required), for the stack config. */
  readonly strategies: ReadonlyMap<string, OptionId>;
  /** Any primary and replica the user picks: the cheapest strategy for the two together (or for one copy). */
  readonly option: (primary: string, replica: string | null) => Option;
}

function estimated(population: string, weight: number, e: Estimate) {
  return { population, weight, rttMs: e.estimateMs, estimated: true, highMs: e.highMs, ...(e.routingUnknown ? { routingUnknown: true } : {}) };
}

export function plan(ctx: PlanContext): PlanResult {
  const { workload: w, users, catalog } = ctx;
  const table = costTable(w, catalog, placementStrategies(w));
  const label = (id: OptionId) => optionLabel(id, w);
  const options = new Map<string, Option>();
  const option = (primary: string, replica: string | null): Option => {
    const key = `${primary}|${replica ?? ""}`;
    let o = options.get(key);
    if (!o) {
      const { priced, unpriced } = table.choose(primary, replica);
      o = {
        priced: priced && { ...priced, label: label(priced.strategy) },
        unpriced: unpriced && { ...unpriced, label: label(unpriced.strategy) },
      };
      options.set(key, o);
    }
    return o;
  };

  const candidates: Candidate[] = REGIONS.map((r) => ({
    region: r.code,
    latency: users.populations.map((p) => {
      const measured = p.here ? ctx.live?.get(r.code) : undefined;
      return measured !== undefined
        ? { population: p.name, weight: p.weight, rttMs: measured, estimated: false }
        : estimated(p.name, p.weight, estimateRtt(p.place, r));
    }),
  }));

  const result = place({
    candidates,
    constraints: users.constraints,
    distanceKm: (a, b) => haversineKm(findRegion(a)!, findRegion(b)!),
    option,
  });
  const chosen = new Map<string, OptionId>();
  for (const row of result.ranking) if (row.strategyId) chosen.set(row.region, row.strategyId as OptionId);
  return { ...result, workload: w, strategies: chosen, option };
}

/**
 * How the stack stores data under a strategy: the class uploads land in (S3 has no bucket default: uploaders send
 * it as x-amz-storage-class) and the lifecycle transitions after that.
 */
export function scheduleFor(strategy: OptionId, w: Workload): { uploadStorageClass: string; transitions: Transition[] } {
  if (strategy === "s3-lifecycle") {
    return { uploadStorageClass: "STANDARD", transitions: w.lifecycle.map((r) => ({ afterDays: r.after_days, storageClass: r.class })) };
  }
  return { uploadStorageClass: SINGLE_CLASS[strategy] ?? "STANDARD", transitions: [] };
}
