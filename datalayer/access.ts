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
import { metaJson } from "./manifest.js";
import { unreachable } from "../core/s3Client.js";
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
    throw new UserError(
      `--prefix ${JSON.stringify(prefix)} is not a prefix to grant.`,
      "Give one household's folder, ending in /, e.g. --prefix uploads/home-42/",
    );
  }
  return prefix;
}

/**
 * The session policy: list, read every version under the prefix (and write there with `write`). On AWS the session
 * also needs KMS, or it could not read an SSE-KMS object: named with "*" on purpose, since a session policy only
 * narrows and the role's own key conditions still apply. `kms: false` for S3-compatible stores, whose STS refuses
 * policies naming KMS actions (Ceph RGW answers 400) and whose encryption keys IAM does not govern.
 */
export function sessionPolicy(bucket: string, prefix: string, access: Access, kms = true, reach?: Reach): SessionPolicy {
  const objects = `arn:aws:s3:::${bucket}/${checkPrefix(prefix)}*`;
  // Where the data layer's records live: each repository's .stowage/, and under an output prefix those of the
  // stage repositories below it (processed/labels/.stowage/).
  const records = reach ? [...reach.records.map((r) => `${r}.stowage/*`), ...reach.outputs.map((o) => `${o}*/.stowage/*`)] : [];
  const outputs = reach ? reach.outputs.flatMap((o) => [`${o}${reach.path}*`, `${o}*/${reach.path}*`]) : [];
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListTheHousehold",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:ListBucketVersions"],
        Resource: `arn:aws:s3:::${bucket}`,
        Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } },
      },
      {
        Sid: "TheHouseholdsObjects",
        Effect: "Allow",
        Action: access === "write" ? ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"] : ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: objects,
      },
      ...(reach
        ? [
            {
              Sid: "ListTheRecords",
              Effect: "Allow" as const,
              Action: ["s3:ListBucket", "s3:ListBucketVersions"],
              Resource: `arn:aws:s3:::${bucket}`,
              Condition: { StringLike: { "s3:prefix": records } },
            },
            {
              Sid: "ReadTheRecordsAndTheHouseholdsOutputs",
              Effect: "Allow" as const,
              Action: ["s3:GetObject", "s3:GetObjectVersion"],
              Resource: [...records, ...outputs].map((k) => `arn:aws:s3:::${bucket}/${k}`),
            },
          ]
        : []),
      ...(kms
        ? [
            {
              Sid: "ItsKeyThroughTheRole",
              Effect: "Allow" as const,
              Action: access === "write" ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
              Resource: "*",
            },
          ]
        : []),
    ],
  };
}

/**
 * What `stowage evidence` reads beside the household's own objects, read-only, so that a granted session can make
 * its bundle: the data layer's records (the images' commits and manifests, the runs' records, the audit log's
 * grants) under each `records` prefix's .stowage/ and the stage repositories' below each output prefix, and the
 * household's outputs, which runs write at the household's own path in each output repository
 * (processed/labels/cameras/home-42/…). Records are not keyed by household, so IAM cannot narrow them: they name
 * other households' paths, hashes and grants, never their bytes.
 */
export interface Reach {
  readonly records: readonly string[];
  readonly outputs: readonly string[];
  /** The granted prefix below the households' prefix (cameras/home-42/). */
  readonly path: string;
}

/**
 * The reach for a grant on `prefix` in `bucket`: the households' repository, the stack's pipeline outputs, and the
 * audit log (`auditUrl`, the repository grants are recorded in) when it is in the same bucket.
 */
export function evidenceReach(bucket: string, prefix: string, h: Households, outputs: readonly string[], auditUrl: string): Reach {
  const unique = (xs: readonly string[]) => [...new Set(xs)];
  const inBucket = `s3://${bucket}/`;
  const audit = auditUrl.startsWith(inBucket) ? `${auditUrl.slice(inBucket.length).replace(/\/*$/, "")}/` : null;
  return {
    records: unique([h.prefix, ...outputs, ...(audit === null ? [] : [audit])]),
    outputs: unique(outputs),
    path: prefix.slice(h.prefix.length),
  };
}

/** Where households live, as the stack declares it (stowage:households): `depth` folders under `prefix` name one. */
export interface Households {
  readonly prefix: string;
  readonly depth: number;
}

/** "uploads/<household>/" for { prefix: uploads/, depth: 1 }; "uploads/<…>/<household>/" for depth 2. */
export const householdPattern = (h: Households) => `${h.prefix}${"<…>/".repeat(h.depth - 1)}<household>/`;

/**
 * A prefix within one household: at least `depth` folders below the households' prefix (a folder inside one
 * household is fine). Anything above would reach every household below it.
 */
export function checkHousehold(prefix: string, h: Households, uploaders: readonly string[] = []): string {
  checkPrefix(prefix);
  const depthOf = (p: string) => p.slice(h.prefix.length).split("/").filter(Boolean).length;
  const levels = prefix.startsWith(h.prefix) ? depthOf(prefix) : -1;
  // The example starts from the user's own prefix where it is on the way, through an uploader's folder that holds
  // households when the stack has one (uploads/ → uploads/cameras/home-42/).
  const base = levels >= 0 ? prefix : h.prefix;
  const via = uploaders.find((u) => u.startsWith(base) && u.startsWith(h.prefix) && depthOf(u) === h.depth - 1) ?? base;
  const example = `${via}${"a/".repeat(Math.max(h.depth - depthOf(via) - 1, 0))}home-42/`;
  if (levels < 0)
    throw new UserError(
      `--prefix ${prefix} is not a household's folder: the stack's households are ${householdPattern(h)}.`,
      `Give one household's folder, e.g. --prefix ${example}`,
    );
  if (levels < h.depth) {
    throw new UserError(
      `--prefix ${prefix} is above one household: the stack's households are ${householdPattern(h)}, ${h.depth} folder${h.depth === 1 ? "" : "s"} below ${h.prefix}, and a grant names one of them.`,
      `Give one household's folder, e.g. --prefix ${example}`,
    );
  }
  return prefix;
}

const UNITS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const UNIT_NAMES = [
  [86400, "day"],
  [3600, "hour"],
  [60, "minute"],
  [1, "second"],
] as const;

/** 90 → "90 seconds", 900 → "15 minutes", 604800 → "7 days": the largest unit that divides it. */
export function humanDuration(seconds: number): string {
  const [size, name] = UNIT_NAMES.find(([size]) => seconds % size === 0)!;
  const n = seconds / size;
  return `${n} ${name}${n === 1 ? "" : "s"}`;
}

/**
 * A duration as the help writes it: whole numbers with units s, m, h, d, alone or combined largest first ("90s",
 * "15m", "1h30m", "2d"). `what` names whose bounds apply: STS credentials last 15 minutes to 12 hours (and within
 * the role's MaxSessionDuration), presigned links up to 7 days.
 */
export function parseDuration(text: string, min: number, max: number, what: string): number {
  const parts = /^(?:\d+[smhd])+$/.test(text) ? [...text.matchAll(/(\d+)([smhd])/g)] : [];
  const units = parts.map((p) => p[2] as keyof typeof UNITS);
  const ordered = units.every((u, i) => i === 0 || UNITS[u] < UNITS[units[i - 1]!]);
  if (!parts.length || !ordered)
    throw new UserError(`--for ${text} is not a duration.`, "Write whole numbers with s, m, h or d, largest first: 90s, 15m, 1h30m, 2d.");
  const seconds = parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2] as keyof typeof UNITS], 0);
  if (seconds < min || seconds > max)
    throw new UserError(
      `--for ${text} (${humanDuration(seconds)}) is outside what ${what} allow: ${humanDuration(min)} to ${humanDuration(max)}.`,
      `Give a duration from ${humanDuration(min)} to ${humanDuration(max)}.`,
    );
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
  /** The stack's households: the prefix must be one of them (or inside one). */
  readonly households: Households;
  /** The stack's pipeline output prefixes: a credentials grant also reads the household's outputs there (evidenceReach). */
  readonly outputs?: readonly string[];
  readonly roleArn?: string;
  readonly seconds: number;
  readonly access: Access;
  /** Why: the audit record's point, so required. */
  readonly reason: string;
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
  checkHousehold(o.prefix, o.households);
  if (!o.reason.trim()) throw new UserError("--reason is empty.", "Say why, e.g. --reason 'claim 7731': it is what the audit record is for.");
  const issued = new Date();
  const id = `${issued
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}-${randomBytes(4).toString("hex")}`;
  const base = {
    id,
    issuedAt: issued.toISOString(),
    expiresAt: new Date(issued.getTime() + o.seconds * 1000).toISOString(),
    by: await o.audit.who(),
    host: hostname(),
    bucket: o.bucket,
    prefix: o.prefix,
    access: o.access,
    reason: o.reason,
  };
  let record: GrantRecord;
  let result: Omit<Granted, "record" | "audit">;
  if (o.urls) {
    if (o.access === "write")
      throw new UserError(
        "--urls gives read-only links to the versions there now.",
        "Leave out --write, or use credentials (--to ROLE_ARN) to let someone upload.",
      );
    const urls: { path: string; versionId: string; url: string }[] = [];
    for await (const listed of o.target.list()) {
      urls.push({ path: listed.path, versionId: listed.version!, url: await o.target.presignGet(listed.path, listed.version!, o.seconds) });
    }
    if (!urls.length) throw new UserError(`Nothing under ${o.target.url} to sign.`, "Check --bucket and --prefix.");
    record = { ...base, to: null, mode: "urls", objects: urls.map(({ path, versionId }) => ({ path, versionId })) };
    result = { urls };
  } else {
    if (!o.roleArn)
      throw new UserError(
        "--to ROLE_ARN is required for credentials.",
        "Name the role to narrow (prod: the claims team's role, from `pulumi stack output teamRoles`), or use --urls.",
      );
    const policy = sessionPolicy(o.bucket, o.prefix, o.access, !o.endpoint, evidenceReach(o.bucket, o.prefix, o.households, o.outputs ?? [], o.audit.url));
    const sessionName = `stowage-grant-${id}`.slice(0, 64);
    const sts = new STSClient({ region: o.region ?? "us-east-1", ...(o.endpoint ? { endpoint: o.endpoint } : {}) });
    try {
      const res = await sts.send(
        new AssumeRoleCommand({ RoleArn: o.roleArn, RoleSessionName: sessionName, DurationSeconds: o.seconds, Policy: JSON.stringify(policy) }),
      );
      const c = res.Credentials!;
      record = { ...base, to: o.roleArn, mode: "credentials", sessionName, sessionPolicy: policy, expiresAt: c.Expiration!.toISOString() };
      result = {
        credentials: {
          AccessKeyId: c.AccessKeyId!,
          SecretAccessKey: c.SecretAccessKey!,
          SessionToken: c.SessionToken!,
          Expiration: c.Expiration!.toISOString(),
        },
      };
    } catch (err) {
      const e = err as { name?: string; message?: string; code?: string };
      if (unreachable(e))
        throw new UserError(`STS could not be reached (${e.code ?? e.name}).`, "Check the network; nothing was granted and nothing recorded.");
      throw new UserError(
        `STS refused to assume ${o.roleArn}: ${e.name ?? "error"}: ${(e.message ?? "").split("\n")[0]}`,
        "The caller needs sts:AssumeRole on that role (its trust policy must admit you), and --for within its maximum session duration.",
      );
    } finally {
      sts.destroy();
    }
  }
  // Recorded before anything is handed out: a grant that cannot be audited is not given.
  await o.audit.createMeta(`grants/${id}.json`, Buffer.from(`${JSON.stringify(record)}\n`));
  return { record, audit: `${o.audit.url}/.stowage/grants/${id}.json`, ...result };
}

/** One grant record by its id, read directly (no listing); null when the audit log does not hold it. */
export async function readGrant(audit: Store, id: string): Promise<GrantRecord | null> {
  const key = `grants/${id}.json`;
  const body = await audit.readFirst(key);
  return body ? metaJson<GrantRecord>(audit, key, body.toString("utf8")) : null;
}

export async function grantLog(audit: Store): Promise<GrantRecord[]> {
  const keys = await audit.listMeta("grants/");
  const records: GrantRecord[] = [];
  for (const key of keys) {
    const body = await audit.readFirst(key);
    if (body) records.push(metaJson<GrantRecord>(audit, key, body.toString("utf8")));
  }
  return records.sort((a, b) => (a.issuedAt < b.issuedAt ? 1 : -1));
}
