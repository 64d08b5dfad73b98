/**
 * Turns AWS's pricing-page feeds and real Price List rows into GetProducts documents, so the one parser and catalog
 * read them exactly as they read a live answer. Pure: JSON in, snapshot answers out; build-snapshot.ts does the I/O.
 *
 * A feed entry carries its real SKU (`rateCode` = SKU.TERM.RATE) and price per region; feedMap.ts names it. Every
 * document keeps that SKU, the feed's rate code and its publication date, so `stowage pricing refresh` later replaces
 * each one by SKU. Nothing is invented: a description missing in a region, or tiers of one product with different
 * SKUs, is reported and the product left out there (the cost models then report it missing, naming the refresh).
 */
import { createHash } from "node:crypto";
import type { ServiceCode } from "../core/pricing/catalog.js";
import type { SnapshotResponse } from "../core/pricing/snapshot.js";
import { findRegion, regionAtLocation } from "../core/regions.js";
import { FEED_PRODUCTS, INTER_REGION, interRegionProduct, rdsInstanceProduct, type FeedName, type FeedProduct } from "./feedMap.js";

export interface FeedEntry {
  /** SKU.TERM.RATE; absent in the tables other projects derived from the feeds (their products get a derived SKU). */
  readonly rateCode?: string;
  readonly price: string;
  readonly "Instance Type"?: string;
  /** The data-transfer feed's tier bounds, in GB a month; checked against the table's. */
  readonly StartingRange?: string;
  readonly EndingRange?: string;
}

/** One pricing-page feed file (`meteredUnitMaps/<service>/USD/current/<name>.json`). */
export interface Feed {
  readonly manifest: { readonly hawkFilePublicationDate: string; readonly esIndex?: string };
  readonly regions: Readonly<Record<string, Readonly<Record<string, FeedEntry>>>>;
}

/** Real Price List rows, one per price dimension (shared/data/aws-pricing-feeds/pricelist-rows-us-east-1.json). */
export interface PriceListRows {
  readonly region: string;
  readonly retrieved: string;
  readonly source: string;
  readonly rows: readonly {
    readonly offer: string;
    readonly sku: string;
    readonly usagetype: string;
    readonly unit: string;
    readonly beginRange: string;
    readonly endRange: string;
    readonly usd: string;
    readonly publicationDate: string;
  }[];
}

export interface Converted {
  readonly responses: readonly (SnapshotResponse & { readonly service: ServiceCode })[];
  /** Products a region's feed lacks or contradicts: left out, never guessed. */
  readonly problems: readonly string[];
}

/**
 * The Price List's usage type in a region: us-east-1's S3, EBS and RDS usage types carry no prefix; data transfer
 * and Fargate carry "USE1-" there too.
 */
export function prefixed(usagetype: string, region: string, everywhere = false): string {
  return region === "us-east-1" && !everywhere ? usagetype : `${findRegion(region)!.usagePrefix}-${usagetype}`;
}

export interface Dimension {
  readonly rateCode: string;
  readonly unit: string;
  readonly begin: string;
  readonly end: string;
  readonly usd: string;
  readonly description: string;
}

/** The attributes every product of a region carries in the Price List (data transfer has fromRegionCode instead). */
export function regionalAttributes(service: ServiceCode, region: string, usagetype: string, everywhere = false): Record<string, string> {
  const { location } = findRegion(region)!;
  const name = prefixed(usagetype, region, everywhere);
  return service === "AWSDataTransfer"
    ? { servicecode: service, usagetype: name, fromRegionCode: region, fromLocation: location, fromLocationType: "AWS Region" }
    : { servicecode: service, usagetype: name, regionCode: region, location, locationType: "AWS Region" };
}

/** A GetProducts document, the shape the Price List API returns for one on-demand product; attributes as given. */
export function getProductsDocument(p: {
  service: ServiceCode;
  sku: string;
  family: string;
  attributes: Readonly<Record<string, string>>;
  dimensions: readonly Dimension[];
  publicationDate?: string;
}): string {
  const offer = p.dimensions[0]!.rateCode.split(".").slice(0, 2).join(".");
  const priceDimensions = Object.fromEntries(
    p.dimensions.map((d) => [
      d.rateCode,
      { unit: d.unit, beginRange: d.begin, endRange: d.end, description: d.description, rateCode: d.rateCode, appliesTo: [], pricePerUnit: { USD: d.usd } },
    ]),
  );
  return JSON.stringify({
    product: { productFamily: p.family, attributes: p.attributes, sku: p.sku },
    serviceCode: p.service,
    terms: { OnDemand: { [offer]: { offerTermCode: offer.split(".")[1], sku: p.sku, priceDimensions } } },
    ...(p.publicationDate ? { publicationDate: p.publicationDate } : {}),
  });
}

/** A regional product's document: its region's attributes, then its own. */
export function productDocument(p: {
  service: ServiceCode;
  sku: string;
  region: string;
  usagetype: string;
  family: string;
  attributes?: Readonly<Record<string, string>>;
  dimensions: readonly Dimension[];
  publicationDate: string;
  prefixEverywhere?: boolean;
}): string {
  const attributes = { ...regionalAttributes(p.service, p.region, p.usagetype, p.prefixEverywhere), ...(p.attributes ?? {}) };
  return getProductsDocument({ service: p.service, sku: p.sku, family: p.family, attributes, dimensions: p.dimensions, publicationDate: p.publicationDate });
}

function productsOf(name: FeedName, entries: Readonly<Record<string, FeedEntry>>): FeedProduct[] {
  if (name === "skyplane-aws-transfer-costs") {
    const pairs = Object.keys(entries).flatMap((key) => {
      const to = regionAtLocation(INTER_REGION.exec(key)?.[1] ?? "");
      return to ? [interRegionProduct(key, to.code, to.usagePrefix)] : [];
    });
    return [...FEED_PRODUCTS[name], ...pairs];
  }
  if (name !== "rds-postgresql-ondemand") return [...FEED_PRODUCTS[name]];
  const instances = Object.entries(entries).flatMap(([key, e]) => {
    const p = e["Instance Type"] ? rdsInstanceProduct(key, e["Instance Type"]) : null;
    return p ? [p] : [];
  });
  return [...FEED_PRODUCTS[name], ...instances];
}

/** A SKU for a price whose source gives none: stable, and marked as not AWS's (a refresh replaces it by usage type). */
export function derivedSku(service: string, region: string, usagetype: string, attributes: Readonly<Record<string, string>> = {}): string {
  const h = createHash("sha256")
    .update(JSON.stringify([service, region, usagetype, attributes]))
    .digest("hex");
  return `DERIVED-${h.slice(0, 9).toUpperCase()}`;
}

/** One feed's products in one region, or the reason one cannot be read. */
function documentFor(product: FeedProduct, region: string, entries: Readonly<Record<string, FeedEntry>>, date: string): string | string[] {
  const name = `${product.service} ${product.usagetype}${product.attributes?.operation ? ` (${product.attributes.operation})` : ""}`;
  const firstMissing = product.tiers.findIndex((t) => !entries[t.key]);
  const given = product.firstTiersSuffice && firstMissing > 0 ? product.tiers.slice(0, firstMissing) : product.tiers;
  const missing = given.filter((t) => !entries[t.key]).map((t) => `"${t.key}"`);
  if (missing.length) return [`${region}: ${name} not priced: no ${missing.join(", ")} in the feed`];
  const dims = given.map((t) => ({ tier: t, entry: entries[t.key]! }));
  const ranges = dims.filter(
    ({ tier, entry }) =>
      entry.StartingRange !== undefined && (entry.StartingRange !== String(tier.begin) || entry.EndingRange !== (tier.end === null ? "Inf" : String(tier.end))),
  );
  if (ranges.length)
    return ranges.map(
      ({ tier, entry }) =>
        `${region}: ${name}'s "${tier.key}" runs ${entry.StartingRange}–${entry.EndingRange} in the feed, not ${tier.begin}–${tier.end ?? "Inf"}; left out`,
    );
  const skus = [...new Set(dims.map((d) => d.entry.rateCode?.split(".")[0] ?? derivedSku(product.service, region, product.usagetype, product.attributes)))];
  if (skus.length !== 1) return [`${region}: ${product.usagetype}'s tiers carry different SKUs (${skus.join(", ")}); left out`];
  const sku = skus[0]!;
  return productDocument({
    service: product.service,
    sku,
    region,
    usagetype: product.usagetype,
    family: product.family,
    ...(product.attributes ? { attributes: product.attributes } : {}),
    dimensions: dims.map(({ tier, entry }, i) => ({
      rateCode: entry.rateCode ?? `${sku}.JRTCKXETXF.T${i}`,
      unit: product.unit,
      begin: String(tier.begin),
      end: tier.end === null ? "Inf" : String(tier.end),
      usd: entry.price,
      description: tier.key,
    })),
    publicationDate: date,
    ...(product.prefixEverywhere ? { prefixEverywhere: true } : {}),
  });
}

/**
 * The tables other projects derived from AWS's feeds, read into a feed's shape: location → description → price,
 * with the feed's own descriptions, so the one table in feedMap.ts names them too. Their entries carry no SKU.
 */
function csvRows(text: string): Record<string, string>[] {
  const [head, ...lines] = text
    .trim()
    .split(/\r?\n/)
    .map((l) => l.split(","));
  return lines.map((cells) => Object.fromEntries(head!.map((h, i) => [h, cells[i] ?? ""])));
}

const locationOf = (code: string): string | undefined => findRegion(code)?.location;

/** s3-glacier-deep-archive.csv: one row per region (region_name is the Price List location), one column per description. */
export function deepArchiveTable(csv: string, date: string): Feed {
  const regions: Record<string, Record<string, FeedEntry>> = {};
  for (const row of csvRows(csv)) {
    const { region_name: location, region_code: _code, ...prices } = row;
    regions[location!] = Object.fromEntries(
      Object.entries(prices)
        .filter(([, v]) => v !== "")
        .map(([k, price]) => [k, { price }]),
    );
  }
  return { manifest: { hawkFilePublicationDate: date }, regions };
}

/** ec2-vps-rates.json's egress fields are the data-transfer feed's four outbound tiers, in its order. */
export const VPS_EGRESS_FIELDS: Readonly<Record<string, string>> = {
  dto_gb: "DataTransfer External Outbound Next 10 TB",
  dto_gb_next40: "DataTransfer External Outbound Next 40 TB",
  dto_gb_next100: "DataTransfer External Outbound Next 100 TB",
  dto_gb_over150: "DataTransfer External Outbound Greater than 150 TB",
};

export function vpsRatesTable(rates: Readonly<Record<string, Readonly<Record<string, unknown>>>>, date: string): Feed {
  const regions: Record<string, Record<string, FeedEntry>> = {};
  for (const [code, r] of Object.entries(rates)) {
    const location = locationOf(code);
    if (!location) continue;
    regions[location] = Object.fromEntries(
      Object.entries(VPS_EGRESS_FIELDS)
        .filter(([field]) => typeof r[field] === "number")
        .map(([field, key]) => [key, { price: String(r[field]) }]),
    );
  }
  return { manifest: { hawkFilePublicationDate: date }, regions };
}

/** skyplane's src,dst,cost matrix: dst "internet" is the first internet-egress tier, any other dst a region. */
export function skyplaneTable(csv: string, date: string): Feed {
  const regions: Record<string, Record<string, FeedEntry>> = {};
  for (const { src, dst, cost } of csvRows(csv)) {
    const from = locationOf(src!);
    if (!from) continue;
    const key = dst === "internet" ? VPS_EGRESS_FIELDS.dto_gb! : locationOf(dst!) ? `InterRegion Outbound to ${locationOf(dst!)}` : null;
    if (key) (regions[from] ??= {})[key] = { price: cost! };
  }
  return { manifest: { hawkFilePublicationDate: date }, regions };
}

/** Every commercial region of one feed, as one answer per service and region. */
export function convertFeed(name: FeedName, feed: Feed, source: string): Converted {
  const date = feed.manifest.hawkFilePublicationDate;
  const responses: (SnapshotResponse & { service: ServiceCode })[] = [];
  const problems: string[] = [];
  for (const [location, entries] of Object.entries(feed.regions)) {
    const region = regionAtLocation(location)?.code;
    if (!region) continue; // GovCloud, Local Zones, "Any": not regions Stowage places data in
    const byService = new Map<ServiceCode, string[]>();
    for (const product of productsOf(name, entries)) {
      const doc = documentFor(product, region, entries, date);
      if (typeof doc !== "string") {
        problems.push(...doc);
        continue;
      }
      const list = byService.get(product.service) ?? [];
      list.push(doc);
      byService.set(product.service, list);
    }
    for (const [service, PriceList] of byService) {
      responses.push({ service, region, queries: [], source, retrievedAt: date.slice(0, 10), PriceList });
    }
  }
  return { responses, problems };
}

/** Real Price List rows (one per dimension) as documents, grouped by SKU; `named` gives a row's family and attributes. */
export function convertRows(
  rows: PriceListRows,
  named: (offer: string, usagetype: string) => { family: string; attributes?: Readonly<Record<string, string>> } | undefined,
): Converted {
  const bySku = new Map<string, PriceListRows["rows"][number][]>();
  for (const row of rows.rows) bySku.set(row.sku, [...(bySku.get(row.sku) ?? []), row]);
  const byService = new Map<ServiceCode, string[]>();
  for (const [sku, dims] of bySku) {
    const first = dims[0]!;
    const service = first.offer as ServiceCode;
    const product = named(first.offer, first.usagetype);
    const doc = productDocument({
      service,
      sku,
      region: rows.region,
      usagetype: first.usagetype,
      family: product?.family ?? "Storage",
      ...(product?.attributes ? { attributes: product.attributes } : {}),
      // The rows keep no rate codes; the dimension keys only need to be unique within the product.
      dimensions: dims.map((d, i) => ({
        rateCode: `${sku}.JRTCKXETXF.ROW${i}`,
        unit: d.unit,
        begin: d.beginRange,
        end: d.endRange,
        usd: d.usd,
        description: `${d.usagetype} ${d.beginRange}-${d.endRange}`,
      })),
      publicationDate: first.publicationDate,
    });
    byService.set(service, [...(byService.get(service) ?? []), doc]);
  }
  const responses = [...byService].map(([service, PriceList]) => ({
    service,
    region: rows.region,
    queries: [],
    source: rows.source,
    retrievedAt: rows.retrieved,
    PriceList,
  }));
  return { responses, problems: [] };
}
