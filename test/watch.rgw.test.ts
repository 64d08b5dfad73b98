/**
 * stowage run --watch on a real S3 store: Ceph RGW pushes each upload's event over HTTP (a topic with an http push
 * endpoint) to the built command's --listen receiver. Uploads one by one are processed within seconds, with
 * provenance naming the uploaded versionId; a failing image goes to the failure path without stopping the rest;
 * SIGTERM finishes and commits; uploads made while no watcher ran are caught up at the next start; nothing is
 * processed twice (output versions counted).
 */
import { ListObjectVersionsCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { packageRoot } from "../core/paths.js";
import { stowage, type Place } from "./support/dataSuite.js";
import { RGW_USER, describeRgw, versionedBucket } from "./support/rgw.js";

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

interface Watcher {
  readonly child: ChildProcess;
  readonly batches: any[];
  stderr: string;
  /** Resolves when a batch line satisfying `until` has arrived. */
  waitFor(until: (b: any, all: any[]) => boolean, ms?: number): Promise<any>;
  exited: Promise<number | null>;
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

describeRgw("stowage run --watch on Ceph RGW (HTTP push)", ({ rgw, s3, env, flags }) => {
  let port: number;
  const dir = mkdtempSync(join(tmpdir(), "stowage-watch-"));
  const label = join(dir, "label.sh");
  writeFileSync(
    label,
    '#!/bin/sh\nset -e\ncd "$STOWAGE_IN"\nfind . -type f | while IFS= read -r f; do\n  case "$f" in *bad*) echo "cannot read $f" >&2; exit 4;; esac\n  mkdir -p "$STOWAGE_OUT/$(dirname "$f")"; wc -c < "$f" > "$STOWAGE_OUT/$f.txt"\ndone\n',
  );
  chmodSync(label, 0o755);

  const start = (command = label, listenPort = port): Watcher => {
    const args = [
      "run",
      "--watch",
      "--listen",
      `127.0.0.1:${listenPort}`,
      "--in",
      "s3://cams/uploads",
      "--out",
      "s3://cams/processed",
      "--glob",
      "/*/*",
      "--batch-seconds",
      "0.3",
      "--code-version",
      "v1",
      ...flags,
      "--report-seconds",
      "1",
      "--json",
      "--",
      command,
    ];
    const child = spawn(process.execPath, [join(packageRoot(), "dist", "bundle", "cli.js"), ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    const w: Watcher = {
      child,
      batches: [],
      stderr: "",
      exited: new Promise((resolve) => child.on("close", (code) => resolve(code))),
      // Bounded, so a watcher that does not stop fails the test with its output instead of hanging it.
      stop(signal) {
        child.kill(signal);
        return Promise.race([
          w.exited,
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`the watcher did not exit within 30 s of ${signal}; stderr: ${w.stderr}`)), 30_000).unref(),
          ),
        ]);
      },
      waitFor(until, ms = 30_000) {
        return new Promise((resolve, reject) => {
          const check = () => {
            const hit = w.batches.find((b) => until(b, w.batches));
            if (hit) {
              clearInterval(timer);
              clearTimeout(limit);
              resolve(hit);
            }
          };
          const timer = setInterval(check, 50);
          const limit = setTimeout(() => {
            clearInterval(timer);
            reject(new Error(`no such batch within ${ms} ms; batches: ${JSON.stringify(w.batches)}; stderr: ${w.stderr}`));
          }, ms);
          check();
        });
      },
    };
    let partial = "";
    child.stdout.on("data", (c: Buffer) => {
      const lines = (partial + c.toString()).split("\n");
      partial = lines.pop()!;
      for (const l of lines) if (l.trim()) w.batches.push(JSON.parse(l));
    });
    child.stderr.on("data", (c: Buffer) => (w.stderr += c.toString()));
    return w;
  };
  const done = (w: Watcher) => w.batches.at(-1)?.totals.done ?? 0;
  const put = async (key: string, body: string) => (await s3.send(new PutObjectCommand({ Bucket: "cams", Key: key, Body: body }))).VersionId!;
  const versionsOf = async (key: string) =>
    ((await s3.send(new ListObjectVersionsCommand({ Bucket: "cams", Prefix: key }))).Versions ?? []).filter((v) => v.Key === key).length;
  const place = () => ({ flags, env }) as unknown as Place;

  beforeAll(async () => {
    port = await freePort();
    await versionedBucket(s3, "cams");
    const sns = new SNSClient({ region: "us-east-1", endpoint: rgw.endpoint, credentials: RGW_USER });
    const topic = await sns.send(new CreateTopicCommand({ Name: "uploads", Attributes: { "push-endpoint": `http://127.0.0.1:${port}`, persistent: "false" } }));
    sns.destroy();
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: "cams",
        NotificationConfiguration: {
          TopicConfigurations: [
            {
              Id: "uploads",
              TopicArn: topic.TopicArn!,
              Events: ["s3:ObjectCreated:*"],
              Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "uploads/" }] } },
            },
          ],
        },
      }),
    );
  }, 60_000);

  it("processes each upload within seconds, sends a failing one to the failure path, stops cleanly and catches up", async () => {
    const before = await put("uploads/home-1/before.jpg", "uploaded before any watcher");
    const w = start();
    const caughtUp = await w.waitFor((b) => b.kind === "catch-up");
    expect(caughtUp).toMatchObject({ status: "ok", datums: { processed: 1 } });

    // One by one, as cameras upload.
    const versions: Record<string, string> = { "home-1/before.jpg": before };
    for (let i = 0; i < 4; i++) {
      const path = `home-${i % 2}/frame-${i}.jpg`;
      versions[path] = await put(`uploads/${path}`, `frame ${i}`.repeat(i + 1));
      const n = done(w);
      const batch = await w.waitFor((b) => b.kind === "batch" && b.totals.done > n);
      // Within seconds, judged against the catch-up measured now (pin, run one datum, commit: a batch's work), not
      // a constant: the 0.3 s batch window plus three catch-ups. A poll instead of a push would be a minute behind.
      expect(batch.lagMs, `batch ${batch.lagMs} ms; catch-up ${caughtUp.lagMs} ms`).toBeLessThan(300 + 3 * caughtUp.lagMs);
    }
    const why = await stowage(place(), ["data", "why", "s3://cams/processed", "home-1/frame-3.jpg.txt", "--json"]);
    expect(why.code, why.stderr).toBe(0);
    expect(why.json.inputs).toEqual([
      expect.objectContaining({ repo: "s3://cams/uploads", path: "home-1/frame-3.jpg", versionId: versions["home-1/frame-3.jpg"] }),
    ]);

    // A frame the code cannot read fails alone: the good one beside it is committed.
    versions["home-2/good.jpg"] = (await Promise.all([put("uploads/home-2/bad.jpg", "corrupt"), put("uploads/home-2/good.jpg", "fine")]))[1];
    const mixed = await w.waitFor((b) => b.kind === "batch" && b.totals.failed >= 1 && b.totals.done >= 6);
    expect(mixed.totals).toMatchObject({ failed: 1, done: 6 });
    const log = await stowage(place(), ["data", "log", "s3://cams/processed", "--json"]);
    const head = await stowage(place(), ["data", "checkout", "s3://cams/processed", log.json.commits[0].commit, "--to", join(dir, "head-1"), "--json"]);
    expect(head.json.files).toBe(6); // before, frame-0..3, good; not bad
    expect(w.stderr).toContain("stowage watch: done");

    // Uploads, then SIGTERM at once: the batch in hand is finished and committed, exit 0.
    versions["home-3/a.jpg"] = await put("uploads/home-3/a.jpg", "a");
    expect(await w.stop("SIGTERM")).toBe(0);

    // While no watcher listens, the pushes fail and the events are lost; the next start catches up from the listing.
    versions["home-3/b.jpg"] = await put("uploads/home-3/b.jpg", "b");
    versions["home-4/c.jpg"] = await put("uploads/home-4/c.jpg", "c");
    const again = start();
    const catchUp = await again.waitFor((b) => b.kind === "catch-up");
    expect(catchUp.status).toBe("failed"); // bad.jpg is tried again, and fails again
    // One more upload after the restart: the head commit's run now lists only that batch's datum.
    const n = done(again);
    versions["home-5/d.jpg"] = await put("uploads/home-5/d.jpg", "d");
    await again.waitFor((b) => b.kind === "batch" && b.totals.done > n);
    expect(await again.stop("SIGTERM")).toBe(0);

    const finalLog = await stowage(place(), ["data", "log", "s3://cams/processed", "--json"]);
    const out = join(dir, "final");
    const final = await stowage(place(), ["data", "checkout", "s3://cams/processed", finalLog.json.commits[0].commit, "--to", out, "--json"]);
    expect(final.json.files).toBe(10);
    // Provenance of every output, whichever batch (before or after the restart) wrote it: the run that wrote that
    // version, and the exact input version it read.
    const runs = new Set<string>();
    for (const [path, version] of Object.entries(versions)) {
      const w = await stowage(place(), ["data", "why", "s3://cams/processed", `${path}.txt`, "--json"]);
      expect(w.code, `${path}: ${w.stderr}`).toBe(0);
      expect(w.json.inputs, path).toEqual([expect.objectContaining({ repo: "s3://cams/uploads", path, versionId: version })]);
      runs.add(w.json.run.id);
    }
    expect(Object.keys(versions)).toHaveLength(10);
    expect(runs.size).toBeGreaterThan(3); // catch-ups and batches alike
    // Nothing processed twice: one version of every output.
    for (const path of ["home-1/before.jpg", "home-0/frame-0.jpg", "home-1/frame-3.jpg", "home-2/good.jpg", "home-3/a.jpg", "home-3/b.jpg", "home-4/c.jpg"]) {
      expect(await versionsOf(`processed/${path}.txt`), path).toBe(1);
    }
  }, 180_000);

  it("refuses a --listen port already taken before any work, never saying it listens", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const before = await versionsOf("processed/.stowage/");
      await put("uploads/home-9/waiting.jpg", "would be caught up");
      const w = start(label, (taken.address() as { port: number }).port);
      expect(await w.exited).toBe(2);
      expect(w.stderr).toMatch(/Cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE\./);
      expect(w.stderr).not.toMatch(/listening/);
      expect(w.stderr).toMatch(/^stowage: Cannot listen on [^\n]+\nChoose a free port with --listen HOST:PORT\.\n$/); // the message and its next step, nothing else
      expect(w.batches).toEqual([]); // no catch-up ran
      expect(await versionsOf("processed/.stowage/")).toBe(before); // and nothing was written
    } finally {
      taken.close();
    }
  });

  it("does not take its own writes under .stowage/ for events, and reports waiting 0 once nothing waits", async () => {
    const w = start();
    await w.waitFor((b) => b.kind === "catch-up", 60_000);
    const n = done(w);
    await put("uploads/home-7/one.jpg", "one");
    await w.waitFor((b) => b.kind === "batch" && b.totals.done > n);
    // The batch committed the input (uploads/.stowage/…), which the topic pushes back; wait for three reports
    // after it, time enough for those pushes to arrive and be batched (--batch-seconds 0.3, reports every second).
    const reports = () => w.stderr.split("\n").filter((l) => /waiting \d+/.test(l));
    const seen = reports().length;
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => reports().length >= seen + 3 && (clearInterval(timer), resolve()), 100);
      setTimeout(() => (clearInterval(timer), reject(new Error(`no reports; stderr: ${w.stderr}`))), 60_000).unref();
    });
    expect(reports().at(-1)).toMatch(/waiting 0,/);
    const batches = w.batches.filter((b) => b.kind === "batch");
    expect(batches.reduce((sum, b) => sum + b.events, 0)).toBe(1); // the upload, and none of the watcher's writes
    expect(await w.stop("SIGTERM")).toBe(0);
  });

  it("killed mid-batch (SIGKILL, no goodbye), restarts and loses nothing, with one output version per input", async () => {
    const slow = join(dir, "slow.sh");
    writeFileSync(slow, `#!/bin/sh\nsleep 0.7\nexec ${label}\n`);
    chmodSync(slow, 0o755);
    const w = start(slow);
    await w.waitFor((b) => b.kind === "catch-up", 60_000);
    const paths = Array.from({ length: 6 }, (_, i) => `home-9/kill-${i}.jpg`);
    for (const p of paths) await put(`uploads/${p}`, `frame ${p}`);
    // Wait until some of the batch's outputs are in the bucket, then kill without a chance to commit. (Whether the
    // kill lands between a datum's uploads and its record is up to timing; that case is tested directly in
    // data.rgw.test.ts: the same bytes again reuse the current version.)
    for (let t = 0; t < 200 && (await versionsOf(`processed/${paths[1]}.txt`)) === 0; t++) await new Promise((r) => setTimeout(r, 50));
    await w.stop("SIGKILL");
    const again = start(slow);
    await again.waitFor((b) => b.kind === "catch-up", 60_000);
    expect(await again.stop("SIGTERM")).toBe(0);
    const log = await stowage(place(), ["data", "log", "s3://cams/processed", "--json"]);
    const out = join(dir, "after-kill");
    await stowage(place(), ["data", "checkout", "s3://cams/processed", log.json.commits[0].commit, "--to", out]);
    for (const p of paths) {
      expect(readFileSync(join(out, `${p}.txt`), "utf8").trim(), p).toBe(String(`frame ${p}`.length));
      expect(await versionsOf(`processed/${p}.txt`), p).toBe(1);
    }
  }, 120_000);

  it("keeps an SQS message hidden while its datum runs longer than the visibility timeout (heartbeat)", async () => {
    const { startFauxqs } = await import("fauxqs");
    const { SQSClient, SendMessageCommand } = await import("@aws-sdk/client-sqs");
    const { openS3 } = await import("../datalayer/s3Store.js");
    const { queueSource } = await import("../datalayer/sources.js");
    const { watch } = await import("../datalayer/watch.js");
    const server = await startFauxqs({ port: 0, logger: false });
    const endpoint = `http://127.0.0.1:${server.port}`;
    const queue = server.createQueue("slow", { attributes: { VisibilityTimeout: "2" } });
    const sqs = new SQSClient({ region: "us-east-1", endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    await versionedBucket(s3, "slow");
    const slow = join(dir, "slower.sh");
    writeFileSync(slow, `#!/bin/sh\nsleep 5\nexec ${label}\n`);
    chmodSync(slow, 0o755);
    process.env.AWS_ACCESS_KEY_ID = RGW_USER.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = RGW_USER.secretAccessKey;
    const input = openS3("slow", "uploads/", { endpoint: rgw.endpoint, region: "us-east-1" });
    const output = openS3("slow", "processed/", { endpoint: rgw.endpoint, region: "us-east-1" });
    const stop = new AbortController();
    const batches: any[] = [];
    const running = watch({
      input,
      output,
      glob: "/*/*",
      command: [slow],
      codeVersion: "v1",
      source: queueSource({ queueUrl: queue.queueUrl, endpoint, waitSeconds: 1, visibilitySeconds: 2 }),
      batchSeconds: 0.1,
      signal: stop.signal,
      onBatch: (b) => batches.push(b),
    });
    try {
      // Uploaded once the catch-up is done, so the event (not the listing) brings it in.
      for (let t = 0; t < 200 && !batches.some((b) => b.kind === "catch-up"); t++) await new Promise((r) => setTimeout(r, 50));
      const v = (await s3.send(new PutObjectCommand({ Bucket: "slow", Key: "uploads/home-1/a.jpg", Body: "a" }))).VersionId!;
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.queueUrl,
          MessageBody: JSON.stringify({
            Records: [
              {
                eventVersion: "2.1",
                eventName: "ObjectCreated:Put",
                s3: { bucket: { name: "slow" }, object: { key: "uploads/home-1/a.jpg", size: 1, versionId: v } },
              },
            ],
          }),
        }),
      );
      for (let t = 0; t < 200 && !batches.some((b) => b.kind === "batch"); t++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1500)); // time for a copy of the message to have come back, had it reappeared
    } finally {
      stop.abort();
      await running;
      input.close();
      output.close();
      sqs.destroy();
      await server.stop();
    }
    // One delivery: hidden for 2 s at a time, extended every second, for a datum that ran 5 s.
    expect(batches.filter((b) => b.kind === "batch").map((b) => [b.events, b.datums.processed, b.datums.skipped])).toEqual([[1, 1, 0]]);
  }, 60_000);

  it("consumes an SQS queue with the real SDK: deletes once committed, skips redeliveries, redrives a poison message", async () => {
    const { startFauxqs } = await import("fauxqs");
    const { SQSClient, SendMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } = await import("@aws-sdk/client-sqs");
    const { openS3 } = await import("../datalayer/s3Store.js");
    const { queueSource } = await import("../datalayer/sources.js");
    const { watch } = await import("../datalayer/watch.js");
    const server = await startFauxqs({ port: 0, logger: false });
    const endpoint = `http://127.0.0.1:${server.port}`;
    const dlq = server.createQueue("uploads-dlq");
    const queue = server.createQueue("uploads", {
      attributes: { VisibilityTimeout: "30", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 2 }) },
    });
    const sqs = new SQSClient({ region: "us-east-1", endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    await versionedBucket(s3, "queued");
    // What S3 sends to the queue for each upload (the same body as RGW's push, with eventSource aws:s3).
    const send = async (key: string, versionId: string, size: number) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.queueUrl,
          MessageBody: JSON.stringify({
            Records: [
              {
                eventVersion: "2.1",
                eventSource: "aws:s3",
                eventName: "ObjectCreated:Put",
                s3: {
                  bucket: { name: "queued" },
                  object: { key: encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+"), size, versionId, sequencer: "0055AED6DCD90281E5" },
                },
              },
            ],
          }),
        }),
      );
    const upload = async (key: string, body: string) => {
      const v = (await s3.send(new PutObjectCommand({ Bucket: "queued", Key: key, Body: body }))).VersionId!;
      await send(key, v, body.length);
      return v;
    };
    process.env.AWS_ACCESS_KEY_ID = RGW_USER.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = RGW_USER.secretAccessKey;
    const opts = { endpoint: rgw.endpoint, region: "us-east-1" };
    const input = openS3("queued", "uploads/", opts);
    const output = openS3("queued", "processed/", opts);
    const stop = new AbortController();
    const batches: any[] = [];
    const logs: string[] = [];
    const running = watch({
      input,
      output,
      glob: "/*/*",
      command: [label],
      codeVersion: "v1",
      source: queueSource({ queueUrl: queue.queueUrl, endpoint, waitSeconds: 1, visibilitySeconds: 30 }, (l) => logs.push(l)),
      batchSeconds: 0.2,
      signal: stop.signal,
      onBatch: (b) => batches.push(b),
    });
    const until = async (ok: () => boolean | Promise<boolean>, what: string) => {
      for (let t = 0; t < 300; t++) {
        if (await ok()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}; batches ${JSON.stringify(batches)}; ${logs.join("; ")}`);
    };
    const depth = async (url: string) =>
      Number(
        (
          await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
          )
        ).Attributes!.ApproximateNumberOfMessages,
      );
    try {
      const v1 = await upload("uploads/home 1/a.jpg", "aaa"); // a space: S3 sends it as "+"
      await upload("uploads/home-2/b.jpg", "bb");
      await until(() => batches.some((b) => b.kind === "batch" && b.totals.done >= 2), "two datums");
      // At least once: the same event again costs nothing.
      await send("uploads/home 1/a.jpg", v1, 3);
      await until(() => batches.some((b) => b.totals.skipped >= 1), "the redelivery skipped");
      await upload("uploads/home-3/bad.jpg", "corrupt");
      await until(async () => (await depth(dlq.queueUrl)) === 1, "the poison message in the dead-letter queue");
      await until(async () => (await depth(queue.queueUrl)) === 0, "the queue drained");
    } finally {
      stop.abort();
      await running;
      input.close();
      output.close();
    }
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.queueUrl }));
    expect(JSON.parse(dead.Messages![0]!.Body!).Records[0].s3.object.key).toBe("uploads/home-3/bad.jpg");
    expect(logs.some((l) => l.includes("released for retry") && l.includes("bad.jpg"))).toBe(true);
    const outVersions = ((await s3.send(new ListObjectVersionsCommand({ Bucket: "queued", Prefix: "processed/home" }))).Versions ?? [])
      .filter((v) => !v.Key!.includes(".stowage"))
      .map((v) => v.Key);
    expect(outVersions.sort()).toEqual(["processed/home 1/a.jpg.txt", "processed/home-2/b.jpg.txt"]);
    sqs.destroy();
    await server.stop();
  }, 120_000);
});
