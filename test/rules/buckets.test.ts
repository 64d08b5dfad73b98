/** The S3 bucket rules (infra/policy/rules/buckets.ts) on hand-made facts: a passing bucket, then one failing case per field. */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_CONFIG,
  findings,
  s3AccessLogging,
  s3ExternalAccess,
  s3KmsEncryption,
  s3Lifecycle,
  s3LifecycleTransitions,
  s3NoPublicAccess,
  s3PublicAccessBlock,
  s3RequireTls,
  s3Versioning,
  type Rule,
} from "../../infra/policy/rules.js";
import { RULES } from "../../infra/policy/rules.js";
import type { BucketFacts } from "../../infra/policy/facts.js";
import { TLS_DENY, goodBucket, stack } from "./facts.js";

const run = (rule: Rule, b: BucketFacts) =>
  findings(rule, stack({ buckets: [b] }), DEFAULT_CONFIG, "2026-12-02").map((f) => [f.enforcementLevel ?? rule.enforcementLevel, f.message]);
const publicRead = (actions: string[]) => ({
  Version: "2012-10-17" as const,
  Statement: [TLS_DENY, { Effect: "Allow" as const, Principal: "*", Action: actions, Resource: "arn:aws:s3:::b/*" }],
});

describe("S3 bucket rules", () => {
  it("pass a bucket with every setting", () => {
    for (const rule of RULES.filter((r) => r.name.startsWith("s3-"))) expect([rule.name, run(rule, goodBucket())]).toEqual([rule.name, []]);
  });

  it("fail each missing setting", () => {
    expect(run(s3Versioning, goodBucket({ versioning: "Suspended" }))).toEqual([["mandatory", "versioning is suspended"]]);
    expect(run(s3Lifecycle, goodBucket({ lifecycleRules: 0 }))).toEqual([["mandatory", "no lifecycle rules"]]);
    expect(run(s3AccessLogging, goodBucket({ logging: null }))).toEqual([["mandatory", "server access logging is off"]]);
    expect(run(s3KmsEncryption, goodBucket({ encryption: { algorithm: "AES256", kmsKeyId: null, bucketKey: false } }))).toEqual([
      ["mandatory", "default encryption is AES256, not SSE-KMS"],
    ]);
    expect(run(s3RequireTls, goodBucket({ policy: { Version: "2012-10-17", Statement: [] } }))[0]![0]).toBe("mandatory");
    expect(run(s3PublicAccessBlock, goodBucket({ publicAccessBlock: null }))[0]![0]).toBe("advisory");
  });

  it("say once that a website with a public-read policy is public on purpose, and bind on a public write", () => {
    const site = goodBucket({ role: "website", policy: publicRead(["s3:GetObject"]), publicAccessBlock: null, lifecycleRules: null, versioning: null });
    expect(run(s3NoPublicAccess, site)).toEqual([["advisory", expect.stringMatching(/^public on purpose \(website configuration and a public-read policy\)/)]]);
    for (const rule of [s3PublicAccessBlock, s3Lifecycle, s3Versioning, s3RequireTls]) expect(run(rule, site)).toEqual([]);
    expect(run(s3NoPublicAccess, { ...site, policy: publicRead(["s3:GetObject", "s3:DeleteObject"]) })).toEqual([
      ["mandatory", expect.stringMatching(/lets everyone s3:DeleteObject/)],
    ]);
    // Not a website and no exception: a public policy on a data bucket binds.
    expect(run(s3NoPublicAccess, goodBucket({ policy: publicRead(["s3:GetObject"]) }))[0]![0]).toBe("mandatory");
  });

  it("judges each lifecycle rule's transitions with the storage class table", () => {
    const schedule = (storageClass: string) =>
      goodBucket({
        lifecycleSchedules: [
          {
            rule: "r",
            transitions: [
              { afterDays: 0, storageClass: "INTELLIGENT_TIERING" },
              { afterDays: 60, storageClass },
            ],
            expireDays: null,
          },
        ],
      });
    expect(run(s3LifecycleTransitions, schedule("GLACIER"))).toEqual([]);
    expect(run(s3LifecycleTransitions, schedule("STANDARD_IA"))).toEqual([
      ["mandatory", expect.stringMatching(/^lifecycle rule r: storageClass S3 cannot transition INTELLIGENT_TIERING to STANDARD_IA/)],
    ]);
  });

  it("reports access shared with another account, not the stack's own", () => {
    const grant = (principal: string, action: string[]) =>
      goodBucket({
        policy: {
          Version: "2012-10-17",
          Statement: [TLS_DENY, { Effect: "Allow", Principal: { AWS: principal }, Action: action, Resource: "arn:aws:s3:::b/*" }],
        },
      });
    expect(run(s3ExternalAccess, grant("arn:aws:iam::111122223333:root", ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]))).toEqual([
      ["advisory", "shared with account 111122223333 (Get/List/Put)"],
    ]);
    expect(run(s3ExternalAccess, grant("arn:aws:iam::123456789012:role/app", ["s3:GetObject"]))).toEqual([]);
  });
});
