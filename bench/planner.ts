/**
 * `npm run bench` (planner part): placement search time over all regions × all S3 strategies × a 36-month horizon,
 * and the time from `npm start` to the planner's first frame in a pseudo-terminal. Prints figures only.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseWorkload } from "../planner/cost/workload.js";
import { defaultSnapshotDir, packageRoot } from "../planner/paths.js";
import { plan, S3_STRATEGIES } from "../planner/placement/plan.js";
import { place } from "../planner/placement/placement.js";
import { parseUsers } from "../planner/placement/users.js";
import { loadSnapshot } from "../planner/pricing/snapshot.js";
import { REGIONS } from "../planner/regions.js";

const root = packageRoot();
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms, min ${s[0]!.toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms (n=${s.length})`;
};
const time = (n: number, fn: () => unknown) =>
  Array.from({ length: n }, () => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  });

const workload = parseWorkload({ ...parse(readFileSync(join(root, "examples", "workload.yaml"), "utf8")), horizon_months: 36 });
const users = parseUsers(parse(readFileSync(join(root, "examples", "users.yaml"), "utf8")));
const { catalog } = await loadSnapshot(defaultSnapshotDir());
const priced = catalog.regions("AmazonS3").length;

time(2, () => plan({ workload, users, catalog }));
const full = time(10, () => plan({ workload, users, catalog }));
// The search alone, on a cost and latency table already built (what the UI re-runs when a pick changes).
const built = plan({ workload, users, catalog });
const candidates = built.ranking.map((r) => ({ region: r.region, monthlyCost: r.monthlyCost, strategy: r.strategy, latency: r.latency }));
const search = time(50, () => place({ candidates, constraints: users.constraints, distanceKm: () => 1000, replicaCost: () => null }));

console.log(`stowage plan benchmark (${REGIONS.length} regions, ${priced} with prices, ${S3_STRATEGIES.length} S3 strategies, 36 months, replica required)`);
console.log(`  plan (costs + replicas + search):  ${stats(full)}   target < 20 ms`);
console.log(`  search only (tables built):        ${stats(search)}`);

/** Milliseconds from spawning `command` in a pseudo-terminal (script(1)) until `marker` appears on it. */
function firstFrame(command: string, marker: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: root, env: { ...process.env, COLUMNS: "120", LINES: "50" } });
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no first frame within 10 s: ${out.slice(-300)}`));
    }, 10_000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes(marker)) {
        clearTimeout(timer);
        resolve(performance.now() - t0);
        child.kill("SIGKILL");
      }
    });
  });
}

const frames = async (command: string) => {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) xs.push(await firstFrame(command, "Workload from"));
  return xs;
};
try {
  console.log(`  npm start → first frame:            ${stats(await frames("npm start --silent -- --stack-dir /tmp"))}   target < 500 ms`);
  console.log(`  stowage planner → first frame:      ${stats(await frames(`${process.execPath} dist/bundle/cli.js planner --stack-dir /tmp`))}`);
} catch (err) {
  console.log(`  first frame: not measured (${(err as Error).message})`);
}
