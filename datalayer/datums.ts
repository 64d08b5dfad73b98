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
 * datums that were processed count (a large run's record also names batches of skipped and failed ones, kept apart
 * under `rundatums/`). What stays in memory is an index, about 40 bytes a record: the key's first 52 bits → which
 * batch and which line. A datum that asks reads its line from the batch, which the most recent CACHED batches are
 * kept for (the first ones read, then those asked for), so a repository of up to CACHED batches is read once, as
 * before, and a larger one is read again a batch at a time as datums ask (they come in path order, as the batches
 * were written). Single-file records are read on demand, so a datum that will run costs nothing.
 */
export async function readRecorded<R extends Recorded>(store: Store): Promise<(key: string) => Promise<R | null>> {
  const names = await store.listMeta("datums/");
  const singles = new Set<string>();
  const batches: string[] = [];
  for (const name of names) {
    if (SINGLE.test(name)) singles.add(name.slice("datums/".length, -".json".length));
    else if (BATCHED.test(name)) batches.push(name);
  }
  const index = new Map<number, number>();
  const cache = new Map<number, Promise<string[]>>();
  const read = async (b: number): Promise<string[]> => {
    const body = await store.readMeta(batches[b]!);
    return body ? body.toString("utf8").split("\n") : [];
  };
  const batchOf = (b: number): Promise<string[]> => {
    let lines = cache.get(b);
    if (lines) cache.delete(b);
    else lines = read(b);
    cache.set(b, lines); // most recent last
    for (const old of cache.keys()) {
      if (cache.size <= CACHED) break;
      cache.delete(old);
    }
    return lines;
  };
  await eachParallel(
    batches.map((_, b) => b),
    8,
    async (b) => {
      const lines = await read(b);
      if (b < CACHED) cache.set(b, Promise.resolve(lines));
      lines.forEach((line, i) => {
        if (!line) return;
        const r = metaJson<R>(store, batches[b]!, line);
        if (r.status !== undefined && r.status !== "processed") return;
        const at = short(r.key);
        // The first record of a key counts; where two keys share 52 bits, the first one read keeps the slot.
        if (!index.has(at)) index.set(at, b * LINES + i);
      });
    },
  );
  return async (key) => {
    const at = index.get(short(key));
    if (at !== undefined) {
      const b = Math.floor(at / LINES);
      const line = (await batchOf(b))[at % LINES];
      const r = line ? metaJson<R>(store, batches[b]!, line) : null;
      if (r && r.key === key) return r;
    }
    if (!singles.has(key)) return null;
    const body = await store.readMeta(`datums/${key}.json`);
    return body ? metaJson<R>(store, `datums/${key}.json`, body.toString("utf8")) : null;
  };
}

/** Batches whose lines are kept while a run looks records up. */
const CACHED = 16;
/** A batch's lines, at most, as the index encodes them (BATCH is far below). */
const LINES = 65_536;
/** The first 52 bits of a hex key, exactly representable as a number (a Map of numbers is small). */
const short = (key: string): number => parseInt(key.slice(0, 13), 16);

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
