/**
 * A Pipeline: the team's code, unchanged, processing every new object as it arrives — `stowage run --watch --queue`
 * in a container on ECS Fargate, fed by the bucket's events queue, scaled on that queue's backlog per task
 * (visible messages ÷ running tasks, target tracking with metric math:
 * https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking-metric-math.html).
 * A message that keeps failing moves to a dead-letter queue after maxReceiveCount receives; an alarm fires on any.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PipelineConfig } from "../../core/stack/schema.js";
import { pipelineTaskPolicy, serviceTrust } from "../iamDocuments.js";
import type { DataBucket } from "./dataBucket.js";

export interface PipelineArgs {
  readonly pipeline: PipelineConfig;
  /** The bucket, with its events queue (notifications: true). */
  readonly bucket: DataBucket;
  readonly region: string;
  readonly tags: Record<string, string>;
}

export class Pipeline extends pulumi.ComponentResource {
  readonly service: aws.ecs.Service;
  readonly deadLetters: aws.sqs.Queue;

  constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stowage:index:Pipeline", name, {}, opts);
    const { pipeline: p, bucket, region, tags } = args;
    const child = { parent: this };
    const queue = bucket.events;
    if (!queue) throw new Error(`pipeline ${p.name}: bucket ${p.bucket} has no events queue`); // the config check says so first

    // Dead letters are kept longer than the source queue's 4 days: their retention counts from the first enqueue.
    this.deadLetters = new aws.sqs.Queue(`${name}-dlq`, { region, sqsManagedSseEnabled: true, messageRetentionSeconds: 14 * 86400, tags }, child);
    new aws.sqs.RedrivePolicy(
      `${name}-redrive`,
      { region, queueUrl: queue.url, redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: this.deadLetters.arn, maxReceiveCount: p.maxReceiveCount }) },
      child,
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-dead-letters`,
      {
        region,
        alarmDescription: `Stowage pipeline ${p.name}: events its code failed on ${p.maxReceiveCount} times are waiting in the dead-letter queue`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: this.deadLetters.name },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        tags,
      },
      child,
    );
    const logs = new aws.cloudwatch.LogGroup(`${name}-logs`, { region, retentionInDays: p.logRetentionDays, tags }, child);

    // Both of the service's roles are assumed by ECS: the task's (its reads and writes) and the execution's (its start).
    const ecsRole = (suffix: string, description: string) =>
      new aws.iam.Role(
        `${name}-${suffix}`,
        { description, assumeRolePolicy: JSON.stringify(serviceTrust("ecs-tasks.amazonaws.com")), maxSessionDuration: 3600, tags },
        child,
      );
    const taskRole = ecsRole("task-role", `Stowage pipeline ${p.name}: ${p.input} → ${p.output}`);
    new aws.iam.RolePolicy(
      `${name}-task-policy`,
      {
        role: taskRole.id,
        policy: pulumi
          .all([bucket.bucket.arn, bucket.key.arn, queue.arn])
          .apply(([bucketArn, kmsKeyArn, queueArn]) =>
            JSON.stringify(pipelineTaskPolicy({ bucketArn, kmsKeyArn, region, input: p.input, output: p.output, queueArn })),
          ),
      },
      child,
    );
    // The execution role only writes the container's logs (an image in ECR would also need ecr:GetAuthorizationToken, which AWS grants on "*" only).
    const executionRole = ecsRole("execution-role", `Stowage pipeline ${p.name}: starts its tasks`);
    new aws.iam.RolePolicy(
      `${name}-execution-policy`,
      {
        role: executionRole.id,
        policy: logs.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Sid: "WriteItsLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${arn}:*` }],
          }),
        ),
      },
      child,
    );

    const cluster = new aws.ecs.Cluster(`${name}-cluster`, { region, settings: [{ name: "containerInsights", value: "enabled" }], tags }, child);
    const command = pulumi
      .all([bucket.bucket.bucket, bucket.key.arn, queue.url])
      .apply(([b, key, url]) => [
        "run",
        "--watch",
        "--queue",
        url,
        "--region",
        region,
        "--in",
        `s3://${b}/${p.input}`,
        "--out",
        `s3://${b}/${p.output}`,
        "--kms-key",
        key,
        "--glob",
        p.glob,
        "--parallel",
        String(p.parallel),
        "--name",
        p.name,
        "--json",
        "--",
        ...p.command,
      ]);
    const task = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        region,
        family: `stowage-${p.name}`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(p.cpu),
        memory: String(p.memory),
        taskRoleArn: taskRole.arn,
        executionRoleArn: executionRole.arn,
        containerDefinitions: pulumi.all([command, logs.name]).apply(([cmd, group]) =>
          JSON.stringify([
            {
              name: "stowage",
              image: p.image,
              essential: true,
              entryPoint: ["stowage"],
              command: cmd,
              // SIGTERM, then ECS waits this long before SIGKILL: time to finish the batch in hand and commit.
              stopTimeout: 120,
              logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": p.name } },
            },
          ]),
        ),
        tags,
      },
      child,
    );
    this.service = new aws.ecs.Service(
      `${name}-service`,
      {
        region,
        cluster: cluster.arn,
        taskDefinition: task.arn,
        launchType: "FARGATE",
        desiredCount: p.minTasks,
        networkConfiguration: { subnets: p.subnets, securityGroups: p.securityGroups, assignPublicIp: false },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        tags,
      },
      // The scaling policy owns the task count once deployed.
      { ...child, ignoreChanges: ["desiredCount"] },
    );
    const target = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        region,
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${cluster.name}/${this.service.name}`,
        minCapacity: p.minTasks,
        maxCapacity: p.maxTasks,
      },
      child,
    );
    new aws.appautoscaling.Policy(
      `${name}-backlog-per-task`,
      {
        region,
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: p.backlogPerTask,
          scaleInCooldown: 120,
          scaleOutCooldown: 30,
          customizedMetricSpecification: {
            metrics: [
              {
                id: "visible",
                returnData: false,
                metricStat: {
                  stat: "Sum",
                  metric: { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: [{ name: "QueueName", value: queue.name }] },
                },
              },
              {
                id: "tasks",
                returnData: false,
                metricStat: {
                  stat: "Average",
                  metric: {
                    namespace: "ECS/ContainerInsights",
                    metricName: "RunningTaskCount",
                    dimensions: [
                      { name: "ClusterName", value: cluster.name },
                      { name: "ServiceName", value: this.service.name },
                    ],
                  },
                },
              },
              { id: "backlogPerTask", label: "visible messages per running task", returnData: true, expression: "visible / tasks" },
            ],
          },
        },
      },
      child,
    );
    this.registerOutputs({ service: this.service.name, deadLetters: this.deadLetters.url });
  }
}
