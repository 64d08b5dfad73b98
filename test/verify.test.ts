/**
 * stowage verify's pure decisions: which endpoint the canary's plain-HTTP upload goes to, and when an endpoint is an
 * S3-compatible store rather than AWS; and the findings of hand-made bucket facts. (Everything that talks to S3 is
 * tested on the real gateway, verify.rgw.)
 */
import { describe, expect, it } from "vitest";
import { plainTwin, s3Compatible } from "../infra/verify/report.js";
import type { BucketFacts } from "../infra/model.js";
import { judgeBucket } from "../infra/verify/verify.js";

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
