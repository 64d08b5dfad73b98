/**
 * A forwarding HTTP proxy in front of the gateway that records every request through it (method, path, query),
 * for tests that pin which S3 calls a command makes and how many; and the IAM action each call is authorised as
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html), so the same calls can be
 * judged by the policy simulator. Path-style requests only (what the data layer sends to an endpoint).
 */
import http from "node:http";

export interface Recorded {
  readonly method: string;
  /** Decoded: the bucket, then the key ("" for a bucket request). */
  readonly bucket: string;
  readonly key: string;
  readonly query: Readonly<Record<string, string>>;
}

export interface RecordingProxy {
  readonly endpoint: string;
  /** Every request since the last take(), in arrival order; clears the record. */
  take(): Recorded[];
  close(): Promise<void>;
}

export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const to = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  let seen: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const [bucket = "", ...key] = url.pathname.slice(1).split("/");
    seen.push({
      method: req.method ?? "GET",
      bucket: decodeURIComponent(bucket),
      key: decodeURIComponent(key.join("/")),
      query: Object.fromEntries(url.searchParams),
    });
    const out = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent }, (back) => {
      res.writeHead(back.statusCode ?? 502, back.headers);
      back.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    take() {
      const t = seen;
      seen = [];
      return t;
    },
    close: () =>
      new Promise((r) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A call as IAM judges it: the action, the resource ARN (in `bucket`, named as the policies name it) and its context. */
export interface IamCall {
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string>;
}

/**
 * The IAM action a recorded request needs. A request this table does not know throws: a test that maps every call
 * cannot pass while the command makes a call nobody judged.
 */
export function iamCall(r: Recorded, bucket = r.bucket): IamCall {
  const q = r.query;
  const object = `arn:aws:s3:::${bucket}/${r.key}`;
  const versioned = "versionId" in q;
  if (!r.key) {
    if (r.method === "GET" && "versions" in q)
      return { action: "s3:ListBucketVersions", resource: `arn:aws:s3:::${bucket}`, context: { "s3:prefix": q.prefix ?? "" } };
    if (r.method === "GET" && ("list-type" in q || Object.keys(q).every((k) => ["prefix", "delimiter", "marker", "max-keys", "encoding-type"].includes(k))))
      return { action: "s3:ListBucket", resource: `arn:aws:s3:::${bucket}`, context: { "s3:prefix": q.prefix ?? "" } };
    if (r.method === "GET" && "object-lock" in q) return { action: "s3:GetBucketObjectLockConfiguration", resource: `arn:aws:s3:::${bucket}`, context: {} };
    if (r.method === "GET" && "versioning" in q) return { action: "s3:GetBucketVersioning", resource: `arn:aws:s3:::${bucket}`, context: {} };
  } else {
    if ((r.method === "GET" || r.method === "HEAD") && "retention" in q) return { action: "s3:GetObjectRetention", resource: object, context: {} };
    if ((r.method === "GET" || r.method === "HEAD") && "legal-hold" in q) return { action: "s3:GetObjectLegalHold", resource: object, context: {} };
    if ((r.method === "GET" || r.method === "HEAD") && "tagging" in q)
      return { action: versioned ? "s3:GetObjectVersionTagging" : "s3:GetObjectTagging", resource: object, context: {} };
    if ((r.method === "GET" || r.method === "HEAD") && Object.keys(q).every((k) => k === "versionId" || k === "x-id" || k === "partNumber"))
      return { action: versioned ? "s3:GetObjectVersion" : "s3:GetObject", resource: object, context: {} };
    if (r.method === "PUT" && Object.keys(q).every((k) => k === "x-id")) return { action: "s3:PutObject", resource: object, context: {} };
    if (r.method === "DELETE" && Object.keys(q).every((k) => k === "versionId" || k === "x-id"))
      return { action: versioned ? "s3:DeleteObjectVersion" : "s3:DeleteObject", resource: object, context: {} };
  }
  throw new Error(`no IAM action known for ${r.method} /${r.bucket}/${r.key}?${new URLSearchParams(r.query as Record<string, string>)}`);
}
