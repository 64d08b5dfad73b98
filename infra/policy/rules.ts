/**
 * Stowage's rules: one exported constant per rule, each a pure function of the facts (facts.ts) and the rule
 * configuration. The CrossGuard pack (pack/index.ts), `stowage policy`, and the live verifier all run these.
 * Controls are AWS Security Hub's S3 controls where one applies
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html).
 */
import type { PolicyDocument, Statement } from "../policies.js";
import { isUnknown, type BucketFacts, type Facts, type ResourceRef } from "./facts.js";

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
  /** Whether Stowage's house rules bind (its own stacks), or only advise (anyone else's programs). */
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
  requiredTags: ["team", "environment", "data-classification", "cost-centre"],
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
   * endpoints already enforce, protect on prod data): advisory on programs that are not Stowage's own.
   */
  readonly house?: true;
  check(facts: Facts, config: RuleConfig): Finding[];
}

const isProd = (b: { tags: Readonly<Record<string, string>> }) => b.tags.environment === "prod";
const dataBuckets = (f: Facts) => f.buckets.filter((b) => b.role === "data");
const statements = (doc: PolicyDocument | null | { unknown: string }): Statement[] => (doc && !isUnknown(doc) ? doc.Statement : []);
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

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
  "s3-versioning": ["versioning"],
  "s3-object-lock-in-prod": ["objectLock"],
  "s3-kms-encryption": ["encryption"],
  "required-tags": ["tags"],
  "allowed-regions": ["region"],
};

/** A bucket rule: one finding per bucket the predicate fails; unknown settings are reported as unknown by verify, skipped here. */
function bucketRule(
  base: Omit<Rule, "check">,
  which: (f: Facts, c: RuleConfig) => readonly BucketFacts[],
  failure: (b: BucketFacts, c: RuleConfig) => string | { readonly message: string; readonly advisory: true } | null,
): Rule {
  return {
    ...base,
    check: (facts, config) =>
      which(facts, config).flatMap((b) => {
        // A setting unknown until apply (or unreadable) is not judged as absent: the finding says it could not be judged.
        // (The failure functions' own known() checks are then only there to narrow the setting's type.)
        const unknown = (RULE_FIELDS[base.name] ?? []).map((f) => b[f]).find(isUnknown);
        if (unknown) return [{ resource: b.ref, message: `could not be judged: ${unknown.unknown}`, enforcementLevel: "advisory" as const }];
        const found = failure(b, config);
        if (!found) return [];
        return typeof found === "string" ? [{ resource: b.ref, message: found }] : [{ resource: b.ref, message: found.message, enforcementLevel: "advisory" as const }];
      }),
  };
}

/**
 * A setting a program does not declare, where AWS's own default for new buckets already holds (since April 2023:
 * all four public access blocks on, ACLs disabled — https://aws.amazon.com/about-aws/whats-new/2022/12/amazon-s3-automatically-enable-block-public-access-disable-access-control-lists-buckets-april-2023/).
 * Not declared is not off: advise declaring it. A live bucket without the setting really has none.
 */
const undeclaredDefault = (b: BucketFacts, what: string, since = "April 2023") =>
  b.live ? `no ${what}` : { message: `no ${what} declared; AWS sets it for new buckets by default since ${since}, so declare it to keep it visible and enforced`, advisory: true as const };

const known = <T>(v: T): v is Exclude<T, { readonly unknown: string }> => !isUnknown(v);

/** What a website bucket gets instead of a TLS deny or SSE-KMS, which would take an S3 website endpoint down. */
const CLOUDFRONT_ADVICE = "serve it through CloudFront with Origin Access Control (HTTPS, the bucket private), or record an exception";

function principalIsEveryone(p: unknown): boolean {
  if (p === "*") return true;
  if (p && typeof p === "object") return list((p as { AWS?: string | string[] }).AWS).includes("*");
  return false;
}

export const s3NoPublicAccess = bucketRule(
  {
    name: "s3-no-public-read-or-write",
    control: "S3.2/S3.3",
    description: "No public-read or public-read-write ACL, and no bucket policy that allows everyone.",
    enforcementLevel: "mandatory",
    fix: "Remove the public ACL and any Allow statement whose Principal is \"*\"; grant access through IAM roles.",
  },
  (f) => f.buckets,
  (b) => {
    const open = statements(b.policy).find((s) => s.Effect === "Allow" && principalIsEveryone(s.Principal) && !s.Condition);
    const what = b.acl && /public-read/.test(b.acl) ? `the ACL ${b.acl} makes objects public` : open ? `the bucket policy allows ${JSON.stringify(open.Action)} to everyone` : null;
    if (what && b.role === "website" && !/write/.test(b.acl ?? "")) return { message: `${what}: public by design for a website; ${CLOUDFRONT_ADVICE}`, advisory: true };
    return what;
  },
);

/** A statement's Condition block: operator → key → value. */
type Conditions = Record<string, Record<string, unknown>>;

function deniesWhen(b: BucketFacts, key: string, test: (cond: Conditions) => boolean): boolean {
  return statements(b.policy).some((s) => {
    if (s.Effect !== "Deny" || !principalIsEveryone(s.Principal) || !s.Condition) return false;
    const actions = list(s.Action);
    return (actions.includes("s3:*") || actions.includes("*")) && JSON.stringify(s.Condition).includes(key) && test(s.Condition as never);
  });
}

export const s3RequireTls = bucketRule(
  {
    name: "s3-require-tls",
    control: "S3.5",
    description: "The bucket policy denies every request made without TLS.",
    enforcementLevel: "mandatory",
    fix: "Add a Deny statement for s3:* on the bucket and its objects when aws:SecureTransport is false.",
  },
  (f) => f.buckets,
  (b, config) => {
    if (!known(b.policy)) return null;
    // An S3 website endpoint speaks HTTP only: a TLS deny would take the site down.
    if (b.role === "website") return b.behindCloudFront ? null : { message: `a website bucket served from the S3 website endpoint (HTTP only); ${CLOUDFRONT_ADVICE}`, advisory: true };
    const key = "aws:SecureTransport";
    // BoolIfExists false matches both a false and a missing key.
    const whenFalse = (c: Conditions) => String(c.Bool?.[key]) === "false" || String(c.BoolIfExists?.[key]) === "false";
    const whenMissing = (c: Conditions) => String(c.Null?.[key]) === "true" || String(c.BoolIfExists?.[key]) === "false";
    if (!deniesWhen(b, key, whenFalse)) return "no statement denies requests without TLS (aws:SecureTransport = false)";
    if (config.secureTransportMayBeAbsent && !deniesWhen(b, key, whenMissing)) {
      return "no statement denies requests that carry no aws:SecureTransport, which is how this store marks plain HTTP (deny with Null aws:SecureTransport = true)";
    }
    return null;
  },
);

export const s3RequireTls12 = bucketRule(
  {
    house: true,
    name: "s3-require-tls-1-2",
    control: "stowage",
    description: "The bucket policy denies TLS versions below 1.2.",
    enforcementLevel: "mandatory",
    fix: "Add a Deny statement for s3:* when s3:TlsVersion is less than 1.2.",
  },
  (f) => dataBuckets(f),
  (b) => (!known(b.policy) || deniesWhen(b, "s3:TlsVersion", (c) => Number(c.NumericLessThan?.["s3:TlsVersion"]) >= 1.2) ? null : "no statement denies TLS below 1.2"),
);

const SENSITIVE = /^s3:(\*|Put(Bucket)?(Policy|Acl|EncryptionConfiguration|BucketPolicy|BucketAcl)|DeleteBucketPolicy|PutEncryptionConfiguration)$/;

export const s3NoCrossAccountAdmin = bucketRule(
  {
    name: "s3-no-cross-account-admin",
    control: "S3.6",
    description: "The bucket policy grants no other account the right to change its policy, ACL or encryption.",
    enforcementLevel: "mandatory",
    fix: "Remove s3:* and Put*Policy/Acl/Encryption grants to principals of other accounts.",
  },
  (f) => f.buckets,
  (b) => {
    const bad = statements(b.policy).find((s) => s.Effect === "Allow" && s.Principal !== undefined && list(s.Action).some((a) => SENSITIVE.test(a)) && !JSON.stringify(s.Principal).includes("Service"));
    return bad ? `the bucket policy grants ${JSON.stringify(bad.Action)} to ${JSON.stringify(bad.Principal)}` : null;
  },
);

export const s3Replication = bucketRule(
  {
    name: "s3-replication-in-prod",
    control: "S3.7",
    description: "Prod data buckets replicate SSE-KMS objects to another region.",
    enforcementLevel: "mandatory",
    fix: "Set stowage:replicaRegions (or add a BucketReplicationConfig with sseKmsEncryptedObjects enabled).",
  },
  (f) => dataBuckets(f).filter((b) => isProd(b) && !b.isReplica),
  (b) => {
    if (!known(b.replication)) return null;
    if (!b.replication || b.replication.rules === 0) return "no replication configuration";
    if (!b.replication.kmsReplicated) return "replication does not include SSE-KMS objects (sourceSelectionCriteria.sseKmsEncryptedObjects)";
    if (b.replication.destinationRegions.includes(b.region)) return "the replica is in the bucket's own region; outages are regional";
    return null;
  },
);

export const s3PublicAccessBlock = bucketRule(
  {
    name: "s3-public-access-block",
    control: "S3.8",
    description: "All four public access block settings are on.",
    enforcementLevel: "mandatory",
    fix: "Add a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true.",
  },
  (f) => f.buckets,
  (b) => {
    if (!known(b.publicAccessBlock)) return null;
    if (!b.publicAccessBlock) return undeclaredDefault(b, "public access block");
    const off = Object.entries(b.publicAccessBlock).filter(([, v]) => v !== true).map(([k]) => k);
    if (!off.length) return null;
    const message = `public access block has ${off.join(", ")} off`;
    return b.role === "website" ? { message: `${message}, as a public website needs; ${CLOUDFRONT_ADVICE}`, advisory: true } : message;
  },
);

export const s3AccessLogging = bucketRule(
  {
    name: "s3-access-logging",
    control: "S3.9",
    description: "Server access logging is on, to a log bucket in the same region.",
    enforcementLevel: "mandatory",
    fix: "Add a BucketLogging that targets a log bucket in the bucket's region.",
  },
  (f) => dataBuckets(f),
  (b) => {
    if (!known(b.logging)) return null;
    if (!b.logging) return "server access logging is off";
    return b.logging.targetRegion && b.region && b.logging.targetRegion !== b.region ? `logs go to ${b.logging.targetBucket} in ${b.logging.targetRegion}, not ${b.region}` : null;
  },
);

export const s3AclsDisabled = bucketRule(
  {
    name: "s3-acls-disabled",
    control: "S3.12",
    description: "Object ownership is BucketOwnerEnforced: ACLs play no part in access.",
    enforcementLevel: "mandatory",
    fix: "Add a BucketOwnershipControls with objectOwnership BucketOwnerEnforced.",
  },
  (f) => f.buckets,
  (b) => {
    // CloudFront's standard logging writes with an ACL: its log bucket must keep ACLs enabled.
    if (!known(b.ownership) || b.ownership === "BucketOwnerEnforced" || b.cloudFrontLogs) return null;
    if (b.ownership === null) return undeclaredDefault(b, "object ownership control (BucketOwnerEnforced)");
    return `object ownership is ${b.ownership}, so ACLs still apply`;
  },
);

export const s3Lifecycle = bucketRule(
  {
    name: "s3-lifecycle",
    control: "S3.13",
    description: "Data buckets have a lifecycle configuration.",
    enforcementLevel: "mandatory",
    fix: "Add a BucketLifecycleConfiguration (transitions, noncurrent-version expiry, aborting incomplete uploads).",
  },
  (f) => f.buckets,
  (b) => (!known(b.lifecycleRules) || (b.lifecycleRules ?? 0) > 0 ? null : "no lifecycle rules"),
);

export const s3Versioning = bucketRule(
  {
    name: "s3-versioning",
    control: "S3.14",
    description: "Versioning is enabled.",
    enforcementLevel: "mandatory",
    fix: "Add a BucketVersioning with status Enabled.",
  },
  (f) => f.buckets,
  (b) => (!known(b.versioning) || b.versioning === "Enabled" ? null : b.versioning === "Suspended" ? "versioning is suspended" : "versioning is not enabled"),
);

export const s3ObjectLock = bucketRule(
  {
    name: "s3-object-lock-in-prod",
    control: "S3.15",
    description: "Prod data buckets have Object Lock with a default retention.",
    enforcementLevel: "mandatory",
    fix: "Create the bucket with objectLockEnabled and add a BucketObjectLockConfiguration with a default retention.",
  },
  (f) => dataBuckets(f).filter(isProd),
  (b) => (!known(b.objectLock) || (b.objectLock && b.objectLock.mode) ? null : "no Object Lock default retention"),
);

export const s3KmsEncryption = bucketRule(
  {
    name: "s3-kms-encryption",
    control: "S3.17",
    description: "Data buckets encrypt by default with SSE-KMS (a customer key); log buckets with SSE-S3 at least.",
    enforcementLevel: "mandatory",
    fix: "Add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms, a customer-managed key and bucketKeyEnabled.",
  },
  (f) => f.buckets,
  (b) => {
    if (!known(b.encryption)) return null;
    if (!b.encryption) {
      // S3 encrypts every new object with SSE-S3 by default since January 2023: enough for logs and websites.
      if (b.role !== "data") return undeclaredDefault(b, "default encryption configuration", "January 2023 (SSE-S3)");
      return "no default encryption declared: S3 applies SSE-S3 by default, not the SSE-KMS a data bucket needs";
    }
    if (b.role === "data" && !b.encryption.algorithm.startsWith("aws:kms")) return `default encryption is ${b.encryption.algorithm}, not SSE-KMS`;
    if (b.role === "data" && !b.encryption.kmsKeyId) return "SSE-KMS with the AWS-managed key; use a customer-managed key";
    return null;
  },
);

/**
 * Object-level CloudTrail is often an organisation trail owned by another account, which a program cannot see. So a
 * missing data-event selector is mandatory only where the stack owns its audit (it declares a trail, or the policy
 * config says `auditOwned: true`) and advisory otherwise: a gate that cries wolf on every compliant bucket is
 * switched off.
 */
export const s3DataEvents: Rule = {
  name: "s3-cloudtrail-data-events",
  control: "S3.22/S3.23",
  description: "A CloudTrail trail records object-level writes (and reads, where configured) on data buckets.",
  enforcementLevel: "mandatory",
  fix: "Add the bucket to a trail's S3 data event selectors (Audit component).",
  check(facts, config) {
    const owned = config.auditOwned ?? (facts.trails ?? 0) > 0;
    return dataBuckets(facts).flatMap((b) => {
      if (b.dataEvents === null) return []; // not visible from this side (a live S3 API cannot see trails)
      const message =
        !b.dataEvents.writes ? "no trail records its object writes (S3.22)"
        : config.auditReads && !b.dataEvents.reads ? "no trail records its object reads (S3.23)"
        : null;
      if (!message) return [];
      if (owned) return [{ resource: b.ref, message }];
      return [{ resource: b.ref, message: `${message}; this stack declares no trail of its own, so check that an organisation trail covers it (set auditOwned in the policy config to say whether this stack owns its audit)`, enforcementLevel: "advisory" as const }];
    });
  },
};

export const prodProtected = bucketRule(
  {
    house: true,
    name: "prod-data-protected",
    control: "stowage",
    description: "Prod data buckets are protected from deletion by the program (protect).",
    enforcementLevel: "mandatory",
    fix: "Set protect and retainOnDelete on the bucket (the DataBucket component does in prod).",
  },
  (f) => dataBuckets(f).filter((b) => isProd(b) && b.protect !== null),
  (b) => (b.protect ? null : "a prod data bucket without protect can be deleted by pulumi destroy"),
);

export const kmsRotation: Rule = {
  name: "kms-key-rotation",
  control: "stowage",
  description: "Customer-managed KMS keys rotate.",
  enforcementLevel: "mandatory",
  fix: "Set enableKeyRotation: true on the key.",
  check: (f) => f.keys.filter((k) => !k.rotation).map((k) => ({ resource: k.ref, message: "key rotation is off" })),
};

/**
 * What each Allow statement grants. "Everything but" (NotAction, NotResource) is as broad as a wildcard for these
 * rules, and is read as one.
 */
function actionsAndResources(doc: PolicyDocument) {
  return doc.Statement.filter((s) => s.Effect === "Allow").map((s) => ({
    actions: s.NotAction !== undefined ? ["*"] : list(s.Action),
    resources: s.NotResource !== undefined ? ["*"] : list(s.Resource),
  }));
}

/** A resource that names every bucket: "*", or an S3 ARN whose bucket part starts with a wildcard. */
const everyBucket = (r: string) => r === "*" || /^arn:aws[\w-]*:s3:::[*?]/.test(r);

/**
 * S3 actions on the account, not on a bucket: the Service Authorization Reference gives them no resource type, so
 * `"Resource": "*"` is the only way to grant them (the documented minimum, e.g. a console user's or a canary's
 * ListAllMyBuckets), not access to every bucket.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 */
const ACCOUNT_LEVEL_S3_ACTIONS = new Set(
  [
    "s3:ListAllMyBuckets",
    "s3:ListAccessPoints",
    "s3:ListAccessPointsForObjectLambda",
    "s3:ListMultiRegionAccessPoints",
    "s3:ListJobs",
    "s3:CreateJob",
    "s3:ListStorageLensConfigurations",
    "s3:ListStorageLensGroups",
    "s3:ListAccessGrantsInstances",
    "s3:GetAccountPublicAccessBlock",
    "s3:PutAccountPublicAccessBlock",
    "s3:PutAccessPointPublicAccessBlock",
  ].map((a) => a.toLowerCase()),
);

/** An action that, on "*", reaches buckets or objects (action names are case-insensitive in IAM). */
const reachesBuckets = (a: string) => a === "*" || (a.toLowerCase().startsWith("s3:") && !ACCOUNT_LEVEL_S3_ACTIONS.has(a.toLowerCase()));

export const iamNoWildcards: Rule = {
  name: "iam-no-wildcards",
  control: "stowage",
  description: "IAM policies name their actions and resources: no \"*\" or \"s3:*\" action, no \"*\" resource.",
  enforcementLevel: "mandatory",
  fix: "List the actions the role needs and scope resources to the bucket and prefixes.",
  check: (f) =>
    f.iamPolicies.flatMap((p) =>
      actionsAndResources(p.document).flatMap(({ actions, resources }) => {
        const out: Finding[] = [];
        const wildAction = actions.find((a) => a === "*" || /^[a-z0-9-]+:\*$/.test(a));
        if (wildAction) out.push({ resource: p.ref, message: `allows the action ${wildAction}` });
        const wildResource = resources.find(everyBucket);
        if (wildResource && actions.some(reachesBuckets)) out.push({ resource: p.ref, message: `allows S3 actions on every bucket (${JSON.stringify(wildResource)})` });
        return out;
      }),
    ),
};

export const noWildcardPrincipals: Rule = {
  name: "no-wildcard-principals",
  control: "stowage",
  description: "No role may be assumed by everyone, and no bucket policy allows everyone.",
  enforcementLevel: "mandatory",
  fix: "Name the account, role, service or federated provider that may act.",
  check: (f) => [
    ...f.roles.flatMap((r) => statements(r.trust).filter((s) => s.Effect === "Allow" && principalIsEveryone(s.Principal)).map(() => ({ resource: r.ref, message: "the trust policy lets anyone assume the role" }))),
    ...f.buckets.flatMap((b) => statements(b.policy).filter((s) => s.Effect === "Allow" && principalIsEveryone(s.Principal)).map(() => ({ resource: b.ref, message: "the bucket policy allows everyone" }))),
  ],
};

/** The bucket and key prefix of each object ARN an Allow statement grants (`arn:aws:s3:::b/p*` → b, "p"), and its actions. */
function objectGrants(doc: PolicyDocument): { bucket: string; prefix: string; actions: readonly string[] }[] {
  return actionsAndResources(doc).flatMap((s) =>
    s.resources.flatMap((r) => {
      const m = /^arn:aws[\w-]*:s3:::([^/*]+)\/(.*)$/.exec(r);
      return m ? [{ bucket: m[1]!, prefix: m[2]!.replace(/\*.*$/, ""), actions: s.actions }] : [];
    }),
  );
}

/**
 * A grant a team declared as the input of its runs (its role's stowage-reads tag): reading under a declared prefix,
 * or writing the data layer's commits under <prefix>.stowage/. Anything more on another team's prefix is a leak.
 */
function declaredInput(g: { bucket: string; prefix: string; actions: readonly string[] }, reads: readonly string[]): boolean {
  return reads.some((entry) => {
    // "bucket:prefix/" (what Stowage's program writes), or a bare prefix in any bucket.
    const colon = entry.indexOf(":");
    const [bucket, r] = colon < 0 ? [g.bucket, entry] : [entry.slice(0, colon), entry.slice(colon + 1)];
    if (bucket !== g.bucket) return false;
    return (g.prefix.startsWith(r) && g.actions.every((a) => /^s3:(Get|List)[A-Za-z]*$/.test(a))) || (g.prefix === `${r}.stowage/` && g.actions.every((a) => a === "s3:PutObject"));
  });
}

/**
 * Who owns which prefix: the policy config's teamPrefixes where it gives them (physical bucket names), else the
 * resources themselves: what each team role (tagged stowage-team) is granted beyond its declared inputs. Either way a
 * role is judged by the object ARNs it is granted, matched to buckets by exact name, so the rule works at preview,
 * on stack exports and on foreign programs alike.
 */
export const teamPrefixIsolation: Rule = {
  name: "team-prefix-isolation",
  control: "stowage",
  description: "A team's role reaches no other team's prefixes, beyond reading the inputs it declares.",
  enforcementLevel: "mandatory",
  fix: "Scope the role's object actions to its own team's prefixes; declare a read-only input with the team's reads.",
  check: (f, c) => {
    const grants = f.iamPolicies
      .filter((p) => p.team)
      .flatMap((p) => objectGrants(p.document).map((g) => ({ ...g, team: p.team!, policy: p })))
      .filter((g) => !declaredInput(g, g.policy.reads));
    const declared = Object.entries(c.teamPrefixes).flatMap(([team, own]) => own.prefixes.map((prefix) => ({ team, bucket: own.bucket, prefix })));
    const owners = declared.length ? declared : grants;
    const overlap = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
    const seen = new Set<string>();
    return grants.flatMap((g) =>
      owners
        .filter((o) => o.team !== g.team && o.bucket === g.bucket && overlap(o.prefix, g.prefix))
        .map((o) => ({ resource: g.policy.ref, message: `team ${g.team}'s role reaches ${o.bucket}/${o.prefix}, which ${declared.length ? "belongs to" : "is granted to"} team ${o.team}` }))
        .filter((x) => !seen.has(`${x.resource.name}|${x.message}`) && !!seen.add(`${x.resource.name}|${x.message}`)),
    );
  },
};

export const requiredTags: Rule = {
  house: true,
  name: "required-tags",
  control: "stowage",
  description: "Every taggable resource carries the required tags.",
  enforcementLevel: "mandatory",
  fix: "Set stowage:tags (the program adds them to every resource).",
  check: (f, c) =>
    f.tagged.flatMap((t) => {
      const missing = c.requiredTags.filter((tag) => !t.tags[tag]);
      return missing.length ? [{ resource: t.ref, message: `missing tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}` }] : [];
    }),
};

export const allowedRegions: Rule = {
  name: "allowed-regions",
  control: "stowage",
  description: "Resources are only in the allowed regions (data residency).",
  enforcementLevel: "mandatory",
  fix: "Move the resource to an allowed region, or change the allowed list.",
  check: (f, c) =>
    c.allowedRegions === null ? [] : f.tagged.filter((t) => t.region && !c.allowedRegions!.includes(t.region)).map((t) => ({ resource: t.ref, message: `is in ${t.region}, not in ${c.allowedRegions!.join(", ")}` })),
};

/** An exception recorded on a resource: tag `stowage:exception:RULE` = "REASON until YYYY-MM-DD". */
function taggedException(rule: string, resource: string, tags: Readonly<Record<string, string>> | undefined): RuleException | null {
  const value = tags?.[`stowage:exception:${rule}`];
  if (value === undefined) return null;
  const m = /^(.*?)\s+until\s+(\d{4}-\d{2}-\d{2})\s*$/.exec(value);
  return { rule, resource, reason: (m ? m[1]! : value).trim(), expires: m ? m[2]! : "" };
}

/**
 * What a rule finds, at the level it binds with. A house rule's findings on a program that is not Stowage's own
 * (houseRules false) only advise, and say how to make them bind. A finding under an exception in force becomes an
 * advisory that names the exception, so every exception stays in the report; an expired one, or one without a
 * date, leaves the finding as it was and says so.
 */
export function findings(rule: Rule, facts: Facts, config: RuleConfig, today = new Date().toISOString().slice(0, 10)): Finding[] {
  const tagsOf = (name: string) => [...facts.tagged, ...facts.buckets.map((b) => ({ ref: b.ref, tags: b.tags }))].find((t) => t.ref.name === name)?.tags;
  return rule.check(facts, config).map((f) => {
    const found = !rule.house || config.houseRules ? f : { ...f, message: `${f.message} (a Stowage house rule: advisory here; houseRules: true in the policy config makes it bind)`, enforcementLevel: "advisory" as const };
    const exception = config.exceptions.find((e) => e.rule === rule.name && e.resource === f.resource.name) ?? taggedException(rule.name, f.resource.name, tagsOf(f.resource.name));
    if (!exception) return found;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(exception.expires)) return { ...found, message: `${found.message} (an exception "${exception.reason}" is recorded without an expiry date YYYY-MM-DD, so it does not apply)` };
    if (exception.expires < today) return { ...found, message: `${found.message} (the exception "${exception.reason}" expired on ${exception.expires})` };
    return { ...found, message: `exception in force until ${exception.expires}: ${exception.reason} — for: ${found.message}`, enforcementLevel: "advisory" as const };
  });
}

export const settingsDeclaredOnce: Rule = {
  name: "s3-settings-declared-once",
  control: "stowage",
  description: "Each bucket setting is declared once: inline on the Bucket or by its v7 sidecar, not both.",
  enforcementLevel: "advisory",
  fix: "Keep the sidecar resource and remove the inline argument (@pulumi/aws v7 deprecates the inline forms).",
  check: (f) => f.buckets.flatMap((b) => (b.declaredTwice?.length ? [{ resource: b.ref, message: `declared twice: ${b.declaredTwice.join("; ")}; the sidecar is what is in effect, and the two fight on every update` }] : [])),
};

export const sqsEncrypted: Rule = {
  name: "sqs-queue-encrypted",
  control: "SQS.1",
  description: "SQS queues are encrypted at rest (SSE-SQS or a KMS key).",
  enforcementLevel: "mandatory",
  fix: "Set sqsManagedSseEnabled: true (or kmsMasterKeyId) on the queue.",
  check: (f) =>
    (f.queues ?? []).flatMap((q) =>
      q.encrypted === false
        ? [{ resource: q.ref, message: "encryption at rest is turned off (sqsManagedSseEnabled: false, no KMS key)" }]
        : q.encrypted === null
        ? [{ resource: q.ref, message: "encryption is not declared: SQS encrypts new queues with SSE-SQS by default since 2022, but declare it so a change of default or an import cannot turn it off", enforcementLevel: "advisory" as const }]
        : [],
    ),
};

export const consumedQueueHasDeadLetters: Rule = {
  house: true,
  name: "sqs-consumed-queue-dead-letters",
  control: "stowage",
  description: "A queue something consumes has a dead-letter queue: a message its consumer keeps failing on must go somewhere it is seen.",
  enforcementLevel: "mandatory",
  fix: "Give the queue a redrive policy (aws.sqs.RedrivePolicy or redrivePolicy) to a dead-letter queue, and alarm on that queue's depth.",
  check: (f) => (f.queues ?? []).filter((q) => q.consumed && !q.redrive).map((q) => ({ resource: q.ref, message: "a role receives its messages, but it has no redrive policy: a poison message is retried until it expires, unseen" })),
};

/**
 * A queue consumer's role (it may receive SQS messages and touch S3 objects: a pipeline's task role) reaches
 * objects under named prefixes only — never a whole bucket — and deletes nothing: a pipeline reads its input and
 * adds versions to its output; a bug in the team's code must not be able to erase the data it processes.
 */
export const consumerRoleScoped: Rule = {
  house: true,
  name: "pipeline-role-scoped",
  control: "stowage",
  description: "A role that consumes a queue and touches S3 objects is limited to prefixes, and deletes nothing.",
  enforcementLevel: "mandatory",
  fix: "Grant the pipeline's role its input and output prefixes (bucket/prefix/*), without s3:Delete* actions.",
  check: (f) =>
    f.iamPolicies
      .filter((p) => actionsAndResources(p.document).some(({ actions }) => actions.some((a) => a === "*" || a === "sqs:*" || a === "sqs:ReceiveMessage")))
      .flatMap((p) =>
        actionsAndResources(p.document).flatMap(({ actions, resources }) => {
          const s3 = actions.filter((a) => a === "*" || a.startsWith("s3:"));
          if (!s3.length) return [];
          const out: Finding[] = [];
          const whole = resources.find((r) => r === "*" || /^arn:aws[\w-]*:s3:::[^/]+\/\*$/.test(r));
          if (whole) out.push({ resource: p.ref, message: `a queue consumer's role reaches every object of a bucket (${JSON.stringify(whole)}), not its input and output prefixes` });
          const deletes = s3.filter((a) => a === "*" || a === "s3:*" || /^s3:Delete/.test(a));
          if (deletes.length) out.push({ resource: p.ref, message: `a queue consumer's role may delete (${deletes.join(", ")})` });
          return out;
        }),
      ),
};

export const RULES: readonly Rule[] = [
  s3NoPublicAccess,
  s3RequireTls,
  s3RequireTls12,
  s3NoCrossAccountAdmin,
  s3Replication,
  s3PublicAccessBlock,
  s3AccessLogging,
  s3AclsDisabled,
  s3Lifecycle,
  s3Versioning,
  s3ObjectLock,
  s3KmsEncryption,
  s3DataEvents,
  prodProtected,
  kmsRotation,
  iamNoWildcards,
  noWildcardPrincipals,
  teamPrefixIsolation,
  requiredTags,
  allowedRegions,
  settingsDeclaredOnce,
  sqsEncrypted,
  consumedQueueHasDeadLetters,
  consumerRoleScoped,
];
