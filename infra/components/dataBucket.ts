import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { lifecycleProblems, type Transition } from "../../core/storageClasses.js";
import { dataBucketPolicy } from "../iamDocuments.js";
import { keepPrivate } from "./private.js";

export interface DataBucketArgs {
  /** Region the bucket and its key live in. */
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** Keep every version (default true; replication and Object Lock need it). */
  readonly versioning?: boolean;
  /** Lifecycle transitions by age, as the planner writes them (default none). Checked against S3's supported
   * transitions from `uploadStorageClass`. */
  readonly transitions?: readonly Transition[];
  /** The class uploads land in, where the transitions start (default STANDARD). */
  readonly uploadStorageClass?: string;
  /** Expire current versions this many days after creation (default: never). */
  readonly expireAfterDays?: number;
  /** Expire noncurrent versions after this many days (default 30). */
  readonly noncurrentVersionExpireDays?: number;
  /** Abort incomplete multipart uploads after this many days (default 7). */
  readonly abortIncompleteUploadDays?: number;
  /** Object Lock with a default retention; only at creation (default none). */
  readonly objectLock?: { readonly mode: "GOVERNANCE" | "COMPLIANCE"; readonly days: number };
  /** Intelligent-Tiering archive tiers for objects that sit unread (default off). */
  readonly intelligentTieringArchive?: { readonly archiveAfterDays: number; readonly deepArchiveAfterDays: number };
  /** Send object-created events to an SQS queue for automated processing (default false). */
  readonly notifications?: boolean;
  /** Only objects created under this prefix are sent (a pipeline's input, so its outputs do not come back). */
  readonly eventsPrefix?: string;
  /** Server access logs go here (same region). */
  readonly logBucket: aws.s3.Bucket;
  /** Delete the bucket with its objects on destroy (dev only; default false). */
  readonly forceDestroy?: boolean;
  /** Protect the bucket and key from deletion, and keep them if removed from the program (default false). */
  readonly protect?: boolean;
  /** KMS key deletion window in days (default 30). */
  readonly keyDeletionDays?: number;
  readonly tags: Record<string, string>;
}

/**
 * A versioned, KMS-encrypted, lifecycle-tiered bucket that refuses public access, non-TLS and unencrypted uploads,
 * logs every request, and (optionally) locks objects. Every setting is its own @pulumi/aws v7 sidecar resource.
 */
export class DataBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly key: aws.kms.Key;
  /** The queue S3 sends object-created events to (notifications: true). */
  readonly events: aws.sqs.Queue | null = null;
  readonly versioning?: aws.s3.BucketVersioning;
  readonly region: string;

  constructor(name: string, args: DataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stowage:index:DataBucket", name, {}, opts);
    // As CDK's Bucket does: the component refuses arguments S3 would refuse, every problem at once, before creating anything.
    const problems = lifecycleProblems(args.transitions ?? [], {
      uploadClass: args.uploadStorageClass ?? "STANDARD",
      expireDays: args.expireAfterDays ?? null,
    });
    if (problems.length) {
      throw new pulumi.RunError(
        `DataBucket ${name}: ${problems.map((p) => (p.rule === null ? `expireAfterDays: ${p.message}` : `transitions[${p.rule}].${p.field}: ${p.message}`)).join("; ")}`,
      );
    }
    const { region, tags } = args;
    this.region = region;
    const child = { parent: this };
    const kept = { parent: this, protect: args.protect ?? false, retainOnDelete: args.protect ?? false };

    this.key = new aws.kms.Key(
      `${name}-key`,
      { region, description: `Stowage data bucket ${name}`, enableKeyRotation: true, deletionWindowInDays: args.keyDeletionDays ?? 30, tags },
      kept,
    );
    new aws.kms.Alias(`${name}-key-alias`, { region, name: pulumi.interpolate`alias/stowage/${name}`, targetKeyId: this.key.keyId }, child);
    this.bucket = new aws.s3.Bucket(
      name,
      { region, forceDestroy: args.forceDestroy ?? false, objectLockEnabled: args.objectLock ? true : undefined, tags },
      kept,
    );
    const bucket = this.bucket.id;

    if (args.versioning ?? true) {
      this.versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { region, bucket, versioningConfiguration: { status: "Enabled" } }, child);
    }
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      // The bucket key cuts KMS requests (and their cost) by reusing a data key per bucket.
      { region, bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }] },
      child,
    );
    const publicAccess = keepPrivate(name, region, bucket, child);
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        region,
        bucket,
        policy: pulumi.all([this.bucket.arn, this.key.arn, args.accountId]).apply(([arn, key, account]) => JSON.stringify(dataBucketPolicy(arn, key, account))),
      },
      { parent: this, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        region,
        bucket,
        rules: [
          {
            id: "tiering",
            status: "Enabled",
            filter: {},
            transitions: (args.transitions ?? []).map((t) => ({ days: t.afterDays, storageClass: t.storageClass })),
            ...(args.expireAfterDays ? { expiration: { days: args.expireAfterDays } } : {}),
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpireDays ?? 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: args.abortIncompleteUploadDays ?? 7 },
          },
        ],
      },
      { parent: this, dependsOn: this.versioning ? [this.versioning] : [] },
    );
    new aws.s3.BucketLogging(
      `${name}-logging`,
      { region, bucket, targetBucket: args.logBucket.id, targetPrefix: pulumi.interpolate`access-logs/${this.bucket.id}/` },
      child,
    );
    if (args.objectLock) {
      new aws.s3.BucketObjectLockConfiguration(
        `${name}-object-lock`,
        { region, bucket, objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } } },
        { parent: this, dependsOn: this.versioning ? [this.versioning] : [] },
      );
    }
    if (args.intelligentTieringArchive) {
      new aws.s3.BucketIntelligentTieringConfiguration(
        `${name}-intelligent-tiering`,
        {
          region,
          bucket,
          name: "archive-unread",
          status: "Enabled",
          tierings: [
            { accessTier: "ARCHIVE_ACCESS", days: args.intelligentTieringArchive.archiveAfterDays },
            { accessTier: "DEEP_ARCHIVE_ACCESS", days: args.intelligentTieringArchive.deepArchiveAfterDays },
          ],
        },
        child,
      );
    }
    if (args.notifications) {
      const queue = new aws.sqs.Queue(`${name}-events`, { region, sqsManagedSseEnabled: true, tags }, child);
      this.events = queue;
      const queuePolicy = new aws.sqs.QueuePolicy(
        `${name}-events-policy`,
        {
          region,
          queueUrl: queue.url,
          policy: pulumi.all([queue.arn, this.bucket.arn, args.accountId]).apply(([queueArn, bucketArn, account]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Principal: { Service: "s3.amazonaws.com" },
                  Action: "sqs:SendMessage",
                  Resource: queueArn,
                  Condition: { ArnEquals: { "aws:SourceArn": bucketArn }, StringEquals: { "aws:SourceAccount": account } },
                },
              ],
            }),
          ),
        },
        child,
      );
      new aws.s3.BucketNotification(
        `${name}-notification`,
        {
          region,
          bucket,
          queues: [{ queueArn: queue.arn, events: ["s3:ObjectCreated:*"], ...(args.eventsPrefix ? { filterPrefix: args.eventsPrefix } : {}) }],
        },
        { parent: this, dependsOn: [queuePolicy] },
      );
    }
    this.registerOutputs({ bucket: this.bucket.id, arn: this.bucket.arn, keyArn: this.key.arn });
  }
}
