/**
 * Writes a placement decision into a Pulumi stack config file (Pulumi.<stack>.yaml). Only Stowage's own keys
 * change: `stowage:primaryRegion`, `stowage:replicaRegions`, `stowage:uploadStorageClass`, `stowage:lifecycle`, and
 * the comment above them that
 * records the decision's date and reasons. Everything else, comments included, stays byte for byte: the yaml
 * library finds where those keys are, and the edit splices only their lines (its own serialiser would re-space
 * flow lists and inline comments). The write is atomic (temporary file, then rename).
 */
import { createTwoFilesPatch } from "diff";
import { access, chmod, chown, constants, lstat, readFile, readdir, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isMap, isScalar, parseDocument, type Pair, type YAMLMap } from "yaml";
import { UserError, fileError } from "../../core/errors.js";

export const PROJECT = "stowage";
export const KEYS = {
  primaryRegion: `${PROJECT}:primaryRegion`,
  replicaRegions: `${PROJECT}:replicaRegions`,
  uploadStorageClass: `${PROJECT}:uploadStorageClass`,
  lifecycle: `${PROJECT}:lifecycle`,
} as const;
const COMMENT_MARK = " stowage plan";

export interface Decision {
  readonly primaryRegion: string;
  readonly replicaRegions: readonly string[];
  /** The storage class uploads land in. */
  readonly uploadStorageClass: string;
  /** The lifecycle schedule the program applies: transitions by age. */
  readonly lifecycle: readonly { readonly afterDays: number; readonly storageClass: string }[];
  /** ISO date of the decision. */
  readonly date: string;
  readonly reasons: readonly string[];
}

/** Offset of the start of the line holding `offset`. */
function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** Offset just past the newline ending the line that holds `offset` (or the end of the text). */
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf("\n", offset);
  return nl === -1 ? text.length : nl + 1;
}

const keyOf = (p: Pair) => (isScalar(p.key) ? p.key.value : p.key);

function render(d: Decision, indent: string): string {
  const head = `${COMMENT_MARK} ${d.date}: ${d.primaryRegion}${d.replicaRegions.length ? `, replica ${d.replicaRegions.join(", ")}` : ""}`;
  const lines = [`#${head}`, ...d.reasons.map((r) => `# - ${r.replace(/\s+/g, " ")}`)];
  lines.push(`${KEYS.primaryRegion}: ${d.primaryRegion}`);
  lines.push(`${KEYS.replicaRegions}: [${d.replicaRegions.join(", ")}]`);
  lines.push(`${KEYS.uploadStorageClass}: ${d.uploadStorageClass}`);
  if (d.lifecycle.length === 0) lines.push(`${KEYS.lifecycle}: []`);
  else {
    lines.push(`${KEYS.lifecycle}:`);
    for (const t of d.lifecycle) lines.push(`  - { afterDays: ${t.afterDays}, storageClass: ${t.storageClass} }`);
  }
  return lines.map((l) => `${indent}${l}\n`).join("");
}

/**
 * Returns the stack file's text with the decision applied. Pure: text in, text out. The yaml parser only locates
 * things; the edit splices text, so every byte outside Stowage's own keys and comment is kept as it was.
 */
export function applyDecision(text: string, d: Decision): string {
  // A file written on Windows (or by an editor set so) ends its lines in CRLF: the edit works on LF lines and the
  // whole result goes back to the file's own ending, never a mix of both.
  if (!text.includes("\r\n")) return applyDecisionLf(text, d);
  return applyDecisionLf(text.replace(/\r\n/g, "\n"), d).replace(/\n/g, "\r\n");
}

function applyDecisionLf(text: string, d: Decision): string {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const at = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
    throw new UserError(`The stack file is not valid YAML${at}: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`, "Fix the stack file, or move it aside and let Stowage create a new one.");
  }
  const root = doc.contents;
  if (root !== null && !isMap(root)) throw new UserError("The stack file is not a mapping of keys.", "A Pulumi stack file holds `config:` (and optionally `encryptionsalt:`, `secretsprovider:`).");
  const config = root ? (root as YAMLMap).get("config", true) : undefined;
  if (config === undefined || config === null || (isScalar(config) && config.value === null)) {
    // No config yet: append one (replacing an empty `config:` line if there is one).
    const pair = root ? ((root as YAMLMap).items as Pair[]).find((p) => keyOf(p) === "config") : undefined;
    const base = pair && isScalar(pair.key) ? text.slice(0, lineStart(text, pair.key.range![0])) + text.slice(lineEnd(text, pair.key.range![0])) : text;
    const sep = base === "" || base.endsWith("\n") ? "" : "\n";
    return `${base}${sep}config:\n${render(d, "  ")}`;
  }
  if (!isMap(config)) throw new UserError("The stack file's `config` is not a mapping.", "Fix the stack file so `config:` holds key: value pairs.");
  const items = (config as YAMLMap).items as Pair[];
  const ours = new Set<unknown>(Object.values(KEYS));
  const cuts: [number, number][] = [];
  for (const p of items) {
    if (!ours.has(keyOf(p)) || !isScalar(p.key)) continue;
    let from = lineStart(text, p.key.range![0]);
    const valueEnd = (p.value as { range?: [number, number, number] } | null)?.range?.[1] ?? p.key.range![1];
    const to = lineEnd(text, Math.max(valueEnd - 1, p.key.range![0]));
    // Our own comment block ("# stowage plan …" then "# - …" lines) sits right above the key: it goes with it.
    let top = from;
    while (top > 0) {
      const above = lineStart(text, top - 1);
      const line = text.slice(above, top);
      if (/^\s*# - /.test(line)) top = above;
      else {
        if (/^\s*# stowage plan /.test(line)) from = above;
        break;
      }
    }
    cuts.push([from, to]);
  }
  const firstKey = items[0]?.key;
  const indent = isScalar(firstKey) ? text.slice(lineStart(text, firstKey.range![0]), firstKey.range![0]) : "  ";
  let insertAt: number;
  if (cuts.length) insertAt = cuts[0]![0];
  else {
    const last = items.at(-1)!;
    const end = (last.value as { range?: [number, number, number] } | null)?.range?.[1] ?? (last.key as { range: [number, number, number] }).range[1];
    insertAt = lineEnd(text, Math.max(end - 1, 0));
  }
  let out = text;
  for (const [from, to] of [...cuts].sort((a, b) => b[0] - a[0])) out = out.slice(0, from) + out.slice(to);
  const shift = cuts.filter(([from]) => from < insertAt).reduce((s, [from, to]) => s + (to - from), 0);
  const at = insertAt - shift;
  const before = out.slice(0, at);
  return `${before}${before === "" || before.endsWith("\n") ? "" : "\n"}${render(d, indent)}${out.slice(at)}`;
}

export function stackFileName(stack: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UserError(`--stack ${stack} is not a valid stack name.`, "Use letters, digits, '-', '_' or '.', e.g. dev, staging, prod.");
  return `Pulumi.${stack}.yaml`;
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
  if (await lstat(file).then(() => true, () => false)) return null;
  if (!(await lstat(join(dir, "Pulumi.yaml")).then(() => true, () => false))) {
    throw new UserError(
      `No Pulumi.yaml in ${dir}: ${stackFileName(stack)} there would belong to no Pulumi project, and Pulumi would never read it.`,
      "Pass --stack-dir the folder that holds the project's Pulumi.yaml (and its Pulumi.<stack>.yaml files), or create the project there first (`pulumi new`).",
    );
  }
  const names = await readdir(dir).catch(() => [] as string[]);
  const stacks = names.map((n) => /^Pulumi\.(.+)\.ya?ml$/.exec(n)?.[1]).filter((n): n is string => n !== undefined).sort();
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
  if (before && ((before.mode & 0o222) === 0 || (await access(target, constants.W_OK).then(() => false, () => true)))) {
    throw new UserError(`${path} is read-only: not changed.`, `Make it writable (chmod u+w ${path}) to let --write change it, or leave out --write to see the change.`);
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

export function diffText(path: string, before: string, after: string): string {
  return createTwoFilesPatch(path, path, before, after, "current", "with this plan", { context: 2 });
}
