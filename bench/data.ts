/**
 * `npm run bench` (data part): the data layer against a local Ceph RADOS Gateway (tcp_nodelay=1), beside the gateway's
 * own raw rates (the floor a layer on top of it cannot beat): a commit of 100,000 objects (listing every version +
 * writing the manifest) vs ListObjectVersions alone (BENCH_OBJECTS=0 skips it); then BENCH_DATUMS (1,000) one-file
 * datums at --parallel 1/4/8 (BENCH_PARALLEL) through `stowage run`, a minimal client on the same SDK (list once, GET →
 * command → PUT per file) and the floor at the same concurrency (GET + PUT per file, no process), in BENCH_ROUNDS (3)
 * rounds with the tools alternated and the ratios taken per round, their median beside the target; the shell loop a
 * user would write (`aws s3 cp` down, the command, `aws s3 cp` up, xargs -P) in round 1 only, on BENCH_LOOP_DATUMS
 * (200) of the datums, since aws-cli takes ~0.7 s to start twice per file. Then the requests per datum of a full run
 * (the run's own included) and a re-run after 1% changed beside an `aws s3 sync` loop. Needs root, Debian's radosgw,
 * ceph-mon, ceph-osd, ceph-common and awscli. Prints figures only.
 */
import { EXIT } from "../core/exit.js";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { spawn } from "node:child_process";
import http from "node:http";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../core/paths.js";
import { RGW_USER, rgwUnavailable, startRgw, rgwClient } from "../test/support/rgw.js";
import { pool } from "./pool.js";

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 100_000);
const DATUMS = Number(process.env.BENCH_DATUMS ?? 1_000);
const CONCURRENCY = 32;
const PARALLEL = (process.env.BENCH_PARALLEL ?? "1,4,8").split(",").map(Number);
const CLI = join(packageRoot(), "dist", "bundle", "cli.js");
/** Another build's cli.js (e.g. main's before a change), timed beside this one in the same rounds. */
const BASE_CLI = process.env.BENCH_BASE_CLI;
/** Rounds at each --parallel; the tools alternate within each round, and the ratios are taken per round (0: none). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The shell loop runs in round 1 only, on this many of the datums (aws-cli starts in ~0.7 s, twice per file). */
const LOOP_DATUMS = Math.min(DATUMS, Number(process.env.BENCH_LOOP_DATUMS ?? 200));
/** BENCH_CPU_PROF=DIR: each stowage run writes a CPU profile there (node --cpu-prof), to see where its time goes. */
const PROFILE = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
type Tool = "stowage" | "base" | "sdk" | "floor" | "loop";
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const why = rgwUnavailable();
if (why) {
  console.log(`data benchmark skipped: ${why}`);
  process.exit(EXIT.OK);
}

/** Runs the built command; returns its wall time and peak resident memory (VmHWM, sampled until it exits). */
function timed(args: string[], env: NodeJS.ProcessEnv, cli = CLI): Promise<{ ms: number; peakMiB: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...PROFILE, cli, ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    let peak = 0;
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const sample = setInterval(() => {
      try {
        const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0);
        peak = Math.max(peak, kb);
      } catch {
        // exited
      }
    }, 20);
    child.on("close", (code) => {
      clearInterval(sample);
      if (code !== 0) reject(new Error(`stowage ${args.join(" ")} exited ${code}: ${stdout}`));
      else resolve({ ms: performance.now() - t0, peakMiB: peak / 1024, stdout });
    });
  });
}

/** Runs a shell line; fails on a non-zero exit. */
function sh(line: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn("sh", ["-c", line], { env: { ...env, AWS_DEFAULT_REGION: "us-east-1" }, stdio: ["ignore", "ignore", "inherit"] });
    child.on("close", (c) => (c === 0 ? ok() : fail(new Error(`${line} exited ${c}`))));
  });
}

/** A forwarding HTTP proxy to `target` that counts the requests through it. */
async function countingProxy(target: string): Promise<{ endpoint: string; count: number; close(): void }> {
  const to = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const state = { endpoint: "", count: 0, close: () => server.close() };
  const server = http.createServer((req, res) => {
    state.count++;
    const out = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent }, (back) => {
      res.writeHead(back.statusCode ?? 502, back.headers);
      back.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString("en-US")}/s`;

const rgw = startRgw();
try {
  const s3 = rgwClient(rgw);
  await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: "bench", VersioningConfiguration: { Status: "Enabled" } }));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: RGW_USER.accessKeyId, AWS_SECRET_ACCESS_KEY: RGW_USER.secretAccessKey, AWS_EC2_METADATA_DISABLED: "true" };
  const flags = ["--endpoint", rgw.endpoint, "--region", "us-east-1", "--json"];

  // --- commit of OBJECTS objects (BENCH_OBJECTS=0 skips it) ---
  let commitLines: string[] = [];
  if (OBJECTS > 0) {
    const keys = Array.from({ length: OBJECTS }, (_, i) => `big/cam-${i % 1000}/frame-${i}.jpg`);
    const tPut = performance.now();
    await pool(keys, CONCURRENCY, (Key) => s3.send(new PutObjectCommand({ Bucket: "bench", Key, Body: "x" })));
    const putMs = performance.now() - tPut;
    const tList = performance.now();
    let listed = 0;
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: "bench", Prefix: "big/", KeyMarker, VersionIdMarker }));
      listed += page.Versions?.length ?? 0;
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
    const listMs = performance.now() - tList;
    const commit = await timed(["data", "commit", "s3://bench/big", ...flags], env);
    const committed = JSON.parse(commit.stdout) as { files: number };
    if (committed.files !== OBJECTS) throw new Error(`committed ${committed.files} of ${OBJECTS}`);
    const recommit = await timed(["data", "commit", "s3://bench/big", ...flags], env);
    commitLines = [
      `  floor: PutObject ${rate(OBJECTS, putMs)}, ListObjectVersions ${rate(listed, listMs)} objects listed`,
      `  commit of ${OBJECTS.toLocaleString("en-US")} objects: ${rate(OBJECTS, commit.ms)} objects (${(commit.ms / 1000).toFixed(1)} s), peak ${commit.peakMiB.toFixed(0)} MiB; nothing changed: ${(recommit.ms / 1000).toFixed(1)} s`,
    ];
  }

  // --- DATUMS one-file datums at each --parallel: stowage run, a minimal SDK client, the shell loop, the floor ---
  const inputs = Array.from({ length: DATUMS }, (_, i) => `runin/cam-${i}.jpg`);
  await pool(inputs, CONCURRENCY, (Key) => s3.send(new PutObjectCommand({ Bucket: "bench", Key, Body: "frame" })));
  const dir = mkdtempSync(join(tmpdir(), "stowage-bench-"));
  const label = join(dir, "label.sh");
  writeFileSync(label, '#!/bin/sh\nfor f in "$STOWAGE_IN"/*; do echo label > "$STOWAGE_OUT/$(basename "$f").txt"; done\n');
  chmodSync(label, 0o755);
  const files = (n: number, ms: number) => (n / ms) * 1000;
  const runArgsAt = (parallel: number, out: string, endpointFlags = flags) => [
    "run",
    "--in",
    "s3://bench/runin",
    "--out",
    out,
    "--parallel",
    String(parallel),
    "--code-version",
    "bench",
    ...endpointFlags,
    "--",
    label,
  ];
  // The shell loop a user would write: aws s3 cp down, the command, aws s3 cp up (xargs -P for the concurrency).
  const loop = join(dir, "loop.sh");
  writeFileSync(
    loop,
    `#!/bin/sh\nset -e\nw=$(mktemp -d); mkdir "$w/in" "$w/out"\naws s3 cp --quiet --endpoint-url ${rgw.endpoint} "s3://bench/runin/$2" "$w/in/$2"\n` +
      `STOWAGE_IN="$w/in" STOWAGE_OUT="$w/out" ${label}\naws s3 cp --quiet --endpoint-url ${rgw.endpoint} "$w/out/$2.txt" "s3://bench/$1/$2.txt"\nrm -rf "$w"\n`,
  );
  chmodSync(loop, 0o755);
  /** Each tool once at `parallel`, writing under `tag`; returns files per second (and stowage's peak memory). */
  const tools: Record<Tool, (parallel: number, tag: string) => Promise<{ perSec: number; peakMiB?: number }>> = {
    async stowage(parallel, tag) {
      const r = await timed(runArgsAt(parallel, `s3://bench/runout-${tag}`), env);
      const d = (JSON.parse(r.stdout) as { datums: { processed: number } }).datums;
      if (d.processed !== DATUMS) throw new Error(`processed ${d.processed} of ${DATUMS}`);
      return { perSec: files(DATUMS, r.ms), peakMiB: r.peakMiB };
    },
    async base(parallel, tag) {
      const r = await timed(runArgsAt(parallel, `s3://bench/base-${tag}`), env, BASE_CLI);
      return { perSec: files(DATUMS, r.ms) };
    },
    // The minimal client on the same SDK: list once, then GET → command → PUT per file.
    async sdk(parallel, tag) {
      const t0 = performance.now();
      const toDo: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: "bench", Prefix: "runin/", ContinuationToken }));
        for (const o of page.Contents ?? []) if (!o.Key!.includes("/.stowage/")) toDo.push(o.Key!); // the run's input commit
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
      await pool(toDo, parallel, async (Key) => {
        const work = mkdtempSync(join(dir, "sdk-"));
        const [inDir, outDir] = [join(work, "in"), join(work, "out")];
        mkdirSync(inDir);
        mkdirSync(outDir);
        const name = Key.slice("runin/".length);
        writeFileSync(join(inDir, name), await (await s3.send(new GetObjectCommand({ Bucket: "bench", Key }))).Body!.transformToByteArray());
        await new Promise<void>((ok, fail) =>
          spawn(label, [], { env: { ...process.env, STOWAGE_IN: inDir, STOWAGE_OUT: outDir }, stdio: "ignore" }).on("close", (c) =>
            c === 0 ? ok() : fail(new Error(`label exited ${c}`)),
          ),
        );
        await s3.send(new PutObjectCommand({ Bucket: "bench", Key: `sdk-${tag}/${name}.txt`, Body: readFileSync(join(outDir, `${name}.txt`)) }));
        rmSync(work, { recursive: true, force: true });
      });
      return { perSec: files(toDo.length, performance.now() - t0) };
    },
    // The floor at this concurrency: GET and PUT per file, nothing else.
    async floor(parallel, tag) {
      const t0 = performance.now();
      await pool(inputs, parallel, async (Key) => {
        await (await s3.send(new GetObjectCommand({ Bucket: "bench", Key }))).Body!.transformToByteArray();
        await s3.send(new PutObjectCommand({ Bucket: "bench", Key: `floor-${tag}/${Key}`, Body: "label" }));
      });
      return { perSec: files(DATUMS, performance.now() - t0) };
    },
    async loop(parallel, tag) {
      const t0 = performance.now();
      await new Promise<void>((ok, fail) => {
        const x = spawn("xargs", ["-P", String(parallel), "-n", "1", loop, `loop-${tag}`], {
          env: { ...env, AWS_DEFAULT_REGION: "us-east-1" },
          stdio: ["pipe", "ignore", "inherit"],
        });
        x.stdin.end(
          inputs
            .slice(0, LOOP_DATUMS)
            .map((k) => k.slice("runin/".length))
            .join("\n") + "\n",
        );
        x.on("close", (c) => (c === 0 ? ok() : fail(new Error(`shell loop exited ${c}`))));
      });
      return { perSec: files(LOOP_DATUMS, performance.now() - t0) };
    },
  };
  const lines: string[] = [];
  const f = (n: number) => n.toFixed(1);
  const x = (n: number) => `${n.toFixed(2)}x`;
  for (const parallel of ROUNDS > 0 ? PARALLEL : []) {
    const got: Record<Tool, number[]> = { stowage: [], base: [], sdk: [], floor: [], loop: [] };
    let peak = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Alternated within the round: each round starts one tool later, so no tool always runs first (or last).
      const order: Tool[] = ["stowage", "sdk", "floor", ...(BASE_CLI ? (["base"] as const) : [])];
      for (let i = 0; i < round % order.length; i++) order.push(order.shift()!);
      if (round === 0 && LOOP_DATUMS > 0) order.splice(1, 0, "loop"); // the loop in round 1 only (aws starts in ~0.7 s)
      for (const tool of order) {
        const m = await tools[tool](parallel, `${parallel}-${round}`);
        got[tool].push(m.perSec);
        peak = Math.max(peak, m.peakMiB ?? 0);
      }
    }
    // Per round: stowage's time ÷ the other tool's (files/s the other way round); the median over the rounds.
    const perRound = (other: number[]) => other.map((o, i) => o / got.stowage[i]!);
    const vsSdk = perRound(got.sdk);
    const vsFloor = perRound(got.floor);
    const rounds = (xs: number[]) => xs.map((n) => n.toFixed(2)).join(" / ");
    lines.push(
      `  --parallel ${parallel} (load ${loadavg()[0]!.toFixed(1)}): files/s per round — stowage run ${rounds(got.stowage)} (peak ${peak.toFixed(0)} MiB), ` +
        `minimal SDK client ${rounds(got.sdk)}, floor (GET+PUT) ${rounds(got.floor)}` +
        (got.loop.length ? `, shell loop ${rounds(got.loop)} (round 1, ${LOOP_DATUMS} datums)` : "") +
        (BASE_CLI ? `, before (BENCH_BASE_CLI) ${rounds(got.base)}` : ""),
      `      stowage time ÷ minimal client ${rounds(vsSdk)}: median ${x(median(vsSdk))} (target ≤ 1.15x); ÷ floor median ${x(median(vsFloor))}` +
        (got.loop.length ? `; stowage ÷ shell loop files/s ${x(got.stowage[0]! / got.loop[0]!)} (target ≥ 1x)` : "") +
        (BASE_CLI ? `; now ÷ before files/s median ${x(median(got.stowage.map((s, i) => s / got.base[i]!)))}` : "") +
        `; medians ${f(median(got.stowage))} / ${f(median(got.sdk))} / ${f(median(got.floor))} files/s`,
    );
  }
  const skip = ROUNDS > 0 ? await timed(runArgsAt(PARALLEL.at(-1)!, `s3://bench/runout-${PARALLEL.at(-1)}-0`), env) : null;

  // Requests per datum, counted by a forwarding proxy in front of the gateway (SigV4 signs the Host header, which the
  // proxy passes on unchanged): a first run into a new output, then a re-run after 1% of the inputs changed, beside
  // the sync loop a user would write for that (aws s3 sync down, the command on what it downloaded, aws s3 cp up).
  const proxy = await countingProxy(rgw.endpoint);
  const viaProxy = ["--endpoint", proxy.endpoint, "--region", "us-east-1", "--json"];
  const runArgs = (out: string) => runArgsAt(4, out, viaProxy);
  proxy.count = 0;
  await timed(runArgs("s3://bench/counted"), env);
  const firstRequests = proxy.count;
  const mirror = join(dir, "mirror");
  // --no-progress: without it aws-cli v1 writes "Completed …\r" before each "download: …" line, so no line starts with
  // "download:" and the loop would run no command at all (it did until this was found).
  const sync = (to: string) => `aws s3 sync --no-progress --endpoint-url ${rgw.endpoint} --exclude '.stowage/*' s3://bench/runin ${to}`;
  await sh(`${sync(mirror)} >/dev/null`, env); // the loop's warm copy, as a user who synced yesterday has
  const changed = Math.ceil(DATUMS / 100);
  await pool(inputs.slice(0, changed), CONCURRENCY, (Key) => s3.send(new PutObjectCommand({ Bucket: "bench", Key, Body: "frame, changed" })));
  proxy.count = 0;
  const rerun = await timed(runArgs("s3://bench/counted"), env);
  const rerunRequests = proxy.count;
  const rerunDatums = (JSON.parse(rerun.stdout) as { datums: { processed: number } }).datums.processed;
  const tSync = performance.now();
  await sh(
    `${sync(mirror)} | sed -n 's|^download: s3://bench/runin/\\([^ ]*\\) to .*|\\1|p' | while read f; do w=$(mktemp -d); mkdir "$w/in" "$w/out"; cp "${mirror}/$f" "$w/in/"; ` +
      `STOWAGE_IN="$w/in" STOWAGE_OUT="$w/out" ${label}; aws s3 cp --quiet --endpoint-url ${rgw.endpoint} "$w/out/$f.txt" "s3://bench/synced/$f.txt"; rm -rf "$w"; done`,
    env,
  );
  const syncMs = performance.now() - tSync;
  const synced = (await s3.send(new ListObjectsV2Command({ Bucket: "bench", Prefix: "synced/" }))).KeyCount ?? 0;
  if (synced !== changed) throw new Error(`the sync loop uploaded ${synced} outputs for ${changed} changed inputs`);
  proxy.close();
  s3.destroy();

  console.log(
    `stowage data benchmark (Ceph RGW on loopback with tcp_nodelay=1; raw rates with ${CONCURRENCY} requests in flight are the commit's floor) — load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (${cpus().length} cores)`,
  );
  for (const line of commitLines) console.log(line);
  console.log(
    `  ${DATUMS.toLocaleString("en-US")} one-file datums (each tool at the same concurrency, ${ROUNDS} rounds, alternated; the floor is GET+PUT per file with no process; the shell loop in round 1 only, on ${LOOP_DATUMS} of the datums: BENCH_LOOP_DATUMS):`,
  );
  for (const line of lines) console.log(line);
  if (skip) console.log(`  the same run again (every datum skipped): ${(skip.ms / 1000).toFixed(1)} s`);
  console.log(
    `  requests per datum (counting proxy, --parallel 4, the run's own included): first run ${(firstRequests / DATUMS).toFixed(3)} (${firstRequests} for ${DATUMS}; target ≤ 2.05); floor 2 (GET + PUT)`,
  );
  console.log(
    `  re-run after 1% changed (${rerunDatums} run, ${DATUMS - rerunDatums} skipped): stowage run ${(rerun.ms / 1000).toFixed(1)} s, ${rerunRequests} requests; sync loop (aws s3 sync + command + aws s3 cp) ${(syncMs / 1000).toFixed(1)} s | stowage/sync ${(rerun.ms / syncMs).toFixed(2)}x (target ≤ 1.2x)`,
  );
} finally {
  rgw.stop();
}
