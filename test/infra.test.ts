/**
 * Each stack's real program under the engine's mocks: every resource's inputs asserted, found by __pulumiType.
 */
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { ACCOUNT, runStack, stackConfig, typeOf, value, type PulumiClass, type StackRun } from "./support/pulumi.js";
import { readsOf } from "../core/stack/schema.js";

const REQUIRED_TAGS = ["team", "environment", "data-classification", "cost-centre"];
const stacks = { dev: await runStack("dev"), staging: await runStack("staging"), prod: await runStack("prod") };
const policyOf = (r: { inputs: Record<string, any> }) => JSON.parse(r.inputs.policy);
const sids = (doc: { Statement: { Sid?: string }[] }) => doc.Statement.map((s) => s.Sid);

/** The sidecar of a data bucket, by the bucket's logical name. */
function sidecar(run: StackRun, cls: PulumiClass, bucket: string, suffix: string) {
  return run.one(cls, `${bucket}-${suffix}`);
}

describe.each(Object.entries(stacks))("the %s stack", (name, run) => {
  const config = stackConfig(name) as Record<string, any>;
  const primary = config["stowage:primaryRegion"];
  const buckets: string[] = config["stowage:buckets"].map((b: { name: string }) => b.name);

  it("tags every taggable resource with team, environment, data classification and cost centre", () => {
    const taggable = [aws.s3.Bucket, aws.kms.Key, aws.iam.Role, aws.sqs.Queue, aws.cloudtrail.Trail, aws.iot.RoleAlias].flatMap((c) => run.ofType(c));
    expect(taggable.length).toBeGreaterThan(5);
    for (const r of taggable) {
      for (const tag of REQUIRED_TAGS) expect(r.inputs.tags?.[tag], `${r.type} ${r.name} tag ${tag}`).toBeTruthy();
      expect(r.inputs.tags.environment).toBe(name);
    }
  });

  it("names a region on every regional resource", () => {
    const regional = run.resources.filter((r) => r.type.startsWith("aws:") && !r.type.startsWith("aws:iam/"));
    for (const r of regional) expect([primary, ...config["stowage:replicaRegions"]], `${r.type} ${r.name}`).toContain(r.inputs.region);
  });

  it("hardens every data bucket with its own sidecars", async () => {
    for (const b of buckets) {
      const key = run.one(aws.kms.Key, `${b}-key`);
      expect(key.inputs).toMatchObject({ enableKeyRotation: true, region: primary });
      const keyArn = `arn:aws:kms:${primary}:${ACCOUNT}:key/${b}-key`;
      expect(sidecar(run, aws.s3.BucketVersioning, b, "versioning").inputs).toMatchObject({
        bucket: `${b}-bucket`,
        versioningConfiguration: { status: "Enabled" },
      });
      expect(sidecar(run, aws.s3.BucketServerSideEncryptionConfiguration, b, "encryption").inputs.rules).toEqual([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn }, bucketKeyEnabled: true },
      ]);
      expect(sidecar(run, aws.s3.BucketPublicAccessBlock, b, "public-access").inputs).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(sidecar(run, aws.s3.BucketOwnershipControls, b, "ownership").inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
      expect(sidecar(run, aws.s3.BucketLogging, b, "logging").inputs).toMatchObject({ targetBucket: "logs-bucket", targetPrefix: `access-logs/${b}-bucket/` });
      const policy = policyOf(sidecar(run, aws.s3.BucketPolicy, b, "policy"));
      expect(sids(policy)).toEqual([
        "DenyInsecureTransport",
        "DenyUnknownTransport",
        "DenyTlsBelow12",
        "DenyUploadsWithoutKms",
        "DenyUploadsWithoutEncryptionHeader",
        "DenyOtherKmsKeys",
        "DenyOutsideAccount",
      ]);
      expect(policy.Statement[0].Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
      expect(policy.Statement[1].Condition).toEqual({ Null: { "aws:SecureTransport": "true" } });
      expect(policy.Statement[5].Condition).toEqual({ StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn } });
      expect(policy.Statement[6].Condition).toEqual({ StringNotEquals: { "aws:PrincipalAccount": ACCOUNT } });
      const bucketConfig = config["stowage:buckets"].find((x: { name: string }) => x.name === b);
      const [rule] = sidecar(run, aws.s3.BucketLifecycleConfiguration, b, "lifecycle").inputs.rules;
      expect(rule.transitions).toEqual(
        config["stowage:lifecycle"].map((t: { afterDays: number; storageClass: string }) => ({ days: t.afterDays, storageClass: t.storageClass })),
      );
      expect(rule.noncurrentVersionExpiration).toEqual({ noncurrentDays: bucketConfig.noncurrentVersionExpireDays ?? 30 });
      expect(rule.abortIncompleteMultipartUpload).toEqual({ daysAfterInitiation: bucketConfig.abortIncompleteUploadDays ?? 7 });
      expect(rule.expiration).toEqual(bucketConfig.expireAfterDays ? { days: bucketConfig.expireAfterDays } : undefined);
    }
  });

  it("writes the log bucket with SSE-S3 and a policy that admits only log delivery and CloudTrail", () => {
    expect(run.one(aws.s3.BucketServerSideEncryptionConfiguration, "logs-encryption").inputs.rules[0].applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: "AES256",
    });
    const policy = policyOf(run.one(aws.s3.BucketPolicy, "logs-policy"));
    expect(policy.Statement.map((s: any) => [s.Sid, s.Principal?.Service ?? s.Principal])).toEqual([
      ["DenyInsecureTransport", "*"],
      ["DenyUnknownTransport", "*"],
      ["S3ServerAccessLogs", "logging.s3.amazonaws.com"],
      ["CloudTrailAclCheck", "cloudtrail.amazonaws.com"],
      ["CloudTrailWrite", "cloudtrail.amazonaws.com"],
    ]);
  });

  it("gives each team a role limited to its prefixes, and each uploader PutObject only", () => {
    for (const team of config["stowage:teams"]) {
      const policy = policyOf(run.one(aws.iam.RolePolicy, `team-${team.name}-policy`));
      const bucketArn = `arn:aws:s3:::${team.bucket}-bucket`;
      const sid = (id: string) => policy.Statement.find((st: { Sid: string }) => st.Sid === id);
      const reads = readsOf({ bucket: team.bucket, reads: team.reads ?? [], readOnly: team.readOnly ?? [] });
      const commits = reads.filter((r) => r.commit);
      const sameBucket = reads.filter((r) => r.bucket === team.bucket).map((r) => r.prefix);
      expect(sid("ListOwnPrefixes")).toMatchObject({
        Action: ["s3:ListBucket", "s3:ListBucketVersions"],
        Resource: bucketArn,
        Condition: { StringLike: { "s3:prefix": [...team.prefixes, ...sameBucket].flatMap((p: string) => [p, `${p}*`]) } },
      });
      for (const other of new Set(reads.filter((r) => r.bucket !== team.bucket).map((r) => r.bucket))) {
        const there = reads.filter((r) => r.bucket === other).map((r) => r.prefix);
        expect(policy.Statement).toContainEqual(
          expect.objectContaining({
            Resource: `arn:aws:s3:::${other}-bucket`,
            Condition: { StringLike: { "s3:prefix": there.flatMap((p) => [p, `${p}*`]) } },
          }),
        );
      }
      expect(sid("ObjectsUnderOwnPrefixes").Resource).toEqual(team.prefixes.map((p: string) => `${bucketArn}/${p}*`));
      // Inputs of its runs: read every version; write only the data layer's commits there. Read-only prefixes: read.
      expect(sid("ReadInputPrefixes")?.Resource).toEqual(reads.length ? reads.map((r) => `arn:aws:s3:::${r.bucket}-bucket/${r.prefix}*`) : undefined);
      expect(sid("CommitInputPrefixes")?.Resource).toEqual(
        commits.length ? commits.map((r) => `arn:aws:s3:::${r.bucket}-bucket/${r.prefix}.stowage/*`) : undefined,
      );
      const keys = [...new Set([team.bucket, ...reads.map((r) => r.bucket)])].map((b) => `arn:aws:kms:${primary}:${ACCOUNT}:key/${b}-key`);
      expect(sid("BucketKeyThroughS3")).toMatchObject({ Resource: keys.length === 1 ? keys[0] : keys });
      expect(sid("BucketKeyThroughS3")).toMatchObject({ Condition: { StringEquals: { "kms:ViaService": `s3.${primary}.amazonaws.com` } } });
      const json = JSON.stringify(policy);
      expect(json).not.toMatch(/"s3:\*"|"\*"/);
    }
    for (const u of config["stowage:uploaders"]) {
      const policy = policyOf(run.one(aws.iam.RolePolicy, `uploader-${u.name}-policy`));
      // Into the class the planner chose (STANDARD: the header may be left out, as S3 then stores in Standard).
      expect(policy.Statement[0]).toEqual({
        Sid: "PutUnderOwnPrefix",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: `arn:aws:s3:::${u.bucket}-bucket/${u.prefix}*`,
        Condition:
          config["stowage:uploadStorageClass"] === "STANDARD"
            ? { StringEqualsIfExists: { "s3:x-amz-storage-class": "STANDARD" } }
            : { StringEquals: { "s3:x-amz-storage-class": config["stowage:uploadStorageClass"] } },
      });
      expect(policy.Statement.flatMap((s: any) => [s.Action].flat())).toEqual(["s3:PutObject", "kms:GenerateDataKey"]);
      const trust = JSON.parse(run.one(aws.iam.Role, `uploader-${u.name}-role`).inputs.assumeRolePolicy);
      expect(trust.Statement[0].Principal).toEqual(u.iotRoleAlias ? { Service: "credentials.iot.amazonaws.com" } : { AWS: `arn:aws:iam::${ACCOUNT}:root` });
      expect(run.ofType(aws.iot.RoleAlias).some((r) => r.name === `uploader-${u.name}-alias`)).toBe(!!u.iotRoleAlias);
    }
  });

  it("records S3 data events in a validated trail delivered to the log bucket", () => {
    const trail = run.one(aws.cloudtrail.Trail, "audit");
    expect(trail.inputs).toMatchObject({ s3BucketName: "logs-bucket", enableLogFileValidation: true, isMultiRegionTrail: true, region: primary });
    const selectors = trail.inputs.advancedEventSelectors;
    const readOnly = selectors.map((s: any) => s.fieldSelectors.find((f: any) => f.field === "readOnly").equals[0]);
    expect(readOnly).toEqual(config["stowage:audit"]?.readEvents ? ["false", "true"] : ["false"]);
    // The multi-region trail covers the replicas too.
    const replicas = buckets.flatMap((b) => config["stowage:replicaRegions"].map((r: string) => `arn:aws:s3:::${b}-${r}-replica-bucket/`));
    expect(selectors[0].fieldSelectors.find((f: any) => f.field === "resources.ARN").startsWiths).toEqual([
      ...buckets.map((b) => `arn:aws:s3:::${b}-bucket/`),
      ...replicas,
    ]);
  });

  it("exports bucket names and ARNs per region, team and uploader roles, and the trail", async () => {
    const out = run.outputs;
    for (const b of buckets) {
      expect(Object.keys(out.buckets[b]!)).toEqual([primary, ...config["stowage:replicaRegions"]]);
      expect(await value(out.buckets[b]![primary]!.arn)).toBe(`arn:aws:s3:::${b}-bucket`);
    }
    expect(Object.keys(out.teamRoles)).toEqual(config["stowage:teams"].map((t: { name: string }) => t.name));
    expect(await value(out.uploaderRoles.cameras!)).toBe(`arn:aws:iam::${ACCOUNT}:role/uploader-cameras-role`);
    expect(out.uploadStorageClass).toBe(config["stowage:uploadStorageClass"]);
    expect(await value(out.trailArn)).toBe("arn:aws:mock:::audit");
  });
});

describe("what each environment gets", () => {
  it("dev is cheap and disposable: no replica, force-destroy, nothing protected", () => {
    const run = stacks.dev;
    expect(run.ofType(aws.s3.BucketReplicationConfig)).toEqual([]);
    expect(run.ofType(aws.s3.Bucket).map((b) => [b.name, b.inputs.forceDestroy, b.protect])).toEqual([
      ["logs", true, false],
      ["images", true, false],
    ]);
    expect(run.one(aws.kms.Key, "images-key").inputs.deletionWindowInDays).toBe(7);
  });

  it("prod protects and retains its data buckets and keys, and locks objects", () => {
    const run = stacks.prod;
    for (const r of [...run.ofType(aws.s3.Bucket), ...run.ofType(aws.kms.Key)].filter((r) => !r.name.startsWith("logs") && !r.name.endsWith("-logs"))) {
      expect([r.name, r.protect, r.retainOnDelete]).toEqual([r.name, true, true]);
      if (r.type === typeOf(aws.s3.Bucket)) expect(r.inputs.forceDestroy).toBe(false);
    }
    expect(run.one(aws.s3.BucketObjectLockConfiguration, "claims-object-lock").inputs).toMatchObject({
      objectLockEnabled: "Enabled",
      rule: { defaultRetention: { mode: "GOVERNANCE", days: 2555 } },
    });
    expect(run.one(aws.s3.Bucket, "claims").inputs.objectLockEnabled).toBe(true);
    expect(run.ofType(aws.s3.BucketIntelligentTieringConfiguration)).toEqual([]); // no object of prod reaches Intelligent-Tiering
    // Only uploads: the pipeline's outputs under processed/ must not come back as events.
    expect(run.one(aws.s3.BucketNotification, "images-notification").inputs.queues).toEqual([
      { queueArn: `arn:aws:sqs:us-east-2:${ACCOUNT}:images-events`, events: ["s3:ObjectCreated:*"], filterPrefix: "uploads/" },
    ]);
  });

  it("prod runs the detect pipeline on Fargate, fed by the images queue, scaled on backlog per task, with a dead-letter queue and alarm", () => {
    const run = stacks.prod;
    const region = "us-east-2";
    const queueArn = `arn:aws:sqs:${region}:${ACCOUNT}:images-events`;
    const dlq = run.one(aws.sqs.Queue, "pipeline-detect-dlq").inputs;
    expect(dlq).toMatchObject({ region, sqsManagedSseEnabled: true, messageRetentionSeconds: 1_209_600 });
    expect(JSON.parse(run.one(aws.sqs.RedrivePolicy, "pipeline-detect-redrive").inputs.redrivePolicy)).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:${region}:${ACCOUNT}:pipeline-detect-dlq`,
      maxReceiveCount: 5,
    });
    expect(run.one(aws.sqs.RedrivePolicy, "pipeline-detect-redrive").inputs.queueUrl).toBe("https://sqs/images-events");
    expect(run.one(aws.cloudwatch.MetricAlarm, "pipeline-detect-dead-letters").inputs).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "pipeline-detect-dlq" },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    expect(run.one(aws.cloudwatch.LogGroup, "pipeline-detect-logs").inputs).toMatchObject({ region, retentionInDays: 90 });

    const task = run.one(aws.ecs.TaskDefinition, "pipeline-detect-task").inputs;
    expect(task).toMatchObject({
      region,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "1024",
      memory: "2048",
      taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/pipeline-detect-task-role`,
    });
    const [container] = JSON.parse(task.containerDefinitions);
    expect(container).toMatchObject({
      image: "ghcr.io/example/false-alarm-detector:2026-11-30",
      entryPoint: ["stowage"],
      stopTimeout: 120,
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "pipeline-detect-logs", "awslogs-region": region } },
    });
    expect(container.command).toEqual([
      "run",
      "--watch",
      "--queue",
      "https://sqs/images-events",
      "--region",
      region,
      "--in",
      "s3://images-bucket/uploads/",
      "--out",
      "s3://images-bucket/processed/",
      "--kms-key",
      `arn:aws:kms:${region}:${ACCOUNT}:key/images-key`,
      "--glob",
      "/*/*/*",
      "--parallel",
      "4",
      "--name",
      "detect",
      "--json",
      "--",
      "python3",
      "detect.py",
    ]);
    expect(run.one(aws.ecs.Service, "pipeline-detect-service").inputs).toMatchObject({
      launchType: "FARGATE",
      desiredCount: 1,
      networkConfiguration: {
        subnets: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
        securityGroups: ["sg-0a1b2c3d4e5f60001"],
        assignPublicIp: false,
      },
    });
    expect(run.one(aws.appautoscaling.Target, "pipeline-detect-scaling").inputs).toMatchObject({
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: "service/pipeline-detect-cluster/pipeline-detect-service",
      minCapacity: 1,
      maxCapacity: 20,
    });
    const scaling = run.one(aws.appautoscaling.Policy, "pipeline-detect-backlog-per-task").inputs.targetTrackingScalingPolicyConfiguration;
    expect(scaling.targetValue).toBe(100);
    expect(scaling.customizedMetricSpecification.metrics.map((m: { id: string; expression?: string }) => [m.id, m.expression ?? null])).toEqual([
      ["visible", null],
      ["tasks", null],
      ["backlogPerTask", "visible / tasks"],
    ]);
    expect(scaling.customizedMetricSpecification.metrics[0].metricStat.metric.dimensions).toEqual([{ name: "QueueName", value: "images-events" }]);

    // The task role: exactly its prefixes and its queue; the execution role: its log group.
    const policy = JSON.parse(run.one(aws.iam.RolePolicy, "pipeline-detect-task-policy").inputs.policy);
    const images = "arn:aws:s3:::images-bucket";
    expect(policy.Statement.map((st: { Sid: string; Action: unknown; Resource: unknown }) => [st.Sid, st.Action, st.Resource])).toEqual([
      ["ListInputAndOutput", ["s3:ListBucket", "s3:ListBucketVersions"], images],
      ["ReadInputAndOutput", ["s3:GetObject", "s3:GetObjectVersion"], [`${images}/uploads/*`, `${images}/processed/*`]],
      ["WriteOutputAndCommits", "s3:PutObject", [`${images}/processed/*`, `${images}/uploads/.stowage/*`]],
      ["BucketKeyThroughS3", ["kms:Decrypt", "kms:GenerateDataKey"], `arn:aws:kms:${region}:${ACCOUNT}:key/images-key`],
      ["ConsumeItsQueue", ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"], queueArn],
    ]);
    expect(JSON.parse(run.one(aws.iam.RolePolicy, "pipeline-detect-execution-policy").inputs.policy).Statement).toEqual([
      {
        Sid: "WriteItsLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `arn:aws:logs:${region}:${ACCOUNT}:log-group:pipeline-detect-logs:*`,
      },
    ]);
    expect(JSON.parse(run.one(aws.iam.Role, "pipeline-detect-task-role").inputs.assumeRolePolicy).Statement[0].Principal).toEqual({
      Service: "ecs-tasks.amazonaws.com",
    });
    expect(stacks.dev.ofType(aws.ecs.Service)).toEqual([]);
  });

  it("configures Intelligent-Tiering's archive tiers where objects reach Intelligent-Tiering, and refuses them where none do", async () => {
    const config = stackConfig("prod") as Record<string, any>;
    const archive = { archiveAfterDays: 90, deepArchiveAfterDays: 180 };
    const buckets = config["stowage:buckets"].map((b: Record<string, unknown>) => (b.name === "images" ? { ...b, intelligentTieringArchive: archive } : b));
    const run = await runStack("prod", {
      ...config,
      "stowage:buckets": buckets,
      "stowage:lifecycle": [{ afterDays: 30, storageClass: "INTELLIGENT_TIERING" }],
    });
    expect(run.one(aws.s3.BucketIntelligentTieringConfiguration, "images-intelligent-tiering").inputs.tierings).toEqual([
      { accessTier: "ARCHIVE_ACCESS", days: 90 },
      { accessTier: "DEEP_ARCHIVE_ACCESS", days: 180 },
    ]);
    await expect(runStack("prod", { ...config, "stowage:buckets": buckets })).rejects.toThrow(
      /stowage:buckets\[0\]\.intelligentTieringArchive: no object reaches INTELLIGENT_TIERING/,
    );
  });

  it("prod replicates every bucket to us-west-2 with KMS, delete markers and Replication Time Control", () => {
    const run = stacks.prod;
    for (const b of ["images", "claims"]) {
      const replica = run.one(aws.s3.Bucket, `${b}-us-west-2-replica`);
      expect(replica.inputs).toMatchObject({ region: "us-west-2", objectLockEnabled: true });
      expect(replica.protect).toBe(true);
      expect(run.one(aws.kms.Key, `${b}-us-west-2-replica-key`).inputs).toMatchObject({ region: "us-west-2", enableKeyRotation: true });
      expect(run.one(aws.s3.BucketLogging, `${b}-us-west-2-replica-logging`).inputs.targetBucket).toBe(`${b}-us-west-2-logs-bucket`);
      const config = run.one(aws.s3.BucketReplicationConfig, `${b}-us-west-2-config`);
      expect(config.inputs).toMatchObject({ region: "us-east-2", bucket: `${b}-bucket`, role: `arn:aws:iam::${ACCOUNT}:role/${b}-us-west-2-role` });
      expect(config.inputs.rules).toEqual([
        {
          id: "to-us-west-2",
          status: "Enabled",
          priority: 1,
          filter: {},
          deleteMarkerReplication: { status: "Enabled" },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: `arn:aws:s3:::${b}-us-west-2-replica-bucket`,
            storageClass: "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId: `arn:aws:kms:us-west-2:${ACCOUNT}:key/${b}-us-west-2-replica-key` },
            replicationTime: { status: "Enabled", time: { minutes: 15 } },
            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
          },
        },
      ]);
      const policy = policyOf(run.one(aws.iam.RolePolicy, `${b}-us-west-2-role-policy`));
      expect(policy.Statement.map((s: any) => [s.Action, s.Resource])).toEqual([
        [["s3:GetReplicationConfiguration", "s3:ListBucket"], `arn:aws:s3:::${b}-bucket`],
        [["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], `arn:aws:s3:::${b}-bucket/*`],
        [["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], `arn:aws:s3:::${b}-us-west-2-replica-bucket/*`],
        ["kms:Decrypt", `arn:aws:kms:us-east-2:${ACCOUNT}:key/${b}-key`],
        ["kms:Encrypt", `arn:aws:kms:us-west-2:${ACCOUNT}:key/${b}-us-west-2-replica-key`],
      ]);
      expect(JSON.parse(run.one(aws.iam.Role, `${b}-us-west-2-role`).inputs.assumeRolePolicy).Statement[0].Principal).toEqual({ Service: "s3.amazonaws.com" });
    }
  });

  it("reads the keys the planner writes", () => {
    const run = stacks.prod;
    const planned = stackConfig("prod") as Record<string, any>;
    expect(run.one(aws.s3.Bucket, "images").inputs.region).toBe(planned["stowage:primaryRegion"]);
    expect(run.ofType(aws.s3.BucketReplicationConfig).map((r) => r.name)).toEqual(
      planned["stowage:replicaRegions"].flatMap((r: string) => [`images-${r}-config`, `claims-${r}-config`]),
    );
  });
});
