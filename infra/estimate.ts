/**
 * The cost of a stack: each resource mapped to the cost models of `stowage cost`, with usage from a usage file
 * (like infracost-usage.yml; examples/usage.yaml documents every key). A bucket is priced as `stowage cost` prices
 * the `s3-lifecycle` option of the equivalent workload: its lifecycle and expiry come from its sidecars, its
 * replicas from its replication configuration. Lines without usage show their unit price. Pure: resources, usage
 * and a catalog in; an estimate out.
 */
import { z } from "zod";
import { oldestPriceUsed, priceComponents, total, type CostComponent, type LineItem, type MissingPrice } from "../core/cost/components.js";
import { estimate as costEstimate } from "../core/cost/estimate.js";
import { parseWorkload } from "../core/cost/workload.js";
import { UserError } from "../core/errors.js";
import { Decimal, HOURS_PER_MONTH, ZERO, sum } from "../core/money.js";
import type { Catalog } from "../core/pricing/catalog.js";
import type { Facts } from "./policy/facts.js";
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
    /** Per pipeline (its ECS service, by the program's resource name): the average number of running tasks. */
    pipelines: z.record(z.string(), z.object({ average_tasks: z.number().nonnegative() }).strict()).default({}),
    /** Per SQS queue (by the program's resource name): API requests a month (receives, deletes, visibility changes, sends). */
    queues: z.record(z.string(), z.object({ monthly_requests: z.number().nonnegative() }).strict()).default({}),
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
function optionCost(r: StackResource, w: ReturnType<typeof parseWorkload>, id: "rds-postgresql" | "ebs", ctx: PricingContext): ResourceCost {
  const report = costEstimate(w, ctx.catalog, ctx.pricesAsOf, { only: [id] });
  for (const m of report.missingPrices) ctx.missing.set(`${m.service}|${m.region}|${m.usagetype}`, m);
  const lines = report.options[0]!.months[0]!.lines.filter((l) => !l.name.startsWith("Internet egress"));
  return { type: r.type, name: r.name, monthlyCost: sum(lines.flatMap((l) => (l.cost ? [l.cost] : []))), complete: lines.every((l) => l.cost !== null), lines };
}

/** What every resource model gets: the stack's facts, its usage and prices, and where missing prices are noted. */
interface PricingContext {
  readonly resources: readonly StackResource[];
  readonly facts: Facts;
  readonly usage: Usage;
  readonly catalog: Catalog;
  readonly pricesAsOf: string | null;
  readonly regionOf: (r: StackResource) => string;
  readonly missing: Map<string, MissingPrice>;
}

/**
 * One entry per priced resource type, as infracost's resources are: the types it prices, the usage keys it reads
 * (all documented in examples/usage.yaml), and (resource, context) → cost, or null for a resource it leaves to
 * another (a replica bucket is priced with its source's replication). Each has a golden in test/fixtures/estimate/.
 */
export interface ResourceModel {
  readonly name: string;
  readonly types: readonly string[];
  readonly usageKeys: readonly string[];
  cost(r: StackResource, ctx: PricingContext): ResourceCost | null;
}

const bucketModel: ResourceModel = {
  name: "S3 bucket",
  types: [T.bucket, T.bucketV2],
  usageKeys: ["horizon_months", ...Object.keys(BucketUsage.shape).map((k) => `buckets.NAME.${k}`)],
  cost(r, ctx) {
    const b = ctx.facts.buckets.find((x) => x.ref.name === r.name && x.ref.type === r.type)!;
    if (b.isReplica) return null; // priced as its source's replication
    const u = ctx.usage.buckets[b.ref.name];
    const replicaRegions = b.replication && !("unknown" in b.replication) ? b.replication.destinationRegions.filter((x): x is string => !!x) : [];
    const lc = ctx.resources.find((x) => T.lifecycle.includes(x.type as never) && (x.props.bucket === r.props.bucket || x.props.bucket === r.id));
    const rule = (lc?.props.rules ?? []).find((x: { status?: string }) => x.status === "Enabled");
    const w = workloadFor(b, { transitions: rule?.transitions ?? [], expireDays: rule?.expiration?.days ?? null }, u, ctx.usage.horizon_months, replicaRegions);
    const report = costEstimate(w, ctx.catalog, ctx.pricesAsOf, { only: ["s3-lifecycle"] });
    for (const m of report.missingPrices) ctx.missing.set(`${m.service}|${m.region}|${m.usagetype}`, m);
    const option = report.options[0]!;
    return {
      type: b.ref.type,
      name: b.ref.name,
      monthlyCost: u ? option.total.div(ctx.usage.horizon_months) : ZERO,
      complete: !!u && option.complete,
      lines: u ? option.months[0]!.lines : unknownQuantities(option.months[0]!.lines),
      ...(u ? {} : { note: `no usage for bucket ${b.ref.name} in the usage file: unit prices only` }),
    };
  },
};

const rdsModel: ResourceModel = {
  name: "RDS PostgreSQL instance",
  types: ["aws:rds/instance:Instance"],
  usageKeys: [],
  cost(r, ctx) {
    const p = r.props;
    const region = ctx.regionOf(r);
    if (p.engine !== "postgres") {
      ctx.missing.set(`rds|${r.name}`, { service: "AmazonRDS", region, usagetype: `InstanceUsage:${p.instanceClass}`, attributes: { databaseEngine: String(p.engine) }, command: "(Stowage prices PostgreSQL only)" });
      return { type: r.type, name: r.name, monthlyCost: ZERO, complete: false, lines: [], note: `engine ${p.engine} is not priced (PostgreSQL only)` };
    }
    const storage = ["gp2", "gp3", "io1"].includes(p.storageType) ? p.storageType : "gp2";
    const w = parseWorkload({
      region,
      horizon_months: 1,
      data: { initial_gb: Number(p.allocatedStorage ?? 20) },
      rds: { instance: p.instanceClass, multi_az: !!p.multiAz, storage, ...(p.iops ? { iops: Number(p.iops) } : {}) },
    });
    return optionCost(r, w, "rds-postgresql", ctx);
  },
};

const ebsModel: ResourceModel = {
  name: "EBS volume",
  types: ["aws:ebs/volume:Volume"],
  usageKeys: [],
  cost(r, ctx) {
    const p = r.props;
    const volume = ["gp3", "gp2", "io1", "io2", "st1", "sc1"].includes(p.type) ? p.type : "gp3";
    const w = parseWorkload({
      region: ctx.regionOf(r),
      horizon_months: 1,
      data: { initial_gb: Number(p.size ?? 8) },
      ebs: { volume, ...(p.iops && volume !== "gp2" ? { iops: Number(p.iops) } : {}), ...(p.throughput && volume === "gp3" ? { throughput_mbps: Number(p.throughput) } : {}) },
    });
    return optionCost(r, w, "ebs", ctx);
  },
};

// KMS and CloudTrail are priced by services the snapshot does not carry yet: reported as missing, never guessed.
const kmsModel: ResourceModel = {
  name: "KMS key",
  types: [T.key],
  usageKeys: [],
  cost(r, ctx) {
    const m: MissingPrice = { service: "awskms", region: ctx.regionOf(r), usagetype: "KMS-Keys", attributes: {}, command: "(AWSKMS is not in the snapshot yet)" };
    ctx.missing.set(`kms|${m.region}`, m);
    return { type: r.type, name: r.name, monthlyCost: ZERO, complete: false, lines: [{ name: "Customer-managed key", quantity: new Decimal(1), unit: "Keys", unitPrice: null, cost: null, price: "awskms:KMS-Keys", sku: null, provenance: null }] };
  },
};

const trailModel: ResourceModel = {
  name: "CloudTrail trail",
  types: [T.trail],
  usageKeys: ["cloudtrail.monthly_data_events"],
  cost(r, ctx) {
    ctx.missing.set("cloudtrail", { service: "AWSCloudTrail", region: ctx.regionOf(r), usagetype: "DataEventsRecorded", attributes: {}, command: "(AWSCloudTrail is not in the snapshot yet)" });
    const events = ctx.usage.cloudtrail?.monthly_data_events;
    return { type: r.type, name: r.name, monthlyCost: ZERO, complete: false, lines: [{ name: "S3 data events", quantity: events === undefined ? null : new Decimal(events), unit: "Events", unitPrice: null, cost: null, price: "AWSCloudTrail:DataEventsRecorded", sku: null, provenance: null }] };
  },
};

/** A resource priced by components of its own: the lines priceComponents gives, their missing prices noted. */
function componentCost(r: StackResource, components: readonly CostComponent[], ctx: PricingContext): ResourceCost {
  const { lines, missing } = priceComponents(components, ctx.catalog);
  for (const m of missing) ctx.missing.set(`${m.service}|${m.region}|${m.usagetype}`, m);
  return { type: r.type, name: r.name, monthlyCost: total(lines), complete: lines.every((l) => l.cost !== null), lines };
}

/** Fargate (Linux) by vCPU and memory per task-hour, x86 or ARM as the task definition's runtime platform says. */
const fargateModel: ResourceModel = {
  name: "Fargate service",
  types: ["aws:ecs/service:Service"],
  usageKeys: ["pipelines.NAME.average_tasks"],
  cost(r, ctx) {
    const region = ctx.regionOf(r);
    const taskDef = ctx.resources.find((t) => t.type === "aws:ecs/taskDefinition:TaskDefinition" && (r.propertyDependencies?.taskDefinition?.some((d) => d.name === t.name) || t.props.arn === r.props.taskDefinition));
    const tasks = ctx.usage.pipelines[r.name]?.average_tasks ?? (r.props.desiredCount === undefined ? undefined : Number(r.props.desiredCount));
    const vcpu = taskDef ? Number(taskDef.props.cpu) / 1024 : null;
    const gb = taskDef ? Number(taskDef.props.memory) / 1024 : null;
    const arm = taskDef?.props.runtimePlatform?.cpuArchitecture === "ARM64" ? "ARM-" : "";
    const hours = (per: number | null) => (tasks === undefined || per === null ? null : new Decimal(tasks).mul(per).mul(HOURS_PER_MONTH));
    return componentCost(r, [
      { name: `Fargate ${arm ? "ARM " : ""}vCPU (${tasks ?? "?"} tasks × ${vcpu ?? "?"} vCPU)`, unit: "hours", quantity: hours(vcpu), price: { service: "AmazonECS", usagetype: `Fargate-${arm}vCPU-Hours:perCPU` }, region },
      { name: `Fargate ${arm ? "ARM " : ""}memory (${tasks ?? "?"} tasks × ${gb ?? "?"} GB)`, unit: "hours", quantity: hours(gb), price: { service: "AmazonECS", usagetype: `Fargate-${arm}GB-Hours` }, region },
    ], ctx);
  },
};

/** SQS requests, standard or FIFO, on the Price List's volume tiers; the account-wide 1M free a month is not taken off. */
const queueModel: ResourceModel = {
  name: "SQS queue",
  types: ["aws:sqs/queue:Queue"],
  usageKeys: ["queues.NAME.monthly_requests"],
  cost(r, ctx) {
    const requests = ctx.usage.queues[r.name]?.monthly_requests;
    const fifo = r.props.fifoQueue === true;
    const price = fifo
      ? { service: "AWSQueueService" as const, usagetype: "Requests-FIFO-RBP", attributes: { queueType: "FIFO (first-in, first-out)" } }
      : { service: "AWSQueueService" as const, usagetype: "Requests-RBP", attributes: { queueType: "Standard" } };
    return componentCost(r, [{ name: `Requests (${fifo ? "FIFO" : "standard"} queue)`, unit: "Requests", quantity: requests === undefined ? null : new Decimal(requests), price, region: ctx.regionOf(r) }], ctx);
  },
};

/** The registry: which model prices which resource type. Resources of other types are not priced. */
export const RESOURCE_MODELS: readonly ResourceModel[] = [bucketModel, rdsModel, ebsModel, kmsModel, trailModel, fargateModel, queueModel];
const MODEL_OF = new Map(RESOURCE_MODELS.flatMap((m) => m.types.map((t) => [t, m] as const)));

/**
 * `region`: the stack's `aws:region`, where every resource without a region of its own lives (@pulumi/aws v7). A
 * resource whose region is known neither way is not priced in a guessed one: that is an error naming it.
 */
export function estimateStack(stack: string, resources: readonly StackResource[], usage: Usage, catalog: Catalog, pricesAsOf: string | null, region: string | null): StackEstimate {
  const nowhere = resources.filter((r) => MODEL_OF.has(r.type) && !r.props.region && !region);
  if (nowhere.length) {
    throw new UserError(`The stack ${stack} has no aws:region, and ${nowhere.map((r) => r.name).join(", ")} name${nowhere.length === 1 ? "s" : ""} no region of ${nowhere.length === 1 ? "its" : "their"} own: there is no region to price ${nowhere.length === 1 ? "it" : "them"} in.`, `Set aws:region in Pulumi.${stack}.yaml (\`pulumi config set aws:region us-east-2 --stack ${stack}\`).`);
  }
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
  const ctx: PricingContext = { resources, facts, usage, catalog, pricesAsOf, regionOf: (r) => r.props.region ?? region!, missing: new Map() };
  // Buckets first, then the other models in registry order, as the estimate has always listed them.
  const out = RESOURCE_MODELS.flatMap((model) => resources.filter((r) => model.types.includes(r.type)).flatMap((r) => model.cost(r, ctx) ?? []));
  // "Prices as of" is the oldest price the estimate used; the snapshot's date only when it used none.
  const asOf = oldestPriceUsed(out.flatMap((r) => r.lines)) ?? pricesAsOf;
  return { stack, pricesAsOf: asOf, horizonMonths: usage.horizon_months, resources: out, total: sum(out.map((r) => r.monthlyCost)), missingPrices: [...ctx.missing.values()] };
}
