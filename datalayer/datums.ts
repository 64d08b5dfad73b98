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
}

const SINGLE = /^datums\/[0-9a-f]{64}\.json$/;
const BATCHED = /^datums\/.+\.jsonl$/;

/**
 * Reads the records of the keys in `wanted` from one listing of `datums/` and one GET per batch. Single-file records
 * are returned as a lookup (read on demand), so a datum that will run costs nothing.
 */
export async function readRecorded<R extends Recorded>(store: Store, wanted: ReadonlySet<string>): Promise<(key: string) => Promise<R | null>> {
  const names = await store.listMeta("datums/");
  const singles = new Set<string>();
  const batched = new Map<string, R>();
  const batches: string[] = [];
  for (const name of names) {
    if (SINGLE.test(name)) singles.add(name.slice("datums/".length, -".json".length));
    else if (BATCHED.test(name)) batches.push(name);
  }
  await eachParallel(batches, 8, async (name) => {
    const body = await store.readMeta(name);
    if (!body) return;
    for (const line of body.toString("utf8").split("\n")) {
      if (!line) continue;
      const r = metaJson<R>(store, name, line);
      if (wanted.has(r.key) && !batched.has(r.key)) batched.set(r.key, r);
    }
  });
  return async (key) => {
    const found = batched.get(key);
    if (found) return found;
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

  constructor(
    private readonly store: Store,
    private readonly run: string,
    private readonly batch = BATCH,
    private readonly flushMs = FLUSH_MS,
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
    const name = this.batch === 1 ? `datums/${records[0]!.key}.json` : `datums/${this.run}-${String(++this.seq).padStart(6, "0")}.jsonl`;
    this.writing = this.writing.then(async () => {
      await this.store.createMeta(name, Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join("")));
    });
    return this.writing;
  }
}
