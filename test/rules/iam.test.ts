/** The IAM and KMS rules (infra/policy/rules/iam.ts) on hand-made facts. */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, findings, iamNoWildcards, kmsRotation, noWildcardPrincipals, type Rule } from "../../infra/policy/rules.js";
import type { Facts } from "../../infra/policy/facts.js";
import type { PolicyDocument } from "../../infra/iamDocuments.js";
import { stack } from "./facts.js";

const run = (rule: Rule, facts: Facts) => findings(rule, facts, DEFAULT_CONFIG).map((f) => f.message);
const policy = (Action: string | string[], Resource: string): Facts["iamPolicies"][number] => ({
  ref: { type: "aws:iam/rolePolicy:RolePolicy", name: "p" },
  role: "r",
  team: null,
  reads: [],
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource }] },
});

describe("IAM and KMS rules", () => {
  it("iam-no-wildcards: named actions on named buckets pass; s3:* and every bucket fail; account-level actions on * pass", () => {
    expect(run(iamNoWildcards, stack({ iamPolicies: [policy("s3:GetObject", "arn:aws:s3:::b/*")] }))).toEqual([]);
    expect(run(iamNoWildcards, stack({ iamPolicies: [policy("s3:ListAllMyBuckets", "*")] }))).toEqual([]);
    expect(run(iamNoWildcards, stack({ iamPolicies: [policy("s3:*", "arn:aws:s3:::b")] }))).toEqual(["allows the action s3:*"]);
    expect(run(iamNoWildcards, stack({ iamPolicies: [policy("s3:GetObject", "*")] }))).toEqual(['allows S3 actions on every bucket ("*")']);
  });

  it("no-wildcard-principals: a trust policy for everyone fails", () => {
    const trust = (Principal: unknown): PolicyDocument => ({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal, Action: "sts:AssumeRole" }] as PolicyDocument["Statement"],
    });
    expect(
      run(
        noWildcardPrincipals,
        stack({ roles: [{ ref: { type: "aws:iam/role:Role", name: "r" }, trust: trust({ Service: "lambda.amazonaws.com" }), tags: {} }] }),
      ),
    ).toEqual([]);
    expect(run(noWildcardPrincipals, stack({ roles: [{ ref: { type: "aws:iam/role:Role", name: "r" }, trust: trust("*"), tags: {} }] }))).toEqual([
      "the trust policy lets anyone assume the role",
    ]);
  });

  it("kms-key-rotation: a key without rotation fails", () => {
    const key = (rotation: boolean) => ({ ref: { type: "aws:kms/key:Key", name: "k" }, rotation, protect: null, tags: {} });
    expect(run(kmsRotation, stack({ keys: [key(true)] }))).toEqual([]);
    expect(run(kmsRotation, stack({ keys: [key(false)] }))).toEqual(["key rotation is off"]);
  });
});
