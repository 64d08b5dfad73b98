/**
 * `pulumi up --stack dev|staging|prod` runs this (Pulumi.yaml: main). It validates the stack's config, then builds.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, StackConfigError, parseStackConfig, type StackConfig } from "../core/stack/schema.js";
import { readStackConfig, stowage } from "./program.js";

let cfg: StackConfig;
try {
  cfg = parseStackConfig(readStackConfig(CONFIG_KEYS));
} catch (err) {
  // A RunError is printed without a stack trace: these are the user's keys to fix, not a bug.
  throw err instanceof StackConfigError ? new pulumi.RunError(err.message) : err;
}
const outputs = stowage(cfg);

export const buckets = outputs.buckets;
export const teamRoles = outputs.teamRoles;
export const uploaderRoles = outputs.uploaderRoles;
export const uploadStorageClass = outputs.uploadStorageClass;
export const trailArn = outputs.trailArn;
