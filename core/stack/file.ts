/**
 * Reading and writing a Pulumi stack file (Pulumi.<stack>.yaml) and reading a project file (Pulumi.yaml), one way
 * for every command, with one rule for a stack's name: a missing file or bad YAML is the user's to fix, named with
 * file:line:column.
 */
import { access, chmod, chown, constants, lstat, readFile, readdir, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UserError, fileError } from "../errors.js";
import * as yaml from "yaml";
import { parseYamlText } from "../inputs.js";
import { parseStackConfig, stowageKeys, type StackConfig } from "./schema.js";

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The one rule for a stack's name and its file, for every command that reads or writes one. */
export function stackFileName(stack: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack))
    throw new UserError(`--stack ${stack} is not a valid stack name.`, "Use letters, digits, '-', '_' or '.', e.g. dev, staging, prod.");
  return `Pulumi.${stack}.yaml`;
}

/** The `config:` of a stack file, as the engine would hand it to the program (keys `project:key`). */
export async function readStackFileConfig(dir: string, stack: string, opts: { required: boolean } = { required: true }): Promise<Record<string, unknown>> {
  const file = join(dir, stackFileName(stack));
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw fileError(err, "read the stack file", file);
    if (!opts.required) return {};
    throw new UserError(
      `No stack file ${file}.`,
      "Pass --stack with an existing stack (dev, staging, prod) or --stack-dir where the Pulumi.<stack>.yaml files are.",
    );
  }
  return configOfText(text, file);
}

/** The `config:` of a stack file's text (empty for an empty file); `file` names it in errors. */
export function configOfText(text: string, file: string): Record<string, unknown> {
  const doc = parseYamlText(text, file, yaml) ?? {};
  if (!isMapping(doc))
    throw new UserError(
      `${file} is not a stack file: it must be a mapping with a config: key.`,
      "A Pulumi stack file holds `config:` (and optionally `encryptionsalt:`, `secretsprovider:`).",
    );
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
  const doc = parseYamlText(text, file, yaml);
  if (!isMapping(doc) || typeof doc.name !== "string")
    throw new UserError(`${file} is not a Pulumi project file: it has no name.`, "A Pulumi.yaml names the project (`name:`) and its runtime.");
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

/** A stack file's config (namespaced keys) as the program reads it; its problems are a StackConfigError (exit 2). */
export function validStackConfig(config: Record<string, unknown>): StackConfig {
  return parseStackConfig(stowageKeys(config));
}

/**
 * Before a stack file is created: Pulumi reads Pulumi.<stack>.yaml only beside the project's Pulumi.yaml, so a
 * stack file in a folder without one belongs to no project and no `pulumi up` would ever read it (a mistyped
 * --stack-dir): refused. Beside a Pulumi.yaml, a new stack is legitimate (`pulumi stack init NAME` then writes the
 * same file), but a mistyped --stack (prd for prod) looks the same: returns one line naming the stacks there,
 * for stderr. Null when the stack file exists already.
 */
export async function newStackNote(dir: string, stack: string): Promise<string | null> {
  const file = join(dir, stackFileName(stack));
  if (
    await lstat(file).then(
      () => true,
      () => false,
    )
  )
    return null;
  if (
    !(await lstat(join(dir, "Pulumi.yaml")).then(
      () => true,
      () => false,
    ))
  ) {
    throw new UserError(
      `No Pulumi.yaml in ${dir}: ${stackFileName(stack)} there would belong to no Pulumi project, and Pulumi would never read it.`,
      "Pass --stack-dir the folder that holds the project's Pulumi.yaml (and its Pulumi.<stack>.yaml files), or create the project there first (`pulumi new`).",
    );
  }
  const names = await readdir(dir).catch(() => [] as string[]);
  const stacks = names
    .map((n) => /^Pulumi\.(.+)\.ya?ml$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
  return `${file} does not exist: ${stack} is a new stack (this project's stacks: ${stacks.join(", ") || "none yet"}); check --stack, and create the stack in Pulumi with \`pulumi stack init ${stack}\`.`;
}

export async function readStackFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw fileError(err, "read the stack file", path, "Check --stack-dir and the file's permissions, then run again.");
  }
}

/**
 * Writes into the stack file: a temporary file beside it, then rename, so an interrupted write leaves the old file
 * whole. What the user set on the file survives: a symlink stays a symlink (its target is written), and the new
 * file gets the old one's mode and owner (stack files hold Pulumi secrets, and are often 0600).
 */
export async function writeStackFile(path: string, text: string): Promise<void> {
  const next = "Check --stack-dir and its permissions (the file is written beside itself, then renamed), then run again.";
  const target = await realpath(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return path;
    throw fileError(err, "write the stack file", path, next);
  });
  const before = await stat(target).catch(() => null);
  // The rename below would replace a read-only file (only the folder's permission counts), and root may write
  // anything: a file nobody may write is the user saying "do not change this", so it is refused, not replaced.
  if (
    before &&
    ((before.mode & 0o222) === 0 ||
      (await access(target, constants.W_OK).then(
        () => false,
        () => true,
      )))
  ) {
    throw new UserError(
      `${path} is read-only: not changed.`,
      `Make it writable (chmod u+w ${path}) to let --write change it, or leave out --write to see the change.`,
    );
  }
  const tmp = join(dirname(target), `.stowage-tmp-${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}`);
  try {
    await writeFile(tmp, text, { mode: before ? before.mode & 0o7777 : 0o644, flag: "wx" });
    if (before) {
      await chmod(tmp, before.mode & 0o7777); // writeFile's mode is filtered by the umask
      if (process.getuid?.() === 0) await chown(tmp, before.uid, before.gid);
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw fileError(err, "write the stack file", path, next);
  }
}
