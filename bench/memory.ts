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
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { commitRepo } from "../datalayer/data.js";
import { runPipeline } from "../datalayer/run.js";
import { DiskMeta, MemoryMeta, SyntheticStore, images, listing } from "../test/support/synthetic.js";

const OBJECTS = Number(process.env.BENCH_MEMORY_OBJECTS ?? 1_000_000);
const DATUMS = (process.env.BENCH_MEMORY_DATUMS ?? "30000,100000").split(",").map(Number);
const TARGET_MB = 512;
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) / 1024;

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
  let said = t0;
  const r = await runPipeline({
    input,
    output,
    inputRef: again ? "main" : undefined,
    command: ["sh", "-c", 'echo x > "$STOWAGE_OUT/$STOWAGE_DATUM.out"'],
    parallel: 8,
    cwd: dir,
    codeVersion: "bench",
    exitOnSignal: false,
    // A line to stderr every 30 s: how far a long run got, and its peak so far (what to report if it is stopped).
    progress: (what, done, of, atLeast) => {
      if (what !== "datums done" || performance.now() - said < 30_000) return;
      said = performance.now();
      console.error(
        `    ${what}: ${done} of ${atLeast ? "at least " : ""}${of} after ${((said - t0) / 1000).toFixed(0)} s, peak RSS so far ${hwm().toFixed(0)} MiB`,
      );
    },
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
