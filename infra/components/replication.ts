import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { replicaRegionProblems } from "../../core/regions.js";
import { replicationPolicy, serviceTrust } from "../iamDocuments.js";
import { DataBucket, type DataBucketArgs } from "./dataBucket.js";
import { LogBucket } from "./logBucket.js";

export interface ReplicationArgs {
  /** The bucket to copy from; it must be versioned. */
  readonly source: DataBucket;
  /** Where the replica bucket goes (not the source's region). */
  readonly replicaRegion: string;
  /** The replica bucket's settings: the same hardening as the source (region, key and logging are the replica's). */
  readonly replicaArgs: Omit<DataBucketArgs, "region" | "logBucket">;
  readonly accountId: pulumi.Input<string>;
  /** Replication Time Control: 99.99% of objects within 15 minutes, with metrics (default false). */
  readonly replicationTimeControl?: boolean;
  readonly tags: Record<string, string>;
}

/** The regions each source bucket already replicates to, so a second Replication to one region is refused. */
const replicatedTo = new WeakMap<DataBucket, string[]>();

/**
 * A replica bucket in another region (same hardening, its own KMS key there: a key from the wrong region is
 * accepted at PUT and fails later), a least-privilege role for S3, and one rule that replicates SSE-KMS objects and
 * delete markers. Existing objects need S3 Batch Replication.
 */
export class Replication extends pulumi.ComponentResource {
  readonly replica: DataBucket;
  readonly logBucket: LogBucket;
  readonly role: aws.iam.Role;

  constructor(name: string, args: ReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stowage:index:Replication", name, {}, opts);
    const child = { parent: this };
    const { source, replicaRegion } = args;
    if (!source.versioning) throw new Error(`Replication ${name}: the source bucket must be versioned`);
    // The stack config's rules (core/regions.ts), over every replica of this source: a region listed twice would be a
    // second replica bucket with the same name, which the engine refuses as a duplicate URN.
    const regions = [...(replicatedTo.get(source) ?? []), replicaRegion];
    const problems = replicaRegionProblems(source.region, regions);
    if (problems.length) throw new pulumi.RunError(`Replication ${name}: ${problems.map((p) => `replicaRegion: ${p.message}`).join("; ")}`);
    replicatedTo.set(source, regions);
    this.logBucket = new LogBucket(
      `${name}-logs`,
      { region: replicaRegion, accountId: args.accountId, forceDestroy: args.replicaArgs.forceDestroy ?? false, tags: args.tags },
      child,
    );
    this.replica = new DataBucket(`${name}-replica`, { ...args.replicaArgs, region: replicaRegion, logBucket: this.logBucket.bucket }, child);
    this.role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: pulumi.output(args.accountId).apply((a) => JSON.stringify(serviceTrust("s3.amazonaws.com", a))), tags: args.tags },
      child,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([source.bucket.arn, this.replica.bucket.arn, source.key.arn, this.replica.key.arn])
          .apply(([sourceArn, destinationArn, sourceKeyArn, destinationKeyArn]) =>
            JSON.stringify(replicationPolicy({ sourceArn, destinationArn, sourceKeyArn, destinationKeyArn })),
          ),
      },
      child,
    );
    const rtc = args.replicationTimeControl ?? false;
    new aws.s3.BucketReplicationConfig(
      `${name}-config`,
      {
        region: source.region,
        bucket: source.bucket.id,
        role: this.role.arn,
        rules: [
          {
            id: `to-${replicaRegion}`,
            status: "Enabled",
            priority: 1,
            filter: {},
            deleteMarkerReplication: { status: "Enabled" },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
            destination: {
              bucket: this.replica.bucket.arn,
              storageClass: "STANDARD",
              encryptionConfiguration: { replicaKmsKeyId: this.replica.key.arn },
              ...(rtc
                ? { replicationTime: { status: "Enabled", time: { minutes: 15 } }, metrics: { status: "Enabled", eventThreshold: { minutes: 15 } } }
                : {}),
            },
          },
        ],
      },
      { parent: this, dependsOn: [policy, ...(source.versioning ? [source.versioning] : []), ...(this.replica.versioning ? [this.replica.versioning] : [])] },
    );
    this.registerOutputs({ replica: this.replica.bucket.id, replicaArn: this.replica.bucket.arn, role: this.role.arn });
  }
}
