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
  /** Why it is unknown, or why it passes without applying. */
  readonly reason?: string;
  readonly message?: string;
}

const PROD_ONLY = new Set(["s3-replication-in-prod", "s3-object-lock-in-prod"]);

/** The settings read through the S3 API (the region and tags are read too, and kept apart). */
const SETTINGS = ["versioning", "encryption", "publicAccessBlock", "ownership", "policy", "lifecycleRules", "logging", "replication", "objectLock"] as const;

/** Why nothing could be read, when every setting and the tags were unreadable; null when anything was read. */
function nothingRead(b: BucketFacts): string | null {
  const reasons = SETTINGS.map((f) => b[f]);
  if (!b.tagsUnknown || !reasons.every(isUnknown)) return null;
  return [...new Set(reasons.map((r) => r.unknown))].join("; ");
}

export function judgeBucket(b: BucketFacts, config: Partial<RuleConfig> = {}): Finding[] {
  const blind = nothingRead(b);
  const judged = judgeRules(b, config);
  return blind === null
    ? judged
    : [{ rule: "bucket-readable", control: "stowage", status: "fail", message: `not one setting could be read (${blind}): nothing was verified` }, ...judged];
}

function judgeRules(b: BucketFacts, config: Partial<RuleConfig>): Finding[] {
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
    // Whether a prod-only rule applies is in the tags: unread tags are no answer, never "not prod, so pass".
    if (PROD_ONLY.has(rule.name) && b.tagsUnknown)
      return { ...base, status: "unknown" as const, reason: `the tags could not be read (${b.tagsUnknown}), so whether it is a prod bucket is unknown` };
    if (PROD_ONLY.has(rule.name) && b.tags.environment !== "prod")
      return { ...base, status: "pass" as const, reason: "required for prod buckets only (tag environment=prod)" };
    if (rule.name === "s3-replication-in-prod" && b.isReplica)
      return { ...base, status: "pass" as const, reason: "a replica: the destination of another bucket's replication" };
    const found = rule.check(facts, c);
    return found.length ? { ...base, status: "fail" as const, message: found.map((f) => f.message).join("; ") } : { ...base, status: "pass" as const };
  });
}
