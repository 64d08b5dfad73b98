/** The queue rules (infra/policy/rules/queues.ts) on hand-made facts. */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, consumedQueueHasDeadLetters, findings, sqsEncrypted } from "../../infra/policy/rules.js";
import type { QueueFacts } from "../../infra/policy/facts.js";
import { stack } from "./facts.js";

const queue = (over: Partial<QueueFacts>): QueueFacts => ({
  ref: { type: "aws:sqs/queue:Queue", name: "q" },
  encrypted: true,
  redrive: true,
  consumed: true,
  ...over,
});
const levels = (rule: typeof sqsEncrypted, q: QueueFacts) =>
  findings(rule, stack({ queues: [q] }), DEFAULT_CONFIG).map((f) => f.enforcementLevel ?? rule.enforcementLevel);

describe("queue rules", () => {
  it("sqs-queue-encrypted: off binds, undeclared advises", () => {
    expect(levels(sqsEncrypted, queue({}))).toEqual([]);
    expect(levels(sqsEncrypted, queue({ encrypted: false }))).toEqual(["mandatory"]);
    expect(levels(sqsEncrypted, queue({ encrypted: null }))).toEqual(["advisory"]);
  });

  it("sqs-consumed-queue-dead-letters: a consumed queue without redrive fails", () => {
    expect(levels(consumedQueueHasDeadLetters, queue({}))).toEqual([]);
    expect(levels(consumedQueueHasDeadLetters, queue({ redrive: false }))).toEqual(["mandatory"]);
    expect(levels(consumedQueueHasDeadLetters, queue({ redrive: false, consumed: false }))).toEqual([]);
  });
});
