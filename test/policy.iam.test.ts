/**
 * IAM as the pack judges it: team prefixes from the resources themselves, IAM documents in every form the grammar
 * allows, getPolicyDocument, AWS-managed policies and account-level S3 actions.
 */
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../infra/mockrun.js";
import { fromStackExport, judge } from "../infra/policy/offline.js";
import { findingsOf, run } from "./support/policy.js";

describe("team-prefix-isolation without Stowage's config, from the resources themselves", () => {
  it("fires on a stack export where one team role reaches another team's prefix", async () => {
    const urn = (type: string, name: string) => `urn:pulumi:prod::app::${type}::${name}`;
    const role = (team: string) => ({
      urn: urn("aws:iam/role:Role", `${team}-role`),
      type: "aws:iam/role:Role",
      custom: true,
      id: `${team}-role-1a2b`,
      outputs: { name: `${team}-role-1a2b`, tags: { "stowage-team": team } },
    });
    const policy = (team: string, prefixes: string[], bucket = "acme-data") => ({
      urn: urn("aws:iam/rolePolicy:RolePolicy", `${team}-policy`),
      type: "aws:iam/rolePolicy:RolePolicy",
      custom: true,
      inputs: {
        role: `${team}-role-1a2b`,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: prefixes.map((p) => `arn:aws:s3:::${bucket}/${p}*`) }],
        }),
      },
      propertyDependencies: { role: [urn("aws:iam/role:Role", `${team}-role`)] },
    });
    const exported = {
      deployment: { resources: [role("vision"), policy("vision", ["processed/", "uploads/"]), role("ingest"), policy("ingest", ["uploads/"])] },
    };
    const hits = (await judge("prod", fromStackExport(exported))).violations.filter((v) => v.policy === "team-prefix-isolation");
    expect(hits.map((h) => h.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/team vision's role reaches acme-data\/uploads\/, which is granted to team ingest/),
        expect.stringMatching(/team ingest's role reaches acme-data\/uploads\/, which is granted to team vision/),
      ]),
    );
    // A bucket whose name merely contains the other's is another bucket.
    const similar = {
      deployment: {
        resources: [role("vision"), policy("vision", ["processed/", "uploads/"]), role("ingest"), policy("ingest", ["uploads/"], "acme-data-old")],
      },
    };
    expect((await judge("prod", fromStackExport(similar))).violations.filter((v) => v.policy === "team-prefix-isolation")).toEqual([]);
  });

  it("lets a team read the inputs it declares (stowage-reads), and nothing more there", async () => {
    const urn = (type: string, name: string) => `urn:pulumi:prod::app::${type}::${name}`;
    const role = (team: string, reads?: string) => ({
      urn: urn("aws:iam/role:Role", `${team}-role`),
      type: "aws:iam/role:Role",
      custom: true,
      id: `${team}-role-1a2b`,
      outputs: { name: `${team}-role-1a2b`, tags: { "stowage-team": team, ...(reads ? { "stowage-reads": reads } : {}) } },
    });
    const policy = (team: string, statements: { Action: string[]; prefix: string }[]) => ({
      urn: urn("aws:iam/rolePolicy:RolePolicy", `${team}-policy`),
      type: "aws:iam/rolePolicy:RolePolicy",
      custom: true,
      inputs: {
        role: `${team}-role-1a2b`,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: statements.map((st) => ({ Effect: "Allow", Action: st.Action, Resource: `arn:aws:s3:::acme-data/${st.prefix}*` })),
        }),
      },
      propertyDependencies: { role: [urn("aws:iam/role:Role", `${team}-role`)] },
    });
    const ingest = [role("ingest"), policy("ingest", [{ Action: ["s3:PutObject", "s3:GetObject"], prefix: "uploads/" }])];
    const isolation = async (vision: unknown[]) =>
      (await judge("prod", fromStackExport({ deployment: { resources: [...vision, ...ingest] } }))).violations
        .filter((v) => v.policy === "team-prefix-isolation")
        .map((v) => v.message);
    const own = { Action: ["s3:PutObject", "s3:GetObject"], prefix: "processed/" };
    const reads = { Action: ["s3:GetObject", "s3:GetObjectVersion"], prefix: "uploads/" };
    const commits = { Action: ["s3:PutObject"], prefix: "uploads/.stowage/" };
    expect(await isolation([role("vision", "uploads/"), policy("vision", [own, reads, commits])])).toEqual([]);
    // Undeclared, the same read is a leak; declared, a write beyond .stowage/ still is.
    expect(await isolation([role("vision"), policy("vision", [own, reads])])).toContainEqual(
      expect.stringMatching(/team vision's role reaches acme-data\/uploads\//),
    );
    expect(await isolation([role("vision", "uploads/"), policy("vision", [own, { Action: ["s3:PutObject"], prefix: "uploads/cameras/" }])])).toContainEqual(
      expect.stringMatching(/team vision's role reaches acme-data\/uploads\//),
    );
  });

  it("fires on a foreign --program", async () => {
    const r = await run("--program", "test/fixtures/programs/teams", "--json");
    const hits = JSON.parse(r.stdout).violations.filter((v: { policy: string }) => v.policy === "team-prefix-isolation");
    expect(hits.map((h: { message: string; enforcementLevel: string }) => [h.enforcementLevel, h.message])).toContainEqual([
      "mandatory",
      expect.stringMatching(/team analysts's role reaches acme-shared-data\/labels\/, which is granted to team labelling/),
    ]);
  });
});

describe("IAM documents in every form the IAM grammar allows", () => {
  const urn = (type: string, name: string) => `urn:pulumi:prod::app::${type}::${name}`;
  const exportWith = (document: unknown, bucketPolicy?: unknown) => ({
    deployment: {
      resources: [
        { urn: urn("aws:iam/role:Role", "r"), type: "aws:iam/role:Role", custom: true, id: "r-1", outputs: { name: "r-1", tags: {} } },
        {
          urn: urn("aws:iam/rolePolicy:RolePolicy", "p"),
          type: "aws:iam/rolePolicy:RolePolicy",
          custom: true,
          inputs: { role: "r-1", policy: JSON.stringify(document) },
        },
        ...(bucketPolicy
          ? [
              {
                urn: urn("aws:s3/bucket:Bucket", "b"),
                type: "aws:s3/bucket:Bucket",
                custom: true,
                id: "b-1",
                outputs: { bucket: "b-1", arn: "arn:aws:s3:::b-1" },
              },
              {
                urn: urn("aws:s3/bucketPolicy:BucketPolicy", "bp"),
                type: "aws:s3/bucketPolicy:BucketPolicy",
                custom: true,
                inputs: { bucket: "b-1", policy: JSON.stringify(bucketPolicy) },
              },
            ]
          : []),
      ],
    },
  });
  const messages = async (document: unknown, bucketPolicy?: unknown) =>
    (await judge("prod", fromStackExport(exportWith(document, bucketPolicy)))).violations.map((v) => `${v.policy}: ${v.message}`);

  it("reads a Statement that is one object, not a list (no crash, and judged)", async () => {
    const found = await messages({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b-1/*" } });
    expect(found.some((m) => /iam-no-wildcards: .*allows the action s3:\*/.test(m))).toBe(true);
    const publicPolicy = await messages(
      { Version: "2012-10-17", Statement: [] },
      { Version: "2012-10-17", Statement: { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b-1/*" } },
    );
    expect(publicPolicy.some((m) => m.startsWith("s3-no-public-read-or-write:"))).toBe(true);
  });

  it("sees a wildcard bucket anywhere in an S3 ARN, and NotAction/NotResource as the wildcards they are", async () => {
    expect(
      (await messages({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::*/*" }] })).some((m) =>
        /every bucket \("arn:aws:s3:::\*\/\*"\)/.test(m),
      ),
    ).toBe(true);
    expect(
      (await messages({ Version: "2012-10-17", Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b-1/*" }] })).some((m) =>
        /allows the action \*/.test(m),
      ),
    ).toBe(true);
    expect(
      (await messages({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::secret/*" }] })).some((m) =>
        /every bucket/.test(m),
      ),
    ).toBe(true);
    // A named bucket is not a wildcard.
    expect(
      (await messages({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b-1/*" }] })).filter((m) =>
        m.startsWith("iam-no-wildcards"),
      ),
    ).toEqual([]);
  });
});

describe("a bucket policy built with aws.iam.getPolicyDocument", () => {
  it("is read from the invoke's result and judged: a public-read policy is caught", async () => {
    const r = await run("--program", "test/fixtures/programs/policy-document", "--json");
    const open = JSON.parse(r.stdout).violations.find((v: { policy: string }) => v.policy === "s3-no-public-read-or-write");
    expect(open).toMatchObject({
      enforcementLevel: "mandatory",
      resource: { name: "site" },
      message: expect.stringMatching(/allows "s3:GetObject" to everyone/),
    });
  });
});

describe("AWS-managed policies attached to roles", () => {
  it("are read with their real rights: AmazonS3FullAccess is s3:* on every bucket, a basic Lambda role is not", async () => {
    const aws = await import("@pulumi/aws");
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    const run = await runUnderMocks("fn", "dev", {}, () => {
      const role = new aws.iam.Role("fn-role", { assumeRolePolicy: trust });
      new aws.iam.RolePolicyAttachment("fn-s3", { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" });
      new aws.iam.RolePolicyAttachment("fn-logs", { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" });
      new aws.iam.Role("admin", { assumeRolePolicy: trust, managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] });
    });
    const found = (await judge("dev", run.resources)).violations.filter((v) => v.policy === "iam-no-wildcards").map((v) => `${v.resource.name}: ${v.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^fn-s3: .*allows the action s3:\*/),
        expect.stringMatching(/^fn-s3: .*every bucket/),
        expect.stringMatching(/^admin: .*allows the action \*/),
      ]),
    );
    expect(found.some((m) => m.startsWith("fn-logs"))).toBe(false);
  });
});

describe('account-level S3 actions (resource "*" is their only resource in the Service Authorization Reference)', () => {
  it('are not bucket wildcards; s3:GetObject on "*" still is', async () => {
    const r = await run("--program", "test/fixtures/programs/canary", "--json");
    expect(r.stderr).toBe("");
    expect(findingsOf(JSON.parse(r.stdout))).toEqual([["iam-no-wildcards", "reporting-read", "mandatory"]]);
  }, 120_000);
});
