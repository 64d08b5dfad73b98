/**
 * Writes a placement decision into a Pulumi stack config file (Pulumi.<stack>.yaml). Only Stowage's own keys
 * change: `stowage:primaryRegion`, `stowage:replicaRegions`, `stowage:uploadStorageClass`, `stowage:lifecycle`, and
 * the comment above them that
 * records the decision's date and reasons. Everything else, comments included, stays byte for byte: the yaml
 * library finds where those keys are, and the edit splices only their lines (its own serialiser would re-space
 * flow lists and inline comments). `decisionText` checks the result with the stack parser before anyone writes it;
 * core/stack/file.ts writes it (atomically).
 */
import { createTwoFilesPatch } from "diff";
import { isMap, isScalar, parseDocument, type Pair, type YAMLMap } from "yaml";
import { ProblemsError, UserError } from "../errors.js";
import type { Transition } from "../storageClasses.js";
import { configOfText } from "./file.js";
import { PLACEMENT_KEYS, stackKey, stackProblems } from "./schema.js";

const KEYS = Object.fromEntries(PLACEMENT_KEYS.map((k) => [k, stackKey(k)])) as Record<(typeof PLACEMENT_KEYS)[number], string>;
const COMMENT_MARK = " stowage plan";

export interface Decision {
  readonly primaryRegion: string;
  readonly replicaRegions: readonly string[];
  /** The storage class uploads land in. */
  readonly uploadStorageClass: string;
  /** The lifecycle schedule the program applies: transitions by age. */
  readonly lifecycle: readonly Transition[];
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
    throw new UserError(
      `The stack file is not valid YAML${at}: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
      "Fix the stack file, or move it aside and let Stowage create a new one.",
    );
  }
  const root = doc.contents;
  if (root !== null && !isMap(root))
    throw new UserError(
      "The stack file is not a mapping of keys.",
      "A Pulumi stack file holds `config:` (and optionally `encryptionsalt:`, `secretsprovider:`).",
    );
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

/**
 * The stack file's text with the decision applied, checked by the stack parser before anything is written: a
 * decision the parser would refuse (a replica listed twice, a schedule S3 refuses) is a ProblemsError naming each
 * key, so `stowage plan --write` and the planner's Apply screen leave the file as it was.
 */
export function decisionText(file: string, before: string, d: Decision): string {
  const after = applyDecision(before, d);
  const problems = stackProblems(configOfText(after, file));
  if (problems.length) {
    throw new ProblemsError(
      `${file}, as this plan would write it,`,
      problems,
      "Nothing was written. Fix the placement (or the stack file's other keys), then plan again.",
    );
  }
  return after;
}

export function diffText(path: string, before: string, after: string): string {
  return createTwoFilesPatch(path, path, before, after, "current", "with this plan", { context: 2 });
}
