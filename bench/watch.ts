/**
 * `npm run bench` (watch part): stowage run --watch on a local Ceph RGW pushing each upload's event over HTTP.
 * Throughput: events → committed outputs per second for a trivial command at --parallel 1, 4 and 16, beside the
 * gateway's raw PutObject and GetObject rates (the floor: each datum is a GET, a process and two PUTs, and every
 * batch a commit). Latency: upload to committed output, one upload at a time, p50 and p95, beside the store's own
 * PUT → GET of one object (the floor of any upload-to-reader latency). Prints figures only.
 */
import { EXIT } from "../core/exit.js";
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openS3 } from "../datalayer/s3Store.js";
import { webhookSource } from "../datalayer/sources.js";
import { watch, type BatchReport } from "../datalayer/watch.js";
import { RGW_USER, rgwUnavailable, startRgw, rgwClient } from "../test/support/rgw.js";
import { pool } from "./pool.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300);
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 30);
const PORT = 18_091;

const why = rgwUnavailable();
if (why) {
  console.log(`watch benchmark skipped: ${why}`);
  process.exit(EXIT.OK);
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const rgw = startRgw();
process.env.AWS_ACCESS_KEY_ID = RGW_USER.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = RGW_USER.secretAccessKey;
try {
  const s3 = rgwClient(rgw);
  await s3.send(new CreateBucketCommand({ Bucket: "watch" }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: "watch", VersioningConfiguration: { Status: "Enabled" } }));
  const sns = new SNSClient({ region: "us-east-1", endpoint: rgw.endpoint, credentials: RGW_USER });
  const topic = await sns.send(new CreateTopicCommand({ Name: "bench", Attributes: { "push-endpoint": `http://127.0.0.1:${PORT}`, persistent: "false" } }));
  sns.destroy();
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: "watch",
      NotificationConfiguration: {
        TopicConfigurations: [
          { Id: "in", TopicArn: topic.TopicArn!, Events: ["s3:ObjectCreated:*"], Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "in-" }] } } },
        ],
      },
    }),
  );

  // The floor: raw PUT and GET with 16 in flight (no events are sent for raw/).
  const raw = Array.from({ length: EVENTS }, (_, i) => `raw/${i}.jpg`);
  let t = performance.now();
  await pool(raw, 16, (Key) => s3.send(new PutObjectCommand({ Bucket: "watch", Key, Body: "frame" })));
  const putRate = (EVENTS / (performance.now() - t)) * 1000;
  t = performance.now();
  await pool(raw, 16, async (Key) => (await s3.send(new GetObjectCommand({ Bucket: "watch", Key }))).Body!.transformToByteArray());
  const getRate = (EVENTS / (performance.now() - t)) * 1000;
  // The latency floor: one upload, then one read of it, one at a time — what any consumer of an upload waits at least.
  const floorMs: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await s3.send(new PutObjectCommand({ Bucket: "watch", Key: `raw/latency-${i}.jpg`, Body: "frame" }));
    await (await s3.send(new GetObjectCommand({ Bucket: "watch", Key: `raw/latency-${i}.jpg` }))).Body!.transformToByteArray();
    floorMs.push(performance.now() - t0);
  }

  const dir = mkdtempSync(join(tmpdir(), "stowage-watch-bench-"));
  const label = join(dir, "label.sh");
  writeFileSync(label, '#!/bin/sh\nfor f in "$STOWAGE_IN"/*; do echo label > "$STOWAGE_OUT/$(basename "$f").txt"; done\n');
  chmodSync(label, 0o755);

  /** Runs a watcher on in-NAME/ until `work` is done; returns its batches. */
  const withWatcher = async (name: string, parallel: number, work: (batches: BatchReport[]) => Promise<void>) => {
    const input = openS3("watch", `in-${name}/`, { endpoint: rgw.endpoint, region: "us-east-1" });
    const output = openS3("watch", `out-${name}/`, { endpoint: rgw.endpoint, region: "us-east-1" });
    const stop = new AbortController();
    const batches: BatchReport[] = [];
    let ready!: () => void;
    const listening = new Promise<void>((r) => (ready = r));
    const running = watch({
      input,
      output,
      command: [label],
      codeVersion: "bench",
      parallel,
      source: webhookSource("127.0.0.1", PORT),
      batchSize: 100,
      batchSeconds: 0.25,
      signal: stop.signal,
      onBatch: (b) => (batches.push(b), b.kind === "catch-up" && setTimeout(ready, 50)),
    });
    await listening;
    try {
      await work(batches);
    } finally {
      stop.abort();
      await running;
      input.close();
      output.close();
    }
  };
  const until = async (ok: () => boolean) => {
    while (!ok()) await new Promise((r) => setTimeout(r, 10));
  };

  const lines: string[] = [];
  for (const parallel of [1, 4, 16]) {
    await withWatcher(`p${parallel}`, parallel, async (batches) => {
      const keys = Array.from({ length: EVENTS }, (_, i) => `in-p${parallel}/cam-${i}.jpg`);
      const t0 = performance.now();
      await pool(keys, 16, (Key) => s3.send(new PutObjectCommand({ Bucket: "watch", Key, Body: "frame" })));
      await until(() => (batches.at(-1)?.totals.done ?? 0) >= EVENTS);
      const s = (performance.now() - t0) / 1000;
      lines.push(
        `  --parallel ${String(parallel).padStart(2)}: ${Math.round(EVENTS / s)} events/s committed (${EVENTS} uploads in ${s.toFixed(1)} s, ${batches.length - 1} batches)`,
      );
    });
  }
  const latencies: number[] = [];
  await withWatcher("latency", 4, async (batches) => {
    for (let i = 0; i < SAMPLES; i++) {
      const before = batches.at(-1)?.totals.done ?? 0;
      const t0 = performance.now();
      await s3.send(new PutObjectCommand({ Bucket: "watch", Key: `in-latency/cam-${i}.jpg`, Body: "frame" }));
      await until(() => (batches.at(-1)?.totals.done ?? 0) > before);
      latencies.push(performance.now() - t0);
    }
  });
  s3.destroy();
  console.log(
    `stowage run --watch benchmark (Ceph RGW on loopback pushing events over HTTP; batches of ≤100 events or 0.25 s) — load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (${cpus().length} cores)`,
  );
  console.log(
    `  floor: PutObject ${Math.round(putRate)}/s, GetObject ${Math.round(getRate)}/s with 16 in flight (each datum: 1 GET, a process, 1 HEAD and 2 PUTs)`,
  );
  for (const l of lines) console.log(l);
  console.log(
    `  upload → committed output, one at a time (${SAMPLES} uploads): p50 ${pct(latencies, 50).toFixed(0)} ms, p95 ${pct(latencies, 95).toFixed(0)} ms (the batch window is 250 ms of it); the store's PUT → GET floor p50 ${pct(floorMs, 50).toFixed(0)} ms, p95 ${pct(floorMs, 95).toFixed(0)} ms`,
  );
} finally {
  rgw.stop();
}
