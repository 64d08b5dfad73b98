/** Hand-made facts for the rule family tests: a bucket that passes every bucket rule, and an empty stack around it. */
import type { BucketFacts, Facts } from "../../infra/policy/facts.js";
import type { Statement } from "../../infra/iamDocuments.js";

const ARN = "arn:aws:s3:::b";
export const TLS_DENY: Statement = {
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [ARN, `${ARN}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};
export const TLS12_DENY: Statement = {
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [ARN, `${ARN}/*`],
  Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
};

export function goodBucket(over: Partial<BucketFacts> = {}): BucketFacts {
  return {
    ref: { type: "aws:s3/bucket:Bucket", name: "b" },
    region: "us-east-1",
    tags: { environment: "dev" },
    protect: false,
    role: "data",
    isReplica: false,
    acl: null,
    versioning: "Enabled",
    encryption: { algorithm: "aws:kms", kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k", bucketKey: true },
    publicAccessBlock: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    ownership: "BucketOwnerEnforced",
    policy: { Version: "2012-10-17", Statement: [TLS_DENY, TLS12_DENY] },
    lifecycleRules: 1,
    logging: { targetBucket: "logs", targetRegion: "us-east-1" },
    replication: null,
    objectLock: null,
    dataEvents: { writes: true, reads: true },
    ...over,
  };
}

export function stack(over: Partial<Facts> = {}): Facts {
  return { buckets: [goodBucket()], iamPolicies: [], roles: [], keys: [], queues: [], trails: 1, tagged: [], accounts: ["123456789012"], ...over };
}
