/**
 * One candidate location judged on its own, for placement.ts to choose among: its latency (weighted, worst-served,
 * and how sure: measured, confident at the high end of the estimates' intervals, likely, or routing unknown), its
 * cost with the cheapest strategy (and, when a replica is required, the cheapest replica far enough away, chosen with
 * it), or the range its missing price leaves; and every constraint it breaks. Pure.
 */
import { Decimal, usd } from "../../core/money.js";
import type { PricedOption, UnpricedOption, Candidate, PlacementInput, RankingRow } from "./types.js";

/** Milliseconds to one decimal. */
export const r1 = (x: number) => Math.round(x * 10) / 10;

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

type Replica = NonNullable<RankingRow["replica"]>;

/**
 * The primary's options with each replica far enough away, chosen together: the cheapest priced pair (ties: the
 * farther replica), and the unpriced pair with the lowest low end.
 */
function bestPair(input: PlacementInput, primary: string, allowed: (r: string) => boolean) {
  let priced: { option: PricedOption; replica: Replica } | null = null;
  let unpriced: { option: UnpricedOption; replica: string } | null = null;
  for (const c of input.candidates) {
    if (c.region === primary || !allowed(c.region)) continue;
    const distanceKm = input.distanceKm(primary, c.region);
    if (distanceKm < input.constraints.replica.minDistanceKm) continue;
    const o = input.option(primary, c.region);
    const p = o.priced;
    if (
      p &&
      (!priced ||
        p.monthlyCost.lessThan(priced.option.monthlyCost) ||
        (p.monthlyCost.equals(priced.option.monthlyCost) && distanceKm > priced.replica.distanceKm))
    ) {
      priced = { option: p, replica: { region: c.region, distanceKm: Math.round(distanceKm), monthlyCost: p.replicaMonthlyCost! } };
    }
    if (o.unpriced && (!unpriced || o.unpriced.low.lessThan(unpriced.option.low))) unpriced = { option: o.unpriced, replica: c.region };
  }
  if (unpriced && priced && !unpriced.option.low.lessThan(priced.option.monthlyCost)) unpriced = null;
  return { priced, unpriced };
}

export interface Judged {
  readonly row: RankingRow;
  /** Every reason but the price's own: what would still stop the row if its missing price were known. */
  readonly otherwiseBlocked: boolean;
}

/** One candidate against every constraint: its row of the ranking, feasible or with every reason it is not. */
export function judge(input: PlacementInput, c: Candidate, allowed: (r: string) => boolean, budget: Decimal | null): Judged {
  const k = input.constraints;
  const lat = latencyOf(c, k.latencyObjectiveMs);
  const high = latencyOf(pessimistic(c), k.latencyObjectiveMs);
  const sure = high.weighted <= k.latencyObjectiveMs && high.worst.rttMs <= k.worstLatencyMs;
  const routingUnknown = c.latency.some((l) => l.estimated && l.routingUnknown);
  const why: string[] = [];
  if (!allowed(c.region)) why.push("not in allowed_regions");
  if (lat.weighted > k.latencyObjectiveMs) why.push(`weighted round trip ${r1(lat.weighted)} ms is over the ${k.latencyObjectiveMs} ms objective`);
  if (lat.worst.rttMs > k.worstLatencyMs)
    why.push(`${lat.worst.population} would wait ${r1(lat.worst.rttMs)} ms, over the ${k.worstLatencyMs} ms limit for the worst-served`);
  let replica: Replica | null = null;
  let priced: PricedOption | null;
  let unpriced: RankingRow["unpriced"];
  let missing: readonly string[] | undefined;
  if (k.replica.required) {
    const pair = bestPair(input, c.region, allowed);
    // A location that cannot be priced even alone says what it lacks, not that no replica fits.
    if (!pair.priced && !pair.unpriced) missing = input.option(c.region, null).missing;
    priced = pair.priced?.option ?? null;
    replica = pair.priced?.replica ?? null;
    unpriced = pair.unpriced && { ...pair.unpriced.option, replica: pair.unpriced.replica };
  } else {
    const o = input.option(c.region, null);
    priced = o.priced;
    unpriced = o.unpriced && { ...o.unpriced, replica: null };
    missing = o.missing;
  }
  const otherwiseBlocked = why.length > 0;
  if (!priced && unpriced) {
    why.push(
      `price unknown: $${usd(unpriced.low)}–$${usd(unpriced.high)} a month with ${unpriced.label}${unpriced.replica ? ` and a replica in ${unpriced.replica}` : ""}, depending on ${missingText(unpriced)} (run ${refreshText(unpriced.regions)})`,
    );
  } else if (!priced && missing?.length) {
    const shown = missing.length > 2 ? `${missing.slice(0, 2).join(", ")} and ${missing.length - 2} more` : missing.join(" and ");
    why.push(
      `no complete price: ${shown} ${missing.length > 1 ? "are" : "is"} not in the shipped prices (data/other-clouds), and a missing price is never guessed`,
    );
  } else if (!priced && k.replica.required) {
    why.push(`no allowed replica region with prices at least ${k.replica.minDistanceKm} km away`);
  } else if (!priced) {
    why.push(`no complete price in the snapshot (run \`stowage pricing refresh --region ${c.region}\`)`);
  }
  const cost = priced?.monthlyCost ?? null;
  if (budget && cost && cost.greaterThan(budget)) {
    why.push(`$${usd(cost)}/month${replica ? ` with its replica in ${replica.region}` : ""} is over the $${usd(budget)} budget`);
  }
  const row: RankingRow = {
    region: c.region,
    strategy: priced?.label ?? null,
    strategyId: priced?.strategy ?? null,
    monthlyCost: cost,
    price: priced ? "known" : unpriced ? "unknown" : "none",
    unpriced,
    weightedRttMs: r1(lat.weighted),
    worstRttMs: r1(lat.worst.rttMs),
    coverage: Math.round(lat.coverage * 1000) / 1000,
    estimated: lat.estimated,
    latencyConfidence: !lat.estimated ? "measured" : routingUnknown ? "unknown" : sure ? "confident" : "likely",
    replica,
    feasible: why.length === 0,
    rejectedBecause: why,
    latency: c.latency,
  };
  return { row, otherwiseBlocked };
}

/** At most a few products by name: a region with no prices at all misses dozens. */
export function missingText(u: UnpricedOption): string {
  const shown = u.missing.slice(0, 2).join(", ");
  return u.missing.length > 2 ? `${shown} and ${u.missing.length - 2} more missing prices` : `the missing price${u.missing.length > 1 ? "s" : ""} of ${shown}`;
}

export function refreshText(regions: readonly string[]): string {
  return regions.map((r) => `\`stowage pricing refresh --region ${r}\``).join(" and ");
}
