/**
 * `stowage run --watch`: new-object events in, committed outputs out, as they arrive. Events are hints (at least
 * once, any order): each batch pins the events' versions into an input commit (the head plus those versions, newest
 * per key by sequencer), runs only the datums they touch, commits the outputs of the datums that succeeded, and
 * then settles each event — deleted from SQS once committed; on failure released back to the queue, whose
 * redrive policy moves a poison message to its dead-letter queue after maxReceiveCount receives. A datum already
 * processed for the same input versions and code is skipped (the run's datum records), so a redelivered event
 * costs no second output. Before the first event a full run catches up on anything uploaded while no watcher ran.
 */
import { UserError } from "../core/errors.js";
import { compareSequencers, type ObjectCreated } from "./events.js";
import { datumsBy } from "./glob.js";
import { advance, overlay, rows, writeManifest } from "./manifest.js";
import { codeIdentity, runPipeline, type RunOptions, type RunResult } from "./run.js";
import { META, comparePaths, type Row } from "./store.js";

/** One event as its source delivered it; `settle` acknowledges it (ok) or hands it to the failure path. */
export interface Delivery {
  readonly event: ObjectCreated;
  readonly receivedAt: number;
  settle(ok: boolean, reason?: string): Promise<void>;
}

export interface EventSource {
  readonly describe: string;
  /** Starts delivering; resolves once the source is listening. */
  start(deliver: (d: Delivery[]) => void): Promise<void>;
  /** Stops taking new events; deliveries in hand can still be settled. */
  stop(): Promise<void>;
  /** Releases everything, after the last settle. */
  close(): void;
}

export interface WatchOptions extends RunOptions {
  readonly source: EventSource;
  readonly batchSize?: number;
  readonly batchSeconds?: number;
  /** Ends the watch: the batch in hand is finished and committed, then the source stops. */
  readonly signal: AbortSignal;
  /** After each batch (and the catch-up run). */
  readonly onBatch?: (b: BatchReport) => void;
  /** Once the source listens, before the catch-up: `live` is the running count (its `pending` is what waits now). */
  readonly onListening?: (live: Readonly<WatchTotals>) => void;
}

export interface BatchReport {
  readonly kind: "catch-up" | "batch";
  readonly events: number;
  readonly run: string | null;
  readonly status: "ok" | "failed" | "nothing";
  readonly outputCommit: string | null;
  readonly datums: RunResult["datums"];
  /** From the oldest event's arrival to its output being committed. */
  readonly lagMs: number;
  readonly totals: WatchTotals;
}

export interface WatchTotals {
  done: number;
  failed: number;
  skipped: number;
  batches: number;
  pending: number;
}

export async function watch(opts: WatchOptions): Promise<WatchTotals> {
  if (opts.input.kind !== "s3")
    throw new UserError(
      "--watch needs an s3:// input: events come from a bucket.",
      "Run without --watch on a folder, or point --in at the bucket the events are for.",
    );
  const batchSize = opts.batchSize ?? 100;
  const batchMs = (opts.batchSeconds ?? 2) * 1000;
  const datumOf = datumsBy(opts.glob ?? "/*");
  const totals: WatchTotals = { done: 0, failed: 0, skipped: 0, batches: 0, pending: 0 };
  const count = (r: RunResult) => {
    totals.done += r.datums.processed;
    totals.failed += r.datums.failed;
    totals.skipped += r.datums.skipped;
  };

  // The source first: a port already taken fails the command before any work (and before it says it listens).
  // Events that arrive during the catch-up wait in `pending`; nothing is lost between the two.
  const pending: Delivery[] = [];
  let wake: (() => void) | null = null;
  const nudge = () => {
    wake?.();
    wake = null;
  };
  await opts.source.start((ds) => {
    const ours: Delivery[] = [];
    for (const d of ds) {
      // The repositories' own writes (commits under .stowage/, outputs outside the input) and paths the glob does
      // not take are not this pipeline's: acknowledged at once, never waiting.
      const path = opts.input.locate(d.event.bucket, d.event.key);
      if (path === null || path === META || path.startsWith(`${META}/`) || datumOf(path) === null) void d.settle(true);
      else ours.push(d);
    }
    const first = pending.length === 0 && ours.length > 0;
    pending.push(...ours);
    totals.pending = pending.length;
    // The first event starts the batch's clock; a full batch goes at once.
    if (first || pending.length >= batchSize) nudge();
  });
  opts.onListening?.(totals);
  let stopped: Promise<void> = Promise.resolve();
  const onAbort = () => {
    stopped = opts.source.stop();
    nudge();
  };
  opts.signal.addEventListener("abort", onAbort);

  try {
    // The code does not change while the watcher runs: its identity (git commands) is taken once, not per batch.
    const watching: WatchOptions = { ...opts, code: opts.code ?? (await codeIdentity(opts.command, opts.cwd ?? process.cwd(), opts.codeVersion)) };
    // Catch up: anything uploaded while no watcher listened (events are not kept for us) is in the listing.
    const started = Date.now();
    const caughtUp = await runPipeline({ ...watching, incremental: true, exitOnSignal: false });
    count(caughtUp);
    opts.onBatch?.(batchReport("catch-up", 0, caughtUp, started, totals));
    for (;;) {
      if (opts.signal.aborted) await stopped; // no delivery arrives after this
      if (opts.signal.aborted && !pending.length) break;
      const deadline = pending.length ? pending[0]!.receivedAt + batchMs : Infinity;
      if (!(pending.length >= batchSize || (pending.length && opts.signal.aborted) || Date.now() >= deadline)) {
        // Wait for the batch to fill, or for its time (counted from its first event) to pass.
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(60_000, Math.max(0, deadline - Date.now()))).unref();
        });
        continue;
      }
      const batch = pending.splice(0, batchSize);
      totals.pending = pending.length;
      await processBatch(watching, batch, datumOf, totals, count);
    }
  } finally {
    opts.signal.removeEventListener("abort", onAbort);
    if (!opts.signal.aborted) await opts.source.stop();
    await stopped;
    opts.source.close();
  }
  return totals;
}

async function processBatch(
  opts: WatchOptions,
  batch: Delivery[],
  datumOf: (p: string) => string | null,
  totals: WatchTotals,
  count: (r: RunResult) => void,
): Promise<void> {
  // The newest version per path (by sequencer where both have one), and who delivered it.
  const newest = new Map<string, ObjectCreated>();
  const byPath = new Map<string, Delivery[]>();
  for (const d of batch) {
    const path = opts.input.locate(d.event.bucket, d.event.key);
    if (path === null || datumOf(path) === null) {
      await d.settle(true); // not this pipeline's
      continue;
    }
    const seen = newest.get(path);
    if (!seen || (seen.sequencer && d.event.sequencer ? compareSequencers(d.event.sequencer, seen.sequencer) > 0 : true)) newest.set(path, d.event);
    byPath.set(path, [...(byPath.get(path) ?? []), d]);
  }
  if (!newest.size) return;

  const changed: Row[] = [...newest].map(([path, e]) => ({ path, version: e.versionId, size: e.size, sha256: null, ...(e.etag ? { etag: e.etag } : {}) }));
  changed.sort((a, b) => comparePaths(a.path, b.path));
  const input = await advance(opts.input, "main", async (parent) => {
    const m = await writeManifest(opts.input, parent, overlay(rows(opts.input, parent), changed), async (row) => row);
    if (parent && m.added + m.modified + m.deleted === 0) return null;
    return {
      parent: parent?.id ?? null,
      branch: "main",
      message: `${batch.length} new object event(s)`,
      author: await opts.input.who(),
      time: new Date().toISOString(),
      ...m,
    };
  });
  const touched = new Set([...newest.keys()].map((p) => datumOf(p)!));
  const result = await runPipeline({ ...opts, inputCommit: input.commit, only: (d) => touched.has(d), incremental: true, exitOnSignal: false });
  count(result);
  totals.batches++;
  const failed = new Map(result.failures.map((f) => [f.datum, f.reason]));
  for (const [path, ds] of byPath) {
    const reason = failed.get(datumOf(path)!);
    for (const d of ds) await d.settle(reason === undefined, reason);
  }
  const oldest = Math.min(...batch.map((d) => d.receivedAt));
  opts.onBatch?.(batchReport("batch", batch.length, result, oldest, totals));
}

/** A run's report, its lag counted from `since` (the oldest event's arrival, or the catch-up's start), with the totals as they are now. */
function batchReport(kind: BatchReport["kind"], events: number, r: RunResult, since: number, totals: WatchTotals): BatchReport {
  return { kind, events, run: r.run, status: r.status, outputCommit: r.outputCommit, datums: r.datums, lagMs: Date.now() - since, totals: { ...totals } };
}
