/**
 * Where a repository lives: a bucket prefix, an Azure container prefix or a local folder. All present the same small
 * interface, so commits, runs and provenance are written once, above it. Versions are the store's own S3 versionIds
 * where the bucket keeps versions; elsewhere the file's SHA-256, its content kept under .stowage/objects (casStore.ts)
 * so every commit can be checked out later.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** One file of a commit. */
export interface Row {
  /** Repo-relative, `/`-separated. */
  readonly path: string;
  /** S3 versionId ("null" for objects written before versioning), or the SHA-256 (a folder, a store without versions). */
  readonly version: string;
  readonly size: number;
  /** Whole-file SHA-256 (hex) when known: computed when the file was read or written, never a multipart composite. */
  readonly sha256: string | null;
  /** Buckets and containers: the ETag the version had when it was pinned (a store without versions reuses the hash while it holds). */
  readonly etag?: string;
  /**
   * Local only: the file's stat fingerprint when it was hashed (see LocalStore), which lets the next commit reuse the
   * hash while the fingerprint is unchanged. Absent when the file had changed too recently to be trusted.
   */
  readonly stat?: string;
}

/** A current file as the store lists it, before it is pinned into a Row. */
export interface Listed {
  readonly path: string;
  readonly size: number;
  readonly version?: string;
  readonly etag?: string;
  /** Local only: see Row.stat. */
  readonly stat?: string;
  /** Local only: the entry is a symbolic link to this repo path, committed as the target's content. */
  readonly linkTo?: string;
}

/**
 * What the store guarantees when two writers advance one branch at once.
 * - `exclusive-create`: the file system's O_EXCL (link(2)) — exactly one writer creates a ref entry.
 * - `conditional-write`: `If-None-Match: *` is honoured (S3 since 2024-08, Ceph RGW on an unversioned bucket, Azure
 *   Blob Storage and Azurite) — exactly one writer gets 200 or 201, the rest 409 or 412.
 * - `first-version-wins`: the store accepts every write (Ceph RGW 16 ignores If-None-Match on versioned buckets), but
 *   the bucket keeps every version: the oldest version of a ref entry is the one that counts, for readers and writers
 *   alike, and a writer whose version is not the oldest retries on top of the winner. Nothing is lost as long as the
 *   store lists one key's versions in the order it accepted them (strong read-after-write, as S3 and RGW give).
 */
export type Guarantee = "exclusive-create" | "conditional-write" | "first-version-wins";

/** Object Lock state of one stored version, as the store reports it. */
export interface Lock {
  /** GOVERNANCE or COMPLIANCE; null when the version carries no retention. */
  readonly mode: string | null;
  /** ISO time the retention ends; null when none. */
  readonly until: string | null;
  readonly legalHold: boolean;
}

/** One stored version read in full: what verification compares against the commit. */
export interface Inspected {
  readonly sha256: string;
  readonly size: number;
  /** When the store accepted this version (S3 LastModified; a folder's kept copy's mtime). */
  readonly storedAt: string | null;
  /** S3 only; null where the store reports no Object Lock. */
  readonly lock: Lock | null;
}

/**
 * How a repository keeps old contents: the store's own versions (a versioned bucket: rows pin versionIds), or copies
 * named by their SHA-256 under `.stowage/objects/` (a folder, and stores without versions: rows pin the SHA-256).
 */
export type Mode = "versions" | "content-addressed";

export interface Store {
  /** As the user gave it, normalised: `s3://bucket/prefix`, `azure://account/container/prefix` or an absolute folder. */
  readonly url: string;
  readonly kind: "s3" | "azure" | "local";
  /** How old contents are kept (see Mode); a bucket's is probed once per repository and remembered. */
  mode(): Promise<Mode>;
  /** Every current file, sorted by path in byte order, the metadata folder left out. */
  list(onListed?: (n: number) => void): AsyncIterable<Listed>;
  /** Turns a listed file into a commit row; `previous` is the parent commit's row for the same path. */
  pin(listed: Listed, previous: Row | undefined): Promise<Row>;
  /** Writes the file at exactly `version` to `dest`; returns its SHA-256 and size. */
  fetch(path: string, version: string, dest: string): Promise<{ sha256: string; size: number }>;
  /**
   * Streams exactly `version` of `path` through SHA-256 (bounded memory, nothing written); null when that version is
   * no longer stored.
   */
  inspect(path: string, version: string): Promise<Inspected | null>;
  /**
   * The version of `path` that is current now, by asking about that path alone (a bucket: one HEAD; a folder: its
   * bytes hashed); null when there is none (deleted, or a delete marker on top).
   */
  currentVersion(path: string): Promise<string | null>;
  /** The Object Lock of the version of a metadata key that counts (see readFirst); null when absent or not reported. */
  metaLock(key: string): Promise<Lock | null>;
  /** The retention the store applies to every new version by default (S3 Object Lock), or null when none. */
  defaultRetention(): Promise<{ readonly mode: string; readonly days: number } | null>;
  /** Content-addressed stores: every SHA-256 kept, from one listing (a mirror asks once instead of once a content). */
  contents?(): AsyncIterable<string>;
  /** Content-addressed stores: keeps the local file `src`, whose SHA-256 is `sha256`, without writing a current file. */
  keep?(src: string, sha256: string): Promise<void>;
  /** Stores the local file `src` as repo path `path`; returns the new version. */
  upload(path: string, src: string): Promise<Row>;
  /**
   * Before many uploads: learn the current files from one listing, so an upload asks the store about a path only
   * when the listing cannot settle whether these bytes are already there (a bucket; a folder needs nothing).
   */
  expectUploads?(): Promise<void>;
  /** Metadata under `<repo>/.stowage/`. */
  readMeta(key: string): Promise<Buffer | null>;
  /** Reads the version of a create-once key that counts (see Guarantee); null when absent. */
  readFirst(key: string): Promise<Buffer | null>;
  /**
   * Creates a key once: "exists" when it was already there (or another writer's version counts). `contested`: many
   * writers may race for this key with different bodies (a branch's next log entry), so on a store that accepts
   * every write the winner is settled by version order; a content-addressed or uniquely named key needs no such check.
   */
  createMeta(key: string, body: Buffer, contested?: boolean): Promise<"created" | "exists">;
  /** Keys under a metadata folder, sorted; at most `max`. */
  listMeta(folder: string, max?: number): Promise<string[]>;
  guarantee(): Promise<Guarantee>;
  /**
   * A folder only (a bucket's outputs are the versions its commits pin, and the roles that run may not delete): makes
   * the folder hold the commit `head` — removes each of `touched` that `head` does not hold, and writes back each of
   * head's files that is missing or not the committed size, from the kept objects. Both come in path order (`touched`
   * may name a path more than once), so neither is held.
   */
  settle?(
    head: AsyncIterable<Row>,
    touched: AsyncIterable<{ readonly path: string }> | Iterable<{ readonly path: string }>,
  ): Promise<{ removed: number; restored: number }>;
  /** The repo path of an object named by an event, or null when it is not in this repository (or a folder's). */
  locate(bucket: string, key: string): string | null;
  /** Who is writing: the AWS caller identity ARN on AWS, the local user otherwise. */
  who(): Promise<string>;
  close(): void;
}

/** S3 lists keys in UTF-8 byte order; JavaScript compares UTF-16 code units. They differ only above U+D7FF. */
export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  if (!/[\ud800-\uffff]/.test(a) && !/[\ud800-\uffff]/.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** JSON with sorted keys and no spaces: the form every content-addressed id is computed over. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

/** The metadata folder's name inside every repository. */
export const META = ".stowage";

/** Hashes a stream without keeping it: one pass, bounded memory. */
export async function hashStream(source: AsyncIterable<Buffer>): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const c of source) {
    hash.update(c);
    size += c.length;
  }
  return { sha256: hash.digest("hex"), size };
}

/** Streams `source` into the file `dest`, hashing on the way: one pass, bounded memory. */
export async function copyHashed(source: Readable, dest: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  await pipeline(
    source,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const c of chunks) {
        hash.update(c);
        size += c.length;
        yield c;
      }
    },
    createWriteStream(dest),
  );
  return { sha256: hash.digest("hex"), size };
}
