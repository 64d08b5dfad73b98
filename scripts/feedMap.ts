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
 * the 2024-08 Glacier feed, the 2024-07-18 EBS feed, the 2024-09-28 RDS PostgreSQL feed, the 2025-10-27 ECS feed,
 * the Ohio excerpts of the SQS and data-transfer feeds, or (as read by feeds.ts) the Deep Archive, egress and
 * skyplane tables (the converter reports any it does not find in a region, and the product is then missing there,
 * never guessed).
 */
import type { ServiceCode } from "../core/pricing/catalog.js";

/**
 * The sources, by their file names in shared/data/aws-pricing-feeds (without extension). The first seven are AWS
 * feeds as published (entries carry real rate codes); the last three are tables other projects derived from AWS's
 * feeds, read into the same shape by feeds.ts (their entries carry no SKU). Every one is named by this one table.
 */
export type FeedName =
  | "s3"
  | "glacier"
  | "ebs"
  | "rds-postgresql-ondemand"
  | "ecs"
  | "queueservice-us-east-2-excerpt"
  | "datatransfer-calc-us-east-2-excerpt"
  | "s3-glacier-deep-archive"
  | "ec2-vps-rates"
  | "skyplane-aws-transfer-costs";

export interface FeedTier {
  /** The feed's description key for this tier's price. */
  readonly key: string;
  readonly begin: number;
  /** Exclusive; null for "Inf". */
  readonly end: number | null;
}

export interface FeedProduct {
  readonly service: ServiceCode;
  /** Without the region prefix (the converter adds it). */
  readonly usagetype: string;
  readonly unit: string;
  readonly family: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly tiers: readonly FeedTier[];
  /** The usage type carries its region's prefix in us-east-1 too ("USE1-Fargate-GB-Hours", "USE1-DataTransfer-Out-Bytes"). */
  readonly prefixEverywhere?: boolean;
  /**
   * A source may give only the first tiers (skyplane's one internet rate is the first 10 TB's): the product then
   * ends where the last given tier ends, and usage beyond it is reported unpriced, never billed at a guessed rate.
   */
  readonly firstTiersSuffice?: boolean;
}

const flat = (key: string): FeedTier[] => [{ key, begin: 0, end: null }];
/** S3's storage tiers: first 50 TB, next 450 TB, over 500 TB (in GB-Mo, as the real us-east-1 rows give them). */
const s3Tiers = (first: string, next: string, over: string): FeedTier[] => [
  { key: first, begin: 0, end: 51200 },
  { key: next, begin: 51200, end: 512000 },
  { key: over, begin: 512000, end: null },
];

const s3 = (usagetype: string, unit: string, family: string, tiers: FeedTier[], attributes?: Record<string, string>): FeedProduct => ({
  service: "AmazonS3",
  usagetype,
  unit,
  family,
  tiers,
  ...(attributes ? { attributes } : {}),
});
const storage = (usagetype: string, tiers: FeedTier[]) => s3(usagetype, "GB-Mo", "Storage", tiers);
const requests = (usagetype: string, key: string, operation?: string) =>
  s3(usagetype, "Requests", "API Request", flat(key), operation === undefined ? undefined : { operation });

export const S3_PRODUCTS: readonly FeedProduct[] = [
  storage(
    "TimedStorage-ByteHrs",
    s3Tiers("Standard Storage First 50 TB per GB Mo", "Standard Storage Next 450 TB per GB Mo", "Standard Storage Over 500 TB per GB Mo"),
  ),
  storage(
    "TimedStorage-INT-FA-ByteHrs",
    s3Tiers(
      "Intelligent Tiering Frequent Access First 50 TB per GB Mo",
      "Intelligent Tiering Frequent Access Next 450 TB per GB Mo",
      "Intelligent Tiering Frequent Access Over 500 TB per GB Mo",
    ),
  ),
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
  {
    service: "AmazonS3GlacierDeepArchive",
    usagetype: "Standard-Retrieval-Bytes",
    unit: "GB",
    family: "Fee",
    tiers: flat("Fee for Standard Retrieval of data stored from Glacier Deep Archive"),
  },
  {
    service: "AmazonS3GlacierDeepArchive",
    usagetype: "Bulk-Retrieval-Bytes",
    unit: "GB",
    family: "Fee",
    tiers: flat("Fee for Bulk Retrieval of data stored from Glacier Deep Archive"),
  },
];

const glacier = (usagetype: string, unit: string, family: string, key: string): FeedProduct => ({
  service: "AmazonGlacier",
  usagetype,
  unit,
  family,
  tiers: flat(key),
});

export const GLACIER_PRODUCTS: readonly FeedProduct[] = [
  glacier("TimedStorage-ByteHrs", "GB-Mo", "Storage", "Storage Amazon Glacier Standard"),
  glacier("Standard-Retrieval-Bytes", "GB", "Fee", "Standard-Retrieval per GB"),
  glacier("Bulk-Retrieval-Bytes", "GB", "Fee", "Bulk-Retrieval per GB"),
  glacier("Expedited-Retrieval-Bytes", "GB", "Fee", "Expedited-Retrieval per GB"),
];

const ebs = (usagetype: string, unit: string, family: string, key: string, volumeApiName?: string): FeedProduct => ({
  service: "AmazonEC2",
  usagetype,
  unit,
  family,
  tiers: flat(key),
  ...(volumeApiName ? { attributes: { volumeApiName } } : {}),
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
    service: "AmazonRDS",
    usagetype: `${deploymentOption === "Multi-AZ" ? "Multi-AZUsage" : "InstanceUsage"}:${instanceType}`,
    unit: "Hrs",
    family: "Database Instance",
    tiers: flat(key),
    attributes: { databaseEngine: "PostgreSQL", deploymentOption, instanceType, licenseModel: "No license required" },
  };
}

/**
 * AWS Fargate (Linux), priced by the ECS offer: vCPU and memory per task-hour for x86 and ARM (Graviton), and
 * ephemeral storage beyond the free 20 GB. Usage types carry the region prefix in us-east-1 too
 * ("USE1-Fargate-vCPU-Hours:perCPU", as real GetProducts answers and infracost's Fargate lines show them).
 * Windows tasks (three more entries per region) are not mapped: Stowage runs Linux containers.
 */
const fargate = (usagetype: string, unit: string, key: string): FeedProduct => ({
  service: "AmazonECS",
  usagetype,
  unit,
  family: "Compute",
  tiers: flat(key),
  prefixEverywhere: true,
});
export const FARGATE_PRODUCTS: readonly FeedProduct[] = [
  fargate("Fargate-vCPU-Hours:perCPU", "hours", "perCPU per hour"),
  fargate("Fargate-GB-Hours", "hours", "perGB per hour"),
  fargate("Fargate-ARM-vCPU-Hours:perCPU", "hours", "ARM perCPU per hour"),
  fargate("Fargate-ARM-GB-Hours", "hours", "ARM perGB per hour"),
  fargate("Fargate-EphemeralStorage-GB-Hours", "GB-Hours", "Storage per GB-Hours"),
];

/**
 * SQS requests, standard and FIFO, with the feed's volume tiers (the first 100 billion requests a month, the next
 * 100 billion, beyond; the tier keys are the feed's). The usage types are those billing and the Price List name in
 * us-east-1 (Requests-RBP, Requests-FIFO-RBP); the only feed at hand is Ohio's, where the same names with the
 * USE2- prefix are assumed: a refresh of AWSQueueService in us-east-2 confirms them or shows them missing.
 */
const SQS_TIERS = (first: string): FeedTier[] => [
  { key: first, begin: 0, end: 100_000_000_000 },
  { key: `${first} Tier2`, begin: 100_000_000_000, end: 200_000_000_000 },
  { key: `${first} Tier3`, begin: 200_000_000_000, end: null },
];
export const QUEUE_PRODUCTS: readonly FeedProduct[] = [
  {
    service: "AWSQueueService",
    usagetype: "Requests-RBP",
    unit: "Requests",
    family: "API Request",
    attributes: { queueType: "Standard" },
    tiers: SQS_TIERS("Standard per Requests"),
  },
  {
    service: "AWSQueueService",
    usagetype: "Requests-FIFO-RBP",
    unit: "Requests",
    family: "API Request",
    attributes: { queueType: "FIFO (first-in, first-out)" },
    tiers: SQS_TIERS("FIFO first-in first-out per Requests"),
  },
];

/**
 * Internet egress from a region, AWSDataTransfer's one product per source region with four volume tiers in GB a
 * month (the datatransfer-calc feed gives these StartingRange/EndingRange; the converter checks them). The 100 GB
 * free each month is account-wide and not in the feed: the cost model takes it off (core/cost/horizon.ts).
 */
export const EGRESS_PRODUCTS: readonly FeedProduct[] = [
  {
    service: "AWSDataTransfer",
    usagetype: "DataTransfer-Out-Bytes",
    unit: "GB",
    family: "Data Transfer",
    attributes: { transferType: "AWS Outbound", toLocation: "External" },
    tiers: [
      { key: "DataTransfer External Outbound Next 10 TB", begin: 0, end: 10240 },
      { key: "DataTransfer External Outbound Next 40 TB", begin: 10240, end: 51200 },
      { key: "DataTransfer External Outbound Next 100 TB", begin: 51200, end: 153600 },
      { key: "DataTransfer External Outbound Greater than 150 TB", begin: 153600, end: null },
    ],
    prefixEverywhere: true,
    firstTiersSuffice: true,
  },
];

/** Transfer to another region: described "InterRegion Outbound to <location>" by feeds.ts's reading of skyplane's matrix. */
export const INTER_REGION = /^InterRegion Outbound to (.+)$/;

/** The product for one destination: usage type "<FROM>-<TO>-AWS-Out-Bytes" (the converter adds the source's prefix). */
export function interRegionProduct(key: string, toRegion: string, toPrefix: string): FeedProduct {
  return {
    service: "AWSDataTransfer",
    usagetype: `${toPrefix}-AWS-Out-Bytes`,
    unit: "GB",
    family: "Data Transfer",
    attributes: { transferType: "InterRegion Outbound", toRegionCode: toRegion },
    tiers: flat(key),
    prefixEverywhere: true,
  };
}

/**
 * S3 Glacier Deep Archive, the AmazonS3GlacierDeepArchive offer: storage, PUT (Requests-GDA-Tier1 also carries
 * POST, COPY and the multipart calls, each its own SKU, told apart by operation), standard and bulk restore
 * requests. Keys are the columns of the Deep Archive feed's table; its retrieval-per-GB and lifecycle columns are
 * the same products the S3 feed gives (newer), so they are not mapped twice.
 */
const gda = (usagetype: string, unit: string, family: string, key: string, operation?: string): FeedProduct => ({
  service: "AmazonS3GlacierDeepArchive",
  usagetype,
  unit,
  family,
  tiers: flat(key),
  ...(operation ? { attributes: { operation } } : {}),
});
export const DEEP_ARCHIVE_PRODUCTS: readonly FeedProduct[] = [
  gda("TimedStorage-GDA-ByteHrs", "GB-Mo", "Storage", "Glacier Deep Archive GB Mo"),
  gda("Requests-GDA-Tier1", "Requests", "API Request", "PUT to Glacier Deep Archive Requests", "PutObject"),
  gda("Requests-GDA-Tier3", "Requests", "API Request", "GDA Standard Restore Requests"),
  gda("Requests-GDA-Tier5", "Requests", "API Request", "Glacier Deep Archive Bulk Restore Requests"),
];

export const FEED_PRODUCTS: Readonly<Record<FeedName, readonly FeedProduct[]>> = {
  s3: S3_PRODUCTS,
  glacier: GLACIER_PRODUCTS,
  ebs: EBS_PRODUCTS,
  "rds-postgresql-ondemand": RDS_SHARED_PRODUCTS,
  ecs: FARGATE_PRODUCTS,
  "queueservice-us-east-2-excerpt": QUEUE_PRODUCTS,
  "datatransfer-calc-us-east-2-excerpt": EGRESS_PRODUCTS,
  "s3-glacier-deep-archive": DEEP_ARCHIVE_PRODUCTS,
  "ec2-vps-rates": EGRESS_PRODUCTS,
  // Plus one inter-region product per destination (interRegionProduct).
  "skyplane-aws-transfer-costs": EGRESS_PRODUCTS,
};
