/** `stowage data commit|log|diff|checkout`: the operations over a repository, as pure results for the CLI to print. */
import { mkdir, readdir } from "node:fs/promises";
import { resolve } from "node:path";
import { UserError } from "../core/errors.js";
import { advance, changes, history, readHead, resolveRef, rows, writeManifest } from "./manifest.js";
import type { Guarantee, Mode, Store } from "./store.js";

/**
 * `n` of `of` done; `atLeast`: `of` is only what is known so far (a run's datums while its input is still being read:
 * counting them all first would mean holding them).
 */
export interface Progress {
  (what: string, n: number, of?: number, atLeast?: boolean): void;
}
const quiet: Progress = () => {};

export interface CommitResult {
  readonly commit: string;
  readonly parent: string | null;
  readonly branch: string;
  readonly files: number;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  /** False when nothing changed since the head (which is returned). */
  readonly created: boolean;
  /** What keeps two concurrent commits from losing one (see Guarantee). */
  readonly guarantee: Guarantee;
  /** How the store keeps old contents: its own versions, or copies named by SHA-256 (see Mode). */
  readonly mode: Mode;
  /** Symbolic links (in a folder) committed as their targets' content. */
  readonly links: number;
}

/**
 * Commits the repository's current files to `branch`. On S3 this pins the versionIds the bucket already keeps; in a
 * folder it keeps a copy of each new content. A commit that lost a race to another writer lists again and is built on
 * top of the winner, so it always describes the files as they were after its parent.
 */
export async function commitRepo(store: Store, opts: { branch: string; message: string; author?: string; progress?: Progress }): Promise<CommitResult> {
  const progress = opts.progress ?? quiet;
  const [guarantee, author] = await Promise.all([store.guarantee(), opts.author ?? store.who()]);
  const mode = await store.mode(); // after the guarantee: a first commit's probe also settles the mode
  let links = 0;
  const done = await advance(store, opts.branch, async (parent) => {
    links = 0;
    const listing = async function* () {
      for await (const l of store.list((n) => progress("files listed", n))) {
        if (l.linkTo !== undefined) links++;
        yield l;
      }
    };
    const m = await writeManifest(store, parent, listing(), (now, before) => store.pin(now, before));
    if (parent && m.added + m.modified + m.deleted === 0) return null;
    return { parent: parent?.id ?? null, branch: opts.branch, message: opts.message, author, time: new Date().toISOString(), ...m };
  });
  const c = done.commit;
  return {
    commit: c.id,
    parent: c.parent,
    branch: opts.branch,
    files: c.files,
    added: done.created ? c.added : 0,
    modified: done.created ? c.modified : 0,
    deleted: done.created ? c.deleted : 0,
    created: done.created,
    guarantee,
    mode,
    links,
  };
}

export interface LogEntry {
  readonly commit: string;
  readonly parent: string | null;
  readonly message: string;
  readonly author: string;
  readonly time: string;
  readonly files: number;
  readonly run?: string;
}

export async function logRepo(store: Store, branch: string, limit = Infinity): Promise<{ branch: string; commits: LogEntry[] }> {
  const commits: LogEntry[] = [];
  if (!(await readHead(store, branch)))
    throw new UserError(
      `${store.url} has no branch ${branch} yet.`,
      `Commit first: stowage data commit ${store.url}${branch === "main" ? "" : ` --branch ${branch}`}`,
    );
  for await (const c of history(store, branch)) {
    commits.push({ commit: c.id, parent: c.parent, message: c.message, author: c.author, time: c.time, files: c.files, ...(c.run ? { run: c.run } : {}) });
    if (commits.length >= limit) break;
  }
  return { branch, commits };
}

export async function diffRepo(
  store: Store,
  from: string,
  to: string,
): Promise<{ from: string; to: string; added: string[]; modified: string[]; deleted: string[] }> {
  const [a, b] = await Promise.all([resolveRef(store, from), resolveRef(store, to)]);
  const out = { from: a.id, to: b.id, added: [] as string[], modified: [] as string[], deleted: [] as string[] };
  for await (const c of changes(store, a, b)) out[c.change].push(c.path);
  return out;
}

/**
 * Writes exactly the commit's files into `dir` (each fetched by its pinned version). The folder must be empty or
 * missing: checkout never deletes or overwrites what is there.
 */
export async function checkoutRepo(
  store: Store,
  ref: string,
  dir: string,
  opts: { parallel?: number; progress?: Progress } = {},
): Promise<{ commit: string; files: number; bytes: number; to: string }> {
  const commit = await resolveRef(store, ref);
  const to = resolve(dir);
  const existing = await readdir(to).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    if (err.code === "ENOTDIR") throw new UserError(`--to ${dir} is a file.`, "Give an empty or new folder.");
    throw err;
  });
  if (existing.length) throw new UserError(`--to ${dir} is not empty.`, "Check out into an empty or new folder; nothing was written.");
  await mkdir(to, { recursive: true });
  let files = 0;
  let bytes = 0;
  await eachParallel(rows(store, commit), opts.parallel ?? 8, async (row) => {
    const got = await store.fetch(row.path, row.version, safeJoin(to, row.path));
    if (row.sha256 && got.sha256 !== row.sha256)
      throw new UserError(
        `${store.url}/${row.path}: version ${row.version} does not have the SHA-256 the commit recorded.`,
        "The object was replaced under the same version; the store cannot be trusted for this commit.",
      );
    files++;
    bytes += got.size;
    opts.progress?.("files written", files, commit.files);
  });
  return { commit: commit.id, files, bytes, to };
}

/** A repo path under `root`, refusing paths that would climb out of it (a key like "../x" is legal in S3). */
export function safeJoin(root: string, path: string): string {
  const full = resolve(root, path);
  if (!full.startsWith(`${root}/`))
    throw new UserError(`The path ${JSON.stringify(path)} would be written outside ${root}.`, "Rename that object; paths may not contain '..' segments.");
  return full;
}

/**
 * Runs `work` over a stream with at most `limit` at once; the first failure stops new work and is thrown. A slot that
 * frees wakes the one waiter: no Promise.race over the running set, which hangs a reaction on every running promise
 * per item taken, so one long-pending item (a record batch waiting on a write while skipped datums stream past it
 * without I/O) held a chain as long as the items taken meanwhile (#26: 92,000 reactions at 30,000 skipped datums).
 */
export async function eachParallel<T>(items: AsyncIterable<T> | Iterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let running = 0;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const settled = () => {
    running--;
    const w = wake;
    wake = null;
    w?.();
  };
  const slot = () => new Promise<void>((r) => (wake = r));
  for await (const item of items as AsyncIterable<T>) {
    if (failure) break;
    running++;
    work(item).then(settled, (err: unknown) => {
      failure ??= err;
      settled();
    });
    while (running >= limit) await slot();
  }
  while (running > 0) await slot();
  if (failure) throw failure;
}
