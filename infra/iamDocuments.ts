/**
 * The IAM and bucket policy documents the program attaches, as pure functions of ARNs: the components call them
 * inside `apply`, and the tests evaluate the very same documents with an IAM policy simulator.
 */
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  /** Action or NotAction: every statement has one of the two. */
  Action?: string | string[];
  NotAction?: string | string[];
  /** Absent in trust policies, which may not name a resource. */
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

const doc = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

/**
 * An IAM policy document as the IAM grammar allows it (JSON text or an object; `Statement` one object or a list),
 * as a document whose `Statement` is always a list. Null for what is not a policy document.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
export function normalizePolicy(v: unknown): PolicyDocument | null {
  let json = v;
  if (typeof v === "string") {
    try {
      json = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return null;
  const statement = (json as { Statement?: unknown }).Statement;
  if (statement === undefined || statement === null) return null;
  const list = (Array.isArray(statement) ? statement : [statement]).filter((s): s is Statement => !!s && typeof s === "object");
  return { ...(json as PolicyDocument), Statement: list };
}

/**
 * TLS only, in two statements. AWS always sets aws:SecureTransport, and its documented deny is "Bool false". Ceph RGW
 * sets the key only on TLS connections and leaves it out of plain-HTTP ones, so there "Bool false" never matches and
 * plain HTTP gets through (seen with `stowage verify --canary` on the test gateway); denying when the key is absent
 * closes that, and never fires on AWS.
 */
function tlsOnly(resources: string[]): Statement[] {
  return [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyUnknownTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { Null: { "aws:SecureTransport": "true" } },
    },
  ];
}

/**
 * The data bucket's own policy: TLS only, TLS 1.2 or later, uploads must ask for SSE-KMS with this bucket's key, and
 * nobody outside the account. Denies apply to everyone, so they hold whatever an IAM policy grants.
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html)
 */
export function dataBucketPolicy(bucketArn: string, kmsKeyArn: string, accountId: string): PolicyDocument {
  const all = [bucketArn, `${bucketArn}/*`];
  return doc(
    ...tlsOnly(all),
    { Sid: "DenyTlsBelow12", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: all, Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
    {
      Sid: "DenyUploadsWithoutKms",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${bucketArn}/*`,
      Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
    },
    {
      Sid: "DenyUploadsWithoutEncryptionHeader",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${bucketArn}/*`,
      Condition: { Null: { "s3:x-amz-server-side-encryption": "true" } },
    },
    {
      Sid: "DenyOtherKmsKeys",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${bucketArn}/*`,
      Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": kmsKeyArn } },
    },
    {
      Sid: "DenyOutsideAccount",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: all,
      Condition: { StringNotEquals: { "aws:PrincipalAccount": accountId } },
    },
  );
}

/** A log bucket receives server access logs and CloudTrail files from the AWS services, over TLS only. */
export function logBucketPolicy(bucketArn: string, accountId: string, trailPrefix = "cloudtrail/"): PolicyDocument {
  return doc(
    ...tlsOnly([bucketArn, `${bucketArn}/*`]),
    {
      Sid: "S3ServerAccessLogs",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/access-logs/*`,
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
    {
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: bucketArn,
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
    {
      Sid: "CloudTrailWrite",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/${trailPrefix}AWSLogs/${accountId}/*`,
      Condition: { StringEquals: { "aws:SourceAccount": accountId, "s3:x-amz-acl": "bucket-owner-full-control" } },
    },
  );
}

export const TEAM_ACTIONS = {
  read: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
  write: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"],
  admin: [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectTagging",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:RestoreObject",
  ],
} as const;

/**
 * A team's role: list only under its prefixes (s3:prefix), object actions only on bucket/prefix*, and the bucket's
 * KMS key only through S3 in the bucket's region. With ABAC, the prefix also has to match the session's team tag.
 * `reads`: other prefixes it may list and read (every version: the data layer pins versionIds), and where the data
 * layer keeps those repositories' commits (<prefix>.stowage/), write unless the prefix is read-only (commit: false)
 * — nothing else there, and no deletes anywhere.
 */
export interface InputPrefix {
  readonly bucketArn: string;
  readonly kmsKeyArn: string;
  readonly prefix: string;
  /** Write the data layer's commits under <prefix>.stowage/ (a run's input); false for a read-only prefix. Default true. */
  readonly commit?: boolean;
}

export function teamPolicy(args: {
  bucketArn: string;
  kmsKeyArn: string;
  region: string;
  team: string;
  prefixes: readonly string[];
  reads?: readonly InputPrefix[];
  access: keyof typeof TEAM_ACTIONS;
  abac?: boolean;
}): PolicyDocument {
  const { bucketArn, kmsKeyArn, region, prefixes, access } = args;
  const reads = args.reads ?? [];
  const commits = reads.filter((r) => r.commit !== false);
  const kmsActions = access === "read" && commits.length === 0 ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:GenerateDataKey"];
  const listable = (arn: string, own: readonly string[]) =>
    [...own, ...reads.filter((r) => r.bucketArn === arn).map((r) => r.prefix)].flatMap((p) => [p, `${p}*`]);
  const otherBuckets = [...new Set(reads.map((r) => r.bucketArn).filter((arn) => arn !== bucketArn))];
  const keys = [...new Set([kmsKeyArn, ...reads.map((r) => r.kmsKeyArn)])];
  return doc(
    {
      Sid: "ListOwnPrefixes",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": listable(bucketArn, prefixes) } },
    },
    ...otherBuckets.map((arn, i) => ({
      Sid: `ListInputPrefixes${i + 1}`,
      Effect: "Allow" as const,
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: arn,
      Condition: { StringLike: { "s3:prefix": listable(arn, []) } },
    })),
    {
      Sid: "ObjectsUnderOwnPrefixes",
      Effect: "Allow",
      Action: [...TEAM_ACTIONS[access]],
      Resource: prefixes.map((p) => `${bucketArn}/${p}*`),
      // ABAC: the session must carry this team's tag (set by the identity provider), so a mis-assigned session gets nothing.
      ...(args.abac ? { Condition: { StringEquals: { "aws:PrincipalTag/team": args.team } } } : {}),
    },
    ...(reads.length
      ? [{ Sid: "ReadInputPrefixes", Effect: "Allow" as const, Action: [...TEAM_ACTIONS.read], Resource: reads.map((r) => `${r.bucketArn}/${r.prefix}*`) }]
      : []),
    ...(commits.length
      ? [{ Sid: "CommitInputPrefixes", Effect: "Allow" as const, Action: "s3:PutObject", Resource: commits.map((r) => `${r.bucketArn}/${r.prefix}.stowage/*`) }]
      : []),
    {
      Sid: "BucketKeyThroughS3",
      Effect: "Allow",
      Action: kmsActions,
      Resource: keys.length === 1 ? keys[0]! : keys,
      Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
    },
  );
}

/**
 * A device or partner: PutObject under its uploads/ prefix and nothing else (not even reading what it wrote), into
 * the storage class the plan chose. S3 has no bucket default class: an upload lands in the class its
 * x-amz-storage-class header names, Standard without one, so the role admits only that header value (or, for
 * Standard, no header).
 */
export function uploaderPolicy(args: { bucketArn: string; kmsKeyArn: string; region: string; prefix: string; storageClass: string }): PolicyDocument {
  const storageClass: Statement["Condition"] = {
    [args.storageClass === "STANDARD" ? "StringEqualsIfExists" : "StringEquals"]: { "s3:x-amz-storage-class": args.storageClass },
  };
  return doc(
    { Sid: "PutUnderOwnPrefix", Effect: "Allow", Action: "s3:PutObject", Resource: `${args.bucketArn}/${args.prefix}*`, Condition: storageClass },
    {
      Sid: "EncryptThroughS3",
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: args.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `s3.${args.region}.amazonaws.com` } },
    },
  );
}

/**
 * A pipeline task's role: exactly what `stowage run --watch --queue` does (every call was judged by the IAM
 * simulator in the data layer's RGW test): list and read every version of the input, write outputs and the data
 * layer's records under the output, commit the input's state under <input>.stowage/, the bucket key through S3, and
 * consume its own queue. No deletes anywhere.
 */
export function pipelineTaskPolicy(args: {
  bucketArn: string;
  kmsKeyArn: string;
  region: string;
  input: string;
  output: string;
  queueArn: string;
}): PolicyDocument {
  const { bucketArn, input, output } = args;
  return doc(
    {
      Sid: "ListInputAndOutput",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": [input, `${input}*`, output, `${output}*`] } },
    },
    {
      Sid: "ReadInputAndOutput",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: [`${bucketArn}/${input}*`, `${bucketArn}/${output}*`],
    },
    { Sid: "WriteOutputAndCommits", Effect: "Allow", Action: "s3:PutObject", Resource: [`${bucketArn}/${output}*`, `${bucketArn}/${input}.stowage/*`] },
    {
      Sid: "BucketKeyThroughS3",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: args.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `s3.${args.region}.amazonaws.com` } },
    },
    {
      Sid: "ConsumeItsQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
      Resource: args.queueArn,
    },
  );
}

/** Exactly what S3 replication needs (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html). */
export function replicationPolicy(args: { sourceArn: string; destinationArn: string; sourceKeyArn: string; destinationKeyArn: string }): PolicyDocument {
  return doc(
    { Sid: "SourceBucket", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: args.sourceArn },
    {
      Sid: "SourceObjects",
      Effect: "Allow",
      Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
      Resource: `${args.sourceArn}/*`,
    },
    {
      Sid: "DestinationObjects",
      Effect: "Allow",
      Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
      Resource: `${args.destinationArn}/*`,
    },
    { Sid: "DecryptSource", Effect: "Allow", Action: "kms:Decrypt", Resource: args.sourceKeyArn },
    { Sid: "EncryptDestination", Effect: "Allow", Action: "kms:Encrypt", Resource: args.destinationKeyArn },
  );
}

export function serviceTrust(service: string, accountId?: string): PolicyDocument {
  return doc({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    ...(accountId ? { Condition: { StringEquals: { "aws:SourceAccount": accountId } } } : {}),
  });
}

/** Who may assume a team's role: the account's own principals, an SSO permission set's role, or CI through OIDC. */
export function teamTrust(
  trust: { type: "account" } | { type: "sso"; permissionSetRoleArn: string } | { type: "oidc"; providerArn: string; audience: string; subject: string },
  accountId: string,
  abac: boolean,
): PolicyDocument {
  const actions = abac ? ["sts:AssumeRole", "sts:TagSession"] : "sts:AssumeRole";
  switch (trust.type) {
    case "account":
      return doc({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: actions });
    case "sso":
      return doc({ Effect: "Allow", Principal: { AWS: trust.permissionSetRoleArn }, Action: actions });
    case "oidc": {
      const host = trust.providerArn.split(":oidc-provider/")[1] ?? "";
      return doc({
        Effect: "Allow",
        Principal: { Federated: trust.providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${host}:aud`]: trust.audience }, StringLike: { [`${host}:sub`]: trust.subject } },
      });
    }
  }
}
