/**
 * The stack's configuration (Pulumi.<stack>.yaml, namespace `stowage`), read through one typed schema. Validation
 * collects every problem, naming the key and the value, and throws once; contradictions are errors.
 * The planner writes primaryRegion, replicaRegions, uploadStorageClass and lifecycle; people write the rest.
 * Pure: `parseStackConfig` takes plain values, so tests and the policy tooling can use it without an engine.
 */
import * as z from "zod";
import { ProblemsError } from "../errors.js";
import { validateAll } from "../inputs.js";
import { isRegionCode, replicaRegionProblems } from "../regions.js";
import { STORAGE_CLASSES, TRANSITION_CLASSES, lifecycleProblems, type Transition } from "../storageClasses.js";
import { ENVIRONMENTS, ENVIRONMENT_NAMES } from "./environments.js";

/** The tags every resource of a stack carries (`stowage:tags`; the program sets `environment` itself). */
export const REQUIRED_TAGS = ["team", "environment", "data-classification", "cost-centre"] as const;

/** The stack file's config namespace: a key `primaryRegion` is written `stowage:primaryRegion`. */
export const STACK_NAMESPACE = "stowage";
export const stackKey = (key: string): string => `${STACK_NAMESPACE}:${key}`;

const prefix = z.string().regex(/^[a-z0-9][a-z0-9._/-]*\/$/, "a prefix like images/ (lowercase, ending in /)");
const readPrefix = z
  .string()
  .regex(/^(?:[a-z][a-z0-9-]*:)?[a-z0-9][a-z0-9._/-]*\/$/, "a prefix like uploads/, or bucket:prefix/ for another of the stack's buckets");

const StackSchema = z
  .object({
    environment: z.enum(ENVIRONMENT_NAMES),
    primaryRegion: z.string(),
    replicaRegions: z.array(z.string()).default([]),
    uploadStorageClass: z.enum(STORAGE_CLASSES).default("STANDARD"),
    lifecycle: z
      .array(z.object({ afterDays: z.number().int().min(0), storageClass: z.enum(TRANSITION_CLASSES) }).strict() satisfies z.ZodType<Transition>)
      .default([]),
    /** Versioning keeps every version (and makes replication possible); on unless a stack turns it off. */
    versioning: z.boolean().default(true),
    buckets: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, "a short lowercase name like images"),
            purpose: z.string().min(1),
            /** Delete current versions this many days after they are written. */
            expireAfterDays: z.number().int().positive().optional(),
            noncurrentVersionExpireDays: z.number().int().positive().default(30),
            abortIncompleteUploadDays: z.number().int().positive().default(7),
            objectLock: z
              .object({ mode: z.enum(["GOVERNANCE", "COMPLIANCE"]), days: z.number().int().positive() })
              .strict()
              .optional(),
            /** The bucket exists already (imported); Object Lock cannot be added to it by this program. */
            existing: z.boolean().default(false),
            intelligentTieringArchive: z
              .object({ archiveAfterDays: z.number().int().min(90), deepArchiveAfterDays: z.number().int().min(180) })
              .strict()
              .optional(),
            notifications: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
    teams: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z][a-z0-9-]*$/),
            bucket: z.string(),
            prefixes: z.array(prefix).min(1),
            access: z.enum(["read", "write", "admin"]),
            /**
             * Prefixes the team reads but does not own, as the inputs of its \`stowage run\`s: read-only, every
             * version, plus writing the data layer's commits under <prefix>.stowage/ (a run commits its input's state
             * first). `prefix/` in the team's bucket, or `bucket:prefix/` in another of the stack's buckets.
             */
            reads: z.array(readPrefix).default([]),
            /**
             * Prefixes the team only reads, written as in reads: every version, and no write at all, not even the data
             * layer's commits under <prefix>.stowage/. For a team that must not add records others trust: the claims
             * handlers' ceiling for `stowage evidence` on the households they are granted.
             */
            readOnly: z.array(readPrefix).default([]),
            trust: z.discriminatedUnion("type", [
              z.object({ type: z.literal("account") }).strict(),
              z.object({ type: z.literal("sso"), permissionSetRoleArn: z.string().startsWith("arn:aws:iam::") }).strict(),
              z.object({ type: z.literal("oidc"), providerArn: z.string().startsWith("arn:aws:iam::"), audience: z.string(), subject: z.string() }).strict(),
            ]),
            abac: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    uploaders: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z][a-z0-9-]*$/),
            bucket: z.string(),
            prefix: prefix.refine((p) => p.startsWith("uploads/"), "an uploads/… prefix"),
            iotRoleAlias: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    /**
     * Processing that runs all the time: `stowage run --watch --queue` around the team's image, on ECS Fargate,
     * scaled on the events queue's backlog per task. The bucket must send its events (notifications: true).
     */
    pipelines: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/),
            bucket: z.string(),
            input: prefix,
            output: prefix,
            /** The container image: Stowage and the team's code (see README, "Process new data automatically"). */
            image: z.string().min(1),
            /** The team's command, unchanged: what `stowage run … -- COMMAND` runs for each datum. */
            command: z.array(z.string().min(1)).min(1),
            glob: z.string().startsWith("/").default("/*"),
            /** Fargate task size: vCPU units (1024 = 1 vCPU) and MiB, one of Fargate's combinations. */
            cpu: z.number().int().default(1024),
            memory: z.number().int().default(2048),
            /** Datums at once per task. */
            parallel: z.number().int().min(1).max(64).default(4),
            /** At least 1: scaling divides the backlog by running tasks, which is undefined at zero. */
            minTasks: z.number().int().min(1).default(1),
            maxTasks: z.number().int().min(1).default(10),
            /** Target visible messages per running task. */
            backlogPerTask: z.number().int().min(1).default(100),
            /** Receives before a message moves to the dead-letter queue. */
            maxReceiveCount: z.number().int().min(1).max(1000).default(5),
            logRetentionDays: z
              .union([
                z.literal(1),
                z.literal(3),
                z.literal(5),
                z.literal(7),
                z.literal(14),
                z.literal(30),
                z.literal(60),
                z.literal(90),
                z.literal(180),
                z.literal(365),
                z.literal(400),
                z.literal(545),
                z.literal(731),
                z.literal(1827),
                z.literal(3653),
              ])
              .default(30),
            subnets: z.array(z.string().startsWith("subnet-")).min(1),
            securityGroups: z.array(z.string().startsWith("sg-")).min(1),
          })
          .strict(),
      )
      .default([]),
    /**
     * Where the households' data lives: under `prefix`, the next `depth` folders name one household (prod's
     * uploaders write uploads/cameras/<household>/ and uploads/partners/<household>/, the pipeline's glob /*\/*\/*:
     * { prefix: uploads/, depth: 2 }). An uploader's prefix must be above the households, never one of them. `stowage access grant` refuses a prefix above that
     * depth, which would hand out every household below it.
     */
    households: z
      .object({ prefix, depth: z.number().int().min(1).max(8) })
      .strict()
      .optional(),
    audit: z
      .object({ readEvents: z.boolean().default(false) })
      .strict()
      .default({ readEvents: false }),
    replicationTimeControl: z.boolean().default(false),
    tags: z.record(z.string(), z.string()),
  })
  .strict();

export type StackConfig = z.infer<typeof StackSchema>;
export type BucketConfig = StackConfig["buckets"][number];
export type TeamConfig = StackConfig["teams"][number];
export type PipelineConfig = StackConfig["pipelines"][number];

/** The stack config's problems: a user's to fix (exit 2), one line each. */
export class StackConfigError extends ProblemsError {
  constructor(problems: readonly string[]) {
    super("The stack config", problems, "Fix the stack file's keys above.");
    this.name = "StackConfigError";
  }
}

const show = (v: unknown) => JSON.stringify(v);

/** The keys the planner writes (`stowage plan --write`, the planner's Apply screen); people write the rest. */
export const PLACEMENT_KEYS = ["primaryRegion", "replicaRegions", "uploadStorageClass", "lifecycle"] as const;
const PlacementSchema = StackSchema.pick({ primaryRegion: true, replicaRegions: true, uploadStorageClass: true, lifecycle: true });
export type Placement = z.infer<typeof PlacementSchema>;

function regionProblems(c: Pick<StackConfig, "primaryRegion" | "replicaRegions">): string[] {
  const out: string[] = [];
  if (!isRegionCode(c.primaryRegion)) out.push(`stowage:primaryRegion: unknown AWS region ${show(c.primaryRegion)}`);
  for (const p of replicaRegionProblems(c.primaryRegion, c.replicaRegions)) {
    out.push(`stowage:replicaRegions${p.index === null ? "" : `[${p.index}]`}: ${p.message}`);
  }
  return out;
}

/** The schedule as S3 judges it, from the class uploads land in (expiry per bucket in `contradictions`). */
function scheduleProblems(c: Pick<StackConfig, "lifecycle" | "uploadStorageClass">): string[] {
  return lifecycleProblems(c.lifecycle, { uploadClass: c.uploadStorageClass }).map((p) => `stowage:lifecycle[${p.rule}].${p.field}: ${p.message}`);
}

function contradictions(c: StackConfig): string[] {
  const out: string[] = regionProblems(c);
  const env = ENVIRONMENTS[c.environment];
  if (c.replicaRegions.length && !c.versioning)
    out.push("stowage:versioning: false, but replication (stowage:replicaRegions) requires versioning on both buckets");
  if (env.replicationRequired && c.replicaRegions.length === 0)
    out.push(`stowage:replicaRegions: ${c.environment} requires at least one replica region (outages are regional)`);
  out.push(...scheduleProblems(c));
  const names = new Set<string>();
  c.buckets.forEach((b, i) => {
    if (names.has(b.name)) out.push(`stowage:buckets[${i}].name: ${show(b.name)} is used twice`);
    names.add(b.name);
    // The archive tiers act on objects in Intelligent-Tiering only: with no object ever there they would do nothing.
    if (b.intelligentTieringArchive && c.uploadStorageClass !== "INTELLIGENT_TIERING" && !c.lifecycle.some((t) => t.storageClass === "INTELLIGENT_TIERING")) {
      out.push(
        `stowage:buckets[${i}].intelligentTieringArchive: no object reaches INTELLIGENT_TIERING (uploads land in ${c.uploadStorageClass} and the lifecycle never moves them there), so it would do nothing`,
      );
    }
    if (b.objectLock && b.existing)
      out.push(`stowage:buckets[${i}].objectLock: Object Lock cannot be added to the existing bucket ${show(b.name)}; it is set when a bucket is created`);
    if (b.objectLock && !c.versioning) out.push(`stowage:buckets[${i}].objectLock: Object Lock requires versioning`);
    if (env.objectLockRequired && !b.objectLock)
      out.push(`stowage:buckets[${i}].objectLock: ${c.environment} requires Object Lock (GOVERNANCE or COMPLIANCE) on data buckets`);
    if (b.expireAfterDays !== undefined && b.objectLock && b.expireAfterDays < b.objectLock.days) {
      out.push(`stowage:buckets[${i}].expireAfterDays: ${b.expireAfterDays} is shorter than the Object Lock retention of ${b.objectLock.days} days`);
    }
    for (const p of lifecycleProblems(c.lifecycle, { uploadClass: c.uploadStorageClass, expireDays: b.expireAfterDays ?? null })) {
      if (p.rule === null) out.push(`stowage:buckets[${i}].expireAfterDays: ${p.message}`);
    }
  });
  c.teams.forEach((t, i) => {
    if (!names.has(t.bucket)) out.push(`stowage:teams[${i}].bucket: no bucket named ${show(t.bucket)}`);
    const all = readsOf(t);
    for (const r of all) {
      const key = `stowage:teams[${i}].${r.commit ? "reads" : "readOnly"}`;
      if (!names.has(r.bucket)) out.push(`${key}: no bucket named ${show(r.bucket)}`);
      const own = r.bucket === t.bucket ? t.prefixes.find((p) => r.prefix.startsWith(p) || p.startsWith(r.prefix)) : undefined;
      if (own) out.push(`${key}: ${show(r.prefix)} overlaps the team's own prefix ${show(own)}`);
      // A read-only prefix inside (or around) one the team commits to would be written after all.
      const commits = r.commit
        ? undefined
        : all.find((c) => c.commit && c.bucket === r.bucket && (r.prefix.startsWith(c.prefix) || c.prefix.startsWith(r.prefix)));
      if (commits)
        out.push(
          `${key}: ${show(r.entry)} overlaps ${show(commits.entry)} in reads, which commits under ${commits.prefix}.stowage/; a prefix is either a run's input (reads) or only read (readOnly)`,
        );
    }
  });
  c.pipelines.forEach((p, i) => {
    const bucket = c.buckets.find((b) => b.name === p.bucket);
    if (!bucket) out.push(`stowage:pipelines[${i}].bucket: no bucket named ${show(p.bucket)}`);
    else if (!bucket.notifications) out.push(`stowage:pipelines[${i}].bucket: ${show(p.bucket)} sends no events; set notifications: true on it`);
    if (p.input.startsWith(p.output) || p.output.startsWith(p.input))
      out.push(`stowage:pipelines[${i}].output: ${show(p.output)} overlaps the input ${show(p.input)} (outputs would trigger the pipeline again)`);
    if (p.maxTasks < p.minTasks) out.push(`stowage:pipelines[${i}].maxTasks: ${p.maxTasks} is below minTasks ${p.minTasks}`);
    if (!fargateSizeOk(p.cpu, p.memory))
      out.push(
        `stowage:pipelines[${i}].memory: ${p.memory} MiB is not a Fargate size for cpu ${p.cpu} (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size)`,
      );
    if (c.pipelines.findIndex((q) => q.bucket === p.bucket) !== i)
      out.push(`stowage:pipelines[${i}].bucket: one pipeline per bucket (its events queue feeds one consumer)`);
  });
  c.uploaders.forEach((u, i) => {
    if (!names.has(u.bucket)) out.push(`stowage:uploaders[${i}].bucket: no bucket named ${show(u.bucket)}`);
    // An uploader writes every household's folders under its prefix (uploads/cameras/<household>/…): if the
    // households setting made that prefix one household's folder, \`access grant\` would hand out all of them.
    const h = c.households;
    if (h && u.prefix.startsWith(h.prefix) && u.prefix.slice(h.prefix.length).split("/").filter(Boolean).length >= h.depth) {
      out.push(
        `stowage:households: uploader ${u.name} writes every household under ${show(u.prefix)}, but { prefix: ${h.prefix}, depth: ${h.depth} } makes that one household's folder; households are the folders below it (depth ${u.prefix.slice(h.prefix.length).split("/").filter(Boolean).length + 1})`,
      );
    }
  });
  // One team's prefix must not contain another's: a grant on images/ would reach images/team-b/.
  c.teams.forEach((a, i) =>
    c.teams.forEach((b, j) => {
      if (j <= i || a.bucket !== b.bucket) return;
      for (const pa of a.prefixes) {
        for (const pb of b.prefixes) {
          if (pa.startsWith(pb) || pb.startsWith(pa))
            out.push(`stowage:teams[${j}].prefixes: ${show(pb)} of team ${b.name} overlaps ${show(pa)} of team ${a.name} in bucket ${a.bucket}`);
        }
      }
    }),
  );
  for (const tag of REQUIRED_TAGS) {
    if (tag === "environment") continue;
    if (!c.tags[tag]) out.push(`stowage:tags.${tag}: required on every resource`);
  }
  if (c.tags.environment && c.tags.environment !== c.environment)
    out.push(`stowage:tags.environment: ${show(c.tags.environment)} differs from stowage:environment ${show(c.environment)}`);
  return out;
}

/** Fargate's task sizes: memory (MiB) allowed for each CPU value. */
function fargateSizeOk(cpu: number, memory: number): boolean {
  const gb = (from: number, to: number, step: number) => memory >= from * 1024 && memory <= to * 1024 && memory % (step * 1024) === 0;
  switch (cpu) {
    case 256:
      return [512, 1024, 2048].includes(memory);
    case 512:
      return gb(1, 4, 1);
    case 1024:
      return gb(2, 8, 1);
    case 2048:
      return gb(4, 16, 1);
    case 4096:
      return gb(8, 30, 1);
    case 8192:
      return gb(16, 60, 4);
    case 16384:
      return gb(32, 120, 8);
    default:
      return false;
  }
}

/**
 * A team's reads (commit: true) and read-only prefixes (commit: false) as bucket (logical name) and prefix:
 * `uploads/` is in the team's own bucket; `entry` is the value as written.
 */
export function readsOf(team: {
  bucket: string;
  reads: readonly string[];
  readOnly?: readonly string[];
}): { bucket: string; prefix: string; commit: boolean; entry: string }[] {
  const split = (entry: string, commit: boolean) => {
    const colon = entry.indexOf(":");
    return colon < 0 ? { bucket: team.bucket, prefix: entry, commit, entry } : { bucket: entry.slice(0, colon), prefix: entry.slice(colon + 1), commit, entry };
  };
  return [...team.reads.map((r) => split(r, true)), ...(team.readOnly ?? []).map((r) => split(r, false))];
}

/** The `stowage:` keys of a stack file's `config:`, without the namespace, as the schema reads them. */
export function stowageKeys(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const ns = stackKey("");
  return Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => k.startsWith(ns))
      .map(([k, v]) => [k.slice(ns.length), v]),
  );
}

/** Validates config values (as `pulumi.Config` returns them, objects already parsed). */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const { data, problems } = validateAll(StackSchema, raw, contradictions, { prefix: stackKey("") });
  if (problems.length || !data) throw new StackConfigError(problems);
  return { ...data, tags: { ...data.tags, environment: data.environment } };
}

/**
 * What the stack parser would refuse in a stack file's `config:` (namespaced keys), for a writer to check before it
 * writes. A file with `stowage:environment` is a stack the program reads: it is judged whole. Any other file (a new
 * one, or one that holds only what the planner wrote) is judged on the placement keys alone, by the same schema and
 * the same rules.
 */
export function stackProblems(config: Readonly<Record<string, unknown>>): string[] {
  const raw = stowageKeys(config);
  if ("environment" in raw) return validateAll(StackSchema, raw, contradictions, { prefix: stackKey("") }).problems;
  const placement = Object.fromEntries(PLACEMENT_KEYS.filter((k) => k in raw).map((k) => [k, raw[k]]));
  return validateAll(
    PlacementSchema.partial({ primaryRegion: true }),
    placement,
    (c) => [
      ...(c.primaryRegion === undefined ? [] : regionProblems({ primaryRegion: c.primaryRegion, replicaRegions: c.replicaRegions })),
      ...scheduleProblems(c),
    ],
    {
      prefix: stackKey(""),
    },
  ).problems;
}

/** The keys the program reads, each as `stowage:<key>`. */
export const CONFIG_KEYS = Object.keys(StackSchema.shape);
