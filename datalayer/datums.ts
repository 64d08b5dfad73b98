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
 * under `rundatums/`). What stays in memory is an index of 12 bytes a record, two typed arrays sorted by key: the key's
 * first 52 bits and where its line is (batch and line); a Map took about 45 bytes an entry, and holds at most 2^24. A
 * datum that asks reads its line from the batch, which the most recent CACHED batches are kept for (the first ones
 * read, then those asked for), so a repository of up to CACHED batches is read once, as before, and a larger one is
 * read again a batch at a time as datums ask (they come in path order, as the batches were written). Single-file
 * records are read on demand, so a datum that will run costs nothing.
 */
export async function readRecorded<R extends Recorded>(store: Store): Promise<(key: string) => Promise<R | null>> {
  const names = await store.listMeta("datums/");
  const singles = new Set<string>();
  const batches: string[] = [];
  for (const name of names) {
    if (SINGLE.test(name)) singles.add(name.slice("datums/".length, -".json".length));
    else if (BATCHED.test(name)) batches.push(name);
  }
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
  const found = new Found();
  await eachParallel(
    batches.map((_, b) => b),
    8,
    async (b) => {
      const lines = await read(b);
      if (b < CACHED) cache.set(b, Promise.resolve(lines));
      lines.forEach((line, i) => {
        if (!line || i >= LINES) return; // a batch's lines past LINES (none stowage wrote) only run their datums again
        const r = metaJson<R>(store, batches[b]!, line);
        if (r.status !== undefined && r.status !== "processed") return;
        found.add(short(r.key), b * LINES + i);
      });
    },
  );
  const index = found.sorted();
  return async (key) => {
    // Every entry whose 52 bits match (a clash costs a line read): the first whose whole key matches counts.
    for (const at of index(short(key))) {
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
/** A batch's lines, at most, as the index encodes them (BATCH is far below; batches up to 65,536 of them). */
const LINES = 65_536;
/** The first 52 bits of a hex key, exactly representable as a number. */
const short = (key: string): number => parseInt(key.slice(0, 13), 16);

/** Key prefixes and where their lines are, in growing typed arrays; then sorted by key (and place). */
class Found {
  private keys = new Float64Array(1024);
  private at = new Uint32Array(1024);
  private n = 0;

  add(key: number, at: number): void {
    if (this.n === this.keys.length) {
      const keys = new Float64Array(this.n * 2);
      keys.set(this.keys);
      const at = new Uint32Array(this.n * 2);
      at.set(this.at);
      this.keys = keys;
      this.at = at;
    }
    this.keys[this.n] = key;
    this.at[this.n++] = at;
  }

  /** The places of a key prefix, in order. */
  sorted(): (key: number) => Generator<number> {
    const { keys, at, n } = this;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => keys[a]! - keys[b]! || at[a]! - at[b]!);
    const k = new Float64Array(n);
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      k[i] = keys[order[i]!]!;
      p[i] = at[order[i]!]!;
    }
    return function* (key) {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (k[mid]! < key) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < n && k[i] === key; i++) yield p[i]!;
    };
  }
}

/** Collects a run's records and writes them in batches (see the top of this file). */
export class RecordWriter<R extends Recorded> {
  private pending: R[] = [];
  private seq = 0;
  private last = Date.now();
  private writing: Promise<void> = Promise.resolve();
  /** Batches handed to the store and not yet written. */
  private inFlight = 0;
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

  /**
   * Adds a record; writes a batch when one is full or due. While a write is on, a full batch waits for it and every add
   * that finds one full waits too: records come faster than a store takes them when datums are skipped (no command, no
   * I/O of their own), and without the wait the batches queued behind the write held every record (#26: a skip-all
   * re-run grew by its records). So at most one batch is being written and about one more is pending.
   */
  add(record: R): Promise<void> {
    this.pending.push(record);
    if (this.pending.length < this.batch && Date.now() - this.last < this.flushMs) return Promise.resolve();
    if (this.inFlight === 0) return this.flush();
    return this.pending.length >= this.batch ? this.writing.then(() => this.due()) : Promise.resolve();
  }

  /** After a write: the next one, if a batch is full and no other add started it. */
  private due(): Promise<void> {
    return this.pending.length >= this.batch && this.inFlight === 0 ? this.flush() : this.writing;
  }

  /**
   * Writes what is pending, in batches of at most `batch` (written one at a time, in order); a batch of 1 is a single
   * `<key>.json`.
   */
  flush(): Promise<void> {
    while (this.pending.length > 0) {
      const records = this.pending.splice(0, this.batch);
      this.last = Date.now();
      const name = this.batch === 1 ? `${this.folder}/${records[0]!.key}.json` : `${this.folder}/${this.run}-${String(++this.seq).padStart(6, "0")}.jsonl`;
      this.names.push(name);
      this.inFlight++;
      this.writing = this.writing.then(async () => {
        try {
          await this.store.createMeta(name, Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join("")));
        } finally {
          this.inFlight--;
        }
      });
    }
    return this.writing;
  }
}
