import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { logBucketPolicy } from "../iamDocuments.js";
import { keepPrivate } from "./private.js";

export interface LogBucketArgs {
  /** Region of the data buckets it serves (server access logs must land in the same region). */
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** Days log files are kept (default 365). */
  readonly retentionDays?: number;
  /** Delete the bucket with its logs on destroy (dev only; default false). */
  readonly forceDestroy?: boolean;
  readonly tags: Record<string, string>;
}

/**
 * A bucket for S3 server access logs and CloudTrail files. SSE-S3, because S3 log delivery cannot write to an
 * SSE-KMS default-encrypted target (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
 */
export class LogBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly policy: aws.s3.BucketPolicy;

  constructor(name: string, args: LogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stowage:index:LogBucket", name, {}, opts);
    const child = { parent: this };
    const { region, tags } = args;
    this.bucket = new aws.s3.Bucket(name, { region, forceDestroy: args.forceDestroy ?? false, tags }, child);
    const bucket = this.bucket.id;
    new aws.s3.BucketVersioning(`${name}-versioning`, { region, bucket, versioningConfiguration: { status: "Enabled" } }, child);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { region, bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      child,
    );
    keepPrivate(name, region, bucket, child);
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        region,
        bucket,
        rules: [
          {
            id: "expire-logs",
            status: "Enabled",
            filter: {},
            expiration: { days: args.retentionDays ?? 365 },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      child,
    );
    this.policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      { region, bucket, policy: pulumi.all([this.bucket.arn, args.accountId]).apply(([arn, account]) => JSON.stringify(logBucketPolicy(arn, account))) },
      child,
    );
    this.registerOutputs({ bucket: this.bucket.id, arn: this.bucket.arn });
  }
}
