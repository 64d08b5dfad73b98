/**
 * The horizon: every option's month-by-month cost for one workload, cumulative totals, and where options cross.
 * Pure: takes the workload and a catalog, returns data. Formatting is format.ts; I/O is the CLI's.
 */
import { Decimal, ZERO, dec, maxOf, minOf, sum } from "../money.js";
import type { Catalog, PriceSelector } from "../pricing/catalog.js";
import { oldestPriceUsed, priceComponents, total, type CostComponent, type LineItem, type MissingPrice } from "./components.js";
import { ebsMonth } from "./ebs.js";
import { rdsMonth } from "./rds.js";
import { accessComponents, cohortsFor, monthStates, replicationComponents, storageComponents, type Cohort, type S3Strategy } from "./cohorts.js";
import { CLASSES, type StorageClass } from "../storageClasses.js";
import type { Workload } from "./workload.js";

export const OPTION_IDS = [
  "s3-standard",
  "s3-standard-ia",
  "s3-onezone-ia",
  "s3-glacier-ir",
  "s3-glacier-flexible",
  "s3-deep-archive",
  "s3-intelligent-tiering",
  "s3-lifecycle",
  "rds-postgresql",
  "ebs",
] as const;
export type OptionId = (typeof OPTION_IDS)[number];

/** The class each single-class option keeps its data in (s3-lifecycle, RDS and EBS have none). */
export const SINGLE_CLASS: Readonly<Partial<Record<OptionId, StorageClass>>> = {
  "s3-standard": "STANDARD",
  "s3-standard-ia": "STANDARD_IA",
  "s3-onezone-ia": "ONEZONE_IA",
  "s3-glacier-ir": "GLACIER_IR",
  "s3-glacier-flexible": "GLACIER",
  "s3-deep-archive": "DEEP_ARCHIVE",
  "s3-intelligent-tiering": "INTELLIGENT_TIERING",
};

const SHORT_LABEL: Readonly<Record<StorageClass, string>> = {
  STANDARD: "Standard",
  INTELLIGENT_TIERING: "Int-Tiering",
  STANDARD_IA: "IA",
  ONEZONE_IA: "One Zone-IA",
  GLACIER_IR: "Glacier IR",
  GLACIER: "Glacier Flexible",
  DEEP_ARCHIVE: "Deep Archive",
};

export interface MonthCost {
  readonly month: number;
  readonly total: Decimal;
  readonly cumulative: Decimal;
  readonly lines: readonly LineItem[];
}

export interface OptionCost<Id extends string = OptionId> {
  readonly id: Id;
  readonly label: string;
  /** Sum over the horizon of every line whose cost is known. */
  readonly total: Decimal;
  /** False when a price is missing or a usage is unknown: the total then leaves those lines out. */
  readonly complete: boolean;
  readonly months: readonly MonthCost[];
  readonly notes: readonly string[];
  /** Set when options of several providers are compared: who stores the data, and where. */
  readonly where?: { readonly provider: string; readonly location: string };
}

export interface Crossing<Id extends string = OptionId> {
  /** The option that becomes cheaper (cumulatively) from `month` on. */
  readonly cheaper: Id;
  readonly dearer: Id;
  readonly month: number;
}

export interface CostReport<Id extends string = OptionId> {
  readonly region: string;
  readonly pricesAsOf: string | null;
  readonly horizonMonths: number;
  readonly options: readonly OptionCost<Id>[];
  readonly crossings: readonly Crossing<Id>[];
  readonly missingPrices: readonly MissingPrice[];
}

/** Egress to the internet, the same for every option. The first 100 GB a month are free (AWS Free Tier, all accounts). */
export const FREE_EGRESS_GB = 100;

/** One selector for every month's egress line: the catalog keys its look-ups by selector. */
const INTERNET_EGRESS: PriceSelector = { service: "AWSDataTransfer", usagetype: "DataTransfer-Out-Bytes", attributes: { transferType: "AWS Outbound" } };

export function egressComponents(w: Workload): CostComponent[] {
  const egress = w.access ? dec(w.access.monthly_egress_gb) : null;
  const free = dec(FREE_EGRESS_GB);
  return [
    {
      name: `Internet egress (after ${FREE_EGRESS_GB} GB free)`,
      unit: "GB",
      quantity: egress === null ? null : maxOf(ZERO, egress.minus(free)),
      price: INTERNET_EGRESS,
      region: w.region,
      tierOffset: egress === null ? undefined : minOf(egress, free),
    },
  ];
}

/** Data kept in the month (what RDS or EBS must hold), after retention deletes old cohorts. */
export function storedGb(w: Workload, cohorts: readonly Cohort[], month: number): Decimal {
  const expiryDays = w.retention.delete_after_days;
  const expiryAge = expiryDays === null ? Infinity : Math.ceil(expiryDays / 30);
  return sum(cohorts.filter((c) => c.month <= month && month - c.month < expiryAge).map((c) => c.gb));
}

export function strategyFor(id: OptionId, w: Workload): S3Strategy | null {
  if (id === "s3-lifecycle") return { ingest: "STANDARD", transitions: w.lifecycle };
  const cls = SINGLE_CLASS[id];
  return cls ? { ingest: cls, transitions: [] } : null;
}

export function optionLabel(id: OptionId, w: Workload): string {
  if (id === "s3-lifecycle") {
    const steps = w.lifecycle.map((r) => `${SHORT_LABEL[r.class]} ${r.after_days} d`);
    return `S3 lifecycle (${["Standard", ...steps].join(" → ")})`;
  }
  if (id === "rds-postgresql") return `RDS PostgreSQL (${w.rds.instance}, ${w.rds.multi_az ? "Multi-AZ" : "Single-AZ"}, ${w.rds.storage})`;
  if (id === "ebs") return `EBS (${w.ebs.volume})`;
  return `S3 ${CLASSES[SINGLE_CLASS[id]!].label}`;
}

/**
 * storedGb for months 1 to `months`. With no retention each month's sum is the last one plus that month's cohort:
 * the same additions in the same order, once rather than once per month.
 */
export function storedGbByMonth(w: Workload, cohorts: readonly Cohort[], months: number): Decimal[] {
  const out: Decimal[] = [];
  if (w.retention.delete_after_days !== null) {
    for (let month = 1; month <= months; month++) out.push(storedGb(w, cohorts, month));
    return out;
  }
  let stored = ZERO;
  for (let month = 1; month <= months; month++) {
    for (const c of cohorts) if (c.month === month) stored = stored.plus(c.gb);
    out.push(stored);
  }
  return out;
}

/** RDS's or EBS's components for one month, holding `stored` GB (storedGb): the data kept that month, on a server. */
function serverMonth(id: OptionId, w: Workload, stored: Decimal, month: number, notes: Set<string>): CostComponent[] {
  if (id === "rds-postgresql") {
    const r = rdsMonth(w, stored);
    r.notes.forEach((n) => notes.add(`month ${month}: ${n}`));
    return r.components;
  }
  return ebsMonth(w, stored);
}

function missingKey(m: MissingPrice): string {
  return `${m.service}|${m.region}|${m.usagetype}|${JSON.stringify(m.attributes)}`;
}

export function findCrossings<Id extends string>(options: readonly OptionCost<Id>[]): Crossing<Id>[] {
  const out: Crossing<Id>[] = [];
  const comparable = options.filter((o) => o.complete);
  for (let i = 0; i < comparable.length; i++) {
    for (let j = i + 1; j < comparable.length; j++) {
      const a = comparable[i]!;
      const b = comparable[j]!;
      let prev = 0;
      for (let k = 0; k < a.months.length; k++) {
        const ma = a.months[k]!;
        const sign = ma.cumulative.comparedTo(b.months[k]!.cumulative);
        if (sign !== 0 && prev !== 0 && sign !== prev) {
          out.push(sign < 0 ? { cheaper: a.id, dearer: b.id, month: ma.month } : { cheaper: b.id, dearer: a.id, month: ma.month });
        }
        if (sign !== 0) prev = sign;
      }
    }
  }
  return out.sort((x, y) => x.month - y.month);
}

/** The oldest price any option's lines used (oldestPriceUsed over them all, without a generator's cost per line). */
function oldestOfAll(options: readonly OptionCost[]): string | null {
  let oldest: string | null = null;
  for (const o of options) {
    for (const m of o.months) {
      const at = oldestPriceUsed(m.lines);
      if (at !== null && (oldest === null || at < oldest)) oldest = at;
    }
  }
  return oldest;
}

export interface EstimateOptions {
  readonly only?: readonly OptionId[];
}

/**
 * `pricesAsOf` is what to report when no price is used at all (the snapshot's date); otherwise the report states the
 * oldest price its lines actually used, not the oldest in the snapshot.
 */
export function estimate(w: Workload, catalog: Catalog, pricesAsOf: string | null, opts: EstimateOptions = {}): CostReport {
  const cohorts = cohortsFor(w);
  const missing = new Map<string, MissingPrice>();
  const options: OptionCost[] = [];
  // Requests, retrieval and egress are the same every month: priced once, their lines repeat in each month's list.
  const egress = priceComponents(egressComponents(w), catalog);
  let stored: Decimal[] | undefined; // RDS and EBS hold the same data
  for (const id of opts.only ?? OPTION_IDS) {
    const notes = new Set<string>();
    const months: MonthCost[] = [];
    let cumulative = ZERO;
    let complete = true;
    const strategy = strategyFor(id, w);
    const states = strategy ? monthStates(w, strategy) : [];
    const access = strategy ? priceComponents(accessComponents(w, strategy, w.region), catalog) : null;
    for (let month = 1; month <= w.horizon_months; month++) {
      // In s3Month's order (storage, access, replication), then egress.
      const parts = strategy
        ? [
            priceComponents(storageComponents(strategy, states[month - 1]!, w.region), catalog),
            access!,
            priceComponents(replicationComponents(w, strategy, states[month - 1]!), catalog),
            egress,
          ]
        : [priceComponents(serverMonth(id, w, (stored ??= storedGbByMonth(w, cohorts, w.horizon_months))[month - 1]!, month, notes), catalog), egress];
      const lines: LineItem[] = []; // loops rather than flatMap and some: V8's are slow, and a horizon is 360 months
      for (const p of parts) {
        for (const l of p.lines) {
          lines.push(l);
          if (l.cost === null) complete = false;
        }
        for (const m of p.missing) missing.set(missingKey(m), m);
      }
      const monthTotal = total(lines);
      cumulative = cumulative.plus(monthTotal);
      months.push({ month, total: monthTotal, cumulative, lines });
    }
    options.push({ id, label: optionLabel(id, w), total: cumulative, complete, months, notes: [...notes] });
  }
  return {
    region: w.region,
    pricesAsOf: oldestOfAll(options) ?? pricesAsOf,
    horizonMonths: w.horizon_months,
    options,
    crossings: findCrossings(options),
    missingPrices: [...missing.values()],
  };
}
