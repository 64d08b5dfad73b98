/**
 * stowage verify's pure decisions: which endpoint the canary's plain-HTTP upload goes to, when an endpoint is an
 * S3-compatible store rather than AWS, and how a live bucket's facts are judged by what the store is. (Everything that talks to S3 is tested on the real gateway, verify.rgw.)
 */
import { describe, expect, it } from "vitest";
import { plainTwin } from "../infra/verify/report.js";
import type { BucketFacts } from "../infra/model.js";
import { schedulesOf } from "../infra/policy/gather.js";
import { judgeBucket, s3Compatible } from "../infra/verify/verify.js";

describe("the canary's plain-HTTP endpoint", () => {
  it("is the bucket's own regional endpoint on AWS", () => {
    expect(plainTwin({}, "eu-west-1")).toBe("http://s3.eu-west-1.amazonaws.com");
    expect(plainTwin({ region: "us-east-2" }, null)).toBe("http://s3.us-east-2.amazonaws.com");
    expect(plainTwin({}, null)).toBe("http://s3.us-east-1.amazonaws.com");
  });

  it("is the https endpoint with http:// on the default port, or --http-endpoint", () => {
    expect(plainTwin({ endpoint: "https://s3.example.internal" }, "zg")).toBe("http://s3.example.internal");
    expect(plainTwin({ endpoint: "https://s3.example.internal:8443", httpEndpoint: "http://s3.example.internal:8080" }, "zg")).toBe(
      "http://s3.example.internal:8080",
    );
  });

  it("says why there is nothing to compare with", () => {
    expect(plainTwin({ endpoint: "http://127.0.0.1:7480" }, null)).toEqual({ reason: "the endpoint is plain HTTP: there is no TLS to compare with" });
    expect(plainTwin({ endpoint: "https://127.0.0.1:7481" }, null)).toEqual({
      reason: "pass --http-endpoint: the plain-HTTP port of 127.0.0.1:7481 cannot be guessed",
    });
  });
});

describe("S3-compatible endpoints", () => {
  it("are any endpoint outside AWS's own domains", () => {
    expect(s3Compatible(undefined)).toBe(false);
    expect(s3Compatible("https://s3.us-east-1.amazonaws.com")).toBe(false);
    expect(s3Compatible("https://bucket.vpce-0abc.s3.us-east-1.vpce.amazonaws.com")).toBe(false);
    expect(s3Compatible("https://s3.cn-north-1.amazonaws.com.cn")).toBe(false);
    expect(s3Compatible("https://127.0.0.1:7481")).toBe(true);
    expect(s3Compatible("https://amazonaws.com.storage.example")).toBe(true);
  });
});

describe("judging a live bucket's facts", () => {
  const bucket = (more: Partial<BucketFacts> = {}): BucketFacts => ({
    ref: { type: "s3:bucket", name: "b" },
    region: "us-east-1",
    tags: {},
    protect: null,
    role: "data",
    isReplica: false,
    acl: null,
    versioning: "Enabled",
    encryption: null,
    publicAccessBlock: null,
    ownership: null,
    policy: { Version: "2012-10-17", Statement: [] },
    lifecycleRules: null,
    logging: null,
    replication: null,
    objectLock: null,
    dataEvents: null,
    live: true,
    ...more,
  });
  const of = (b: BucketFacts, rule: string, endpoint?: string) => judgeBucket(b, {}, endpoint).find((f) => f.rule === rule)!;

  it("asks for the TLS-1.2 deny only where the endpoint is not AWS's, saying why either way", () => {
    expect(of(bucket(), "s3-require-tls-1-2")).toEqual({
      rule: "s3-require-tls-1-2",
      control: "stowage",
      status: "pass",
      reason: "not asked for on AWS: its S3 endpoints refuse TLS below 1.2 themselves (since February 2024)",
    });
    expect(of(bucket(), "s3-require-tls-1-2", "https://s3.eu-west-1.amazonaws.com").status).toBe("pass");
    expect(of(bucket(), "s3-require-tls-1-2", "https://minio.example.internal:9000")).toEqual({
      rule: "s3-require-tls-1-2",
      control: "stowage",
      status: "fail",
      message: "no statement denies TLS below 1.2",
      reason: "judged because minio.example.internal:9000 is not AWS's endpoint: AWS's refuse TLS below 1.2 themselves, this store's floor is its own",
    });
    // On AWS too, a policy that could not be read is unknown, never a pass.
    expect(of(bucket({ policy: { unknown: "access denied" } }), "s3-require-tls-1-2")).toMatchObject({ status: "unknown", reason: "access denied" });
  });

  it("reports access shared with another account as advice (the gate's failures are the mandatory ones)", () => {
    const shared = bucket({
      policy: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: ["s3:GetObject", "s3:ListBucket"], Resource: "*" }],
      },
    });
    expect(of(shared, "s3-external-access")).toEqual({
      rule: "s3-external-access",
      control: "IAM Access Analyzer",
      status: "fail",
      level: "advisory",
      message: "shared with account 111122223333 (Get/List)",
    });
    expect(of(bucket(), "s3-external-access")).toEqual({ rule: "s3-external-access", control: "IAM Access Analyzer", status: "pass" });
  });

  it("judges the lifecycle's transitions, and says unread rules are unknown", () => {
    const schedules = [
      {
        rule: "tiering",
        transitions: [
          { afterDays: 0, storageClass: "INTELLIGENT_TIERING" },
          { afterDays: 60, storageClass: "STANDARD_IA" },
        ],
        expireDays: null,
      },
    ];
    expect(of(bucket({ lifecycleRules: 1, lifecycleSchedules: schedules }), "s3-lifecycle-transitions")).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/^lifecycle rule tiering: storageClass S3 cannot transition INTELLIGENT_TIERING to STANDARD_IA/),
    });
    expect(
      of(
        bucket({ lifecycleRules: 1, lifecycleSchedules: [{ ...schedules[0]!, transitions: [{ afterDays: 30, storageClass: "STANDARD_IA" }] }] }),
        "s3-lifecycle-transitions",
      ).status,
    ).toBe("pass");
    expect(of(bucket({ lifecycleRules: { unknown: "not implemented by the server" } }), "s3-lifecycle-transitions")).toMatchObject({
      status: "unknown",
      reason: "not implemented by the server",
    });
  });
});

describe("lifecycle schedules, one mapping for a program's rules and a live bucket's", () => {
  it("keeps transitions by days in their order, leaves dated ones out, and names a rule without an id by its place", () => {
    expect(
      schedulesOf([
        {
          id: "t",
          transitions: [{ days: 90, storageClass: "GLACIER" }, { days: 30, storageClass: "STANDARD_IA" }, { storageClass: "DEEP_ARCHIVE" }],
          expiration: { days: 365 },
        },
        { transitions: [], expiration: {} },
      ]),
    ).toEqual([
      {
        rule: "t",
        transitions: [
          { afterDays: 30, storageClass: "STANDARD_IA" },
          { afterDays: 90, storageClass: "GLACIER" },
        ],
        expireDays: 365,
      },
      { rule: "#2", transitions: [], expireDays: null },
    ]);
  });
});

describe("judging hand-made bucket facts (verify)", () => {
  const bucket = (...conditions: Record<string, Record<string, string>>[]): BucketFacts => ({
    ref: { type: "s3:bucket", name: "b" },
    region: "us-east-1",
    tags: {},
    protect: null,
    role: "data",
    isReplica: false,
    acl: null,
    versioning: null,
    encryption: null,
    publicAccessBlock: null,
    ownership: null,
    policy: {
      Version: "2012-10-17",
      Statement: conditions.map((Condition) => ({
        Effect: "Deny" as const,
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        Condition,
      })),
    },
    lifecycleRules: null,
    logging: null,
    replication: null,
    objectLock: null,
    dataEvents: null,
  });
  const tls = (b: BucketFacts, compatible: boolean) =>
    judgeBucket(b, { secureTransportMayBeAbsent: compatible }).find((f) => f.rule === "s3-require-tls")!.status;
  const awsPattern = { Bool: { "aws:SecureTransport": "false" } };

  it("accepts AWS's documented TLS deny on AWS, and on S3-compatible stores asks for the missing key to be denied too", () => {
    expect(tls(bucket(awsPattern), false)).toBe("pass");
    expect(tls(bucket(awsPattern), true)).toBe("fail");
    expect(tls(bucket(awsPattern, { Null: { "aws:SecureTransport": "true" } }), true)).toBe("pass");
    expect(tls(bucket({ BoolIfExists: { "aws:SecureTransport": "false" } }), true)).toBe("pass");
    // Denying only the missing key leaves an explicit false through: not enough anywhere.
    expect(tls(bucket({ Null: { "aws:SecureTransport": "true" } }), false)).toBe("fail");
  });

  it("fails bucket-readable only when not one setting could be read", () => {
    const denied = { unknown: "access denied" };
    const blind: BucketFacts = {
      ...bucket(),
      versioning: denied,
      encryption: denied,
      publicAccessBlock: denied,
      ownership: denied,
      policy: denied,
      lifecycleRules: denied,
      logging: denied,
      replication: denied,
      objectLock: denied,
      tagsUnknown: "access denied",
    };
    expect(judgeBucket(blind)[0]).toEqual({
      rule: "bucket-readable",
      control: "stowage",
      status: "fail",
      message: "not one setting could be read (access denied): nothing was verified",
    });
    expect(judgeBucket({ ...blind, versioning: "Enabled" }).map((f) => f.rule)).not.toContain("bucket-readable");
  });

  it("passes nothing it could not read: the region and the tags decide rules too", () => {
    const denied = { unknown: "access denied" };
    const blind: BucketFacts = {
      ...bucket(),
      region: null,
      regionUnknown: "access denied",
      versioning: denied,
      encryption: denied,
      publicAccessBlock: denied,
      ownership: denied,
      policy: denied,
      lifecycleRules: denied,
      logging: denied,
      replication: denied,
      objectLock: denied,
      tagsUnknown: "access denied",
    };
    expect(judgeBucket(blind, { allowedRegions: ["us-east-2"] }).filter((f) => f.status === "pass")).toEqual([]);
    // Object Lock read as absent, but the tags that say whether it is a prod bucket unread: unknown, not "not prod".
    expect(judgeBucket({ ...bucket(), objectLock: null, tagsUnknown: "access denied" }).find((f) => f.rule === "s3-object-lock-in-prod")).toMatchObject({
      status: "unknown",
    });
  });
});
