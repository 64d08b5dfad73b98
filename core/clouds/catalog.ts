/**
 * Other providers' prices, read from the files they were published in (data/other-clouds) into the same
 * catalog the AWS snapshot fills, so one pricing step (core/cost/components.ts) prices every provider: tiers split the
 * same way, a missing price is reported the same way, every line carries its source and date.
 *
 * Pure: takes the parsed documents. What a source does not give is left out, never filled in: GCS operations, Azure
 * beyond its four regions and first storage tier, a price found only in another SKU's row.
 */
import { dec } from "../money.js";
import { Catalog, type OtherServiceCode, type PricedEntry, type Provenance } from "../pricing/catalog.js";
import type { PriceEntry, PriceTier } from "../pricing/pricelist.js";

/** The parsed source files, as published. */
export interface CloudSources {
  /** Cyclenerd's Google Cloud pricing.yml (trimmed to storage and network traffic). */
  readonly gcs: unknown;
  /** Azure Retail Prices API items for Blob Storage Hot LRS, by the collector's region group. */
  readonly azureBlob: unknown;
  /** Azure Retail Prices API items for Bandwidth, by the collector's region group. */
  readonly azureBandwidth: unknown;
  /** The hand-curated rates for providers with no feed (R2, B2). */
  readonly curated: unknown;
}

export const SOURCE_FILES = {
  gcs: "gcp-pricing-cyclenerd-2026-07-30.yml",
  azureBlob: "ratecard-azure-blob-hot-lrs-raw.json",
  azureBandwidth: "ratecard-azure-bandwidth-raw.json",
  curated: "ratecard-objectstorage-curated.json",
} as const satisfies Record<keyof CloudSources, string>;

/** GCS classes as Stowage names them → the key the price data uses (Cyclenerd spells Archive "archiv"). */
export const GCS_CLASS_KEYS = { standard: "standard", nearline: "nearline", coldline: "coldline", archive: "archiv" } as const;
export type GcsClass = keyof typeof GCS_CLASS_KEYS;

/** The data's names for GCS's multi-regions → the location codes buckets are created with. */
const GCS_MULTI: Readonly<Record<string, string>> = { "asia-multi": "asia", "europe-multi": "eu", "us-multi": "us" };

/** Azure's first Hot LRS storage tier covers the first 50 TB (Azure's published tiers; the data gives this tier only). */
const AZURE_FIRST_TIER_GB = 51_200;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function entry(
  service: OtherServiceCode,
  region: string,
  usagetype: string,
  sku: string,
  unit: string,
  tiers: readonly (readonly [number, number | null, number | string])[],
  description: string,
): PriceEntry {
  return {
    serviceCode: service,
    sku,
    productFamily: null,
    regionCode: region,
    usagetype,
    usagetypeBase: usagetype,
    attributes: {},
    tiers: tiers.map(([begin, end, usd]): PriceTier => ({ begin: dec(begin), end: end === null ? null : dec(end), usd: dec(String(usd)), unit, description })),
    publicationDate: null,
  };
}

/** `{ month: 0.02 }` → 0.02. */
const monthly = (v: unknown): number | null => num(obj(v).month);

function gcsEntries(doc: unknown, provenance: Provenance): PricedEntry[] {
  const root = obj(doc);
  const out: PricedEntry[] = [];
  const add = (e: PriceEntry) => out.push({ entry: e, provenance });
  const bucket = obj(obj(root.storage).bucket);
  const retrieval = obj(obj(root.storage).retrieval);
  for (const [cls, key] of Object.entries(GCS_CLASS_KEYS)) {
    for (const suffix of ["", "-dual", "-multi"]) {
      for (const [where, cost] of Object.entries(obj(obj(bucket[`${key}${suffix}`]).cost))) {
        const region = GCS_MULTI[where] ?? where;
        const storage = monthly(cost);
        if (storage !== null)
          add(
            entry(
              "GoogleCloudStorage",
              region,
              `storage.${cls}`,
              `storage.bucket.${key}${suffix}`,
              "GB-Mo",
              [[0, null, storage]],
              `${cls} storage per GiB-month`,
            ),
          );
        const fee = monthly(obj(obj(retrieval[`${key}${suffix}`]).cost)[where]);
        if (fee !== null)
          add(entry("GoogleCloudStorage", region, `retrieval.${cls}`, `storage.retrieval.${key}${suffix}`, "GB", [[0, null, fee]], `${cls} retrieval per GiB`));
      }
    }
  }
  // Premium-tier internet egress to worldwide destinations (China and Australia have their own rates), tiers in TiB.
  const egress = obj(obj(obj(obj(obj(obj(root.compute).network).traffic).egress).internet).cost);
  const tiers = [
    ["0-1", 0, 1024],
    ["1-10", 1024, 10_240],
    ["10n", 10_240, null],
  ] as const;
  const regions = new Set(tiers.flatMap(([k]) => Object.keys(obj(egress[k]))));
  for (const region of regions) {
    const rates = tiers.map(([k, begin, end]) => [begin, end, monthly(obj(egress[k])[region])] as const);
    if (rates.some(([, , usd]) => usd === null)) continue;
    add(
      entry(
        "GoogleCloudStorage",
        region,
        "egress.internet",
        "compute.network.traffic.egress.internet",
        "GB",
        rates as [number, number | null, number][],
        "premium-tier internet egress per GiB",
      ),
    );
  }
  return out;
}

interface AzureItem {
  readonly armRegionName: string;
  readonly meterName: string;
  readonly skuName: string;
  readonly productName: string;
  readonly skuId: string;
  readonly retailPrice: number;
  readonly tierMinimumUnits: number;
  readonly unitOfMeasure: string;
  readonly effectiveStartDate: string;
}

function azureItems(doc: unknown): AzureItem[] {
  const out: AzureItem[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    const o = obj(v);
    if (typeof o.meterName === "string" && typeof o.armRegionName === "string" && num(o.retailPrice) !== null && o.currencyCode === "USD") {
      out.push(o as unknown as AzureItem);
      return;
    }
    Object.values(o).forEach(visit);
  };
  visit(doc);
  return out;
}

/** Items of one meter in one region, as ascending tiers (each tier ends where the next begins). */
function azureTiers(items: readonly AzureItem[]): [number, number | null, number][] {
  const sorted = [...items].sort((a, b) => a.tierMinimumUnits - b.tierMinimumUnits);
  return sorted.map((it, i) => [it.tierMinimumUnits, sorted[i + 1]?.tierMinimumUnits ?? null, it.retailPrice]);
}

function azureEntries(blob: unknown, bandwidth: unknown, provenance: Provenance): PricedEntry[] {
  const out: PricedEntry[] = [];
  const add = (e: PriceEntry) => out.push({ entry: e, provenance });
  for (const it of azureItems(blob)) {
    // Select by SKU: a Hot RA-GRS row's read price is not the Hot LRS price, even when the figure is the same.
    if (it.skuName !== "Hot LRS") continue;
    if (it.meterName === "Hot LRS Data Stored" && it.tierMinimumUnits === 0) {
      add(
        entry(
          "AzureBlobStorage",
          it.armRegionName,
          "Hot LRS Data Stored",
          it.skuId,
          "GB-Mo",
          [[0, AZURE_FIRST_TIER_GB, it.retailPrice]],
          "Hot LRS data stored, first 50 TB tier",
        ),
      );
    } else if (it.meterName === "Hot LRS Write Operations" || it.meterName === "Hot Read Operations") {
      const usagetype = it.meterName === "Hot Read Operations" ? "Hot LRS Read Operations" : it.meterName;
      add(entry("AzureBlobStorage", it.armRegionName, usagetype, it.skuId, "10K", [[0, null, it.retailPrice]], `${it.meterName} per 10,000`));
    }
  }
  const groups = new Map<string, AzureItem[]>();
  for (const it of azureItems(bandwidth)) {
    const usagetype =
      it.meterName === "Standard Data Transfer Out" && it.productName === "Rtn Preference: MGN"
        ? "Data Transfer Out (Microsoft network)"
        : it.meterName === "Standard Inter-Region Data Transfer"
          ? "Inter-Region Data Transfer"
          : null;
    if (!usagetype) continue;
    const key = `${it.armRegionName}|${usagetype}`;
    groups.set(key, [...(groups.get(key) ?? []), it]);
  }
  for (const [key, items] of groups) {
    const [region, usagetype] = key.split("|") as [string, string];
    add(entry("AzureBandwidth", region, usagetype, items[0]!.skuId, "GB", azureTiers(items), usagetype));
  }
  return out;
}

/** A figure the curated file gives only in a note's words: null (not priced) when the note no longer says it. */
function fromNote(notes: unknown, pattern: RegExp): RegExpMatchArray | null {
  for (const n of Array.isArray(notes) ? notes : []) {
    const m = typeof n === "string" ? n.match(pattern) : null;
    if (m) return m;
  }
  return null;
}

function curatedEntries(doc: unknown, r2Regions: readonly string[], b2Regions: readonly string[], provenance: (key: string) => Provenance): PricedEntry[] {
  const out: PricedEntry[] = [];
  const root = obj(doc);
  /** Storage and operations for a provider with one price everywhere; `freeM`: operations free each month, in millions. */
  const perGb = (record: Json, service: OtherServiceCode, regions: readonly string[], key: string, freeM = { writes: 0, reads: 0 }) => {
    const storage = num(record.usd_per_gb_month);
    const free = num(record.free_storage_gb) ?? 0;
    const sku = String(record.sku ?? key);
    const p = provenance(key);
    const withFree = (first: number, usd: number): [number, number | null, number][] =>
      first > 0
        ? [
            [0, first, 0],
            [first, null, usd],
          ]
        : [[0, null, usd]];
    for (const region of regions) {
      const add = (e: PriceEntry) => out.push({ entry: e, provenance: p });
      if (storage !== null)
        add(entry(service, region, "storage", sku, "GB-Mo", withFree(free, storage), `storage per GB-month${free > 0 ? `, first ${free} GB free` : ""}`));
      for (const op of ["writes", "reads"] as const) {
        const usd = num(record[`usd_per_million_${op}`]);
        if (usd !== null)
          add(entry(service, region, op, sku, "1M requests", withFree(freeM[op], usd), `${op} (${op === "writes" ? "Class A" : "Class B"}) per million`));
      }
    }
  };
  const r2 = obj(root.cloudflare);
  // R2's free operations and its free egress are stated in the curated record's notes only.
  const ops = fromNote(r2.notes, /(\d+(?:\.\d+)?)M Class A and (\d+(?:\.\d+)?)M Class B operations per month/);
  perGb(r2, "CloudflareR2", r2Regions, "cloudflare", ops ? { writes: Number(ops[1]), reads: Number(ops[2]) } : undefined);
  if (fromNote(r2.notes, /Zero egress/i)) {
    for (const region of r2Regions)
      out.push({
        entry: entry("CloudflareR2", region, "egress.internet", String(r2.sku), "GB", [[0, null, 0]], "internet egress: free"),
        provenance: provenance("cloudflare"),
      });
  }

  const b2 = obj(root.backblaze);
  perGb(b2, "BackblazeB2", b2Regions, "backblaze");
  const beyond = fromNote(b2.notes, /egress free to (\d+)x average stored bytes, then \$(\d+(?:\.\d+)?)\/GB/);
  if (beyond) {
    for (const region of b2Regions)
      out.push({
        entry: entry(
          "BackblazeB2",
          region,
          "egress.beyond-free",
          String(b2.sku),
          "GB",
          [[0, null, beyond[2]!]],
          `internet egress beyond ${beyond[1]}× the data stored`,
        ),
        provenance: provenance("backblaze"),
      });
  }
  return out;
}

/** B2's free egress allowance, as a multiple of the data stored (from the same note that prices the rest). */
export function b2FreeEgressMultiple(curated: unknown): number | null {
  const m = fromNote(obj(obj(curated).backblaze).notes, /egress free to (\d+)x average stored bytes/);
  return m ? Number(m[1]) : null;
}

export interface CloudCatalogOptions {
  readonly r2Regions: readonly string[];
  readonly b2Regions: readonly string[];
}

export function cloudEntries(src: CloudSources, opts: CloudCatalogOptions): PricedEntry[] {
  const about = obj(obj(src.gcs).about);
  const generated = typeof about.generated === "string" ? new Date(`${about.generated} UTC`) : null;
  const gcsDate = generated && !Number.isNaN(generated.getTime()) ? generated.toISOString().slice(0, 10) : "unknown";
  const azureDate = "2026-08-18";
  const curated = obj(src.curated);
  return [
    ...gcsEntries(src.gcs, { source: `Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml @fd66b26f (${SOURCE_FILES.gcs})`, retrievedAt: gcsDate }),
    ...azureEntries(src.azureBlob, src.azureBandwidth, {
      source: `Azure Retail Prices API via ratecard-cloud/ratecard @b9aa8afd (CC BY 4.0)`,
      retrievedAt: azureDate,
    }),
    ...curatedEntries(src.curated, opts.r2Regions, opts.b2Regions, (key) => ({
      source: `ratecard-cloud/ratecard curated ${key} (CC BY 4.0), from ${String(obj(curated[key]).source_url ?? "its pricing page")}`,
      retrievedAt: String(obj(curated[key]).source_verified_at ?? "unknown"),
    })),
  ];
}

export function cloudCatalog(src: CloudSources, opts: CloudCatalogOptions): Catalog {
  return new Catalog(cloudEntries(src, opts));
}
