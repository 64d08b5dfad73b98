/**
 * Which Price List product each entry of AWS's pricing-page feeds is: the one table that turns a feed description
 * into a service code, usage type, operation, unit and tier range. The feeds give price and SKU per region
 * (`rateCode` = SKU.JRTCKXETXF.RATE) but no names; the names come from real Price List data and AWS's usage-type
 * documentation, as collected in shared/research/price-truth.md (§1 for the names, §3 for the descriptions):
 * - us-east-1 rows of the real Price List (shared/data/aws-pricing-feeds/pricelist-rows-us-east-1.json): SKU,
 *   usagetype, unit and ranges of 14 S3 products; test/feeds.test.ts checks the table against every one of them.
 * - the S3 user guide's usage types (Requests-Tier3 for transitions into Glacier Flexible and Deep Archive and for
 *   restores, Requests-Tier4 for transitions into IA, One Zone-IA, Intelligent-Tiering and Glacier IR, told apart
 *   by `operation`), infracost's price filters (gp3 throughput per GiBps-mo, RDS storage under databaseEngine "Any").
 *
 * Feed entries are looked up by their description key; every description below exists in the 2025-10-22 S3 feed,
 * the 2024-08 Glacier feed, the 2024-07-18 EBS feed and the 2024-09-28 RDS PostgreSQL feed (the converter reports
 * any it does not find in a region, and the product is then missing there, never guessed).
 */
import type { ServiceCode } from "../core/pricing/catalog.js";

/** The four feeds, by their file names in shared/data/aws-pricing-feeds. */
export type FeedName = "s3" | "glacier" | "ebs" | "rds-postgresql-ondemand";

export interface FeedTier {
  /** The feed's description key for this tier's price. */
  readonly key: string;
  readonly begin: number;
  /** Exclusive; null for "Inf". */
  readonly end: number | null;
}

export interface FeedProduct {
  readonly feed: FeedName;
  readonly service: ServiceCode;
  /** Without the region prefix (the converter adds it). */
  readonly usagetype: string;
  readonly unit: string;
  readonly family: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly tiers: readonly FeedTier[];
}

const flat = (key: string): FeedTier[] => [{ key, begin: 0, end: null }];
/** S3's storage tiers: first 50 TB, next 450 TB, over 500 TB (in GB-Mo, as the real us-east-1 rows give them). */
const s3Tiers = (first: string, next: string, over: string): FeedTier[] => [
  { key: first, begin: 0, end: 51200 },
  { key: next, begin: 51200, end: 512000 },
  { key: over, begin: 512000, end: null },
];

const s3 = (usagetype: string, unit: string, family: string, tiers: FeedTier[], attributes?: Record<string, string>): FeedProduct => ({
  feed: "s3", service: "AmazonS3", usagetype, unit, family, tiers, ...(attributes ? { attributes } : {}),
});
const storage = (usagetype: string, tiers: FeedTier[]) => s3(usagetype, "GB-Mo", "Storage", tiers);
const requests = (usagetype: string, key: string, operation?: string) =>
  s3(usagetype, "Requests", "API Request", flat(key), operation === undefined ? undefined : { operation });

export const S3_PRODUCTS: readonly FeedProduct[] = [
  storage("TimedStorage-ByteHrs", s3Tiers("Standard Storage First 50 TB per GB Mo", "Standard Storage Next 450 TB per GB Mo", "Standard Storage Over 500 TB per GB Mo")),
  storage("TimedStorage-INT-FA-ByteHrs", s3Tiers(
    "Intelligent Tiering Frequent Access First 50 TB per GB Mo",
    "Intelligent Tiering Frequent Access Next 450 TB per GB Mo",
    "Intelligent Tiering Frequent Access Over 500 TB per GB Mo",
  )),
  storage("TimedStorage-INT-IA-ByteHrs", flat("Intelligent Tiering Infrequent Access per GB Mo")),
  storage("TimedStorage-INT-AIA-ByteHrs", flat("Intelligent Tiering Archive Instant Access")),
  storage("TimedStorage-SIA-ByteHrs", flat("Standard Infrequent Access Storage per GB-Mo")),
  storage("TimedStorage-ZIA-ByteHrs", flat("One Zone Infrequent Access Storage Inf per GB-Mo")),
  storage("TimedStorage-GIR-ByteHrs", flat("Glacier Instant Retrieval Storage")),
  // The Glacier Flexible Retrieval storage class, billed by S3 itself (not the S3 Glacier vault service).
  storage("TimedStorage-GlacierByteHrs", flat("Glacier Storage per GB Mo")),
  s3("Monitoring-Automation-INT", "Objects", "Storage", flat("Per object per month monitoring and automation fee for objects in Intelligent Tiering")),
  requests("Requests-Tier1", "PUT COPY/POST or LIST requests per Requests"),
  requests("Requests-Tier2", "GET and all other requests per Requests"),
  requests("Requests-INT-Tier1", "PUT COPY/POST or LIST requests to Intelligent Tiering per Requests"),
  requests("Requests-INT-Tier2", "GET and all other requests to Intelligent Tiering per Requests"),
  requests("Requests-SIA-Tier1", "PUT COPY/POST or LIST requests to Standard Infrequent Access per Requests"),
  requests("Requests-SIA-Tier2", "GET and all other requests to Standard Infrequent Access per Requests"),
  requests("Requests-ZIA-Tier1", "PUT COPY/POST or LIST requests to One Zone Infrequent Access per Requests"),
  requests("Requests-ZIA-Tier2", "GET and all other requests to One Zone Infrequent Access per Requests"),
  requests("Requests-GIR-Tier1", "PUT COPY/POST or LIST requests to Glacier Instant Retrieval per Requests"),
  requests("Requests-GIR-Tier2", "GET and all other requests to Glacier Instant Retrieval per Requests"),
  // Requests-GLACIER-Tier1 covers PUT, POST, COPY and the multipart calls, each its own SKU: PUT is what the model bills.
  requests("Requests-GLACIER-Tier1", "PUT requests to Glacier per Requests", "PutObject"),
  requests("Requests-GLACIER-Tier2", "GET and all other requests to GLACIER per Requests"),
  requests("Requests-GDA-Tier2", "GET and all other requests to GDA per Requests"),
  requests("Requests-Tier4", "Lifecycle Transition Requests into Standard Infrequent Access per Requests", "S3-SIATransition"),
  requests("Requests-Tier4", "Lifecycle Transition Requests into One Zone Infrequent Access per Requests", "S3-ZIATransition"),
  requests("Requests-Tier4", "Lifecycle Transition Requests into Intelligent Tiering per Requests", "S3-INTTransition"),
  requests("Requests-Tier4", "Lifecycle Transition Requests into Glacier Instant Retrieval per Requests", "S3-GIRTransition"),
  requests("Requests-Tier3", "Lifecycle Transition Requests into Glacier per Requests", "S3-GlacierTransition"),
  requests("Requests-Tier3", "Lifecycle Transition Requests into Glacier Deep Archive per Requests", "S3-GDATransition"),
  requests("Requests-Tier3", "Restore Object per Requests", "RestoreObject"),
  s3("Retrieval-SIA", "GB", "Fee", flat("Object Retrieval in Standard Infrequent Access per GB")),
  s3("Retrieval-ZIA", "GB", "Fee", flat("Object Retrieval in One Zone Infrequent Access per GB")),
  s3("Retrieval-GIR", "GB", "Fee", flat("Object Retrieval in Glacier Instant Retrieval per GB")),
  // Deep Archive restores are priced on the S3 page but billed under the Deep Archive offer.
  { feed: "s3", service: "AmazonS3GlacierDeepArchive", usagetype: "Standard-Retrieval-Bytes", unit: "GB", family: "Fee", tiers: flat("Fee for Standard Retrieval of data stored from Glacier Deep Archive") },
  { feed: "s3", service: "AmazonS3GlacierDeepArchive", usagetype: "Bulk-Retrieval-Bytes", unit: "GB", family: "Fee", tiers: flat("Fee for Bulk Retrieval of data stored from Glacier Deep Archive") },
];

const glacier = (usagetype: string, unit: string, family: string, key: string): FeedProduct => ({ feed: "glacier", service: "AmazonGlacier", usagetype, unit, family, tiers: flat(key) });

export const GLACIER_PRODUCTS: readonly FeedProduct[] = [
  glacier("TimedStorage-ByteHrs", "GB-Mo", "Storage", "Storage Amazon Glacier Standard"),
  glacier("Standard-Retrieval-Bytes", "GB", "Fee", "Standard-Retrieval per GB"),
  glacier("Bulk-Retrieval-Bytes", "GB", "Fee", "Bulk-Retrieval per GB"),
  glacier("Expedited-Retrieval-Bytes", "GB", "Fee", "Expedited-Retrieval per GB"),
];

const ebs = (usagetype: string, unit: string, family: string, key: string, volumeApiName?: string): FeedProduct => ({
  feed: "ebs", service: "AmazonEC2", usagetype, unit, family, tiers: flat(key), ...(volumeApiName ? { attributes: { volumeApiName } } : {}),
});

export const EBS_PRODUCTS: readonly FeedProduct[] = [
  ebs("EBS:VolumeUsage.gp3", "GB-Mo", "Storage", "Storage General Purpose gp3 GB Mo", "gp3"),
  ebs("EBS:VolumeUsage.gp2", "GB-Mo", "Storage", "Storage General Purpose gp2 GB Mo", "gp2"),
  ebs("EBS:VolumeUsage.piops", "GB-Mo", "Storage", "Storage Provisioned IOPS io1 GB Mo", "io1"),
  ebs("EBS:VolumeUsage.io2", "GB-Mo", "Storage", "Storage Provisioned IOPS io2 GB month", "io2"),
  ebs("EBS:VolumeUsage.st1", "GB-Mo", "Storage", "Storage Throughput Optimized HDD st1 GB Mo", "st1"),
  ebs("EBS:VolumeUsage.sc1", "GB-Mo", "Storage", "Storage Cold HDD sc1 GB Mo", "sc1"),
  ebs("EBS:VolumeP-IOPS.gp3", "IOPS-Mo", "System Operation", "Provisioned EBS IOPS gp3 Volumes per IOPS Mo", "gp3"),
  ebs("EBS:VolumeP-IOPS.piops", "IOPS-Mo", "System Operation", "Provisioned EBS IOPS io1 Volumes per IOPS Mo", "io1"),
  // io2 IOPS has three tiers (up to 32,000, to 64,000, beyond), separate products; the model prices the first.
  ebs("EBS:VolumeP-IOPS.io2", "IOPS-Mo", "System Operation", "Provisioned EBS IOPS io2 Volumes per IOPS Mo", "io2"),
  ebs("EBS:VolumeP-Throughput.gp3", "GiBps-mo", "Provisioned Throughput", "Provisioned Throughput gp3 per GiBps mo", "gp3"),
  ebs("EBS:SnapshotUsage", "GB-Mo", "Storage Snapshot", "Storage Snapshot Amazon S3 GB Mo"),
];

/** Storage, IOPS and backup are shared by every engine: databaseEngine "Any" in the real Price List. */
const rdsShared = (usagetype: string, unit: string, family: string, key: string, deploymentOption: string | null, volumeType?: string): FeedProduct => ({
  feed: "rds-postgresql-ondemand",
  service: "AmazonRDS",
  usagetype,
  unit,
  family,
  tiers: flat(key),
  attributes: { databaseEngine: "Any", ...(deploymentOption ? { deploymentOption } : {}), ...(volumeType ? { volumeType } : {}) },
});

export const RDS_SHARED_PRODUCTS: readonly FeedProduct[] = [
  rdsShared("RDS:GP2-Storage", "GB-Mo", "Database Storage", "Database Storage Single AZ General Purpose", "Single-AZ", "General Purpose"),
  rdsShared("RDS:Multi-AZ-GP2-Storage", "GB-Mo", "Database Storage", "Database Storage Multi AZ General Purpose", "Multi-AZ", "General Purpose"),
  rdsShared("RDS:GP3-Storage", "GB-Mo", "Database Storage", "Database Storage Single AZ General Purpose-GP3", "Single-AZ", "General Purpose-GP3"),
  rdsShared("RDS:Multi-AZ-GP3-Storage", "GB-Mo", "Database Storage", "Database Storage Multi AZ General Purpose-GP3", "Multi-AZ", "General Purpose-GP3"),
  rdsShared("RDS:PIOPS-Storage", "GB-Mo", "Database Storage", "Database Storage Single AZ Provisioned IOPS", "Single-AZ", "Provisioned IOPS"),
  rdsShared("RDS:Multi-AZ-PIOPS-Storage", "GB-Mo", "Database Storage", "Database Storage Multi AZ Provisioned IOPS", "Multi-AZ", "Provisioned IOPS"),
  rdsShared("RDS:GP3-PIOPS", "IOPS-Mo", "Provisioned IOPS", "Provisioned GP3 IOPS Single AZ", "Single-AZ", "General Purpose-GP3"),
  rdsShared("RDS:Multi-AZ-GP3-PIOPS", "IOPS-Mo", "Provisioned IOPS", "Provisioned GP3 IOPS Multi AZ", "Multi-AZ", "General Purpose-GP3"),
  rdsShared("RDS:PIOPS", "IOPS-Mo", "Provisioned IOPS", "Provisioned IOPS Single AZ", "Single-AZ", "Provisioned IOPS"),
  rdsShared("RDS:Multi-AZ-PIOPS", "IOPS-Mo", "Provisioned IOPS", "Provisioned IOPS Multi AZ", "Multi-AZ", "Provisioned IOPS"),
  rdsShared("RDS:ChargedBackupUsage", "GB-Mo", "Storage Snapshot", "Storage Snapshot", null),
];

/**
 * RDS for PostgreSQL instances: one feed entry per instance class and deployment, described as "Database Instance
 * PostgreSQL No license required db m5.large General purpose Single-AZ Current Generation" with the class in its
 * "Instance Type" field. Multi-AZ with readable standbys (Multi-AZ DB clusters) is another product and not mapped.
 */
export const RDS_INSTANCE = /^Database Instance PostgreSQL No license required db \S+ .* (Single-AZ|Multi-AZ) (Current|Previous) Generation$/;

/**
 * The instance classes shipped: burstable, general-purpose and memory-optimized families of the current generation
 * (Intel and Graviton) and m4 (the design notes' example), up to 4xlarge (16 vCPU) — the servers one would weigh
 * against object storage. Every PostgreSQL class in every region would be 7 MB of snapshot read at every start;
 * another class is reported missing, naming the refresh that fetches all of them.
 */
export const RDS_FAMILIES: ReadonlySet<string> = new Set(["t3", "t4g", "m4", "m5", "m6g", "m6i", "m7g", "r5", "r6g", "r6i", "r7g"]);
export const RDS_SIZES: ReadonlySet<string> = new Set(["micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge"]);

export function rdsInstanceProduct(key: string, instanceType: string): FeedProduct | null {
  const m = RDS_INSTANCE.exec(key);
  const [, family, size] = /^db\.([a-z0-9-]+)\.([a-z0-9]+)$/.exec(instanceType) ?? [];
  if (!m || !family || !size || !RDS_FAMILIES.has(family) || !RDS_SIZES.has(size)) return null;
  const deploymentOption = m[1]!;
  return {
    feed: "rds-postgresql-ondemand",
    service: "AmazonRDS",
    usagetype: `${deploymentOption === "Multi-AZ" ? "Multi-AZUsage" : "InstanceUsage"}:${instanceType}`,
    unit: "Hrs",
    family: "Database Instance",
    tiers: flat(key),
    attributes: { databaseEngine: "PostgreSQL", deploymentOption, instanceType, licenseModel: "No license required" },
  };
}

export const FEED_PRODUCTS: Readonly<Record<FeedName, readonly FeedProduct[]>> = {
  s3: S3_PRODUCTS,
  glacier: GLACIER_PRODUCTS,
  ebs: EBS_PRODUCTS,
  "rds-postgresql-ondemand": RDS_SHARED_PRODUCTS,
};
