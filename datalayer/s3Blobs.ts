/**
 * A bucket as Blobs (casStore.ts): the handful of S3 calls the content-addressed mode makes, each named for the error a
 * user sees. The S3 store passes its own client, error wrapping and upload settings (encryption, integrity headers).
 */
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type PutObjectCommandInput, type S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import type { SdkError } from "../core/s3Client.js";
import type { Blob, Blobs } from "./casStore.js";

export interface S3Access {
  readonly client: S3Client;
  readonly bucket: string;
  /** Runs one call, turning the SDK's errors into what a user can act on. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  get(key: string): Promise<Buffer | null>;
  put(key: string, body: Buffer, extra?: Partial<PutObjectCommandInput>): Promise<{ ETag?: string; VersionId?: string }>;
  /** The encryption every write asks for. */
  sse(): Partial<PutObjectCommandInput>;
}

export function s3Blobs(s: S3Access): Blobs {
  const notFound = (err: unknown) => {
    const e = err as SdkError;
    return ["NoSuchKey", "NotFound"].includes(e.Code ?? e.name ?? "") || e.$metadata?.httpStatusCode === 404;
  };
  const status = (err: unknown) => (err as SdkError).$metadata?.httpStatusCode;
  const Bucket = s.bucket;
  return {
    async *list(prefix: string, max = Infinity): AsyncIterable<Blob> {
      let ContinuationToken: string | undefined;
      let n = 0;
      do {
        const page = await s.call(`ListObjectsV2 (s3:ListBucket) on s3://${Bucket}/${prefix}`, () =>
          s.client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken, MaxKeys: Math.min(1000, max - n) })),
        );
        for (const o of page.Contents ?? []) {
          n++;
          yield { key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? "" };
        }
        ContinuationToken = page.IsTruncated && n < max ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },
    open: (Key) =>
      s.call(`GetObject (s3:GetObject) on s3://${Bucket}/${Key}`, async () => {
        try {
          const res = await s.client.send(new GetObjectCommand({ Bucket, Key }));
          return { body: res.Body as Readable, etag: res.ETag ?? "", storedAt: res.LastModified?.toISOString() ?? null };
        } catch (err) {
          if (notFound(err)) return null;
          throw err;
        }
      }),
    get: (Key) => s.get(Key),
    exists: (Key) =>
      s.call(`HeadObject (s3:GetObject) on s3://${Bucket}/${Key}`, async () => {
        try {
          await s.client.send(new HeadObjectCommand({ Bucket, Key }));
          return true;
        } catch (err) {
          if (notFound(err)) return false;
          throw err;
        }
      }),
    put: (Key, body, opts = {}) =>
      s.call(`PutObject on s3://${Bucket}/${Key}`, async () => {
        try {
          const res = await s.put(Key, body, {
            ...(opts.createOnly ? { IfNoneMatch: "*" } : {}),
            ...(opts.sha256 ? { Metadata: { "stowage-sha256": opts.sha256 } } : {}),
          });
          return { etag: res.ETag ?? "" };
        } catch (err) {
          // 412: the key exists; 409 ConditionalRequestConflict: a concurrent create of the same key is under way.
          if (opts.createOnly && (status(err) === 412 || status(err) === 409)) return "exists" as const;
          throw err;
        }
      }),
    copy: (from, to, etag) =>
      s.call(`CopyObject on s3://${Bucket}/${from}`, async () => {
        try {
          await s.client.send(
            new CopyObjectCommand({ Bucket, Key: to, CopySource: `${Bucket}/${encodeURIComponent(from)}`, CopySourceIfMatch: etag, ...s.sse() }),
          );
          return "copied" as const;
        } catch (err) {
          if (status(err) === 412 || notFound(err)) return "changed" as const;
          throw err;
        }
      }),
  };
}
