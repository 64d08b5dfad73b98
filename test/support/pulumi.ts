/**
 * Runs the real Stowage program under the Pulumi engine's own mocks (`pulumi.runtime.setMocks`) and records every
 * resource's inputs and options, found by `Class.__pulumiType`. One stack per call; the state is reset between.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS, parseStackConfig } from "../../core/stack/schema.js";
import { readStackConfig, stowage, type StowageOutputs } from "../../infra/program.js";
import { packageRoot } from "../../core/paths.js";
import { MOCK_ACCOUNT, runUnderMocks } from "../../infra/mockrun.js";

export const ACCOUNT = MOCK_ACCOUNT;

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
  const run = await runUnderMocks("stowage", stack, config, () => stowage(parseStackConfig(readStackConfig(CONFIG_KEYS))));
  const outputs = run.result;
  await value(outputs.trailArn);
  const resources: Recorded[] = run.resources.map((r) => ({
    type: r.type,
    name: r.name,
    inputs: r.props,
    protect: !!r.protect,
    retainOnDelete: r.retainOnDelete,
  }));
  const ofType = (cls: PulumiClass) => resources.filter((r) => r.type === typeOf(cls));
  return {
    resources,
    outputs,
    ofType,
    one(cls, name) {
      const found = ofType(cls).filter((r) => r.name === name);
      if (found.length !== 1)
        throw new Error(
          `expected one ${typeOf(cls)} named ${name}, found ${found.length}: ${ofType(cls)
            .map((r) => r.name)
            .join(", ")}`,
        );
      return found[0]!;
    },
  };
}
