/**
 * Where `stowage run --watch` gets its events: an HTTP receiver for stores that push S3 event JSON (Ceph RGW topics
 * with an http push endpoint, MinIO webhooks), or an SQS queue (what S3 itself sends to).
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { createServer, type Server } from "node:http";
import { UserError } from "../core/errors.js";
import { sdkTimeouts } from "../core/net.js";
import { parseEvents } from "./events.js";
import type { Delivery, EventSource } from "./watch.js";

const MAX_BODY = 1 << 20;

/**
 * Answers 200 once a POST's events are in the watcher's hands, 400 for a body that is not S3 event JSON. The push is
 * not retried by the store (RGW's non-persistent topics), so an event can be lost while no watcher listens: the
 * catch-up run at start-up is what makes that safe. A failed datum's events go to the run record (status failed,
 * the datum, its exit code and output), and are tried again by the next watcher's catch-up.
 */
export function webhookSource(host: string, port: number, log: (line: string) => void = () => {}): EventSource & { readonly port: () => number } {
  let server: Server | null = null;
  return {
    describe: `http://${host}:${port}`,
    port: () => (server?.address() as { port: number } | null)?.port ?? port,
    start(deliver) {
      server = createServer((req, res) => {
        if (req.method !== "POST") {
          res.writeHead(405, { allow: "POST" }).end();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        req.on("end", () => {
          try {
            if (size > MAX_BODY) throw new Error(`body over ${MAX_BODY} bytes`);
            const parsed = parseEvents(JSON.parse(Buffer.concat(chunks).toString("utf8")));
            const now = Date.now();
            deliver(
              parsed.created.map((event): Delivery => ({
                event,
                receivedAt: now,
                settle: async (ok, reason) => void (ok || log(`failed: ${event.key} (${event.versionId}): ${reason}`)),
              })),
            );
            res.writeHead(200).end();
          } catch (err) {
            log(`refused a notification: ${(err as Error).message}`);
            res.writeHead(400).end();
          }
        });
      });
      return new Promise((resolve, reject) => {
        server!.once("error", (err: NodeJS.ErrnoException) =>
          reject(new UserError(`Cannot listen on ${host}:${port}: ${err.code ?? err.message}.`, "Choose a free port with --listen HOST:PORT.")),
        );
        server!.listen(port, host, () => resolve());
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (!server) return resolve();
        // close() waits for every open connection; a store keeps its push connection alive, so close the idle ones
        // now and, after a second's grace for a push in flight, the rest.
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server?.closeAllConnections(), 1000).unref();
      });
    },
    close() {},
  };
}

export interface QueueOptions {
  readonly queueUrl: string;
  readonly region?: string;
  readonly endpoint?: string;
  /** Seconds a received message stays hidden; extended while its datum runs (heartbeat at half of it). */
  readonly visibilitySeconds?: number;
  readonly waitSeconds?: number;
}

/**
 * Long-polls the queue (up to 10 messages, 20 s), keeps each message hidden while it is in hand, deletes it once its
 * output is committed, and on failure makes it visible again at once: the queue's redrive policy counts the receives
 * and moves a poison message to the dead-letter queue. A message whose records are not object-created events (S3's
 * test event) is deleted.
 */
export function queueSource(opts: QueueOptions, log: (line: string) => void = () => {}): EventSource {
  const sqs = new SQSClient({ region: opts.region ?? regionOf(opts.queueUrl), ...sdkTimeouts(30_000), ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) });
  const visibility = opts.visibilitySeconds ?? 60;
  const inHand = new Map<string, { handle: string; left: number; ok: boolean; reasons: string[] }>();
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  const polling = new AbortController();
  const heartbeat = setInterval(
    () => {
      for (const m of inHand.values())
        void sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: opts.queueUrl, ReceiptHandle: m.handle, VisibilityTimeout: visibility })).catch(() => {});
    },
    (visibility * 1000) / 2,
  );
  heartbeat.unref();

  const finish = async (id: string) => {
    const m = inHand.get(id)!;
    inHand.delete(id);
    if (m.ok) await sqs.send(new DeleteMessageCommand({ QueueUrl: opts.queueUrl, ReceiptHandle: m.handle }));
    else {
      log(`released for retry (the dead-letter queue takes it after maxReceiveCount): ${m.reasons.join("; ")}`);
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: opts.queueUrl, ReceiptHandle: m.handle, VisibilityTimeout: 0 }));
    }
  };

  const accept = async (msg: Message, deliver: (d: Delivery[]) => void) => {
    let events;
    try {
      events = parseEvents(JSON.parse(msg.Body ?? "")).created;
    } catch (err) {
      log(`a message that is not S3 event JSON goes back to the queue: ${(err as Error).message}`);
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: opts.queueUrl, ReceiptHandle: msg.ReceiptHandle!, VisibilityTimeout: 0 }));
      return;
    }
    if (!events.length) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: opts.queueUrl, ReceiptHandle: msg.ReceiptHandle! }));
      return;
    }
    const id = msg.MessageId!;
    inHand.set(id, { handle: msg.ReceiptHandle!, left: events.length, ok: true, reasons: [] });
    const now = Date.now();
    deliver(
      events.map((event) => ({
        event,
        receivedAt: now,
        settle: async (ok: boolean, reason?: string) => {
          const m = inHand.get(id);
          if (!m) return;
          if (!ok) {
            m.ok = false;
            m.reasons.push(`${event.key}: ${reason}`);
          }
          if (--m.left === 0) await finish(id);
        },
      })),
    );
  };

  return {
    describe: opts.queueUrl,
    async start(deliver) {
      running = true;
      loop = (async () => {
        while (running) {
          try {
            const res = await sqs.send(
              new ReceiveMessageCommand({
                QueueUrl: opts.queueUrl,
                MaxNumberOfMessages: 10,
                WaitTimeSeconds: opts.waitSeconds ?? 20,
                VisibilityTimeout: visibility,
              }),
              { abortSignal: polling.signal },
            );
            for (const msg of res.Messages ?? []) await accept(msg, deliver);
          } catch (err) {
            if (!running) return;
            log(`receive failed, retrying in 1 s: ${(err as Error).message}`);
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      })();
    },
    async stop() {
      running = false;
      polling.abort(); // ends the long poll in progress
      await loop;
    },
    close() {
      clearInterval(heartbeat);
      sqs.destroy();
      // Whatever is still in hand becomes visible again when its timeout passes: nothing is lost.
    },
  };
}

function regionOf(queueUrl: string): string {
  return /sqs[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl)?.[1] ?? "us-east-1";
}
