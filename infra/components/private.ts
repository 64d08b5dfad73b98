import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/**
 * What every Stowage bucket gets, whatever it holds: all four public access block settings, and ACLs off
 * (BucketOwnerEnforced). AWS sets both on new buckets since April 2023; the program declares them so that the policy
 * pack finds them declared, not assumed. Returns the block, for a bucket policy that must wait for it.
 */
export function keepPrivate(name: string, region: string, bucket: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): aws.s3.BucketPublicAccessBlock {
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    { region, bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    opts,
  );
  new aws.s3.BucketOwnershipControls(`${name}-ownership`, { region, bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
  return publicAccess;
}
