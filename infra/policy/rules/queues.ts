/** SQS queues and the roles that consume them. */
import { actionsAndResources } from "./iam.js";
import type { Finding, Rule } from "./base.js";

export const sqsEncrypted: Rule = {
  name: "sqs-queue-encrypted",
  control: "SQS.1",
  description: "SQS queues are encrypted at rest (SSE-SQS or a KMS key).",
  enforcementLevel: "mandatory",
  fix: "Set sqsManagedSseEnabled: true (or kmsMasterKeyId) on the queue.",
  check: (f) =>
    (f.queues ?? []).flatMap((q) =>
      q.encrypted === false
        ? [{ resource: q.ref, message: "encryption at rest is turned off (sqsManagedSseEnabled: false, no KMS key)" }]
        : q.encrypted === null
          ? [
              {
                resource: q.ref,
                message:
                  "encryption is not declared: SQS encrypts new queues with SSE-SQS by default since 2022, but declare it so a change of default or an import cannot turn it off",
                enforcementLevel: "advisory" as const,
              },
            ]
          : [],
    ),
};

export const consumedQueueHasDeadLetters: Rule = {
  house: true,
  name: "sqs-consumed-queue-dead-letters",
  control: "stowage",
  description: "A queue something consumes has a dead-letter queue: a message its consumer keeps failing on must go somewhere it is seen.",
  enforcementLevel: "mandatory",
  fix: "Give the queue a redrive policy (aws.sqs.RedrivePolicy or redrivePolicy) to a dead-letter queue, and alarm on that queue's depth.",
  check: (f) =>
    (f.queues ?? [])
      .filter((q) => q.consumed && !q.redrive)
      .map((q) => ({
        resource: q.ref,
        message: "a role receives its messages, but it has no redrive policy: a poison message is retried until it expires, unseen",
      })),
};

/**
 * A queue consumer's role (it may receive SQS messages and touch S3 objects: a pipeline's task role) reaches
 * objects under named prefixes only — never a whole bucket — and deletes nothing: a pipeline reads its input and
 * adds versions to its output; a bug in the team's code must not be able to erase the data it processes.
 */
export const consumerRoleScoped: Rule = {
  house: true,
  name: "pipeline-role-scoped",
  control: "stowage",
  description: "A role that consumes a queue and touches S3 objects is limited to prefixes, and deletes nothing.",
  enforcementLevel: "mandatory",
  fix: "Grant the pipeline's role its input and output prefixes (bucket/prefix/*), without s3:Delete* actions.",
  check: (f) =>
    f.iamPolicies
      .filter((p) => actionsAndResources(p.document).some(({ actions }) => actions.some((a) => a === "*" || a === "sqs:*" || a === "sqs:ReceiveMessage")))
      .flatMap((p) =>
        actionsAndResources(p.document).flatMap(({ actions, resources }) => {
          const s3 = actions.filter((a) => a === "*" || a.startsWith("s3:"));
          if (!s3.length) return [];
          const out: Finding[] = [];
          const whole = resources.find((r) => r === "*" || /^arn:aws[\w-]*:s3:::[^/]+\/\*$/.test(r));
          if (whole)
            out.push({
              resource: p.ref,
              message: `a queue consumer's role reaches every object of a bucket (${JSON.stringify(whole)}), not its input and output prefixes`,
            });
          const deletes = s3.filter((a) => a === "*" || a === "s3:*" || /^s3:Delete/.test(a));
          if (deletes.length) out.push({ resource: p.ref, message: `a queue consumer's role may delete (${deletes.join(", ")})` });
          return out;
        }),
      ),
};
