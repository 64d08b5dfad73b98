/**
 * `stowage access grant|log`: access that follows the data. A claims handler gets one household's images for one
 * claim, for an hour — not the bucket. Credentials come from STS AssumeRole on the team's role with a session
 * policy naming only that prefix: the session can do what both the role and the session policy allow, never more
 * than the role (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session). Or, with
 * --urls, presigned GETs of exactly the versions there now. Every grant is recorded, create-once, in the audit
 * repository (on a bucket with a default Object Lock retention the record is locked).
 */
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { UserError } from "../core/errors.js";
import { UNREACHABLE } from "../core/s3.js";
import type { S3Repo } from "./s3Store.js";
import type { Store } from "./store.js";

export type Access = "read" | "write";

interface Statement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}
export interface SessionPolicy {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

/** A household's prefix: not empty, ends in "/", no "." or ".." segments (a grant on "" would be the bucket). */
export function checkPrefix(prefix: string): string {
  if (!prefix || !prefix.endsWith("/") || prefix.startsWith("/") || prefix.split("/").some((s) => s === "." || s === "..")) {
    throw new UserError(`--prefix ${JSON.stringify(prefix)} is not a prefix to grant.`, "Give one household's folder, ending in /, e.g. --prefix uploads/home-42/");
  }
  return prefix;
}

/**
 * The session policy: list, read every version under the prefix (and write there with `write`). On AWS the session
 * also needs KMS, or it could not read an SSE-KMS object: named with "*" on purpose, since a session policy only
 * narrows and the role's own key conditions still apply. `kms: false` for S3-compatible stores, whose STS refuses
 * policies naming KMS actions (Ceph RGW answers 400) and whose encryption keys IAM does not govern.
 */
export function sessionPolicy(bucket: string, prefix: string, access: Access, kms = true): SessionPolicy {
  const objects = `arn:aws:s3:::${bucket}/${checkPrefix(prefix)}*`;
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ListTheHousehold", Effect: "Allow", Action: ["s3:ListBucket", "s3:ListBucketVersions"], Resource: `arn:aws:s3:::${bucket}`, Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } } },
      { Sid: "TheHouseholdsObjects", Effect: "Allow", Action: access === "write" ? ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"] : ["s3:GetObject", "s3:GetObjectVersion"], Resource: objects },
      ...(kms ? [{ Sid: "ItsKeyThroughTheRole", Effect: "Allow" as const, Action: access === "write" ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"], Resource: "*" }] : []),
    ],
  };
}

/** "90s", "15m", "1h", "12h": STS takes 15 minutes to 12 hours (and the role's MaxSessionDuration); URLs up to 7 days. */
export function parseDuration(text: string, min: number, max: number): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text);
  const seconds = m ? Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "s" | "m" | "h" | "d"] : NaN;
  if (!(seconds >= min && seconds <= max)) throw new UserError(`--for ${text} must be a duration from ${min / 60} minutes to ${max / 3600} hours, like 15m or 1h.`);
  return seconds;
}

export interface GrantRecord {
  readonly id: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly by: string;
  readonly host: string;
  readonly to: string | null;
  readonly bucket: string;
  readonly prefix: string;
  readonly access: Access;
  readonly reason: string | null;
  readonly mode: "credentials" | "urls";
  readonly sessionName?: string;
  readonly sessionPolicy?: SessionPolicy;
  /** --urls: each object version a URL was signed for. */
  readonly objects?: readonly { readonly path: string; readonly versionId: string }[];
}

export interface GrantOptions {
  readonly target: S3Repo;
  readonly bucket: string;
  readonly prefix: string;
  readonly roleArn?: string;
  readonly seconds: number;
  readonly access: Access;
  readonly reason?: string;
  readonly urls: boolean;
  readonly audit: Store;
  readonly region?: string;
  /** An S3-compatible store's own STS (Ceph RGW and MinIO serve it at the S3 endpoint). */
  readonly endpoint?: string;
}

export interface Granted {
  readonly record: GrantRecord;
  readonly audit: string;
  readonly credentials?: { readonly AccessKeyId: string; readonly SecretAccessKey: string; readonly SessionToken: string; readonly Expiration: string };
  readonly urls?: readonly { readonly path: string; readonly versionId: string; readonly url: string }[];
}

export async function grant(o: GrantOptions): Promise<Granted> {
  checkPrefix(o.prefix);
  const issued = new Date();
  const id = `${issued.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${randomBytes(4).toString("hex")}`;
  const base = { id, issuedAt: issued.toISOString(), expiresAt: new Date(issued.getTime() + o.seconds * 1000).toISOString(), by: await o.audit.who(), host: hostname(), bucket: o.bucket, prefix: o.prefix, access: o.access, reason: o.reason ?? null };
  let record: GrantRecord;
  let result: Omit<Granted, "record" | "audit">;
  if (o.urls) {
    if (o.access === "write") throw new UserError("--urls gives read-only links to the versions there now.", "Leave out --write, or use credentials (--to ROLE_ARN) to let someone upload.");
    const urls: { path: string; versionId: string; url: string }[] = [];
    for await (const listed of o.target.list()) {
      urls.push({ path: listed.path, versionId: listed.version!, url: await o.target.presignGet(listed.path, listed.version!, o.seconds) });
    }
    if (!urls.length) throw new UserError(`Nothing under ${o.target.url} to sign.`, "Check --bucket and --prefix.");
    record = { ...base, to: null, mode: "urls", objects: urls.map(({ path, versionId }) => ({ path, versionId })) };
    result = { urls };
  } else {
    if (!o.roleArn) throw new UserError("--to ROLE_ARN is required for credentials.", "Name the role to narrow (prod: the claims team's role, from `pulumi stack output teamRoles`), or use --urls.");
    const policy = sessionPolicy(o.bucket, o.prefix, o.access, !o.endpoint);
    const sessionName = `stowage-grant-${id}`.slice(0, 64);
    const sts = new STSClient({ region: o.region ?? "us-east-1", ...(o.endpoint ? { endpoint: o.endpoint } : {}) });
    try {
      const res = await sts.send(new AssumeRoleCommand({ RoleArn: o.roleArn, RoleSessionName: sessionName, DurationSeconds: o.seconds, Policy: JSON.stringify(policy) }));
      const c = res.Credentials!;
      record = { ...base, to: o.roleArn, mode: "credentials", sessionName, sessionPolicy: policy, expiresAt: c.Expiration!.toISOString() };
      result = { credentials: { AccessKeyId: c.AccessKeyId!, SecretAccessKey: c.SecretAccessKey!, SessionToken: c.SessionToken!, Expiration: c.Expiration!.toISOString() } };
    } catch (err) {
      const e = err as { name?: string; message?: string; code?: string };
      if ((e.code && UNREACHABLE.has(e.code)) || e.name === "TimeoutError") throw new UserError(`STS could not be reached (${e.code ?? e.name}).`, "Check the network; nothing was granted and nothing recorded.");
      throw new UserError(`STS refused to assume ${o.roleArn}: ${e.name ?? "error"}: ${(e.message ?? "").split("\n")[0]}`, "The caller needs sts:AssumeRole on that role (its trust policy must admit you), and --for within its maximum session duration.");
    } finally {
      sts.destroy();
    }
  }
  // Recorded before anything is handed out: a grant that cannot be audited is not given.
  await o.audit.createMeta(`grants/${id}.json`, Buffer.from(`${JSON.stringify(record)}\n`));
  return { record, audit: `${o.audit.url}/.stowage/grants/${id}.json`, ...result };
}

export async function grantLog(audit: Store): Promise<GrantRecord[]> {
  const keys = await audit.listMeta("grants/");
  const records: GrantRecord[] = [];
  for (const key of keys) {
    const body = await audit.readFirst(key);
    if (body) records.push(JSON.parse(body.toString("utf8")) as GrantRecord);
  }
  return records.sort((a, b) => (a.issuedAt < b.issuedAt ? 1 : -1));
}
