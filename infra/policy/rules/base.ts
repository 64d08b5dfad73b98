/**
 * What every rule shares: the rule and finding types, the rule configuration and its defaults, the helpers the
 * bucket rules are built with, and `findings`, which applies house-rule levels and exceptions to a rule's output.
 */
import { REQUIRED_TAGS } from "../../../core/stack/schema.js";
import type { PolicyDocument, Statement } from "../../iamDocuments.js";
import { isUnknown, type BucketFacts, type Facts, type ResourceRef } from "../facts.js";

export type EnforcementLevel = "advisory" | "mandatory" | "disabled";

export interface RuleConfig {
  /** Tags every taggable resource must carry. */
  readonly requiredTags: readonly string[];
  /** Regions resources may be in (null: any). */
  readonly allowedRegions: readonly string[] | null;
  /** Per team, the bucket and prefixes it owns: no other team's role may reach them. */
  readonly teamPrefixes: Readonly<Record<string, { readonly bucket: string; readonly prefixes: readonly string[] }>>;
  /** Also require read data events (S3.23) on data buckets. */
  readonly auditReads: boolean;
  /** Whether this stack owns its object-level audit trail; null: it does when it declares a trail. */
  readonly auditOwned: boolean | null;
  /** Whether Stowage's house rules speak (its own stacks; a foreign program's when its policy config turns them on). */
  readonly houseRules: boolean;
  /**
   * Findings accepted on purpose, each with its reason and an expiry date (YYYY-MM-DD). The same can be recorded on
   * the resource: a tag `stowage:exception:RULE` = "REASON until YYYY-MM-DD".
   */
  readonly exceptions: readonly RuleException[];
  /**
   * The store may leave aws:SecureTransport out of plain-HTTP requests instead of setting it to false (Ceph RGW
   * does), so a TLS deny must also match a missing key. False for AWS, which always sets it.
   */
  readonly secureTransportMayBeAbsent: boolean;
}

export interface RuleException {
  readonly rule: string;
  /** The resource's name in the program. */
  readonly resource: string;
  readonly reason: string;
  readonly expires: string;
}

export const DEFAULT_CONFIG: RuleConfig = {
  requiredTags: [...REQUIRED_TAGS],
  allowedRegions: null,
  teamPrefixes: {},
  auditReads: false,
  auditOwned: null,
  houseRules: true,
  exceptions: [],
  secureTransportMayBeAbsent: false,
};

export interface Finding {
  readonly resource: ResourceRef;
  readonly message: string;
  /** Lower than the rule's own level for this finding only (a rule that cannot see everything it depends on). */
  readonly enforcementLevel?: "advisory";
}

export interface Rule {
  /** kebab-case, unique. */
  readonly name: string;
  /** Security Hub control, or "stowage" for Stowage's own. */
  readonly control: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  /** What to change, in one sentence. */
  readonly fix: string;
  /**
   * Stowage's own convention rather than a control auditors check (its four tag keys, a TLS 1.2 deny that AWS
   * endpoints already enforce, protect on prod data): silent on programs that are not Stowage's own, unless their
   * policy config turns it on.
   */
  readonly house?: true;
  check(facts: Facts, config: RuleConfig): Finding[];
}

export const isProd = (b: { tags: Readonly<Record<string, string>> }) => b.tags.environment === "prod";
export const dataBuckets = (f: Facts) => f.buckets.filter((b) => b.role === "data");
export const statements = (doc: PolicyDocument | null | { unknown: string }): Statement[] => (doc && !isUnknown(doc) ? doc.Statement : []);
export const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The bucket facts each rule reads; rules about IAM, keys or trails are not judged from the S3 API (verify). */
export const RULE_FIELDS: Readonly<Record<string, readonly (keyof BucketFacts)[]>> = {
  "s3-no-public-read-or-write": ["policy"],
  "s3-require-tls": ["policy"],
  "s3-require-tls-1-2": ["policy"],
  "s3-no-cross-account-admin": ["policy"],
  "s3-replication-in-prod": ["replication"],
  "s3-public-access-block": ["publicAccessBlock"],
  "s3-access-logging": ["logging"],
  "s3-acls-disabled": ["ownership"],
  "s3-lifecycle": ["lifecycleRules"],
  // The schedules are read with the rules: unreadable rules are unreadable transitions.
  "s3-lifecycle-transitions": ["lifecycleRules"],
  "s3-external-access": ["policy"],
  "s3-versioning": ["versioning"],
  "s3-object-lock-in-prod": ["objectLock"],
  "s3-kms-encryption": ["encryption"],
  "required-tags": ["tags"],
  "allowed-regions": ["region"],
};

/** A bucket rule: one finding per bucket the predicate fails; unknown settings are reported as unknown by verify, skipped here. */
export function bucketRule(
  base: Omit<Rule, "check">,
  which: (f: Facts, c: RuleConfig) => readonly BucketFacts[],
  failure: (b: BucketFacts, c: RuleConfig) => string | { readonly message: string; readonly advisory: true } | null,
  /** Whether the rule also judges a bucket public on purpose (publicOnPurpose); most do not. */
  judgesPublic = false,
): Rule {
  return {
    ...base,
    check: (facts, config) =>
      which(facts, config)
        .filter((b) => judgesPublic || !publicOnPurpose(b))
        .flatMap((b) => {
          // A setting unknown until apply (or unreadable) is not judged as absent: the finding says it could not be judged.
          // (The failure functions' own known() checks are then only there to narrow the setting's type.)
          const unknown = (RULE_FIELDS[base.name] ?? []).map((f) => b[f]).find(isUnknown);
          if (unknown) return [{ resource: b.ref, message: `could not be judged: ${unknown.unknown}`, enforcementLevel: "advisory" as const }];
          const found = failure(b, config);
          if (!found) return [];
          return typeof found === "string"
            ? [{ resource: b.ref, message: found }]
            : [{ resource: b.ref, message: found.message, enforcementLevel: "advisory" as const }];
        }),
  };
}

/**
 * A setting a program does not declare, where AWS's own default for new buckets already holds (since April 2023:
 * all four public access blocks on, ACLs disabled — https://aws.amazon.com/about-aws/whats-new/2022/12/amazon-s3-automatically-enable-block-public-access-disable-access-control-lists-buckets-april-2023/).
 * Not declared is not off: advise declaring it. A live bucket without the setting really has none.
 */
export const undeclaredDefault = (b: BucketFacts, what: string, since = "April 2023") =>
  b.live
    ? `no ${what}`
    : {
        message: `no ${what} declared; AWS sets it for new buckets by default since ${since}, so declare it to keep it visible and enforced`,
        advisory: true as const,
      };

export const known = <T>(v: T): v is Exclude<T, { readonly unknown: string }> => !isUnknown(v);

/** What a website bucket gets instead of a TLS deny or SSE-KMS, which would take an S3 website endpoint down. */
export const CLOUDFRONT_ADVICE = "serve it through CloudFront with Origin Access Control (HTTPS, the bucket private), or record an exception";

export function principalIsEveryone(p: unknown): boolean {
  if (p === "*") return true;
  if (p && typeof p === "object") return list((p as { AWS?: string | string[] }).AWS).includes("*");
  return false;
}

/** The bucket policy's Allow statements for everyone, without a condition that narrows who. */
export const publicStatements = (b: BucketFacts): Statement[] =>
  statements(b.policy).filter((s) => s.Effect === "Allow" && principalIsEveryone(s.Principal) && !s.Condition);

/** Object reads: what a public website grants everyone on purpose. Anything else for everyone (write, delete, list) is a hole. */
export const isPublicRead = (action: string) => /^s3:GetObject(Version)?$/i.test(action);

/**
 * A bucket public on purpose: a website bucket (website configuration) that grants everyone access by its policy or
 * ACL, or any bucket with an exception recorded for s3-no-public-read-or-write (tag
 * `stowage:exception:s3-no-public-read-or-write`). It is judged for what matters then — no write, delete or listing
 * for everyone, access logs kept — and said to be public once; fixes that would take it offline are not asked for.
 */
export function publicOnPurpose(b: BucketFacts, today = new Date().toISOString().slice(0, 10)): boolean {
  const exception = taggedException("s3-no-public-read-or-write", b.ref.name, b.tags);
  if (exception && /^\d{4}-\d{2}-\d{2}$/.test(exception.expires) && exception.expires >= today) return true;
  return b.role === "website" && (publicStatements(b).length > 0 || (!!b.acl && /public-read/.test(b.acl)));
}

/** An exception recorded on a resource: tag `stowage:exception:RULE` = "REASON until YYYY-MM-DD". */
function taggedException(rule: string, resource: string, tags: Readonly<Record<string, string>> | undefined): RuleException | null {
  const value = tags?.[`stowage:exception:${rule}`];
  if (value === undefined) return null;
  const m = /^(.*?)\s+until\s+(\d{4}-\d{2}-\d{2})\s*$/.exec(value);
  return { rule, resource, reason: (m ? m[1]! : value).trim(), expires: m ? m[2]! : "" };
}

/**
 * What a rule finds, at the level it binds with. A house rule says nothing on a program that is not Stowage's own
 * (houseRules false). A finding under an exception in force becomes an
 * advisory that names the exception, so every exception stays in the report; an expired one, or one without a
 * date, leaves the finding as it was and says so.
 */
export function findings(rule: Rule, facts: Facts, config: RuleConfig, today = new Date().toISOString().slice(0, 10)): Finding[] {
  const tagsOf = (name: string) => [...facts.tagged, ...facts.buckets.map((b) => ({ ref: b.ref, tags: b.tags }))].find((t) => t.ref.name === name)?.tags;
  // A house rule is silent on a program that is not Stowage's own, unless the policy config turns it on (a level or
  // the team's own settings for it): its conventions are not everyone's, and half of all advice on foreign programs
  // was theirs.
  if (rule.house && !config.houseRules) return [];
  return rule.check(facts, config).map((f) => {
    const found = f;
    const exception =
      config.exceptions.find((e) => e.rule === rule.name && e.resource === f.resource.name) ??
      taggedException(rule.name, f.resource.name, tagsOf(f.resource.name));
    if (!exception) return found;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(exception.expires))
      return { ...found, message: `${found.message} (an exception "${exception.reason}" is recorded without an expiry date YYYY-MM-DD, so it does not apply)` };
    if (exception.expires < today) return { ...found, message: `${found.message} (the exception "${exception.reason}" expired on ${exception.expires})` };
    return {
      ...found,
      message: `exception in force until ${exception.expires}: ${exception.reason} — for: ${found.message}`,
      enforcementLevel: "advisory" as const,
    };
  });
}
