/**
 * How the shipped snapshot (data/prices/*.json) was first made, before anyone could run a live refresh: published
 * on-demand prices, written as GetProducts documents so the one parser reads them exactly as it reads the API.
 * SKUs are marked "SEED-…" (not AWS SKUs); each answer names its source. A live `stowage pricing refresh`
 * replaces a region's answer with the API's own documents.
 *
 * Run: `npm run build && node dist/scripts/seed-snapshot.js [DIR]` (it overwrites every region it seeds).
 */
import { createHash } from "node:crypto";
import { SERVICE_CODES, type ServiceCode } from "../core/pricing/catalog.js";
import { mergeResponses, writeSnapshotFiles, type SnapshotFile, type SnapshotResponse } from "../core/pricing/snapshot.js";
import { usagePrefix } from "../core/regions.js";

const RETRIEVED = "2026-11-27";

const SOURCES = {
  research:
    "Published AWS on-demand prices for US East (N. Virginia) (aws.amazon.com/s3/pricing, /ebs/pricing, /rds/postgresql/pricing, " +
    "/ec2/pricing/on-demand data transfer), as collected in the team's pricing research note; not yet confirmed by a live GetProducts call",
  mirrorUs:
    "AWS pricing pages list these S3, EBS and RDS PostgreSQL rates for this region at the same rates as US East (N. Virginia); " +
    "not yet confirmed by a live GetProducts call",
  eu: "AWS pricing pages for this region, transcribed by the Stowage team; only the rates the team could confirm are included " +
    "(the rest are reported missing); not yet confirmed by a live GetProducts call",
} as const;

type Tier = readonly [begin: number, end: number | null, usd: string];
interface Product {
  readonly usagetype: string;
  readonly unit: string;
  readonly tiers: readonly Tier[];
  readonly family?: string;
  readonly attributes?: Record<string, string>;
  /** us-east-1's S3 and EBS usage types carry no prefix. */
  readonly prefixed?: boolean;
}

const flat = (usd: string): Tier[] => [[0, null, usd]];
const S3_STANDARD_TIERS = (a: string, b: string, c: string): Tier[] => [[0, 51200, a], [51200, 512000, b], [512000, null, c]];

function s3Products(p: { std: [string, string, string]; sia?: string; zia?: string; gir?: string; t1: string; t2: string; full: boolean }): Partial<Record<ServiceCode, Product[]>> {
  const storage = (usagetype: string, tiers: Tier[]): Product => ({ usagetype, unit: "GB-Mo", tiers, family: "Storage" });
  const req = (usagetype: string, usd: string): Product => ({ usagetype, unit: "Requests", tiers: flat(usd) });
  const op = (usagetype: string, operation: string, usd: string): Product => ({ usagetype, unit: "Requests", tiers: flat(usd), attributes: { operation } });
  const s3: Product[] = [storage("TimedStorage-ByteHrs", S3_STANDARD_TIERS(...p.std)), req("Requests-Tier1", p.t1), req("Requests-Tier2", p.t2)];
  if (p.sia) s3.push(storage("TimedStorage-SIA-ByteHrs", flat(p.sia)));
  if (p.zia) s3.push(storage("TimedStorage-ZIA-ByteHrs", flat(p.zia)));
  if (p.gir) s3.push(storage("TimedStorage-GIR-ByteHrs", flat(p.gir)));
  if (!p.full) return { AmazonS3: s3 };
  s3.push(
    storage("TimedStorage-INT-FA-ByteHrs", S3_STANDARD_TIERS(...p.std)),
    storage("TimedStorage-INT-IA-ByteHrs", flat("0.0125")),
    storage("TimedStorage-INT-AIA-ByteHrs", flat("0.004")),
    storage("TimedStorage-INT-AA-ByteHrs", flat("0.0036")),
    storage("TimedStorage-INT-DAA-ByteHrs", flat("0.00099")),
    { usagetype: "Monitoring-Automation-INT", unit: "Objects", tiers: flat("0.0000025") },
    req("Requests-SIA-Tier1", "0.00001"),
    req("Requests-SIA-Tier2", "0.000001"),
    req("Requests-ZIA-Tier1", "0.00001"),
    req("Requests-ZIA-Tier2", "0.000001"),
    req("Requests-INT-Tier1", "0.000005"),
    req("Requests-INT-Tier2", "0.0000004"),
    req("Requests-GIR-Tier1", "0.00002"),
    req("Requests-GIR-Tier2", "0.00001"),
    req("Requests-GLACIER-Tier1", "0.00003"),
    req("Requests-GLACIER-Tier2", "0.0000004"),
    req("Requests-GDA-Tier2", "0.0000004"),
    // Usage types AWS shares between operations, told apart by `operation` (shared/research/price-truth.md §1).
    op("Requests-Tier4", "S3-SIATransition", "0.00001"),
    op("Requests-Tier4", "S3-ZIATransition", "0.00001"),
    op("Requests-Tier4", "S3-INTTransition", "0.00001"),
    op("Requests-Tier4", "S3-GIRTransition", "0.00002"),
    op("Requests-Tier3", "S3-GlacierTransition", "0.00003"),
    op("Requests-Tier3", "S3-GDATransition", "0.00005"),
    op("Requests-Tier3", "RestoreObject", "0.00005"),
    { usagetype: "Retrieval-SIA", unit: "GB", tiers: flat("0.01") },
    { usagetype: "Retrieval-ZIA", unit: "GB", tiers: flat("0.01") },
    { usagetype: "Retrieval-GIR", unit: "GB", tiers: flat("0.03") },
    storage("TimedStorage-GlacierByteHrs", flat("0.0036")),
  );
  return {
    AmazonS3: s3,
    AmazonGlacier: [
      storage("TimedStorage-ByteHrs", flat("0.0036")),
      { usagetype: "Standard-Retrieval-Bytes", unit: "GB", tiers: flat("0.01") },
      { usagetype: "Bulk-Retrieval-Bytes", unit: "GB", tiers: flat("0") },
      { usagetype: "Expedited-Retrieval-Bytes", unit: "GB", tiers: flat("0.03") },
    ],
    AmazonS3GlacierDeepArchive: [
      storage("TimedStorage-GDA-ByteHrs", flat("0.00099")),
      { usagetype: "Requests-GDA-Tier1", unit: "Requests", tiers: flat("0.00005"), attributes: { operation: "PutObject" } },
      { usagetype: "Standard-Retrieval-Bytes", unit: "GB", tiers: flat("0.02") },
      { usagetype: "Requests-GDA-Tier3", unit: "Requests", tiers: flat("0.0001") },
      { usagetype: "Bulk-Retrieval-Bytes", unit: "GB", tiers: flat("0.0025") },
      { usagetype: "Requests-GDA-Tier5", unit: "Requests", tiers: flat("0.000025") },
    ],
  };
}

function ebsProducts(p: { gp3: string; gp2: string; full: boolean }): Product[] {
  const vol = (api: string, suffix: string, usd: string): Product => ({
    usagetype: `EBS:VolumeUsage.${suffix}`, unit: "GB-Mo", tiers: flat(usd), family: "Storage", attributes: { volumeApiName: api },
  });
  const list = [vol("gp3", "gp3", p.gp3), vol("gp2", "gp2", p.gp2)];
  if (!p.full) return list;
  return [
    ...list,
    vol("io1", "piops", "0.125"),
    vol("io2", "io2", "0.125"),
    vol("st1", "st1", "0.045"),
    vol("sc1", "sc1", "0.015"),
    { usagetype: "EBS:VolumeP-IOPS.gp3", unit: "IOPS-Mo", tiers: flat("0.005"), family: "System Operation", attributes: { volumeApiName: "gp3" } },
    { usagetype: "EBS:VolumeP-Throughput.gp3", unit: "GiBps-mo", tiers: flat("40.96"), family: "Provisioned Throughput", attributes: { volumeApiName: "gp3" } },
    { usagetype: "EBS:VolumeP-IOPS.piops", unit: "IOPS-Mo", tiers: flat("0.065"), family: "System Operation", attributes: { volumeApiName: "io1" } },
    { usagetype: "EBS:SnapshotUsage", unit: "GB-Mo", tiers: flat("0.05"), family: "Storage Snapshot" },
  ];
}

function rdsProducts(): Product[] {
  const pg = (deploymentOption: string) => ({ databaseEngine: "PostgreSQL", deploymentOption, locationType: "AWS Region" });
  const instance = (type: string, single: string, multi: string): Product[] => [
    { usagetype: `InstanceUsage:${type}`, unit: "Hrs", tiers: flat(single), family: "Database Instance", attributes: { ...pg("Single-AZ"), instanceType: type } },
    { usagetype: `Multi-AZUsage:${type}`, unit: "Hrs", tiers: flat(multi), family: "Database Instance", attributes: { ...pg("Multi-AZ"), instanceType: type } },
  ];
  // Storage, IOPS and backup are shared by every engine: databaseEngine "Any", as in the real Price List.
  const anyEngine = (deploymentOption: string) => ({ databaseEngine: "Any", deploymentOption, locationType: "AWS Region" });
  const storage = (usage: string, volumeType: string, single: string, multi: string, unit = "GB-Mo"): Product[] => [
    { usagetype: `RDS:${usage}`, unit, tiers: flat(single), family: "Database Storage", attributes: { ...anyEngine("Single-AZ"), volumeType } },
    { usagetype: `RDS:Multi-AZ-${usage}`, unit, tiers: flat(multi), family: "Database Storage", attributes: { ...anyEngine("Multi-AZ"), volumeType } },
  ];
  return [
    ...instance("db.t3.large", "0.145", "0.29"),
    ...instance("db.m5.large", "0.178", "0.356"),
    ...instance("db.m4.large", "0.182", "0.364"),
    ...storage("GP2-Storage", "General Purpose", "0.115", "0.23"),
    ...storage("GP3-Storage", "General Purpose-GP3", "0.115", "0.23"),
    // Real gp3 IOPS products are family "Provisioned IOPS" (price-truth §1): what the live refresh asks for.
    ...storage("GP3-PIOPS", "General Purpose-GP3", "0.02", "0.04", "IOPS-Mo").map((p) => ({ ...p, family: "Provisioned IOPS" })),
    { usagetype: "RDS:ChargedBackupUsage", unit: "GB-Mo", tiers: flat("0.095"), family: "Storage Snapshot", attributes: { databaseEngine: "Any" } },
  ];
}

function transferProducts(region: string, interRegion: Record<string, string>): Product[] {
  const out: Product[] = [
    {
      usagetype: "DataTransfer-Out-Bytes",
      unit: "GB",
      tiers: [[0, 10240, "0.09"], [10240, 51200, "0.085"], [51200, 153600, "0.07"], [153600, null, "0.05"]],
      family: "Data Transfer",
      attributes: { transferType: "AWS Outbound", fromRegionCode: region, toLocation: "External" },
      prefixed: true,
    },
  ];
  for (const [to, usd] of Object.entries(interRegion)) {
    out.push({
      usagetype: `${usagePrefix(to)}-AWS-Out-Bytes`,
      unit: "GB",
      tiers: flat(usd),
      family: "Data Transfer",
      attributes: { transferType: "InterRegion Outbound", fromRegionCode: region, toRegionCode: to },
      prefixed: true,
    });
  }
  return out;
}

function sku(service: string, region: string, usagetype: string, attrs: Record<string, string>): string {
  const h = createHash("sha256").update(JSON.stringify([service, region, usagetype, attrs])).digest("hex");
  return `SEED-${h.slice(0, 11).toUpperCase()}`;
}

function document(service: ServiceCode, region: string, p: Product): string {
  const prefixed = p.prefixed || region !== "us-east-1" ? `${usagePrefix(region)}-${p.usagetype}` : p.usagetype;
  const attributes: Record<string, string> = { servicecode: service, usagetype: prefixed, ...(p.attributes ?? {}) };
  if (service !== "AWSDataTransfer") attributes.regionCode = region;
  const id = sku(service, region, p.usagetype, p.attributes ?? {});
  const offer = `${id}.JRTCKXETXF`;
  const dims: Record<string, unknown> = {};
  p.tiers.forEach(([begin, end, usd], i) => {
    dims[`${offer}.${["6YS6EN2CT7", "PGHJ3S3EYE", "D42MF2PVJS", "7NE97W5U4E"][i]}`] = {
      unit: p.unit,
      beginRange: String(begin),
      endRange: end === null ? "Inf" : String(end),
      description: `$${usd} per ${p.unit} for ${p.usagetype} in ${region}`,
      rateCode: `${offer}.${i}`,
      appliesTo: [],
      pricePerUnit: { USD: usd },
    };
  });
  const product: Record<string, unknown> = { sku: id, attributes };
  if (p.family) product.productFamily = p.family;
  return JSON.stringify({
    product,
    serviceCode: service,
    terms: { OnDemand: { [offer]: { offerTermCode: "JRTCKXETXF", sku: id, priceDimensions: dims } } },
    version: "seed",
  });
}

interface RegionSeed {
  readonly region: string;
  readonly source: string;
  readonly products: Partial<Record<ServiceCode, Product[]>>;
}

const US_INTER = (self: string): Record<string, string> => {
  const rates: Record<string, string> = { "us-east-1": "0.02", "us-east-2": "0.02", "us-west-2": "0.02", "eu-west-1": "0.02", "eu-central-1": "0.02" };
  if (self === "us-east-1") rates["us-east-2"] = "0.01";
  if (self === "us-east-2") rates["us-east-1"] = "0.01";
  delete rates[self];
  return rates;
};

const fullUs = (region: string, source: string): RegionSeed => ({
  region,
  source,
  products: {
    ...s3Products({ std: ["0.023", "0.022", "0.021"], sia: "0.0125", zia: "0.01", gir: "0.004", t1: "0.000005", t2: "0.0000004", full: true }),
    AmazonEC2: ebsProducts({ gp3: "0.08", gp2: "0.10", full: true }),
    AmazonRDS: rdsProducts(),
    AWSDataTransfer: transferProducts(region, US_INTER(region)),
  },
});

const EU_INTER = (self: string): Record<string, string> => {
  const rates: Record<string, string> = { "us-east-1": "0.02", "us-east-2": "0.02", "us-west-2": "0.02", "eu-west-1": "0.02", "eu-central-1": "0.02" };
  delete rates[self];
  return rates;
};

export const SEEDS: readonly RegionSeed[] = [
  fullUs("us-east-1", SOURCES.research),
  fullUs("us-east-2", SOURCES.mirrorUs),
  fullUs("us-west-2", SOURCES.mirrorUs),
  {
    region: "eu-west-1",
    source: SOURCES.eu,
    products: {
      ...s3Products({ std: ["0.023", "0.022", "0.021"], sia: "0.0125", zia: "0.01", gir: "0.004", t1: "0.000005", t2: "0.0000004", full: false }),
      AmazonEC2: ebsProducts({ gp3: "0.088", gp2: "0.11", full: false }),
      AWSDataTransfer: transferProducts("eu-west-1", EU_INTER("eu-west-1")),
    },
  },
  {
    region: "eu-central-1",
    source: SOURCES.eu,
    products: {
      ...s3Products({ std: ["0.0245", "0.0235", "0.0225"], sia: "0.0135", gir: "0.005", t1: "0.0000054", t2: "0.00000043", full: false }),
      AmazonEC2: ebsProducts({ gp3: "0.0952", gp2: "0.119", full: false }),
      AWSDataTransfer: transferProducts("eu-central-1", EU_INTER("eu-central-1")),
    },
  },
];

export function seedFiles(): SnapshotFile[] {
  return SERVICE_CODES.map((service) => {
    const responses: SnapshotResponse[] = SEEDS.filter((s) => s.products[service]).map((s) => ({
      region: s.region,
      queries: [{ ServiceCode: service, Filters: [{ Type: "TERM_MATCH", Field: "regionCode", Value: s.region }] }],
      source: s.source,
      retrievedAt: RETRIEVED,
      PriceList: s.products[service]!.map((p) => document(service, s.region, p)),
    }));
    return mergeResponses(undefined, service, responses);
  });
}

if (process.argv[1]?.endsWith("seed-snapshot.js")) {
  const dir = process.argv[2] ?? "data/prices";
  await writeSnapshotFiles(dir, seedFiles());
  console.log(`wrote ${SERVICE_CODES.length} snapshot files to ${dir}`);
}
