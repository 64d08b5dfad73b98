/**
 * The S3 and IAM rights of the AWS-managed policies programs attach most often, as documents the rules can read
 * (the parts that matter to S3 and IAM rules; the full documents are in the IAM console, "AWS managed" policies).
 * A role that gets AmazonS3FullAccess through a RolePolicyAttachment — as @pulumi/aws's callback functions can — has
 * s3:* on every bucket, whatever its inline policies say.
 */
import type { PolicyDocument } from "../iamDocuments.js";

const allow = (Action: string | string[], Resource: string | string[] = "*"): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action, Resource }],
});

export const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  AdministratorAccess: allow("*"),
  PowerUserAccess: { Version: "2012-10-17", Statement: [{ Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" }] },
  ReadOnlyAccess: allow(["s3:Get*", "s3:List*", "s3:Describe*", "iam:Get*", "iam:List*"]),
  AmazonS3FullAccess: allow(["s3:*", "s3-object-lambda:*"]),
  AmazonS3ReadOnlyAccess: allow(["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"]),
  IAMFullAccess: allow(["iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization"]),
  // No S3 or IAM rights: listed so that attaching them is known, not unknown.
  "service-role/AWSLambdaBasicExecutionRole": allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]),
  "service-role/AWSLambdaVPCAccessExecutionRole": allow([
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
  ]),
};

/** The document of an AWS-managed policy ARN (arn:aws:iam::aws:policy/NAME), or null for any other ARN. */
export function managedPolicy(arn: unknown): PolicyDocument | null {
  const m = typeof arn === "string" ? /^arn:aws[\w-]*:iam::aws:policy\/(.+)$/.exec(arn) : null;
  return m ? (AWS_MANAGED_POLICIES[m[1]!] ?? null) : null;
}
