/**
 * Reading a Pulumi stack file (Pulumi.<stack>.yaml) and a project file (Pulumi.yaml), one way for every command:
 * a missing file or bad YAML is the user's to fix, named with file:line:column.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError, fileError } from "../core/errors.js";
import { parseYamlText } from "../core/inputs.js";
import { StackConfigError, parseStackConfig, stowageKeys, type StackConfig } from "./config.js";

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The `config:` of a stack file, as the engine would hand it to the program (keys `project:key`). */
export async function readStackFileConfig(dir: string, stack: string, opts: { required: boolean } = { required: true }): Promise<Record<string, unknown>> {
  const file = join(dir, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw fileError(err, "read the stack file", file);
    if (!opts.required) return {};
    throw new UserError(`No stack file ${file}.`, "Pass --stack with an existing stack (dev, staging, prod) or --stack-dir where the Pulumi.<stack>.yaml files are.");
  }
  const doc = parseYamlText(text, file) ?? {};
  if (!isMapping(doc)) throw new UserError(`${file} is not a stack file: it must be a mapping with a config: key.`, "A Pulumi stack file holds `config:` (and optionally `encryptionsalt:`, `secretsprovider:`).");
  const config = doc.config ?? {};
  if (!isMapping(config)) throw new UserError(`${file}: config is not a mapping of keys.`, "Fix the stack file so `config:` holds key: value pairs.");
  return config;
}

export interface Project {
  readonly name: string;
  /** The entry file or folder, relative to the project folder (Pulumi.yaml's `main`, default the folder). */
  readonly main: string | null;
  /** Config defaults the project file declares (`config: { key: { default: v } }` or `key: v`), keys namespaced. */
  readonly configDefaults: Record<string, unknown>;
}

/** Pulumi.yaml of a project folder, or null when there is none. */
export async function readProject(dir: string): Promise<Project | null> {
  const file = join(dir, "Pulumi.yaml");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw fileError(err, "read the project file", file);
  }
  const doc = parseYamlText(text, file);
  if (!isMapping(doc) || typeof doc.name !== "string") throw new UserError(`${file} is not a Pulumi project file: it has no name.`, "A Pulumi.yaml names the project (`name:`) and its runtime.");
  const defaults: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(isMapping(doc.config) ? doc.config : {})) {
    const full = key.includes(":") ? key : `${doc.name}:${key}`;
    if (!isMapping(value)) defaults[full] = value;
    else if ("default" in value) defaults[full] = value.default;
    else if ("value" in value) defaults[full] = value.value;
  }
  return { name: doc.name, main: typeof doc.main === "string" ? doc.main : null, configDefaults: defaults };
}

/** A stack file's `stowage:` config, validated as the program reads it (no program run, no Pulumi loaded). */
export async function readOwnStackConfig(stackDir: string, stack: string): Promise<StackConfig> {
  return validStackConfig(await readStackFileConfig(stackDir, stack));
}

export function validStackConfig(config: Record<string, unknown>): StackConfig {
  try {
    return parseStackConfig(stowageKeys(config));
  } catch (err) {
    if (err instanceof StackConfigError) throw new UserError(err.message, "Fix the stack file's keys above.");
    throw err;
  }
}
