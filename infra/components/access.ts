import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readsOf, type TeamConfig } from "../../core/stack/schema.js";
import { serviceTrust, teamPolicy, teamTrust, uploaderPolicy } from "../iamDocuments.js";
import type { DataBucket } from "./dataBucket.js";

export interface TeamAccessArgs {
  readonly team: TeamConfig;
  readonly bucket: DataBucket;
  /** Every data bucket of the stack by its config name: where the team's reads may point. */
  readonly buckets: ReadonlyMap<string, DataBucket>;
  readonly accountId: pulumi.Input<string>;
  readonly tags: Record<string, string>;
}

/** One IAM role per team: read, write or admin on its own prefixes only, the bucket key only through S3. */
export class TeamAccess extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;

  constructor(name: string, args: TeamAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stowage:index:TeamAccess", name, {}, opts);
    const { team, bucket } = args;
    const reads = readsOf(team).map((r) => ({ bucket: args.buckets.get(r.bucket)!, prefix: r.prefix, commit: r.commit }));
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `Stowage: team ${team.name}, ${team.access} on ${team.prefixes.join(", ")}${team.reads.length ? `, reads ${team.reads.join(", ")}` : ""}${team.readOnly.length ? `, reads only ${team.readOnly.join(", ")}` : ""}`,
        assumeRolePolicy: pulumi.output(args.accountId).apply((a) => JSON.stringify(teamTrust(team.trust, a, team.abac))),
        maxSessionDuration: 3600,
        // stowage-team marks it as a team role for the policy pack's prefix-isolation rule.
        // stowage-reads declares the prefixes it reads (a run's inputs, and read-only ones), so that rule can tell them from a leak.
        // Physical bucket names, as the rule sees the policies' ARNs: "images-4f2a:uploads/ …".
        tags: {
          ...args.tags,
          team: team.name,
          "stowage-team": team.name,
          ...(reads.length
            ? {
                "stowage-reads": pulumi
                  .all(reads.map((r) => r.bucket.bucket.bucket))
                  .apply((names) => names.map((n, i) => `${n}:${reads[i]!.prefix}`).join(" ")),
              }
            : {}),
        },
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([bucket.bucket.arn, bucket.key.arn, pulumi.all(reads.map((r) => pulumi.all([r.bucket.bucket.arn, r.bucket.key.arn])))])
          .apply(([bucketArn, kmsKeyArn, inputs]) =>
            JSON.stringify(
              teamPolicy({
                bucketArn,
                kmsKeyArn,
                region: bucket.region,
                team: team.name,
                prefixes: team.prefixes,
                reads: inputs.map(([arn, key], i) => ({ bucketArn: arn, kmsKeyArn: key, prefix: reads[i]!.prefix, commit: reads[i]!.commit })),
                access: team.access,
                abac: team.abac,
              }),
            ),
          ),
      },
      { parent: this },
    );
    this.registerOutputs({ role: this.role.arn });
  }
}

export interface UploaderArgs {
  readonly bucket: DataBucket;
  /** The only prefix it may write to, under uploads/. */
  readonly prefix: string;
  /** The storage class uploads must ask for (x-amz-storage-class): the planner's stowage:uploadStorageClass. */
  readonly storageClass: string;
  /** Let camera devices trade their X.509 certificate for this role through the AWS IoT credentials provider. */
  readonly iotRoleAlias?: boolean;
  readonly accountId: pulumi.Input<string>;
  readonly tags: Record<string, string>;
}

/** A write-only role for devices and partners: PutObject under its uploads/ prefix, nothing else. */
export class Uploader extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly roleAlias?: aws.iot.RoleAlias;

  constructor(name: string, args: UploaderArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stowage:index:Uploader", name, {}, opts);
    const trust = args.iotRoleAlias
      ? pulumi.output(args.accountId).apply((a) => JSON.stringify(serviceTrust("credentials.iot.amazonaws.com", a)))
      : pulumi
          .output(args.accountId)
          .apply((a) =>
            JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${a}:root` }, Action: "sts:AssumeRole" }] }),
          );
    this.role = new aws.iam.Role(
      `${name}-role`,
      { description: `Stowage uploader: PutObject on ${args.prefix} only`, assumeRolePolicy: trust, maxSessionDuration: 3600, tags: args.tags },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([args.bucket.bucket.arn, args.bucket.key.arn])
          .apply(([bucketArn, kmsKeyArn]) =>
            JSON.stringify(uploaderPolicy({ bucketArn, kmsKeyArn, region: args.bucket.region, prefix: args.prefix, storageClass: args.storageClass })),
          ),
      },
      { parent: this },
    );
    if (args.iotRoleAlias) {
      this.roleAlias = new aws.iot.RoleAlias(
        `${name}-alias`,
        { region: args.bucket.region, alias: `stowage-${name}`, roleArn: this.role.arn, credentialDuration: 3600, tags: args.tags },
        { parent: this },
      );
    }
    this.registerOutputs({ role: this.role.arn });
  }
}
