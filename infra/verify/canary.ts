/**
 * `stowage verify --canary`: proves behaviour, not just configuration. Writes an object, overwrites it, reads both
 * versions back, deletes it and sees the delete marker, checks that an unencrypted upload is refused where the
 * policy says so (and a plain-HTTP one, where a TLS endpoint exists to compare with), then removes every version it
 * wrote (bypassing governance retention, which only the canary's own objects need). Nothing else is touched.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { isUnknown, type BucketFacts } from "../model.js";
import type { Status } from "./verify.js";

export interface CanaryCheck {
  readonly check: "write" | "versioning" | "read-versions" | "delete-marker" | "unencrypted-upload-refused" | "plain-http-refused" | "cleanup";
  readonly status: Status;
  readonly message: string;
}

const errorName = (e: unknown) => (e as { name?: string }).name ?? "Error";

/** The encryption a well-behaved client sends: the bucket's KMS key, from its default encryption or its policy. */
export function encryptionHeaders(b: BucketFacts): Pick<PutObjectCommandInput, "ServerSideEncryption" | "SSEKMSKeyId"> {
  const policyKey =
    !isUnknown(b.policy) && b.policy
      ? b.policy.Statement.map(
          (s) => (s.Condition?.StringNotEqualsIfExists as Record<string, string> | undefined)?.["s3:x-amz-server-side-encryption-aws-kms-key-id"],
        ).find((k) => typeof k === "string")
      : undefined;
  const defaultKey = !isUnknown(b.encryption) && b.encryption?.algorithm.startsWith("aws:kms") ? b.encryption.kmsKeyId : null;
  const key = defaultKey ?? policyKey ?? null;
  if (!key && !(!isUnknown(b.encryption) && b.encryption?.algorithm.startsWith("aws:kms"))) return {};
  return { ServerSideEncryption: "aws:kms", ...(key ? { SSEKMSKeyId: key } : {}) };
}

function policyRequiresEncryption(b: BucketFacts): boolean | null {
  if (isUnknown(b.policy)) return null;
  return (b.policy?.Statement ?? []).some((s) => s.Effect === "Deny" && JSON.stringify(s.Condition ?? {}).includes("s3:x-amz-server-side-encryption"));
}

/** `plainHttp`: a client for the same store over plain HTTP, or why there is none (the check is then unknown). */
export async function canary(client: S3Client, bucket: string, facts: BucketFacts, plainHttp: S3Client | { reason: string }): Promise<CanaryCheck[]> {
  const key = `stowage-canary/${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const sse = encryptionHeaders(facts);
  const checks: CanaryCheck[] = [];
  const put = (c: S3Client, Key: string, Body: string, headers = sse) => c.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ...headers }));
  try {
    let first: string | undefined;
    let second: string | undefined;
    try {
      first = (await put(client, key, "stowage canary 1")).VersionId;
      second = (await put(client, key, "stowage canary 2")).VersionId;
      checks.push({ check: "write", status: "pass", message: `wrote and overwrote ${key}` });
    } catch (e) {
      checks.push({ check: "write", status: "fail", message: `could not write ${key}: ${errorName(e)}` });
      return checks;
    }
    const versions = (await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }))).Versions?.filter((v) => v.Key === key) ?? [];
    checks.push(
      versions.length >= 2 && first && second
        ? { check: "versioning", status: "pass", message: `${versions.length} versions kept` }
        : { check: "versioning", status: "fail", message: `the overwrite left ${versions.length} version(s): versioning is not on` },
    );
    if (first && second) {
      const body = async (VersionId: string) => (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId }))).Body?.transformToString();
      const [a, b] = await Promise.all([body(first), body(second)]);
      checks.push(
        a === "stowage canary 1" && b === "stowage canary 2"
          ? { check: "read-versions", status: "pass", message: "both versions read back intact" }
          : { check: "read-versions", status: "fail", message: "a version read back different" },
      );
    }
    const del = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    checks.push(
      del.DeleteMarker
        ? { check: "delete-marker", status: "pass", message: "the delete left a delete marker" }
        : { check: "delete-marker", status: "fail", message: "the delete removed the object outright" },
    );

    const requires = policyRequiresEncryption(facts);
    try {
      await put(client, `${key}-unencrypted`, "stowage canary unencrypted", {});
      checks.push(
        requires === false
          ? {
              check: "unencrypted-upload-refused",
              status: "fail",
              message: "an upload without encryption headers was accepted; the bucket policy does not require them",
            }
          : { check: "unencrypted-upload-refused", status: "fail", message: "an upload without encryption headers was accepted although the policy denies it" },
      );
    } catch (e) {
      checks.push({ check: "unencrypted-upload-refused", status: errorName(e) === "AccessDenied" ? "pass" : "unknown", message: `refused (${errorName(e)})` });
    }
    if (!("reason" in plainHttp)) {
      try {
        await put(plainHttp, `${key}-http`, "stowage canary http");
        checks.push({ check: "plain-http-refused", status: "fail", message: "an upload over plain HTTP was accepted" });
      } catch (e) {
        checks.push({ check: "plain-http-refused", status: errorName(e) === "AccessDenied" ? "pass" : "unknown", message: `refused (${errorName(e)})` });
      }
    } else {
      checks.push({ check: "plain-http-refused", status: "unknown", message: plainHttp.reason });
    }
  } finally {
    checks.push(await cleanup(client, bucket, key));
  }
  return checks;
}

/** Removes every version and delete marker the canary wrote, and nothing else (all keys start with its prefix). */
async function cleanup(client: S3Client, bucket: string, key: string): Promise<CanaryCheck> {
  try {
    const listed = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    const all = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].filter((v) => v.Key?.startsWith(key));
    for (const v of all) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key!, VersionId: v.VersionId!, BypassGovernanceRetention: true }));
    const left = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    const remaining = (left.Versions?.length ?? 0) + (left.DeleteMarkers?.length ?? 0);
    return remaining === 0
      ? { check: "cleanup", status: "pass", message: `removed ${all.length} versions and markers` }
      : { check: "cleanup", status: "fail", message: `${remaining} canary versions remain under ${key} (Object Lock in compliance mode?)` };
  } catch (e) {
    return { check: "cleanup", status: "fail", message: `could not remove the canary's versions under ${key}: ${errorName(e)}` };
  }
}
