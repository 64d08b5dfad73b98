/**
 * The policy pack: our own stacks pass with zero violations, and every insecure program of the corpus is caught by
 * the right policy and control, through @pulumi/policy's own validation types (infra/policy/offline.ts).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../infra/mockrun.js";
import { ruleConfigFor } from "../infra/policy/report.js";
import { loadOwnStack } from "../infra/loadStack.js";
import { fromStackExport, judge } from "../infra/policy/offline.js";
import { POLICIES } from "../infra/policy/pack/policies.js";
import { parsePackConfig } from "../infra/policy/packConfig.js";
import type { BucketFacts } from "../infra/model.js";
import { RULES } from "../infra/policy/rules.js";
import { judgeBucket } from "../infra/verify/verify.js";
import { INSECURE, SECURE_WITH_TEAMS, baseline } from "./fixtures/insecure/programs.js";

describe("the pack", () => {
  it("has one named, described policy per rule, each with a configuration schema", () => {
    expect(POLICIES.map((p) => p.name)).toEqual(RULES.map((r) => r.name));
    expect(new Set(POLICIES.map((p) => p.name)).size).toBe(POLICIES.length);
    for (const p of POLICIES) {
      expect(p.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(p.description.length).toBeGreaterThan(20);
      // Every rule binds but the one that only tidies (a setting declared both inline and by a sidecar) and the one
      // that reports sharing, which is often meant (as IAM Access Analyzer's findings are).
      expect(p.enforcementLevel).toBe(["s3-settings-declared-once", "s3-external-access"].includes(p.name) ? "advisory" : "mandatory");
      expect(p.configSchema?.properties).toBeDefined();
    }
  });
});

describe.each(["dev", "staging", "prod"])("our %s stack", (stack) => {
  it("passes with zero violations", async () => {
    const { cfg, resources } = await loadOwnStack(".", stack);
    const report = await judge(stack, resources, ruleConfigFor(cfg));
    expect(report.resources).toBeGreaterThan(20);
    expect(report.violations).toEqual([]);
  });
});

describe("the insecure corpus", () => {
  it("has at least 25 programs", () => expect(INSECURE.length).toBeGreaterThanOrEqual(25));

  it("starts from a baseline that passes", async () => {
    for (const secure of [{ name: "baseline", program: () => baseline(), config: {} }, SECURE_WITH_TEAMS]) {
      const run = await runUnderMocks("fixture", "prod", {}, secure.program);
      expect((await judge("prod", run.resources, secure.config ?? {})).violations, secure.name).toEqual([]);
    }
  });

  it.each(INSECURE.map((p) => [p.name, p] as const))("catches: %s", async (_, p) => {
    const run = await runUnderMocks("fixture", "prod", {}, p.program);
    const report = await judge("prod", run.resources, p.config ?? {});
    const hit = report.violations.filter((v) => v.policy === p.policy);
    expect(hit.length, JSON.stringify(report.violations, null, 1)).toBeGreaterThan(0);
    expect(hit[0]!.control).toBe(p.control);
    expect(hit[0]!.enforcementLevel).toBe(p.level ?? "mandatory");
    if (p.level) expect(hit[0]!.message).toMatch(/declared; AWS sets it for new buckets by default since April 2023/);
    expect(hit[0]!.message).toMatch(/Fix: /);
    expect(hit[0]!.resource.name).not.toBe("prod");
  });
});

describe("a pulumi stack export", () => {
  it("is judged the same way, joining sidecars through property dependencies", async () => {
    const urn = (type: string, name: string) => `urn:pulumi:prod::app::${type}::${name}`;
    const bucket = urn("aws:s3/bucket:Bucket", "photos");
    const exported = {
      deployment: {
        resources: [
          { urn: "urn:pulumi:prod::app::pulumi:pulumi:Stack::app-prod", type: "pulumi:pulumi:Stack", custom: false },
          {
            urn: bucket,
            type: "aws:s3/bucket:Bucket",
            custom: true,
            id: "photos-8c1e",
            protect: true,
            outputs: {
              bucket: "photos-8c1e",
              arn: "arn:aws:s3:::photos-8c1e",
              region: "us-east-2",
              tags: { team: "t", environment: "dev", "data-classification": "c", "cost-centre": "c" },
            },
          },
          {
            urn: urn("aws:s3/bucketVersioning:BucketVersioning", "photos-versioning"),
            type: "aws:s3/bucketVersioning:BucketVersioning",
            custom: true,
            inputs: { bucket: "photos-8c1e", versioningConfiguration: { status: "Suspended" } },
            propertyDependencies: { bucket: [bucket] },
          },
        ],
      },
    };
    const report = await judge("prod", fromStackExport(exported));
    const policies = new Set(report.violations.map((v) => v.policy));
    expect(report.violations.find((v) => v.policy === "s3-versioning")?.message).toMatch(/photos: versioning is suspended/);
    for (const p of ["s3-kms-encryption", "s3-public-access-block", "s3-require-tls", "s3-access-logging", "s3-lifecycle"]) expect(policies).toContain(p);
  });
});

/** The built `stowage policy`, as a user runs it. */
const run = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile("node", ["dist/bundle/cli.js", "policy", ...args], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe("stowage policy (the built command)", () => {
  it("passes our prod stack and answers JSON in the documented shape", async () => {
    const r = await run("--stack", "prod", "--json");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ stack: "prod", violations: [] });
    expect(json.resources).toBeGreaterThan(100);
  });

  it("exits 4 on a mandatory violation in a stack export, and explains bad input", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-policy-"));
    const file = join(dir, "stack.json");
    writeFileSync(
      file,
      JSON.stringify({
        deployment: {
          resources: [
            {
              urn: "urn:pulumi:s::p::aws:s3/bucket:Bucket::open",
              type: "aws:s3/bucket:Bucket",
              custom: true,
              id: "open",
              outputs: { bucket: "open", acl: "public-read" },
            },
          ],
        },
      }),
    );
    const r = await run("--export", file, "--format", "markdown");
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^\| mandatory \| S3\.2\/S3\.3 \| s3-no-public-read-or-write \| `open` \|/m);
    const bad = await run("--stack", "nope");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/No stack file .*Pulumi\.nope\.yaml/);
    // Not an export (e.g. `pulumi stack output --json` by mistake): refused, never judged as zero resources.
    writeFileSync(file, JSON.stringify({ buckets: {} }));
    const notExport = await run("--export", file);
    expect(notExport).toMatchObject({ code: 2, stdout: "" });
    expect(notExport.stderr).toContain("is not a stack export: it has no deployment.resources list");
  });
});

describe("one replica-region rule for the stack config, the component and the engine's URNs", () => {
  it("refuses a replica region listed twice as bad input (exit 2 naming it), never judged as 34 duplicate findings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-policy-"));
    const prod = readFileSync("Pulumi.prod.yaml", "utf8");
    writeFileSync(join(dir, "Pulumi.yaml"), readFileSync("Pulumi.yaml"));
    writeFileSync(join(dir, "Pulumi.prod.yaml"), prod.replace("stowage:replicaRegions: [us-west-2]", "stowage:replicaRegions: [us-west-2, us-west-2]"));
    expect(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8")).not.toBe(prod);
    for (const command of ["policy", "estimate"]) {
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile("node", ["dist/bundle/cli.js", command, "--stack", "prod", "--stack-dir", dir], (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
      expect(r.code, command).toBe(2);
      expect(r.stderr).toMatch(/stowage:replicaRegions: us-west-2 listed twice/);
      expect(r.stdout).toBe("");
    }
  });

  it("a program that declares one resource twice fails as the engine fails it: a duplicate URN", async () => {
    const aws = await import("@pulumi/aws");
    const { ComponentResource } = await import("@pulumi/pulumi");
    await expect(
      runUnderMocks("p", "s", {}, () => {
        new aws.s3.Bucket("twice", {});
        new aws.s3.Bucket("twice", {});
      }),
    ).rejects.toThrow(/Duplicate resource URN "aws:s3\/bucket:Bucket::twice"/);
    // The same name under another parent type is another URN, as in the engine.
    const ok = await runUnderMocks("p", "s", {}, () => {
      const parent = new (class extends ComponentResource {})("t:index:C", "c");
      new aws.s3.Bucket("same", {}, { parent });
      new aws.s3.Bucket("same", {});
    });
    expect(ok.resources.filter((r) => r.name === "same")).toHaveLength(2);
  });

  it("the Replication component refuses a replica in its source's region", async () => {
    const { DataBucket } = await import("../infra/components/dataBucket.js");
    const { LogBucket } = await import("../infra/components/logBucket.js");
    const { Replication } = await import("../infra/components/replication.js");
    await expect(
      runUnderMocks("p", "s", {}, () => {
        const logs = new LogBucket("logs", { region: "us-east-2", accountId: "123456789012", tags: {} });
        const source = new DataBucket("data", { region: "us-east-2", accountId: "123456789012", logBucket: logs.bucket, tags: {} });
        new Replication("data-us-east-2", {
          source,
          replicaRegion: "us-east-2",
          replicaArgs: { accountId: "123456789012", tags: {} },
          accountId: "123456789012",
          tags: {},
        });
      }),
    ).rejects.toThrow(/replicaRegion: us-east-2 is the primary region/);
  });

  it("the Replication component refuses a second replica of one source in one region, naming it", async () => {
    const { DataBucket } = await import("../infra/components/dataBucket.js");
    const { LogBucket } = await import("../infra/components/logBucket.js");
    const { Replication } = await import("../infra/components/replication.js");
    const replicas = (regions: string[]) =>
      runUnderMocks("p", "s", {}, () => {
        const logs = new LogBucket("logs", { region: "us-east-2", accountId: "123456789012", tags: {} });
        const source = new DataBucket("data", { region: "us-east-2", accountId: "123456789012", logBucket: logs.bucket, tags: {} });
        regions.forEach(
          (r, i) =>
            new Replication(`data-${r}-${i}`, {
              source,
              replicaRegion: r,
              replicaArgs: { accountId: "123456789012", tags: {} },
              accountId: "123456789012",
              tags: {},
            }),
        );
      });
    await expect(replicas(["us-west-2", "us-west-2"])).rejects.toThrow(
      /Replication data-us-west-2-1: replicaRegion: us-west-2 listed twice; each replica region once/,
    );
    // Two regions are two replicas, as before.
    const ok = await replicas(["us-west-2", "eu-west-1"]);
    expect(ok.resources.filter((r) => r.type === "stowage:index:Replication").map((r) => r.name)).toEqual(["data-us-west-2-0", "data-eu-west-1-1"]);
  });
});

describe("values unknown until apply", () => {
  it("make the settings they hold 'could not be judged' (advisory, naming the value), never absent, and the rest is still judged", async () => {
    const { unknownStringValue } = (await import("@pulumi/policy/proxy.js")) as unknown as { unknownStringValue: string };
    const resources = [
      { type: "aws:s3/bucket:Bucket", name: "fresh", id: "fresh", props: { bucket: "fresh", region: "us-east-2", tags: {} } },
      { type: "aws:s3/bucketPolicy:BucketPolicy", name: "fresh-policy", props: { bucket: "fresh", policy: unknownStringValue } },
      { type: "aws:s3/bucket:Bucket", name: "open", id: "open", props: { bucket: "open", region: "us-east-2", acl: "public-read", tags: {} } },
    ];
    const report = await judge("prod", resources);
    const of = (name: string, policy: string) => report.violations.filter((v) => v.resource.name === name && v.policy === policy);
    // The unknown policy: the rules that read it say so, at advisory level, naming where the value comes from.
    for (const policy of ["s3-require-tls", "s3-no-public-read-or-write"]) {
      expect(of("fresh", policy)).toEqual([
        expect.objectContaining({
          enforcementLevel: "advisory",
          message: expect.stringMatching(/could not be judged: fresh-policy's policy is not known until apply \(.*can't be known during preview\)/),
        }),
      ]);
    }
    // Not taken as "no policy", and the other bucket is judged as usual.
    expect(report.violations.some((v) => /no statement denies requests without TLS/.test(v.message) && v.resource.name === "fresh")).toBe(false);
    expect(of("open", "s3-no-public-read-or-write")[0]).toMatchObject({
      enforcementLevel: "mandatory",
      message: expect.stringMatching(/public-read makes objects public/),
    });
    expect(report.violations.filter((v) => v.message.startsWith("can't run policy"))).toEqual([]);
  });
});

describe("judging hand-made bucket facts (verify)", () => {
  const bucket = (...conditions: Record<string, Record<string, string>>[]): BucketFacts => ({
    ref: { type: "s3:bucket", name: "b" },
    region: "us-east-1",
    tags: {},
    protect: null,
    role: "data",
    isReplica: false,
    acl: null,
    versioning: null,
    encryption: null,
    publicAccessBlock: null,
    ownership: null,
    policy: {
      Version: "2012-10-17",
      Statement: conditions.map((Condition) => ({
        Effect: "Deny" as const,
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        Condition,
      })),
    },
    lifecycleRules: null,
    logging: null,
    replication: null,
    objectLock: null,
    dataEvents: null,
  });
  const tls = (b: BucketFacts, compatible: boolean) =>
    judgeBucket(b, { secureTransportMayBeAbsent: compatible }).find((f) => f.rule === "s3-require-tls")!.status;
  const awsPattern = { Bool: { "aws:SecureTransport": "false" } };

  it("accepts AWS's documented TLS deny on AWS, and on S3-compatible stores asks for the missing key to be denied too", () => {
    expect(tls(bucket(awsPattern), false)).toBe("pass");
    expect(tls(bucket(awsPattern), true)).toBe("fail");
    expect(tls(bucket(awsPattern, { Null: { "aws:SecureTransport": "true" } }), true)).toBe("pass");
    expect(tls(bucket({ BoolIfExists: { "aws:SecureTransport": "false" } }), true)).toBe("pass");
    // Denying only the missing key leaves an explicit false through: not enough anywhere.
    expect(tls(bucket({ Null: { "aws:SecureTransport": "true" } }), false)).toBe("fail");
  });

  it("fails bucket-readable only when not one setting could be read", () => {
    const denied = { unknown: "access denied" };
    const blind: BucketFacts = {
      ...bucket(),
      versioning: denied,
      encryption: denied,
      publicAccessBlock: denied,
      ownership: denied,
      policy: denied,
      lifecycleRules: denied,
      logging: denied,
      replication: denied,
      objectLock: denied,
      tagsUnknown: "access denied",
    };
    expect(judgeBucket(blind)[0]).toEqual({
      rule: "bucket-readable",
      control: "stowage",
      status: "fail",
      message: "not one setting could be read (access denied): nothing was verified",
    });
    expect(judgeBucket({ ...blind, versioning: "Enabled" }).map((f) => f.rule)).not.toContain("bucket-readable");
  });

  it("passes nothing it could not read: the region and the tags decide rules too", () => {
    const denied = { unknown: "access denied" };
    const blind: BucketFacts = {
      ...bucket(),
      region: null,
      regionUnknown: "access denied",
      versioning: denied,
      encryption: denied,
      publicAccessBlock: denied,
      ownership: denied,
      policy: denied,
      lifecycleRules: denied,
      logging: denied,
      replication: denied,
      objectLock: denied,
      tagsUnknown: "access denied",
    };
    expect(judgeBucket(blind, { allowedRegions: ["us-east-2"] }).filter((f) => f.status === "pass")).toEqual([]);
    // Object Lock read as absent, but the tags that say whether it is a prod bucket unread: unknown, not "not prod".
    expect(judgeBucket({ ...bucket(), objectLock: null, tagsUnknown: "access denied" }).find((f) => f.rule === "s3-object-lock-in-prod")).toMatchObject({
      status: "unknown",
    });
  });
});

describe("CloudTrail data events, where the audit may be someone else's", () => {
  const dataEvents = (report: Awaited<ReturnType<typeof judge>>) => report.violations.filter((v) => v.policy === "s3-cloudtrail-data-events");

  it("are mandatory where the stack declares a trail, advisory where it declares none (an organisation trail may cover it)", async () => {
    const none = await runUnderMocks("fixture", "prod", {}, () => baseline({ trail: false }));
    const advisory = dataEvents(await judge("prod", none.resources));
    expect(advisory.length).toBeGreaterThan(0);
    expect(advisory.every((v) => v.enforcementLevel === "advisory")).toBe(true);
    expect(advisory[0]!.message).toMatch(/declares no trail of its own.*organisation trail.*auditOwned/);
    // The stack says it owns its audit: the same gap is mandatory again.
    expect(dataEvents(await judge("prod", none.resources, { auditOwned: true })).every((v) => v.enforcementLevel === "mandatory")).toBe(true);
    // Our own stacks declare their trail, and it covers every data bucket.
    const own = await loadOwnStack(".", "prod");
    expect(dataEvents(await judge("prod", own.resources, ruleConfigFor(own.cfg)))).toEqual([]);
  });
});

describe("a policy pack config (pulumi preview --policy-pack-config)", () => {
  const insecure = () => runUnderMocks("fixture", "prod", {}, () => baseline({ trail: false, versioning: "Suspended" }));

  it("sets levels for all policies and for one, one policy's entry winning, and passes settings to that policy", async () => {
    const { resources } = await insecure();
    const config = parsePackConfig(
      {
        all: "advisory",
        "s3-versioning": { enforcementLevel: "mandatory" },
        "s3-access-logging": "disabled",
        "s3-cloudtrail-data-events": { auditOwned: true },
      },
      "pack.json",
    );
    const report = await judge("prod", resources, {}, "stowage", config);
    const levels = new Map(report.violations.map((v) => [v.policy, v.enforcementLevel]));
    expect(levels.get("s3-cloudtrail-data-events")).toBe("advisory"); // owned now, but "all" made the policy advisory
    expect(levels.has("s3-access-logging")).toBe(false);
    expect([...levels.entries()].filter(([, l]) => l === "mandatory").map(([p]) => p)).toEqual(["s3-versioning"]);
    expect(levels.get("s3-lifecycle") ?? "advisory").toBe("advisory");
  });

  it("reports every problem of a bad file at once, naming the key and the value", () => {
    let message = "";
    try {
      parsePackConfig({ "s3-nope": "advisory", "s3-versioning": "sometimes", all: { auditOwned: true }, "s3-lifecycle": { colour: "red" } }, "pack.json");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^pack\.json has 4 problems:/);
    for (const p of [
      /s3-nope: no such policy/,
      /s3-versioning\.enforcementLevel: enforcement level "sometimes"/,
      /all\.auditOwned: settings belong to one policy/,
      /s3-lifecycle\.colour: unknown setting/,
    ])
      expect(message).toMatch(p);
  });
});

describe("stowage policy --program (the built command), as pulumi runs programs", () => {
  it("runs a TypeScript entry file with its own relative imports, and judges what it declares", async () => {
    const r = await run("--program", "test/fixtures/programs/site-ts/index.ts", "--json");
    expect(r.stderr).not.toMatch(/internal error|Unknown file extension/);
    expect(r.code).toBe(4);
    const json = JSON.parse(r.stdout);
    expect(json.violations.find((v: { policy: string }) => v.policy === "s3-no-public-read-or-write")).toMatchObject({
      enforcementLevel: "mandatory",
      resource: { name: "site" },
    });
    expect(json.violations.some((v: { message: string }) => /site: no trail records/.test(v.message))).toBe(true);
    // No temporary module is left beside the program.
    expect(readdirSync("test/fixtures/programs/site-ts").sort()).toEqual(["index.ts", "tags.ts"]);
  });

  it("runs a CommonJS project folder: Pulumi.yaml's main, its project name, its config namespace and defaults", async () => {
    const r = await run("--program", "test/fixtures/programs/cjs-project", "--stack", "prod", "--json");
    expect(r.stderr).toBe("");
    const json = JSON.parse(r.stdout);
    expect(json.stack).toBe("prod");
    expect(json.violations.some((v: { message: string }) => v.message.includes("aws:s3/bucket:Bucket holiday-photos:"))).toBe(true);
  });

  it("reports the program's own error as the user's, with where it happened: exit 2, no stack trace", async () => {
    const r = await run("--program", "test/fixtures/programs/broken/index.ts");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/The program test\/fixtures\/programs\/broken\/index\.ts failed at test\/fixtures\/programs\/broken\/index\.ts:5:\d+: .*domain/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = await run("--program", "test/fixtures/programs/nowhere.ts");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file or folder/);
  });

  it("reads a broken stack file as bad input, naming the file, line and column", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-policy-"));
    writeFileSync(join(dir, "Pulumi.x.yaml"), "config:\n  aws:region: us-east-2\n  stowage:teams: [a, b\n");
    for (const command of [["policy"], ["estimate"]]) {
      const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile("node", ["dist/bundle/cli.js", ...command, "--stack", "x", "--stack-dir", dir], (err, _o, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
        ),
      );
      expect(r.code, command[0]).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${join(dir, "Pulumi.x.yaml").replace(/[.]/g, "\\.")}:\\d+:\\d+: not valid YAML`));
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it("honours a policy config file, and refuses a bad one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-policy-"));
    writeFileSync(join(dir, "pack.json"), JSON.stringify({ all: "advisory" }));
    const r = await run("--program", "test/fixtures/programs/site-ts/index.ts", "--policy-config", join(dir, "pack.json"), "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).violations.every((v: { enforcementLevel: string }) => v.enforcementLevel === "advisory")).toBe(true);
    writeFileSync(join(dir, "pack.json"), "{ all: ");
    const bad = await run("--stack", "prod", "--policy-config", join(dir, "pack.json"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/pack\.json is not valid JSON/);
  });
});

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

describe("stowage policy --program, run as pulumi preview runs it", () => {
  it("is a preview (isDryRun) and judges resources registered late, once the engine is done", async () => {
    const r = await run("--program", "test/fixtures/programs/late", "--json");
    expect(r.stderr).not.toMatch(/only previews/);
    const json = JSON.parse(r.stdout);
    expect(json.violations.find((v: { policy: string }) => v.policy === "s3-no-public-read-or-write")).toMatchObject({ resource: { name: "late-data" } });
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

describe("Stowage's house rules on someone else's program", () => {
  it("are silent, unless the policy config turns them on (houseRules, a level, or the team's own settings)", async () => {
    const tags = (r: { stdout: string }) => JSON.parse(r.stdout).violations.filter((v: { policy: string }) => v.policy === "required-tags");
    expect(tags(await run("--program", "test/fixtures/programs/site-ts/index.ts", "--json"))).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), "stowage-house-"));
    writeFileSync(join(dir, "pack.json"), JSON.stringify({ "required-tags": { houseRules: true } }));
    const raised = tags(await run("--program", "test/fixtures/programs/site-ts/index.ts", "--policy-config", join(dir, "pack.json"), "--json"));
    expect(raised.length).toBeGreaterThan(0);
    expect(raised.every((v: { enforcementLevel: string }) => v.enforcementLevel === "mandatory")).toBe(true);
    // The team's own tag keys alone turn the rule on, with those keys.
    writeFileSync(join(dir, "own.json"), JSON.stringify({ "required-tags": { requiredTags: ["owner"] } }));
    const own = tags(await run("--program", "test/fixtures/programs/site-ts/index.ts", "--policy-config", join(dir, "own.json"), "--json"));
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((v: { message: string }) => /missing tag owner \[stowage\]/.test(v.message))).toBe(true);
    // Security controls still bind on anyone's program.
    expect(
      JSON.parse((await run("--program", "test/fixtures/programs/site-ts/index.ts", "--json")).stdout).violations.find(
        (v: { policy: string }) => v.policy === "s3-no-public-read-or-write",
      ).enforcementLevel,
    ).toBe("mandatory");
  }, 120_000);
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

const sorted = (rows: string[][]) => rows.sort((a, b) => a.join(" ").localeCompare(b.join(" ")));

/** A log bucket declared with nothing but its name: what a log bucket is judged for. */
const LOG_BUCKET_HOLES = (bucket: string) => [
  ["s3-require-tls", bucket, "mandatory"],
  ["s3-public-access-block", bucket, "advisory"],
  ["s3-lifecycle", bucket, "mandatory"],
  ["s3-versioning", bucket, "mandatory"],
  ["s3-kms-encryption", bucket, "advisory"],
];

/** [policy, resource, level] of every finding, sorted: the exact set a fixture must produce. */
export function findingsOf(report: { violations: { policy: string; resource: { name: string }; enforcementLevel: string }[] }): string[][] {
  return report.violations.map((v) => [v.policy, v.resource.name, v.enforcementLevel]).sort((a, b) => a.join(" ").localeCompare(b.join(" ")));
}

/** The built command, started from a folder outside the repository (as `--program ../other-project` is). */
const runElsewhere = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile("node", [resolve("dist/bundle/cli.js"), "policy", ...args], { cwd: tmpdir() }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const S3_HOLES = (bucket: string) => [
  ["s3-access-logging", bucket, "mandatory"],
  ["s3-acls-disabled", bucket, "advisory"],
  ["s3-cloudtrail-data-events", bucket, "advisory"],
  ["s3-kms-encryption", bucket, "mandatory"],
  ["s3-lifecycle", bucket, "mandatory"],
  ["s3-public-access-block", bucket, "advisory"],
  ["s3-require-tls", bucket, "mandatory"],
  ["s3-versioning", bucket, "mandatory"],
];
// aws.lambda.CallbackFunction's default role policies include AWSLambda_FullAccess: s3:* on "*" (two findings).
const CALLBACK_ROLE = (fn: string) => [
  ["iam-no-wildcards", `${fn}-4aaabb8e`, "mandatory"],
  ["iam-no-wildcards", `${fn}-4aaabb8e`, "mandatory"],
];

export const CLOSURES_FINDINGS = sorted([
  ...S3_HOLES("uploads"),
  ...S3_HOLES("thumbnails"),
  ...CALLBACK_ROLE("on-upload"),
  ...CALLBACK_ROLE("resize"),
  ...CALLBACK_ROLE("security-headers"),
]);

describe("stowage policy --program on programs with closures, started outside the program's folder", () => {
  it("serialises a bucket event handler, a CallbackFunction and a Lambda@Edge function as pulumi preview does, with the exact findings", async () => {
    const r = await runElsewhere("--program", resolve("test/fixtures/programs/closures"), "--json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(4);
    const json = JSON.parse(r.stdout);
    expect(json.resources).toBe(42);
    expect(findingsOf(json)).toEqual(CLOSURES_FINDINGS);
    expect(readdirSync("test/fixtures/programs/closures").sort()).toEqual(["Pulumi.yaml", "index.ts", "package.json"]);
  }, 120_000);

  it("a program that fails after it started is the program's error: exit 2 with its message, the JSON of what it registered, no file left", async () => {
    const r = await runElsewhere("--program", resolve("test/fixtures/programs/closure-fails"), "--json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^stowage: The program .*closure-fails\/index\.ts failed: its registrations never completed/);
    expect(r.stderr).not.toMatch(/\n\s+at |promises were still active/);
    const json = JSON.parse(r.stdout);
    expect(json.programError).toMatch(/registrations never completed/);
    expect(findingsOf(json)).toEqual(
      sorted([...S3_HOLES("inbox"), ["iam-no-wildcards", "on-mail-4aaabb8e", "mandatory"], ["iam-no-wildcards", "on-mail-4aaabb8e", "mandatory"]]),
    );
    // The ES module this program compiles to is written beside it (Node imports files) and removed again.
    expect(readdirSync("test/fixtures/programs/closure-fails").sort()).toEqual(["Pulumi.yaml", "index.ts", "package.json"]);
  }, 120_000);

  it("an error thrown inside an apply after registration is the program's error too, with where it was thrown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-late-throw-"));
    writeFileSync(join(dir, "Pulumi.yaml"), "name: late-throw\nruntime: nodejs\n");
    symlinkSync(resolve("node_modules"), join(dir, "node_modules"));
    writeFileSync(
      join(dir, "index.ts"),
      `import * as aws from "@pulumi/aws";\nconst b = new aws.s3.Bucket("data", { bucket: "data" });\nb.id.apply((id) => { if (id) throw new Error("no " + id); });\n`,
    );
    const r = await runElsewhere("--program", dir, "--json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/failed at .*index\.ts:3:\d+: no data$/m);
    expect(JSON.parse(r.stdout).resources).toBe(2); // the stack and the bucket
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.yaml", "index.ts", "node_modules"]);
  }, 120_000);
});

describe('account-level S3 actions (resource "*" is their only resource in the Service Authorization Reference)', () => {
  it('are not bucket wildcards; s3:GetObject on "*" still is', async () => {
    const r = await run("--program", "test/fixtures/programs/canary", "--json");
    expect(r.stderr).toBe("");
    expect(findingsOf(JSON.parse(r.stdout))).toEqual([["iam-no-wildcards", "reporting-read", "mandatory"]]);
  }, 120_000);
});

describe("the policy config binds, as Pulumi's does", () => {
  it("an explicit enforcementLevel is the last word, for a house rule on a foreign program too, with the team's own tag keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-pack-config-"));
    writeFileSync(join(dir, "pack.json"), JSON.stringify({ "required-tags": { enforcementLevel: "mandatory", requiredTags: ["owner"] } }));
    const r = await run("--program", "test/fixtures/programs/canary", "--policy-config", join(dir, "pack.json"), "--json");
    const json = JSON.parse(r.stdout);
    expect(findingsOf(json)).toEqual([
      ["iam-no-wildcards", "reporting-read", "mandatory"],
      ["required-tags", "reporting", "mandatory"],
    ]);
    expect(json.violations.find((v: { policy: string }) => v.policy === "required-tags").message).toMatch(/missing tag owner \[stowage\]/);
  }, 120_000);

  it("type-checks every setting: a wrong type is bad input naming the key and the value, never an internal error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-pack-config-"));
    writeFileSync(
      join(dir, "pack.json"),
      JSON.stringify({
        "required-tags": { requiredTags: "team" },
        "s3-versioning": { auditOwned: "yes" },
        "allowed-regions": { allowedRegions: [1] },
        "s3-lifecycle": { exceptions: [{ rule: "s3-lifecycle" }] },
      }),
    );
    const r = await run("--program", "test/fixtures/programs/canary", "--policy-config", join(dir, "pack.json"), "--json");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/internal error/);
    for (const p of [
      /required-tags\.requiredTags: "team" is not a list of tag keys/,
      /s3-versioning\.auditOwned: "yes" is not true, false or null/,
      /allowed-regions\.allowedRegions: \[1\] is not a list of region names/,
      /s3-lifecycle\.exceptions: \[\{"rule":"s3-lifecycle"\}\] is not a list of/,
    ])
      expect(r.stderr).toMatch(p);
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
