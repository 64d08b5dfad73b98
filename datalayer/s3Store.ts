/**
 * A repository under a bucket prefix, on AWS or an S3-compatible store. In a versioned bucket committing copies
 * nothing: a commit pins the versionIds the bucket already keeps (ListObjectVersions), and every read names its
 * versionId, so a newer upload can never slip into a run or its provenance (lakeFS#8554 is what path-only references
 * cost). A bucket that keeps no versions (R2 has none; a bucket whose versioning was never enabled) is used
 * content-addressed instead (casStore.ts). Which one is probed once per repository and remembered.
 */
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import {
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { UserError } from "../core/errors.js";
import { REJECTED_CREDENTIALS, unreachable, s3Client, type SdkError } from "../core/s3Client.js";
import { ContentStore, type Blobs } from "./casStore.js";
import { s3Blobs, type S3Access } from "./s3Blobs.js";
import { S3Probe } from "./s3Probe.js";
import { META, copyHashed, hashStream, type Guarantee, type Inspected, type Listed, type Lock, type Mode, type Row, type Store } from "./store.js";

export interface S3RepoOptions {
  /** An S3-compatible endpoint (path-style); AWS when absent. */
  readonly endpoint?: string;
  readonly region?: string;
  /**
   * Server-side encryption asked for on every upload. Stowage's bucket policies refuse uploads without
   * `x-amz-server-side-encryption: aws:kms`, so that is the default on AWS; S3-compatible stores default to none.
   */
  readonly sse?: "aws:kms" | "none";
  /**
   * The KMS key for SSE-KMS uploads (implies aws:kms). Stowage's bucket policies deny uploads that name no key or
   * another key (a Deny with StringNotEqualsIfExists applies when the header is missing), so on its buckets give the
   * bucket's key ARN.
   */
  readonly kmsKeyId?: string;
  readonly timeoutMs?: number;
}

/** A bucket repository, with what only S3 can do. */
export interface S3Repo extends Store {
  /** A URL that GETs exactly this version of this path, signed with the caller's credentials, valid for `seconds`. */
  presignGet(path: string, version: string, seconds: number): Promise<string>;
}

export function openS3(bucket: string, prefix: string, opts: S3RepoOptions): S3Repo {
  return new S3Store(bucket, prefix, opts);
}

/** An SDK failure as the user can act on it, or the error itself when it is not one of those. */
function explain(err: unknown, what: string, store: { url: string; endpoint: string }): unknown {
  const e = err as SdkError;
  const code = e.Code ?? e.name ?? "";
  const first = (e.message ?? "").split("\n")[0]!;
  if (e.name === "CredentialsProviderError")
    return new UserError(
      `No AWS credentials for ${store.url}.`,
      "Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is attached.",
    );
  if (REJECTED_CREDENTIALS.has(code))
    return new UserError(`${store.endpoint} refused the credentials (${code}).`, "Check the access key and secret for this store.");
  if (unreachable(e)) return new UserError(`${store.endpoint} could not be reached (${e.code ?? first}).`, "Check --endpoint and that the store is running.");
  if (code === "NoSuchBucket")
    return new UserError(`${store.url}: the bucket does not exist.`, "Create it (stowage's Pulumi program does, versioned), or check the name.");
  if (code === "AccessDenied" || e.$metadata?.httpStatusCode === 403) {
    const upload = what.startsWith("PutObject") ? " Uploads to Stowage's buckets must name the bucket's KMS key: --kms-key ARN." : "";
    return new UserError(`${store.url}: access denied to ${what}.`, `The role in use needs this action on this prefix (README, "Use the storage").${upload}`);
  }
  return err;
}

class S3Store implements S3Repo {
  readonly kind = "s3" as const;
  readonly url: string;
  private readonly client: S3Client;
  readonly endpoint: string;
  /** This store's client, error wrapping and upload settings, for the bucket as Blobs and the probe. */
  private readonly access: S3Access;
  /** Versions or content addresses, and what writes guarantee: probed once, remembered (s3Probe.ts). */
  private readonly probe: S3Probe;
  /** The content-addressed layer, used when the bucket keeps no versions. */
  private readonly content: ContentStore;
  /** The current files as listed by expectUploads(), by path. */
  private current: Map<string, Listed> | null = null;
  private caller: Promise<string> | null = null;
  private retention: Promise<{ mode: string; days: number } | null> | null = null;

  constructor(
    private readonly bucket: string,
    /** "" or ending in "/". */
    private readonly prefix: string,
    private readonly opts: S3RepoOptions,
  ) {
    this.url = `s3://${bucket}/${prefix}`.replace(/\/$/, "");
    this.endpoint = opts.endpoint ?? "Amazon S3";
    this.client = s3Client({
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      timeoutMs: opts.timeoutMs ?? 30_000,
    });
    this.access = {
      client: this.client,
      bucket,
      call: (what, fn) => this.call(what, fn),
      get: (key) => this.get(key),
      put: (key, body, extra) => this.put(key, body, extra),
      sse: () => this.sse(),
    };
    this.probe = new S3Probe({ ...this.access, url: this.url, metaKey: (key) => this.metaKey(key), blobs: () => this.blobs() });
    this.content = new ContentStore(this.blobs(), { prefix, url: this.url, guarantee: () => this.guarantee() });
  }

  /** The bucket as Blobs, for the content-addressed mode (s3Blobs.ts). */
  private blobs(): Blobs {
    return s3Blobs(this.access);
  }

  mode(): Promise<Mode> {
    return this.probe.mode();
  }
  guarantee(): Promise<Guarantee> {
    return this.probe.guarantee();
  }
  private async addressed(): Promise<boolean> {
    return (await this.mode()) === "content-addressed";
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw explain(err, what, this);
    }
  }
  private metaKey(key: string): string {
    return `${this.prefix}${META}/${key}`;
  }
  private sse(): Partial<PutObjectCommandInput> {
    const sse = this.opts.kmsKeyId ? "aws:kms" : (this.opts.sse ?? (this.opts.endpoint ? "none" : "aws:kms"));
    if (sse === "none") return {};
    return { ServerSideEncryption: "aws:kms", ...(this.opts.kmsKeyId ? { SSEKMSKeyId: this.opts.kmsKeyId } : {}) };
  }
  /**
   * Every PUT carries Content-MD5: a bucket with a default Object Lock retention refuses uploads without an integrity
   * header (S3 User Guide, object-lock-overview), and RGW 16 checks it too.
   */
  private put(key: string, body: Buffer, extra: Partial<PutObjectCommandInput> = {}) {
    return this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentMD5: createHash("md5").update(body).digest("base64"),
        ...this.sse(),
        ...extra,
      }),
    );
  }

  async *list(onListed?: (n: number) => void): AsyncIterable<Listed> {
    if (await this.addressed()) {
      yield* this.content.list(onListed);
      return;
    }
    const skip = `${this.prefix}${META}/`;
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    let n = 0;
    for (;;) {
      const page = await this.call(`ListObjectVersions (s3:ListBucketVersions) on ${this.url}`, () =>
        this.client.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: this.prefix, KeyMarker, VersionIdMarker })),
      );
      // Versions come key by key in byte order, newest first; a key whose latest is a delete marker has no IsLatest
      // version here (the marker is in DeleteMarkers), so it is left out: deleted.
      for (const v of page.Versions ?? []) {
        if (!v.IsLatest || !v.Key || v.Key.startsWith(skip) || v.Key.endsWith("/")) continue;
        n++;
        yield { path: v.Key.slice(this.prefix.length), size: v.Size ?? 0, version: v.VersionId ?? "null", ...(v.ETag ? { etag: v.ETag } : {}) };
      }
      onListed?.(n);
      if (!page.IsTruncated) return;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
  }

  async pin(listed: Listed, previous: Row | undefined): Promise<Row> {
    if (await this.addressed()) return this.content.pin(listed, previous);
    // The hash is known only for a version this layer read or wrote; S3 lists no checksum values (API_ObjectVersion).
    const sha256 = previous && previous.version === listed.version ? previous.sha256 : null;
    return { path: listed.path, version: listed.version!, size: listed.size, sha256, ...(listed.etag ? { etag: listed.etag } : {}) };
  }

  async fetch(path: string, version: string, dest: string): Promise<{ sha256: string; size: number }> {
    if (await this.addressed()) return this.content.fetch(path, version, dest);
    const res = await this.call(`GetObject (s3:GetObjectVersion) on ${this.url}/${path}`, async () => {
      try {
        return await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + path, VersionId: version }));
      } catch (err) {
        const code = (err as SdkError).Code ?? (err as SdkError).name;
        if (code === "NoSuchVersion" || code === "NoSuchKey")
          throw new UserError(
            `${this.url}/${path}: version ${version} no longer exists.`,
            "A lifecycle rule or someone with s3:DeleteObjectVersion removed it; the commit that names it cannot be read in full.",
          );
        throw err;
      }
    });
    await mkdir(dirname(dest), { recursive: true });
    return copyHashed(res.Body as Readable, dest);
  }

  async inspect(path: string, version: string): Promise<Inspected | null> {
    if (await this.addressed()) {
      const got = await this.content.inspect(path, version);
      return got && { ...got, lock: null };
    }
    return this.call(`GetObject (s3:GetObjectVersion) on ${this.url}/${path}`, async () => {
      try {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + path, VersionId: version }));
        const hashed = await hashStream(res.Body as Readable);
        return { ...hashed, storedAt: res.LastModified?.toISOString() ?? null, lock: lockOf(res) };
      } catch (err) {
        if (gone(err)) return null;
        throw err;
      }
    });
  }

  async currentVersion(path: string): Promise<string | null> {
    if (await this.addressed()) return this.content.currentVersion(path);
    return this.call(`HeadObject (s3:GetObject) on ${this.url}/${path}`, async () => {
      try {
        return (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + path }))).VersionId ?? "null";
      } catch (err) {
        if (gone(err)) return null;
        throw err;
      }
    });
  }

  async metaLock(key: string): Promise<Lock | null> {
    const Key = this.metaKey(key);
    const first = (await this.addressed()) ? ((await this.blobs().exists(Key)) ? undefined : null) : await this.firstVersion(Key);
    if (first === null) return null;
    return this.call(`HeadObject (s3:GetObjectVersion) on ${Key}`, async () => {
      try {
        return lockOf(await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key, VersionId: first })));
      } catch (err) {
        if (gone(err)) return null;
        throw err;
      }
    });
  }

  defaultRetention(): Promise<{ mode: string; days: number } | null> {
    this.retention ??= this.call(`GetObjectLockConfiguration (s3:GetBucketObjectLockConfiguration) on ${this.bucket}`, async () => {
      try {
        const res = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.bucket }));
        const d = res.ObjectLockConfiguration?.Rule?.DefaultRetention;
        if (res.ObjectLockConfiguration?.ObjectLockEnabled !== "Enabled" || !d?.Mode) return null;
        return { mode: d.Mode, days: d.Days ?? (d.Years ?? 0) * 365 };
      } catch (err) {
        const e = err as SdkError;
        // No configuration, or a role that may not read it: nothing is expected of the versions' retention then.
        if (e.$metadata?.httpStatusCode === 404 || e.$metadata?.httpStatusCode === 403 || /ObjectLockConfigurationNotFound/.test(e.Code ?? e.name ?? ""))
          return null;
        throw err;
      }
    });
    return this.retention;
  }

  /**
   * Uploads an output, unless the current version of that key already holds exactly these bytes (its
   * stowage-sha256 metadata, which every upload sets): a datum re-run after its watcher was killed between its
   * uploads and its datum record then reuses the version it wrote, instead of adding a duplicate.
   */
  async expectUploads(): Promise<void> {
    if (await this.addressed()) return;
    const current = new Map<string, Listed>();
    for await (const listed of this.list()) current.set(listed.path, listed);
    this.current = current;
  }

  /** Nothing in a versioned bucket (its rows name versions, not contents). */
  async *contents(): AsyncIterable<string> {
    if (await this.addressed()) yield* this.content.contents();
  }
  async keep(src: string, sha256: string): Promise<void> {
    if (!(await this.addressed())) throw new Error("keep() on a versioned bucket");
    await this.content.keep(src, sha256);
  }

  async upload(path: string, src: string): Promise<Row> {
    if (await this.addressed()) return this.content.upload(path, src);
    // Outputs are read whole: one datum's files at a time, so memory is bounded by --parallel × the largest output.
    const body = await readFile(src);
    const sha = createHash("sha256").update(body).digest("hex");
    const md5 = createHash("md5").update(body);
    const Key = this.prefix + path;
    // From the listing taken before the uploads: a path with no current version needs no question; one whose listed
    // ETag is these bytes' MD5 (a plain single-part PUT) is these bytes. Anything else (SSE-KMS ETags are not MD5s)
    // is asked about, as before.
    const listed = this.current?.get(path);
    if (this.current && listed && listed.version && listed.size === body.length && listed.etag?.replace(/"/g, "") === md5.digest("hex")) {
      return { path, version: listed.version, size: body.length, sha256: sha, etag: listed.etag };
    }
    const current =
      this.current && !listed
        ? null
        : await this.call(`HeadObject (s3:GetObject) on ${this.url}/${path}`, async () => {
            try {
              return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
            } catch (err) {
              const e = err as SdkError;
              if (e.name === "NotFound" || e.$metadata?.httpStatusCode === 404) return null;
              throw err;
            }
          });
    if (current?.Metadata?.["stowage-sha256"] === sha && current.VersionId && current.ContentLength === body.length) {
      return { path, version: current.VersionId, size: body.length, sha256: sha, ...(current.ETag ? { etag: current.ETag } : {}) };
    }
    const res = await this.call(`PutObject on ${this.url}/${path}`, () => this.put(Key, body, { Metadata: { "stowage-sha256": sha } }));
    if (!res.VersionId) throw notVersioned(this.url);
    return { path, version: res.VersionId, size: body.length, sha256: sha, ...(res.ETag ? { etag: res.ETag } : {}) };
  }

  async readMeta(key: string): Promise<Buffer | null> {
    return this.get(this.metaKey(key));
  }

  private async get(Key: string, VersionId?: string): Promise<Buffer | null> {
    return this.call(`GetObject on ${Key}`, async () => {
      try {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, VersionId }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (err) {
        if (((err as SdkError).Code ?? (err as SdkError).name) === "NoSuchKey") return null;
        throw err;
      }
    });
  }

  /** The oldest version of the key: the first writer's (versions are listed newest first). */
  private async firstVersion(Key: string): Promise<string | null> {
    const res = await this.call(`ListObjectVersions on ${Key}`, () =>
      this.client.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: Key, MaxKeys: 1000 })),
    );
    const mine = (res.Versions ?? []).filter((v) => v.Key === Key);
    return mine.length ? (mine[mine.length - 1]!.VersionId ?? "null") : null;
  }

  /**
   * Reading needs no probe (which writes, and would make read-only roles fail): the oldest version is the one that
   * counts whatever the store guarantees, and where If-None-Match holds it is the only one.
   */
  async readFirst(key: string): Promise<Buffer | null> {
    if (await this.addressed()) return this.content.readMeta(key);
    const Key = this.metaKey(key);
    const first = await this.firstVersion(Key);
    return first === null ? null : this.get(Key, first);
  }

  async createMeta(key: string, body: Buffer, contested = false): Promise<"created" | "exists"> {
    if (await this.addressed()) return this.content.createMeta(key, body);
    const Key = this.metaKey(key);
    const guarantee = await this.guarantee();
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.call(`PutObject on ${Key}`, () => this.put(Key, body, { IfNoneMatch: "*" }));
        if (guarantee === "conditional-write" || !contested) return "created";
        // The store accepted the write whatever was there: the oldest version decides.
        return (await this.firstVersion(Key)) === (res.VersionId ?? "null") ? "created" : "exists";
      } catch (err) {
        const e = err as SdkError;
        if (e.$metadata?.httpStatusCode === 412) return "exists";
        // 409 ConditionalRequestConflict: a concurrent delete or write landed first; AWS says retry.
        if (e.$metadata?.httpStatusCode === 409 && attempt < 5) continue;
        throw err;
      }
    }
  }

  async listMeta(folder: string, max = Infinity): Promise<string[]> {
    const base = this.metaKey("");
    const out: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.call(`ListObjectsV2 (s3:ListBucket) on ${base}${folder}`, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + folder, MaxKeys: Math.min(1000, max - out.length), ContinuationToken }),
        ),
      );
      for (const o of page.Contents ?? []) out.push(o.Key!.slice(base.length));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken && out.length < max);
    return out;
  }

  async presignGet(path: string, version: string, seconds: number): Promise<string> {
    return this.call(`presigning GetObject on ${this.url}/${path}`, () =>
      getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + path, VersionId: version }), { expiresIn: seconds }),
    );
  }

  locate(bucket: string, key: string): string | null {
    if (bucket !== this.bucket || !key.startsWith(this.prefix) || key.endsWith("/")) return null;
    const path = key.slice(this.prefix.length);
    return path.startsWith(`${META}/`) ? null : path;
  }

  /** Asked once per store: a watcher records who committed every batch. */
  who(): Promise<string> {
    this.caller ??= (async () => {
      if (this.opts.endpoint) return userInfo().username;
      const sts = new STSClient({ region: this.opts.region ?? "us-east-1" });
      try {
        return (await this.call("sts:GetCallerIdentity", () => sts.send(new GetCallerIdentityCommand({})))).Arn ?? `${userInfo().username}@${hostname()}`;
      } finally {
        sts.destroy();
      }
    })();
    return this.caller;
  }

  close(): void {
    this.client.destroy();
  }
}

/** A version that is no longer stored (deleted by version, or never there). */
function gone(err: unknown): boolean {
  const e = err as SdkError;
  const code = e.Code ?? e.name;
  return (
    code === "NoSuchVersion" ||
    code === "NoSuchKey" ||
    code === "NotFound" ||
    e.$metadata?.httpStatusCode === 404 ||
    (e.$metadata?.httpStatusCode === 400 && code === "InvalidArgument")
  );
}

function lockOf(res: { ObjectLockMode?: string; ObjectLockRetainUntilDate?: Date; ObjectLockLegalHoldStatus?: string }): Lock | null {
  if (!res.ObjectLockMode && !res.ObjectLockRetainUntilDate && !res.ObjectLockLegalHoldStatus) return null;
  return { mode: res.ObjectLockMode ?? null, until: res.ObjectLockRetainUntilDate?.toISOString() ?? null, legalHold: res.ObjectLockLegalHoldStatus === "ON" };
}

function notVersioned(url: string): UserError {
  return new UserError(
    `${url}: the bucket does not keep versions, and a commit pins versions.`,
    "Enable versioning on the bucket (Stowage's Pulumi program does), then commit again.",
  );
}
