/**
 * One S3 class table and one transition check, used by the workload file, the stack config and the DataBucket
 * component. Each edge of S3's supported-transitions graph is tested both ways, against facts written out here
 * from the S3 user guide (not read back from the table), and the three places that take a schedule agree.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { parseWorkload } from "../core/cost/workload.js";
import { STORAGE_CLASSES, TRANSITIONS, lifecycleProblems } from "../core/storageClasses.js";
import { StackConfigError, parseStackConfig, stowageKeys } from "../core/stack/schema.js";
import { DataBucket } from "../infra/components/dataBucket.js";
import { runUnderMocks } from "../infra/mockrun.js";
import { parse, stringify } from "yaml";

/** The user guide's "Supported lifecycle transitions", written out as sentences of allowed targets. */
const GUIDE: Record<string, string[]> = {
  STANDARD: ["STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"],
  STANDARD_IA: ["INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"],
  INTELLIGENT_TIERING: ["ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"],
  ONEZONE_IA: ["GLACIER", "DEEP_ARCHIVE"],
  GLACIER_IR: ["GLACIER", "DEEP_ARCHIVE"],
  GLACIER: ["DEEP_ARCHIVE"],
  DEEP_ARCHIVE: [],
};

const classProblem = (from: string, to: string) =>
  lifecycleProblems([{ afterDays: 120, storageClass: to }], { uploadClass: from }).filter((p) => p.field === "storageClass");

describe("S3's transition graph", () => {
  const edges = STORAGE_CLASSES.flatMap((from) => STORAGE_CLASSES.map((to) => [from, to, GUIDE[from]!.includes(to)] as const));
  it.each(edges)("%s → %s allowed: %s", (from, to, allowed) => {
    const problems = classProblem(from, to);
    if (allowed) expect(problems).toEqual([]);
    else expect(problems[0]!.message).toMatch(new RegExp(`^S3 cannot transition ${from} to ${to}`));
  });

  it("is the table the code uses", () => expect(TRANSITIONS).toEqual(GUIDE));

  it("refuses IA before 30 days, leaving IA within 30 days, days that do not increase, and expiry before the last transition", () => {
    expect(lifecycleProblems([{ afterDays: 29, storageClass: "ONEZONE_IA" }])[0]).toMatchObject({
      rule: 0,
      field: "afterDays",
      message: expect.stringMatching(/at least 30 days old/),
    });
    expect(lifecycleProblems([{ afterDays: 30, storageClass: "STANDARD_IA" }])).toEqual([]);
    expect(
      lifecycleProblems([
        { afterDays: 30, storageClass: "STANDARD_IA" },
        { afterDays: 45, storageClass: "GLACIER" },
      ])[0],
    ).toMatchObject({ rule: 1, field: "afterDays", message: expect.stringMatching(/stay 30 days in STANDARD_IA \(from day 30\)/) });
    expect(
      lifecycleProblems([
        { afterDays: 30, storageClass: "STANDARD_IA" },
        { afterDays: 60, storageClass: "GLACIER" },
      ]),
    ).toEqual([]);
    expect(
      lifecycleProblems([
        { afterDays: 90, storageClass: "GLACIER_IR" },
        { afterDays: 90, storageClass: "GLACIER" },
      ])[0],
    ).toMatchObject({ rule: 1, field: "afterDays" });
    expect(lifecycleProblems([{ afterDays: 90, storageClass: "GLACIER" }], { expireDays: 90 })).toEqual([
      { rule: null, field: "expireDays", message: "90 comes at or before the last lifecycle transition (90 days)" },
    ]);
    expect(lifecycleProblems([{ afterDays: 90, storageClass: "GLACIER" }], { expireDays: 91 })).toEqual([]);
  });

  it("starts from the upload class: a lifecycle warmer than where uploads land is refused", () => {
    expect(classProblem("GLACIER_IR", "STANDARD_IA")[0]!.message).toMatch(
      /^S3 cannot transition GLACIER_IR to STANDARD_IA; from GLACIER_IR it can go to GLACIER, DEEP_ARCHIVE$/,
    );
    expect(classProblem("GLACIER_IR", "DEEP_ARCHIVE")).toEqual([]);
  });
});

// The two schedules that drifted: one S3 accepts, one it refuses. Every place that takes a schedule must agree.
const ACCEPTED = [
  { afterDays: 30, storageClass: "STANDARD_IA" },
  { afterDays: 60, storageClass: "INTELLIGENT_TIERING" },
];
const REFUSED = [
  { afterDays: 30, storageClass: "INTELLIGENT_TIERING" },
  { afterDays: 60, storageClass: "STANDARD_IA" },
];
const ONEZONE_TO_IR = [
  { afterDays: 30, storageClass: "ONEZONE_IA" },
  { afterDays: 90, storageClass: "GLACIER_IR" },
];

describe("the same schedule, judged the same everywhere", () => {
  const workload = (rules: typeof ACCEPTED) => () =>
    parseWorkload({
      ...(parse(readFileSync("examples/workload.yaml", "utf8")) as object),
      lifecycle: rules.map((r) => ({ after_days: r.afterDays, class: r.storageClass })),
    });
  const prodConfig = async () => stowageKeys((parse(await readFile("Pulumi.prod.yaml", "utf8")) as { config: Record<string, unknown> }).config);
  const stack = (rules: typeof ACCEPTED) => async () => parseStackConfig({ ...(await prodConfig()), lifecycle: rules });
  const bucket = (rules: typeof ACCEPTED) => () =>
    runUnderMocks("fixture", "prod", {}, () => {
      const logBucket = new aws.s3.Bucket("logs", {});
      new DataBucket("images", { region: "us-east-2", accountId: "123456789012", transitions: rules, logBucket, tags: {} });
    });

  it("accepts Standard-IA then Intelligent-Tiering in the workload, the stack config and the component", async () => {
    expect(workload(ACCEPTED)).not.toThrow();
    await expect(stack(ACCEPTED)()).resolves.toBeDefined();
    await expect(bucket(ACCEPTED)()).resolves.toBeDefined();
  });

  it.each([
    ["Intelligent-Tiering then Standard-IA", REFUSED, /cannot transition INTELLIGENT_TIERING to STANDARD_IA/],
    ["One Zone-IA then Glacier Instant Retrieval", ONEZONE_TO_IR, /cannot transition ONEZONE_IA to GLACIER_IR/],
  ])("refuses %s in all three, with the same reason", async (_, rules, reason) => {
    expect(workload(rules)).toThrow(reason);
    await expect(stack(rules)()).rejects.toThrow(StackConfigError);
    await expect(stack(rules)()).rejects.toThrow(reason);
    await expect(bucket(rules)()).rejects.toThrow(reason);
  });

  it("and through the built commands: stowage cost, stowage plan's stack and stowage policy", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-lifecycle-"));
    const stowage = (...args: string[]) =>
      new Promise<{ code: number; stderr: string }>((done) =>
        execFile("node", ["dist/bundle/cli.js", ...args], (err, _o, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr })),
      );
    const example = parse(await readFile("examples/workload.yaml", "utf8")) as Record<string, unknown>;
    const prod = parse(await readFile("Pulumi.prod.yaml", "utf8")) as { config: Record<string, unknown> };
    for (const [rules, ok] of [
      [ACCEPTED, true],
      [REFUSED, false],
    ] as const) {
      await writeFile(join(dir, "w.yaml"), stringify({ ...example, lifecycle: rules.map((r) => ({ after_days: r.afterDays, class: r.storageClass })) }));
      await writeFile(join(dir, "Pulumi.prod.yaml"), stringify({ config: { ...prod.config, "stowage:lifecycle": rules } }));
      const cost = await stowage("cost", "--workload", join(dir, "w.yaml"), "--only", "s3-lifecycle");
      const policy = await stowage("policy", "--stack", "prod", "--stack-dir", dir);
      expect([cost.code, policy.code], `${cost.stderr}${policy.stderr}`).toEqual(ok ? [0, 0] : [2, 2]);
      if (!ok) for (const r of [cost, policy]) expect(r.stderr).toMatch(/cannot transition INTELLIGENT_TIERING to STANDARD_IA/);
    }
  });
});
