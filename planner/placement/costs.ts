/**
 * The placement's cost table: per region, and per primary and replica pair, the cheapest S3 strategy over the
 * horizon, and what an option whose price is missing could cost. Pure.
 *
 * A bucket's quantities (cohorts ageing through classes, requests, replication traffic) do not depend on the
 * region it is in, so they are computed once per strategy and only priced per region, as totals without line
 * items (seriesTotal). The figures equal estimate()'s totals for the same region and strategy (tested); this is
 * the same model, arranged for a search over every region and pair.
 *
 * A primary and its replica are chosen together: a strategy that is cheapest for one copy (Deep Archive) can be
 * the dearest with a replica (its replication PUTs cost $0.05 per 1,000), so each pair gets the strategy whose
 * primary, replica, replication requests and transfer cost least together.
 *
 * A missing price is never read as "free" nor as "impossible": an option that lacks one is priced as a range,
 * with the missing product at the cheapest and at the dearest price other regions have for it (its neighbours).
 * A missing price whose quantity is zero costs nothing at any price and needs no range.
 */
import { Decimal, ZERO } from "../../core/money.js";
import type { Catalog } from "../../core/pricing/catalog.js";
import { seriesOf, seriesTotal, type Series } from "../../core/cost/components.js";
import { egressComponents, strategyFor, type OptionId } from "../../core/cost/horizon.js";
import { accessComponents, interRegionSelector, monthStates, replicationRequests, replicationTransfer, storageComponents } from "../../core/cost/cohorts.js";
import type { Workload } from "../../core/cost/workload.js";
import type { PricedCost, UnpricedCost } from "./types.js";

/** The pricing step's options name their strategy by id; the plan adds the label people read. */
export type Priced = PricedCost<OptionId>;
export type Unpriced = UnpricedCost<OptionId>;

export interface Choice {
  /** The cheapest option whose prices are all known; null when none is. */
  readonly priced: Priced | null;
  /** The unpriced option with the lowest low end, when that is below the priced one's cost (or nothing is priced). */
  readonly unpriced: Unpriced | null;
}

export interface CostTable {
  /** Horizon total of one strategy in a region (the bucket and internet egress); null without complete prices. */
  total(region: string, strategy: OptionId): Decimal | null;
  /** What replicating `primary` under `strategy` to `replica` adds over the horizon; null when not priced. */
  replicaTotal(primary: string, replica: string, strategy: OptionId): Decimal | null;
  /** The strategy (for the pair, when `replica` is given) that costs least over the horizon, and any cheaper unknown. */
  choose(primary: string, replica: string | null): Choice;
}

interface StrategySeries {
  readonly id: OptionId;
  /** The primary bucket: storage, transitions, early deletion, requests and retrieval. */
  readonly bucket: Series[];
  /** A replica bucket: its storage under the same lifecycle and one replication PUT per object. */
  readonly replica: Series[];
}

/** One part of an option in one region: exact when every price is there, else a range from the neighbours. */
interface Part {
  readonly exact: Decimal | null;
  /** Null when some quantity is unknown or no region prices a missing product. */
  readonly low: Decimal | null;
  readonly high: Decimal | null;
  readonly missing: readonly string[];
  readonly regions: readonly string[];
}

export function costTable(w: Workload, catalog: Catalog, strategies: readonly OptionId[]): CostTable {
  const single = { ...w, replication: { regions: [] } };
  const egress = seriesOf(Array.from({ length: w.horizon_months }, () => egressComponents(single)));
  // New data per month is the same under every strategy: any one's states give the transfer to a replica.
  const transfer = seriesOf(monthStates(single, { ingest: "STANDARD", transitions: [] }).map((s) => [replicationTransfer(s, w.region, w.region)]))[0]!;
  const bySeries: StrategySeries[] = strategies.map((id) => {
    const strategy = strategyFor(id, w);
    if (!strategy) throw new Error(`${id} is not an S3 strategy`);
    const states = monthStates(single, strategy);
    // s3Month without replication, taken apart: a replica stores exactly what the primary stores.
    const storage = seriesOf(states.map((s) => storageComponents(strategy, s, w.region)));
    const access = seriesOf(states.map(() => accessComponents(single, strategy, w.region)));
    const requests = seriesOf(states.map((s) => [replicationRequests(strategy, s, w.region)]));
    return { id, bucket: [...storage, ...access], replica: [...storage, ...requests] };
  });

  const memo = <V>(compute: (key: string) => V) => {
    const cache = new Map<string, V>();
    return (key: string): V => {
      if (!cache.has(key)) cache.set(key, compute(key));
      return cache.get(key)!;
    };
  };

  // One series' horizon total in each region that prices it: the neighbours a missing price is bounded by.
  const byRegion = new WeakMap<Series, Map<string, Decimal>>();
  const neighbours = (s: Series): Map<string, Decimal> => {
    let m = byRegion.get(s);
    if (!m) {
      m = new Map();
      for (const region of catalog.regions(s.price.service)) {
        const t = seriesTotal([s], catalog, region);
        if (t) m.set(region, t);
      }
      byRegion.set(s, m);
    }
    return m;
  };
  const partOf = (series: readonly Series[], region: string): Part => {
    const exact = seriesTotal(series, catalog, region);
    if (exact) return { exact, low: exact, high: exact, missing: [], regions: [] };
    let low: Decimal | null = ZERO;
    let high: Decimal | null = ZERO;
    const missing: string[] = [];
    for (const s of series) {
      if (s.months === null) return { exact: null, low: null, high: null, missing, regions: [] };
      const own = neighbours(s).get(region);
      if (own) {
        low = low!.plus(own);
        high = high!.plus(own);
        continue;
      }
      if (s.sum.isZero()) continue;
      missing.push(`${region} ${s.price.service} ${s.price.usagetype}`);
      const others = [...neighbours(s).values()];
      if (others.length === 0 || low === null) {
        low = high = null;
        continue;
      }
      low = low.plus(Decimal.min(...others));
      high = high!.plus(Decimal.max(...others));
    }
    // Every missing price multiplies a zero quantity: the total is known after all.
    if (missing.length === 0 && low) return { exact: low, low, high: low, missing, regions: [] };
    return { exact: null, low, high, missing, regions: missing.length ? [region] : [] };
  };
  const combine = (parts: readonly Part[]): Part => {
    const all = <T>(f: (p: Part) => T | null) => (parts.every((p) => f(p) !== null) ? parts.map((p) => f(p)!) : null);
    const sumOf = (xs: Decimal[] | null) => (xs ? xs.reduce((a, b) => a.plus(b), ZERO) : null);
    return {
      exact: sumOf(all((p) => p.exact)),
      low: sumOf(all((p) => p.low)),
      high: sumOf(all((p) => p.high)),
      missing: [...new Set(parts.flatMap((p) => p.missing))],
      regions: [...new Set(parts.flatMap((p) => p.regions))],
    };
  };

  const egressPart = memo((region) => partOf(egress, region));
  const bucketPart = memo((key) => {
    const [id, region] = key.split("|") as [OptionId, string];
    return combine([partOf(bySeries.find((x) => x.id === id)!.bucket, region), egressPart(region)]);
  });
  const replicaPart = memo((key) => {
    const [id, region] = key.split("|") as [OptionId, string];
    return partOf(bySeries.find((x) => x.id === id)!.replica, region);
  });
  const transferPart = memo((key) => {
    const [primary, replica] = key.split("|") as [string, string];
    return partOf([{ ...transfer, price: interRegionSelector(replica) }], primary);
  });
  /** The replica's own bucket plus the transfer to it. */
  const addedPart = (primary: string, replica: string, id: OptionId) => combine([replicaPart(`${id}|${replica}`), transferPart(`${primary}|${replica}`)]);

  const total = (region: string, id: OptionId): Decimal | null => {
    const s = bySeries.find((x) => x.id === id);
    if (!s) return null;
    const bucket = seriesTotal(s.bucket, catalog, region);
    const out = seriesTotal(egress, catalog, region);
    return bucket && out ? bucket.plus(out) : null;
  };
  const replicaTotal = (primary: string, replica: string, id: OptionId): Decimal | null => {
    const bucket = seriesTotal(bySeries.find((x) => x.id === id)!.replica, catalog, replica);
    const sent = seriesTotal([{ ...transfer, price: interRegionSelector(replica) }], catalog, primary);
    return bucket && sent ? bucket.plus(sent) : null;
  };

  const months = w.horizon_months;
  const choose = (primary: string, replica: string | null): Choice => {
    let priced: { id: OptionId; total: Decimal; added: Decimal | null } | null = null;
    let unpriced: { id: OptionId; part: Part } | null = null;
    for (const { id } of bySeries) {
      const own = bucketPart(`${id}|${primary}`);
      const added = replica === null ? null : addedPart(primary, replica, id);
      const part = added ? combine([own, added]) : own;
      if (part.exact) {
        if (!priced || part.exact.lessThan(priced.total)) priced = { id, total: part.exact, added: added?.exact ?? null };
      } else if (part.low && (!unpriced || part.low.lessThan(unpriced.part.low!))) {
        unpriced = { id, part };
      }
    }
    const keep = unpriced && (!priced || unpriced.part.low!.lessThan(priced.total));
    return {
      priced: priced && { strategy: priced.id, monthlyCost: priced.total.div(months), replicaMonthlyCost: priced.added && priced.added.div(months) },
      unpriced: keep
        ? {
            strategy: unpriced!.id,
            low: unpriced!.part.low!.div(months),
            high: unpriced!.part.high!.div(months),
            missing: unpriced!.part.missing,
            regions: unpriced!.part.regions,
          }
        : null,
    };
  };
  return { total, replicaTotal, choose };
}
