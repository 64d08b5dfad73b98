/**
 * A repository on an object store that keeps no versions (an unversioned S3 bucket such as Cloudflare R2's, Azure Blob
 * Storage without blob versioning): content-addressed, as a folder is. A commit keeps each new content under
 * `.stowage/objects/<2>/<sha256>` (a server-side copy), and a row's version is that SHA-256, so every commit can be
 * checked out byte for byte after the current files are overwritten or deleted. Branches advance by a conditional
 * create (`If-None-Match: *`), which such a store must honour (each store probes it; see Guarantee).
 *
 * The store itself is reached through Blobs: the handful of operations every object store has, so one content-addressed
 * layer serves S3 and Azure alike.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { UserError } from "../core/errors.js";
import {
  META,
  comparePaths,
  copyHashed,
  hashStream,
  type Guarantee,
  type Inspected,
  type Listed,
  type Lock,
  type Mode,
  type Row,
  type Store,
} from "./store.js";

/** One stored object as a listing reports it. */
export interface Blob {
  readonly key: string;
  readonly size: number;
  /** Changes whenever the bytes are replaced (S3 and Azure ETags both do). */
  readonly etag: string;
}

/** What the content-addressed layer needs from an object store; keys are whole keys in the bucket or container. */
export interface Blobs {
  /** Every key under `prefix`, in UTF-8 byte order. */
  list(prefix: string, max?: number): AsyncIterable<Blob>;
  /** The object's bytes as a stream, with its ETag and when it was stored; null when absent. */
  open(key: string): Promise<{ body: Readable; etag: string; storedAt: string | null } | null>;
  get(key: string): Promise<Buffer | null>;
  exists(key: string): Promise<boolean>;
  /** `createOnly`: fails with "exists" when the key is there (If-None-Match: *). */
  put(key: string, body: Buffer, opts?: { createOnly?: boolean; sha256?: string }): Promise<{ etag: string } | "exists">;
  /** Server-side copy of `from` while its ETag is still `etag`; "changed" when it is not. */
  copy(from: string, to: string, etag: string): Promise<"copied" | "changed">;
}

/** Where a content lives in the repository's objects area, under `meta` (the repository's `.stowage/`). */
export const objectKey = (meta: string, sha: string): string => `${meta}objects/${sha.slice(0, 2)}/${sha}`;

export interface ContentStoreOptions {
  /** The repository's prefix in the bucket or container: "" or ending in "/". */
  readonly prefix: string;
  readonly url: string;
  readonly guarantee: () => Promise<Guarantee>;
}

/**
 * The content-addressed half of a Store over Blobs: listing, pinning, reading and writing files and metadata. The
 * store-specific half (what it guarantees, Object Lock, who is writing, events) stays with each store.
 */
export class ContentStore {
  private readonly meta: string;
  constructor(
    private readonly blobs: Blobs,
    private readonly opts: ContentStoreOptions,
  ) {
    this.meta = `${opts.prefix}${META}/`;
  }

  async *list(onListed?: (n: number) => void): AsyncIterable<Listed> {
    let n = 0;
    for await (const b of this.blobs.list(this.opts.prefix)) {
      if (b.key.startsWith(this.meta) || b.key.endsWith("/")) continue;
      if (++n % 1000 === 0) onListed?.(n);
      yield { path: b.key.slice(this.opts.prefix.length), size: b.size, etag: b.etag };
    }
    onListed?.(n);
  }

  /**
   * The parent's row is reused while the ETag and size are the ones it was hashed at (an ETag changes with every
   * write of the key). Otherwise the file is read once through SHA-256 and copied server-side into the objects area,
   * on condition that it still has the ETag that was hashed: a write in between makes the pin read it again.
   */
  async pin(listed: Listed, previous: Row | undefined): Promise<Row> {
    if (previous?.etag !== undefined && previous.etag === listed.etag && previous.size === listed.size) return previous;
    const key = this.opts.prefix + listed.path;
    for (let attempt = 0; attempt < 5; attempt++) {
      const got = await this.blobs.open(key);
      if (!got) break;
      const { sha256, size } = await hashStream(got.body as AsyncIterable<Buffer>);
      const target = objectKey(this.meta, sha256);
      if (!(await this.blobs.exists(target)) && (await this.blobs.copy(key, target, got.etag)) === "changed") continue;
      return { path: listed.path, version: sha256, size, sha256, etag: got.etag };
    }
    throw new UserError(
      `${this.opts.url}/${listed.path} changed or vanished while it was being committed.`,
      "Commit again once the uploads to this repository have finished.",
    );
  }

  async fetch(path: string, version: string, dest: string): Promise<{ sha256: string; size: number }> {
    const got = await this.blobs.open(objectKey(this.meta, version));
    if (!got)
      throw new UserError(
        `${this.opts.url}: the content of ${path} (${version}) is missing from ${META}/objects.`,
        "Someone deleted it from the store; the commit that names it cannot be read in full (a mirror of the repository may still hold it).",
      );
    await mkdir(dirname(dest), { recursive: true });
    return copyHashed(got.body, dest);
  }

  /** The path's current content address: its bytes read through SHA-256 (the store keeps no version id to ask for). */
  async currentVersion(path: string): Promise<string | null> {
    const got = await this.blobs.open(this.opts.prefix + path);
    return got && (await hashStream(got.body as AsyncIterable<Buffer>)).sha256;
  }

  async inspect(_path: string, version: string): Promise<Inspected | null> {
    const got = await this.blobs.open(objectKey(this.meta, version));
    if (!got) return null;
    return { ...(await hashStream(got.body as AsyncIterable<Buffer>)), storedAt: got.storedAt, lock: null };
  }

  /**
   * Keeps the bytes in the objects area (created once: a content already kept stays as it was, with its first upload
   * time), then writes the current file, so the store shows the output as a folder would.
   */
  async upload(path: string, src: string): Promise<Row> {
    const body = await readFile(src);
    const sha = createHash("sha256").update(body).digest("hex");
    await this.blobs.put(objectKey(this.meta, sha), body, { createOnly: true, sha256: sha });
    const put = await this.blobs.put(this.opts.prefix + path, body, { sha256: sha });
    const etag = put === "exists" ? undefined : put.etag;
    return { path, version: sha, size: body.length, sha256: sha, ...(etag ? { etag } : {}) };
  }

  readMeta(key: string): Promise<Buffer | null> {
    return this.blobs.get(this.meta + key);
  }

  async *contents(): AsyncIterable<string> {
    for await (const b of this.blobs.list(`${this.meta}objects/`)) yield b.key.slice(b.key.lastIndexOf("/") + 1);
  }

  async keep(src: string, sha256: string): Promise<void> {
    await this.blobs.put(objectKey(this.meta, sha256), await readFile(src), { createOnly: true, sha256 });
  }

  async createMeta(key: string, body: Buffer): Promise<"created" | "exists"> {
    const guarantee = await this.opts.guarantee(); // refuses a store that cannot create once
    if (guarantee !== "conditional-write") throw new Error(`content-addressed store with ${guarantee}`);
    return (await this.blobs.put(this.meta + key, body, { createOnly: true })) === "exists" ? "exists" : "created";
  }

  async listMeta(folder: string, max = Infinity): Promise<string[]> {
    const out: string[] = [];
    for await (const b of this.blobs.list(this.meta + folder, max)) {
      out.push(b.key.slice(this.meta.length));
      if (out.length >= max) break;
    }
    return out.sort(comparePaths);
  }
}

/** Probes create-once on a scratch key: written, then written again with If-None-Match: * (which must be refused). */
export async function probeCreateOnce(blobs: Blobs, meta: string, url: string): Promise<Guarantee> {
  const key = `${meta}probe`;
  await blobs.put(key, Buffer.from("stowage probe\n"));
  if ((await blobs.put(key, Buffer.from("stowage probe\n"), { createOnly: true })) === "exists") return "conditional-write";
  throw new UserError(
    `${url}: the store neither keeps versions nor honours If-None-Match: *, so two writers could overwrite one branch's entry.`,
    "Enable versioning on the bucket, or use a store that supports conditional writes (S3 since 2024, R2, Azure, GCS, Ceph RGW).",
  );
}

/** A whole Store over Blobs, for stores that are only ever content-addressed (Azure Blob Storage here). */
export class BlobStore implements Store {
  private readonly content: ContentStore;
  private probed: Promise<Guarantee> | null = null;
  constructor(
    readonly kind: Store["kind"],
    readonly url: string,
    private readonly blobs: Blobs,
    prefix: string,
    private readonly onClose: () => void = () => {},
  ) {
    this.content = new ContentStore(blobs, { prefix, url, guarantee: () => this.guarantee() });
    this.metaPrefix = `${prefix}${META}/`;
  }
  private readonly metaPrefix: string;

  list(onListed?: (n: number) => void): AsyncIterable<Listed> {
    return this.content.list(onListed);
  }
  pin(listed: Listed, previous: Row | undefined): Promise<Row> {
    return this.content.pin(listed, previous);
  }
  fetch(path: string, version: string, dest: string) {
    return this.content.fetch(path, version, dest);
  }
  inspect(path: string, version: string) {
    return this.content.inspect(path, version);
  }
  currentVersion(path: string) {
    return this.content.currentVersion(path);
  }
  async metaLock(): Promise<Lock | null> {
    return null;
  }
  async defaultRetention(): Promise<null> {
    return null;
  }
  upload(path: string, src: string) {
    return this.content.upload(path, src);
  }
  contents() {
    return this.content.contents();
  }
  keep(src: string, sha256: string) {
    return this.content.keep(src, sha256);
  }
  readMeta(key: string) {
    return this.content.readMeta(key);
  }
  readFirst(key: string) {
    return this.content.readMeta(key);
  }
  createMeta(key: string, body: Buffer) {
    return this.content.createMeta(key, body);
  }
  listMeta(folder: string, max?: number) {
    return this.content.listMeta(folder, max);
  }
  async mode(): Promise<Mode> {
    return "content-addressed";
  }
  /** Probed once per process; a probe is two small writes, so it is not worth remembering in the store. */
  guarantee(): Promise<Guarantee> {
    this.probed ??= probeCreateOnce(this.blobs, this.metaPrefix, this.url);
    return this.probed;
  }
  locate(): null {
    return null;
  }
  async who(): Promise<string> {
    return userInfo().username;
  }
  close(): void {
    this.onClose();
  }
}
