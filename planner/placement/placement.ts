/**
 * Placement: choose a primary region (and a replica) from costs and latencies. Pure: every input is data, prepared
 * by plan.ts; each candidate is judged on its own (judge.ts); this file chooses among them and says why.
 *
 * A region is feasible when it is allowed, has a complete price, meets the latency objective for the
 * traffic-weighted round trip and for the worst-served population, fits the budget, and — when a replica is
 * required — has an allowed replica region far enough away whose cost still fits the budget. A primary's strategy
 * and replica are chosen together: the pair that costs least over the horizon. The recommendation is the cheapest
 * feasible region, unless another feasible region within the near-tie margin (default 5%) is faster: then the
 * fastest of those, and the reasons say what it costs.
 *
 * A region whose cheapest option lacks a price is ranked "unknown" with the range that option could cost (the
 * missing product at the cheapest and the dearest other region's price); it is never recommended, but when the
 * recommendation would change at either end of that range the reasons say so and name the refresh that settles it.
 */
import { Decimal, usd } from "../../core/money.js";
import type { PlacementInput, RankingRow, Unmet, Plan } from "./types.js";
import { splitLocationId } from "../../core/clouds/locations.js";
import { judge, missingText, r1, refreshText, type Judged } from "./judge.js";

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

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

/**
 * The winner among feasible rows: the cheapest, unless a feasible row within the near-tie margin of it is faster
 * (then the fastest of those; ties: the cheaper, then the region code).
 */
function winnerOf(rows: readonly RankingRow[], margin: number): { best: RankingRow; cheapest: RankingRow } | null {
  const feasible = rows.filter((r) => r.feasible);
  if (feasible.length === 0) return null;
  const byCost = (a: RankingRow, b: RankingRow) =>
    a.monthlyCost!.comparedTo(b.monthlyCost!) || a.weightedRttMs - b.weightedRttMs || a.region.localeCompare(b.region);
  const cheapest = [...feasible].sort(byCost)[0]!;
  const limit = cheapest.monthlyCost!.times(1 + margin);
  const best = feasible.filter((r) => r.monthlyCost!.lessThanOrEqualTo(limit)).sort((a, b) => a.weightedRttMs - b.weightedRttMs || byCost(a, b))[0]!;
  return { best, cheapest };
}

export function place(input: PlacementInput): Plan {
  const k = input.constraints;
  const allowed = (r: string) => k.allowedRegions === null || k.allowedRegions.includes(r);
  const budget = k.monthlyBudgetUsd === null ? null : new Decimal(k.monthlyBudgetUsd);

  const judged = input.candidates.map((c) => judge(input, c, allowed, budget));
  const rows = judged.map((j) => j.row);
  const ranking = [...rows].sort(
    (a, b) =>
      Number(b.feasible) - Number(a.feasible) ||
      (a.monthlyCost && b.monthlyCost ? a.monthlyCost.comparedTo(b.monthlyCost) : a.monthlyCost ? -1 : b.monthlyCost ? 1 : 0) ||
      (a.unpriced && b.unpriced ? a.unpriced.low.comparedTo(b.unpriced.low) : a.unpriced ? -1 : b.unpriced ? 1 : 0) ||
      a.weightedRttMs - b.weightedRttMs ||
      a.region.localeCompare(b.region),
  );
  const won = winnerOf(rows, k.nearTieMargin);
  const best = won?.best ?? null;
  return {
    recommendation: best
      ? {
          primary: best.region,
          replicas: best.replica ? [best.replica.region] : [],
          strategy: best.strategy!,
          strategyId: best.strategyId!,
          monthlyCost: best.monthlyCost!,
          reasons: reasonsFor(won!, ranking, judged, input, budget),
        }
      : null,
    unmet: best ? [] : unmetConstraints(rows, input, allowed),
    ranking,
    front: paretoFront(rows.filter((r) => allowed(r.region))),
  };
}

function reasonsFor(
  won: { best: RankingRow; cheapest: RankingRow },
  ranking: readonly RankingRow[],
  judged: readonly Judged[],
  input: PlacementInput,
  budget: Decimal | null,
): string[] {
  const { best, cheapest } = won;
  const k = input.constraints;
  const feasible = ranking.filter((r) => r.feasible).length;
  const share = Math.round(best.coverage * 100);
  const source = best.latency.every((l) => l.estimated)
    ? "estimated"
    : best.latency.some((l) => l.estimated)
      ? "measured here, estimated elsewhere"
      : "measured";
  const sureness =
    best.latencyConfidence === "confident"
      ? "; met even at the high end of the estimates' 80% intervals"
      : best.latencyConfidence === "likely"
        ? "; likely, not sure: the high end of the estimates' 80% intervals misses the limits"
        : best.latencyConfidence === "unknown" && best.latency.some((l) => l.basis?.includes("assumed"))
          ? "; routing unknown: where the provider places the data is assumed, so the interval is wide"
          : best.latencyConfidence === "unknown" && best.latency.some((l) => l.basis?.startsWith("distance alone"))
            ? `; routing unknown: no measured region shares ${best.region}'s metro, so the estimate is distance alone and its interval is wide`
            : best.latencyConfidence === "unknown"
              ? `; routing unknown for ${best.latency
                  .filter((l) => l.routingUnknown)
                  .map((l) => l.population)
                  .join(", ")}: no measured region is near, so the estimate is physics only and its interval is wide`
              : "";
  const reasons = [
    best === cheapest
      ? `cheapest of ${feasible} feasible region${feasible === 1 ? "" : "s"}: $${usd(best.monthlyCost!)} a month on average with ${best.strategy}`
      : `within the ${pct(k.nearTieMargin)} near-tie margin of the cheapest of ${feasible} feasible regions, and faster: $${usd(best.monthlyCost!)} a month on average with ${best.strategy}`,
    `${share}% of traffic within ${k.latencyObjectiveMs} ms; weighted round trip ${best.weightedRttMs} ms, worst ${best.worstRttMs} ms (${source}${sureness})`,
  ];
  if (best !== cheapest) {
    reasons.push(
      `${cheapest.region} is cheaper by $${usd(best.monthlyCost!.minus(cheapest.monthlyCost!))} but ${r1(best.weightedRttMs < cheapest.weightedRttMs ? cheapest.weightedRttMs - best.weightedRttMs : 0)} ms slower; within the ${pct(k.nearTieMargin)} margin the lower latency wins`,
    );
  }
  if (best.replica) {
    const alone = input.option(best.region, null).priced;
    const together = alone && alone.strategy !== best.strategyId ? ` (${best.strategy} costs least with a replica; alone, ${alone.label} would)` : "";
    const cross = input.option(best.region, best.replica.region).priced?.replicaEgress;
    const egress = cross
      ? `; it is in another provider's cloud, so the copy crosses the internet and pays ${cross.from}'s internet egress (${cross.monthlyCost.isZero() ? "$0.00: within its free allowance" : `$${usd(cross.monthlyCost)} a month of it`}), not inter-region transfer`
      : "";
    reasons.push(`replica in ${best.replica.region}, ${best.replica.distanceKm} km away, adds $${usd(best.replica.monthlyCost)} a month${together}${egress}`);
  }
  reasons.push(...acrossProviders(best, ranking, input));
  const faster = ranking.filter((r) => r.feasible && r.weightedRttMs < best.weightedRttMs);
  if (faster.length) {
    const f = [...faster].sort((a, b) => a.weightedRttMs - b.weightedRttMs)[0]!;
    reasons.push(`${f.region} would be faster (${f.weightedRttMs} ms) for $${usd(f.monthlyCost!.minus(best.monthlyCost!))} more a month`);
  }
  reasons.push(...holes(won, judged, input, budget));
  return reasons;
}

/** Each provider's own egress rule, as its price data states it (core/clouds/horizon.ts prices it). */
const EGRESS_RULES: Readonly<Record<string, string>> = {
  aws: "AWS: the first 100 GB a month free, then per GB",
  r2: "Cloudflare R2 charges no egress",
  b2: "Backblaze B2: egress free up to 3× the data stored, then per GB",
  azure: "Azure: the first 100 GB a month free, then per GB",
  gcs: "GCS: premium-tier internet egress per GB",
};

const providerOf = (id: string) => splitLocationId(id).provider;

/**
 * When the plan compares providers: how the latency to a non-AWS pick was estimated, and what internet egress costs
 * there against the best feasible row of each other provider (where egress-heavy workloads are won or lost).
 */
function acrossProviders(best: RankingRow, ranking: readonly RankingRow[], input: PlacementInput): string[] {
  const providers = new Set(ranking.map((r) => providerOf(r.region)));
  if (providers.size < 2 && providerOf(best.region) === "aws") return [];
  const out: string[] = [];
  if (providerOf(best.region) !== "aws") {
    const bases = best.latency.flatMap((l) => (l.basis ? [`${l.population} by ${l.basis}`] : []));
    const live = best.latency.filter((l) => !l.estimated).map((l) => l.population);
    if (live.length) out.push(`latency to ${best.region} measured live for ${live.join(", ")} (its endpoint in providers.endpoints)`);
    if (bases.length)
      out.push(
        `latency to ${best.region} is estimated${live.length ? ` for the others` : `, not measured (no endpoint of it in providers.endpoints is probed)`}: ${bases.join("; ")}`,
      );
  }
  const egressOf = (r: RankingRow) => (r.replica ? input.option(r.region, r.replica.region) : input.option(r.region, null)).priced?.egressMonthlyCost;
  const own = egressOf(best);
  if (!own) return out;
  const others: string[] = [];
  for (const p of providers) {
    if (p === providerOf(best.region)) continue;
    const rival = ranking.find((r) => providerOf(r.region) === p && r.feasible) ?? ranking.find((r) => providerOf(r.region) === p && r.monthlyCost);
    const theirs = rival && egressOf(rival);
    if (rival && theirs)
      others.push(`$${usd(theirs)} at ${rival.region} (${rival.feasible ? "its provider's best feasible" : "cheapest priced, not feasible"})`);
  }
  if (others.length && (own.greaterThan(0) || others.some((o) => !o.startsWith("$0.00 ")))) {
    const rule = EGRESS_RULES[providerOf(best.region)];
    out.push(`internet egress: $${usd(own)} a month on average at ${best.region}${rule ? ` (${rule})` : ""}, against ${others.join(", ")}`);
  }
  return out;
}

/**
 * Where a missing price could decide: for each row with an unpriced option cheaper than what it is ranked at, the
 * winner is chosen again with that option at its low end and at its high end. A hole that changes the winner at
 * either end is named, with the refresh that fills it.
 */
function holes(won: { best: RankingRow }, judged: readonly Judged[], input: PlacementInput, budget: Decimal | null): string[] {
  const out: string[] = [];
  const rows = judged.map((j) => j.row);
  const winnerWith = (i: number, cost: Decimal) => {
    const { row } = judged[i]!;
    const u = row.unpriced!;
    const fits = !budget || cost.lessThanOrEqualTo(budget);
    // Dearer than the row's priced option, the unpriced one would not be chosen.
    const as: RankingRow =
      row.monthlyCost && row.monthlyCost.lessThanOrEqualTo(cost)
        ? row
        : { ...row, monthlyCost: cost, strategy: u.label, strategyId: u.strategy, feasible: !judged[i]!.otherwiseBlocked && fits };
    const w = winnerOf(
      rows.map((r, j) => (j === i ? as : r)),
      input.constraints.nearTieMargin,
    )!;
    return { region: w.best.region, strategy: w.best.strategyId };
  };
  const now = { region: won.best.region, strategy: won.best.strategyId };
  const changes = (x: { region: string; strategy: string | null }) => x.region !== now.region || x.strategy !== now.strategy;
  judged.forEach(({ row, otherwiseBlocked }, i) => {
    const u = row.unpriced;
    if (!u || otherwiseBlocked) return;
    const atLow = winnerWith(i, u.low);
    const atHigh = winnerWith(i, u.high);
    if (!changes(atLow) && !changes(atHigh)) return;
    const what = row.region === now.region ? `${row.region} with ${u.label}` : `${row.region}${u.replica ? ` (replica in ${u.replica})` : ""} with ${u.label}`;
    const ends = changes(atLow) && changes(atHigh) ? "at either end" : changes(atLow) ? "at the low end" : "at the high end";
    out.push(
      `unknown price decides: ${what} would cost $${usd(u.low)}–$${usd(u.high)} a month with ${missingText(u)} at the cheapest to the dearest other region's price, and ${ends} the recommendation would change; run ${refreshText(u.regions)}`,
    );
  });
  return out;
}

function unmetConstraints(rows: readonly RankingRow[], input: PlacementInput, allowed: (r: string) => boolean): Unmet[] {
  const k = input.constraints;
  const pool = rows.filter((r) => allowed(r.region));
  const out: Unmet[] = [];
  const miss = (constraint: string, limit: number, values: number[], unit: string, what: string) => {
    const best = values.length ? Math.min(...values) : null;
    if (best === null || best > limit) {
      const by = best === null ? null : Math.round((best - limit) * 100) / 100;
      out.push({
        constraint,
        limit,
        best,
        by,
        message:
          best === null
            ? `no allowed region can be judged for ${what}`
            : `the best allowed region's ${what} is ${best}${unit}, ${by}${unit} over the ${limit}${unit} limit`,
      });
    }
  };
  if (pool.length === 0) {
    out.push({ constraint: "allowed_regions", limit: 0, best: null, by: null, message: "no region is allowed" });
    return out;
  }
  miss(
    "latency_objective_ms",
    k.latencyObjectiveMs,
    pool.map((r) => r.weightedRttMs),
    " ms",
    "weighted round trip",
  );
  miss(
    "worst_latency_ms",
    k.worstLatencyMs,
    pool.map((r) => r.worstRttMs),
    " ms",
    "worst-served round trip",
  );
  const priced = pool.filter((r) => r.monthlyCost !== null || (k.replica.required && input.option(r.region, null).priced !== null));
  if (priced.length === 0) {
    out.push({
      constraint: "prices",
      limit: 0,
      best: null,
      by: null,
      message: pool.some((r) => providerOf(r.region) !== "aws")
        ? "no allowed location has complete prices: AWS's come from the snapshot (`stowage pricing refresh`), other providers' from the shipped data/other-clouds, which a newer Stowage release updates; see rejectedBecause for what is missing"
        : "no allowed region has complete prices in the snapshot; run `stowage pricing refresh`",
    });
  }
  if (k.replica.required && priced.length > 0 && priced.every((r) => r.replica === null)) {
    out.push({
      constraint: "replica.min_distance_km",
      limit: k.replica.minDistanceKm,
      best: null,
      by: null,
      message: `no allowed pair of priced regions is at least ${k.replica.minDistanceKm} km apart`,
    });
  }
  if (k.monthlyBudgetUsd !== null) {
    miss(
      "monthly_budget_usd",
      k.monthlyBudgetUsd,
      priced.flatMap((r) => (r.monthlyCost ? [Math.round(r.monthlyCost.toNumber() * 100) / 100] : [])),
      "",
      "average monthly cost in USD",
    );
  }
  if (out.length === 0) {
    out.push({
      constraint: "combination",
      limit: 0,
      best: null,
      by: null,
      message: "each constraint is met by some allowed region, but no region meets them all at once; see rejectedBecause in the ranking",
    });
  }
  return out;
}
