/**
 * `npm run bench` (planner part): placement search time over all regions × all S3 strategies × a 36-month horizon,
 * and the time from `npm start` to the planner's first frame in a pseudo-terminal. Prints figures only.
 */
import { spawn } from "node:child_process";
import { build, type BuildOptions } from "esbuild";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { parseWorkload } from "../core/cost/workload.js";
import { defaultSnapshotDir, packageRoot } from "../core/paths.js";
import { plan, S3_STRATEGIES } from "../planner/placement/plan.js";
import { place } from "../planner/placement/placement.js";
import { parseUsers } from "../planner/placement/users.js";
import { Catalog, type PricedEntry } from "../core/pricing/catalog.js";
import { parsePriceList } from "../core/pricing/pricelist.js";
import { loadSnapshot, type SnapshotFile } from "../core/pricing/snapshot.js";
import { REGIONS, usagePrefix } from "../core/regions.js";
import { TARGET_MAX_ERROR, TARGET_MEDIAN_ERROR } from "../planner/latency/calibration.js";
import { offlineModel } from "../planner/latency/predict.js";

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
const snapshot = await loadSnapshot(defaultSnapshotDir());

/**
 * A catalog for timing only: us-east-1's prices copied to every region, and its rate to us-east-2 used between
 * every pair of regions. The shipped snapshot prices S3 in every region but data transfer in 14 (no feed gives it);
 * a refreshed one prices them all, and the search must stay fast then too.
 */
function everyRegionCatalog(files: Iterable<SnapshotFile>): Catalog {
  const source: PricedEntry[] = [];
  for (const file of files) {
    for (const response of file.responses.filter((r) => r.region === "us-east-1")) {
      const provenance = { source: "bench: us-east-1 copied", retrievedAt: response.retrievedAt };
      for (const entry of parsePriceList(response.PriceList).entries) source.push({ entry, provenance });
    }
  }
  const out: PricedEntry[] = [];
  for (const region of REGIONS.map((r) => r.code)) {
    for (const { entry, provenance } of source) {
      const to = entry.attributes.toRegionCode;
      if (to && to !== "us-east-2") continue;
      const destinations = to ? REGIONS.map((r) => r.code).filter((d) => d !== region) : [null];
      for (const d of destinations) {
        const attributes = { ...entry.attributes, ...(entry.attributes.fromRegionCode ? { fromRegionCode: region } : {}), ...(d ? { toRegionCode: d } : {}) };
        const usagetypeBase = d ? `${usagePrefix(d)}-AWS-Out-Bytes` : entry.usagetypeBase;
        out.push({
          entry: { ...entry, regionCode: entry.regionCode ? region : null, attributes, usagetypeBase, usagetype: `${usagePrefix(region)}-${usagetypeBase}` },
          provenance,
        });
      }
    }
  }
  return new Catalog(out);
}

const measure = (label: string, catalog: Catalog, who = users) => {
  time(5, () => plan({ workload, users: who, catalog }));
  const full = time(30, () => plan({ workload, users: who, catalog }));
  const result = plan({ workload, users: who, catalog });
  const priced = result.ranking.filter((r) => r.monthlyCost !== null).length;
  const pick = result.recommendation ? `${result.recommendation.primary} + ${result.recommendation.replicas.join(", ")}` : "none";
  console.log(`  ${label.padEnd(42)} ${stats(full)}   target < 20 ms   (${priced} regions costed, pick ${pick})`);
};
const allowAll = { ...users, constraints: { ...users.constraints, allowedRegions: null } };
// The offline latency model: calibrated once per process (the first estimate pays for it), judged on held-out medians.
const t0 = performance.now();
const { calibration: cal } = offlineModel();
const calibrateMs = performance.now() - t0;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(`offline latency model (${cal.regions} regions' medians of ${cal.asOf}, each left out in turn; \`stowage latency --calibration\`)`);
console.log(`  median held-out error:   ${pct(cal.medianAbsError).padStart(6)}   target ≤ ${pct(TARGET_MEDIAN_ERROR)}`);
console.log(
  `  largest held-out error:  ${pct(cal.maxAbsError).padStart(6)}   target ≤ ${pct(TARGET_MAX_ERROR)} (${pct(cal.over35)} of ${cal.heldOut.length} over)`,
);
console.log(`  calibration, once per process: ${calibrateMs.toFixed(1)} ms`);
console.log(`stowage plan benchmark (${REGIONS.length} regions, ${S3_STRATEGIES.length} S3 strategies, 36 months, replica required)`);
measure(`plan, shipped prices (${snapshot.catalog.regions("AmazonS3").length} regions priced):`, snapshot.catalog);
const everywhere = everyRegionCatalog(snapshot.files.values());
measure(`plan, all ${everywhere.regions("AmazonS3").length} regions priced and allowed:`, everywhere, allowAll);
// The search alone, on a cost and latency table already built (what the UI re-runs when a pick changes).
const built = plan({ workload, users, catalog: snapshot.catalog });
const candidates = built.ranking.map((r) => ({ region: r.region, latency: r.latency }));
const search = time(50, () => place({ candidates, constraints: users.constraints, distanceKm: () => 1000, option: built.option }));
console.log(`  ${"search only (tables built):".padEnd(42)} ${stats(search)}`);

/** Milliseconds from spawning `command` in a pseudo-terminal (script(1)) until `marker` appears on it. */
function firstFrame(command: string, marker: string, cwd = root): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd, env: { ...process.env, COLUMNS: "120", LINES: "50" } });
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

const frames = async (command: string, cwd = root) => {
  const xs: number[] = [];
  for (let i = 0; i < 7; i++) xs.push(await firstFrame(command, "Workload from", cwd));
  return xs;
};

/**
 * What any `npm start` costs before our code runs: npm itself, then a bare node that prints the marker at once.
 * The planner's own share is the difference.
 */
async function npmFloor(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), "stowage-npm-floor-"));
  try {
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "floor", private: true, scripts: { start: `node -e "process.stdout.write('Workload from')"` } }),
    );
    return await frames("npm start --silent", dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An Ink app that renders one line, bundled as the planner is: what Ink itself costs before a first frame, run
 * directly and through `npm start`.
 */
async function inkHello(): Promise<{ direct: number[]; npm: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), "stowage-ink-hello-"));
  try {
    // The same esbuild options as the command's bundle (scripts/bundle.mjs), Yoga plugin included.
    const { bundleOptions } = (await import(pathToFileURL(join(root, "scripts", "bundle.mjs")).href)) as { bundleOptions: (o: BuildOptions) => BuildOptions };
    await build(
      bundleOptions({
        stdin: { contents: `import { render, Text } from "ink";\nrender(<Text>Workload from</Text>);\n`, loader: "tsx", resolveDir: root },
        jsx: "automatic",
        outdir: dir,
      }),
    );
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "ink-hello", private: true, type: "module", scripts: { start: "node stdin.js" } }));
    return { direct: await frames(`${process.execPath} ${join(dir, "stdin.js")}`), npm: await frames("npm start --silent", dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  console.log(`  ${"npm start → first frame:".padEnd(42)} ${stats(await frames("npm start --silent -- --stack-dir /tmp"))}   target < 500 ms`);
  const planner = await frames(`${process.execPath} dist/bundle/cli.js planner --stack-dir /tmp`);
  console.log(`  ${"stowage planner → first frame:".padEnd(42)} ${stats(planner)}`);
  console.log(`  ${"floor: npm start of a bare node print:".padEnd(42)} ${stats(await npmFloor())}`);
  console.log(`  ${"floor: node printing at once:".padEnd(42)} ${stats(await frames(`${process.execPath} -e "process.stdout.write('Workload from')"`))}`);
  const hello = await inkHello();
  console.log(`  ${"floor: a one-line Ink app, bundled:".padEnd(42)} ${stats(hello.direct)}`);
  console.log(`  ${"planner / one-line Ink app (medians):".padEnd(42)} ${(median(planner) / median(hello.direct)).toFixed(2)}×   target ≤ 1.3×`);
  console.log(`  ${"floor: npm start of that Ink app:".padEnd(42)} ${stats(hello.npm)}`);
} catch (err) {
  console.log(`  first frame: not measured (${(err as Error).message})`);
}
