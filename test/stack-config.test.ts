/** Writing the placement into a Pulumi stack file: only Stowage's keys change, byte for byte. */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ProblemsError, UserError } from "../core/errors.js";
import { applyDecision, decisionText, type Decision } from "../core/stack/decision.js";
import { configOfText, stackFileName, validStackConfig } from "../core/stack/file.js";

const run = promisify(execFile);

const decision: Decision = {
  primaryRegion: "us-east-2",
  replicaRegions: ["us-west-2"],
  uploadStorageClass: "STANDARD",
  lifecycle: [
    { afterDays: 30, storageClass: "STANDARD_IA" },
    { afterDays: 180, storageClass: "DEEP_ARCHIVE" },
  ],
  date: "2026-11-27",
  reasons: ["cheapest of 5 feasible regions: $63.05 a month", "100% of traffic within 200 ms"],
};

const ORIGINAL = `# Production storage.   Owned by the platform team; ask #platform before editing.
secretsprovider: awskms://alias/pulumi-prod
encryptionsalt: v1:abc==
config:
    aws:region: us-east-2   # keep in sync with the planner
    # team prefixes, reviewed quarterly
    stowage:teams:
        - name: vision
          prefixes: ["images/", 'labels/']
    stowage:primaryRegion: eu-west-1
    stowage:retentionDays: 365     # insurance claims: one year
    stowage:dbPassword:
        secure: v1:AAAABBBBCCCC
`;

const OUR_LINES = /^\s*(stowage:(primaryRegion|replicaRegions|uploadStorageClass|lifecycle):.*|# stowage plan .*|# - .*|- \{ afterDays.*)$/;

describe("applyDecision", () => {
  it("changes only Stowage's keys: every other line stays byte for byte, in order", () => {
    const out = applyDecision(ORIGINAL, decision);
    const others = (text: string) => text.split("\n").filter((l) => !OUR_LINES.test(l));
    expect(others(out)).toEqual(others(ORIGINAL));
    expect(out).toContain(
      [
        "    # stowage plan 2026-11-27: us-east-2, replica us-west-2",
        "    # - cheapest of 5 feasible regions: $63.05 a month",
        "    # - 100% of traffic within 200 ms",
        "    stowage:primaryRegion: us-east-2",
        "    stowage:replicaRegions: [us-west-2]",
        "    stowage:uploadStorageClass: STANDARD",
        "    stowage:lifecycle:",
        "      - { afterDays: 30, storageClass: STANDARD_IA }",
        "      - { afterDays: 180, storageClass: DEEP_ARCHIVE }",
        "    stowage:retentionDays: 365     # insurance claims: one year",
      ].join("\n"),
    );
    expect(parse(out).config).toMatchObject({
      "aws:region": "us-east-2",
      "stowage:primaryRegion": "us-east-2",
      "stowage:replicaRegions": ["us-west-2"],
      "stowage:lifecycle": [
        { afterDays: 30, storageClass: "STANDARD_IA" },
        { afterDays: 180, storageClass: "DEEP_ARCHIVE" },
      ],
      "stowage:dbPassword": { secure: "v1:AAAABBBBCCCC" },
    });
  });

  it("replaces its own earlier decision, comment included, and is idempotent", () => {
    const once = applyDecision(ORIGINAL, decision);
    const again = applyDecision(once, { ...decision, primaryRegion: "us-east-1", replicaRegions: [], lifecycle: [], reasons: ["second"] });
    expect(again.match(/# stowage plan/g)).toHaveLength(1);
    expect(again).not.toContain("cheapest of 5");
    expect(again).toContain("    stowage:replicaRegions: []\n    stowage:uploadStorageClass: STANDARD\n    stowage:lifecycle: []\n");
    expect(parse(again).config["stowage:primaryRegion"]).toBe("us-east-1");
    expect(applyDecision(once, decision)).toBe(once);
  });

  it("leaves a user's own '# - ' comment alone when it is not part of a Stowage block", () => {
    const text = "config:\n  # - keep this note\n  stowage:primaryRegion: eu-west-1\n";
    expect(applyDecision(text, decision)).toContain("  # - keep this note\n  # stowage plan 2026-11-27");
  });

  it("creates the config where there is none", () => {
    expect(applyDecision("", decision)).toMatch(/^config:\n  # stowage plan 2026-11-27/);
    expect(applyDecision("encryptionsalt: v1:x==", decision)).toMatch(/^encryptionsalt: v1:x==\nconfig:\n  # stowage plan/);
    expect(applyDecision("config:\n", decision)).toMatch(/^config:\n  # stowage plan/);
    expect(parse(applyDecision("config:\n", decision)).config["stowage:primaryRegion"]).toBe("us-east-2");
  });

  it("refuses a file that is not YAML or not a mapping, instead of overwriting it", () => {
    expect(() => applyDecision("config: [1, 2\n", decision)).toThrow(UserError);
    expect(() => applyDecision("- a\n- b\n", decision)).toThrow(/not a mapping/);
    expect(() => applyDecision("config: [1, 2]\n", decision)).toThrow(/`config` is not a mapping/);
  });

  it("accepts only plain stack names", () => {
    expect(stackFileName("prod")).toBe("Pulumi.prod.yaml");
    expect(() => stackFileName("../etc/passwd")).toThrow(UserError);
  });
});

describe("what the planner would write is checked by the stack parser first", () => {
  const prod = readFileSync("Pulumi.prod.yaml", "utf8");
  const problemsOf = (text: string, d: Decision) => {
    try {
      decisionText("Pulumi.prod.yaml", text, d);
    } catch (err) {
      expect(err).toBeInstanceOf(ProblemsError);
      return [...(err as ProblemsError).problems];
    }
    return [];
  };

  it("refuses a replica region listed twice, naming it, in a full stack and in a new file alike", () => {
    const twice = { ...decision, replicaRegions: ["us-west-2", "us-west-2"] };
    expect(problemsOf(prod, twice)).toEqual(["stowage:replicaRegions: us-west-2 listed twice; each replica region once"]);
    expect(problemsOf("", twice)).toEqual(["stowage:replicaRegions: us-west-2 listed twice; each replica region once"]);
    // The same decision with one replica is written as before.
    expect(problemsOf(prod, decision)).toEqual([]);
    expect(decisionText("Pulumi.prod.yaml", prod, decision)).toBe(applyDecision(prod, decision));
  });

  it("judges the placement keys by the stack's rules: the primary as a replica, a schedule S3 refuses", () => {
    expect(problemsOf("", { ...decision, replicaRegions: ["us-east-2"] })).toEqual([
      "stowage:replicaRegions[0]: us-east-2 is the primary region; a replica must be in another region",
    ]);
    expect(problemsOf("", { ...decision, lifecycle: [{ afterDays: 10, storageClass: "STANDARD_IA" }] })).toEqual([
      "stowage:lifecycle[0].afterDays: 10 is too early; S3 requires objects to be at least 30 days old before STANDARD_IA",
    ]);
  });
});

describe("stowage plan --stack --write", () => {
  const stowage = (...args: string[]) =>
    run("node", ["dist/bundle/cli.js", ...args]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it("shows the change, writes it only with --write, and keeps everything else", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-stack-"));
    await writeFile(join(dir, "Pulumi.prod.yaml"), ORIGINAL);
    const base = ["plan", "--workload", "examples/workload.yaml", "--users", "examples/users.yaml", "--offline", "--stack", "prod", "--stack-dir", dir];
    const preview = await stowage(...base);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/Pulumi\.prod\.yaml would change like this \(add --write to write it\)/);
    expect(preview.stdout).toMatch(/^-    stowage:primaryRegion: eu-west-1$/m);
    expect(preview.stdout).toMatch(/^\+    stowage:primaryRegion: us-east-2$/m);
    expect(await readFile(join(dir, "Pulumi.prod.yaml"), "utf8")).toBe(ORIGINAL);

    const written = await stowage(...base, "--write");
    expect(written.stdout).toMatch(/Wrote .*Pulumi\.prod\.yaml:/);
    const after = await readFile(join(dir, "Pulumi.prod.yaml"), "utf8");
    expect(parse(after).config).toMatchObject({
      "stowage:primaryRegion": "us-east-2",
      "stowage:replicaRegions": ["eu-west-1"],
      "stowage:uploadStorageClass": "GLACIER_IR",
      "stowage:lifecycle": [],
    });
    const others = (text: string) => text.split("\n").filter((l) => !OUR_LINES.test(l));
    expect(others(after)).toEqual(others(ORIGINAL));
    expect(await readdir(dir)).toEqual(["Pulumi.prod.yaml"]); // no temporary file left behind

    const again = await stowage(...base, "--write");
    expect(again.stdout).toMatch(/already holds this placement/);
  });

  it("refuses a write the stack parser would refuse: exit 2, the problems listed, the file untouched", async () => {
    // A valid prod stack whose images bucket archives from Intelligent-Tiering: the plan's Glacier IR uploads would
    // leave no object there, which the stack parser refuses.
    const prod = readFileSync("Pulumi.prod.yaml", "utf8")
      .replace("stowage:uploadStorageClass: STANDARD\n", "stowage:uploadStorageClass: INTELLIGENT_TIERING\n")
      .replace(/  stowage:lifecycle:\n(    - .*\n)+/, "  stowage:lifecycle: []\n")
      .replace(
        "      notifications: true\n",
        "      notifications: true\n      intelligentTieringArchive: { archiveAfterDays: 90, deepArchiveAfterDays: 180 }\n",
      );
    expect(validStackConfig(configOfText(prod, "prod")).buckets[0]!.intelligentTieringArchive).toBeDefined();
    const dir = await mkdtemp(join(tmpdir(), "stowage-stack-"));
    await writeFile(join(dir, "Pulumi.prod.yaml"), prod);
    const r = await stowage(
      "plan",
      "--workload",
      "examples/workload.yaml",
      "--users",
      "examples/users.yaml",
      "--offline",
      "--stack",
      "prod",
      "--stack-dir",
      dir,
      "--write",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /Pulumi\.prod\.yaml, as this plan would write it, has 1 problem:\n  - stowage:buckets\[0\]\.intelligentTieringArchive: no object reaches INTELLIGENT_TIERING \(uploads land in GLACIER_IR/,
    );
    expect(r.stderr).toMatch(/Nothing was written/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(join(dir, "Pulumi.prod.yaml"), "utf8")).toBe(prod);
    expect(await readdir(dir)).toEqual(["Pulumi.prod.yaml"]);
  });

  it("answers JSON in the documented shape, and exits 3 when nothing is feasible", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-users-"));
    const users = join(dir, "users.yaml");
    await writeFile(
      users,
      "populations:\n  - { name: team, place: Tokyo, weight: 1 }\nconstraints:\n  allowed_regions: [us-east-1, eu-west-1]\n  latency_objective_ms: 50\n",
    );
    const r = await stowage("plan", "--workload", "examples/workload.yaml", "--users", users, "--json");
    expect(r.code).toBe(3);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(["recommendation", "unmet", "ranking", "front"]);
    expect(json.recommendation).toBeNull();
    expect(json.unmet[0]).toMatchObject({ constraint: "latency_objective_ms", limit: 50 });
    expect(json.unmet[0].by).toBeGreaterThan(100);
    expect(json.ranking[0]).toMatchObject({ region: expect.any(String), monthlyCost: expect.stringMatching(/^\d+\.\d\d$/), estimated: true, feasible: false });
    expect(Object.keys(json.ranking[0])).toEqual(
      expect.arrayContaining(["region", "monthlyCost", "weightedRttMs", "worstRttMs", "estimated", "feasible", "rejectedBecause"]),
    );

    const text = await stowage("plan", "--workload", "examples/workload.yaml", "--users", users);
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/^No region meets every constraint\n- latency_objective_ms: the best allowed region's weighted round trip is [\d.]+ ms/);
  });

  it("explains bad input", async () => {
    const w = await stowage("plan", "--users", "examples/users.yaml");
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--workload FILE is required/);
    const nw = await stowage("plan", "--workload", "examples/workload.yaml", "--users", "examples/users.yaml", "--write");
    expect(nw.code).toBe(2);
    expect(nw.stderr).toMatch(/--write needs --stack NAME/);
  });
});
