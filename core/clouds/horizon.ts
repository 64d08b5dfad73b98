/**
 * One workload priced at another provider: the same horizon, cohorts and retention as the AWS options
 * (core/cost/horizon.ts), each provider's own rules, and the one pricing step. Pure.
 *
 * Each provider's rules, with where they are stated:
 * - Google Cloud Storage: minimum storage durations Nearline 30, Coldline 90, Archive 365 days (deleting earlier
 *   bills the rest), retrieval fees per GiB read from those classes (cloud.google.com/storage/docs/storage-classes,
 *   /storage/pricing). Operations (Class A/B) have no price in the shipped data: they are reported missing.
 * - Azure Blob Storage Hot LRS: operations billed per 10,000; the first 100 GB of internet egress a month free (a
 *   tier of the price data itself).
 * - Cloudflare R2: first 10 GB-month, 1M Class A and 10M Class B operations a month free; no egress charge.
 * - Backblaze B2: first 10 GB free; transactions free; egress free up to 3× the data stored, then per GB.
 */
import { DAYS_PER_MONTH, Decimal, ZERO, dec, maxOf } from "../money.js";
import type { Catalog } from "../pricing/catalog.js";
import { oldestPriceUsed, priceComponents, total, type CostComponent, type MissingPrice } from "../cost/components.js";
import { findCrossings, storedGb, type CostReport, type MonthCost, type OptionCost } from "../cost/horizon.js";
import { cohortsFor, monthsFor, type Cohort } from "../cost/cohorts.js";
import type { Workload } from "../cost/workload.js";
import type { GcsClass } from "./catalog.js";
import type { Location, OTHER_PROVIDERS, Provider } from "./locations.js";

export type OtherProvider = (typeof OTHER_PROVIDERS)[number];

interface CloudOption {
  readonly id: string;
  readonly label: string;
  /** Deleting data younger than this bills the rest of it. */
  readonly minDays: number;
  /** The GCS class (storage, retrieval and operation prices are per class). */
  readonly gcsClass?: GcsClass;
}

/** Every option Stowage prices at each other provider. */
export const CLOUD_OPTIONS: Readonly<Record<OtherProvider, readonly CloudOption[]>> = {
  gcs: [
    { id: "gcs-standard", label: "GCS Standard", minDays: 0, gcsClass: "standard" },
    { id: "gcs-nearline", label: "GCS Nearline", minDays: 30, gcsClass: "nearline" },
    { id: "gcs-coldline", label: "GCS Coldline", minDays: 90, gcsClass: "coldline" },
    { id: "gcs-archive", label: "GCS Archive", minDays: 365, gcsClass: "archive" },
  ],
  azure: [{ id: "azure-hot-lrs", label: "Azure Blob Hot LRS", minDays: 0 }],
  r2: [{ id: "r2-standard", label: "Cloudflare R2 Standard", minDays: 0 }],
  b2: [{ id: "b2", label: "Backblaze B2", minDays: 0 }],
};

export interface CloudRules {
  /** B2's free egress as a multiple of the data stored (from its price data's own note); null when not stated. */
  readonly b2FreeEgressMultiple: number | null;
}

const per = (n: number | undefined | null, unit: number): Decimal | null => (n === undefined || n === null ? null : dec(n).div(unit));

/** Data whose retention deletes it this month, younger than the class's minimum: the rest of the minimum, in GB-months. */
function earlyDeletionGbMonths(w: Workload, cohorts: readonly Cohort[], month: number, minDays: number): Decimal {
  const days = w.retention.delete_after_days;
  if (days === null || minDays === 0) return ZERO;
  const age = monthsFor(days);
  const daysKept = age * DAYS_PER_MONTH;
  if (daysKept >= minDays) return ZERO;
  const leaving = cohorts.filter((c) => month - c.month === age);
  return leaving
    .reduce((acc, c) => acc.plus(c.gb), ZERO)
    .times(minDays - daysKept)
    .div(DAYS_PER_MONTH);
}

/** One month's components for an option at a location. */
export function cloudMonth(
  provider: OtherProvider,
  opt: CloudOption,
  w: Workload,
  cohorts: readonly Cohort[],
  month: number,
  region: string,
  rules: CloudRules,
): CostComponent[] {
  const stored = storedGb(w, cohorts, month);
  const writes = w.requests?.monthly_writes;
  const reads = w.requests?.monthly_reads;
  const egress = w.access ? dec(w.access.monthly_egress_gb) : null;
  const c = (name: string, unit: string, quantity: Decimal | null, service: CostComponent["price"]["service"], usagetype: string): CostComponent => ({
    name,
    unit,
    quantity,
    price: { service, usagetype },
    region,
  });
  /** R2 and B2 bill alike (one price everywhere, read alike by catalog.ts): storage, writes and reads by the million; egress their own. */
  const onePrice = (
    service: "CloudflareR2" | "BackblazeB2",
    writesName: string,
    readsName: string,
    [egressName, egressGb, egressUsage]: readonly [string, Decimal | null, string],
  ): CostComponent[] => [
    c("Storage (first 10 GB free)", "GB-Mo", stored, service, "storage"),
    c(writesName, "1M requests", per(writes, 1e6), service, "writes"),
    c(readsName, "1M requests", per(reads, 1e6), service, "reads"),
    c(egressName, "GB", egressGb, service, egressUsage),
  ];
  const early = earlyDeletionGbMonths(w, cohorts, month, opt.minDays);
  switch (provider) {
    case "gcs": {
      const cls = opt.gcsClass!;
      const name = opt.label.replace(/^GCS /, "");
      return [
        c(`Storage (${name})`, "GB-Mo", stored, "GoogleCloudStorage", `storage.${cls}`),
        ...(early.greaterThan(0) ? [c(`Early deletion (${name}, ${opt.minDays} d minimum)`, "GB-Mo", early, "GoogleCloudStorage", `storage.${cls}`)] : []),
        ...(cls === "standard"
          ? []
          : [c(`Retrieval (${name})`, "GB", w.access ? dec(w.access.monthly_read_gb) : null, "GoogleCloudStorage", `retrieval.${cls}`)]),
        c(`Class A operations (${name}, writes)`, "1M requests", per(writes, 1e6), "GoogleCloudStorage", `operations.class-a.${cls}`),
        c(`Class B operations (${name}, reads)`, "1M requests", per(reads, 1e6), "GoogleCloudStorage", `operations.class-b.${cls}`),
        c("Internet egress (premium tier)", "GB", egress, "GoogleCloudStorage", "egress.internet"),
      ];
    }
    case "azure":
      return [
        c("Storage (Hot LRS)", "GB-Mo", stored, "AzureBlobStorage", "Hot LRS Data Stored"),
        c("Write operations (Hot LRS)", "10K", per(writes, 1e4), "AzureBlobStorage", "Hot LRS Write Operations"),
        c("Read operations (Hot LRS)", "10K", per(reads, 1e4), "AzureBlobStorage", "Hot LRS Read Operations"),
        c("Internet egress (Microsoft network, first 100 GB free)", "GB", egress, "AzureBandwidth", "Data Transfer Out (Microsoft network)"),
      ];
    case "r2":
      return onePrice("CloudflareR2", "Class A operations (writes)", "Class B operations (reads)", ["Internet egress (free)", egress, "egress.internet"]);
    case "b2": {
      const multiple = rules.b2FreeEgressMultiple;
      const beyond = egress === null || multiple === null ? null : maxOf(ZERO, egress.minus(stored.times(multiple)));
      return onePrice("BackblazeB2", "Writes (free)", "Reads (free)", [
        `Internet egress beyond ${multiple ?? "?"}× the data stored`,
        beyond,
        "egress.beyond-free",
      ]);
    }
  }
}

/** Notes an option carries: what the comparison with AWS leaves out. */
function notesFor(provider: OtherProvider, w: Workload): string[] {
  const notes: string[] = [];
  if (w.replication.regions.length > 0) {
    const how: Record<OtherProvider, string> = {
      gcs: "Google's replicated storage is a dual- or multi-region location (--region nam4, eur4, asia1, us, eu, asia)",
      azure: "Azure's replicated storage is GRS, whose prices are not in the shipped data",
      r2: "R2 has no replica of its own to price",
      b2: "B2 replicates only by copying to a second bucket, priced as a second workload",
    };
    notes.push(`replication.regions (${w.replication.regions.join(", ")}) is not priced here: ${how[provider]}`);
  }
  return notes;
}

/** Every option of one provider at one location, over the workload's horizon. */
export function estimateCloud(
  w: Workload,
  provider: OtherProvider,
  location: Location,
  catalog: Catalog,
  rules: CloudRules,
  only?: readonly string[],
): CostReport<string> & { readonly provider: Provider } {
  const cohorts = cohortsFor(w);
  const missing = new Map<string, MissingPrice>();
  const options: OptionCost<string>[] = [];
  for (const opt of CLOUD_OPTIONS[provider].filter((o) => !only?.length || only.includes(o.id))) {
    const months: MonthCost[] = [];
    let cumulative = ZERO;
    let complete = true;
    for (let month = 1; month <= w.horizon_months; month++) {
      const priced = priceComponents(cloudMonth(provider, opt, w, cohorts, month, location.code, rules), catalog);
      for (const m of priced.missing) missing.set(`${m.service}|${m.region}|${m.usagetype}`, m);
      if (priced.lines.some((l) => l.cost === null)) complete = false;
      const monthTotal = total(priced.lines);
      cumulative = cumulative.plus(monthTotal);
      months.push({ month, total: monthTotal, cumulative, lines: priced.lines });
    }
    options.push({
      id: opt.id,
      label: `${opt.label} (${location.code})`,
      total: cumulative,
      complete,
      months,
      notes: notesFor(provider, w),
      where: { provider, location: location.code },
    });
  }
  return {
    provider,
    region: location.code,
    pricesAsOf: oldestPriceUsed(options.flatMap((o) => o.months.flatMap((m) => m.lines))),
    horizonMonths: w.horizon_months,
    options,
    crossings: findCrossings(options),
    missingPrices: [...missing.values()],
  };
}

/** Several providers' reports as one comparison: every option side by side, crossings across all of them. */
export function combineReports(reports: readonly (CostReport<string> & { readonly provider: Provider })[], where: string): CostReport<string> {
  // AWS's labels name no place (one report, one region); side by side every option says where it is.
  const options = reports.flatMap((r) =>
    r.provider === "aws" ? r.options.map((o) => ({ ...o, label: `${o.label} (${r.region})`, where: { provider: "aws", location: r.region } })) : r.options,
  );
  const dates = reports
    .map((r) => r.pricesAsOf)
    .filter((d): d is string => d !== null)
    .sort();
  return {
    region: where,
    pricesAsOf: dates[0] ?? null,
    horizonMonths: reports[0]?.horizonMonths ?? 0,
    options,
    crossings: findCrossings(options),
    missingPrices: reports.flatMap((r) => r.missingPrices),
  };
}
