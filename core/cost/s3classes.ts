/**
 * S3 storage classes: which prices each uses and the billing rules AWS applies to it.
 * Source for the rules: S3 user guide, "Amazon S3 storage classes" and "Transitioning objects using Lifecycle"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html,
 *  https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html).
 */
import type { PriceSelector } from "../pricing/catalog.js";

export const STORAGE_CLASSES = [
  "STANDARD",
  "INTELLIGENT_TIERING",
  "STANDARD_IA",
  "ONEZONE_IA",
  "GLACIER_IR",
  "GLACIER",
  "DEEP_ARCHIVE",
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

export interface ClassInfo {
  readonly label: string;
  readonly storage: PriceSelector;
  /** PUT, COPY, POST, LIST into the class. */
  readonly tier1: PriceSelector;
  /** GET and all other requests. */
  readonly tier2: PriceSelector;
  /** Lifecycle transition request into the class; null for Standard (nothing transitions into it). */
  readonly transitionIn: PriceSelector | null;
  /** Per-GB retrieval charge (for archives: a standard restore). */
  readonly retrievalGb: PriceSelector | null;
  /** Per-request retrieval charge (archives' restore requests). */
  readonly retrievalRequest: PriceSelector | null;
  /** Minimum storage duration: an object removed or transitioned earlier is billed for the rest. */
  readonly minDays: number;
  /** Minimum billable object size in KB (128 KB for IA and Glacier IR). */
  readonly minObjectKb: number;
  /** Archived objects carry 8 KB billed at Standard plus 32 KB at the archive rate. */
  readonly archiveOverhead: boolean;
  /** Order in the lifecycle "waterfall": transitions only go to a larger rank. */
  readonly rank: number;
}

const s3 = (usagetype: string): PriceSelector => ({ service: "AmazonS3", usagetype });

/** Lifecycle does not move objects smaller than this to IA, Intelligent-Tiering or Glacier IR (default since 2024). */
export const SMALL_OBJECT_KB = 128;
/** Objects must stay this many days in Standard before a transition to Standard-IA or One Zone-IA. */
export const MIN_DAYS_BEFORE_IA = 30;
/** Intelligent-Tiering monitors (and charges for) objects of at least 128 KB only; smaller stay in Frequent Access. */
export const INT_MONITORED_MIN_KB = 128;
/** Intelligent-Tiering moves an object to Infrequent Access after 30 days without access, Archive Instant after 90. */
export const INT_IA_AFTER_DAYS = 30;
export const INT_AIA_AFTER_DAYS = 90;
export const ARCHIVE_STANDARD_OVERHEAD_KB = 8;
export const ARCHIVE_OVERHEAD_KB = 32;

export const CLASSES: Readonly<Record<StorageClass, ClassInfo>> = {
  STANDARD: {
    label: "Standard",
    storage: s3("TimedStorage-ByteHrs"),
    tier1: s3("Requests-Tier1"),
    tier2: s3("Requests-Tier2"),
    transitionIn: null,
    retrievalGb: null,
    retrievalRequest: null,
    minDays: 0,
    minObjectKb: 0,
    archiveOverhead: false,
    rank: 0,
  },
  INTELLIGENT_TIERING: {
    label: "Intelligent-Tiering",
    storage: s3("TimedStorage-INT-FA-ByteHrs"),
    tier1: s3("Requests-INT-Tier1"),
    tier2: s3("Requests-INT-Tier2"),
    transitionIn: s3("Requests-Tier4"),
    retrievalGb: null,
    retrievalRequest: null,
    minDays: 0,
    minObjectKb: 0,
    archiveOverhead: false,
    rank: 2,
  },
  STANDARD_IA: {
    label: "Standard-IA",
    storage: s3("TimedStorage-SIA-ByteHrs"),
    tier1: s3("Requests-SIA-Tier1"),
    tier2: s3("Requests-SIA-Tier2"),
    transitionIn: s3("Requests-Tier4"),
    retrievalGb: s3("Retrieval-SIA"),
    retrievalRequest: null,
    minDays: 30,
    minObjectKb: 128,
    archiveOverhead: false,
    rank: 1,
  },
  ONEZONE_IA: {
    label: "One Zone-IA",
    storage: s3("TimedStorage-ZIA-ByteHrs"),
    tier1: s3("Requests-ZIA-Tier1"),
    tier2: s3("Requests-ZIA-Tier2"),
    transitionIn: s3("Requests-Tier4"),
    retrievalGb: s3("Retrieval-ZIA"),
    retrievalRequest: null,
    minDays: 30,
    minObjectKb: 128,
    archiveOverhead: false,
    rank: 3,
  },
  GLACIER_IR: {
    label: "Glacier Instant Retrieval",
    storage: s3("TimedStorage-GIR-ByteHrs"),
    tier1: s3("Requests-GIR-Tier1"),
    tier2: s3("Requests-GIR-Tier2"),
    // A lifecycle transition into Glacier IR is billed as a Glacier IR PUT.
    transitionIn: s3("Requests-GIR-Tier1"),
    retrievalGb: s3("Retrieval-GIR"),
    retrievalRequest: null,
    minDays: 90,
    minObjectKb: 128,
    archiveOverhead: false,
    rank: 4,
  },
  GLACIER: {
    label: "Glacier Flexible Retrieval",
    storage: { service: "AmazonGlacier", usagetype: "TimedStorage-ByteHrs" },
    tier1: s3("Requests-Tier3"),
    tier2: s3("Requests-Tier2"),
    transitionIn: s3("Requests-Tier3"),
    retrievalGb: { service: "AmazonGlacier", usagetype: "Standard-Retrieval-Bytes" },
    retrievalRequest: { service: "AmazonGlacier", usagetype: "Standard-Retrieval-Requests" },
    minDays: 90,
    // AWS states a 40 KB minimum: that is exactly the 8 KB + 32 KB per-object overhead, billed as such.
    minObjectKb: 0,
    archiveOverhead: true,
    rank: 5,
  },
  DEEP_ARCHIVE: {
    label: "Deep Archive",
    // Not AmazonS3's "Glacier Deep Archive" volumeType: that SKU is the staging storage, a decoy at $0.021.
    storage: { service: "AmazonS3GlacierDeepArchive", usagetype: "TimedStorage-GDA-ByteHrs" },
    tier1: s3("Requests-GDA-Tier3"),
    tier2: s3("Requests-Tier2"),
    transitionIn: s3("Requests-GDA-Tier3"),
    retrievalGb: { service: "AmazonS3GlacierDeepArchive", usagetype: "Standard-Retrieval-Bytes" },
    retrievalRequest: { service: "AmazonS3GlacierDeepArchive", usagetype: "Standard-Retrieval-Requests" },
    minDays: 180,
    minObjectKb: 0,
    archiveOverhead: true,
    rank: 6,
  },
};

/** Intelligent-Tiering's automatic access tiers (the opt-in Archive Access tiers are not modelled). */
export const INT_TIERS = {
  FA: { label: "Intelligent-Tiering Frequent Access", storage: s3("TimedStorage-INT-FA-ByteHrs") },
  IA: { label: "Intelligent-Tiering Infrequent Access", storage: s3("TimedStorage-INT-IA-ByteHrs") },
  AIA: { label: "Intelligent-Tiering Archive Instant Access", storage: s3("TimedStorage-INT-AIA-ByteHrs") },
} as const;
export const INT_MONITORING: PriceSelector = s3("Monitoring-Automation-INT");
