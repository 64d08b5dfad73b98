/**
 * `npm run bench`: how long `stowage cost` takes. Prints figures; asserts nothing.
 * - compute: estimate() for a 36-month, all-options workload with replication, prices already loaded
 * - load: reading the shipped snapshot (34 regions); its answers are parsed when a region's prices are first used,
 *   which the first estimate after a load pays for
 * - start-up: the built command, `--help` and the full `cost` run, as separate processes
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parse } from "yaml";
import { estimate } from "../core/cost/horizon.js";
import { parseWorkload } from "../core/cost/workload.js";
import { defaultSnapshotDir, packageRoot } from "../core/paths.js";
import { loadSnapshot } from "../core/pricing/snapshot.js";

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms, min ${s[0]!.toFixed(1)} ms (n=${s.length})`;
}

function time(n: number, fn: () => unknown): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

const root = packageRoot();
const example = parse(readFileSync(join(root, "examples", "workload.yaml"), "utf8"));
const workload = parseWorkload({ ...example, horizon_months: 36, replication: { regions: ["us-west-2"] } });

const loads: number[] = [];
let snapshot = await loadSnapshot(defaultSnapshotDir());
for (let i = 0; i < 10; i++) {
  const t = performance.now();
  snapshot = await loadSnapshot(defaultSnapshotDir());
  loads.push(performance.now() - t);
}
const firsts: number[] = [];
for (let i = 0; i < 10; i++) {
  const fresh = await loadSnapshot(defaultSnapshotDir());
  const t = performance.now();
  estimate(workload, fresh.catalog, fresh.asOf);
  firsts.push(performance.now() - t);
}
const lines = estimate(workload, snapshot.catalog, snapshot.asOf).options.reduce((n, o) => n + o.months.reduce((m, x) => m + x.lines.length, 0), 0);
time(3, () => estimate(workload, snapshot.catalog, snapshot.asOf)); // warm-up
const compute = time(20, () => estimate(workload, snapshot.catalog, snapshot.asOf));

const cli = join(root, "dist", "bundle", "cli.js");
const proc = (args: string[]) => time(10, () => execFileSync(process.execPath, [cli, ...args], { stdio: "ignore" }));
const bare = time(10, () => execFileSync(process.execPath, ["-e", "0"], { stdio: "ignore" }));
const help = proc(["--help"]);
const cost = proc(["cost", "--workload", join(root, "examples", "workload.yaml")]);

console.log(`stowage cost benchmark (node ${process.version}, ${lines} line items: 10 options × 36 months, 1 replica region)`);
console.log(`  compute (estimate, prices loaded):   ${stats(compute)}   target: well under 100 ms`);
console.log(`  load the price snapshot (${snapshot.catalog.regions().length} regions):  ${stats(loads)}`);
console.log(`  first estimate after a load:         ${stats(firsts)}   (parses the region's answers)`);
console.log(`  process: node -e 0 (baseline):       ${stats(bare)}`);
console.log(`  process: stowage --help:             ${stats(help)}`);
console.log(`  process: stowage cost (example):     ${stats(cost)}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`  stowage cost / node -e 0 (medians):   ${(median(cost) / median(bare)).toFixed(2)}×   target ≤ 2×`);
