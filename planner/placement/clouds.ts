/**
 * Other providers' locations in the placement: each priced by the same horizon as `stowage cost --provider`
 * (core/clouds/horizon.ts), and replicas that cross from one provider to another. Pure.
 *
 * - A location alone: its cheapest option whose prices are all in the shipped data (a missing price whose quantity
 *   is zero costs nothing at any price); with none, the prices it lacks, which are never guessed.
 * - A replica in another provider's cloud: the replica's own bucket priced where it is (its storage and one write per
 *   object written, nothing read or sent out), plus what the copy costs to leave the primary: the primary provider's
 *   internet egress on each month's new data (month 1: the initial data), on top of the users' own egress, so tiers
 *   and free allowances (Azure's first 100 GB, B2's 3× the data stored) are used up in the order they are billed.
 *   Not inter-region transfer: the data crosses the public internet.
 * - Two locations of the same other provider are not a pair here: that provider's own replicated storage (GCS dual-
 *   and multi-regions, Azure GRS) is a different product, priced by `stowage cost --provider` where the data has it.
 */
import { Decimal, ZERO, dec } from "../../core/money.js";
import type { Catalog } from "../../core/pricing/catalog.js";
import { priceComponents, type LineItem } from "../../core/cost/components.js";
import { egressComponents } from "../../core/cost/horizon.js";
import { cohortsFor } from "../../core/cost/cohorts.js";
import { CLOUD_OPTIONS, cloudMonth, estimateCloud, type CloudRules, type OtherProvider } from "../../core/clouds/horizon.js";
import type { Location } from "../../core/clouds/locations.js";
import type { Workload } from "../../core/cost/workload.js";

export interface CloudPrices {
  readonly catalog: Catalog;
  readonly rules: CloudRules;
}

/** The cheapest fully priced option at a location, averaged per month over the horizon. */
export interface CloudPick {
  readonly id: string;
  readonly label: string;
  readonly monthlyCost: Decimal;
  /** Its internet egress lines alone. */
  readonly egressMonthlyCost: Decimal;
}

/** A line whose cost is unknown only because a price is missing for a quantity of zero costs nothing. */
const settled = (l: LineItem) => l.cost !== null || (l.quantity !== null && l.quantity.isZero());
const isEgress = (l: LineItem) => l.name.startsWith("Internet egress");

/** The workload with every month's new data (month 1: the initial data) in GB, the copy a replica receives. */
export function newDataByMonth(w: Workload): Decimal[] {
  return cohortsFor(w).map((c) => c.gb);
}

/** The replica's own workload: it stores what the primary stores and is written as often, but nobody reads it. */
export function replicaWorkload(w: Workload): Workload {
  return {
    ...w,
    requests: { monthly_writes: w.requests?.monthly_writes ?? 0, monthly_reads: 0 },
    access: { monthly_read_gb: 0, monthly_egress_gb: 0 },
    replication: { regions: [] },
  };
}

/** A location's cheapest complete option, or the prices that leave every option incomplete. */
export function cheapestAt(w: Workload, loc: Location, prices: CloudPrices, only?: readonly string[]): { pick: CloudPick | null; missing: string[] } {
  const report = estimateCloud({ ...w, replication: { regions: [] } }, loc.provider as OtherProvider, loc, prices.catalog, prices.rules, only);
  let pick: CloudPick | null = null;
  for (const o of report.options) {
    const lines = o.months.flatMap((m) => m.lines);
    if (!lines.every(settled)) continue;
    const sum = (ls: readonly LineItem[]) => ls.reduce((a, l) => a.plus(l.cost ?? ZERO), ZERO);
    const total = sum(lines);
    if (!pick || total.lessThan(pick.monthlyCost.times(w.horizon_months))) {
      pick = {
        id: o.id,
        label: CLOUD_OPTIONS[loc.provider as OtherProvider].find((x) => x.id === o.id)!.label,
        monthlyCost: total.div(w.horizon_months),
        egressMonthlyCost: sum(lines.filter(isEgress)).div(w.horizon_months),
      };
    }
  }
  const missing = pick ? [] : [...new Set(report.missingPrices.map((m) => `${loc.provider}:${m.region} ${m.usagetype}`))];
  return { pick, missing };
}

/**
 * What sending each month's new data out to a replica adds to the primary's internet egress bill over the horizon:
 * the month's egress priced with the copy on top of the users' own, less without it. Null when a price is missing.
 */
export function replicaEgressTotal(
  w: Workload,
  primary: { provider: "aws"; region: string; catalog: Catalog } | { loc: Location; optionId: string; prices: CloudPrices },
): Decimal | null {
  const own = w.access?.monthly_egress_gb ?? 0;
  const extra = newDataByMonth(w);
  const cohorts = cohortsFor(w);
  let total = ZERO;
  for (let month = 1; month <= w.horizon_months; month++) {
    const withEgress = (gb: Decimal): Workload => ({ ...w, access: { monthly_read_gb: w.access?.monthly_read_gb ?? 0, monthly_egress_gb: gb.toNumber() } });
    const cost = (gb: Decimal): Decimal | null => {
      let lines: LineItem[];
      if ("catalog" in primary) {
        lines = priceComponents(egressComponents({ ...withEgress(gb), region: primary.region }), primary.catalog).lines;
      } else {
        const opt = CLOUD_OPTIONS[primary.loc.provider as OtherProvider].find((o) => o.id === primary.optionId)!;
        const comps = cloudMonth(primary.loc.provider as OtherProvider, opt, withEgress(gb), cohorts, month, primary.loc.code, primary.prices.rules);
        lines = priceComponents(
          comps.filter((c) => c.name.startsWith("Internet egress")),
          primary.prices.catalog,
        ).lines;
      }
      return lines.every((l) => l.cost !== null) ? lines.reduce((a, l) => a.plus(l.cost!), ZERO) : null;
    };
    const base = dec(own);
    const withCopy = cost(base.plus(extra[month - 1]!));
    const without = cost(base);
    if (withCopy === null || without === null) return null;
    total = total.plus(withCopy.minus(without));
  }
  return total;
}
