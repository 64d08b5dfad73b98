/**
 * The one way Stowage makes an S3 client: timeouts on every call, and for S3-compatible stores path-style addressing
 * and checksums only where required.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { sdkTimeouts } from "./net.js";

export interface S3Options {
  readonly region?: string;
  /** An S3-compatible endpoint: path-style addressing, checksums only where required. */
  readonly endpoint?: string;
  /** Per connect and per request (default 10 s). */
  readonly timeoutMs?: number;
}

export function s3Client(opts: S3Options): S3Client {
  return new S3Client({
    region: opts.region ?? "us-east-1",
    maxAttempts: 3,
    ...sdkTimeouts(opts.timeoutMs ?? 10_000),
    ...(opts.endpoint
      ? {
          endpoint: opts.endpoint,
          forcePathStyle: true,
          // The SDK's default checksums break uploads on S3-compatible stores (see the team's s3-server note).
          requestChecksumCalculation: "WHEN_REQUIRED" as const,
          responseChecksumValidation: "WHEN_REQUIRED" as const,
        }
      : // On AWS a stack's buckets are in several regions (replicas): when S3 answers that a bucket is elsewhere, the
        // SDK retries the request in the region it names.
        { followRegionRedirects: true }),
  });
}

/** Answers that reject the credentials themselves, on every request, whatever the setting asked for. */
export const REJECTED_CREDENTIALS = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired"]);
/** Socket errors: the endpoint was never reached. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);
/** The endpoint was never reached (a socket error, or the SDK gave up waiting): the one test every S3 caller uses. */
export const unreachable = (e: { name?: string; code?: string }): boolean => (e.code !== undefined && UNREACHABLE.has(e.code)) || e.name === "TimeoutError";

export type SdkError = { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number }; message?: string };
