/**
 * One way to load a stack for every command that judges or prices one (policy, estimate): its stack file, its
 * validated config, the program run under the engine's mocks, and the region a resource without its own lives in
 * (the AWS provider's `aws:region`). Mock conventions live in mockrun.ts, never in what the rules are told.
 */
import type { StackConfig } from "../core/stack/schema.js";
import { runUnderMocks } from "./mockrun.js";
import type { StackResource } from "./model.js";
import { stowage } from "./program.js";
import { readStackFileConfig, validStackConfig } from "../core/stack/file.js";

export interface LoadedStack {
  readonly name: string;
  readonly project: string;
  /** The AWS provider's region (`aws:region`); null when the stack does not set one. */
  readonly region: string | null;
  readonly resources: readonly (StackResource & { retainOnDelete?: boolean })[];
}

export const regionOfConfig = (config: Record<string, unknown>): string | null => (typeof config["aws:region"] === "string" ? config["aws:region"] : null);

/** Stowage's own program for a stack file, config validated once (infra/index.ts reads the same keys). */
export async function loadOwnStack(stackDir: string, stack: string): Promise<LoadedStack & { readonly cfg: StackConfig }> {
  const config = await readStackFileConfig(stackDir, stack);
  const cfg = validStackConfig(config);
  const run = await runUnderMocks("stowage", stack, config, () => stowage(cfg));
  return { name: stack, project: "stowage", region: regionOfConfig(config), resources: run.resources, cfg };
}
