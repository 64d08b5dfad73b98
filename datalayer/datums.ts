/**
 * Datum records in batches: what a run learnt about each datum it processed, so the next run skips it.
 *
 * Until #26 each processed datum cost one PUT of `.stowage/datums/<key>.json`, and each skip one GET of it. Now a run
 * writes its records together, one object per batch of up to BATCH records, `.stowage/datums/<run>-<seq>.jsonl` (one
 * DatumRecord per line, the same JSON as the single files held), created once. A batch is written when it is full, when
 * FLUSH_MS have passed since the last one (so a killed run loses little), and at the end of the run. The next run
 * lists `.stowage/datums/` once, reads every batch (one GET per batch) and keeps only the records of its own datums.
 * Single `<key>.json` records stay valid: read only for a datum that will be skipped, as before. A watcher (many small
 * runs) still writes those, one per datum: with a batch per watch batch every later batch would read them all.
 */
import { eachParallel } from "./data.js";
import { metaJson } from "./manifest.js";
import type { Store } from "./store.js";

/** The records one object holds, at most. */
export const BATCH = 1000;
/** A batch is written at least this often while a run goes on. */
export const FLUSH_MS = 10_000;

/** The fields a skip needs; the whole record is kept as written (see run.ts DatumRecord). */
export interface Recorded {
  readonly key: string;
  readonly status?: string;
}

const SINGLE = /^datums\/[0-9a-f]{64}\.json$/;
const BATCHED = /^datums\/.+\.jsonl$/;

/**
 * The earlier records, from one listing of `datums/` and one GET per batch, as a lookup by skip key. Only records of
 * datums that were processed count (a run's batches hold only those). Each is kept as its JSON line and parsed when a
 * datum asks, then dropped, so a run that streams its datums holds only the lines not yet asked for. Single-file
 * records are read on demand, so a datum that will run costs nothing.
 */
export async function readRecorded<R extends Recorded>(store: Store): Promise<(key: string) => Promise<R | null>> {
  const names = await store.listMeta("datums/");
  const singles = new Set<string>();
  const batched = new Map<string, string>();
  const batches: string[] = [];
  for (const name of names) {
    if (SINGLE.test(name)) singles.add(name.slice("datums/".length, -".json".length));
    else if (BATCHED.test(name)) batches.push(name);
  }
  const where = new Map<string, string>();
  await eachParallel(batches, 8, async (name) => {
    const body = await store.readMeta(name);
    if (!body) return;
    for (const line of body.toString("utf8").split("\n")) {
      if (!line) continue;
      const r = metaJson<R>(store, name, line);
      if (r.status !== undefined && r.status !== "processed") continue;
      if (!batched.has(r.key)) {
        batched.set(r.key, line);
        where.set(r.key, name);
      }
    }
  });
  return async (key) => {
    const line = batched.get(key);
    if (line !== undefined) {
      const name = where.get(key)!;
      batched.delete(key);
      where.delete(key);
      return metaJson<R>(store, name, line);
    }
    if (!singles.has(key)) return null;
    const body = await store.readMeta(`datums/${key}.json`);
    return body ? metaJson<R>(store, `datums/${key}.json`, body.toString("utf8")) : null;
  };
}

/** Collects a run's records and writes them in batches (see the top of this file). */
export class RecordWriter<R extends Recorded> {
  private pending: R[] = [];
  private seq = 0;
  private last = Date.now();
  private writing: Promise<void> = Promise.resolve();
  /** The keys (under .stowage/) of the objects written so far, in order. */
  readonly names: string[] = [];

  constructor(
    private readonly store: Store,
    private readonly run: string,
    private readonly batch = BATCH,
    private readonly flushMs = FLUSH_MS,
    /** The folder the batches go in. */
    private readonly folder = "datums",
  ) {}

  /** Adds a record; writes a batch when it is full or due. */
  add(record: R): Promise<void> {
    this.pending.push(record);
    if (this.pending.length >= this.batch || Date.now() - this.last >= this.flushMs) return this.flush();
    return Promise.resolve();
  }

  /** Writes what is pending (batches are written one at a time, in order); a batch of 1 is a single `<key>.json`. */
  flush(): Promise<void> {
    if (this.pending.length === 0) return this.writing;
    const records = this.pending;
    this.pending = [];
    this.last = Date.now();
    const name = this.batch === 1 ? `${this.folder}/${records[0]!.key}.json` : `${this.folder}/${this.run}-${String(++this.seq).padStart(6, "0")}.jsonl`;
    this.names.push(name);
    this.writing = this.writing.then(async () => {
      await this.store.createMeta(name, Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join("")));
    });
    return this.writing;
  }
}
