/**
 * `stowage run`: the user's unchanged command over each datum of an input commit, outputs committed once.
 *
 * Taken from Pachyderm: glob-defined datums, an output commit that is the union of every datum's outputs, one output
 * path per datum (two datums writing one path fail the run), `/pfs/out`-style folders (here STOWAGE_IN, STOWAGE_OUT).
 * Improved on it, as the team's research proposed: the skip key includes the code's identity (Pachyderm keeps its
 * salt across code updates, so new code silently reuses old outputs), and a datum's success is recorded even when the
 * run fails, so a re-run does only what did not succeed (Pachyderm re-runs datums that had succeeded in a failed job).
 * A failed run publishes no commit at all, where Pachyderm finishes one holding partial output.
 */
import { randomBytes } from "node:crypto";
import { accessSync, constants, rmSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, rmdir, unlink } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { UserError } from "../core/errors.js";
import { EXIT } from "../core/exit.js";
import { commitRepo, eachParallel, safeJoin, type Progress } from "./data.js";
import { datumsBy, groupDatums } from "./glob.js";
import { advance, mergeJoin, overlay, readCommit, readHead, resolveRef, rows, writeManifest, type Commit } from "./manifest.js";
import { codeIdentity, type CodeIdentity } from "./code.js";
import { BATCH, FLUSH_MS, RecordWriter, readRecorded } from "./datums.js";
import { OutputSpool, SPILL, type Output } from "./outputs.js";
import { Launcher, tailOf } from "./launch.js";
import { canonical, comparePaths, sha256, type Row, type Store } from "./store.js";

export { codeIdentity, type CodeIdentity };

export interface FileRef {
  readonly path: string;
  readonly versionId: string;
  readonly sha256: string | null;
  readonly size?: number;
}

export interface DatumRecord {
  /** The datum's path ("" for the whole input). */
  readonly datum: string;
  /** SHA-256 of (input repository, datum path): the same datum across runs. */
  readonly id: string;
  /** SHA-256 of (datum id, every input path + versionId, code identity): the skip key. */
  readonly key: string;
  readonly status: "processed" | "skipped" | "failed";
  /** The run that processed it (for a skipped datum, the earlier run). */
  readonly run: string;
  readonly inputs: readonly FileRef[];
  readonly outputs: readonly FileRef[];
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  readonly reason?: string;
  readonly stderrTail?: readonly string[];
}

export interface RunRecord {
  readonly run: string;
  readonly name: string;
  readonly command: readonly string[];
  readonly code: CodeIdentity;
  readonly glob: string;
  readonly input: { readonly repo: string; readonly commit: string };
  readonly output: { readonly repo: string; readonly branch: string; readonly commit: string | null };
  readonly startedAt: string;
  readonly endedAt: string;
  readonly status: "ok" | "failed";
  readonly who: string;
  readonly host: string;
  /**
   * Every datum's record, sorted by datum, while the run has at most BATCH (1,000) datums; records written before #26
   * always hold them here. Read them with `datumsOf` (why.ts), which follows `datumBatches` otherwise.
   */
  readonly datums?: readonly DatumRecord[];
  /**
   * A larger run names, instead, the objects under .stowage/ that hold its records, one JSON record a line: its
   * processed datums' batches (`datums/<run>-<seq>.jsonl`, the ones later runs skip by) and the rest's
   * (`rundatums/<run>-<seq>.jsonl`, skipped and failed). So the record stays small at any number of datums.
   */
  readonly datumBatches?: readonly string[];
  /** How many datums the run had, by what happened to them (records since #26). */
  readonly datumCount?: RunResult["datums"];
}

export interface RunOptions {
  readonly input: Store;
  readonly inputRef?: string;
  readonly output: Store;
  readonly branch?: string;
  readonly glob?: string;
  readonly parallel?: number;
  readonly name?: string;
  readonly command: readonly string[];
  readonly codeVersion?: string;
  /** Where the command runs (and whose git commit is its identity). */
  readonly cwd?: string;
  readonly progress?: Progress;
  /** The code's identity, when the caller already knows it (a watcher computes it once, not per batch). */
  readonly code?: CodeIdentity;
  /** Watch mode: the input commit already made from the events' versions. */
  readonly inputCommit?: Commit;
  /** Watch mode: only the datums this admits (those the events touched). */
  readonly only?: (datum: string) => boolean;
  /**
   * Ctrl-C or SIGTERM stops the commands, removes the datum folders and exits 130/143 (default). A watcher handles the
   * signals itself (it finishes the batch in hand), so it passes false.
   */
  readonly exitOnSignal?: boolean;
  /**
   * Watch mode: the output commit is the branch head plus these datums' outputs (not the union of every datum's), and
   * the datums that succeeded are committed even when others failed — one bad image must not hold up the rest.
   */
  readonly incremental?: boolean;
}

export interface RunResult {
  readonly run: string;
  readonly status: "ok" | "failed";
  readonly inputCommit: string;
  readonly outputCommit: string | null;
  readonly datums: { readonly total: number; readonly processed: number; readonly skipped: number; readonly failed: number };
  readonly failures: readonly Failure[];
}

interface Failure {
  readonly datum: string;
  readonly exitCode: number | null;
  readonly reason: string;
  readonly stderrTail: readonly string[];
}

const TAIL_LINES = 20;

/**
 * The datum folders (household data) and commands in flight. However the process ends — a return, a throw, exit(),
 * Ctrl-C or SIGTERM — none of them outlives it.
 */
const scratch = { dirs: new Set<string>(), launchers: new Set<Launcher>(), hooked: false };

function removeScratch(): void {
  for (const dir of scratch.dirs) rmSync(dir, { recursive: true, force: true });
  scratch.dirs.clear();
}

/**
 * Stops every command (SIGKILL after 2 s), then removes every datum folder. Ctrl-C reaches the commands as SIGTERM:
 * they were started in the background by a shell, which starts them with SIGINT ignored (see launch.ts).
 */
async function stopScratch(signal: NodeJS.Signals): Promise<void> {
  const launchers = [...scratch.launchers];
  for (const l of launchers) l.kill(signal === "SIGINT" ? "SIGTERM" : signal);
  const killer = setTimeout(() => launchers.forEach((l) => l.kill("SIGKILL")), 2000);
  const deadline = Date.now() + 3000;
  while (launchers.some((l) => l.running > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  clearTimeout(killer);
  removeScratch();
}

/** Installs the signal handlers for one run; returns their removal. */
function exitOnSignal(): () => void {
  const on = (signal: NodeJS.Signals) => () => {
    void stopScratch(signal).finally(() => process.exit(signal === "SIGINT" ? EXIT.INTERRUPTED : EXIT.TERMINATED));
  };
  const onInt = on("SIGINT");
  const onTerm = on("SIGTERM");
  process.once("SIGINT", onInt);
  process.once("SIGTERM", onTerm);
  return () => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  };
}

export async function runPipeline(opts: RunOptions): Promise<RunResult> {
  const unhook = opts.exitOnSignal === false ? () => {} : exitOnSignal();
  try {
    return await runOnce(opts);
  } finally {
    unhook();
  }
}

async function runOnce(opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const run = `${startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${randomBytes(4).toString("hex")}`;
  const cwd = opts.cwd ?? process.cwd();
  const branch = opts.branch ?? "main";
  const glob = opts.glob ?? "/*";
  const name = opts.name ?? opts.command[0]!;
  const progress = opts.progress ?? (() => {});
  const datumOf = datumsBy(glob);
  findExecutable(opts.command[0]!, cwd);

  // Provenance always names a commit: without @REF the input's current files are committed first (if they changed).
  const inputCommit: Commit = opts.inputCommit
    ? opts.inputCommit
    : opts.inputRef
      ? await resolveRef(opts.input, opts.inputRef)
      : await resolveRef(opts.input, (await commitRepo(opts.input, { branch: "main", message: `input of run ${run} (${name})`, progress })).commit);

  // A folder output ends holding exactly its head commit: what the head held before and this run wrote are the paths
  // that may have to go (read again at the end, in path order, beside the outputs: no set of them).
  const before = opts.output.settle ? await readHead(opts.output, branch) : null;
  const was = before ? await readCommit(opts.output, before.commit) : null;

  const code = opts.code ?? (await codeIdentity(opts.command, cwd, opts.codeVersion));
  const codeKey = codeKeyOf(code);
  // Which datums were done before, from one listing of datums/ and one read per batch of records (see datums.ts): no
  // request per datum to decide a skip.
  const earlierOf = await readRecorded<DatumRecord>(opts.output);
  // A watcher's batches are small and many: there each record is its own object, as before, so that no batch has to
  // read every earlier batch's records (see datums.ts).
  const writer = new RecordWriter<DatumRecord>(opts.output, run, opts.incremental ? 1 : undefined);
  // Past BATCH datums the run record stops holding them (see RunRecord.datumBatches): the ones not processed go here.
  const others = new RecordWriter<DatumRecord>(opts.output, run, BATCH, FLUSH_MS, "rundatums");
  let held: DatumRecord[] | null = [];
  const counts = { total: 0, processed: 0, skipped: 0, failed: 0 };
  const failures: Failure[] = [];
  const outputs = new OutputSpool(SPILL, (dir) => scratch.dirs.add(dir));
  let outputCommit: string | null = null;
  // A watcher's batch is small beside its output: there a listing of every output would cost more than it saves.
  if (!opts.incremental) await opts.output.expectUploads?.();
  // Overlap: up to 2 × --parallel datums are in hand, but only --parallel commands run at once; the others fetch
  // their inputs or upload their outputs meanwhile, so a command slot never waits on the store. Datums stream from
  // the input commit's rows as they are grouped: only those in hand are held.
  const parallel = opts.parallel ?? 1;
  const slots = new Slots(parallel);
  const launcher = new Launcher();
  scratch.launchers.add(launcher);
  // The datums taken so far, and whether the input has ended: the progress line's total, without holding the datums.
  const seen = { datums: 0, all: false };
  const datums = counted(groupDatums(rows(opts.input, inputCommit), datumOf, opts.only), seen);
  try {
    try {
      await eachParallel(datums, 2 * parallel, async ({ datum, rows: inputs }) => {
        const { id, key } = datumKeys(opts.input.url, datum, inputs, codeKey);
        const earlier = await earlierOf(key);
        const record = earlier ? { ...earlier, status: "skipped" as const } : await processDatum({ opts, run, cwd, datum, id, key, inputs, slots, launcher });
        if (record.status === "processed") await writer.add(record);
        counts.total++;
        counts[record.status]++;
        if (record.status === "failed")
          failures.push({ datum: record.datum, exitCode: record.exitCode ?? null, reason: record.reason ?? "", stderrTail: record.stderrTail ?? [] });
        for (const o of record.outputs) await outputs.add({ path: o.path, datum: record.datum, version: o.versionId, size: o.size ?? 0, sha256: o.sha256 });
        if (held) {
          held.push(record);
          if (!opts.incremental && held.length > BATCH) {
            // Let go first: other datums finish while these are written, and go straight to the batches.
            const spilled = held;
            held = null;
            for (const r of spilled) if (r.status !== "processed") await others.add(r);
          }
        } else if (record.status !== "processed") await others.add(record);
        progress("datums done", counts.total, seen.datums, !seen.all);
      });
    } finally {
      launcher.close();
      scratch.launchers.delete(launcher);
      await writer.flush();
      await others.flush();
    }
    failures.sort((a, b) => comparePaths(a.datum, b.datum));

    // Two datums writing one path sort next to each other.
    let previous: Output | null = null;
    for await (const o of outputs.sorted()) {
      if (previous && previous.path === o.path)
        failures.push({
          datum: o.datum,
          exitCode: 0,
          reason: `wrote ${o.path}, which datum ${JSON.stringify(previous.datum)} also wrote: each output path must come from one datum`,
          stderrTail: [],
        });
      previous = o;
    }

    if (failures.length === 0 || (opts.incremental && counts.failed < counts.total)) {
      const done = await advance(opts.output, branch, async (parent) => {
        const current = opts.incremental ? overlay(rows(opts.output, parent), outputRows(outputs)) : outputRows(outputs);
        const m = await writeManifest(opts.output, parent, current, async (now) => now);
        if (parent && m.added + m.modified + m.deleted === 0) return null;
        return {
          parent: parent?.id ?? null,
          branch,
          message: `run ${name} ${run}`,
          author: await opts.output.who(),
          time: new Date().toISOString(),
          ...m,
          run,
        };
      });
      outputCommit = done.commit.id;
    }
    if (opts.output.settle) {
      const head = await readHead(opts.output, branch);
      const touched = mergeJoin(rows(opts.output, was), outputs.sorted());
      await opts.output.settle(head ? rows(opts.output, await readCommit(opts.output, head.commit)) : iterate([]), paths(touched));
    }
  } finally {
    await outputs.close();
    if (outputs.folder) scratch.dirs.delete(outputs.folder);
  }

  const status = failures.length ? ("failed" as const) : ("ok" as const);
  const record: RunRecord = {
    run,
    name,
    command: opts.command,
    code,
    glob,
    input: { repo: opts.input.url, commit: inputCommit.id },
    output: { repo: opts.output.url, branch, commit: outputCommit },
    startedAt,
    endedAt: new Date().toISOString(),
    status,
    who: await opts.output.who(),
    host: hostname(),
    ...(held ? { datums: held.sort((a, b) => comparePaths(a.datum, b.datum)) } : { datumBatches: [...writer.names, ...others.names] }),
    datumCount: counts,
  };
  // Create-once, with no retention headers: on a bucket with a default Object Lock retention the record is locked.
  await opts.output.createMeta(`runs/${run}.json`, Buffer.from(`${JSON.stringify(record)}\n`));
  return {
    run,
    status,
    inputCommit: inputCommit.id,
    outputCommit,
    datums: counts,
    failures,
  };
}

/** The code's part of every skip key (see DatumRecord.key). */
export function codeKeyOf(code: CodeIdentity): string {
  return sha256(canonical(code.version !== undefined ? { command: code.command, version: code.version } : code));
}

/** A datum's id and skip key (see DatumRecord): what the next run compares to decide a skip. */
export function datumKeys(inputRepo: string, datum: string, inputs: readonly Pick<Row, "path" | "version">[], codeKey: string): { id: string; key: string } {
  const id = sha256(canonical([inputRepo, datum]));
  return { id, key: sha256(canonical({ id, inputs: inputs.map((r) => [r.path, r.version]), code: codeKey })) };
}

/** The items of `items`, counted into `seen` as they are taken; `seen.all` once they end. */
async function* counted<T>(items: AsyncIterable<T>, seen: { datums: number; all: boolean }): AsyncGenerator<T> {
  for await (const item of items) {
    seen.datums++;
    yield item;
  }
  seen.all = true;
}

/** The paths of a merge, in order. */
async function* paths(pairs: AsyncIterable<[{ path: string } | undefined, { path: string } | undefined]>): AsyncGenerator<{ path: string }> {
  for await (const [a, b] of pairs) yield (a ?? b)!;
}

async function* iterate<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** The outputs as commit rows, by path; where two datums wrote one path (a failed watch batch still commits) the first. */
async function* outputRows(outputs: OutputSpool): AsyncGenerator<Row> {
  let last: string | null = null;
  for await (const o of outputs.sorted()) {
    if (o.path === last) continue;
    last = o.path;
    yield { path: o.path, version: o.version, size: o.size, sha256: o.sha256 };
  }
}

/** At most `limit` holders at once (the commands running). */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(limit: number) {
    this.free = limit;
  }
  async hold<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

async function processDatum(a: {
  opts: RunOptions;
  run: string;
  cwd: string;
  datum: string;
  id: string;
  key: string;
  inputs: Row[];
  slots: Slots;
  launcher: Launcher;
}): Promise<DatumRecord> {
  const dir = await mkdtemp(join(tmpdir(), "stowage-datum-"));
  scratch.dirs.add(dir);
  if (!scratch.hooked) {
    scratch.hooked = true;
    process.on("exit", removeScratch);
  }
  const inDir = join(dir, "in");
  const outDir = join(dir, "out");
  const log = join(dir, "output.log");
  /** The files this datum's folder is known to hold (its inputs, outputs and log), removed without a walk. */
  const known: string[] = [log];
  try {
    await mkdir(outDir);
    await mkdir(inDir);
    // Every input by its exact version, never "latest": a newer upload cannot slip into this datum or its provenance.
    const inputs: FileRef[] = [];
    for (const row of a.inputs) {
      const dest = safeJoin(inDir, row.path);
      known.push(dest);
      const got = await a.opts.input.fetch(row.path, row.version, dest);
      inputs.push({ path: row.path, versionId: row.version, sha256: got.sha256 });
    }
    const result = await a.slots.hold(() =>
      execute(
        a.launcher,
        a.opts.command,
        a.cwd,
        { STOWAGE_IN: inDir, STOWAGE_OUT: outDir, STOWAGE_DATUM: a.datum, STOWAGE_DATUM_ID: a.id, STOWAGE_RUN: a.run },
        log,
      ),
    );
    const base = { datum: a.datum, id: a.id, key: a.key, run: a.run, inputs };
    if (result.exitCode !== 0) {
      const reason = result.error ?? (result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`);
      return { ...base, status: "failed", outputs: [], exitCode: result.exitCode, signal: result.signal, reason, stderrTail: result.tail };
    }
    const outputs: FileRef[] = [];
    for (const file of await filesUnder(outDir)) {
      known.push(file);
      const path = relative(outDir, file).split("\\").join("/");
      const row = await a.opts.output.upload(path, file);
      outputs.push({ path, versionId: row.version, sha256: row.sha256, size: row.size });
    }
    return { ...base, status: "processed", outputs };
  } finally {
    await removeDatumDir(dir, [inDir, outDir], known);
    scratch.dirs.delete(dir);
  }
}

/**
 * Removes a datum's folder by what it is known to hold: its files, then in/ and out/, then itself. A recursive rm
 * walks it instead (lstat, rmdir failing ENOTEMPTY, readdir, then each entry: about 15 calls and three thrown errors a
 * datum), which a CPU profile of a 1,000-datum run at --parallel 8 put at about a tenth of the run's own CPU. Anything
 * else there (a command's extra files, nested inputs) makes a step fail, and the recursive rm removes the rest.
 */
async function removeDatumDir(dir: string, folders: string[], files: string[]): Promise<void> {
  try {
    await Promise.all(files.map((f) => unlink(f)));
    await Promise.all(folders.map((d) => rmdir(d)));
    await rmdir(dir);
  } catch {
    await rm(dir, { recursive: true, force: true });
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

interface Executed {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly tail: string[];
  readonly error?: string;
}

/**
 * Runs the command as given (its words quoted, never read as shell syntax). Its output's last lines are read only when
 * it failed, the one case the record keeps them: four file-system calls fewer per datum that succeeds.
 */
async function execute(launcher: Launcher, command: readonly string[], cwd: string, env: Record<string, string>, log: string): Promise<Executed> {
  const done = await launcher.run(command, cwd, env, log);
  return { ...done, tail: done.exitCode === 0 ? [] : await tailOf(log, TAIL_LINES) };
}

/** A command that cannot start is the user's mistake in the command line, not a datum failing. */
function findExecutable(cmd: string, cwd: string): void {
  const candidates = cmd.includes("/") ? [join(cwd, cmd), cmd] : (process.env.PATH ?? "").split(delimiter).map((d) => join(d, cmd));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return;
    } catch {
      // next
    }
  }
  throw new UserError(
    `The command ${cmd} was not found${cmd.includes("/") ? "" : " on PATH"} or is not executable.`,
    "Give the program after --, e.g. stowage run … -- python3 detect.py",
  );
}
