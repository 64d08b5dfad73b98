/**
 * `npm run bench` (data part): the data layer against a local Ceph RADOS Gateway, beside the gateway's own raw rates
 * (the floor a layer on top of it cannot beat): a commit of 100,000 objects (listing every version + writing the
 * manifest) vs ListObjectVersions alone, and a 1,000-datum run vs raw GetObject and PutObject, with the peak memory
 * of the command. Needs root and Debian's radosgw, ceph-mon, ceph-osd, ceph-common. Prints figures only.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../core/paths.js";
import { RGW_USER, rgwUnavailable, startRgw } from "../test/support/rgw.js";
import { pool } from "./pool.js";

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 100_000);
const DATUMS = Number(process.env.BENCH_DATUMS ?? 1_000);
const CONCURRENCY = 32;

const why = rgwUnavailable();
if (why) {
  console.log(`data benchmark skipped: ${why}`);
  process.exit(0);
}


/** Runs the built command; returns its wall time and peak resident memory (VmHWM, sampled until it exits). */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; peakMiB: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(packageRoot(), "dist", "bundle", "cli.js"), ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
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

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString("en-US")}/s`;

const rgw = startRgw();
try {
  const s3 = new S3Client({ region: "us-east-1", endpoint: rgw.endpoint, forcePathStyle: true, credentials: RGW_USER, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
  await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: "bench", VersioningConfiguration: { Status: "Enabled" } }));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: RGW_USER.accessKeyId, AWS_SECRET_ACCESS_KEY: RGW_USER.secretAccessKey, AWS_EC2_METADATA_DISABLED: "true" };
  const flags = ["--endpoint", rgw.endpoint, "--region", "us-east-1", "--json"];

  // --- commit of OBJECTS objects ---
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

  // --- a run of DATUMS datums ---
  const inputs = Array.from({ length: DATUMS }, (_, i) => `runin/cam-${i}.jpg`);
  await pool(inputs, CONCURRENCY, (Key) => s3.send(new PutObjectCommand({ Bucket: "bench", Key, Body: "frame" })));
  const tGet = performance.now();
  await pool(inputs, CONCURRENCY, async (Key) => (await s3.send(new GetObjectCommand({ Bucket: "bench", Key }))).Body!.transformToByteArray());
  const getMs = performance.now() - tGet;
  const tPut2 = performance.now();
  await pool(inputs, CONCURRENCY, (Key) => s3.send(new PutObjectCommand({ Bucket: "bench", Key: `raw-put/${Key}`, Body: "label" })));
  const put2Ms = performance.now() - tPut2;
  s3.destroy();
  const dir = mkdtempSync(join(tmpdir(), "stowage-bench-"));
  const label = join(dir, "label.sh");
  writeFileSync(label, '#!/bin/sh\nfor f in "$STOWAGE_IN"/*; do echo label > "$STOWAGE_OUT/$(basename "$f").txt"; done\n');
  chmodSync(label, 0o755);
  const runs: string[] = [];
  for (const parallel of [1, 8]) {
    const r = await timed(["run", "--in", "s3://bench/runin", "--out", `s3://bench/runout-${parallel}`, "--parallel", String(parallel), "--code-version", "bench", ...flags, "--", label], env);
    const d = (JSON.parse(r.stdout) as { datums: { processed: number } }).datums;
    if (d.processed !== DATUMS) throw new Error(`processed ${d.processed} of ${DATUMS}`);
    runs.push(`  run of ${DATUMS.toLocaleString("en-US")} datums, --parallel ${parallel}: ${rate(DATUMS, r.ms)} datums (${(r.ms / 1000).toFixed(1)} s), peak ${r.peakMiB.toFixed(0)} MiB`);
  }
  const skip = await timed(["run", "--in", "s3://bench/runin", "--out", "s3://bench/runout-8", "--parallel", "8", "--code-version", "bench", ...flags, "--", label], env);

  console.log(`stowage data benchmark (Ceph RGW on loopback; raw rates with ${CONCURRENCY} requests in flight are the floor)`);
  console.log(`  floor: PutObject ${rate(OBJECTS, putMs)}, ListObjectVersions ${rate(listed, listMs)} objects listed`);
  console.log(`  commit of ${OBJECTS.toLocaleString("en-US")} objects: ${rate(OBJECTS, commit.ms)} objects (${(commit.ms / 1000).toFixed(1)} s), peak ${commit.peakMiB.toFixed(0)} MiB; nothing changed: ${(recommit.ms / 1000).toFixed(1)} s`);
  console.log(`  floor: GetObject ${rate(DATUMS, getMs)}, PutObject ${rate(DATUMS, put2Ms)} (each datum: 1 GET, a process, 1 HEAD and 2 PUTs)`);
  for (const line of runs) console.log(line);
  console.log(`  the same run again (every datum skipped): ${(skip.ms / 1000).toFixed(1)} s`);
} finally {
  rgw.stop();
}
