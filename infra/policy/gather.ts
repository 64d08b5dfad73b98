/**
 * Turns a stack's resources into facts, joining every @pulumi/aws v7 sidecar (versioning, encryption, public access
 * block, ownership, policy, lifecycle, logging, replication, Object Lock) to its bucket — by the engine's property
 * dependencies when it has them (preview), else by the `bucket` value matching the bucket's id or name.
 * A missing sidecar becomes a missing setting, which the rules report.
 */
import { normalizePolicy } from "../iamDocuments.js";
import { managedPolicy } from "./managed.js";
import type { QueueFacts, BucketFacts, Facts, ResourceRef, StackResource, Unknown } from "../model.js";

export type { StackResource } from "../model.js";

export const T = {
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
  encryption: [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ],
  publicAccess: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
  ownership: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
  policy: ["aws:s3/bucketPolicy:BucketPolicy"],
  lifecycle: ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"],
  logging: ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"],
  replication: ["aws:s3/bucketReplicationConfig:BucketReplicationConfig"],
  objectLock: ["aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"],
  acl: ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
  website: ["aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration", "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2"],
  distribution: "aws:cloudfront/distribution:Distribution",
  trail: "aws:cloudtrail/trail:Trail",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  policyResource: "aws:iam/policy:Policy",
  key: "aws:kms/key:Key",
  queue: "aws:sqs/queue:Queue",
  redrivePolicy: "aws:sqs/redrivePolicy:RedrivePolicy",
} as const;

/** Resource types that take tags, for the tag and region rules. */
export const TAGGABLE = new Set<string>([
  T.bucket,
  T.bucketV2,
  T.key,
  T.role,
  T.trail,
  "aws:sqs/queue:Queue",
  "aws:iot/roleAlias:RoleAlias",
  "aws:iam/policy:Policy",
]);

const ref = (r: StackResource): ResourceRef => ({ type: r.type, name: r.name, ...(r.urn ? { urn: r.urn } : {}) });

const parsePolicy = normalizePolicy;

/**
 * A setting read from props the engine hands over at preview, where a value computed from another resource's
 * outputs is not known yet (@pulumi/policy's proxy throws UnknownValueError on reading it): that setting is
 * unknown, named with where it comes from, and the rules say it could not be judged; it is never taken as absent.
 */
function orUnknown<T>(what: string, read: () => T): T | Unknown {
  try {
    return read();
  } catch (err) {
    if (err instanceof Error && err.constructor.name === "UnknownValueError") return { unknown: `${what} is not known until apply (${err.message})` };
    throw err;
  }
}

function isBucket(r: StackResource): boolean {
  return r.type === T.bucket || r.type === T.bucketV2;
}

/** Which bucket a sidecar configures. */
function bucketOf(side: StackResource, buckets: readonly StackResource[], prop = "bucket"): StackResource | undefined {
  const dep = side.propertyDependencies?.[prop]?.find(isBucket);
  if (dep) return buckets.find((b) => b === dep || (b.urn && b.urn === dep.urn)) ?? dep;
  const value = side.props[prop];
  if (typeof value !== "string") return undefined;
  return buckets.find((b) => b.id === value || b.props.bucket === value || b.props.arn === value);
}

/**
 * `defaultRegion`: where a resource without its own `region` lives: the AWS provider's region (the stack's
 * `aws:region`), as in @pulumi/aws v7. Null where that is not known.
 */
export function gatherFacts(resources: readonly StackResource[], opts: { readonly defaultRegion?: string | null } = {}): Facts {
  const regionOf = (r: StackResource | undefined): string | null => (r ? (r.props.region ?? opts.defaultRegion ?? null) : null);
  const buckets = resources.filter(isBucket);
  const sidecars = (types: readonly string[], b: StackResource, prop = "bucket") =>
    resources.filter((r) => types.includes(r.type) && bucketOf(r, buckets, prop) === b);
  const first = (types: readonly string[], b: StackResource) => sidecars(types, b)[0];
  const trails = resources.filter((r) => r.type === T.trail);
  const logTargets = new Set<StackResource>([
    ...resources
      .filter((r) => T.logging.includes(r.type as never))
      .flatMap((r) => [bucketOf(r, buckets, "targetBucket")].filter((x): x is StackResource => !!x)),
    ...trails.flatMap((t) => [bucketOf(t, buckets, "s3BucketName")].filter((x): x is StackResource => !!x)),
  ]);

  // CloudFront names buckets by domain ("name.s3.amazonaws.com", "name.s3.us-east-2.amazonaws.com", a website
  // endpoint "name.s3-website-…"): matched to the bucket's own outputs and to its name, whatever named it (`bucket`,
  // `bucketPrefix`, an auto-name: the id).
  const distributions = resources.filter((r) => r.type === T.distribution);
  const bucketOfDomain = (domain: unknown) =>
    typeof domain === "string"
      ? buckets.find(
          (b) =>
            [b.props.bucketDomainName, b.props.bucketRegionalDomainName, b.props.websiteEndpoint].includes(domain) ||
            [b.props.bucket, b.id].some(
              (name) => typeof name === "string" && name !== "" && (domain.startsWith(`${name}.s3.`) || domain.startsWith(`${name}.s3-`)),
            ),
        )
      : undefined;
  const cloudFrontOrigins = new Set(
    distributions.flatMap((d) =>
      ((d.props.origins ?? []) as { domainName?: string }[]).map((o) => bucketOfDomain(o.domainName)).filter((x): x is StackResource => !!x),
    ),
  );
  const cloudFrontLogTargets = new Set(distributions.flatMap((d) => [bucketOfDomain(d.props.loggingConfig?.bucket)].filter((x): x is StackResource => !!x)));
  const purposeOf = (b: StackResource): BucketFacts["role"] => {
    const declared = b.props.tags?.["stowage:purpose"];
    if (declared === "data" || declared === "log" || declared === "website") return declared;
    if (logTargets.has(b) || cloudFrontLogTargets.has(b)) return "log";
    if (b.props.website || resources.some((r) => T.website.includes(r.type as never) && bucketOf(r, buckets) === b)) return "website";
    return "data";
  };

  const replicaArns = new Set<string>(
    resources
      .filter((r) => T.replication.includes(r.type as never))
      .flatMap((r) => (r.props.rules ?? []).map((rule: { destination?: { bucket?: string } }) => rule.destination?.bucket ?? "")),
  );
  const bucketFacts: BucketFacts[] = buckets.map((b) => {
    const versioning = first(T.versioning, b);
    const encryption = first(T.encryption, b);
    const pab = first(T.publicAccess, b);
    const ownership = first(T.ownership, b);
    const policy = first(T.policy, b);
    const lifecycle = first(T.lifecycle, b);
    const logging = first(T.logging, b);
    const replication = first(T.replication, b);
    const lock = first(T.objectLock, b);
    const aclSide = first(T.acl, b);
    // @pulumi/aws v7 still takes the older inline arguments on Bucket (versioning, serverSideEncryptionConfiguration,
    // policy, lifecycleRules, logging, objectLockConfiguration); a sidecar, where there is one, is what is in effect.
    const inline = b.props;
    const twice = orUnknown("", () =>
      (
        [
          ["versioning", versioning, inline.versioning],
          ["serverSideEncryptionConfiguration", encryption, inline.serverSideEncryptionConfiguration],
          ["policy", policy, inline.policy],
          ["lifecycleRules", lifecycle, inline.lifecycleRules],
          ["logging", logging, inline.logging],
          ["objectLockConfiguration", lock, inline.objectLockConfiguration],
        ] as const
      ).flatMap(([name, side, value]) =>
        side && value !== undefined && value !== null ? [`${name} (inline) and ${side.type.split(":").pop()} ${side.name}`] : [],
      ),
    );
    const named = (side: StackResource | undefined, what: string) => (side ? `${side.name}'s ${what}` : `${b.name}'s inline ${what}`);
    const arn: string | undefined = b.props.arn;
    const eventsFor = (readOnly: string) =>
      trails.some((t) =>
        (t.props.advancedEventSelectors ?? []).some((s: { fieldSelectors?: { field: string; equals?: string[]; startsWiths?: string[] }[] }) => {
          const f = s.fieldSelectors ?? [];
          const ro = f.find((x) => x.field === "readOnly")?.equals;
          const arns = f.find((x) => x.field === "resources.ARN")?.startsWiths ?? [];
          const dependsOnBucket = t.propertyDependencies?.advancedEventSelectors?.includes(b) ?? false;
          return (!ro || ro.includes(readOnly)) && (dependsOnBucket || (arn !== undefined && arns.some((a) => a.startsWith(arn))));
        }),
      );
    return {
      ref: ref(b),
      region: regionOf(b),
      tags: b.props.tags ?? {},
      protect: b.protect ?? null,
      role: purposeOf(b),
      ...(cloudFrontOrigins.has(b) ? { behindCloudFront: true } : {}),
      ...(Array.isArray(twice) && twice.length ? { declaredTwice: twice } : {}),
      ...(cloudFrontLogTargets.has(b) ? { cloudFrontLogs: true } : {}),
      isReplica: b.props.arn !== undefined && replicaArns.has(b.props.arn),
      acl: aclSide?.props.acl ?? b.props.acl ?? null,
      versioning: orUnknown(named(versioning, "versioning"), () =>
        versioning
          ? (versioning.props.versioningConfiguration?.status ?? null)
          : inline.versioning
            ? inline.versioning.enabled
              ? "Enabled"
              : "Suspended"
            : null,
      ),
      encryption: orUnknown(named(encryption, "encryption"), () => {
        const rule = encryption ? encryption.props.rules?.[0] : inline.serverSideEncryptionConfiguration?.rule;
        return rule
          ? {
              algorithm: rule.applyServerSideEncryptionByDefault?.sseAlgorithm ?? "",
              kmsKeyId: rule.applyServerSideEncryptionByDefault?.kmsMasterKeyId ?? null,
              bucketKey: !!rule.bucketKeyEnabled,
            }
          : null;
      }),
      publicAccessBlock: orUnknown(named(pab, "public access block"), () =>
        pab
          ? {
              blockPublicAcls: !!pab.props.blockPublicAcls,
              blockPublicPolicy: !!pab.props.blockPublicPolicy,
              ignorePublicAcls: !!pab.props.ignorePublicAcls,
              restrictPublicBuckets: !!pab.props.restrictPublicBuckets,
            }
          : null,
      ),
      ownership: orUnknown(named(ownership, "ownership"), () => ownership?.props.rule?.objectOwnership ?? null),
      policy: orUnknown(named(policy, "policy"), () => parsePolicy(policy ? policy.props.policy : inline.policy)),
      lifecycleRules: orUnknown(named(lifecycle, "lifecycle rules"), () =>
        lifecycle
          ? (lifecycle.props.rules ?? []).filter((r: { status?: string }) => r.status !== "Disabled").length
          : inline.lifecycleRules
            ? (inline.lifecycleRules as { enabled?: boolean }[]).filter((r) => r.enabled).length
            : null,
      ),
      ...lifecycleSchedules(lifecycle, inline.lifecycleRules),
      logging: orUnknown(named(logging, "logging"), () => {
        const target = logging ? bucketOf(logging, buckets, "targetBucket") : undefined;
        return logging
          ? { targetBucket: target?.name ?? String(logging.props.targetBucket ?? "?"), targetRegion: regionOf(target) }
          : inline.logging?.targetBucket
            ? { targetBucket: String(inline.logging.targetBucket), targetRegion: regionOf(bucketOf({ ...b, props: inline.logging }, buckets, "targetBucket")) }
            : null;
      }),
      replication: orUnknown(named(replication, "replication"), () => {
        const repRules: StackResource["props"][string][] = replication?.props.rules ?? [];
        return replication
          ? {
              rules: repRules.filter((r) => r.status === "Enabled").length,
              kmsReplicated: repRules.some((r) => r.sourceSelectionCriteria?.sseKmsEncryptedObjects?.status === "Enabled"),
              destinationRegions: repRules.map((r) => regionOf(buckets.find((x) => x.props.arn === r.destination?.bucket))),
            }
          : null;
      }),
      objectLock: orUnknown(named(lock, "Object Lock"), () =>
        lock
          ? { mode: lock.props.rule?.defaultRetention?.mode ?? null, days: lock.props.rule?.defaultRetention?.days ?? null }
          : inline.objectLockConfiguration?.rule
            ? {
                mode: inline.objectLockConfiguration.rule.defaultRetention?.mode ?? null,
                days: inline.objectLockConfiguration.rule.defaultRetention?.days ?? null,
              }
            : null,
      ),
      dataEvents: { writes: eventsFor("false"), reads: eventsFor("true") },
    };
  });

  const roles = resources.filter((r) => r.type === T.role);
  const roleOf = (p: StackResource) => {
    const dep = p.propertyDependencies?.role?.find((r) => r.type === T.role);
    return dep ?? roles.find((r) => r.id === p.props.role || r.props.name === p.props.role || r.name === p.props.role);
  };
  /** A team role's tags: its team, and the prefixes it declares it reads as a run's input (stowage-reads). */
  const teamOf = (role: StackResource | undefined) => ({
    team: (role?.props.tags?.["stowage-team"] as string | undefined) ?? null,
    reads: String(role?.props.tags?.["stowage-reads"] ?? "")
      .split(" ")
      .filter(Boolean),
  });
  return {
    buckets: bucketFacts,
    iamPolicies: [
      ...resources
        .filter((r) => r.type === T.rolePolicy || r.type === T.policyResource)
        .flatMap((p) => {
          const document = parsePolicy(p.props.policy);
          if (!document) return [];
          const role = p.type === T.rolePolicy ? roleOf(p) : undefined;
          return [{ ref: ref(p), role: role?.name ?? null, ...teamOf(role), document }];
        }),
      // AWS-managed policies, attached by a RolePolicyAttachment or listed in a role's managedPolicyArns.
      ...resources
        .filter((r) => r.type === T.rolePolicyAttachment)
        .flatMap((a) => {
          const document = managedPolicy(a.props.policyArn);
          const role = roleOf(a);
          return document ? [{ ref: ref(a), role: role?.name ?? null, ...teamOf(role), document }] : [];
        }),
      ...roles.flatMap((r) =>
        ((r.props.managedPolicyArns ?? []) as unknown[]).flatMap((arn) => {
          const document = managedPolicy(arn);
          return document ? [{ ref: ref(r), role: r.name, ...teamOf(r), document }] : [];
        }),
      ),
    ],
    roles: roles.map((r) => ({ ref: ref(r), trust: parsePolicy(r.props.assumeRolePolicy), tags: r.props.tags ?? {} })),
    trails: trails.length,
    accounts: [
      ...new Set(
        resources
          .flatMap((r) => (typeof r.props.arn === "string" ? [/^arn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}):/.exec(r.props.arn)?.[1]] : []))
          .filter((a): a is string => !!a),
      ),
    ],
    keys: resources
      .filter((r) => r.type === T.key)
      .map((k) => ({ ref: ref(k), rotation: !!k.props.enableKeyRotation, protect: k.protect ?? null, tags: k.props.tags ?? {} })),
    tagged: resources.filter((r) => TAGGABLE.has(r.type)).map((r) => ({ ref: ref(r), tags: r.props.tags ?? {}, region: regionOf(r) })),
    queues: queueFacts(resources),
  };
}

/** Each queue: encrypted as declared, whether a redrive policy covers it, and whether any role may receive from it. */
function queueFacts(resources: readonly StackResource[]): QueueFacts[] {
  const redrives = resources.filter((r) => r.type === T.redrivePolicy);
  const receivers = resources
    .filter((r) => r.type === T.rolePolicy || r.type === T.policyResource)
    .flatMap((p) => parsePolicy(p.props.policy)?.Statement ?? [])
    .filter((st) => st.Effect === "Allow" && [st.Action].flat().some((a) => typeof a === "string" && /^sqs:(ReceiveMessage|\*)$|^\*$/.test(a)))
    .flatMap((st) => [st.Resource].flat());
  return resources
    .filter((r) => r.type === T.queue)
    .map((q) => {
      const arn = q.props.arn as string | undefined;
      const url = q.props.url as string | undefined;
      const kms = !!q.props.kmsMasterKeyId;
      const sse = q.props.sqsManagedSseEnabled as boolean | undefined;
      return {
        ref: ref(q),
        encrypted: kms || sse === true ? true : sse === false ? false : null,
        redrive:
          !!q.props.redrivePolicy ||
          redrives.some((r) => (url && r.props.queueUrl === url) || r.propertyDependencies?.queueUrl?.some((d) => d.name === q.name && d.type === T.queue)),
        consumed: !!arn && receivers.some((res) => res === arn || res === "*"),
      };
    });
}

/**
 * Each enabled lifecycle rule's transitions and expiry, from the v7 sidecar or the inline `lifecycleRules`, for the
 * transition rule to judge with core/storageClasses. Nothing where a value is not known yet (preview) or not a number.
 */
function lifecycleSchedules(side: StackResource | undefined, inline: unknown): { lifecycleSchedules?: BucketFacts["lifecycleSchedules"] } {
  try {
    const rules: StackResource["props"][string][] = side ? (side.props.rules ?? []) : Array.isArray(inline) ? inline : [];
    const schedules = schedulesOf(rules.filter((r) => (side ? r.status !== "Disabled" : r.enabled)));
    return schedules.length ? { lifecycleSchedules: schedules } : {};
  } catch {
    return {}; // a value unknown at preview: the lifecycle rule already says it could not be judged
  }
}

/**
 * One lifecycle rule as @pulumi/aws declares it (`id`, `transitions[].days`/`storageClass`, `expiration.days`);
 * a live bucket's rules (the S3 API's `ID`, `Transitions`, `Expiration`) are read into the same shape.
 */
export interface LifecycleRuleShape {
  readonly id?: unknown;
  readonly transitions?: readonly { readonly days?: unknown; readonly storageClass?: unknown }[];
  readonly expiration?: { readonly days?: unknown };
}

/**
 * The schedules the transition rule judges, from enabled lifecycle rules, whichever side read them: transitions by
 * days (a transition on a date, or with no number, is left out), in the order of their days; a rule without an id
 * is named by its place.
 */
export function schedulesOf(enabled: readonly LifecycleRuleShape[]): NonNullable<BucketFacts["lifecycleSchedules"]> {
  return enabled.map((r, i) => ({
    rule: String(r.id ?? `#${i + 1}`),
    transitions: (r.transitions ?? [])
      .filter((t) => typeof t.days === "number" && typeof t.storageClass === "string")
      .map((t) => ({ afterDays: t.days as number, storageClass: t.storageClass as string }))
      .sort((a, b) => a.afterDays - b.afterDays),
    expireDays: typeof r.expiration?.days === "number" ? r.expiration.days : null,
  }));
}
