/**
 * Turns AWS's pricing-page feeds and real Price List rows into GetProducts documents, so the one parser and catalog
 * read them exactly as they read a live answer. Pure: JSON in, snapshot answers out; build-snapshot.ts does the I/O.
 *
 * A feed entry carries its real SKU (`rateCode` = SKU.TERM.RATE) and price per region; feedMap.ts names it. Every
 * document keeps that SKU, the feed's rate code and its publication date, so `stowage pricing refresh` later replaces
 * each one by SKU. Nothing is invented: a description missing in a region, or tiers of one product with different
 * SKUs, is reported and the product left out there (the cost models then report it missing, naming the refresh).
 */
import type { ServiceCode } from "../core/pricing/catalog.js";
import type { SnapshotResponse } from "../core/pricing/snapshot.js";
import { findRegion, regionAtLocation } from "../core/regions.js";
import { FEED_PRODUCTS, rdsInstanceProduct, type FeedName, type FeedProduct } from "./feedMap.js";

export interface FeedEntry {
  readonly rateCode: string;
  readonly price: string;
  readonly "Instance Type"?: string;
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

/** The Price List's usage type in a region: us-east-1's S3, EBS and RDS usage types carry no prefix. */
export function prefixed(usagetype: string, region: string): string {
  return region === "us-east-1" ? usagetype : `${findRegion(region)!.usagePrefix}-${usagetype}`;
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
export function regionalAttributes(service: ServiceCode, region: string, usagetype: string): Record<string, string> {
  return { servicecode: service, usagetype: prefixed(usagetype, region), regionCode: region, location: findRegion(region)!.location, locationType: "AWS Region" };
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
}): string {
  const attributes = { ...regionalAttributes(p.service, p.region, p.usagetype), ...(p.attributes ?? {}) };
  return getProductsDocument({ service: p.service, sku: p.sku, family: p.family, attributes, dimensions: p.dimensions, publicationDate: p.publicationDate });
}

function productsOf(name: FeedName, entries: Readonly<Record<string, FeedEntry>>): FeedProduct[] {
  if (name !== "rds-postgresql-ondemand") return [...FEED_PRODUCTS[name]];
  const instances = Object.entries(entries).flatMap(([key, e]) => {
    const p = e["Instance Type"] ? rdsInstanceProduct(key, e["Instance Type"]) : null;
    return p ? [p] : [];
  });
  return [...FEED_PRODUCTS[name], ...instances];
}

/** One feed's products in one region, or the reason one cannot be read. */
function documentFor(product: FeedProduct, region: string, entries: Readonly<Record<string, FeedEntry>>, date: string): string | string[] {
  const missing = product.tiers.filter((t) => !entries[t.key]).map((t) => `"${t.key}"`);
  if (missing.length) return [`${region}: ${product.service} ${product.usagetype}${product.attributes?.operation ? ` (${product.attributes.operation})` : ""} not priced: no ${missing.join(", ")} in the feed`];
  const dims = product.tiers.map((t) => ({ tier: t, entry: entries[t.key]! }));
  const skus = [...new Set(dims.map((d) => d.entry.rateCode.split(".")[0]!))];
  if (skus.length !== 1) return [`${region}: ${product.usagetype}'s tiers carry different SKUs (${skus.join(", ")}); left out`];
  return productDocument({
    service: product.service,
    sku: skus[0]!,
    region,
    usagetype: product.usagetype,
    family: product.family,
    ...(product.attributes ? { attributes: product.attributes } : {}),
    dimensions: dims.map(({ tier, entry }) => ({
      rateCode: entry.rateCode,
      unit: product.unit,
      begin: String(tier.begin),
      end: tier.end === null ? "Inf" : String(tier.end),
      usd: entry.price,
      description: tier.key,
    })),
    publicationDate: date,
  });
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
export function convertRows(rows: PriceListRows, named: (offer: string, usagetype: string) => { family: string; attributes?: Readonly<Record<string, string>> } | undefined): Converted {
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
      dimensions: dims.map((d, i) => ({ rateCode: `${sku}.JRTCKXETXF.ROW${i}`, unit: d.unit, begin: d.beginRange, end: d.endRange, usd: d.usd, description: `${d.usagetype} ${d.beginRange}-${d.endRange}` })),
      publicationDate: first.publicationDate,
    });
    byService.set(service, [...(byService.get(service) ?? []), doc]);
  }
  const responses = [...byService].map(([service, PriceList]) => ({ service, region: rows.region, queries: [], source: rows.source, retrievedAt: rows.retrieved, PriceList }));
  return { responses, problems: [] };
}
