/**
 * The estimate's resource models, as infracost's resources are (internal/resources/aws/*.go): each one turns a
 * resource's arguments and its OWN usage (a zod schema per model, composed into the usage file's schema below) into
 * cost components — a name, a unit, a monthly quantity and the price it needs — and never looks a price up itself.
 * estimate.ts prices every model's components in one step. Pure.
 */
import * as z from "zod";
import type { CostComponent, MissingPrice } from "../core/cost/components.js";
import { ebsMonth } from "../core/cost/ebs.js";
import { egressComponents, strategyFor } from "../core/cost/horizon.js";
import { rdsMonth } from "../core/cost/rds.js";
import { monthStates, s3Month } from "../core/cost/cohorts.js";
import { EBS_VOLUMES, RDS_STORAGE, parseWorkload } from "../core/cost/workload.js";
import { Decimal, HOURS_PER_MONTH, dec } from "../core/money.js";
import type { PriceSelector } from "../core/pricing/catalog.js";
import type { Facts } from "./policy/facts.js";
import { T, type StackResource } from "./policy/gather.js";

/**
 * A price the snapshot cannot hold (its service is not one Stowage fetches): the pricing step reports it missing
 * with `why`, never guesses it.
 */
export interface UncarriedPrice {
  readonly service: string;
  readonly usagetype: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly why: string;
}

export type Component = Omit<CostComponent, "price"> & { readonly price: PriceSelector | UncarriedPrice };

/** What a model returns for one resource; estimate.ts's priceResource prices it. */
export interface ModelResult {
  /** The components month by month over the months averaged (one month when they do not change); [] prices nothing. */
  readonly months: readonly (readonly Component[])[];
  /** Priced at zero usage to show unit prices only (the tiers as at zero): the usage was not given. */
  readonly unitPricesOnly?: boolean;
  /** The usage-file key the model needed and was not given. */
  readonly missingUsage?: string;
  /** Why the resource cannot be priced at all ("storage type standard"): reported, never priced as another type. */
  readonly unpriced?: string;
  /** Prices known to be missing whatever the snapshot holds (an engine Stowage does not price). */
  readonly missing?: readonly MissingPrice[];
  readonly note?: string;
}

/** What every model sees besides its resource and its usage: the stack around it. */
export interface PricingContext {
  readonly resources: readonly StackResource[];
  readonly facts: Facts;
  readonly horizonMonths: number;
  readonly regionOf: (r: StackResource) => string;
}

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
  .refine((u) => (u.monthly_writes === undefined) === (u.monthly_reads === undefined), {
    message: "monthly_writes and monthly_reads go together: give both, or neither for unit prices",
  });
/** Per bucket, by the program's resource name. */
const BucketsUsage = z.record(z.string(), BucketUsage).default({});
const TrailUsage = z.object({ monthly_data_events: z.number().nonnegative() }).strict().optional();
/** Per pipeline (its ECS service, by the program's resource name): the average number of running tasks. */
const PipelinesUsage = z.record(z.string(), z.object({ average_tasks: z.number().nonnegative() }).strict()).default({});
/** Per SQS queue (by the program's resource name): API requests a month (receives, deletes, visibility changes, sends). */
const QueuesUsage = z.record(z.string(), z.object({ monthly_requests: z.number().nonnegative() }).strict()).default({});

/** Keys of earlier usage files, and the names they have now. */
export const RENAMED_USAGE_KEYS: Readonly<Record<string, string>> = {
  storage_gb: "initial_gb",
  monthly_tier_1_requests: "monthly_writes",
  monthly_tier_2_requests: "monthly_reads",
};

/** The usage file: the horizon, then one section per model that reads usage, each the model's own schema. */
export const UsageSchema = z
  .object({
    /** Months averaged for the monthly figure (default 12: a lifecycle takes months to settle). */
    horizon_months: z.number().int().min(1).max(120).default(12),
    buckets: BucketsUsage,
    cloudtrail: TrailUsage,
    pipelines: PipelinesUsage,
    queues: QueuesUsage,
  })
  .strict();
export type Usage = z.infer<typeof UsageSchema>;
type UsageSection = Exclude<keyof Usage, "horizon_months">;

/**
 * One entry per priced resource type: the types it prices, its usage section and the keys it reads (all
 * documented in examples/usage.yaml), and (resource, its usage, context) → components, or null for a resource it
 * leaves to another (a replica bucket is priced with its source's replication). Each has a golden in
 * test/fixtures/estimate/.
 */
export interface ResourceModel<K extends UsageSection | null = UsageSection | null> {
  readonly name: string;
  readonly types: readonly string[];
  readonly usage: K;
  readonly usageKeys: readonly string[];
  components(r: StackResource, usage: K extends UsageSection ? Usage[K] : undefined, ctx: PricingContext): ModelResult | null;
}

/** The workload `stowage cost` would price for this bucket: what the stack declares plus what the usage says. */
export function workloadFor(
  bucket: Facts["buckets"][number],
  side: { transitions: { days: number; storageClass: string }[]; expireDays: number | null },
  usage: z.infer<typeof BucketUsage> | undefined,
  horizon: number,
  replicaRegions: readonly string[],
) {
  return parseWorkload({
    region: bucket.region!,
    horizon_months: horizon,
    data: { initial_gb: usage?.initial_gb ?? 0, monthly_growth_gb: usage?.monthly_growth_gb ?? 0, average_object_kb: usage?.average_object_kb ?? 512 },
    ...(usage?.monthly_writes !== undefined && usage.monthly_reads !== undefined
      ? { requests: { monthly_writes: usage.monthly_writes, monthly_reads: usage.monthly_reads } }
      : {}),
    ...(usage?.monthly_read_gb !== undefined || usage?.monthly_egress_gb !== undefined
      ? { access: { monthly_read_gb: usage.monthly_read_gb ?? 0, monthly_egress_gb: usage.monthly_egress_gb ?? 0 } }
      : {}),
    retention: { delete_after_days: side.expireDays },
    lifecycle: side.transitions.map((t) => ({ after_days: t.days, class: t.storageClass })),
    replication: { regions: [...replicaRegions] },
  });
}

/** The s3-lifecycle option of `stowage cost`, month by month over the horizon, internet egress included. */
const bucketModel: ResourceModel<"buckets"> = {
  name: "S3 bucket",
  types: [T.bucket, T.bucketV2],
  usage: "buckets",
  usageKeys: ["horizon_months", ...Object.keys(BucketUsage.shape).map((k) => `buckets.NAME.${k}`)],
  components(r, usage, ctx) {
    const b = ctx.facts.buckets.find((x) => x.ref.name === r.name && x.ref.type === r.type)!;
    if (b.isReplica) return null; // priced as its source's replication
    const u = usage[b.ref.name];
    const replicaRegions = b.replication && !("unknown" in b.replication) ? b.replication.destinationRegions.filter((x): x is string => !!x) : [];
    const lc = ctx.resources.find((x) => T.lifecycle.includes(x.type as never) && (x.props.bucket === r.props.bucket || x.props.bucket === r.id));
    const rule = (lc?.props.rules ?? []).find((x: { status?: string }) => x.status === "Enabled");
    const w = workloadFor(b, { transitions: rule?.transitions ?? [], expireDays: rule?.expiration?.days ?? null }, u, ctx.horizonMonths, replicaRegions);
    const strategy = strategyFor("s3-lifecycle", w)!;
    const months = monthStates(w, strategy).map((state) => [...s3Month(w, strategy, state), ...egressComponents(w)]);
    if (u) return { months };
    return {
      months,
      unitPricesOnly: true,
      missingUsage: `buckets.${b.ref.name}`,
      note: `no usage for bucket ${b.ref.name} in the usage file: unit prices only`,
    };
  },
};

const join = (xs: readonly string[]) => `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;

/** RDS for PostgreSQL as the rds-postgresql option prices it, for the instance's own class, storage and IOPS. */
const rdsModel: ResourceModel<null> = {
  name: "RDS PostgreSQL instance",
  types: ["aws:rds/instance:Instance"],
  usage: null,
  usageKeys: [],
  components(r, _usage, ctx) {
    const p = r.props;
    const region = ctx.regionOf(r);
    if (p.engine !== "postgres") {
      const m = {
        service: "AmazonRDS",
        region,
        usagetype: `InstanceUsage:${p.instanceClass}`,
        attributes: { databaseEngine: String(p.engine) },
        command: "(Stowage prices PostgreSQL only)",
      };
      return { months: [], missing: [m], note: `engine ${p.engine} is not priced (PostgreSQL only)` };
    }
    // Unset, the provider sends none and RDS chooses: io1 with IOPS, else gp3 (the RDS API reference's StorageType,
    // "Default: io1, if the Iops parameter is specified. Otherwise, gp3"; Terraform's docs still say gp2, from before).
    const storage = String(p.storageType ?? (p.iops ? "io1" : "gp3"));
    if (!(RDS_STORAGE as readonly string[]).includes(storage)) {
      return { months: [], unpriced: `storage type ${storage}`, note: `not priced: storage type ${storage} (Stowage prices ${join(RDS_STORAGE)})` };
    }
    const rds = {
      instance: String(p.instanceClass),
      multi_az: !!p.multiAz,
      storage: storage as (typeof RDS_STORAGE)[number],
      backup_gb: 0,
      ...(p.iops ? { iops: Number(p.iops) } : {}),
    };
    return { months: [rdsMonth({ region, rds }, dec(Number(p.allocatedStorage ?? 20))).components] };
  },
};

/** An EBS volume as the ebs option prices it: its type, size, IOPS and throughput. */
const ebsModel: ResourceModel<null> = {
  name: "EBS volume",
  types: ["aws:ebs/volume:Volume"],
  usage: null,
  usageKeys: [],
  components(r, _usage, ctx) {
    const p = r.props;
    // The provider's default when none is given is gp2 (registry.terraform.io aws_ebs_volume `type`).
    const volume = String(p.type ?? "gp2");
    // `standard` (magnetic) bills its I/O requests too, which no model here counts: reported, never priced as gp3.
    if (!(EBS_VOLUMES as readonly string[]).includes(volume)) {
      return { months: [], unpriced: `volume type ${volume}`, note: `not priced: volume type ${volume} (Stowage prices ${join(EBS_VOLUMES)})` };
    }
    const v = volume as (typeof EBS_VOLUMES)[number];
    const ebs = {
      volume: v,
      snapshot_gb: 0,
      ...(p.iops && v !== "gp2" ? { iops: Number(p.iops) } : {}),
      ...(p.throughput && v === "gp3" ? { throughput_mbps: Number(p.throughput) } : {}),
    };
    return { months: [ebsMonth({ region: ctx.regionOf(r), ebs }, dec(Number(p.size ?? 8)))] };
  },
};

// KMS and CloudTrail are priced by services the snapshot does not carry yet: reported as missing, never guessed.
const kmsModel: ResourceModel<null> = {
  name: "KMS key",
  types: [T.key],
  usage: null,
  usageKeys: [],
  components(r, _usage, ctx) {
    const price: UncarriedPrice = { service: "awskms", usagetype: "KMS-Keys", why: "AWSKMS is not in the snapshot yet" };
    return { months: [[{ name: "Customer-managed key", unit: "Keys", quantity: new Decimal(1), price, region: ctx.regionOf(r) }]] };
  },
};

const trailModel: ResourceModel<"cloudtrail"> = {
  name: "CloudTrail trail",
  types: [T.trail],
  usage: "cloudtrail",
  usageKeys: ["cloudtrail.monthly_data_events"],
  components(r, usage, ctx) {
    const events = usage?.monthly_data_events;
    const price: UncarriedPrice = { service: "AWSCloudTrail", usagetype: "DataEventsRecorded", why: "AWSCloudTrail is not in the snapshot yet" };
    const months = [[{ name: "S3 data events", unit: "Events", quantity: events === undefined ? null : new Decimal(events), price, region: ctx.regionOf(r) }]];
    return events === undefined ? { months, missingUsage: "cloudtrail.monthly_data_events" } : { months };
  },
};

/** Fargate (Linux) by vCPU and memory per task-hour, x86 or ARM as the task definition's runtime platform says. */
const fargateModel: ResourceModel<"pipelines"> = {
  name: "Fargate service",
  types: ["aws:ecs/service:Service"],
  usage: "pipelines",
  usageKeys: ["pipelines.NAME.average_tasks"],
  components(r, usage, ctx) {
    const region = ctx.regionOf(r);
    const taskDef = ctx.resources.find(
      (t) =>
        t.type === "aws:ecs/taskDefinition:TaskDefinition" &&
        (r.propertyDependencies?.taskDefinition?.some((d) => d.name === t.name) || t.props.arn === r.props.taskDefinition),
    );
    const tasks = usage[r.name]?.average_tasks ?? (r.props.desiredCount === undefined ? undefined : Number(r.props.desiredCount));
    const vcpu = taskDef ? Number(taskDef.props.cpu) / 1024 : null;
    const gb = taskDef ? Number(taskDef.props.memory) / 1024 : null;
    const arm = taskDef?.props.runtimePlatform?.cpuArchitecture === "ARM64" ? "ARM-" : "";
    const hours = (per: number | null) => (tasks === undefined || per === null ? null : new Decimal(tasks).mul(per).mul(HOURS_PER_MONTH));
    const months = [
      [
        {
          name: `Fargate ${arm ? "ARM " : ""}vCPU (${tasks ?? "?"} tasks × ${vcpu ?? "?"} vCPU)`,
          unit: "hours",
          quantity: hours(vcpu),
          price: { service: "AmazonECS" as const, usagetype: `Fargate-${arm}vCPU-Hours:perCPU` },
          region,
        },
        {
          name: `Fargate ${arm ? "ARM " : ""}memory (${tasks ?? "?"} tasks × ${gb ?? "?"} GB)`,
          unit: "hours",
          quantity: hours(gb),
          price: { service: "AmazonECS" as const, usagetype: `Fargate-${arm}GB-Hours` },
          region,
        },
      ],
    ];
    return tasks === undefined ? { months, missingUsage: `pipelines.${r.name}.average_tasks` } : { months };
  },
};

/** SQS requests, standard or FIFO, on the Price List's volume tiers; the account-wide 1M free a month is not taken off. */
const queueModel: ResourceModel<"queues"> = {
  name: "SQS queue",
  types: ["aws:sqs/queue:Queue"],
  usage: "queues",
  usageKeys: ["queues.NAME.monthly_requests"],
  components(r, usage, ctx) {
    const requests = usage[r.name]?.monthly_requests;
    const fifo = r.props.fifoQueue === true;
    const price: PriceSelector = fifo
      ? { service: "AWSQueueService", usagetype: "Requests-FIFO-RBP", attributes: { queueType: "FIFO (first-in, first-out)" } }
      : { service: "AWSQueueService", usagetype: "Requests-RBP", attributes: { queueType: "Standard" } };
    const months = [
      [
        {
          name: `Requests (${fifo ? "FIFO" : "standard"} queue)`,
          unit: "Requests",
          quantity: requests === undefined ? null : new Decimal(requests),
          price,
          region: ctx.regionOf(r),
        },
      ],
    ];
    return requests === undefined ? { months, missingUsage: `queues.${r.name}.monthly_requests` } : { months };
  },
};

/** The registry: which model prices which resource type. Resources of other types are not priced. */
export const RESOURCE_MODELS: readonly ResourceModel[] = [bucketModel, rdsModel, ebsModel, kmsModel, trailModel, fargateModel, queueModel];
