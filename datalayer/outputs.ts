/**
 * A run's outputs, sorted by path without holding them all: up to `limit` are kept in memory; past that each full
 * batch is sorted and written to a temporary file, and reading merges the files (an external merge sort). Sorted by
 * path and then by datum, two datums writing one path come out next to each other, so no map of owners is needed to
 * catch them. A run of a few thousand outputs never touches the disk.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { comparePaths } from "./store.js";

/** One output file of one datum, as the commit pins it. */
export interface Output {
  readonly path: string;
  readonly datum: string;
  readonly version: string;
  readonly size: number;
  readonly sha256: string | null;
}

/** The outputs kept in memory before a sorted run of them goes to disk. */
export const SPILL = 50_000;

const order = (a: Output, b: Output): number => comparePaths(a.path, b.path) || comparePaths(a.datum, b.datum);
const line = (o: Output): string => JSON.stringify([o.path, o.datum, o.version, o.size, o.sha256]);
const parse = (text: string): Output => {
  const [path, datum, version, size, sha256] = JSON.parse(text) as [string, string, string, number, string | null];
  return { path, datum, version, size, sha256 };
};

export class OutputSpool {
  private held: Output[] = [];
  private readonly files: string[] = [];
  private dir: string | null = null;
  private spilling: Promise<void> = Promise.resolve();
  count = 0;

  /** `onDir` is told the temporary folder when one is made (so a signal handler can remove it). */
  constructor(
    private readonly limit = SPILL,
    private readonly onDir: (dir: string) => void = () => {},
  ) {}

  add(output: Output): Promise<void> {
    this.held.push(output);
    this.count++;
    return this.held.length >= this.limit ? this.spill() : Promise.resolve();
  }

  /** Writes what is held as one sorted file (one at a time, in order). */
  private spill(): Promise<void> {
    const batch = this.held;
    this.held = [];
    this.spilling = this.spilling.then(async () => {
      if (!this.dir) this.onDir((this.dir = await mkdtemp(join(tmpdir(), "stowage-outputs-"))));
      batch.sort(order);
      const file = join(this.dir, `${this.files.length}.jsonl`);
      // A thousand lines a write: the whole run as one string would double what the spill is there to bound.
      const out = await open(file, "w");
      try {
        for (let i = 0; i < batch.length; i += 1000)
          await out.write(
            `${batch
              .slice(i, i + 1000)
              .map(line)
              .join("\n")}\n`,
          );
      } finally {
        await out.close();
      }
      this.files.push(file);
    });
    return this.spilling;
  }

  /** Every output, by path then datum; may be read more than once. */
  async *sorted(): AsyncGenerator<Output> {
    await this.spilling;
    this.held.sort(order);
    if (this.files.length === 0) {
      yield* this.held;
      return;
    }
    // The files' heads in a binary heap: each step takes the least and reads that file's next line.
    const sources = [...this.files.map((f) => lines(f)), memory(this.held)];
    const heap: { value: Output; from: AsyncIterator<Output> }[] = [];
    const less = (i: number, j: number) => order(heap[i]!.value, heap[j]!.value) < 0;
    const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
    const up = (i: number) => {
      while (i > 0 && less(i, (i - 1) >> 1)) {
        swap(i, (i - 1) >> 1);
        i = (i - 1) >> 1;
      }
    };
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(l, m)) m = l;
        if (r < heap.length && less(r, m)) m = r;
        if (m === i) return;
        swap(i, m);
        i = m;
      }
    };
    for (const from of sources) {
      const first = await from.next();
      if (first.done) continue;
      heap.push({ value: first.value, from });
      up(heap.length - 1);
    }
    while (heap.length) {
      const top = heap[0]!;
      yield top.value;
      const next = await top.from.next();
      if (next.done) {
        const last = heap.pop()!;
        if (heap.length === 0) break;
        heap[0] = last;
      } else top.value = next.value;
      down(0);
    }
  }

  async close(): Promise<void> {
    await this.spilling.catch(() => {});
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /** The temporary folder, once outputs went to disk. */
  get folder(): string | null {
    return this.dir;
  }
}

async function* lines(file: string): AsyncGenerator<Output> {
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (text) yield parse(text);
}

async function* memory(items: readonly Output[]): AsyncGenerator<Output> {
  yield* items;
}
