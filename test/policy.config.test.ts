/**
 * A policy pack config (pulumi preview --policy-pack-config) as the pack reads it: levels, settings, every problem
 * of a bad file at once, a wrong type named, and Stowage's house rules silent on someone else's program unless the
 * config turns them on.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../infra/mockrun.js";
import { judge } from "../infra/policy/offline.js";
import { parsePackConfig } from "../infra/policy/packConfig.js";
import { baseline } from "./fixtures/insecure/programs.js";
import { findingsOf, run } from "./support/policy.js";

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
