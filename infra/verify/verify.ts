/**
 * Judges live buckets with the policy pack's rules: one rule set, two sources of facts. Pure: facts in, findings
 * out. A rule whose facts could not be read is "unknown" with the reason, never a pass or a fail; a bucket of which
 * not one setting could be read fails `bucket-readable`, so a gate never passes a bucket it did not see.
 */
import { isUnknown, type BucketFacts, type Facts } from "../model.js";
import { DEFAULT_CONFIG, RULES, RULE_FIELDS, type RuleConfig } from "../policy/rules.js";

export type Status = "pass" | "fail" | "unknown";

export interface Finding {
  readonly rule: string;
  readonly control: string;
  readonly status: Status;
  /** A failure the rule reports as advice (shared access, a bucket public on purpose): said, never failing the gate. */
  readonly level?: "advisory";
  /** Why it is unknown, why it passes without applying, or why a rule that speaks only on some stores is judged here. */
  readonly reason?: string;
  readonly message?: string;
}

const PROD_ONLY = new Set(["s3-replication-in-prod", "s3-object-lock-in-prod"]);

/**
 * An endpoint that is not AWS's own: an S3-compatible store, judged with what such stores do differently (Ceph RGW
 * leaves aws:SecureTransport out of plain-HTTP requests; its TLS floor is its own). No endpoint is AWS's.
 */
export function s3Compatible(endpoint: string | undefined): boolean {
  return !!endpoint && !/(^|\.)amazonaws\.com(\.cn)?$/.test(new URL(endpoint).hostname);
}

/**
 * The TLS-1.2 deny is Stowage's house rule for stores whose TLS floor is their own. AWS's S3 endpoints refuse TLS
 * below 1.2 themselves (every AWS API endpoint since February 2024:
 * https://aws.amazon.com/blogs/security/tls-1-2-required-for-aws-endpoints/), so there it is not asked for.
 */
const TLS_1_2 = "s3-require-tls-1-2";
const tls12Reason = (endpoint: string | undefined) =>
  s3Compatible(endpoint)
    ? `judged because ${new URL(endpoint!).host} is not AWS's endpoint: AWS's refuse TLS below 1.2 themselves, this store's floor is its own`
    : "not asked for on AWS: its S3 endpoints refuse TLS below 1.2 themselves (since February 2024)";

/** The settings read through the S3 API (the region and tags are read too, and kept apart). */
const SETTINGS = ["versioning", "encryption", "publicAccessBlock", "ownership", "policy", "lifecycleRules", "logging", "replication", "objectLock"] as const;

/** Why nothing could be read, when every setting and the tags were unreadable; null when anything was read. */
function nothingRead(b: BucketFacts): string | null {
  const reasons = SETTINGS.map((f) => b[f]);
  if (!b.tagsUnknown || !reasons.every(isUnknown)) return null;
  return [...new Set(reasons.map((r) => r.unknown))].join("; ");
}

/**
 * `endpoint`: where the facts were read (none: AWS's own S3). It decides what a store does differently: whether a
 * TLS deny must also match a missing aws:SecureTransport, and whether the TLS-1.2 rule speaks. `config` overrides.
 */
export function judgeBucket(b: BucketFacts, config: Partial<RuleConfig> = {}, endpoint?: string): Finding[] {
  const blind = nothingRead(b);
  const judged = judgeRules(b, { secureTransportMayBeAbsent: s3Compatible(endpoint), ...config }, endpoint);
  return blind === null
    ? judged
    : [{ rule: "bucket-readable", control: "stowage", status: "fail", message: `not one setting could be read (${blind}): nothing was verified` }, ...judged];
}

function judgeRules(b: BucketFacts, config: Partial<RuleConfig>, endpoint: string | undefined): Finding[] {
  const c = { ...DEFAULT_CONFIG, ...config };
  const facts: Facts = { buckets: [b], iamPolicies: [], roles: [], keys: [], tagged: [{ ref: b.ref, tags: b.tags, region: b.region }] };
  return RULES.filter((r) => r.name in RULE_FIELDS).map((rule) => {
    const base = { rule: rule.name, control: rule.control };
    const unknown =
      RULE_FIELDS[rule.name]!.map((f) => b[f]).find(isUnknown) ??
      (rule.name === "required-tags" && b.tagsUnknown ? { unknown: b.tagsUnknown } : undefined) ??
      // A region that could not be read is no region: "allowed-regions" would pass it, having nothing to compare.
      (rule.name === "allowed-regions" && b.regionUnknown ? { unknown: `the region could not be read (${b.regionUnknown})` } : undefined);
    if (unknown) return { ...base, status: "unknown" as const, reason: unknown.unknown };
    if (rule.name === TLS_1_2 && !s3Compatible(endpoint)) return { ...base, status: "pass" as const, reason: tls12Reason(endpoint) };
    // Whether a prod-only rule applies is in the tags: unread tags are no answer, never "not prod, so pass".
    if (PROD_ONLY.has(rule.name) && b.tagsUnknown)
      return { ...base, status: "unknown" as const, reason: `the tags could not be read (${b.tagsUnknown}), so whether it is a prod bucket is unknown` };
    if (PROD_ONLY.has(rule.name) && b.tags.environment !== "prod")
      return { ...base, status: "pass" as const, reason: "required for prod buckets only (tag environment=prod)" };
    if (rule.name === "s3-replication-in-prod" && b.isReplica)
      return { ...base, status: "pass" as const, reason: "a replica: the destination of another bucket's replication" };
    const found = rule.check(facts, c);
    const why = rule.name === TLS_1_2 ? { reason: tls12Reason(endpoint) } : {};
    if (!found.length) return { ...base, status: "pass" as const, ...why };
    // Advisory as the pack has it: the rule's own level, or every finding lowered to advice.
    const advisory = rule.enforcementLevel === "advisory" || found.every((f) => f.enforcementLevel === "advisory");
    return { ...base, status: "fail" as const, ...(advisory ? { level: "advisory" as const } : {}), message: found.map((f) => f.message).join("; "), ...why };
  });
}
