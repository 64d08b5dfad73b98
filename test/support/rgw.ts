/**
 * A real S3 implementation on loopback for the tests: Ceph RADOS Gateway, started and stopped by the suite
 * (test/support/ceph/rgw-up.sh). One cluster per machine at a time (the monitor's port 3300 is fixed).
 */
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { packageRoot } from "../../core/paths.js";
import { INSTALL, describeRealPart } from "./realParts.js";

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

/** Where a gateway on `port` answers: known before it starts. */
function rgwEndpoints(port: number): Pick<Rgw, "endpoint" | "tlsEndpoint"> {
  return { endpoint: `http://127.0.0.1:${port}`, tlsEndpoint: `https://127.0.0.1:${port + 1}` };
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
    ...rgwEndpoints(port),
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

/** What a suite on the gateway has: all usable in its hooks and tests (the gateway starts in the first beforeAll). */
export interface RgwSuite {
  readonly rgw: Rgw;
  /** rgwClient on it, destroyed after the suite. */
  readonly s3: S3Client;
  /** rgwCommandEnv(): for the built command. */
  readonly env: NodeJS.ProcessEnv;
  /** The flags that point the built command at it. */
  readonly flags: readonly string[];
}

type RgwBody = (suite: RgwSuite) => void;
/** `port`: 7480 unless given (the TLS port is the next one); `sts`: as startRgw's. */
type RgwOptions = { readonly port?: number; readonly sts?: boolean };

/**
 * A suite on one Ceph RGW, started before its tests and stopped after them (a real part: skipped, or failed under CI,
 * where Ceph is missing). The body's own beforeAll hooks run after the gateway is up, its afterAll hooks before it stops.
 */
export function describeRgw(title: string, ...args: [body: RgwBody] | [opts: RgwOptions, body: RgwBody]): void {
  const [opts, body] = args.length === 1 ? [{}, args[0]] : args;
  describeRealPart(title, rgwUnavailable(), INSTALL.rgw, () => {
    const port = opts.port ?? 7480;
    let started: Rgw | undefined;
    const up = (): Rgw => {
      if (!started) throw new Error("the gateway is not up: use it in a hook or a test, not while the suite is collected");
      return started;
    };
    const rgw: Rgw = {
      ...rgwEndpoints(port),
      get caFile() {
        return up().caFile;
      },
      admin: (args) => up().admin(args),
      stop: () => started?.stop(),
    };
    const s3 = rgwClient(rgw);
    beforeAll(() => {
      started = startRgw(port, { sts: opts.sts });
    }, 240_000);
    afterAll(() => {
      s3.destroy();
      started?.stop();
    });
    body({ rgw, s3, env: rgwCommandEnv(), flags: ["--endpoint", rgw.endpoint, "--region", "us-east-1"] });
  });
}

/** An `s3://bucket/prefix` repository and a path in it, as the SDK names the object. */
export function objectAt(repo: string, path: string): { Bucket: string; Key: string } {
  const [bucket, ...prefix] = repo.slice("s3://".length).split("/");
  return { Bucket: bucket!, Key: [...prefix, path].filter(Boolean).join("/") };
}

/** A new bucket that keeps versions. */
export async function versionedBucket(s3: S3Client, bucket: string, create: { ObjectLockEnabledForBucket?: boolean } = {}): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ...create }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
}
