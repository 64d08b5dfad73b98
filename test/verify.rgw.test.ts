/**
 * stowage verify against a real S3 implementation (Ceph RADOS Gateway on loopback): a compliant bucket, a bucket
 * missing each setting, an unreadable bucket, and the encryption-API gap. Needs root and Debian's radosgw, ceph-mon,
 * ceph-osd and ceph-common (.ci/run installs them).
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketReplicationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { execFile } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { dataBucketPolicy } from "../infra/iamDocuments.js";
import { canary } from "../infra/verify/canary.js";
import { gatherBucket } from "../infra/verify/live.js";
import { judgeBucket, type Finding } from "../infra/verify/verify.js";
import { RGW_OTHER_USER, RGW_USER, describeRgw, rgwClient } from "./support/rgw.js";

/** Another RGW tenant, named as an AWS account would be, for a bucket policy that shares with it. */
const PARTNER = "111122223333";
const TAGS = [
  { Key: "team", Value: "vision" },
  { Key: "environment", Value: "prod" },
  { Key: "data-classification", Value: "restricted" },
  { Key: "cost-centre", Value: "cc-1" },
];

describeRgw("stowage verify on Ceph RGW", ({ rgw }) => {
  let s3: S3Client;
  // Over TLS, as a real deployment is (the compliant policy denies plain HTTP); `plainClient` for the plain-HTTP checks.
  const client = (credentials = RGW_USER) =>
    rgwClient(rgw, { endpoint: rgw.tlsEndpoint, credentials, requestHandler: { httpsAgent: new Agent({ ca: readFileSync(rgw.caFile) }) } });
  const plainClient = () => rgwClient(rgw);
  const status = (findings: Finding[], rule: string) => findings.find((f) => f.rule === rule)!;
  /** The built command, with the SDK's credential chain fed from the environment only (no files, no IMDS). */
  const stowage = (
    args: string[],
    credentials: Record<string, string> | null = { AWS_ACCESS_KEY_ID: RGW_USER.accessKeyId, AWS_SECRET_ACCESS_KEY: RGW_USER.secretAccessKey },
  ) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
    const home = mkdtempSync(join(tmpdir(), "stowage-home-"));
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        "node",
        ["dist/bundle/cli.js", ...args],
        { env: { ...env, HOME: home, AWS_EC2_METADATA_DISABLED: "true", NODE_EXTRA_CA_CERTS: rgw.caFile, ...credentials } },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  };

  beforeAll(() => {
    s3 = client();
  });
  afterAll(() => {
    s3?.destroy();
  });

  async function compliant(name: string) {
    await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: name,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      }),
    );
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: name,
        Policy: JSON.stringify(dataBucketPolicy(`arn:aws:s3:::${name}`, "arn:aws:kms:us-east-1:123456789012:key/k", "123456789012")),
      }),
    );
    await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: TAGS } }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: name,
        ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 30 } } },
      }),
    );
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: name,
        LifecycleConfiguration: {
          Rules: [{ ID: "noncurrent", Status: "Enabled", Filter: { Prefix: "" }, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }],
        },
      }),
    );
    const replica = `${name}-replica`;
    await s3.send(new CreateBucketCommand({ Bucket: replica }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: replica, VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(
      new PutBucketReplicationCommand({
        Bucket: name,
        ReplicationConfiguration: {
          Role: "arn:aws:iam::123456789012:role/replication",
          Rules: [
            {
              ID: "to-replica",
              Status: "Enabled",
              Priority: 1,
              Filter: { Prefix: "" },
              DeleteMarkerReplication: { Status: "Enabled" },
              SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: "Enabled" } },
              Destination: { Bucket: `arn:aws:s3:::${replica}` },
            },
          ],
        },
      }),
    );
  }

  it("passes a compliant bucket's versioning, lifecycle, public access block, TLS policy, tags, Object Lock; reads replication back", async () => {
    await compliant("verify-compliant");
    const live = await gatherBucket(s3, "verify-compliant");
    const f = judgeBucket(live.facts, {}, rgw.tlsEndpoint);
    for (const rule of [
      "s3-versioning",
      "s3-lifecycle",
      "s3-public-access-block",
      "s3-require-tls",
      "s3-require-tls-1-2",
      "s3-no-public-read-or-write",
      "s3-no-cross-account-admin",
      "required-tags",
      "s3-object-lock-in-prod",
      "s3-lifecycle-transitions",
      "s3-external-access",
    ]) {
      expect(status(f, rule), rule).toMatchObject({ status: "pass" });
    }
    expect(live.facts.replication).toMatchObject({ rules: 1 });
    // RGW reads the rule back without its SseKmsEncryptedObjects criterion (see the team's s3-server note), so the
    // prod replication rule cannot confirm KMS objects replicate.
    expect(status(f, "s3-replication-in-prod")).toMatchObject({ status: "fail", message: expect.stringMatching(/SSE-KMS/) });
  });

  it("reports the encryption-API gap as unknown, never as encrypted or as not configured", async () => {
    const f = judgeBucket((await gatherBucket(s3, "verify-compliant")).facts);
    expect(status(f, "s3-kms-encryption")).toEqual({ rule: "s3-kms-encryption", control: "S3.17", status: "unknown", reason: "not implemented by the server" });
  });

  it("fails a bucket missing each setting", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "verify-bare" }));
    const f = judgeBucket((await gatherBucket(s3, "verify-bare")).facts, {}, rgw.tlsEndpoint);
    expect(status(f, "s3-versioning")).toMatchObject({ status: "fail", message: "versioning is not enabled" });
    expect(status(f, "s3-require-tls-1-2")).toMatchObject({ status: "fail", message: "no statement denies TLS below 1.2" });
    expect(status(f, "s3-lifecycle")).toMatchObject({ status: "fail", message: "no lifecycle rules" });
    // RGW answers an all-false configuration where AWS says NoSuchPublicAccessBlockConfiguration: both fail.
    expect(status(f, "s3-public-access-block")).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/^(no public access block|public access block has .* off)$/),
    });
    expect(status(f, "s3-require-tls")).toMatchObject({ status: "fail" });
    expect(status(f, "s3-access-logging")).toMatchObject({ status: "fail", message: "server access logging is off" });
    expect(status(f, "required-tags")).toMatchObject({ status: "fail", message: "missing tags team, environment, data-classification, cost-centre" });
    expect(status(f, "s3-object-lock-in-prod")).toMatchObject({ status: "pass", reason: expect.stringMatching(/prod buckets only/) });
    await s3.send(new PutBucketVersioningCommand({ Bucket: "verify-bare", VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: "verify-bare", VersioningConfiguration: { Status: "Suspended" } }));
    expect(status(judgeBucket((await gatherBucket(s3, "verify-bare")).facts), "s3-versioning")).toMatchObject({
      status: "fail",
      message: "versioning is suspended",
    });
  });

  it("tells an unreadable setting from a missing one, and fails a bucket of which nothing could be read", async () => {
    const other = client(RGW_OTHER_USER);
    const f = judgeBucket((await gatherBucket(other, "verify-compliant")).facts);
    other.destroy();
    expect(status(f, "s3-versioning")).toMatchObject({ status: "unknown", reason: "access denied" });
    expect(status(f, "s3-require-tls")).toMatchObject({ status: "unknown", reason: "access denied" });
    expect(status(f, "required-tags")).toMatchObject({ status: "unknown", reason: "access denied" });
    // Transitions and shared access are read with the lifecycle and the policy: unread, they are unknown, not a pass.
    expect(status(f, "s3-lifecycle-transitions")).toMatchObject({ status: "unknown", reason: "access denied" });
    expect(status(f, "s3-external-access")).toMatchObject({ status: "unknown", reason: "access denied" });
    // Not one setting was readable: no rule failed, but nothing was verified either, and a gate must not pass it.
    expect(f.filter((x) => x.status === "fail")).toEqual([
      {
        rule: "bucket-readable",
        control: "stowage",
        status: "fail",
        message: expect.stringMatching(/^not one setting could be read \(access denied.*\): nothing was verified$/),
      },
    ]);
  });

  // #22 item 10: a store that denies everything once showed one "pass" (allowed-regions, judged on a region it
  // could not read). Every check that could not read its fact is unknown; the bucket fails as unread; exit 4.
  it("passes nothing on a store that denies everything, through the built command", async () => {
    const r = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--bucket", "verify-compliant", "--json"], {
      AWS_ACCESS_KEY_ID: RGW_OTHER_USER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: RGW_OTHER_USER.secretAccessKey,
    });
    const { EXIT } = await import("../core/exit.js");
    expect(r.code, r.stderr).toBe(EXIT.VIOLATION);
    const findings: Finding[] = JSON.parse(r.stdout).buckets[0].findings;
    expect(findings.filter((x) => x.status === "pass")).toEqual([]);
    expect(findings.filter((x) => x.status === "fail").map((x) => x.rule)).toEqual(["bucket-readable"]);
    expect(status(findings, "allowed-regions")).toMatchObject({
      status: "unknown",
      reason: expect.stringMatching(/^the region could not be read \(access denied/),
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("verifies the buckets a stack's outputs name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-outputs-"));
    const file = join(dir, "outputs.json");
    writeFileSync(
      file,
      JSON.stringify({
        buckets: {
          images: {
            "us-east-2": { name: "verify-compliant", arn: "arn:aws:s3:::verify-compliant" },
            "us-west-2": { name: "verify-compliant-replica", arn: "arn:aws:s3:::verify-compliant-replica" },
          },
        },
        trailArn: "arn",
      }),
    );
    const r = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--outputs", file, "--json"]);
    expect(JSON.parse(r.stdout).buckets.map((b: { name: string }) => b.name)).toEqual(["verify-compliant", "verify-compliant-replica"]);
  });

  it("does not ask a prod replica to replicate itself: known from the primary's replication, or from the outputs", async () => {
    await compliant("verify-prod");
    // The replica carries the stack's tags, environment=prod included, as the program's replicas do.
    await s3.send(new PutBucketTaggingCommand({ Bucket: "verify-prod-replica", Tagging: { TagSet: TAGS } }));
    const replication = (r: { stdout: string }, bucket: string) =>
      JSON.parse(r.stdout)
        .buckets.find((b: { name: string }) => b.name === bucket)
        .findings.find((f: Finding) => f.rule === "s3-replication-in-prod");
    // Both named on the command line: the primary's live replication configuration names the replica.
    const live = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--bucket", "verify-prod", "--bucket", "verify-prod-replica", "--json"]);
    expect(replication(live, "verify-prod-replica")).toEqual({
      rule: "s3-replication-in-prod",
      control: "S3.7",
      status: "pass",
      reason: "a replica: the destination of another bucket's replication",
    });
    // The primary is judged on its replication (RGW drops the SSE-KMS criterion on read-back: that, not its absence).
    expect(replication(live, "verify-prod")).toMatchObject({ status: "fail", message: expect.stringMatching(/SSE-KMS/) });
    // The replica alone, from a stack's outputs that mark it: still not asked to replicate.
    const dir = mkdtempSync(join(tmpdir(), "stowage-outputs-"));
    writeFileSync(
      join(dir, "outputs.json"),
      JSON.stringify({ buckets: { images: { "us-west-2": { name: "verify-prod-replica", arn: "arn:aws:s3:::verify-prod-replica", replica: true } } } }),
    );
    const fromOutputs = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--outputs", join(dir, "outputs.json"), "--json"]);
    expect(replication(fromOutputs, "verify-prod-replica")).toMatchObject({ status: "pass", reason: expect.stringMatching(/a replica/) });
    // Without either, a prod bucket with no replication fails: the exemption is not a blanket one.
    const alone = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--bucket", "verify-prod-replica", "--json"]);
    expect(replication(alone, "verify-prod-replica")).toMatchObject({ status: "fail", message: "no replication configuration" });
  });

  // #25: a live bucket is judged on its transitions and its external access as a program is (the shared-data fixture
  // in test/policy.test.ts declares the same lifecycle and grants). RGW stores a lifecycle S3 refuses
  // (Intelligent-Tiering then Standard-IA) without complaint, and takes `arn:aws:iam::<tenant>:root` and a bare
  // tenant as principals: a user of tenant 111122223333 really reads the bucket through the grant.
  it("judges a live bucket's transitions and external access as the pack judges a program's, through the built command", async () => {
    const bucket = "verify-shared";
    const arn = `arn:aws:s3:::${bucket}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "shared/report.csv", Body: "a,b\n" }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(
      new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: TAGS.map((t) => (t.Key === "environment" ? { ...t, Value: "staging" } : t)) } }),
    );
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: "tiering",
              Status: "Enabled",
              Filter: { Prefix: "" },
              Transitions: [
                { Days: 0, StorageClass: "INTELLIGENT_TIERING" },
                { Days: 60, StorageClass: "STANDARD_IA" },
              ],
            },
            { ID: "archive", Status: "Enabled", Filter: { Prefix: "logs/" }, Transitions: [{ Days: 90, StorageClass: "GLACIER" }], Expiration: { Days: 3650 } },
          ],
        },
      }),
    );
    const own = dataBucketPolicy(arn, "testkey-1", "123456789012");
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          ...own,
          Statement: [
            ...own.Statement.filter((x) => x.Sid !== "DenyOutsideAccount"),
            {
              Sid: "PartnerReads",
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${PARTNER}:root` },
              Action: ["s3:GetObject", "s3:ListBucket"],
              Resource: [arn, `${arn}/*`],
            },
            { Sid: "PartnerWrites", Effect: "Allow", Principal: { AWS: PARTNER }, Action: "s3:PutObject", Resource: `${arn}/incoming/*` },
          ],
        }),
      }),
    );
    // After the policy: RGW's BlockPublicPolicy refuses any grant to another tenant as public (AWS does not, for a
    // named account), and blocks only new policies.
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      }),
    );
    // The grant is real on RGW: a user of the other tenant reads the object (":bucket" names the default tenant's).
    rgw.admin([
      "user",
      "create",
      "--tenant",
      PARTNER,
      "--uid",
      "partner",
      "--display-name",
      "partner",
      "--access-key",
      "partneraccess",
      "--secret-key",
      "partnersecret",
    ]);
    const partner = client({ accessKeyId: "partneraccess", secretAccessKey: "partnersecret" });
    expect(await (await partner.send(new GetObjectCommand({ Bucket: `:${bucket}`, Key: "shared/report.csv" }))).Body!.transformToString()).toBe("a,b\n");
    partner.destroy();

    const r = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--bucket", bucket, "--json"]);
    const { EXIT } = await import("../core/exit.js");
    expect(r.code, r.stderr).toBe(EXIT.VIOLATION);
    const findings: Finding[] = JSON.parse(r.stdout).buckets[0].findings;
    expect(findings.map((f) => [f.rule, f.status, f.level ?? ""])).toEqual([
      ["s3-no-public-read-or-write", "pass", ""],
      ["s3-require-tls", "pass", ""],
      ["s3-require-tls-1-2", "pass", ""],
      ["s3-no-cross-account-admin", "pass", ""],
      ["s3-external-access", "fail", "advisory"],
      ["s3-replication-in-prod", "pass", ""],
      ["s3-public-access-block", "pass", ""],
      ["s3-access-logging", "fail", ""],
      ["s3-acls-disabled", "fail", ""],
      ["s3-lifecycle", "pass", ""],
      ["s3-lifecycle-transitions", "fail", ""],
      ["s3-versioning", "pass", ""],
      ["s3-object-lock-in-prod", "pass", ""],
      ["s3-kms-encryption", "unknown", ""],
      ["required-tags", "pass", ""],
      ["allowed-regions", "pass", ""],
    ]);
    // The messages the pack gives on the shared-data program (test/policy.test.ts), word for word.
    expect(status(findings, "s3-external-access").message).toBe(`shared with account ${PARTNER} (Get/List/Put)`);
    expect(status(findings, "s3-lifecycle-transitions").message).toMatch(
      /^lifecycle rule tiering: storageClass S3 cannot transition INTELLIGENT_TIERING to STANDARD_IA; from INTELLIGENT_TIERING it can go to .*; S3 refuses this lifecycle configuration$/,
    );
    expect(status(findings, "s3-lifecycle-transitions").message).not.toMatch(/archive/);
    // Not AWS: the TLS-1.2 house rule speaks by itself, and says why.
    expect(status(findings, "s3-require-tls-1-2").reason).toBe(
      `judged because ${new URL(rgw.tlsEndpoint).host} is not AWS's endpoint: AWS's refuse TLS below 1.2 themselves, this store's floor is its own`,
    );
    // The text report says the shared access as advice, apart from the failures.
    const text = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--bucket", bucket]);
    expect(text.stdout).toMatch(new RegExp(`^${bucket} \\(stowage-zg\\): 3 failed, 1 advisory, 1 unknown, 11 passed$`, "m"));
    expect(text.stdout).toContain(`advise  IAM Access Analyzer s3-external-access: shared with account ${PARTNER} (Get/List/Put)`);
  });

  /** A versioned, locked bucket with Stowage's data policy (RGW's test KMS key; the account statement left out: RGW
   *  principals carry no AWS account), minus the statements named in `without`. */
  async function canaryBucket(bucket: string, without: string[] = []) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 30 } } },
      }),
    );
    const policy = dataBucketPolicy(`arn:aws:s3:::${bucket}`, "testkey-1", "123456789012");
    const skip = new Set(["DenyOutsideAccount", ...without]);
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ ...policy, Statement: policy.Statement.filter((x) => !skip.has(x.Sid!)) }) }),
    );
    return (await gatherBucket(s3, bucket)).facts;
  }

  it("proves behaviour with a canary round trip over TLS, plain HTTP refused, and leaves nothing behind", async () => {
    const plain = plainClient();
    const checks = await canary(s3, "verify-canary", await canaryBucket("verify-canary"), plain);
    plain.destroy();
    expect(checks.map((c) => [c.check, c.status])).toEqual([
      ["write", "pass"],
      ["versioning", "pass"],
      ["read-versions", "pass"],
      ["delete-marker", "pass"],
      ["unencrypted-upload-refused", "pass"],
      ["plain-http-refused", "pass"],
      ["cleanup", "pass"],
    ]);
    const left = await s3.send(new ListObjectVersionsCommand({ Bucket: "verify-canary", Prefix: "stowage-canary/" }));
    expect((left.Versions?.length ?? 0) + (left.DeleteMarkers?.length ?? 0)).toBe(0);
  });

  it("on RGW, AWS's documented TLS deny alone lets plain HTTP through: the canary shows it, the S3-compatible rule says it", async () => {
    // RGW sets aws:SecureTransport only on TLS connections, so "Bool aws:SecureTransport false" never matches. Judged
    // as AWS would be, the configuration passes; the canary's plain-HTTP upload shows the hole, and the rule as
    // verify applies it to an S3-compatible endpoint fails it.
    const facts = await canaryBucket("verify-canary-aws-pattern", ["DenyUnknownTransport"]);
    expect(status(judgeBucket(facts), "s3-require-tls").status).toBe("pass");
    expect(status(judgeBucket(facts, { secureTransportMayBeAbsent: true }), "s3-require-tls")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("carry no aws:SecureTransport"),
    });
    const cli = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--bucket", "verify-canary-aws-pattern", "--json"]);
    expect(status(JSON.parse(cli.stdout).buckets[0].findings, "s3-require-tls").status).toBe("fail");
    // Stowage's own policy denies the missing key too, and passes.
    expect(status(judgeBucket(await canaryBucket("verify-canary-stowage-pattern"), { secureTransportMayBeAbsent: true }), "s3-require-tls").status).toBe(
      "pass",
    );
    const plain = plainClient();
    const checks = await canary(s3, "verify-canary-aws-pattern", facts, plain);
    plain.destroy();
    expect(checks.find((c) => c.check === "plain-http-refused")).toEqual({
      check: "plain-http-refused",
      status: "fail",
      message: "an upload over plain HTTP was accepted",
    });
    expect(checks.find((c) => c.check === "cleanup")!.status).toBe("pass");
  });

  it("runs the canary from the built command, with --http-endpoint for the gateway's plain port", async () => {
    await canaryBucket("verify-canary-cli");
    const canaryOf = (stdout: string) =>
      Object.fromEntries(JSON.parse(stdout).buckets[0].canary.map((c: { check: string; status: string; message: string }) => [c.check, [c.status, c.message]]));
    const compared = await stowage([
      "verify",
      "--endpoint",
      rgw.tlsEndpoint,
      "--http-endpoint",
      rgw.endpoint,
      "--bucket",
      "verify-canary-cli",
      "--canary",
      "--json",
    ]);
    expect(canaryOf(compared.stdout)["plain-http-refused"]).toEqual(["pass", "refused (AccessDenied)"]);
    // Without it, a TLS endpoint on its own port has no plain twin to guess: unknown, and it says what to pass.
    const guessed = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--bucket", "verify-canary-cli", "--canary", "--json"]);
    expect(canaryOf(guessed.stdout)["plain-http-refused"]).toEqual([
      "unknown",
      `pass --http-endpoint: the plain-HTTP port of ${new URL(rgw.tlsEndpoint).host} cannot be guessed`,
    ]);
  });

  it("fails the canary on a bucket that keeps no versions", async () => {
    const checks = await canary(
      s3,
      "verify-bare-canary",
      (
        await (async () => {
          await s3.send(new CreateBucketCommand({ Bucket: "verify-bare-canary" }));
          return gatherBucket(s3, "verify-bare-canary");
        })()
      ).facts,
      { reason: "not compared here" },
    );
    expect(checks.find((c) => c.check === "versioning")).toMatchObject({ status: "fail" });
    expect(checks.find((c) => c.check === "unencrypted-upload-refused")).toMatchObject({ status: "fail" });
    expect(checks.find((c) => c.check === "cleanup")).toMatchObject({ status: "pass" });
  });

  it("runs end to end from the built command, with the SDK's credential chain", async () => {
    const r = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--bucket", "verify-compliant", "--bucket", "verify-bare", "--json"]);
    expect(r.code).toBe(4);
    const json = JSON.parse(r.stdout);
    expect(json.endpoint).toBe(rgw.tlsEndpoint);
    expect(json.buckets.map((b: { name: string }) => b.name)).toEqual(["verify-compliant", "verify-bare"]);
    expect(json.buckets[0].findings.find((x: Finding) => x.rule === "s3-versioning")).toEqual({ rule: "s3-versioning", control: "S3.14", status: "pass" });
  });
  it("fails a bucket that does not exist, and still judges the others", async () => {
    const r = await stowage(["verify", "--endpoint", rgw.tlsEndpoint, "--bucket", "verify-no-such-bucket", "--bucket", "verify-compliant", "--json"]);
    expect(r.code).toBe(4);
    const [missing, there] = JSON.parse(r.stdout).buckets;
    expect(missing).toEqual({
      name: "verify-no-such-bucket",
      region: null,
      findings: [{ rule: "bucket-exists", control: "stowage", status: "fail", message: "the bucket does not exist (NoSuchBucket)" }],
    });
    expect(status(there.findings, "s3-versioning").status).toBe("pass");
  });

  it("refuses, rather than reporting unknown settings, when nothing can be read", async () => {
    const noCredentials = await stowage(["verify", "--endpoint", rgw.endpoint, "--bucket", "verify-compliant"], null);
    expect(noCredentials).toMatchObject({ code: 2, stdout: "" });
    expect(noCredentials.stderr).toContain("No AWS credentials found");
    expect(noCredentials.stderr).toContain("AWS_PROFILE");

    const wrongSecret = await stowage(["verify", "--endpoint", rgw.endpoint, "--bucket", "verify-compliant"], {
      AWS_ACCESS_KEY_ID: RGW_USER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: "not-the-secret",
    });
    expect(wrongSecret).toMatchObject({ code: 2, stdout: "" });
    expect(wrongSecret.stderr).toContain(`${rgw.endpoint} refused the credentials (SignatureDoesNotMatch`);

    // A loopback port nothing listens on: bound, then released.
    const closed = new URL(rgw.endpoint);
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, closed.hostname, resolve));
    closed.port = String((spare.address() as AddressInfo).port);
    await new Promise((resolve) => spare.close(resolve));
    const unreachable = await stowage(["verify", "--endpoint", closed.origin, "--bucket", "verify-compliant"]);
    expect(unreachable).toMatchObject({ code: 2, stdout: "" });
    expect(unreachable.stderr).toContain(`Cannot reach ${closed.origin} (ECONNREFUSED)`);
    // Never a stack trace, and no SDK support-policy warning for the user to puzzle over.
    for (const r of [noCredentials, wrongSecret, unreachable]) expect(r.stderr).not.toMatch(/\n\s+at |NodeVersionSupportWarning/);
  });
});
