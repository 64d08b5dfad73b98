/**
 * Prepares the placement's data from a workload, a users file, prices and (optionally) live measurements, and runs
 * the pure placement. Costs: per region, the cheapest S3 strategy whose prices are all known, averaged over the
 * horizon; replication is priced per primary-replica pair only when a replica is required, and only when asked.
 */
import { Decimal } from "../money.js";
import type { Catalog } from "../pricing/catalog.js";
import { OPTION_IDS, SINGLE_CLASS, estimate, optionLabel, type OptionId } from "../cost/estimate.js";
import type { Workload } from "../cost/workload.js";
import { estimateRtt, haversineKm } from "../latency/estimate.js";
import { REGIONS, findRegion } from "../regions.js";
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

export interface RegionCost {
  readonly strategy: OptionId;
  readonly monthlyCost: Decimal;
}

export interface PlanContext {
  readonly workload: Workload;
  readonly users: Users;
  readonly catalog: Catalog;
  /** Live round trips from this machine by region, for the population marked `here`. */
  readonly live?: ReadonlyMap<string, number>;
}

/** Cheapest complete S3 strategy in a region, averaged per month over the horizon; null when none is complete. */
export function regionCost(w: Workload, catalog: Catalog, region: string, strategies: readonly OptionId[] = S3_STRATEGIES): RegionCost | null {
  const report = estimate({ ...w, region, replication: { regions: [] } }, catalog, null, { only: strategies });
  const complete = report.options.filter((o) => o.complete);
  if (complete.length === 0) return null;
  const best = complete.reduce((a, b) => (b.total.lessThan(a.total) ? b : a));
  return { strategy: best.id, monthlyCost: best.total.div(w.horizon_months) };
}

export interface PlanResult extends Plan {
  readonly workload: Workload;
  /** The option id behind each region's cost, for the stack config's lifecycle. */
  readonly strategies: ReadonlyMap<string, OptionId>;
}

export function plan(ctx: PlanContext): PlanResult {
  const { workload: w, users, catalog } = ctx;
  const priced = new Set(catalog.regions("AmazonS3"));
  const costs = new Map<string, RegionCost | null>();
  const strategies = placementStrategies(w);
  for (const r of REGIONS) costs.set(r.code, priced.has(r.code) ? regionCost(w, catalog, r.code, strategies) : null);

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
          : { population: p.name, weight: p.weight, rttMs: estimateRtt(p.place, r).estimateMs, estimated: true };
      }),
    };
  });

  const replicaCosts = new Map<string, Decimal | null>();
  const replicaCost = (primary: string, replica: string): Decimal | null => {
    const key = `${primary}|${replica}`;
    if (!replicaCosts.has(key)) {
      const base = costs.get(primary);
      let extra: Decimal | null = null;
      if (base && priced.has(replica)) {
        const report = estimate({ ...w, region: primary, replication: { regions: [replica] } }, catalog, null, { only: [base.strategy] });
        const o = report.options[0]!;
        if (o.complete) extra = o.total.div(w.horizon_months).minus(base.monthlyCost);
      }
      replicaCosts.set(key, extra);
    }
    return replicaCosts.get(key)!;
  };

  const result = place({
    candidates,
    constraints: users.constraints,
    distanceKm: (a, b) => haversineKm(findRegion(a)!, findRegion(b)!),
    replicaCost,
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
