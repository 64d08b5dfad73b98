/**
 * The placement's cost table: per region, the cheapest complete S3 strategy; per primary and replica, what the
 * replica adds. Pure.
 *
 * A bucket's quantities (cohorts ageing through classes, requests, replication traffic) do not depend on the
 * region it is in, so they are computed once per strategy and only priced per region, as totals without line
 * items (seriesTotal). The figures equal estimate()'s totals for the same region and strategy (tested); this is
 * the same model, arranged for a search over every region and pair.
 */
import type { Decimal } from "../../core/money.js";
import type { Catalog } from "../../core/pricing/catalog.js";
import { seriesOf, seriesTotal, type Series } from "../../core/cost/components.js";
import { egressComponents, strategyFor, type OptionId } from "../../core/cost/estimate.js";
import { accessComponents, interRegionSelector, monthStates, replicationRequests, replicationTransfer, storageComponents } from "../../core/cost/s3.js";
import type { Workload } from "../../core/cost/workload.js";

export interface RegionCost {
  readonly strategy: OptionId;
  /** Average per month over the horizon. */
  readonly monthlyCost: Decimal;
}

export interface CostTable {
  /** Horizon total of one strategy in a region (the bucket and internet egress); null without complete prices. */
  total(region: string, strategy: OptionId): Decimal | null;
  /** The cheapest complete strategy in a region (ties: the earlier strategy); null when none is complete. */
  cheapest(region: string): RegionCost | null;
  /** What replicating `primary` (under its cheapest strategy) to `replica` adds per month; null when not priced. */
  replicaCost(primary: string, replica: string): Decimal | null;
}

interface StrategySeries {
  readonly id: OptionId;
  /** The primary bucket: storage, transitions, early deletion, requests and retrieval. */
  readonly bucket: Series[];
  /** A replica bucket: its storage under the same lifecycle and one replication PUT per object. */
  readonly replica: Series[];
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
  const egressTotal = memo((region) => seriesTotal(egress, catalog, region));
  const total = (region: string, id: OptionId): Decimal | null => {
    const s = bySeries.find((x) => x.id === id);
    if (!s) return null;
    const bucket = seriesTotal(s.bucket, catalog, region);
    const out = egressTotal(region);
    return bucket && out ? bucket.plus(out) : null;
  };
  const cheapest = memo((region): RegionCost | null => {
    let best: { id: OptionId; total: Decimal } | null = null;
    for (const { id } of bySeries) {
      const t = total(region, id);
      if (t && (!best || t.lessThan(best.total))) best = { id, total: t };
    }
    return best && { strategy: best.id, monthlyCost: best.total.div(w.horizon_months) };
  });
  const replicaBucket = memo((key) => {
    const [id, region] = key.split("|") as [OptionId, string];
    return seriesTotal(bySeries.find((x) => x.id === id)!.replica, catalog, region);
  });
  const replicaCost = (primary: string, replica: string): Decimal | null => {
    const base = cheapest(primary);
    if (!base) return null;
    const bucket = replicaBucket(`${base.strategy}|${replica}`);
    const sent = seriesTotal([{ ...transfer, price: interRegionSelector(replica) }], catalog, primary);
    return bucket && sent ? bucket.plus(sent).div(w.horizon_months) : null;
  };
  return { total, cheapest, replicaCost };
}
