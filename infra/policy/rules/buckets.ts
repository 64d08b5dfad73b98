/**
 * The S3 bucket rules, by Security Hub control where one applies
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html).
 */
import { lifecycleProblems } from "../../../core/storageClasses.js";
import type { BucketFacts } from "../facts.js";
import {
  CLOUDFRONT_ADVICE,
  bucketRule,
  dataBuckets,
  isProd,
  isPublicRead,
  known,
  list,
  principalIsEveryone,
  publicOnPurpose,
  publicStatements,
  statements,
  undeclaredDefault,
  type Rule,
} from "./base.js";

export const s3NoPublicAccess = bucketRule(
  {
    name: "s3-no-public-read-or-write",
    control: "S3.2/S3.3",
    description: "No public-read or public-read-write ACL, and no bucket policy that allows everyone.",
    enforcementLevel: "mandatory",
    fix: 'Remove the public ACL and any Allow statement whose Principal is "*"; grant access through IAM roles.',
  },
  (f) => f.buckets,
  (b) => {
    const open = publicStatements(b);
    if (publicOnPurpose(b)) {
      // Public on purpose: said once; only what everyone may do beyond reading objects binds.
      const beyondRead = [...new Set(open.flatMap((s) => (s.NotAction !== undefined ? ["*"] : list(s.Action))).filter((a) => !isPublicRead(a)))];
      if (beyondRead.length)
        return `public on purpose, but the bucket policy lets everyone ${beyondRead.join(", ")}: a public bucket lets everyone read objects, never write, delete or list`;
      if (/write/.test(b.acl ?? "")) return `public on purpose, but the ACL ${b.acl} lets everyone write`;
      const how = b.role === "website" ? `website configuration and a public-read ${open.length ? "policy" : "ACL"}` : "an exception recorded for this rule";
      return {
        message: `public on purpose (${how}): everyone can read its objects; judged only for public writes, deletes and listing, and access logs`,
        advisory: true,
      };
    }
    const first = open[0];
    return b.acl && /public-read/.test(b.acl)
      ? `the ACL ${b.acl} makes objects public`
      : first
        ? `the bucket policy allows ${JSON.stringify(first.Action ?? first.NotAction)} to everyone`
        : null;
  },
  true,
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
    if (b.role === "website")
      return b.behindCloudFront ? null : { message: `a website bucket served from the S3 website endpoint (HTTP only); ${CLOUDFRONT_ADVICE}`, advisory: true };
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
  (b) =>
    !known(b.policy) || deniesWhen(b, "s3:TlsVersion", (c) => Number(c.NumericLessThan?.["s3:TlsVersion"]) >= 1.2) ? null : "no statement denies TLS below 1.2",
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
    const bad = statements(b.policy).find(
      (s) =>
        s.Effect === "Allow" && s.Principal !== undefined && list(s.Action).some((a) => SENSITIVE.test(a)) && !JSON.stringify(s.Principal).includes("Service"),
    );
    return bad ? `the bucket policy grants ${JSON.stringify(bad.Action)} to ${JSON.stringify(bad.Principal)}` : null;
  },
  true,
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
    const off = Object.entries(b.publicAccessBlock)
      .filter(([, v]) => v !== true)
      .map(([k]) => k);
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
  (f) => f.buckets.filter((b) => b.role === "data" || publicOnPurpose(b)),
  (b) => {
    if (!known(b.logging)) return null;
    // A public bucket's access logs are the one record of who read (or tried to write) what.
    if (!b.logging && publicOnPurpose(b))
      return { message: "server access logging is off: for a public bucket its logs are the one record of who read what", advisory: true };
    if (!b.logging) return "server access logging is off";
    return b.logging.targetRegion && b.region && b.logging.targetRegion !== b.region
      ? `logs go to ${b.logging.targetBucket} in ${b.logging.targetRegion}, not ${b.region}`
      : null;
  },
  true,
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
  // A website's content lives as long as the site: it is not told to expire it.
  (f) => f.buckets.filter((b) => b.role !== "website"),
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
    return dataBuckets(facts)
      .filter((b) => !publicOnPurpose(b))
      .flatMap((b) => {
        if (b.dataEvents === null) return []; // not visible from this side (a live S3 API cannot see trails)
        const message = !b.dataEvents.writes
          ? "no trail records its object writes (S3.22)"
          : config.auditReads && !b.dataEvents.reads
            ? "no trail records its object reads (S3.23)"
            : null;
        if (!message) return [];
        if (owned) return [{ resource: b.ref, message }];
        return [
          {
            resource: b.ref,
            message: `${message}; this stack declares no trail of its own, so check that an organisation trail covers it (set auditOwned in the policy config to say whether this stack owns its audit)`,
            enforcementLevel: "advisory" as const,
          },
        ];
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

export const settingsDeclaredOnce: Rule = {
  name: "s3-settings-declared-once",
  control: "stowage",
  description: "Each bucket setting is declared once: inline on the Bucket or by its v7 sidecar, not both.",
  enforcementLevel: "advisory",
  fix: "Keep the sidecar resource and remove the inline argument (@pulumi/aws v7 deprecates the inline forms).",
  check: (f) =>
    f.buckets.flatMap((b) =>
      b.declaredTwice?.length
        ? [{ resource: b.ref, message: `declared twice: ${b.declaredTwice.join("; ")}; the sidecar is what is in effect, and the two fight on every update` }]
        : [],
    ),
};

/** A lifecycle S3 would refuse (judged with core/storageClasses, the one table of supported transitions). */
export const s3LifecycleTransitions = bucketRule(
  {
    name: "s3-lifecycle-transitions",
    control: "stowage",
    description: "Lifecycle transitions are ones S3 accepts: supported from the class objects are in, at least 30 days before Standard-IA or One Zone-IA.",
    enforcementLevel: "mandatory",
    fix: "Order each rule's transitions along S3's supported transitions (e.g. Intelligent-Tiering goes on to Glacier, never back to Standard-IA) and keep 30 days before and in the IA classes.",
  },
  (f) => f.buckets,
  (b) => {
    const problems = (b.lifecycleSchedules ?? []).flatMap((s) =>
      lifecycleProblems(s.transitions, { expireDays: s.expireDays }).map((p) => `lifecycle rule ${s.rule}: ${p.field} ${p.message}`),
    );
    return problems.length ? `${problems.join("; ")}; S3 refuses this lifecycle configuration` : null;
  },
  true,
);

/** An AWS account named by a principal: a bare 12-digit id or an IAM ARN of that account. */
const accountOf = (principal: string): string | null =>
  /^(\d{12})$/.exec(principal)?.[1] ?? /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1] ?? null;

/** "s3:GetObject", "s3:ListBucket", "s3:PutObject" → "Get/List/Put", as IAM Access Analyzer groups access levels. */
const verbs = (actions: readonly string[]) =>
  [...new Set(actions.map((a) => (a === "*" || a === "s3:*" ? "*" : (/^s3:([A-Z][a-z]+)/.exec(a)?.[1] ?? a))))].join("/");

/**
 * What IAM Access Analyzer reports for a bucket: access its policy grants to another AWS account or to everyone.
 * Sharing is often right (S3.6 judges only admin rights); it is said, naming whom and what, so nobody shares unawares.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html#access-analyzer-s3
 */
export const s3ExternalAccess: Rule = {
  name: "s3-external-access",
  control: "IAM Access Analyzer",
  description: "Access a bucket policy grants outside the stack's account (another account, or everyone) is reported.",
  enforcementLevel: "advisory",
  fix: "Check that the grant is meant; narrow it to the prefixes and actions the other party needs, or remove it.",
  check: (f) =>
    f.buckets.flatMap((b) => {
      const shared = new Map<string, string[]>();
      for (const s of statements(b.policy)) {
        if (s.Effect !== "Allow") continue;
        const actions = s.NotAction !== undefined ? ["*"] : list(s.Action);
        // Everyone without a condition is already a finding of s3-no-public-read-or-write (said once there); under a
        // condition (a source IP, a referer) it is still public to Access Analyzer, and said here.
        const who = principalIsEveryone(s.Principal)
          ? s.Condition
            ? ["everyone under a condition"]
            : []
          : list((s.Principal as { AWS?: string | string[] } | undefined)?.AWS)
              .map(accountOf)
              .filter((a): a is string => !!a && !(f.accounts ?? []).includes(a))
              .map((a) => `account ${a}`);
        for (const w of who) shared.set(w, [...(shared.get(w) ?? []), ...actions]);
      }
      return [...shared].map(([who, actions]) => ({ resource: b.ref, message: `shared with ${who} (${verbs(actions)})` }));
    }),
};
