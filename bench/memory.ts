/**
 * `node dist/bench/memory.js` (not CI): peak resident memory of a commit of BENCH_MEMORY_OBJECTS (1,000,000) objects
 * from a synthetic listing, beside issue #26's 512 MB target. The store is an in-memory one behind the Store
 * interface (the listing is generated as it is read, the metadata it writes is kept, gzipped, as a bucket would keep
 * it), so what is measured is the commit's own memory: rows streaming from the listing into manifest chunks, then a
 * second commit that reads the first one's chunks back against a new listing (nothing changed). Prints figures only.
 */
import { readFileSync } from "node:fs";
import { commitRepo } from "../datalayer/data.js";
import type { Listed, Row, Store } from "../datalayer/store.js";

const OBJECTS = Number(process.env.BENCH_MEMORY_OBJECTS ?? 1_000_000);
const TARGET_MB = 512;

/** The keys a bucket of camera frames has, in byte order: `cam-NNNN/frame-NNNNNNNN.jpg`. */
async function* listing(n: number): AsyncIterable<Listed> {
  const cams = 1000;
  const per = Math.ceil(n / cams);
  let i = 0;
  for (let c = 0; c < cams && i < n; c++) {
    for (let f = 0; f < per && i < n; f++, i++) {
      yield {
        path: `cam-${String(c).padStart(4, "0")}/frame-${String(f).padStart(8, "0")}.jpg`,
        size: 40_000 + (i % 997),
        version: `v${i.toString(36)}.${"x".repeat(24)}`,
        etag: `"${i.toString(16).padStart(32, "0")}"`,
      };
    }
  }
}

class MemoryStore implements Store {
  readonly url = "memory://bench";
  readonly kind = "s3" as const;
  private readonly meta = new Map<string, Buffer>();
  async mode() {
    return "versions" as const;
  }
  list(): AsyncIterable<Listed> {
    return listing(OBJECTS);
  }
  async pin(listed: Listed, previous: Row | undefined): Promise<Row> {
    return {
      path: listed.path,
      version: listed.version!,
      size: listed.size,
      sha256: previous && previous.version === listed.version ? previous.sha256 : null,
      ...(listed.etag ? { etag: listed.etag } : {}),
    };
  }
  fetch(): Promise<{ sha256: string; size: number }> {
    throw new Error("not in this bench");
  }
  upload(): Promise<Row> {
    throw new Error("not in this bench");
  }
  inspect(): Promise<null> {
    throw new Error("not in this bench");
  }
  currentVersion(): Promise<string | null> {
    throw new Error("not in this bench");
  }
  async metaLock(): Promise<null> {
    return null;
  }
  async defaultRetention(): Promise<null> {
    return null;
  }
  async readMeta(key: string): Promise<Buffer | null> {
    return this.meta.get(key) ?? null;
  }
  readFirst(key: string): Promise<Buffer | null> {
    return this.readMeta(key);
  }
  async createMeta(key: string, body: Buffer): Promise<"created" | "exists"> {
    if (this.meta.has(key)) return "exists";
    this.meta.set(key, body);
    return "created";
  }
  async listMeta(folder: string, max = Infinity): Promise<string[]> {
    return [...this.meta.keys()]
      .filter((k) => k.startsWith(folder))
      .sort()
      .slice(0, max);
  }
  async guarantee() {
    return "conditional-write" as const;
  }
  locate(): string | null {
    return null;
  }
  async who(): Promise<string> {
    return "bench";
  }
  close(): void {}
  /** Bytes of metadata kept (the manifest's gzipped chunks, commits, refs): held by the store, not the commit. */
  held(): number {
    let n = 0;
    for (const b of this.meta.values()) n += b.length;
    return n;
  }
}

const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) / 1024;
const store = new MemoryStore();
const base = hwm();
const t0 = performance.now();
const first = await commitRepo(store, { branch: "main", message: "bench" });
const firstMs = performance.now() - t0;
const afterFirst = hwm();
const t1 = performance.now();
const again = await commitRepo(store, { branch: "main", message: "bench again" });
const againMs = performance.now() - t1;
const held = store.held() / 1024 / 1024;
console.log(`stowage memory benchmark (synthetic listing, in-memory store; target: peak RSS under ${TARGET_MB} MB)`);
console.log(
  `  commit of ${first.files.toLocaleString("en-US")} objects: ${(firstMs / 1000).toFixed(1)} s, peak RSS ${afterFirst.toFixed(0)} MiB (process at start ${base.toFixed(0)} MiB; the store's own copy of the metadata written ${held.toFixed(0)} MiB is inside it) vs ${TARGET_MB} MB target: ${afterFirst * 1.048576 < TARGET_MB ? "met" : "NOT met"}`,
);
console.log(`  the same again (nothing changed, created: ${again.created}): ${(againMs / 1000).toFixed(1)} s, peak RSS ${hwm().toFixed(0)} MiB`);
