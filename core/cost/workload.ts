/**
 * The workload file: a typed, documented schema with defaults (examples/workload.yaml explains every key).
 * Validation collects every problem, each naming the key and the bad value, and throws once.
 */
// zod/mini's functions rather than zod's method chains: the same core and messages at a twentieth of the code to
// load, which is most of `stowage cost`'s start-up (npm run bench). inputs.ts sets zod's English messages.
import * as z from "zod/mini";
import { describeValue, problemsError, readYamlFile, validateAll } from "../inputs.js";
import { isRegionCode, replicaRegionProblems } from "../regions.js";
import { STORAGE_CLASSES, lifecycleProblems } from "../storageClasses.js";

const gb = z.number().check(z.nonnegative());
const count = z.number().check(z.nonnegative());
const positiveInt = () => z.number().check(z.int(), z.positive());

export const RDS_STORAGE = ["gp2", "gp3", "io1"] as const;
export const EBS_VOLUMES = ["gp3", "gp2", "io1", "io2", "st1", "sc1"] as const;

export const WorkloadSchema = z.strictObject({
  region: z._default(z.string(), "us-east-2"),
  horizon_months: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(120)), 36),
  data: z.strictObject({
    initial_gb: gb,
    monthly_growth_gb: z._default(gb, 0),
    average_object_kb: z._default(z.number().check(z.positive()), 512),
  }),
  requests: z.nullish(z.strictObject({ monthly_writes: count, monthly_reads: count })),
  access: z.nullish(z.strictObject({ monthly_read_gb: z._default(gb, 0), monthly_egress_gb: z._default(gb, 0) })),
  retention: z._default(z.strictObject({ delete_after_days: z._default(z.nullable(z.number().check(z.int(), z.minimum(1))), null) }), {
    delete_after_days: null,
  }),
  lifecycle: z._default(z.array(z.strictObject({ after_days: z.number().check(z.int(), z.minimum(0)), class: z.enum(STORAGE_CLASSES) })), []),
  replication: z._default(z.strictObject({ regions: z._default(z.array(z.string()), []) }), { regions: [] }),
  rds: z._default(
    z.strictObject({
      instance: z.string().check(z.regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "expected an instance class like db.m5.large")),
      multi_az: z._default(z.boolean(), false),
      storage: z._default(z.enum(RDS_STORAGE), "gp3"),
      iops: z.optional(positiveInt()),
      backup_gb: z._default(gb, 0),
    }),
    { instance: "db.m5.large", multi_az: false, storage: "gp3", backup_gb: 0 },
  ),
  ebs: z._default(
    z.strictObject({
      volume: z._default(z.enum(EBS_VOLUMES), "gp3"),
      iops: z.optional(positiveInt()),
      throughput_mbps: z.optional(positiveInt()),
      snapshot_gb: z._default(gb, 0),
    }),
    { volume: "gp3", snapshot_gb: 0 },
  ),
});

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
