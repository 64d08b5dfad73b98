/**
 * The planner's decision, written into a stack file, must give a program the engine runs and the policy pack
 * passes: for every S3 strategy the planner can pick. (The planner writes; the program and the pack judge.)
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ruleConfigFor } from "../infra/policy/report.js";
import { loadOwnStack } from "../infra/loadStack.js";
import { judge } from "../infra/policy/offline.js";
import { parseWorkload } from "../core/cost/workload.js";
import { S3_STRATEGIES, scheduleFor } from "../planner/placement/plan.js";
import { applyDecision } from "../core/stack/decision.js";

const workload = parseWorkload(parse(readFileSync("examples/workload.yaml", "utf8")));
const prod = readFileSync("Pulumi.prod.yaml", "utf8");

describe("a decision written into the prod stack file", () => {
  it.each(S3_STRATEGIES)(
    "deploys and passes the policy pack with %s",
    async (strategy) => {
      const schedule = scheduleFor(strategy, workload);
      const dir = mkdtempSync(join(tmpdir(), "stowage-plan-stack-"));
      writeFileSync(
        join(dir, "Pulumi.prod.yaml"),
        applyDecision(prod, {
          primaryRegion: "us-east-2",
          replicaRegions: ["us-west-2"],
          uploadStorageClass: schedule.uploadStorageClass,
          lifecycle: schedule.transitions,
          date: "2026-11-27",
          reasons: [`test: ${strategy}`],
        }),
      );
      const { cfg, resources } = await loadOwnStack(dir, "prod");
      expect(cfg.uploadStorageClass).toBe(schedule.uploadStorageClass);
      expect(cfg.lifecycle).toEqual(schedule.transitions);
      const report = await judge("prod", resources, ruleConfigFor(cfg));
      expect(report.violations).toEqual([]);
      expect(report.resources).toBeGreaterThan(100);
    },
    60_000,
  );
});
