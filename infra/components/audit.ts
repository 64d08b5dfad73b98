import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DataBucket } from "./dataBucket.js";
import type { LogBucket } from "./logBucket.js";

export interface AuditArgs {
  readonly region: string;
  /** Where the trail's files go (its policy admits CloudTrail). */
  readonly logBucket: LogBucket;
  /** The buckets whose object-level events are recorded. */
  readonly buckets: readonly DataBucket[];
  /** Record reads (GetObject) too, not just writes (default false: reads of images are many and costly to log). */
  readonly readEvents?: boolean;
  readonly tags: Record<string, string>;
}

/**
 * A CloudTrail trail recording S3 data events for the data buckets (Security Hub S3.22 writes, S3.23 reads), with
 * log file validation so an insurance claim can show the record was not altered.
 */
export class Audit extends pulumi.ComponentResource {
  readonly trail: aws.cloudtrail.Trail;

  constructor(name: string, args: AuditArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stowage:index:Audit", name, {}, opts);
    const prefixes = args.buckets.map((b) => pulumi.interpolate`${b.bucket.arn}/`);
    const selector = (readOnly: "true" | "false") => ({
      name: readOnly === "false" ? "S3 object writes on data buckets" : "S3 object reads on data buckets",
      fieldSelectors: [
        { field: "eventCategory", equals: ["Data"] },
        { field: "resources.type", equals: ["AWS::S3::Object"] },
        { field: "readOnly", equals: [readOnly] },
        { field: "resources.ARN", startsWiths: prefixes },
      ],
    });
    this.trail = new aws.cloudtrail.Trail(
      name,
      {
        region: args.region,
        s3BucketName: args.logBucket.bucket.id,
        s3KeyPrefix: "cloudtrail",
        enableLogFileValidation: true,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        advancedEventSelectors: [selector("false"), ...(args.readEvents ? [selector("true")] : [])],
        tags: args.tags,
      },
      { parent: this, dependsOn: [args.logBucket.policy] },
    );
    this.registerOutputs({ trail: this.trail.arn });
  }
}
