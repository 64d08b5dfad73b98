/**
 * A golden per entry of the estimate's resource registry (infra/estimate.ts RESOURCE_MODELS), with and without
 * usage, rendered by the command's own renderer (table and JSON). Regenerate on purpose with UPDATE_GOLDEN=1.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderEstimate } from "../cli/render/estimate.js";
import { RESOURCE_MODELS, UsageSchema, estimateStack } from "../infra/estimate.js";
import { runUnderMocks } from "../infra/mockrun.js";
import { expectGolden } from "./support/golden.js";
import { shippedSnapshot } from "./support/snapshot.js";

const DIR = join(import.meta.dirname, "fixtures", "estimate");
const { catalog, asOf } = await shippedSnapshot();

interface Case {
  readonly model: string;
  readonly name: string;
  readonly program: () => void;
  readonly usage: object;
}

const CASES: readonly Case[] = [
  {
    model: "S3 bucket",
    name: "bucket-with-usage",
    program: () => {
      const b = new aws.s3.Bucket("photos", { region: "us-east-2" });
      new aws.s3.BucketLifecycleConfiguration("photos-lifecycle", {
        region: "us-east-2",
        bucket: b.id,
        rules: [{ id: "tier", status: "Enabled", transitions: [{ days: 30, storageClass: "STANDARD_IA" }], expiration: { days: 365 } }],
      });
    },
    usage: {
      horizon_months: 12,
      buckets: {
        photos: {
          initial_gb: 500,
          monthly_growth_gb: 50,
          average_object_kb: 1024,
          monthly_writes: 20000,
          monthly_reads: 100000,
          monthly_read_gb: 10,
          monthly_egress_gb: 5,
        },
      },
    },
  },
  { model: "S3 bucket", name: "bucket-without-usage", program: () => void new aws.s3.Bucket("photos", { region: "us-east-2" }), usage: {} },
  {
    model: "RDS PostgreSQL instance",
    name: "rds",
    program: () => {
      new aws.rds.Instance("db", {
        region: "us-east-2",
        engine: "postgres",
        instanceClass: "db.m5.large",
        allocatedStorage: 100,
        storageType: "gp3",
        multiAz: true,
      });
      new aws.rds.Instance("legacy", { region: "us-east-2", engine: "mysql", instanceClass: "db.m5.large", allocatedStorage: 20 });
    },
    usage: {},
  },
  {
    model: "EBS volume",
    name: "ebs",
    program: () =>
      void new aws.ebs.Volume("scratch", { region: "us-east-1", availabilityZone: "us-east-1a", type: "gp3", size: 500, iops: 6000, throughput: 250 }),
    usage: {},
  },
  { model: "KMS key", name: "kms", program: () => void new aws.kms.Key("key", { region: "us-east-2" }), usage: {} },
  {
    model: "Fargate service",
    name: "fargate",
    program: () => {
      const task = new aws.ecs.TaskDefinition("task", {
        region: "us-east-2",
        family: "detect",
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "2048",
        memory: "4096",
        containerDefinitions: "[]",
      });
      new aws.ecs.Service("detect", { region: "us-east-2", taskDefinition: task.arn, launchType: "FARGATE", desiredCount: 1 });
      new aws.ecs.Service("idle", { region: "us-east-2", taskDefinition: task.arn, launchType: "FARGATE", desiredCount: 2 });
    },
    usage: { pipelines: { detect: { average_tasks: 4.5 } } },
  },
  {
    model: "SQS queue",
    name: "sqs",
    program: () => void new aws.sqs.Queue("events", { region: "us-east-2", sqsManagedSseEnabled: true }),
    usage: { queues: { events: { monthly_requests: 3000000 } } },
  },
  {
    model: "CloudTrail trail",
    name: "trail",
    program: () => void new aws.cloudtrail.Trail("audit", { region: "us-east-2", s3BucketName: "logs" }),
    usage: { cloudtrail: { monthly_data_events: 250000 } },
  },
];

describe("the estimate's resource registry", () => {
  it("has a golden case for every model", () => {
    expect([...new Set(CASES.map((c) => c.model))].sort()).toEqual(RESOURCE_MODELS.map((m) => m.name).sort());
  });

  it("documents every usage key a model reads in examples/usage.yaml, and accepts no key no model reads", () => {
    const example = readFileSync("examples/usage.yaml", "utf8");
    const keys = RESOURCE_MODELS.flatMap((m) => m.usageKeys);
    for (const key of keys) expect(example, key).toContain(`${key.split(".").pop()}:`);
    const accepted = [
      ...Object.keys(UsageSchema.shape).filter((k) => !["buckets", "cloudtrail", "pipelines", "queues"].includes(k)),
      "pipelines.NAME.average_tasks",
      "queues.NAME.monthly_requests",
      ...Object.keys((UsageSchema.shape.cloudtrail.unwrap() as unknown as { shape: object }).shape).map((k) => `cloudtrail.${k}`),
    ];
    for (const key of accepted) expect(keys, key).toContain(key);
    expect(parse(example)).toBeTruthy();
  });

  for (const c of CASES) {
    it(`${c.model}: ${c.name}`, async () => {
      const run = await runUnderMocks("golden", "dev", {}, c.program);
      const e = estimateStack("dev", run.resources, UsageSchema.parse(c.usage), catalog, asOf, "us-east-2");
      expectGolden(join(DIR, `${c.name}.golden`), `${renderEstimate(e, "table")}\n${renderEstimate(e, "json")}`);
    });
  }
});
