/**
 * Commits, their manifests and branches, over any Store.
 *
 * A manifest is the commit's rows sorted by path, cut into gzipped JSONL chunks named by their SHA-256 (Quilt's JSONL
 * rows, lakeFS's content-addressed ranges). A chunk ends where the hash of a path says so (lakeFS
 * `ShouldBreakAtKey`), not after a fixed count, so adding one file changes one chunk and the rest are reused as they
 * are. Rows stream from the listing into chunks and back out, so a million files never sit in memory as one document
 * (DVC's single `.dir` JSON is what that costs).
 *
 * A branch is an append-only log, `refs/<branch>/<inverted sequence>.json`, advanced by creating its next entry once
 * (Delta Lake's `N.json` put-if-absent) — never a pointer overwritten in place, which loses commits when two writers
 * race. The inverted sequence makes the head the first key a listing returns.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { UserError } from "../core/errors.js";
import { canonical, comparePaths, sha256, type Row, type Store } from "./store.js";

export interface ChunkRef {
  readonly first: string;
  readonly last: string;
  readonly count: number;
  readonly id: string;
}

export interface CommitBody {
  readonly parent: string | null;
  readonly branch: string;
  readonly message: string;
  readonly author: string;
  readonly time: string;
  readonly files: number;
  readonly bytes: number;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  readonly chunks: readonly ChunkRef[];
  /** The run that produced this commit (output repositories). */
  readonly run?: string;
}
export interface Commit extends CommitBody {
  /** SHA-256 of the canonical JSON of the body. */
  readonly id: string;
}

/** Where chunks are cut: at least `min` rows, then where hash(path) mod `mod` is 0, at most `max` rows. */
export interface Chunking {
  readonly min: number;
  readonly mod: number;
  readonly max: number;
}
export const CHUNKING: Chunking = { min: 1000, mod: 8192, max: 50_000 };

/** FNV-1a, 32 bits: cheap, and stable across machines and versions. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class ManifestWriter {
  private lines: string[] = [];
  private first = "";
  private last: string | null = null;
  readonly chunks: ChunkRef[] = [];
  files = 0;
  bytes = 0;

  constructor(
    private readonly store: Store,
    /** Chunks the store already holds (the parent's): not written again. */
    private readonly known: ReadonlySet<string> = new Set(),
    private readonly chunking: Chunking = CHUNKING,
  ) {}

  async add(row: Row): Promise<void> {
    if (this.last !== null && comparePaths(this.last, row.path) >= 0) throw new Error(`manifest rows out of order: ${this.last} then ${row.path}`);
    if (this.lines.length === 0) this.first = row.path;
    this.last = row.path;
    this.lines.push(JSON.stringify(row));
    this.files++;
    this.bytes += row.size;
    const n = this.lines.length;
    if (n >= this.chunking.max || (n >= this.chunking.min && fnv1a(row.path) % this.chunking.mod === 0)) await this.cut();
  }

  private async cut(): Promise<void> {
    if (this.lines.length === 0) return;
    const text = `${this.lines.join("\n")}\n`;
    const id = sha256(text);
    if (!this.known.has(id)) await this.store.createMeta(`chunks/${id}.jsonl.gz`, gzipSync(text));
    this.chunks.push({ first: this.first, last: this.last!, count: this.lines.length, id });
    this.lines = [];
  }

  async finish(): Promise<readonly ChunkRef[]> {
    await this.cut();
    return this.chunks;
  }
}

/**
 * A record under .stowage/ read back as JSON: one that does not parse was changed by hand or damaged (a disk, a
 * copy cut short), which is the user's to fix, named by its path, never "a bug".
 */
export function metaJson<T>(store: Pick<Store, "url">, key: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new UserError(
      `${store.url}: .stowage/${key} is not valid JSON (${(err as Error).message}).`,
      "The repository's .stowage folder was changed by hand or damaged: restore it from a copy, or commit into a new repository.",
    );
  }
}

async function readChunk(store: Store, id: string): Promise<Row[]> {
  const body = await store.readMeta(`chunks/${id}.jsonl.gz`);
  if (!body) throw new UserError(`${store.url}: manifest chunk ${id} is missing.`, "The repository's .stowage folder was changed by hand.");
  return gunzipSync(body)
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => metaJson<Row>(store, `chunks/${id}.jsonl.gz`, line));
}

/** Every row of a commit, in path order, one chunk in memory at a time. */
export async function* rows(store: Store, commit: Pick<Commit, "chunks"> | null): AsyncGenerator<Row> {
  for (const chunk of commit?.chunks ?? []) yield* await readChunk(store, chunk.id);
}

/** One path's row, reading only the chunk whose range holds it. */
export async function findRow(store: Store, commit: Commit, path: string): Promise<Row | undefined> {
  const chunk = commit.chunks.find((c) => comparePaths(c.first, path) <= 0 && comparePaths(path, c.last) <= 0);
  return chunk ? (await readChunk(store, chunk.id)).find((r) => r.path === path) : undefined;
}

/** Walks two path-sorted streams side by side: [left, right] with one side undefined where a path is in only one. */
export async function* mergeJoin<A extends { path: string }, B extends { path: string }>(
  left: AsyncIterable<A>,
  right: AsyncIterable<B>,
): AsyncGenerator<[A | undefined, B | undefined]> {
  const li = left[Symbol.asyncIterator]();
  const ri = right[Symbol.asyncIterator]();
  let l = await li.next();
  let r = await ri.next();
  while (!l.done || !r.done) {
    const order = l.done ? 1 : r.done ? -1 : comparePaths(l.value.path, r.value.path);
    if (order === 0) {
      yield [l.value as A, r.value as B];
      [l, r] = await Promise.all([li.next(), ri.next()]);
    } else if (order < 0) {
      yield [l.value as A, undefined];
      l = await li.next();
    } else {
      yield [undefined, r.value as B];
      r = await ri.next();
    }
  }
}

export interface Written {
  readonly chunks: readonly ChunkRef[];
  readonly files: number;
  readonly bytes: number;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
}

/**
 * Writes the manifest of `current` (path-sorted) against the parent's, counting what changed; `pin` turns an entry
 * into its row, given the parent's row for the same path. The parent's chunks are not written again.
 */
export async function writeManifest<T extends { path: string }>(
  store: Store,
  parent: Commit | null,
  current: AsyncIterable<T>,
  pin: (now: T, before: Row | undefined) => Promise<Row>,
): Promise<Written> {
  const writer = new ManifestWriter(store, new Set(parent?.chunks.map((c) => c.id)));
  let added = 0;
  let modified = 0;
  let deleted = 0;
  for await (const [before, now] of mergeJoin(rows(store, parent), current)) {
    if (!now) {
      deleted++;
      continue;
    }
    const row = await pin(now, before);
    if (!before) added++;
    else if (before.version !== row.version) modified++;
    await writer.add(row);
  }
  return { chunks: await writer.finish(), files: writer.files, bytes: writer.bytes, added, modified, deleted };
}

/**
 * The parent's rows with `changed` (path-sorted) put over them; where a path keeps its version the parent's row stays
 * (it may know the hash).
 */
export async function* overlay(parent: AsyncIterable<Row>, changed: AsyncIterable<Row> | readonly Row[]): AsyncGenerator<Row> {
  const items = (async function* () {
    yield* changed;
  })();
  for await (const [before, now] of mergeJoin(parent, items)) yield (now && now.version !== before?.version ? now : before)!;
}

export interface Change {
  readonly path: string;
  readonly change: "added" | "modified" | "deleted";
}

export async function* changes(store: Store, from: Commit | null, to: Commit | null): AsyncGenerator<Change> {
  for await (const [a, b] of mergeJoin(rows(store, from), rows(store, to))) {
    if (!a) yield { path: b!.path, change: "added" };
    else if (!b) yield { path: a.path, change: "deleted" };
    else if (a.version !== b.version) yield { path: a.path, change: "modified" };
  }
}

export function commitId(body: CommitBody): string {
  return sha256(canonical(body));
}

export async function readCommit(store: Store, id: string): Promise<Commit> {
  const body = await store.readMeta(`commits/${id}.json`);
  if (!body) throw new UserError(`${store.url}: there is no commit ${id}.`, `List the commits with \`stowage data log ${store.url}\`.`);
  return { ...metaJson<CommitBody>(store, `commits/${id}.json`, body.toString("utf8")), id };
}

// ---- branches ----

const SEQ_DIGITS = 13;
const SEQ_TOP = 10 ** SEQ_DIGITS - 1;
const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkBranch(branch: string): string {
  if (!BRANCH.test(branch))
    throw new UserError(`Branch name ${JSON.stringify(branch)} is not valid.`, "Use letters, digits, '.', '_' and '-', starting with a letter or digit.");
  return branch;
}

interface RefEntry {
  readonly seq: number;
  readonly commit: string;
}
export type Head = RefEntry;

function refKey(branch: string, seq: number): string {
  return `refs/${branch}/${String(SEQ_TOP - seq).padStart(SEQ_DIGITS, "0")}.json`;
}

export async function readHead(store: Store, branch: string): Promise<Head | null> {
  const [key] = await store.listMeta(`refs/${checkBranch(branch)}/`, 1);
  if (!key) return null;
  const body = await store.readFirst(key);
  return body ? metaJson<RefEntry>(store, key, body.toString("utf8")) : null;
}

/** A commit id, a unique prefix of one (7+ characters, from the branch's log), or a branch name. */
export async function resolveRef(store: Store, ref: string): Promise<Commit> {
  if (/^[0-9a-f]{64}$/.test(ref)) return readCommit(store, ref);
  if (BRANCH.test(ref)) {
    const head = await readHead(store, ref);
    if (head) return readCommit(store, head.commit);
  }
  if (/^[0-9a-f]{7,63}$/.test(ref)) {
    const found = (await store.listMeta("commits/")).filter((k) => k.startsWith(`commits/${ref}`));
    if (found.length === 1) return readCommit(store, found[0]!.slice("commits/".length, -".json".length));
    if (found.length > 1) throw new UserError(`${ref} matches ${found.length} commits in ${store.url}.`, "Give more characters of the commit id.");
  }
  throw new UserError(`${store.url} has no branch or commit ${ref}.`, `List the commits with \`stowage data log ${store.url}\`.`);
}

export interface Advanced {
  readonly commit: Commit;
  /** False when nothing changed and the head was kept. */
  readonly created: boolean;
  /** Times another writer advanced the branch first and this commit was rebuilt on top of theirs. */
  readonly retries: number;
}

/**
 * Advances `branch` by one commit built on its current head. When another writer got there first, the commit is
 * built again on top of theirs (lakeFS retries its compare-and-swap the same way, at most 10 times).
 * `build` returns null when there is nothing to commit.
 */
export async function advance(store: Store, branch: string, build: (parent: Commit | null) => Promise<CommitBody | null>, maxTries = 20): Promise<Advanced> {
  checkBranch(branch);
  for (let retries = 0; retries < maxTries; retries++) {
    const head = await readHead(store, branch);
    const parent = head ? await readCommit(store, head.commit) : null;
    const body = await build(parent);
    if (!body) return { commit: parent!, created: false, retries };
    const commit: Commit = { ...body, id: commitId(body) };
    await store.createMeta(`commits/${commit.id}.json`, Buffer.from(`${JSON.stringify(body)}\n`));
    const seq = (head?.seq ?? 0) + 1;
    const entry: RefEntry = { seq, commit: commit.id };
    if ((await store.createMeta(refKey(branch, seq), Buffer.from(`${JSON.stringify(entry)}\n`), true)) === "created") return { commit, created: true, retries };
    await new Promise((r) => setTimeout(r, Math.random() * 50 * (retries + 1)));
  }
  throw new UserError(
    `${store.url}: branch ${branch} kept moving; ${maxTries} attempts to commit lost the race.`,
    "Try again; if many writers commit to one branch at once, give each its own branch.",
  );
}

/**
 * Moves `branch` to `commit` by creating its next log entry once (a mirror's last step, after everything the commit
 * names is stored); `now` is the head it was read at.
 */
export async function appendHead(store: Store, branch: string, commit: string, now: Head | null): Promise<void> {
  const entry: RefEntry = { seq: (now?.seq ?? 0) + 1, commit };
  if ((await store.createMeta(refKey(checkBranch(branch), entry.seq), Buffer.from(`${JSON.stringify(entry)}\n`), true)) === "exists")
    throw new UserError(`${store.url}: branch ${branch} moved while it was being set.`, "Run the command again.");
}

/** The branch's commits, newest first, following parents from the head. */
export async function* history(store: Store, branch: string): AsyncGenerator<Commit> {
  const head = await readHead(store, branch);
  let id: string | null = head?.commit ?? null;
  while (id) {
    const commit = await readCommit(store, id);
    yield commit;
    id = commit.parent;
  }
}
