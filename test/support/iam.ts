/** One IAM decision by the policy simulator (@cloud-copilot/iam-simulate, AGPL: a devDependency, tests only). */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { ACCOUNT } from "./pulumi.js";

export interface Decision {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly identityPolicy: unknown;
  readonly resourcePolicy?: unknown;
  /** The session policy of an assumed-role session (what `stowage access grant` passes to AssumeRole). */
  readonly sessionPolicy?: unknown;
  readonly context: Record<string, string | string[]>;
}

export async function simulate(d: Decision): Promise<string> {
  const response = await runSimulation(
    {
      request: { principal: d.principal, action: d.action, resource: { resource: d.resource, accountId: ACCOUNT }, contextVariables: d.context },
      identityPolicies: [{ name: "identity", policy: d.identityPolicy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(d.resourcePolicy ? { resourcePolicy: d.resourcePolicy } : {}),
      ...(d.sessionPolicy ? { sessionPolicy: d.sessionPolicy } : {}),
    },
    {},
  );
  if (response.resultType === "error") throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}
