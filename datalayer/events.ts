/**
 * S3 event notifications, as S3 sends them to SQS/SNS and Ceph RGW or MinIO push them over HTTP: the same body
 * (S3 User Guide, notification-content-structure). Events are hints, delivered at least once and in no order; the
 * watcher deduplicates them, orders them per key by `sequencer`, and a listing at start-up is the truth.
 */

export interface ObjectCreated {
  readonly bucket: string;
  /** Decoded: S3 sends keys URL-form-encoded (space as "+"). */
  readonly key: string;
  readonly versionId: string;
  readonly size: number;
  readonly etag?: string;
  /** Orders events for the same key (hex, compared after right-padding with zeros); says nothing across keys. */
  readonly sequencer?: string;
  readonly eventTime?: string;
}

export interface Parsed {
  readonly created: ObjectCreated[];
  /** Records that were not used, and why (a delete, a test event, another major version, no versionId). */
  readonly ignored: string[];
}

/** Reads one notification body: `{Records:[…]}`, an SNS envelope around one, or S3's test event. */
export function parseEvents(body: unknown): Parsed {
  const out: Parsed = { created: [], ignored: [] };
  if (!body || typeof body !== "object") throw new Error("not a JSON object");
  const b = body as { Records?: unknown; Type?: string; Message?: string; Event?: string };
  if (b.Type === "Notification" && typeof b.Message === "string") return parseEvents(JSON.parse(b.Message));
  if (b.Event === "s3:TestEvent") return { created: [], ignored: ["s3:TestEvent"] };
  if (!Array.isArray(b.Records)) throw new Error("no Records array");
  // An S3 event record as S3, SQS or a gateway sends it: read field by field below.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  for (const r of b.Records as Record<string, any>[]) {
    const name = String(r?.eventName ?? "").replace(/^s3:/, "");
    const major = String(r?.eventVersion ?? "2").split(".")[0];
    const object = r?.s3?.object;
    if (major !== "2") out.ignored.push(`eventVersion ${r?.eventVersion}`);
    else if (!name.startsWith("ObjectCreated")) out.ignored.push(name || "no eventName");
    else if (!object?.key || !r?.s3?.bucket?.name) out.ignored.push("no bucket or key");
    else if (!object.versionId) out.ignored.push(`${object.key}: no versionId (is the bucket versioned?)`);
    else
      out.created.push({
        bucket: r.s3.bucket.name,
        key: decodeURIComponent(String(object.key).replace(/\+/g, " ")),
        versionId: String(object.versionId),
        size: Number(object.size ?? 0),
        ...(object.eTag ? { etag: String(object.eTag) } : {}),
        ...(object.sequencer ? { sequencer: String(object.sequencer) } : {}),
        ...(r.eventTime ? { eventTime: String(r.eventTime) } : {}),
      });
  }
  return out;
}

/** Compares two sequencers for one key as S3 says: right-pad the shorter with zeros, then compare as strings. */
export function compareSequencers(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  const [x, y] = [a.padEnd(n, "0").toUpperCase(), b.padEnd(n, "0").toUpperCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}
