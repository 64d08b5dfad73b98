/**
 * The Stowage infrastructure program: every resource a stack gets, from its validated config.
 * infra/index.ts runs it under `pulumi up`; the tests run it under the engine's mocks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENVIRONMENTS } from "../core/stack/environments.js";
import type { StackConfig } from "../core/stack/schema.js";
import { TeamAccess, Uploader } from "./components/access.js";
import { Audit } from "./components/audit.js";
import { DataBucket, type DataBucketArgs } from "./components/dataBucket.js";
import { LogBucket } from "./components/logBucket.js";
import { Pipeline } from "./components/pipeline.js";
import { Replication } from "./components/replication.js";

export interface StowageOutputs {
  /** Bucket names and ARNs by logical bucket and region. */
  readonly buckets: Record<string, Record<string, { name: pulumi.Output<string>; arn: pulumi.Output<string>; replica?: true }>>;
  readonly teamRoles: Record<string, pulumi.Output<string>>;
  readonly uploaderRoles: Record<string, pulumi.Output<string>>;
  /** Each pipeline's ECS service and dead-letter queue URL. */
  readonly pipelines: Record<string, { service: pulumi.Output<string>; deadLetters: pulumi.Output<string> }>;
  /** The x-amz-storage-class uploaders must send (their roles admit no other). */
  readonly uploadStorageClass: string;
  readonly trailArn: pulumi.Output<string>;
}

export function stowage(cfg: StackConfig): StowageOutputs {
  const env = ENVIRONMENTS[cfg.environment];
  const region = cfg.primaryRegion;
  const tags = cfg.tags;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const logs = new LogBucket("logs", { region, accountId, forceDestroy: env.forceDestroy, retentionDays: env.logRetentionDays, tags });

  const buckets: StowageOutputs["buckets"] = {};
  const data = new Map<string, DataBucket>();
  const replicas: DataBucket[] = [];
  for (const b of cfg.buckets) {
    const args: Omit<DataBucketArgs, "region" | "logBucket"> = {
      accountId,
      versioning: cfg.versioning,
      transitions: cfg.lifecycle,
      uploadStorageClass: cfg.uploadStorageClass,
      ...(b.expireAfterDays !== undefined ? { expireAfterDays: b.expireAfterDays } : {}),
      noncurrentVersionExpireDays: b.noncurrentVersionExpireDays,
      abortIncompleteUploadDays: b.abortIncompleteUploadDays,
      ...(b.objectLock ? { objectLock: b.objectLock } : {}),
      ...(b.intelligentTieringArchive ? { intelligentTieringArchive: b.intelligentTieringArchive } : {}),
      notifications: b.notifications,
      ...(cfg.pipelines.find((p) => p.bucket === b.name) ? { eventsPrefix: cfg.pipelines.find((p) => p.bucket === b.name)!.input } : {}),
      forceDestroy: env.forceDestroy,
      protect: env.protect,
      keyDeletionDays: env.keyDeletionDays,
      tags: { ...tags, purpose: b.purpose },
    };
    const bucket = new DataBucket(b.name, { ...args, region, logBucket: logs.bucket });
    data.set(b.name, bucket);
    buckets[b.name] = { [region]: { name: bucket.bucket.id, arn: bucket.bucket.arn } };
    for (const replicaRegion of cfg.replicaRegions) {
      const r = new Replication(`${b.name}-${replicaRegion}`, {
        source: bucket,
        replicaRegion,
        replicaArgs: args,
        accountId,
        replicationTimeControl: cfg.replicationTimeControl,
        tags,
      });
      buckets[b.name]![replicaRegion] = { name: r.replica.bucket.id, arn: r.replica.bucket.arn, replica: true };
      replicas.push(r.replica);
    }
  }

  const teamRoles: StowageOutputs["teamRoles"] = {};
  for (const team of cfg.teams) {
    teamRoles[team.name] = new TeamAccess(`team-${team.name}`, { team, bucket: data.get(team.bucket)!, buckets: data, accountId, tags }).role.arn;
  }
  const uploaderRoles: StowageOutputs["uploaderRoles"] = {};
  for (const u of cfg.uploaders) {
    uploaderRoles[u.name] = new Uploader(`uploader-${u.name}`, {
      bucket: data.get(u.bucket)!,
      prefix: u.prefix,
      storageClass: cfg.uploadStorageClass,
      iotRoleAlias: u.iotRoleAlias,
      accountId,
      tags,
    }).role.arn;
  }
  const pipelines: StowageOutputs["pipelines"] = {};
  for (const p of cfg.pipelines) {
    const pipeline = new Pipeline(`pipeline-${p.name}`, { pipeline: p, bucket: data.get(p.bucket)!, region, tags });
    pipelines[p.name] = { service: pipeline.service.name, deadLetters: pipeline.deadLetters.url };
  }
  // The trail is multi-region: it records the replicas' object events too (S3.22 applies to every data bucket).
  const audit = new Audit("audit", { region, logBucket: logs, buckets: [...data.values(), ...replicas], readEvents: cfg.audit.readEvents, tags });
  return { buckets, teamRoles, uploaderRoles, pipelines, uploadStorageClass: cfg.uploadStorageClass, trailArn: audit.trail.arn };
}

/** Reads `stowage:*` from the stack config: JSON values (lists, objects, numbers) parsed, plain strings kept. */
export function readStackConfig(keys: readonly string[]): Record<string, unknown> {
  const config = new pulumi.Config("stowage");
  const raw: Record<string, unknown> = {};
  for (const key of keys) {
    const value = config.get(key);
    if (value === undefined) continue;
    try {
      raw[key] = JSON.parse(value);
    } catch {
      raw[key] = value;
    }
  }
  return raw;
}
