/**
 * Buckets and queues as the pack judges them: queues' encryption and dead letters, a v7 Bucket's inline arguments,
 * and a bucket's purpose (inferred, declared or read from its outputs) with the exceptions recorded on purpose.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../infra/mockrun.js";
import { fromStackExport, judge } from "../infra/policy/offline.js";
import { LOG_BUCKET_HOLES, findingsOf, run, sorted } from "./support/policy.js";

describe("queues: encrypted, and a dead-letter queue wherever something consumes one", () => {
  const urn = (type: string, name: string) => `urn:pulumi:prod::app::${type}::${name}`;
  const queue = (name: string, inputs: Record<string, unknown>) => ({
    urn: urn("aws:sqs/queue:Queue", name),
    type: "aws:sqs/queue:Queue",
    custom: true,
    id: `https://sqs/${name}`,
    outputs: { ...inputs, arn: `arn:aws:sqs:us-east-2:123456789012:${name}`, url: `https://sqs/${name}` },
  });
  const consumer = {
    urn: urn("aws:iam/rolePolicy:RolePolicy", "worker"),
    type: "aws:iam/rolePolicy:RolePolicy",
    custom: true,
    inputs: {
      role: "worker",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource: "arn:aws:sqs:us-east-2:123456789012:events" }],
      }),
    },
  };
  const redrive = {
    urn: urn("aws:sqs/redrivePolicy:RedrivePolicy", "events-redrive"),
    type: "aws:sqs/redrivePolicy:RedrivePolicy",
    custom: true,
    inputs: { queueUrl: "https://sqs/events", redrivePolicy: "{}" },
  };
  const found = async (resources: unknown[]) =>
    (await judge("prod", fromStackExport({ deployment: { resources } }))).violations
      .filter((v) => v.policy.startsWith("sqs-"))
      .map((v) => [v.policy, v.enforcementLevel, v.resource.name]);

  it("passes prod's pipeline queue: SSE-SQS, a redrive policy, a consumer", async () => {
    expect(await found([queue("events", { sqsManagedSseEnabled: true }), redrive, consumer])).toEqual([]);
    expect(await found([queue("events", { sqsManagedSseEnabled: true, redrivePolicy: "{}" }), consumer])).toEqual([]); // inline
  });

  it("keeps a consumer's role to prefixes, without deletes (pipeline-role-scoped)", async () => {
    const role = (statement: object) => ({
      urn: urn("aws:iam/rolePolicy:RolePolicy", "task"),
      type: "aws:iam/rolePolicy:RolePolicy",
      custom: true,
      inputs: {
        role: "task",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "sqs:ReceiveMessage", Resource: "arn:aws:sqs:us-east-2:123456789012:events" },
            { Effect: "Allow", ...statement },
          ],
        }),
      },
    });
    const scoped = async (statement: object) =>
      (await judge("prod", fromStackExport({ deployment: { resources: [role(statement)] } }))).violations
        .filter((v) => v.policy === "pipeline-role-scoped")
        .map((v) => v.message);
    expect(await scoped({ Action: ["s3:GetObject", "s3:PutObject"], Resource: ["arn:aws:s3:::images/uploads/*", "arn:aws:s3:::images/processed/*"] })).toEqual(
      [],
    );
    expect(await scoped({ Action: "s3:GetObject", Resource: "arn:aws:s3:::images/*" })).toEqual([expect.stringMatching(/reaches every object of a bucket/)]);
    expect(await scoped({ Action: ["s3:PutObject", "s3:DeleteObject"], Resource: "arn:aws:s3:::images/processed/*" })).toEqual([
      expect.stringMatching(/may delete \(s3:DeleteObject\)/),
    ]);
  });

  it("fails a consumed queue without dead letters, and encryption turned off; advises where encryption is undeclared", async () => {
    expect(await found([queue("events", { sqsManagedSseEnabled: true }), consumer])).toEqual([["sqs-consumed-queue-dead-letters", "mandatory", "events"]]);
    expect(await found([queue("events", { sqsManagedSseEnabled: false }), redrive, consumer])).toEqual([["sqs-queue-encrypted", "mandatory", "events"]]);
    expect(await found([queue("events", {}), redrive, consumer])).toEqual([["sqs-queue-encrypted", "advisory", "events"]]);
    expect(await found([queue("idle", { sqsManagedSseEnabled: true })])).toEqual([]); // nothing consumes it
  });
});

describe("a v7 Bucket configured through its inline arguments", () => {
  it("is judged by them: versioned and KMS-encrypted inline is neither unversioned nor unencrypted; a sidecar wins where both exist", async () => {
    const aws = await import("@pulumi/aws");
    const run = await runUnderMocks("inline", "dev", {}, () => {
      const key = new aws.kms.Key("k", { enableKeyRotation: true });
      new aws.s3.Bucket("inline", {
        versioning: { enabled: true },
        serverSideEncryptionConfiguration: {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true },
        },
        lifecycleRules: [{ enabled: true, noncurrentVersionExpiration: { days: 30 } }],
        objectLockConfiguration: { objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "GOVERNANCE", days: 30 } } },
      });
      const both = new aws.s3.Bucket("both", { versioning: { enabled: true } });
      new aws.s3.BucketVersioning("both-versioning", { bucket: both.id, versioningConfiguration: { status: "Suspended" } });
    });
    const violations = (await judge("dev", run.resources)).violations;
    const of = (name: string) => new Set(violations.filter((v) => v.resource.name === name).map((v) => v.policy));
    for (const p of ["s3-versioning", "s3-kms-encryption", "s3-lifecycle"]) expect(of("inline"), p).not.toContain(p);
    expect(of("both")).toContain("s3-versioning");
    expect(violations.find((v) => v.resource.name === "both" && v.policy === "s3-versioning")!.message).toMatch(/suspended/);
    expect(violations.find((v) => v.resource.name === "both" && v.policy === "s3-settings-declared-once")).toMatchObject({
      enforcementLevel: "advisory",
      message: expect.stringMatching(/declared twice: versioning \(inline\) and BucketVersioning both-versioning; the sidecar is what is in effect/),
    });
    expect(of("inline")).not.toContain("s3-settings-declared-once");
  });
});

describe("a bucket's purpose, inferred or declared, and exceptions recorded on purpose", () => {
  it("says once that a public website is public on purpose, judges only its public grants and logs, and spares CloudFront's log bucket its ACLs", async () => {
    const json = JSON.parse((await run("--program", "test/fixtures/programs/website", "--json")).stdout);
    expect(findingsOf(json)).toEqual(
      sorted([
        ["s3-no-public-read-or-write", "site", "advisory"],
        ["s3-access-logging", "site", "advisory"],
        ["s3-no-public-read-or-write", "old-site", "advisory"],
        ["s3-access-logging", "old-site", "advisory"],
        ...LOG_BUCKET_HOLES("cdn-logs"),
      ]),
    );
    const of = (name: string, policy: string) =>
      json.violations.find((v: { resource: { name: string }; policy: string }) => v.resource.name === name && v.policy === policy);
    // The exception in force until 2099 is named; the one that expired in 2020 no longer applies, but the website is public on purpose anyway.
    expect(of("site", "s3-no-public-read-or-write").message).toMatch(
      /^aws:s3\/bucket:Bucket site: exception in force until 2099-12-31: public marketing site — for: public on purpose \(website configuration and a public-read policy\)/,
    );
    expect(of("old-site", "s3-no-public-read-or-write").message).toMatch(
      /public on purpose \(website configuration and a public-read policy\).*\(the exception "kept for one campaign" expired on 2020-01-31\)/,
    );
  }, 120_000);

  it("takes exceptions from the policy config too, and a data bucket's public policy stays mandatory without one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-exceptions-"));
    writeFileSync(
      join(dir, "pack.json"),
      JSON.stringify({
        "s3-no-public-read-or-write": { exceptions: [{ rule: "s3-no-public-read-or-write", resource: "site", reason: "press kit", expires: "2099-01-01" }] },
      }),
    );
    const open = (r: { stdout: string }) =>
      JSON.parse(r.stdout).violations.find(
        (v: { policy: string; resource: { name: string } }) => v.policy === "s3-no-public-read-or-write" && v.resource.name === "site",
      );
    expect(open(await run("--program", "test/fixtures/programs/site-ts/index.ts", "--json")).enforcementLevel).toBe("mandatory");
    expect(open(await run("--program", "test/fixtures/programs/site-ts/index.ts", "--policy-config", join(dir, "pack.json"), "--json"))).toMatchObject({
      enforcementLevel: "advisory",
      message: expect.stringMatching(/exception in force until 2099-01-01: press kit/),
    });
  });
});

describe("a bucket's purpose read from its outputs, public buckets, shared access and lifecycles S3 refuses", () => {
  it("cloudfront-oac: an auto-named OAC origin and a bucketPrefix log bucket, matched by their domain names: no ACL, self-logging or SSE-KMS advice for the log bucket", async () => {
    const r = await run("--program", "test/fixtures/programs/cloudfront-oac", "--json");
    expect(r.stderr).toBe("");
    expect(findingsOf(JSON.parse(r.stdout))).toEqual([["s3-cloudtrail-data-events", "content", "advisory"]]);
  }, 120_000);

  it("public-site: public on purpose said once per bucket; a public upload binds; a resource passed as an input does not hang the run; the program's prints stay off stdout", async () => {
    const r = await run("--program", "test/fixtures/programs/public-site", "--json");
    // The program's own console.log goes to stderr, so stdout stays the JSON report.
    expect(r.stderr).toMatch(/^Publishing the site from .*public-site\n$/);
    expect(r.code).toBe(4);
    const json = JSON.parse(r.stdout);
    expect(findingsOf(json)).toEqual(
      sorted([
        ["s3-no-public-read-or-write", "site", "advisory"],
        ["s3-no-public-read-or-write", "upload-site", "mandatory"],
        ["s3-access-logging", "upload-site", "advisory"],
        ["s3-no-public-read-or-write", "downloads", "advisory"],
        ["s3-access-logging", "downloads", "advisory"],
        ...LOG_BUCKET_HOLES("access-logs"),
      ]),
    );
    const upload = json.violations.find(
      (v: { resource: { name: string }; policy: string }) => v.resource.name === "upload-site" && v.policy === "s3-no-public-read-or-write",
    );
    expect(upload.message).toMatch(/public on purpose, but the bucket policy lets everyone s3:PutObject/);
  }, 120_000);

  it("shared-data: a grant to another account is reported as Access Analyzer would, the stack's own account is not; a transition S3 refuses binds", async () => {
    const r = await run("--program", "test/fixtures/programs/shared-data", "--json");
    expect(r.stderr).toBe("");
    const json = JSON.parse(r.stdout);
    expect(findingsOf(json)).toEqual(
      sorted([
        ["s3-external-access", "shared", "advisory"],
        ["s3-lifecycle-transitions", "shared", "mandatory"],
        ["s3-cloudtrail-data-events", "shared", "advisory"],
        ["s3-acls-disabled", "shared-logs", "advisory"],
        ...LOG_BUCKET_HOLES("shared-logs"),
      ]),
    );
    const message = (policy: string) => json.violations.find((v: { policy: string }) => v.policy === policy).message;
    expect(message("s3-external-access")).toMatch(/: shared with account 111122223333 \(Get\/List\/Put\) \[IAM Access Analyzer\]/);
    expect(message("s3-lifecycle-transitions")).toMatch(/lifecycle rule tiering: storageClass S3 cannot transition INTELLIGENT_TIERING to STANDARD_IA/);
    expect(message("s3-lifecycle-transitions")).not.toMatch(/archive/);
  }, 120_000);
});
