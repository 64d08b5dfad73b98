/**
 * The workload file: a typed, documented schema with defaults (examples/workload.yaml explains every key).
 * Validation collects every problem, each naming the key and the bad value, and throws once.
 */
import { z } from "zod";
import { describeValue, problemsError, readYamlFile, validateAll } from "../inputs.js";
import { isRegionCode, replicaRegionProblems } from "../regions.js";
import { STORAGE_CLASSES, lifecycleProblems } from "../storageClasses.js";

const gb = z.number().nonnegative();
const count = z.number().nonnegative();

export const RDS_STORAGE = ["gp2", "gp3", "io1"] as const;
export const EBS_VOLUMES = ["gp3", "gp2", "io1", "io2", "st1", "sc1"] as const;

export const WorkloadSchema = z
  .object({
    region: z.string().default("us-east-2"),
    horizon_months: z.number().int().min(1).max(120).default(36),
    data: z
      .object({
        initial_gb: gb,
        monthly_growth_gb: gb.default(0),
        average_object_kb: z.number().positive().default(512),
      })
      .strict(),
    requests: z.object({ monthly_writes: count, monthly_reads: count }).strict().nullish(),
    access: z
      .object({ monthly_read_gb: gb.default(0), monthly_egress_gb: gb.default(0) })
      .strict()
      .nullish(),
    retention: z
      .object({ delete_after_days: z.number().int().min(1).nullable().default(null) })
      .strict()
      .default({ delete_after_days: null }),
    lifecycle: z.array(z.object({ after_days: z.number().int().min(0), class: z.enum(STORAGE_CLASSES) }).strict()).default([]),
    replication: z
      .object({ regions: z.array(z.string()).default([]) })
      .strict()
      .default({ regions: [] }),
    rds: z
      .object({
        instance: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "expected an instance class like db.m5.large"),
        multi_az: z.boolean().default(false),
        storage: z.enum(RDS_STORAGE).default("gp3"),
        iops: z.number().int().positive().optional(),
        backup_gb: gb.default(0),
      })
      .strict()
      .default({ instance: "db.m5.large", multi_az: false, storage: "gp3", backup_gb: 0 }),
    ebs: z
      .object({
        volume: z.enum(EBS_VOLUMES).default("gp3"),
        iops: z.number().int().positive().optional(),
        throughput_mbps: z.number().int().positive().optional(),
        snapshot_gb: gb.default(0),
      })
      .strict()
      .default({ volume: "gp3", snapshot_gb: 0 }),
  })
  .strict();

export type Workload = z.infer<typeof WorkloadSchema>;
export type LifecycleRule = Workload["lifecycle"][number];

/** Rules that span keys; each returns its problems as "key: message". Exported for their own tests. */
export function semanticProblems(w: Workload): string[] {
  const problems: string[] = [];
  if (!isRegionCode(w.region)) problems.push(`region: unknown AWS region ${describeValue(w.region)}`);
  for (const p of replicaRegionProblems(w.region, w.replication.regions)) {
    problems.push(`replication.regions${p.index === null ? "" : `[${p.index}]`}: ${p.message}`);
  }

  // Data lands in Standard for s3-lifecycle. One check of a schedule for the workload, the stack config and the bucket.
  const key = { afterDays: "after_days", storageClass: "class" } as const;
  for (const p of lifecycleProblems(
    w.lifecycle.map((r) => ({ afterDays: r.after_days, storageClass: r.class })),
    { expireDays: w.retention.delete_after_days },
  )) {
    problems.push(p.rule === null ? `retention.delete_after_days: ${p.message}` : `lifecycle[${p.rule}].${key[p.field as keyof typeof key]}: ${p.message}`);
  }
  if (w.ebs.throughput_mbps !== undefined && w.ebs.volume !== "gp3") {
    problems.push(`ebs.throughput_mbps: only gp3 volumes take a provisioned throughput (volume is ${w.ebs.volume})`);
  }
  if (w.ebs.iops !== undefined && !["gp3", "io1", "io2"].includes(w.ebs.volume)) {
    problems.push(`ebs.iops: only gp3, io1 and io2 volumes take provisioned IOPS (volume is ${w.ebs.volume})`);
  }
  if (w.rds.iops !== undefined && w.rds.storage === "gp2") {
    problems.push(`rds.iops: gp2 storage has no provisioned IOPS; use gp3 or io1`);
  }
  return problems;
}

/** Validates parsed YAML. Throws one UserError listing every problem. */
export function parseWorkload(raw: unknown, source = "workload"): Workload {
  const { data, problems } = validateAll(WorkloadSchema, raw ?? {}, semanticProblems);
  if (problems.length > 0 || !data) throw problemsError(source, problems, "examples/workload.yaml");
  return data;
}

export async function loadWorkload(path: string): Promise<Workload> {
  return parseWorkload(await readYamlFile(path, "workload file", "--workload", "examples/workload.yaml"), path);
}
