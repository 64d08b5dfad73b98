/**
 * A real S3 implementation on loopback for the tests: Ceph RADOS Gateway, started and stopped by the suite
 * (test/support/ceph/rgw-up.sh). One cluster per machine at a time (the monitor's port 3300 is fixed).
 */
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../core/paths.js";

export const RGW_USER = { accessKeyId: "stowageaccess", secretAccessKey: "stowagesecret" };
export const RGW_OTHER_USER = { accessKeyId: "otheraccess", secretAccessKey: "othersecret" };

export function rgwUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "needs root";
  for (const bin of ["radosgw", "ceph-mon", "ceph-osd", "ceph"])
    if (!existsSync(`/usr/bin/${bin}`)) return `needs Debian's ${bin} (apt-get install radosgw ceph-mon ceph-osd ceph-common)`;
  return null;
}

export interface Rgw {
  /** Plain HTTP. */
  readonly endpoint: string;
  /** The same gateway over TLS, on the next port, with a self-signed certificate for 127.0.0.1. */
  readonly tlsEndpoint: string;
  /** That certificate (PEM): trust it with an https.Agent, or NODE_EXTRA_CA_CERTS for the built command. */
  readonly caFile: string;
  /** Runs radosgw-admin on this cluster (roles and role policies for STS). */
  admin(args: readonly string[]): string;
  stop(): void;
}

/** `sts`: also serve STS AssumeRole for roles made with `admin` (changes how RGW answers a wrong secret). */
export function startRgw(port = 7480, opts: { sts?: boolean } = {}): Rgw {
  const dir = mkdtempSync(join(tmpdir(), "stowage-rgw-"));
  const script = (name: string) => join(packageRoot(), "test", "support", "ceph", name);
  execFileSync("bash", [script("rgw-down.sh"), dir]); // nothing left from an interrupted run in this folder
  execFileSync("bash", [script("rgw-up.sh"), dir, String(port)], {
    env: { ...process.env, REALM: "1", ...(opts.sts ? { STS: "1" } : {}), ACCESS_KEY: RGW_USER.accessKeyId, SECRET_KEY: RGW_USER.secretAccessKey },
    stdio: "pipe",
    timeout: 240_000,
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    tlsEndpoint: `https://127.0.0.1:${port + 1}`,
    caFile: join(dir, "tls.crt"),
    admin: (args) => execFileSync("radosgw-admin", ["-c", join(dir, "ceph.conf"), ...args], { encoding: "utf8" }),
    stop: () => execFileSync("bash", [script("rgw-down.sh"), dir]),
  };
}

/**
 * The environment for the built command against the gateway: no AWS_* from the caller, a fresh HOME (no profile
 * files), no instance metadata, and the gateway user's keys, so the SDK's chain finds exactly these.
 */
export function rgwCommandEnv(): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_"))),
    HOME: mkdtempSync(join(tmpdir(), "stowage-home-")),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ACCESS_KEY_ID: RGW_USER.accessKeyId,
    AWS_SECRET_ACCESS_KEY: RGW_USER.secretAccessKey,
  };
}

/**
 * An SDK client on the gateway as the test user: path-style, and checksums only where required (the SDK's default
 * checksums break uploads on RGW), as core/s3Client.ts does for any S3-compatible endpoint. `more` adds or overrides settings.
 */
export function rgwClient(rgw: Pick<Rgw, "endpoint">, more: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    region: "us-east-1",
    endpoint: rgw.endpoint,
    forcePathStyle: true,
    credentials: RGW_USER,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...more,
  });
}
