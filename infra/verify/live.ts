/**
 * Gathers a live bucket's facts through the S3 API (@aws-sdk/client-s3), on AWS or any S3-compatible store, for the
 * same rules the policy pack runs. Tells three things apart: not configured (the API's "not found" answers), not
 * readable (access denied), and not implemented by the server (501, or an answer without the configuration asked
 * for: some stores answer GET ?encryption with a bucket listing, which the SDK reads as an empty configuration).
 */
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketReplicationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { REJECTED_CREDENTIALS, unreachable, s3Client, type SdkError } from "../../core/s3Client.js";
import { normalizePolicy } from "../iamDocuments.js";
import { isUnknown, type BucketFacts, type Unknown } from "../model.js";
import { schedulesOf, type LifecycleRuleShape } from "../policy/gather.js";

export { s3Client };

/** "Not configured" answers, by API. */
const NOT_FOUND = new Set([
  "ServerSideEncryptionConfigurationNotFoundError",
  "NoSuchPublicAccessBlockConfiguration",
  "OwnershipControlsNotFoundError",
  "NoSuchBucketPolicy",
  "NoSuchLifecycleConfiguration",
  "ReplicationConfigurationNotFoundError",
  "ObjectLockConfigurationNotFoundError",
  "NoSuchTagSet",
  "NoSuchTagSetError",
]);

/**
 * A failure that is about reaching the bucket at all, not about one setting: reading the other settings would fail
 * the same way, so the bucket (or the whole run) cannot be judged. Never reported as "unknown" settings, which a
 * caller could mistake for a bucket that merely hides some of them.
 */
export class CannotRead extends Error {
  constructor(
    readonly kind: "no-credentials" | "rejected-credentials" | "unreachable" | "no-such-bucket",
    readonly detail: string,
  ) {
    super(`${kind}: ${detail}`);
    this.name = "CannotRead";
  }
}

function cannotRead(err: unknown): CannotRead | null {
  const e = err as SdkError;
  const code = e.Code ?? e.name ?? "";
  const first = (e.message ?? "").split("\n")[0]!;
  if (e.name === "CredentialsProviderError") return new CannotRead("no-credentials", first);
  if (REJECTED_CREDENTIALS.has(code)) return new CannotRead("rejected-credentials", `${code}: ${first}`);
  if (unreachable(e)) return new CannotRead("unreachable", e.code ?? first);
  if (code === "NoSuchBucket") return new CannotRead("no-such-bucket", first);
  return null;
}

type Read<T> = T | null | Unknown;

/** Runs one read: its value, null when not configured, or Unknown with the reason it could not be read. */
async function read<T>(fn: () => Promise<T | null>): Promise<Read<T>> {
  try {
    return await fn();
  } catch (err) {
    const fatal = cannotRead(err);
    if (fatal) throw fatal;
    const e = err as SdkError;
    const code = e.Code ?? e.name ?? "";
    const status = e.$metadata?.httpStatusCode;
    if (NOT_FOUND.has(code)) return null;
    if (code === "AccessDenied" || status === 403) return { unknown: "access denied" };
    if (code === "NotImplemented" || status === 501) return { unknown: "not implemented by the server" };
    return { unknown: `${code || "error"}${status ? ` (HTTP ${status})` : ""}: ${e.message ?? ""}`.trim() };
  }
}

export interface LiveBucket {
  readonly facts: BucketFacts;
  readonly region: string | null;
}

/** Reads every setting of a bucket; throws CannotRead when the bucket cannot be read at all. */
export async function gatherBucket(client: S3Client, bucket: string): Promise<LiveBucket> {
  const Bucket = bucket;
  const [location, versioning, encryption, pab, ownership, policy, lifecycle, logging, replication, lock, tags] = await Promise.all([
    read(async () => (await client.send(new GetBucketLocationCommand({ Bucket }))).LocationConstraint || "us-east-1"),
    read(async () => ((await client.send(new GetBucketVersioningCommand({ Bucket }))).Status ?? null) as "Enabled" | "Suspended" | null),
    read(async () => {
      const out = await client.send(new GetBucketEncryptionCommand({ Bucket }));
      // AWS answers a bucket without default encryption with ServerSideEncryptionConfigurationNotFoundError, and a
      // configured one with at least one rule. An answer with no rule is a server that does not implement the API
      // (Ceph RGW answers a bucket listing here, which the SDK reads as an empty configuration): not encryption.
      const rule = out.ServerSideEncryptionConfiguration?.Rules?.[0];
      if (!rule) throw Object.assign(new Error("the answer held no encryption rule (a bucket listing?)"), { name: "NotImplemented" });
      return {
        algorithm: rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? "",
        kmsKeyId: rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID ?? null,
        bucketKey: !!rule.BucketKeyEnabled,
      };
    }),
    read(async () => {
      const c = (await client.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration;
      return c
        ? {
            blockPublicAcls: !!c.BlockPublicAcls,
            blockPublicPolicy: !!c.BlockPublicPolicy,
            ignorePublicAcls: !!c.IgnorePublicAcls,
            restrictPublicBuckets: !!c.RestrictPublicBuckets,
          }
        : null;
    }),
    read(async () => (await client.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? null),
    read(async () => {
      const text = (await client.send(new GetBucketPolicyCommand({ Bucket }))).Policy;
      return text ? normalizePolicy(text) : null;
    }),
    // The enabled rules, read into the shape a program declares them in, so the one mapping makes the schedules.
    read(async () =>
      ((await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules ?? [])
        .filter((r) => r.Status === "Enabled")
        .map((r): LifecycleRuleShape => ({
          id: r.ID,
          transitions: (r.Transitions ?? []).map((t) => ({ days: t.Days, storageClass: t.StorageClass })),
          expiration: { days: r.Expiration?.Days },
        })),
    ),
    read(async () => {
      const l = (await client.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled;
      return l?.TargetBucket ? { targetBucket: l.TargetBucket, targetRegion: null } : null;
    }),
    read(async () => {
      const r = (await client.send(new GetBucketReplicationCommand({ Bucket }))).ReplicationConfiguration;
      if (!r) return null;
      const rules = r.Rules ?? [];
      return {
        rules: rules.filter((x) => x.Status === "Enabled").length,
        kmsReplicated: rules.some((x) => x.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status === "Enabled"),
        destinationRegions: rules.map(() => null),
        destinationBuckets: rules.flatMap((x) => (x.Destination?.Bucket ? [x.Destination.Bucket.replace(/^arn:aws[\w-]*:s3:::/, "")] : [])),
      };
    }),
    read(async () => {
      const c = (await client.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration;
      if (!c || c.ObjectLockEnabled !== "Enabled") return null;
      const d = c.Rule?.DefaultRetention;
      return { mode: d?.Mode ?? null, days: d?.Days ?? (d?.Years ? d.Years * 365 : null) };
    }),
    read(async () => Object.fromEntries(((await client.send(new GetBucketTaggingCommand({ Bucket }))).TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]))),
  ]);
  const region = typeof location === "string" ? location : null;
  const tagMap = tags && typeof tags === "object" && !("unknown" in tags) ? (tags as Record<string, string>) : {};
  return {
    region,
    facts: {
      ref: { type: "s3:bucket", name: bucket },
      region,
      tags: tagMap,
      ...(tags && typeof tags === "object" && "unknown" in tags ? { tagsUnknown: String(tags.unknown) } : {}),
      ...(location && typeof location === "object" && "unknown" in location ? { regionUnknown: String(location.unknown) } : {}),
      protect: null,
      role: "data",
      isReplica: false,
      acl: null,
      versioning,
      encryption,
      publicAccessBlock: pab,
      ownership,
      policy,
      lifecycleRules: lifecycle === null || isUnknown(lifecycle) ? lifecycle : lifecycle.length,
      ...(lifecycle && !isUnknown(lifecycle) ? { lifecycleSchedules: schedulesOf(lifecycle) } : {}),
      logging,
      replication,
      objectLock: lock,
      dataEvents: null,
      live: true,
    },
  };
}
