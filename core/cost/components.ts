/**
 * Cost components and the one step that prices them (infracost's shape): a model returns components — what is
 * used, how much, and which price — and never looks a price up itself. `priceComponents` attaches prices from
 * the catalog, splits tiered prices into one line per tier, and reports any price it cannot find.
 */
import { isAwsService, selectorKey, type Catalog, type PricedEntry, type PriceSelector, type Provenance } from "../pricing/catalog.js";
import type { PriceTier } from "../pricing/pricelist.js";
import { Decimal, ZERO, maxOf, minOf } from "../money.js";

export interface CostComponent {
  /** Stable name; the varying part in brackets: "Storage (Standard-IA)". */
  readonly name: string;
  /** The price's unit, e.g. "GB-Mo", "Requests", "Hrs". */
  readonly unit: string;
  /** Monthly quantity in that unit; null when the workload does not say (the line then shows its unit price). */
  readonly quantity: Decimal | null;
  readonly price: PriceSelector;
  /** The region whose price applies (a replica's lines use the replica region's prices). */
  readonly region: string;
  /**
   * Usage of the same tiered price already billed this month before this component, so tiers continue where the
   * other left off (an archive's 8 KB-per-object overhead is Standard storage on top of Standard data).
   */
  readonly tierOffset?: Decimal;
}

export interface LineItem {
  readonly name: string;
  readonly quantity: Decimal | null;
  readonly unit: string;
  /** Null when the price is missing from the catalog. */
  readonly unitPrice: Decimal | null;
  /** Null when the quantity is unknown or the price is missing. */
  readonly cost: Decimal | null;
  /** The price's selector key, for tracing a line to its SKU. */
  readonly price: string;
  readonly sku: string | null;
  readonly provenance: Provenance | null;
}

export interface MissingPrice {
  readonly service: string;
  readonly region: string;
  readonly usagetype: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The command that fetches it; null for another provider's price, which only a newer published source can give. */
  readonly command: string | null;
}

export interface TierShare {
  readonly tier: PriceTier;
  readonly quantity: Decimal;
}

/**
 * Splits a quantity across tiers: the part of [offset, offset + quantity) that falls in each tier. Tiers are
 * contiguous and ascending (the parser checks). Returns only tiers that receive some quantity, except that a zero
 * quantity yields the tier at the offset with zero, so a line still shows its price.
 */
export function splitTiers(tiers: readonly PriceTier[], quantity: Decimal, offset: Decimal = ZERO): TierShare[] {
  // Most prices have one tier from 0 and most usage no offset: all of the quantity is in it. The general path below
  // gives the same (quantity − 0 is the quantity), through five Decimals more per line of a 360-month horizon.
  const only = tiers.length === 1 ? tiers[0]! : null;
  if (only && only.end === null && only.begin.isZero() && offset.isZero()) {
    return [{ tier: only, quantity: quantity.isZero() || quantity.isNegative() ? ZERO : quantity }];
  }
  const from = offset;
  const to = offset.plus(quantity);
  const shares: TierShare[] = [];
  for (const tier of tiers) {
    const lo = maxOf(from, tier.begin);
    const hi = tier.end === null ? to : minOf(to, tier.end);
    if (hi.greaterThan(lo)) shares.push({ tier, quantity: hi.minus(lo) });
  }
  if (shares.length === 0) {
    const at = tiers.find((t) => t.begin.lessThanOrEqualTo(from) && (t.end === null || t.end.greaterThan(from))) ?? tiers[0]!;
    shares.push({ tier: at, quantity: ZERO });
  }
  return shares;
}

/** Tiers are immutable and priced every month: each one's label is written once. */
const tierLabels = new WeakMap<PriceTier, string>();

function tierLabel(tier: PriceTier): string {
  let label = tierLabels.get(tier);
  if (label === undefined) {
    const begin = tier.begin.toFixed();
    label = tier.end === null ? `over ${begin}` : `${begin}–${tier.end.toFixed()}`;
    tierLabels.set(tier, label);
  }
  return label;
}

/** "Storage (Standard)" + "0–51200 GB-Mo" → "Storage (Standard, 0–51200 GB-Mo)". */
function withTier(name: string, tier: PriceTier, unit: string): string {
  const label = `${tierLabel(tier)} ${unit}`;
  return name.endsWith(")") ? `${name.slice(0, -1)}, ${label})` : `${name} (${label})`;
}

export function refreshCommand(service: string, region: string): string | null {
  if (!isAwsService(service)) return null;
  return `stowage pricing refresh --region ${region} --service ${service}`;
}

export interface Priced {
  readonly lines: LineItem[];
  readonly missing: MissingPrice[];
}

/**
 * The price found, checked against the unit the model counts in. A product priced per another unit (gp3 throughput
 * is per GiBps-mo in the real Price List, where a model counting MiB/s would bill 1024×) is an error naming both
 * units, never a silent multiple. Units compare without regard to case (AWS writes GiBps-mo and GB-Mo).
 */
function inUnit(found: PricedEntry | null, unit: string, selector: PriceSelector, region: string): PricedEntry | null {
  if (!found) return null;
  const other = found.entry.tiers.find((t) => t.unit !== unit && t.unit.toLowerCase() !== unit.toLowerCase());
  if (other)
    throw new Error(
      `price ${selectorKey(selector)} in ${region} (SKU ${found.entry.sku}) is per ${other.unit}, but the cost model counts ${unit}: convert the quantity, or fix the selector`,
    );
  return found;
}

export function priceComponents(components: readonly CostComponent[], catalog: Catalog): Priced {
  const lines: LineItem[] = [];
  const missing: MissingPrice[] = [];
  for (const c of components) {
    const key = selectorKey(c.price);
    const found = inUnit(catalog.find(c.region, c.price), c.unit, c.price, c.region);
    if (!found) {
      missing.push({
        service: c.price.service,
        region: c.region,
        usagetype: c.price.usagetype,
        attributes: c.price.attributes ?? {},
        command: refreshCommand(c.price.service, c.region),
      });
      lines.push({ name: c.name, quantity: c.quantity, unit: c.unit, unitPrice: null, cost: null, price: key, sku: null, provenance: null });
      continue;
    }
    const { entry, provenance } = found;
    const tiered = entry.tiers.length > 1;
    if (c.quantity === null) {
      for (const tier of entry.tiers) {
        const name = tiered ? withTier(c.name, tier, c.unit) : c.name;
        lines.push({ name, quantity: null, unit: c.unit, unitPrice: tier.usd, cost: null, price: key, sku: entry.sku, provenance });
      }
      continue;
    }
    // A product whose source gives only its first tiers (skyplane's one internet rate) prices no usage beyond them.
    const top = entry.tiers[entry.tiers.length - 1]!.end;
    const beyond = top === null ? null : maxOf(ZERO, (c.tierOffset ?? ZERO).plus(c.quantity).minus(maxOf(top, c.tierOffset ?? ZERO)));
    if (beyond !== null && beyond.greaterThan(0)) {
      missing.push({
        service: c.price.service,
        region: c.region,
        usagetype: `${c.price.usagetype} over ${top!.toFixed()} ${c.unit}`,
        attributes: c.price.attributes ?? {},
        command: refreshCommand(c.price.service, c.region),
      });
      lines.push({
        name: `${c.name} (over ${top!.toFixed()} ${c.unit}: tier not priced)`,
        quantity: beyond,
        unit: c.unit,
        unitPrice: null,
        cost: null,
        price: key,
        sku: entry.sku,
        provenance,
      });
    }
    for (const share of splitTiers(entry.tiers, c.quantity, c.tierOffset)) {
      const name = tiered ? withTier(c.name, share.tier, c.unit) : c.name;
      lines.push({
        name,
        quantity: share.quantity,
        unit: c.unit,
        unitPrice: share.tier.usd,
        cost: share.quantity.isZero() ? ZERO : share.quantity.times(share.tier.usd),
        price: key,
        sku: entry.sku,
        provenance,
      });
    }
  }
  return { lines, missing };
}

/** The oldest retrieval date among the prices these lines used: what "prices as of" means; null when none was used. */
export function oldestPriceUsed(lines: Iterable<LineItem>): string | null {
  let oldest: string | null = null;
  for (const l of lines) {
    const at = l.provenance?.retrievedAt;
    if (at !== undefined && (oldest === null || at < oldest)) oldest = at;
  }
  return oldest;
}

/** The sum of the lines whose cost is known. Zeros are skipped: adding one gives what was there. */
export function total(lines: readonly LineItem[]): Decimal {
  let out = ZERO;
  for (const l of lines) if (l.cost && !l.cost.isZero()) out = out.plus(l.cost);
  return out;
}

/**
 * One component's quantities over the horizon, month by month (components are matched across months by name).
 * Enough to total a horizon without building line items: what a search over many regions needs.
 */
export interface Series {
  readonly price: PriceSelector;
  /** The unit the quantities are counted in. */
  readonly unit: string;
  /** Month by month; null when some month's quantity is unknown. */
  readonly months: readonly { readonly quantity: Decimal; readonly offset: Decimal }[] | null;
  /** The quantities' sum. */
  readonly sum: Decimal;
  /** The highest point any month reaches on the price's tiers (offset + quantity). */
  readonly peak: Decimal;
}

/** Groups a horizon's components (one list per month) into one series per component name. */
export function seriesOf(months: readonly (readonly CostComponent[])[]): Series[] {
  const byName = new Map<
    string,
    { price: PriceSelector; unit: string; months: { quantity: Decimal; offset: Decimal }[] | null; sum: Decimal; peak: Decimal }
  >();
  for (const components of months) {
    for (const c of components) {
      let s = byName.get(c.name);
      if (!s) byName.set(c.name, (s = { price: c.price, unit: c.unit, months: [], sum: ZERO, peak: ZERO }));
      if (c.quantity === null || s.months === null) {
        s.months = null;
        continue;
      }
      const offset = c.tierOffset ?? ZERO;
      s.months.push({ quantity: c.quantity, offset });
      s.sum = s.sum.plus(c.quantity);
      const top = offset.plus(c.quantity);
      if (top.greaterThan(s.peak)) s.peak = top;
    }
  }
  return [...byName.values()];
}

/**
 * The horizon total of series priced in `region` (every series, whatever region its components named: a bucket's
 * quantities do not depend on where it is). Equals the sum of priceComponents' line costs over the months; null
 * where estimate() would call the option incomplete (a price missing, a quantity unknown). Usage that never
 * leaves a price's first tier is summed once and multiplied once; only usage that climbs tiers is split monthly.
 */
export function seriesTotal(series: readonly Series[], catalog: Catalog, region: string): Decimal | null {
  let total = ZERO;
  for (const s of series) {
    const found = inUnit(catalog.find(region, s.price), s.unit, s.price, region);
    if (!found || s.months === null) return null;
    const top = found.entry.tiers[found.entry.tiers.length - 1]!.end;
    if (top !== null && s.peak.greaterThan(top)) return null; // usage beyond the tiers the source gave: not priced
    const [first, ...higher] = found.entry.tiers;
    if (higher.length === 0 || first!.end === null || s.peak.lessThanOrEqualTo(first!.end)) {
      total = total.plus(s.sum.times(first!.usd));
      continue;
    }
    for (const m of s.months) {
      for (const share of splitTiers(found.entry.tiers, m.quantity, m.offset)) total = total.plus(share.quantity.times(share.tier.usd));
    }
  }
  return total;
}
