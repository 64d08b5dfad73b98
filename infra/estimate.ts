/**
 * The cost of a stack: each resource mapped to the cost models of `stowage cost`, with usage from a usage file
 * (like infracost-usage.yml; examples/usage.yaml documents every key). A bucket is priced as `stowage cost` prices
 * the `s3-lifecycle` option of the equivalent workload: its lifecycle and expiry come from its sidecars, its
 * replicas from its replication configuration. Lines without usage show their unit price. Pure: resources, usage
 * and a catalog in; an estimate out.
 */
import { z } from "zod";
import type { LineItem, MissingPrice } from "../core/cost/components.js";
import { estimate as costEstimate } from "../core/cost/estimate.js";
import { parseWorkload } from "../core/cost/workload.js";
import { UserError } from "../core/errors.js";
import { Decimal, ZERO, sum } from "../core/money.js";
import type { Catalog } from "../core/pricing/catalog.js";
import { T, gatherFacts, type StackResource } from "./policy/gather.js";

/**
 * A bucket's usage, in the workload file's words (data.initial_gb, requests.monthly_writes, access.monthly_read_gb,
 * …) so one vocabulary serves both files. Requests are both given or neither: one alone cannot be priced.
 */
const BucketUsage = z
  .object({
    initial_gb: z.number().nonnegative(),
    monthly_growth_gb: z.number().nonnegative().default(0),
    average_object_kb: z.number().positive().default(512),
    monthly_writes: z.number().nonnegative().optional(),
    monthly_reads: z.number().nonnegative().optional(),
    monthly_read_gb: z.number().nonnegative().optional(),
    monthly_egress_gb: z.number().nonnegative().optional(),
  })
  .strict()
  .refine((u) => (u.monthly_writes === undefined) === (u.monthly_reads === undefined), { message: "monthly_writes and monthly_reads go together: give both, or neither for unit prices" });

/** Keys of earlier usage files, and the names they have now. */
export const RENAMED_USAGE_KEYS: Readonly<Record<string, string>> = { storage_gb: "initial_gb", monthly_tier_1_requests: "monthly_writes", monthly_tier_2_requests: "monthly_reads" };

export const UsageSchema = z
  .object({
    /** Months averaged for the monthly figure (default 12: a lifecycle takes months to settle). */
    horizon_months: z.number().int().min(1).max(120).default(12),
    buckets: z.record(z.string(), BucketUsage).default({}),
    cloudtrail: z.object({ monthly_data_events: z.number().nonnegative() }).strict().optional(),
  })
  .strict();
export type Usage = z.infer<typeof UsageSchema>;

export interface ResourceCost {
  readonly type: string;
  readonly name: string;
  /** Average monthly cost over the horizon, of the lines whose cost is known. */
  readonly monthlyCost: Decimal;
  readonly complete: boolean;
  /** Month 1's lines (for a bucket: its lines as `stowage cost` shows them). */
  readonly lines: readonly LineItem[];
  readonly note?: string;
}

export interface StackEstimate {
  readonly stack: string;
  readonly pricesAsOf: string | null;
  readonly horizonMonths: number;
  readonly resources: readonly ResourceCost[];
  readonly total: Decimal;
  readonly missingPrices: readonly MissingPrice[];
}

/** The workload `stowage cost` would price for this bucket: what the stack declares plus what the usage says. */
export function workloadFor(bucket: ReturnType<typeof gatherFacts>["buckets"][number], side: { transitions: { days: number; storageClass: string }[]; expireDays: number | null }, usage: z.infer<typeof BucketUsage> | undefined, horizon: number, replicaRegions: readonly string[]) {
  return parseWorkload({
    region: bucket.region!,
    horizon_months: horizon,
    data: { initial_gb: usage?.initial_gb ?? 0, monthly_growth_gb: usage?.monthly_growth_gb ?? 0, average_object_kb: usage?.average_object_kb ?? 512 },
    ...(usage?.monthly_writes !== undefined && usage.monthly_reads !== undefined ? { requests: { monthly_writes: usage.monthly_writes, monthly_reads: usage.monthly_reads } } : {}),
    ...(usage?.monthly_read_gb !== undefined || usage?.monthly_egress_gb !== undefined ? { access: { monthly_read_gb: usage.monthly_read_gb ?? 0, monthly_egress_gb: usage.monthly_egress_gb ?? 0 } } : {}),
    retention: { delete_after_days: side.expireDays },
    lifecycle: side.transitions.map((t) => ({ after_days: t.days, class: t.storageClass })),
    replication: { regions: [...replicaRegions] },
  });
}

function unknownQuantities(lines: readonly LineItem[]): LineItem[] {
  return lines.map((l) => ({ ...l, quantity: null, cost: null }));
}

/** One cost-model option for one resource; internet egress is the workload's, not the resource's: left out. */
function optionCost(r: StackResource, w: ReturnType<typeof parseWorkload>, id: "rds-postgresql" | "ebs", catalog: Catalog, pricesAsOf: string | null, missing: Map<string, MissingPrice>): ResourceCost {
  const report = costEstimate(w, catalog, pricesAsOf, { only: [id] });
  for (const m of report.missingPrices) missing.set(`${m.service}|${m.region}|${m.usagetype}`, m);
  const lines = report.options[0]!.months[0]!.lines.filter((l) => !l.name.startsWith("Internet egress"));
  return { type: r.type, name: r.name, monthlyCost: sum(lines.flatMap((l) => (l.cost ? [l.cost] : []))), complete: lines.every((l) => l.cost !== null), lines };
}

/**
 * `region`: the stack's `aws:region`, where every resource without a region of its own lives (@pulumi/aws v7). A
 * resource whose region is known neither way is not priced in a guessed one: that is an error naming it.
 */
export function estimateStack(stack: string, resources: readonly StackResource[], usage: Usage, catalog: Catalog, pricesAsOf: string | null, region: string | null): StackEstimate {
  const PRICED = new Set<string>([T.bucket, T.bucketV2, T.key, T.trail, "aws:rds/instance:Instance", "aws:ebs/volume:Volume"]);
  const nowhere = resources.filter((r) => PRICED.has(r.type) && !r.props.region && !region);
  if (nowhere.length) {
    throw new UserError(`The stack ${stack} has no aws:region, and ${nowhere.map((r) => r.name).join(", ")} name${nowhere.length === 1 ? "s" : ""} no region of ${nowhere.length === 1 ? "its" : "their"} own: there is no region to price ${nowhere.length === 1 ? "it" : "them"} in.`, `Set aws:region in Pulumi.${stack}.yaml (\`pulumi config set aws:region us-east-2 --stack ${stack}\`).`);
  }
  const regionOf = (r: StackResource): string => r.props.region ?? region!;
  const facts = gatherFacts(resources, { defaultRegion: region });
  // A usage entry for a bucket the stack does not have (a typo, a renamed bucket) would silently price nothing.
  const priced = facts.buckets.filter((b) => !b.isReplica).map((b) => b.ref.name);
  const unknown = Object.keys(usage.buckets).filter((name) => !priced.includes(name));
  if (unknown.length) {
    throw new UserError(
      `The usage file names ${unknown.length === 1 ? "a bucket" : "buckets"} the stack ${stack} does not have: ${unknown.map((n) => `buckets.${n}`).join(", ")}.`,
      `Use the stack's bucket names: ${priced.join(", ") || "(it has none)"}.`,
    );
  }
  const out: ResourceCost[] = [];
  const missing = new Map<string, MissingPrice>();
  const priceOption = (r: StackResource, w: ReturnType<typeof parseWorkload>, id: "rds-postgresql" | "ebs") => optionCost(r, w, id, catalog, pricesAsOf, missing);
  const lifecycleOf = (name: string) => {
    const bucket = resources.find((r) => r.name === name && (r.type === T.bucket || r.type === T.bucketV2))!;
    const lc = resources.find((r) => T.lifecycle.includes(r.type as never) && (r.props.bucket === bucket.props.bucket || r.props.bucket === bucket.id));
    const rule = (lc?.props.rules ?? []).find((x: { status?: string }) => x.status === "Enabled");
    return { transitions: rule?.transitions ?? [], expireDays: rule?.expiration?.days ?? null };
  };
  for (const b of facts.buckets) {
    if (b.isReplica) continue; // priced as its source's replication
    const u = usage.buckets[b.ref.name];
    const replicaRegions = b.replication && !("unknown" in b.replication) ? b.replication.destinationRegions.filter((r): r is string => !!r) : [];
    const w = workloadFor(b, lifecycleOf(b.ref.name), u, usage.horizon_months, replicaRegions);
    const report = costEstimate(w, catalog, pricesAsOf, { only: ["s3-lifecycle"] });
    for (const m of report.missingPrices) missing.set(`${m.service}|${m.region}|${m.usagetype}`, m);
    const option = report.options[0]!;
    const lines = u ? option.months[0]!.lines : unknownQuantities(option.months[0]!.lines);
    out.push({
      type: b.ref.type,
      name: b.ref.name,
      monthlyCost: u ? option.total.div(usage.horizon_months) : ZERO,
      complete: !!u && option.complete,
      lines,
      ...(u ? {} : { note: `no usage for bucket ${b.ref.name} in the usage file: unit prices only` }),
    });
  }
  // Databases and volumes, priced by the same models as stowage cost's rds-postgresql and ebs options.
  for (const r of resources.filter((x) => x.type === "aws:rds/instance:Instance")) {
    const p = r.props;
    const region = regionOf(r);
    if (p.engine !== "postgres") {
      missing.set(`rds|${r.name}`, { service: "AmazonRDS", region, usagetype: `InstanceUsage:${p.instanceClass}`, attributes: { databaseEngine: String(p.engine) }, command: "(Stowage prices PostgreSQL only)" });
      out.push({ type: r.type, name: r.name, monthlyCost: ZERO, complete: false, lines: [], note: `engine ${p.engine} is not priced (PostgreSQL only)` });
      continue;
    }
    const storage = ["gp2", "gp3", "io1"].includes(p.storageType) ? p.storageType : "gp2";
    const w = parseWorkload({
      region,
      horizon_months: 1,
      data: { initial_gb: Number(p.allocatedStorage ?? 20) },
      rds: { instance: p.instanceClass, multi_az: !!p.multiAz, storage, ...(p.iops ? { iops: Number(p.iops) } : {}) },
    });
    out.push(priceOption(r, w, "rds-postgresql"));
  }
  for (const r of resources.filter((x) => x.type === "aws:ebs/volume:Volume")) {
    const p = r.props;
    const volume = ["gp3", "gp2", "io1", "io2", "st1", "sc1"].includes(p.type) ? p.type : "gp3";
    const w = parseWorkload({
      region: regionOf(r),
      horizon_months: 1,
      data: { initial_gb: Number(p.size ?? 8) },
      ebs: { volume, ...(p.iops && volume !== "gp2" ? { iops: Number(p.iops) } : {}), ...(p.throughput && volume === "gp3" ? { throughput_mbps: Number(p.throughput) } : {}) },
    });
    out.push(priceOption(r, w, "ebs"));
  }
  // KMS and CloudTrail are priced by services the snapshot does not carry yet: reported as missing, never guessed.
  for (const k of facts.keys) {
    const m: MissingPrice = { service: "awskms", region: regionOf(resources.find((r) => r.name === k.ref.name)!), usagetype: "KMS-Keys", attributes: {}, command: "(AWSKMS is not in the snapshot yet)" };
    missing.set(`kms|${m.region}`, m);
    out.push({ type: k.ref.type, name: k.ref.name, monthlyCost: ZERO, complete: false, lines: [{ name: "Customer-managed key", quantity: new Decimal(1), unit: "Keys", unitPrice: null, cost: null, price: "awskms:KMS-Keys", sku: null, provenance: null }] });
  }
  for (const t of resources.filter((r) => r.type === T.trail)) {
    missing.set("cloudtrail", { service: "AWSCloudTrail", region: regionOf(t), usagetype: "DataEventsRecorded", attributes: {}, command: "(AWSCloudTrail is not in the snapshot yet)" });
    const events = usage.cloudtrail?.monthly_data_events;
    out.push({ type: t.type, name: t.name, monthlyCost: ZERO, complete: false, lines: [{ name: "S3 data events", quantity: events === undefined ? null : new Decimal(events), unit: "Events", unitPrice: null, cost: null, price: "AWSCloudTrail:DataEventsRecorded", sku: null, provenance: null }] });
  }
  return { stack, pricesAsOf, horizonMonths: usage.horizon_months, resources: out, total: sum(out.map((r) => r.monthlyCost)), missingPrices: [...missing.values()] };
}
