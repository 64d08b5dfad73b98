/**
 * Placement: choose a primary region (and a replica) from costs and latencies. Pure: every input is data, prepared
 * by plan.ts; this file decides.
 *
 * A region is feasible when it is allowed, has a complete price, meets the latency objective for the
 * traffic-weighted round trip and for the worst-served population, fits the budget, and — when a replica is
 * required — has an allowed replica region far enough away whose cost still fits the budget. The recommendation
 * is the cheapest feasible region (ties: the faster one) with its cheapest replica.
 */
import { Decimal, usd } from "../../core/money.js";

export interface LatencyFigure {
  readonly population: string;
  readonly weight: number;
  readonly rttMs: number;
  /** True for an offline estimate, false for a live measurement from this machine. */
  readonly estimated: boolean;
  /** For an estimate: the high end of its calibrated 80% interval (`stowage latency --calibration`). */
  readonly highMs?: number;
}

export interface Candidate {
  readonly region: string;
  /** Average monthly cost over the horizon of the cheapest complete S3 strategy; null without complete prices. */
  readonly monthlyCost: Decimal | null;
  readonly strategy: string | null;
  readonly latency: readonly LatencyFigure[];
}

export interface PlacementInput {
  readonly candidates: readonly Candidate[];
  readonly constraints: {
    readonly allowedRegions: readonly string[] | null;
    readonly latencyObjectiveMs: number;
    readonly worstLatencyMs: number;
    readonly monthlyBudgetUsd: number | null;
    readonly replica: { readonly required: boolean; readonly minDistanceKm: number };
  };
  /** Great-circle km between two regions. */
  readonly distanceKm: (a: string, b: string) => number;
  /** Extra average monthly cost of replicating `primary` to `replica` (null: not priced). */
  readonly replicaCost: (primary: string, replica: string) => Decimal | null;
}

export interface RankingRow {
  readonly region: string;
  readonly strategy: string | null;
  /** Average monthly cost, replica included when one is required and found. */
  readonly monthlyCost: Decimal | null;
  readonly weightedRttMs: number;
  readonly worstRttMs: number;
  /** Share of traffic within the latency objective. */
  readonly coverage: number;
  /** True when any latency figure behind the row is an estimate. */
  readonly estimated: boolean;
  /**
   * How sure the row is to meet the latency limits: "measured" (no estimate behind it), "confident" (met even at
   * the high end of every estimate's 80% interval), "likely" (met by the estimates, not by their high ends).
   */
  readonly latencyConfidence: "measured" | "confident" | "likely";
  readonly replica: { readonly region: string; readonly distanceKm: number; readonly monthlyCost: Decimal } | null;
  readonly feasible: boolean;
  readonly rejectedBecause: readonly string[];
  readonly latency: readonly LatencyFigure[];
}

export interface Unmet {
  readonly constraint: string;
  readonly limit: number;
  /** The best any allowed region achieves. */
  readonly best: number | null;
  /** How far the best misses the limit. */
  readonly by: number | null;
  readonly message: string;
}

export interface Plan {
  readonly recommendation: { readonly primary: string; readonly replicas: readonly string[]; readonly strategy: string; readonly monthlyCost: Decimal; readonly reasons: readonly string[] } | null;
  readonly unmet: readonly Unmet[];
  readonly ranking: readonly RankingRow[];
  /** Regions on the cost/latency Pareto front (no other region is both cheaper and faster), cheapest first. */
  readonly front: readonly string[];
}

const r1 = (x: number) => Math.round(x * 10) / 10;

function latencyOf(c: Candidate, objective: number) {
  const weighted = c.latency.reduce((s, l) => s + l.weight * l.rttMs, 0);
  const worst = c.latency.reduce((w, l) => (l.rttMs > w.rttMs ? l : w), c.latency[0]!);
  const coverage = c.latency.filter((l) => l.rttMs <= objective).reduce((s, l) => s + l.weight, 0);
  return { weighted, worst, coverage, estimated: c.latency.some((l) => l.estimated) };
}

/** The same figures at the high end of each estimate's interval: what "confident" is judged on. */
function pessimistic(c: Candidate): Candidate {
  return { ...c, latency: c.latency.map((l) => ({ ...l, rttMs: l.highMs ?? l.rttMs })) };
}

function bestReplica(input: PlacementInput, primary: string, allowed: (r: string) => boolean) {
  let best: RankingRow["replica"] = null;
  for (const c of input.candidates) {
    if (c.region === primary || !allowed(c.region)) continue;
    const distanceKm = input.distanceKm(primary, c.region);
    if (distanceKm < input.constraints.replica.minDistanceKm) continue;
    const cost = input.replicaCost(primary, c.region);
    if (cost === null) continue;
    if (!best || cost.lessThan(best.monthlyCost) || (cost.equals(best.monthlyCost) && distanceKm > best.distanceKm)) {
      best = { region: c.region, distanceKm: Math.round(distanceKm), monthlyCost: cost };
    }
  }
  return best;
}

function paretoFront(rows: readonly RankingRow[]): string[] {
  const priced = rows.filter((r) => r.monthlyCost !== null);
  const dominated = (a: RankingRow) =>
    priced.some(
      (b) =>
        b !== a &&
        b.monthlyCost!.lessThanOrEqualTo(a.monthlyCost!) &&
        b.weightedRttMs <= a.weightedRttMs &&
        (b.monthlyCost!.lessThan(a.monthlyCost!) || b.weightedRttMs < a.weightedRttMs),
    );
  return priced
    .filter((a) => !dominated(a))
    .sort((a, b) => a.monthlyCost!.comparedTo(b.monthlyCost!) || a.weightedRttMs - b.weightedRttMs)
    .map((r) => r.region);
}

export function place(input: PlacementInput): Plan {
  const k = input.constraints;
  const allowed = (r: string) => k.allowedRegions === null || k.allowedRegions.includes(r);
  const budget = k.monthlyBudgetUsd === null ? null : new Decimal(k.monthlyBudgetUsd);

  const rows: RankingRow[] = input.candidates.map((c) => {
    const lat = latencyOf(c, k.latencyObjectiveMs);
    const high = latencyOf(pessimistic(c), k.latencyObjectiveMs);
    const sure = high.weighted <= k.latencyObjectiveMs && high.worst.rttMs <= k.worstLatencyMs;
    const why: string[] = [];
    if (!allowed(c.region)) why.push("not in allowed_regions");
    if (c.monthlyCost === null) why.push(`no complete price in the snapshot (run \`stowage pricing refresh --region ${c.region}\`)`);
    if (lat.weighted > k.latencyObjectiveMs) why.push(`weighted round trip ${r1(lat.weighted)} ms is over the ${k.latencyObjectiveMs} ms objective`);
    if (lat.worst.rttMs > k.worstLatencyMs) why.push(`${lat.worst.population} would wait ${r1(lat.worst.rttMs)} ms, over the ${k.worstLatencyMs} ms limit for the worst-served`);
    let replica: RankingRow["replica"] = null;
    let cost = c.monthlyCost;
    if (k.replica.required && c.monthlyCost !== null) {
      replica = bestReplica(input, c.region, allowed);
      if (!replica) why.push(`no allowed replica region with prices at least ${k.replica.minDistanceKm} km away`);
      else cost = c.monthlyCost.plus(replica.monthlyCost);
    }
    if (budget && cost && cost.greaterThan(budget)) {
      why.push(`$${usd(cost)}/month${replica ? ` with its replica in ${replica.region}` : ""} is over the $${usd(budget)} budget`);
    }
    return {
      region: c.region,
      strategy: c.strategy,
      monthlyCost: cost,
      weightedRttMs: r1(lat.weighted),
      worstRttMs: r1(lat.worst.rttMs),
      coverage: Math.round(lat.coverage * 1000) / 1000,
      estimated: lat.estimated,
      latencyConfidence: !lat.estimated ? "measured" : sure ? "confident" : "likely",
      replica,
      feasible: why.length === 0,
      rejectedBecause: why,
      latency: c.latency,
    };
  });

  const ranking = [...rows].sort(
    (a, b) =>
      Number(b.feasible) - Number(a.feasible) ||
      (a.monthlyCost && b.monthlyCost ? a.monthlyCost.comparedTo(b.monthlyCost) : a.monthlyCost ? -1 : b.monthlyCost ? 1 : 0) ||
      a.weightedRttMs - b.weightedRttMs ||
      a.region.localeCompare(b.region),
  );
  const best = ranking[0]?.feasible ? ranking[0] : null;
  return {
    recommendation: best ? { primary: best.region, replicas: best.replica ? [best.replica.region] : [], strategy: best.strategy!, monthlyCost: best.monthlyCost!, reasons: reasonsFor(best, ranking, input) } : null,
    unmet: best ? [] : unmetConstraints(rows, input, allowed),
    ranking,
    front: paretoFront(rows.filter((r) => allowed(r.region))),
  };
}

function reasonsFor(best: RankingRow, ranking: readonly RankingRow[], input: PlacementInput): string[] {
  const k = input.constraints;
  const feasible = ranking.filter((r) => r.feasible).length;
  const pct = Math.round(best.coverage * 100);
  const source = best.latency.every((l) => l.estimated) ? "estimated" : best.latency.some((l) => l.estimated) ? "measured here, estimated elsewhere" : "measured";
  const sureness =
    best.latencyConfidence === "confident" ? "; met even at the high end of the estimates' 80% intervals"
    : best.latencyConfidence === "likely" ? "; likely, not sure: the high end of the estimates' 80% intervals misses the limits" : "";
  const reasons = [
    `cheapest of ${feasible} feasible region${feasible === 1 ? "" : "s"}: $${usd(best.monthlyCost!)} a month on average with ${best.strategy}`,
    `${pct}% of traffic within ${k.latencyObjectiveMs} ms; weighted round trip ${best.weightedRttMs} ms, worst ${best.worstRttMs} ms (${source}${sureness})`,
  ];
  if (best.replica) {
    reasons.push(`replica in ${best.replica.region}, ${best.replica.distanceKm} km away, adds $${usd(best.replica.monthlyCost)} a month`);
  }
  const faster = ranking.filter((r) => r.feasible && r.weightedRttMs < best.weightedRttMs);
  if (faster.length) {
    const f = faster.sort((a, b) => a.weightedRttMs - b.weightedRttMs)[0]!;
    reasons.push(`${f.region} would be faster (${f.weightedRttMs} ms) for $${usd(f.monthlyCost!.minus(best.monthlyCost!))} more a month`);
  }
  return reasons;
}

function unmetConstraints(rows: readonly RankingRow[], input: PlacementInput, allowed: (r: string) => boolean): Unmet[] {
  const k = input.constraints;
  const pool = rows.filter((r) => allowed(r.region));
  const out: Unmet[] = [];
  const miss = (constraint: string, limit: number, values: number[], unit: string, what: string) => {
    const best = values.length ? Math.min(...values) : null;
    if (best === null || best > limit) {
      const by = best === null ? null : Math.round((best - limit) * 100) / 100;
      out.push({ constraint, limit, best, by, message: best === null ? `no allowed region can be judged for ${what}` : `the best allowed region's ${what} is ${best}${unit}, ${by}${unit} over the ${limit}${unit} limit` });
    }
  };
  if (pool.length === 0) {
    out.push({ constraint: "allowed_regions", limit: 0, best: null, by: null, message: "no region is allowed" });
    return out;
  }
  miss("latency_objective_ms", k.latencyObjectiveMs, pool.map((r) => r.weightedRttMs), " ms", "weighted round trip");
  miss("worst_latency_ms", k.worstLatencyMs, pool.map((r) => r.worstRttMs), " ms", "worst-served round trip");
  const priced = pool.filter((r) => r.monthlyCost !== null);
  if (priced.length === 0) {
    out.push({ constraint: "prices", limit: 0, best: null, by: null, message: "no allowed region has complete prices in the snapshot; run `stowage pricing refresh`" });
  }
  if (k.replica.required && priced.length > 0 && priced.every((r) => r.replica === null)) {
    out.push({ constraint: "replica.min_distance_km", limit: k.replica.minDistanceKm, best: null, by: null, message: `no allowed pair of priced regions is at least ${k.replica.minDistanceKm} km apart` });
  }
  if (k.monthlyBudgetUsd !== null) {
    miss("monthly_budget_usd", k.monthlyBudgetUsd, priced.map((r) => Math.round(r.monthlyCost!.toNumber() * 100) / 100), "", "average monthly cost in USD");
  }
  if (out.length === 0) {
    out.push({ constraint: "combination", limit: 0, best: null, by: null, message: "each constraint is met by some allowed region, but no region meets them all at once; see rejectedBecause in the ranking" });
  }
  return out;
}
