/**
 * The policy pack: our own stacks pass with zero violations, and every insecure program of the corpus is caught by
 * the right policy and control, through @pulumi/policy's own validation types (infra/policy/offline.ts). A stack
 * export, values unknown until apply, the replica-region rule and CloudTrail's data events are judged here too; the
 * command, the config, IAM and the other resources have files of their own (policy.*.test.ts).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../infra/mockrun.js";
import { ruleConfigFor } from "../infra/policy/report.js";
import { loadOwnStack } from "../infra/loadStack.js";
import { fromStackExport, judge } from "../infra/policy/offline.js";
import { POLICIES } from "../infra/policy/pack/policies.js";
import { RULES } from "../infra/policy/rules.js";
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
