/**
 * S3 storage classes, stated once: which prices each uses, the billing rules AWS applies to it, which lifecycle
 * transitions S3 accepts between them, and the one check of a lifecycle schedule that the workload file, the stack
 * config and the DataBucket component all use.
 * Source for the rules: S3 user guide, "Amazon S3 storage classes" and "Transitioning objects using Lifecycle"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html,
 *  https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html).
 */
import type { PriceSelector } from "./pricing/catalog.js";

export const STORAGE_CLASSES = ["STANDARD", "INTELLIGENT_TIERING", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] as const;
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
}

const s3 = (usagetype: string): PriceSelector => ({ service: "AmazonS3", usagetype });
/** One of the usage types AWS shares between operations (Requests-Tier3, -Tier4), told apart by `operation`. */
const s3op = (usagetype: string, operation: string): PriceSelector => ({ service: "AmazonS3", usagetype, attributes: { operation } });

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
  },
  INTELLIGENT_TIERING: {
    label: "Intelligent-Tiering",
    storage: s3("TimedStorage-INT-FA-ByteHrs"),
    tier1: s3("Requests-INT-Tier1"),
    tier2: s3("Requests-INT-Tier2"),
    transitionIn: s3op("Requests-Tier4", "S3-INTTransition"),
    retrievalGb: null,
    retrievalRequest: null,
    minDays: 0,
    minObjectKb: 0,
    archiveOverhead: false,
  },
  STANDARD_IA: {
    label: "Standard-IA",
    storage: s3("TimedStorage-SIA-ByteHrs"),
    tier1: s3("Requests-SIA-Tier1"),
    tier2: s3("Requests-SIA-Tier2"),
    transitionIn: s3op("Requests-Tier4", "S3-SIATransition"),
    retrievalGb: s3("Retrieval-SIA"),
    retrievalRequest: null,
    minDays: 30,
    minObjectKb: 128,
    archiveOverhead: false,
  },
  ONEZONE_IA: {
    label: "One Zone-IA",
    storage: s3("TimedStorage-ZIA-ByteHrs"),
    tier1: s3("Requests-ZIA-Tier1"),
    tier2: s3("Requests-ZIA-Tier2"),
    transitionIn: s3op("Requests-Tier4", "S3-ZIATransition"),
    retrievalGb: s3("Retrieval-ZIA"),
    retrievalRequest: null,
    minDays: 30,
    minObjectKb: 128,
    archiveOverhead: false,
  },
  GLACIER_IR: {
    label: "Glacier Instant Retrieval",
    storage: s3("TimedStorage-GIR-ByteHrs"),
    tier1: s3("Requests-GIR-Tier1"),
    tier2: s3("Requests-GIR-Tier2"),
    transitionIn: s3op("Requests-Tier4", "S3-GIRTransition"),
    retrievalGb: s3("Retrieval-GIR"),
    retrievalRequest: null,
    minDays: 90,
    minObjectKb: 128,
    archiveOverhead: false,
  },
  GLACIER: {
    label: "Glacier Flexible Retrieval",
    // S3 bills the class under its own offer (not the S3 Glacier vault service's).
    storage: s3("TimedStorage-GlacierByteHrs"),
    tier1: s3("Requests-GLACIER-Tier1"),
    tier2: s3("Requests-GLACIER-Tier2"),
    transitionIn: s3op("Requests-Tier3", "S3-GlacierTransition"),
    retrievalGb: { service: "AmazonGlacier", usagetype: "Standard-Retrieval-Bytes" },
    // A standard restore request: S3's RestoreObject under the shared Requests-Tier3.
    retrievalRequest: s3op("Requests-Tier3", "RestoreObject"),
    minDays: 90,
    // AWS states a 40 KB minimum: that is exactly the 8 KB + 32 KB per-object overhead, billed as such.
    minObjectKb: 0,
    archiveOverhead: true,
  },
  DEEP_ARCHIVE: {
    label: "Deep Archive",
    // Not AmazonS3's "Glacier Deep Archive" volumeType: that SKU is the staging storage, a decoy at $0.021.
    storage: { service: "AmazonS3GlacierDeepArchive", usagetype: "TimedStorage-GDA-ByteHrs" },
    // PUT is the Deep Archive offer's Requests-GDA-Tier1, which also carries InitiateMultipartUpload at a tenth.
    tier1: { service: "AmazonS3GlacierDeepArchive", usagetype: "Requests-GDA-Tier1", attributes: { operation: "PutObject" } },
    tier2: s3("Requests-GDA-Tier2"),
    transitionIn: s3op("Requests-Tier3", "S3-GDATransition"),
    retrievalGb: { service: "AmazonS3GlacierDeepArchive", usagetype: "Standard-Retrieval-Bytes" },
    retrievalRequest: { service: "AmazonS3GlacierDeepArchive", usagetype: "Requests-GDA-Tier3" },
    minDays: 180,
    minObjectKb: 0,
    archiveOverhead: true,
  },
};

/** Intelligent-Tiering's automatic access tiers (the opt-in Archive Access tiers are not modelled). */
export const INT_TIERS = {
  FA: { label: "Intelligent-Tiering Frequent Access", storage: s3("TimedStorage-INT-FA-ByteHrs") },
  IA: { label: "Intelligent-Tiering Infrequent Access", storage: s3("TimedStorage-INT-IA-ByteHrs") },
  AIA: { label: "Intelligent-Tiering Archive Instant Access", storage: s3("TimedStorage-INT-AIA-ByteHrs") },
} as const;
export const INT_MONITORING: PriceSelector = s3("Monitoring-Automation-INT");

/**
 * The lifecycle transitions S3 supports, from each class (the user guide's "Supported lifecycle transitions"). Not a
 * single order: One Zone-IA cannot go to Glacier Instant Retrieval, Intelligent-Tiering cannot go to Standard-IA,
 * and nothing transitions into Standard.
 */
export const TRANSITIONS: Readonly<Record<StorageClass, readonly StorageClass[]>> = {
  STANDARD: ["STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"],
  STANDARD_IA: ["INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"],
  INTELLIGENT_TIERING: ["ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"],
  ONEZONE_IA: ["GLACIER", "DEEP_ARCHIVE"],
  GLACIER_IR: ["GLACIER", "DEEP_ARCHIVE"],
  GLACIER: ["DEEP_ARCHIVE"],
  DEEP_ARCHIVE: [],
};

/** The classes S3 lifecycle rules may name as a target (every class but Standard). */
export const TRANSITION_CLASSES = STORAGE_CLASSES.filter((c) => c !== "STANDARD");

export const isStorageClass = (c: string): c is StorageClass => (STORAGE_CLASSES as readonly string[]).includes(c);

/** One transition of a lifecycle schedule: objects move to `storageClass` when they are `afterDays` old. */
export interface Transition {
  readonly afterDays: number;
  readonly storageClass: string;
}

/** A problem of a schedule: which rule (null for the expiry) and which of its fields, and what is wrong. */
export interface LifecycleProblem {
  readonly rule: number | null;
  readonly field: "afterDays" | "storageClass" | "expireDays";
  readonly message: string;
}

/**
 * Every reason S3 would refuse (or the schedule would contradict itself): a transition S3 does not support from
 * the class objects are in at that point (the upload class first), days that do not increase, Standard-IA or One
 * Zone-IA before 30 days or left less than 30 days after entering it (S3 refuses both), and expiry at or before the
 * last transition. Pure; callers name the keys in their own files.
 */
export function lifecycleProblems(
  rules: readonly Transition[],
  opts: { readonly uploadClass?: string; readonly expireDays?: number | null } = {},
): LifecycleProblem[] {
  const problems: LifecycleProblem[] = [];
  let from: string = opts.uploadClass ?? "STANDARD";
  let enteredAt = 0;
  rules.forEach((t, i) => {
    const previous = rules[i - 1];
    if (previous && t.afterDays <= previous.afterDays)
      problems.push({ rule: i, field: "afterDays", message: `${t.afterDays} must be later than the previous transition's ${previous.afterDays}` });
    if (!isStorageClass(t.storageClass))
      problems.push({ rule: i, field: "storageClass", message: `${t.storageClass} is not an S3 storage class (${STORAGE_CLASSES.join(", ")})` });
    else if (isStorageClass(from) && !TRANSITIONS[from].includes(t.storageClass)) {
      const allowed = TRANSITIONS[from];
      problems.push({
        rule: i,
        field: "storageClass",
        message: `S3 cannot transition ${from} to ${t.storageClass}${t.storageClass === "STANDARD" ? " (nothing transitions into STANDARD)" : ""}; from ${from} it can go to ${allowed.length ? allowed.join(", ") : "no other class"}`,
      });
    }
    if ((t.storageClass === "STANDARD_IA" || t.storageClass === "ONEZONE_IA") && t.afterDays < MIN_DAYS_BEFORE_IA) {
      problems.push({
        rule: i,
        field: "afterDays",
        message: `${t.afterDays} is too early; S3 requires objects to be at least ${MIN_DAYS_BEFORE_IA} days old before ${t.storageClass}`,
      });
    }
    if (previous && (from === "STANDARD_IA" || from === "ONEZONE_IA") && t.afterDays < enteredAt + MIN_DAYS_BEFORE_IA) {
      problems.push({
        rule: i,
        field: "afterDays",
        message: `${t.afterDays} is too early; S3 requires objects to stay ${MIN_DAYS_BEFORE_IA} days in ${from} (from day ${enteredAt}) before they move on`,
      });
    }
    from = t.storageClass;
    enteredAt = t.afterDays;
  });
  const last = rules.at(-1);
  if (opts.expireDays !== undefined && opts.expireDays !== null && last && opts.expireDays <= last.afterDays) {
    problems.push({ rule: null, field: "expireDays", message: `${opts.expireDays} comes at or before the last lifecycle transition (${last.afterDays} days)` });
  }
  return problems;
}
