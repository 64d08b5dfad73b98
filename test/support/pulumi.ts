/**
 * Runs the real Stowage program under the Pulumi engine's own mocks (`pulumi.runtime.setMocks`) and records every
 * resource's inputs and options, found by `Class.__pulumiType`. One stack per call; the state is reset between.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS, parseStackConfig } from "../../infra/config.js";
import { readStackConfig, stowage, type StowageOutputs } from "../../infra/program.js";
import { packageRoot } from "../../planner/paths.js";

export const ACCOUNT = "123456789012";

export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
}

/** A resource class; its type token is the static `__pulumiType` (marked internal, so absent from the typings). */
export type PulumiClass = abstract new (...args: never[]) => unknown;
export const typeOf = (cls: PulumiClass): string => (cls as unknown as { __pulumiType: string }).__pulumiType;

export interface StackRun {
  readonly resources: Recorded[];
  readonly outputs: StowageOutputs;
  ofType(cls: PulumiClass): Recorded[];
  one(cls: PulumiClass, name: string): Recorded;
}

/** The `config:` of a stack file, as the CLI would hand it to the program. */
export function stackConfig(stack: string): Record<string, unknown> {
  return parse(readFileSync(join(packageRoot(), `Pulumi.${stack}.yaml`), "utf8")).config;
}

/** Awaits an Output's value (an un-awaited apply(expect…) could run after the test ends). */
export function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

export async function runStack(stack: string, config: Record<string, unknown> = stackConfig(stack)): Promise<StackRun> {
  const resources: Recorded[] = [];
  const options = new Map<string, { protect: boolean; retainOnDelete: boolean }>();
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
  );
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const arn =
          args.type === "aws:s3/bucket:Bucket" ? `arn:aws:s3:::${args.name}-bucket`
          : args.type === "aws:kms/key:Key" ? `arn:aws:kms:${args.inputs.region}:${ACCOUNT}:key/${args.name}`
          : args.type === "aws:iam/role:Role" ? `arn:aws:iam::${ACCOUNT}:role/${args.name}`
          : args.type === "aws:sqs/queue:Queue" ? `arn:aws:sqs:${args.inputs.region}:${ACCOUNT}:${args.name}`
          : `arn:aws:mock:::${args.name}`;
        const opts = options.get(`${args.type}::${args.name}`) ?? { protect: false, retainOnDelete: false };
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, ...opts });
        const extra = args.type === "aws:kms/key:Key" ? { keyId: args.name } : args.type === "aws:sqs/queue:Queue" ? { url: `https://sqs/${args.name}` } : {};
        return { id: args.type === "aws:s3/bucket:Bucket" ? `${args.name}-bucket` : `${args.name}-id`, state: { ...args.inputs, arn, ...extra } };
      },
      call(args) {
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, userId: "AIDAEXAMPLE", id: ACCOUNT };
        throw new Error(`unexpected call ${args.token}`);
      },
    },
    "stowage",
    stack,
    false,
  );
  // Resource options never reach the mock monitor: a stack transformation sees them as the program set them.
  // It needs the root stack resource, so the program runs inside one, as `pulumi up` runs it.
  let outputs!: StowageOutputs;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      options.set(`${args.type}::${args.name}`, { protect: !!args.opts.protect, retainOnDelete: !!args.opts.retainOnDelete });
      return undefined;
    });
    outputs = stowage(parseStackConfig(readStackConfig(CONFIG_KEYS)));
    return outputs;
  });
  await value(outputs.trailArn);
  // Wait until registrations stop arriving (policies resolve after the ARNs they embed).
  let seen = -1;
  while (seen !== resources.length) {
    seen = resources.length;
    await new Promise((r) => setTimeout(r, 50));
  }
  const ofType = (cls: PulumiClass) => resources.filter((r) => r.type === typeOf(cls));
  return {
    resources,
    outputs,
    ofType,
    one(cls, name) {
      const found = ofType(cls).filter((r) => r.name === name);
      if (found.length !== 1) throw new Error(`expected one ${typeOf(cls)} named ${name}, found ${found.length}: ${ofType(cls).map((r) => r.name).join(", ")}`);
      return found[0]!;
    },
  };
}
