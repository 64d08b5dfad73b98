/**
 * `stowage data why`: from an output file back to the exact inputs it was made from, and on through the runs that
 * made those inputs. Output version → the run that wrote that version (the newest run, walking back along the commits
 * that kept it: a watch batch's commit carries earlier batches' outputs) → the datum whose outputs hold it → the
 * datum's inputs (path, versionId, sha256) in the input commit → recurse where the input commit was itself a run's
 * output. A datum skipped by a later run names the run that really processed it.
 */
import { UserError } from "../core/errors.js";
import { findRow, metaJson, readCommit, resolveRef, type Commit } from "./manifest.js";
import type { DatumRecord, RunRecord } from "./run.js";
import type { Store } from "./store.js";

export interface WhyInput {
  readonly repo: string;
  readonly commit: string;
  readonly path: string;
  readonly versionId: string;
  readonly sha256: string | null;
}

export interface Why {
  readonly path: string;
  readonly versionId: string;
  readonly run: {
    readonly id: string;
    readonly name: string;
    readonly command: readonly string[];
    readonly code: RunRecord["code"];
    readonly startedAt: string;
    readonly endedAt: string;
    readonly status: string;
    readonly who: string;
    readonly host: string;
  };
  readonly inputs: readonly WhyInput[];
  readonly upstream: readonly Why[];
}

export async function readRun(store: Store, id: string): Promise<RunRecord> {
  const body = await store.readFirst(`runs/${id}.json`);
  if (!body)
    throw new UserError(
      `${store.url}: the record of run ${id} is missing.`,
      "Run records are created once under .stowage/runs/; it was removed by hand or the run was interrupted before its end.",
    );
  return metaJson<RunRecord>(store, `runs/${id}.json`, body.toString("utf8"));
}

/**
 * A run's datum records: those its record holds, or (a run of more than 1,000 datums since #26) those in the batches
 * it names, read one batch at a time.
 */
export async function* datumsOf(store: Store, run: RunRecord): AsyncGenerator<DatumRecord> {
  if (run.datums) {
    yield* run.datums;
    return;
  }
  for (const name of run.datumBatches ?? []) {
    const body = await store.readMeta(name);
    if (!body)
      throw new UserError(
        `${store.url}: .stowage/${name}, which the record of run ${run.run} names, is missing.`,
        "Datum records are created once under .stowage/; it was removed by hand: restore it from a copy.",
      );
    for (const line of body.toString("utf8").split("\n")) if (line) yield metaJson<DatumRecord>(store, name, line);
  }
}

/** Opens a repository named in a run record (same endpoint and credentials as the one asked about). */
export type Opener = (url: string) => Promise<Store>;

export async function why(store: Store, path: string, ref: string, open: Opener, seen = new Set<string>()): Promise<Why> {
  const commit = await resolveRef(store, ref);
  const row = await findRow(store, commit, path);
  if (!row)
    throw new UserError(
      `${path} is not in commit ${commit.id.slice(0, 12)} of ${store.url}.`,
      `See its files with \`stowage data checkout ${store.url} ${commit.id.slice(0, 12)} --to DIR\`, or give --ref.`,
    );
  const { run: latest, datum } = await writerOf(store, commit, path, row.version);
  const producer = datum.status === "skipped" && datum.run !== latest.run ? await readRun(store, datum.run) : latest;
  const inputs = datum.inputs.map((i) => ({
    repo: producer.input.repo,
    commit: producer.input.commit,
    path: i.path,
    versionId: i.versionId,
    sha256: i.sha256,
  }));
  return {
    path,
    versionId: row.version,
    run: {
      id: producer.run,
      name: producer.name,
      command: producer.command,
      code: producer.code,
      startedAt: producer.startedAt,
      endedAt: producer.endedAt,
      status: producer.status,
      who: producer.who,
      host: producer.host,
    },
    inputs,
    upstream: await upstream(producer, datum, open, seen),
  };
}

/**
 * The run (and datum) that wrote this version of `path`. The head's run need not be it: an incremental run (a watch
 * batch) lists only the datums it touched, and the rest of its commit is carried from its parent. So walk back along
 * the parents while the path keeps this version, and take the first run that lists it among a datum's outputs.
 */
async function writerOf(store: Store, start: Commit, path: string, version: string): Promise<{ run: RunRecord; datum: DatumRecord }> {
  let commit = start;
  let runs = 0;
  for (;;) {
    if (commit.run) {
      runs++;
      const run = await readRun(store, commit.run);
      for await (const datum of datumsOf(store, run)) if (datum.outputs.some((o) => o.path === path && o.versionId === version)) return { run, datum };
    }
    const parent = commit.parent ? await readCommit(store, commit.parent) : null;
    const before = parent ? await findRow(store, parent, path) : undefined;
    if (!parent || before?.version !== version) break;
    commit = parent;
  }
  // `commit` is where this version entered the branch.
  if (!runs)
    throw new UserError(
      `${path} in ${store.url} was committed by ${commit.author} (${commit.message}), not made by a run.`,
      "Its history is in `stowage data log`; provenance starts at the run that read it.",
    );
  throw new UserError(
    `No run lists ${path} (version ${version}) among its outputs; it entered the branch in commit ${commit.id.slice(0, 12)} (${commit.message}).`,
    "The run records and the commits disagree: the repository was changed by hand.",
  );
}

/** The same question for every input that was itself a run's output. */
async function upstream(run: RunRecord, datum: DatumRecord, open: Opener, seen: Set<string>): Promise<Why[]> {
  const input = await open(run.input.repo);
  try {
    const commit = await readCommit(input, run.input.commit);
    if (!commit.run) return [];
    const out: Why[] = [];
    for (const i of datum.inputs) {
      const key = `${run.input.repo}\n${commit.id}\n${i.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(await why(input, i.path, commit.id, open, seen));
    }
    return out;
  } finally {
    input.close();
  }
}
