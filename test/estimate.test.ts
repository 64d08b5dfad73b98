/**
 * The stack estimate: our prod stack with the documented usage file, checked line by line against figures computed
 * by hand from the snapshot's prices; unit prices without usage; unknown types unpriced; budget and comparison from
 * the built command. The hand-computed total of a whole program is in estimate.program.test.ts.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { Decimal } from "../core/money.js";
import { UsageSchema, estimateStack } from "../infra/estimate.js";
import { loadOwnStack } from "../infra/loadStack.js";
import { shippedSnapshot } from "./support/snapshot.js";

const { catalog, asOf } = await shippedSnapshot();
const usage = UsageSchema.parse(parse(readFileSync("examples/usage.yaml", "utf8")));
const { resources, region } = await loadOwnStack(".", "prod");
const prod = estimateStack("prod", resources, usage, catalog, asOf, region);

describe("stowage estimate of the prod stack", () => {
  it("prices the images bucket's first month as computed by hand from the snapshot's prices", () => {
    // Month 1 (Pulumi.prod.yaml, examples/usage.yaml): 1,000 GB, all still in Standard (the first transition is at
    // 30 days), in US East (Ohio), replicated to US West (Oregon); prices from data/prices (AmazonS3 us-east-2 and
    // us-west-2, AWSDataTransfer us-east-2):
    //   Standard storage        1,000 GB-Mo × $0.023 (first 50 TB)   = $23.00
    //   PUT, COPY, POST, LIST     100,000 × $0.000005 (Requests-Tier1) = $0.50
    //   GET and other           1,000,000 × $0.0000004 (Requests-Tier2) = $0.40
    //   replica storage         1,000 GB-Mo × $0.023 (Oregon)         = $23.00
    //   replication transfer    1,000 GB × $0.02 (USE2-USW2-AWS-Out)   = $20.00
    //   replication requests    1,000 GB × 1,048,576 KB ÷ 512 KB = 2,048,000 objects × $0.000005 (Oregon PUT) = $10.24
    // Every other line (colder classes, transitions, early deletion, 0 GB of egress) is $0 in month 1: $77.14 in all.
    const got = prod.resources.find((r) => r.name === "images")!;
    expect(got.lines.every((l) => l.cost !== null)).toBe(true);
    const nonZero = got.lines.filter((l) => !l.cost!.isZero()).map((l) => [l.name, l.quantity!.toFixed(), l.unitPrice!.toFixed(), l.cost!.toFixed()]);
    expect(nonZero).toEqual([
      ["Storage (Standard, 0–51200 GB-Mo)", "1000", "0.023", "23"],
      ["PUT, COPY, POST, LIST requests (Standard)", "100000", "0.000005", "0.5"],
      ["GET and other requests (Standard)", "1000000", "0.0000004", "0.4"],
      ["Replica storage (Standard, us-west-2, 0–51200 GB-Mo)", "1000", "0.023", "23"],
      ["Replication transfer (us-east-2 → us-west-2)", "1000", "0.02", "20"],
      ["Replication requests (Standard, us-west-2)", "2048000", "0.000005", "10.24"],
    ]);
    expect(got.lines.reduce((s, l) => s.plus(l.cost!), new Decimal(0)).toFixed(2)).toBe("77.14");
    // The 12-month average (the lifecycle moving data colder, 200 GB a month of growth) is the figure `stowage cost`
    // gives the same workload: held by test/fixtures/estimate and the built command's test below ($102.35).
    expect(got.monthlyCost.toFixed(2)).toBe("102.35");
    expect(got.complete).toBe(true);
  });

  it("does not price replicas twice, and lists what it cannot price", () => {
    expect(prod.resources.map((r) => r.name)).not.toContain("images-us-west-2-replica");
    // KMS and CloudTrail are not in the snapshot; SQS only in Ohio (the one SQS feed at hand), so the Oregon replica's queue.
    expect(prod.missingPrices.map((m) => `${m.service} ${m.region}`).sort()).toEqual([
      "AWSCloudTrail us-east-2",
      "AWSQueueService us-west-2",
      "awskms us-east-2",
      "awskms us-west-2",
    ]);
  });

  it("prices the Pipeline in us-east-2: Fargate by vCPU and memory per task-hour, the SQS requests of its queue and dead-letter queue", () => {
    // Figures from ecs.json and queueservice-us-east-2-excerpt.json (US East (Ohio)), by hand: 3 tasks of 1 vCPU and
    // 2 GB (Pulumi.prod.yaml, examples/usage.yaml) × 730 h = 2,190 vCPU-h × $0.04048 = $88.6512 and
    // 4,380 GB-h × $0.004445 = $19.4691; 12,000,000 requests × $0.0000004 = $4.80; the DLQ's 20,000 × $0.0000004 = $0.008.
    expect(prod.missingPrices.filter((m) => m.region === "us-east-2" && (m.service === "AmazonECS" || m.service === "AWSQueueService"))).toEqual([]);
    const cost = (name: string) => prod.resources.find((r) => r.name === name)!;
    expect(cost("pipeline-detect-service").lines.map((l) => l.cost!.toFixed())).toEqual(["88.6512", "19.4691"]);
    expect(cost("pipeline-detect-service")).toMatchObject({ complete: true });
    expect(cost("pipeline-detect-service").monthlyCost.toFixed()).toBe("108.1203");
    expect(cost("images-events").monthlyCost.toFixed()).toBe("4.8");
    expect(cost("pipeline-detect-dlq").monthlyCost.toFixed()).toBe("0.008");
  });

  it("shows unit prices, not zero, for a bucket without usage", () => {
    const bare = estimateStack("prod", resources, UsageSchema.parse({}), catalog, asOf, region);
    const images = bare.resources.find((r) => r.name === "images")!;
    expect(images.complete).toBe(false);
    expect(images.monthlyCost.isZero()).toBe(true);
    expect(images.lines.every((l) => l.quantity === null && l.cost === null)).toBe(true);
    expect(images.lines.find((l) => l.name.startsWith("Storage (Standard"))!.unitPrice!.toFixed()).toBe("0.023");
  });
});

describe("stowage estimate (the built command)", () => {
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile("node", ["dist/bundle/cli.js", "estimate", ...args], (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it("fails over budget, and prints the change against a base estimate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-estimate-"));
    const base = await run("--stack", "prod", "--json");
    expect(base.code).toBe(0);
    // No usage file (#22 item 10): the output names every usage the stack's resources lack, not just a total.
    expect(JSON.parse(base.stdout)).toMatchObject({
      usageGiven: false,
      withoutUsage: [
        "buckets.logs",
        "buckets.images",
        "buckets.claims",
        "buckets.images-us-west-2-logs",
        "buckets.claims-us-west-2-logs",
        "cloudtrail.monthly_data_events",
        "queues.images-events.monthly_requests",
        "queues.pipeline-detect-dlq.monthly_requests",
        "queues.images-us-west-2-replica-events.monthly_requests",
      ],
    });
    writeFileSync(join(dir, "base.json"), base.stdout);
    const over = await run("--stack", "prod", "--usage", "examples/usage.yaml", "--budget", "50", "--compare-to", join(dir, "base.json"));
    expect(over.code).toBe(5);
    expect(over.stdout).toMatch(/^Over budget: \$218\.81 > \$50\.00\.$/m);
    expect(over.stdout).toMatch(/^ {2}images \(Bucket\): \$0\.00 → \$102\.35 \(\+102\.35\)$/m);
    const within = await run("--stack", "prod", "--usage", "examples/usage.yaml", "--budget", "500", "--json");
    expect(within.code).toBe(0);
    // KMS keys and the trail have no price in the snapshot: within the budget, but the total is a lower bound.
    expect(JSON.parse(within.stdout)).toMatchObject({
      stack: "prod",
      total: expect.stringMatching(/^218\.81/),
      complete: false,
      budget: 500,
      overBudget: false,
    });
    const withinText = await run("--stack", "prod", "--usage", "examples/usage.yaml", "--budget", "500");
    expect(withinText.stdout).toMatch(
      /^Within budget as far as priced: \$218\.81 ≤ \$500\.00, but \d+ resources are not fully priced \(\*\), so the total is a lower bound\.$/m,
    );
    const bad = await run("--stack", "prod", "--budget", "lots");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--budget lots is not an amount in USD/);
  }, 120_000); // four runs of the built command, each a mock Pulumi program: on a loaded machine each takes seconds
});

describe("databases and volumes in a stack", () => {
  it("are priced by the rds-postgresql and ebs models; other engines are reported, not guessed", async () => {
    const aws = await import("@pulumi/aws");
    const { runUnderMocks } = await import("../infra/mockrun.js");
    const run = await runUnderMocks("app", "dev", {}, () => {
      new aws.rds.Instance("db", {
        region: "us-east-2",
        engine: "postgres",
        instanceClass: "db.m4.large",
        allocatedStorage: 20,
        storageType: "gp2",
        multiAz: false,
      });
      new aws.rds.Instance("legacy", { region: "us-east-2", engine: "mysql", instanceClass: "db.m5.large", allocatedStorage: 20 });
      new aws.ebs.Volume("scratch", { region: "us-east-1", availabilityZone: "us-east-1a", type: "gp3", size: 500, iops: 6000, throughput: 250 });
    });
    const e = estimateStack("dev", run.resources, UsageSchema.parse({}), catalog, asOf, null);
    const cost = (name: string) => e.resources.find((r) => r.name === name)!;
    expect(cost("db").monthlyCost.toFixed(2)).toBe("135.16"); // the design notes' db.m4.large with 20 GB gp2
    expect(cost("db").complete).toBe(true);
    // 500 GB × $0.08 + 3,000 IOPS × $0.005 + 125 MiB/s × $0.04
    expect(cost("scratch").lines.map((l) => l.cost?.toFixed(2))).toEqual(["40.00", "15.00", "5.00", "0.00"]);
    expect(cost("legacy")).toMatchObject({ complete: false, note: "engine mysql is not priced (PostgreSQL only)" });
    expect(e.missingPrices.some((m) => m.attributes.databaseEngine === "mysql")).toBe(true);
  });
});

describe("a storage or volume type the models do not know", () => {
  it("is reported not priced, never priced as another type; an unset type is the provider's default", async () => {
    const aws = await import("@pulumi/aws");
    const { runUnderMocks } = await import("../infra/mockrun.js");
    const run = await runUnderMocks("app", "dev", {}, () => {
      new aws.rds.Instance("magnetic-db", {
        region: "us-east-2",
        engine: "postgres",
        instanceClass: "db.m4.large",
        allocatedStorage: 20,
        storageType: "standard",
      });
      new aws.ebs.Volume("magnetic", { region: "us-east-2", availabilityZone: "us-east-2a", type: "standard", size: 100 });
      new aws.ebs.Volume("unset", { region: "us-east-2", availabilityZone: "us-east-2a", size: 100 });
      new aws.rds.Instance("unset-db", { region: "us-east-2", engine: "postgres", instanceClass: "db.m4.large", allocatedStorage: 20 });
    });
    const e = estimateStack("dev", run.resources, UsageSchema.parse({}), catalog, asOf, null);
    const cost = (name: string) => e.resources.find((r) => r.name === name)!;
    expect(cost("magnetic-db")).toMatchObject({
      complete: false,
      unpriced: "storage type standard",
      lines: [],
      note: "not priced: storage type standard (Stowage prices gp2, gp3 and io1)",
    });
    expect(cost("magnetic")).toMatchObject({ complete: false, unpriced: "volume type standard", lines: [] });
    expect(cost("magnetic").monthlyCost.isZero()).toBe(true);
    // No type: the provider creates gp2 (aws_ebs_volume `type`), $0.10 per GB-month in us-east-2: 100 GB = $10.00.
    expect(cost("unset").lines.map((l) => [l.name, l.cost?.toFixed(2)])).toEqual([
      ["Storage (gp2, 1 volume)", "10.00"],
      ["Snapshots", "0.00"],
    ]);
    // No storage type and no IOPS: RDS creates gp3, $0.115 per GB-month in us-east-2 (Single-AZ): 20 GB = $2.30.
    const storage = cost("unset-db").lines.find((l) => l.name.startsWith("Database storage"))!;
    expect([storage.name, storage.cost!.toFixed(2)]).toEqual(["Database storage (General Purpose gp3, Single-AZ)", "2.30"]);
  });
});

describe("a resource without a region of its own", () => {
  it("is priced in the stack's aws:region (the provider's, in @pulumi/aws v7), never in a guessed one", async () => {
    const aws = await import("@pulumi/aws");
    const { runUnderMocks } = await import("../infra/mockrun.js");
    const run = await runUnderMocks("app", "dev", {}, () => {
      new aws.ebs.Volume("scratch", { availabilityZone: "us-west-2a", type: "gp3", size: 100 });
    });
    const skus = (e: ReturnType<typeof estimateStack>) => e.resources.find((r) => r.name === "scratch")!.lines.map((l) => l.sku);
    const explicit = await runUnderMocks("app", "dev", {}, () => {
      new aws.ebs.Volume("scratch", { region: "us-west-2", availabilityZone: "us-west-2a", type: "gp3", size: 100 });
    });
    const inOregon = skus(estimateStack("dev", run.resources, UsageSchema.parse({}), catalog, asOf, "us-west-2"));
    expect(inOregon.every((sku) => sku !== null)).toBe(true);
    expect(inOregon).toEqual(skus(estimateStack("dev", explicit.resources, UsageSchema.parse({}), catalog, asOf, "us-east-1")));
    expect(inOregon).not.toEqual(skus(estimateStack("dev", run.resources, UsageSchema.parse({}), catalog, asOf, "us-east-1")));
    expect(() => estimateStack("dev", run.resources, UsageSchema.parse({}), catalog, asOf, null)).toThrow(
      /has no aws:region, and scratch names no region of its own/,
    );
  });
});
