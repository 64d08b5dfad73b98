/**
 * `npm run bench`: the built command's start-up on each Node version available here, as `stowage cost` over a bare
 * `node -e 0` on the same Node (medians, runs interleaved so machine load hits both alike). Versions: the Node
 * running this, and every Node that .ci/node has fetched (newest per major in ~/.cache/stowage-ci; `.ci/node 22`
 * and `.ci/node 24` fetch them). From 22.8 on, the bin uses Node's compile cache: `cost` is timed with it warm (one
 * run first fills a fresh cache folder) and with it off (NODE_DISABLE_COMPILE_CACHE=1). Prints figures; asserts
 * nothing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { homedir, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { packageRoot } from "../core/paths.js";

const RUNS = Number(process.env.STOWAGE_BENCH_RUNS ?? 15);

/** The Node binaries to compare: this one first, then the newest cached per major (by version, not by name). */
function nodes(): string[] {
  const cache = process.env.STOWAGE_CI_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "stowage-ci");
  const order = (a: string, b: string) => {
    const [x, y] = [a, b].map((v) => v.split(".").map(Number));
    return x![0]! - y![0]! || x![1]! - y![1]! || x![2]! - y![2]!;
  };
  const versions = (existsSync(cache) ? readdirSync(cache) : [])
    .flatMap((name) => /^node-(\d+\.\d+\.\d+)$/.exec(name)?.[1] ?? [])
    .filter((v) => existsSync(join(cache, `node-${v}`, "bin", "node")))
    .sort(order);
  const newest = new Map(versions.map((v) => [Number(v.split(".")[0]), v])); // later (newer) ones overwrite
  const own = Number(process.versions.node.split(".")[0]);
  return [
    process.execPath,
    ...[...newest]
      .filter(([major]) => major !== own)
      .sort(([a], [b]) => a - b)
      .map(([, v]) => join(cache, `node-${v}`, "bin", "node")),
  ];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const root = packageRoot();
const cli = join(root, "dist", "bundle", "cli.js");
const cost = [cli, "cost", "--workload", join(root, "examples", "workload.yaml")];

// The machine's load beside the figures: on 2 shared cores a ratio moves with it (docs/tests.md gives both).
const load = () => loadavg()[0]!.toFixed(1);
console.log(`start-up per Node version: stowage cost (example) / node -e 0, medians of ${RUNS} interleaved runs (load average ${load()})`);
for (const node of nodes()) {
  const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  const cacheHome = mkdtempSync(join(tmpdir(), "stowage-bench-cache-"));
  const warm = { ...process.env, XDG_CACHE_HOME: cacheHome, NODE_COMPILE_CACHE: undefined };
  const off = { ...warm, NODE_DISABLE_COMPILE_CACHE: "1" };
  const run = (args: string[], env: NodeJS.ProcessEnv) => execFileSync(node, args, { stdio: "ignore", env });
  run(cost, warm); // fills the compile cache where there is one
  const bare: number[] = [],
    cached: number[] = [],
    uncached: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(time(() => run(["-e", "0"], off)));
    cached.push(time(() => run(cost, warm)));
    uncached.push(time(() => run(cost, off)));
  }
  rmSync(cacheHome, { recursive: true, force: true });
  const hasCache = Number(version.slice(1).split(".")[0]) > 22 || /^v22\.(?:[89]|[1-9]\d)\./.test(version);
  const ratio = (xs: number[]) => `${(median(xs) / median(bare)).toFixed(2)}×`;
  console.log(
    `  ${version.padEnd(9)} node -e 0 ${median(bare).toFixed(0)} ms; stowage cost ${median(uncached).toFixed(0)} ms = ${ratio(uncached)}` +
      ` (load ${load()})` +
      (hasCache ? `; with the compile cache ${median(cached).toFixed(0)} ms = ${ratio(cached)}` : " (no compile cache before Node 22.8)"),
  );
}
