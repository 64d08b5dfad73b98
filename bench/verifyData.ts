/**
 * `npm run bench` (data verify part): `stowage data verify` (every pinned version read back and hashed, the head
 * compared with the current listing, records checked) on BENCH_VERIFY_OBJECTS (100,000) objects in a versioned bucket
 * on a local Ceph RADOS Gateway, beside the gateway's raw GetObject of the same versions at the same concurrency
 * (BENCH_VERIFY_PARALLEL, 32): the floor a verifier cannot beat. Needs root and Debian's radosgw, ceph-mon, ceph-osd,
 * ceph-common. Prints figures only.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT } from "../core/exit.js";
import { packageRoot } from "../core/paths.js";
import { RGW_USER, rgwUnavailable, startRgw, rgwClient } from "../test/support/rgw.js";
import { pool } from "./pool.js";

const OBJECTS = Number(process.env.BENCH_VERIFY_OBJECTS ?? 100_000);
const PARALLEL = Number(process.env.BENCH_VERIFY_PARALLEL ?? 32);

const why = rgwUnavailable();
if (why) {
  console.log(`data verify benchmark skipped: ${why}`);
  process.exit(EXIT.OK);
}

/** Runs the built command; returns its wall time, peak resident memory and exit code. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; peakMiB: number; stdout: string; code: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(packageRoot(), "dist", "bundle", "cli.js"), ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    let peak = 0;
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const sample = setInterval(() => {
      try {
        peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0));
      } catch {
        // exited
      }
    }, 20);
    child.on("close", (code) => {
      clearInterval(sample);
      resolve({ ms: performance.now() - t0, peakMiB: peak / 1024, stdout, code: code ?? 1 });
    });
  });
}

const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString("en-US");

const rgw = startRgw();
try {
  const s3 = rgwClient(rgw, { maxAttempts: 5 });
  await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: "bench", VersioningConfiguration: { Status: "Enabled" } }));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: RGW_USER.accessKeyId, AWS_SECRET_ACCESS_KEY: RGW_USER.secretAccessKey, AWS_EC2_METADATA_DISABLED: "true" };
  const flags = ["--endpoint", rgw.endpoint, "--region", "us-east-1", "--json"];

  const keys = Array.from({ length: OBJECTS }, (_, i) => `big/cam-${i % 1000}/frame-${i}.jpg`);
  await pool(keys, PARALLEL, (Key) => s3.send(new PutObjectCommand({ Bucket: "bench", Key, Body: `frame ${Key}` })));
  const commit = await timed(["data", "commit", "s3://bench/big", ...flags], env);
  if (commit.code !== 0) throw new Error(`commit exited ${commit.code}`);

  // The floor: the same versions, GetObject by versionId, body read, at the same concurrency.
  const versions: { Key: string; VersionId: string }[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: "bench", Prefix: "big/", KeyMarker, VersionIdMarker }));
    for (const v of page.Versions ?? []) if (!v.Key!.includes("/.stowage/")) versions.push({ Key: v.Key!, VersionId: v.VersionId! });
    if (!page.IsTruncated) break;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
  const tRaw = performance.now();
  await pool(versions, PARALLEL, async (v) => (await s3.send(new GetObjectCommand({ Bucket: "bench", ...v }))).Body!.transformToByteArray());
  const rawMs = performance.now() - tRaw;

  const run = await timed(["data", "verify", "s3://bench/big", "--parallel", String(PARALLEL), ...flags], env);
  const r = JSON.parse(run.stdout) as { objects: number; ok: boolean; problems: unknown[] };
  if (run.code !== 0 || !r.ok || r.objects !== OBJECTS) throw new Error(`data verify: exit ${run.code}, ${r.objects} objects, ${r.problems.length} problems`);
  s3.destroy();
  console.log(`data verify, ${OBJECTS.toLocaleString("en-US")} objects at --parallel ${PARALLEL} (Ceph RGW on loopback):`);
  console.log(
    `  stowage data verify      ${(run.ms / 1000).toFixed(1)} s  ${perSecond(OBJECTS, run.ms)} objects/s  peak RSS ${Math.round(run.peakMiB)} MiB (process start, listing and records included)`,
  );
  console.log(
    `  raw GetObject by version ${(rawMs / 1000).toFixed(1)} s  ${perSecond(versions.length, rawMs)} objects/s  (the floor: same versions, same concurrency, bodies read, nothing hashed)`,
  );
  console.log(`  ratio                    ${(rawMs / run.ms).toFixed(2)} of the raw rate`);
} finally {
  rgw.stop();
}
