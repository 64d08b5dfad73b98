/**
 * `stowage data verify` (fsck): that nothing a commit pins has changed since it was committed. Every file each commit
 * pins is read back at its pinned version and hashed (streamed: bounded memory), the branch head is compared with what
 * the store holds now (a new version or a delete marker put behind Stowage's back), commits and manifest chunks are
 * checked against their content addresses, every run record against the commits it names, and, where the bucket has
 * a default Object Lock retention, that each version and record still carries retention in force. Reads only.
 */
import { gunzipSync } from "node:zlib";
import { UserError } from "../core/errors.js";
import { commitId, findRow, readCommit, readHead, rows, type Commit, type CommitBody } from "./manifest.js";
import { eachParallel, type Progress } from "./data.js";
import { datumsOf, readRun } from "./why.js";
import type { DatumRecord, RunRecord } from "./run.js";
import { comparePaths, sha256, type Lock, type Row, type Store } from "./store.js";

export type DiscrepancyKind =
  /** The pinned version is no longer stored. */
  | "missing"
  /** The pinned version's bytes (size or SHA-256) are not what the commit recorded. */
  | "changed"
  /** The head pins one version; the store's current version of that path is another (written behind Stowage's back). */
  | "replaced"
  /** The head pins the path; the store no longer has a current version (a delete marker, or the file removed). */
  | "deleted"
  /** A commit, manifest chunk or run record that something names is not stored. */
  | "record-missing"
  /** A record is stored but is not what its name or the records around it say. */
  | "record-changed"
  /** The bucket retains every version by default, and this one's retention has ended or was removed. */
  | "retention-lapsed";

export interface Discrepancy {
  readonly kind: DiscrepancyKind;
  /** The repo path (a file), or the record's key under .stowage/. */
  readonly path: string;
  readonly version?: string;
  readonly commit?: string;
  readonly detail: string;
}

export interface VerifyResult {
  readonly repo: string;
  readonly commits: readonly string[];
  /** Object versions read back and hashed. */
  readonly objects: number;
  readonly bytes: number;
  /** Run records checked. */
  readonly runs: number;
  /** The bucket's default retention, when it has one (then every version and record is expected to be locked). */
  readonly retention: { readonly mode: string; readonly days: number } | null;
  readonly problems: readonly Discrepancy[];
  readonly ok: boolean;
}

export interface VerifyOptions {
  /** One commit (id, prefix or branch); default the head of main. */
  readonly commit?: string;
  /** Every stored commit. */
  readonly all?: boolean;
  readonly parallel?: number;
  readonly progress?: Progress;
  readonly now?: Date;
}

/** Retention is in force when a legal hold is on or the retain-until date is still ahead. */
export function lockInForce(lock: Lock | null, now: Date): boolean {
  return !!lock && (lock.legalHold || (!!lock.mode && !!lock.until && Date.parse(lock.until) > now.getTime()));
}

export function describeLock(lock: Lock | null): string {
  if (!lock) return "no retention";
  const parts = [lock.mode ? `${lock.mode} until ${lock.until}` : "no retention", lock.legalHold ? "legal hold on" : ""];
  return parts.filter(Boolean).join(", ");
}

export async function verifyRepo(store: Store, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const now = opts.now ?? new Date();
  const progress = opts.progress ?? (() => {});
  const problems: Discrepancy[] = [];
  const report = (d: Discrepancy): void => void problems.push(d);
  const retention = await store.defaultRetention();

  // Which commits: one, every stored one, or main's head.
  const head = await readHead(store, "main");
  const ids: string[] = [];
  if (opts.all) {
    for (const key of await store.listMeta("commits/")) if (key.endsWith(".json")) ids.push(key.slice("commits/".length, -".json".length));
  } else if (opts.commit) {
    const { resolveRef } = await import("./manifest.js");
    ids.push((await resolveRef(store, opts.commit)).id);
  } else if (head) {
    ids.push(head.commit);
  }

  const commits: Commit[] = [];
  for (const id of ids) {
    const commit = await checkedCommit(store, id, report);
    if (commit) commits.push(commit);
  }
  if (retention) for (const c of commits) await checkRecordLock(store, `commits/${c.id}.json`, now, report);

  // Every pinned version, once (a version kept by many commits is read once).
  const seen = new Set<string>();
  const total = commits.reduce((n, c) => n + c.files, 0);
  let objects = 0;
  let bytes = 0;
  let done = 0;
  for (const commit of commits) {
    if (!(await chunksIntact(store, commit, report))) continue;
    await eachParallel(rows(store, commit), opts.parallel ?? 8, async (row) => {
      const key = `${row.path}\n${row.version}`;
      if (seen.has(key)) return;
      seen.add(key);
      const got = await store.inspect(row.path, row.version);
      objects++;
      progress("objects verified", ++done, total);
      if (!got) {
        report({ kind: "missing", path: row.path, version: row.version, commit: commit.id, detail: `version ${row.version} is no longer stored` });
        return;
      }
      bytes += got.size;
      if (got.size !== row.size)
        report({ kind: "changed", path: row.path, version: row.version, commit: commit.id, detail: `${got.size} bytes, the commit recorded ${row.size}` });
      else if (row.sha256 && got.sha256 !== row.sha256)
        report({
          kind: "changed",
          path: row.path,
          version: row.version,
          commit: commit.id,
          detail: `SHA-256 ${got.sha256}, the commit recorded ${row.sha256}`,
        });
      if (retention && !lockInForce(got.lock, now))
        report({
          kind: "retention-lapsed",
          path: row.path,
          version: row.version,
          commit: commit.id,
          detail: `${describeLock(got.lock)}; the bucket retains every version (${retention.mode}, ${retention.days} days)`,
        });
    });
  }

  // The head against what the store holds now.
  if (head && commits.some((c) => c.id === head.commit))
    await checkDrift(
      store,
      commits.find((c) => c.id === head.commit)!,
      report,
    );

  // Run records: present, intact, and agreeing with the commits they name.
  const runIds = new Set<string>();
  for (const key of await store.listMeta("runs/")) if (key.endsWith(".json")) runIds.add(key.slice("runs/".length, -".json".length));
  for (const c of commits) {
    if (c.run && !runIds.has(c.run))
      report({
        kind: "record-missing",
        path: `.stowage/runs/${c.run}.json`,
        commit: c.id,
        detail: `commit ${c.id.slice(0, 12)} was made by run ${c.run}, whose record is not stored`,
      });
  }
  let runs = 0;
  for (const id of [...runIds].sort()) {
    runs++;
    await checkRun(store, id, report, retention ? now : null);
  }

  problems.sort((a, b) => comparePaths(a.path, b.path) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  return { repo: store.url, commits: commits.map((c) => c.id), objects, bytes, runs, retention, problems, ok: problems.length === 0 };
}

/** A commit read back and checked against its content address; null (reported) when missing or changed. */
async function checkedCommit(store: Store, id: string, report: (d: Discrepancy) => void): Promise<Commit | null> {
  const key = `commits/${id}.json`;
  const body = await store.readMeta(key);
  if (!body) {
    report({ kind: "record-missing", path: `.stowage/${key}`, commit: id, detail: `commit ${id.slice(0, 12)} is not stored` });
    return null;
  }
  let parsed: CommitBody;
  try {
    parsed = JSON.parse(body.toString("utf8")) as CommitBody;
  } catch {
    report({ kind: "record-changed", path: `.stowage/${key}`, commit: id, detail: "not valid JSON" });
    return null;
  }
  if (commitId(parsed) !== id) {
    report({ kind: "record-changed", path: `.stowage/${key}`, commit: id, detail: `its content hashes to ${commitId(parsed).slice(0, 12)}, not to its name` });
    return null;
  }
  return readCommit(store, id);
}

/** Every manifest chunk of the commit is stored and hashes to its name. */
async function chunksIntact(store: Store, commit: Commit, report: (d: Discrepancy) => void): Promise<boolean> {
  let ok = true;
  for (const chunk of commit.chunks) {
    const key = `chunks/${chunk.id}.jsonl.gz`;
    const body = await store.readMeta(key);
    if (!body) {
      report({
        kind: "record-missing",
        path: `.stowage/${key}`,
        commit: commit.id,
        detail: `manifest chunk of commit ${commit.id.slice(0, 12)} (${chunk.first} … ${chunk.last}) is not stored`,
      });
      ok = false;
      continue;
    }
    let text: string | null = null;
    try {
      text = gunzipSync(body).toString("utf8");
    } catch {
      // reported below
    }
    if (text === null || sha256(text) !== chunk.id) {
      report({
        kind: "record-changed",
        path: `.stowage/${key}`,
        commit: commit.id,
        detail: `manifest chunk of commit ${commit.id.slice(0, 12)} does not hash to its name`,
      });
      ok = false;
    }
  }
  return ok;
}

/**
 * The head against the store's current files: a pinned path whose current version is another one, or that has no
 * current version. Paths added since the head are new uploads, not discrepancies (the next commit takes them).
 */
async function checkDrift(store: Store, head: Commit, report: (d: Discrepancy) => void): Promise<void> {
  const { mergeJoin } = await import("./manifest.js");
  for await (const [pinned, now] of mergeJoin(rows(store, head), store.list())) {
    if (!pinned) continue;
    if (!now) {
      report({
        kind: "deleted",
        path: pinned.path,
        version: pinned.version,
        commit: head.id,
        detail: `the head pins version ${pinned.version}; the store has no current version (deleted, or a delete marker)`,
      });
      continue;
    }
    const current: Row = await store.pin(now, pinned);
    if (current.version !== pinned.version)
      report({
        kind: "replaced",
        path: pinned.path,
        version: pinned.version,
        commit: head.id,
        detail: `the head pins version ${pinned.version}; the store's current version is ${current.version}`,
      });
  }
}

async function checkRecordLock(store: Store, key: string, now: Date, report: (d: Discrepancy) => void): Promise<void> {
  const lock = await store.metaLock(key);
  if (!lockInForce(lock, now)) report({ kind: "retention-lapsed", path: `.stowage/${key}`, detail: `${describeLock(lock)}; the bucket retains every version` });
}

/** A run record: readable, its output commit stored, and every output its datums list pinned there at that version. */
async function checkRun(store: Store, id: string, report: (d: Discrepancy) => void, now: Date | null): Promise<void> {
  const path = `.stowage/runs/${id}.json`;
  let run: RunRecord;
  try {
    run = await readRun(store, id);
  } catch (err) {
    report({
      kind: err instanceof SyntaxError ? "record-changed" : "record-missing",
      path,
      detail: err instanceof SyntaxError ? "not valid JSON" : "not readable",
    });
    return;
  }
  if (run.run !== id) report({ kind: "record-changed", path, detail: `it names run ${run.run}` });
  if (now) await checkRecordLock(store, `runs/${id}.json`, now, report);
  if (!run.output.commit) return;
  if (run.output.repo !== store.url) return;
  const body = await store.readMeta(`commits/${run.output.commit}.json`);
  if (!body)
    return report({
      kind: "record-missing",
      path: `.stowage/commits/${run.output.commit}.json`,
      commit: run.output.commit,
      detail: `run ${id} names output commit ${run.output.commit.slice(0, 12)}, which is not stored`,
    });
  let commit: Commit;
  try {
    commit = await readCommit(store, run.output.commit);
  } catch {
    return report({ kind: "record-changed", path: `.stowage/commits/${run.output.commit}.json`, detail: "not valid JSON" });
  }
  // A run whose outputs were all there already keeps the parent as its output commit: that commit is another run's.
  if (commit.run !== id) return;
  try {
    for await (const datum of datumsOf(store, run)) await checkDatum(store, id, commit, datum, report);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    report({ kind: "record-missing", path, detail: err.message });
  }
}

async function checkDatum(store: Store, id: string, commit: Commit, datum: DatumRecord, report: (d: Discrepancy) => void): Promise<void> {
  if (datum.status !== "processed") return;
  for (const out of datum.outputs) {
    const row = await findRow(store, commit, out.path).catch(() => undefined);
    if (!row)
      report({
        kind: "record-changed",
        path: out.path,
        version: out.versionId,
        commit: commit.id,
        detail: `run ${id} (datum ${JSON.stringify(datum.datum)}) wrote it, but its output commit ${commit.id.slice(0, 12)} does not pin it`,
      });
    else if (row.version !== out.versionId || (out.sha256 && row.sha256 && row.sha256 !== out.sha256))
      report({
        kind: "record-changed",
        path: out.path,
        version: out.versionId,
        commit: commit.id,
        detail: `run ${id} wrote version ${out.versionId}; its output commit pins ${row.version}`,
      });
  }
}
