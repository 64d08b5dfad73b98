/**
 * `node dist/bench/memory.js` (not CI): peak resident memory beside issue #26's 512 MB target, each part in its own
 * process (a process's peak is all it keeps, so two parts in one would hide each other):
 * - commit: BENCH_MEMORY_OBJECTS (1,000,000) objects from a synthetic listing into an in-memory store (the listing is
 *   generated as it is read, the metadata it writes is kept, gzipped, as a bucket would keep it), then a second commit
 *   that reads the first one's chunks back against a new listing (nothing changed);
 * - run: `stowage run` (runPipeline, the launcher of datalayer/launch.ts) over BENCH_MEMORY_DATUMS one-file datums
 *   (default 30,000 and 100,000: a datum costs a command start, so a million takes hours on 2 shared cores), with a
 *   command that writes one output per datum (`sh -c 'echo x > "$STOWAGE_OUT/$STOWAGE_DATUM.out"'`), --parallel 8.
 *   Input and output are synthetic stores whose metadata lives in a temporary folder, so what is measured is the run's
 *   own memory: the input commit, datums grouped as rows stream, records in batches, outputs sorted on disk, the
 *   output commit. Then the same run again in another process (nothing changed: every datum skipped by the first
 *   run's records). Printed: peak RSS per size and the slope between sizes (bytes per datum), which is what says
 *   whether a million fits.
 * Prints figures only.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { commitRepo } from "../datalayer/data.js";
import { runPipeline } from "../datalayer/run.js";
import { sha256, type Listed, type Row, type Store } from "../datalayer/store.js";

const OBJECTS = Number(process.env.BENCH_MEMORY_OBJECTS ?? 1_000_000);
const DATUMS = (process.env.BENCH_MEMORY_DATUMS ?? "30000,100000").split(",").map(Number);
const TARGET_MB = 512;
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) / 1024;

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

/** One image a datum: `img-NNNNNNNN.jpg`, in byte order. */
async function* images(n: number): AsyncIterable<Listed> {
  for (let i = 0; i < n; i++) yield { path: `img-${String(i).padStart(8, "0")}.jpg`, size: 64, version: `v${i.toString(36)}.${"x".repeat(24)}` };
}

/** Where a synthetic store keeps its metadata. */
interface Meta {
  read(key: string): Promise<Buffer | null>;
  create(key: string, body: Buffer): Promise<"created" | "exists">;
  list(folder: string, max: number): Promise<string[]>;
  held(): number;
}

class MemoryMeta implements Meta {
  private readonly meta = new Map<string, Buffer>();
  async read(key: string) {
    return this.meta.get(key) ?? null;
  }
  async create(key: string, body: Buffer) {
    if (this.meta.has(key)) return "exists" as const;
    this.meta.set(key, body);
    return "created" as const;
  }
  async list(folder: string, max: number) {
    return [...this.meta.keys()]
      .filter((k) => k.startsWith(folder))
      .sort()
      .slice(0, max);
  }
  held() {
    let n = 0;
    for (const b of this.meta.values()) n += b.length;
    return n;
  }
}

/** Metadata as files in a folder, as a folder repository keeps it: out of the process, as a bucket's would be. */
class DiskMeta implements Meta {
  constructor(private readonly dir: string) {}
  async read(key: string) {
    return readFile(join(this.dir, key)).catch(() => null);
  }
  async create(key: string, body: Buffer) {
    await mkdir(dirname(join(this.dir, key)), { recursive: true });
    return writeFile(join(this.dir, key), body, { flag: "wx" }).then(
      () => "created" as const,
      (err: NodeJS.ErrnoException) => {
        if (err.code === "EEXIST") return "exists" as const;
        throw err;
      },
    );
  }
  async list(folder: string, max: number) {
    const names = await readdir(join(this.dir, folder)).catch(() => [] as string[]);
    return names
      .sort()
      .slice(0, max)
      .map((n) => `${folder}${n}`);
  }
  held() {
    return 0;
  }
}

class SyntheticStore implements Store {
  readonly kind = "s3" as const;
  constructor(
    readonly url: string,
    private readonly files: () => AsyncIterable<Listed>,
    readonly meta: Meta,
  ) {}
  async mode() {
    return "versions" as const;
  }
  list(): AsyncIterable<Listed> {
    return this.files();
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
  /** The file's bytes are its path and version: a fetch writes them, nothing is held. */
  async fetch(path: string, version: string, dest: string): Promise<{ sha256: string; size: number }> {
    const body = `${path} ${version}\n`;
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, body);
    return { sha256: sha256(body), size: body.length };
  }
  /** An upload reads and hashes the file; the version is its hash (nothing is kept). */
  async upload(path: string, src: string): Promise<Row> {
    const body = await readFile(src);
    const hash = sha256(body);
    return { path, version: hash, size: body.length, sha256: hash };
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
  readMeta(key: string): Promise<Buffer | null> {
    return this.meta.read(key);
  }
  readFirst(key: string): Promise<Buffer | null> {
    return this.meta.read(key);
  }
  createMeta(key: string, body: Buffer): Promise<"created" | "exists"> {
    return this.meta.create(key, body);
  }
  listMeta(folder: string, max = Infinity): Promise<string[]> {
    return this.meta.list(folder, max);
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
}

async function commitPart(): Promise<void> {
  const store = new SyntheticStore("memory://bench", () => listing(OBJECTS), new MemoryMeta());
  const base = hwm();
  const t0 = performance.now();
  const first = await commitRepo(store, { branch: "main", message: "bench" });
  const firstMs = performance.now() - t0;
  const afterFirst = hwm();
  const t1 = performance.now();
  const again = await commitRepo(store, { branch: "main", message: "bench again" });
  const againMs = performance.now() - t1;
  const held = store.meta.held() / 1024 / 1024;
  console.log(
    `  commit of ${first.files.toLocaleString("en-US")} objects: ${(firstMs / 1000).toFixed(1)} s, peak RSS ${afterFirst.toFixed(0)} MiB (process at start ${base.toFixed(0)} MiB; the store's own copy of the metadata written ${held.toFixed(0)} MiB is inside it) vs ${TARGET_MB} MB target: ${afterFirst * 1.048576 < TARGET_MB ? "met" : "NOT met"}`,
  );
  console.log(`  the same again (nothing changed, created: ${again.created}): ${(againMs / 1000).toFixed(1)} s, peak RSS ${hwm().toFixed(0)} MiB`);
}

/**
 * One run of `n` datums whose repositories' metadata lives in `dir`: the first run processes every datum; run again
 * (`again`), nothing changed, so every datum is skipped by the records the first one wrote.
 */
async function runPart(n: number, dir: string, again: boolean): Promise<void> {
  mkdirSync(join(dir, "in"), { recursive: true });
  mkdirSync(join(dir, "out"), { recursive: true });
  const input = new SyntheticStore("memory://bench-in", () => images(n), new DiskMeta(join(dir, "in")));
  const output = new SyntheticStore("memory://bench-out", () => images(0), new DiskMeta(join(dir, "out")));
  const t0 = performance.now();
  const r = await runPipeline({
    input,
    output,
    inputRef: again ? "main" : undefined,
    command: ["sh", "-c", 'echo x > "$STOWAGE_OUT/$STOWAGE_DATUM.out"'],
    parallel: 8,
    cwd: dir,
    codeVersion: "bench",
    exitOnSignal: false,
  });
  const ms = performance.now() - t0;
  const record = readFileSync(join(dir, "out", "runs", `${r.run}.json`)).length;
  if (r.status !== "ok" || (again ? r.datums.skipped : r.datums.processed) !== n)
    throw new Error(`the run did not ${again ? "skip" : "process"} every datum: ${JSON.stringify(r.datums)}`);
  console.log(JSON.stringify({ datums: n, seconds: ms / 1000, peakMiB: hwm(), recordBytes: record }));
}

type Seen = { datums: number; seconds: number; peakMiB: number; recordBytes: number };
function child(self: string, args: string[]): Seen {
  const c = spawnSync(process.execPath, [self, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 20 });
  if (c.status !== 0) process.exit(c.status ?? 1);
  return JSON.parse(c.stdout.trim().split("\n").at(-1)!) as Seen;
}

const part = process.argv[2];
if (part === "commit") await commitPart();
else if (part === "run" || part === "again") await runPart(Number(process.argv[3]), process.argv[4]!, part === "again");
else {
  const self = fileURLToPath(import.meta.url);
  console.log(`stowage memory benchmark (synthetic stores; target: peak RSS under ${TARGET_MB} MB)`);
  const commit = spawnSync(process.execPath, [self, "commit"], { stdio: ["ignore", "inherit", "inherit"] });
  if (commit.status !== 0) process.exit(commit.status ?? 1);
  const seen: { first: Seen; again: Seen }[] = [];
  for (const n of DATUMS) {
    const dir = mkdtempSync(join(tmpdir(), "stowage-bench-memory-"));
    try {
      const first = child(self, ["run", String(n), dir]);
      const again = child(self, ["again", String(n), dir]);
      seen.push({ first, again });
      const met = (s: Seen) => `vs ${TARGET_MB} MB target: ${s.peakMiB * 1.048576 < TARGET_MB ? "met" : "NOT met"}`;
      console.log(
        `  run of ${n.toLocaleString("en-US")} one-file datums (--parallel 8, one output each): ${first.seconds.toFixed(0)} s (${(n / first.seconds).toFixed(0)} datums/s), peak RSS ${first.peakMiB.toFixed(0)} MiB ${met(first)}; run record ${(first.recordBytes / 1024).toFixed(1)} KiB`,
      );
      console.log(`  the same run again (every datum skipped): ${again.seconds.toFixed(0)} s, peak RSS ${again.peakMiB.toFixed(0)} MiB ${met(again)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (let i = 1; i < seen.length; i++) {
    for (const which of ["first", "again"] as const) {
      const a = seen[i - 1]![which];
      const b = seen[i]![which];
      const slope = ((b.peakMiB - a.peakMiB) * 1024 * 1024) / (b.datums - a.datums);
      const million = a.peakMiB + (slope * (1_000_000 - a.datums)) / 1024 / 1024;
      console.log(
        `  slope of the ${which === "first" ? "run" : "run again"}, ${a.datums.toLocaleString("en-US")} → ${b.datums.toLocaleString("en-US")} datums: ${slope.toFixed(0)} bytes of peak RSS per datum; at that slope 1,000,000 datums would peak at ${million.toFixed(0)} MiB`,
      );
    }
  }
}
