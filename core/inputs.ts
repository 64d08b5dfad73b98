/**
 * Reading the YAML files users write (workload, users, usage) and reporting what is wrong with them, one way for
 * all: every problem names the key (`data.initial_gb`, `populations[0].place`) and, where known, the bad value.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { FAILSAFE_SCHEMA, Type, load } from "js-yaml";
import type * as Yaml from "yaml";
// zod/mini, not "zod": the same validation core and messages without the classic API's method chains, which load
// ~450 KB (every locale) where this needs ~25 KB. Schemas of either kind validate here (both are core schemas).
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { ProblemsError, UserError, fileError, fileProblem } from "./errors.js";

// English messages: classic zod sets them when it loads; a command that loads only zod/mini must set them itself.
// Every file is validated once per run. Zod's JIT generates and compiles a parser per object schema on first use,
// which costs more than it saves here: the workload and users files validate in ~12 ms instead of ~20 ms cold.
z.config({ ...en(), jitless: true });

/** `["data", "initial_gb"]` → "data.initial_gb"; `["lifecycle", 0, "class"]` → "lifecycle[0].class". */
export function keyName(path: readonly PropertyKey[], prefix = ""): string {
  const key = path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("");
  return prefix ? `${prefix}${key}` : key || "(top level)";
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value); // JSON would say null
  return JSON.stringify(value) ?? String(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** One schema issue as "key: message", with " (got value)" when the raw input is given. */
export function issueProblem(issue: z.core.$ZodIssue, opts: { prefix?: string; raw?: unknown } = {}): string {
  const key = keyName(issue.path, opts.prefix);
  if (issue.code === "unrecognized_keys") return `${key}: unknown key ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  const value = "raw" in opts ? valueAt(opts.raw, issue.path) : undefined;
  const got = "raw" in opts ? ` (got ${describeValue(value)})` : "";
  // YAML's .inf and .nan parse to numbers that every numeric key refuses; zod calls them "expected number".
  if (typeof value === "number" && !Number.isFinite(value)) return `${key}: must be a finite number${got}`;
  return `${key}: ${issue.message}${got}`;
}

/**
 * Every problem of a file in one pass: the schema's, each with its key and the value given, and the cross-key
 * rules' too. When some keys are bad, the cross-key rules still run on the others: each bad top-level key stands at
 * its default where it has one, and is absent where it has none; a rule that needs an absent key cannot run, and
 * then only the problems found so far are reported.
 */
export function validateAll<S extends z.core.$ZodObject>(
  schema: S,
  raw: unknown,
  crossKey: (data: z.infer<S>) => readonly string[],
  opts: { prefix?: string } = {},
): { data: z.infer<S> | null; problems: string[] } {
  const full = z.safeParse(schema, raw);
  if (full.success) return { data: full.data, problems: [...crossKey(full.data)] };
  const problems = full.error.issues.map((issue) => issueProblem(issue, { ...opts, raw }));
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { data: null, problems };
  const partial = Object.fromEntries(
    Object.entries(schema._zod.def.shape as Record<string, z.core.$ZodType>).flatMap(([key, field]) => {
      const own = z.safeParse(field, (raw as Record<string, unknown>)[key]);
      const fallback = own.success ? own : z.safeParse(field, undefined);
      return fallback.success ? [[key, fallback.data]] : [];
    }),
  ) as z.infer<S>;
  try {
    for (const p of crossKey(partial)) if (!problems.includes(p)) problems.push(p);
  } catch {
    // a rule needed a key that is bad and has no default: the schema's problems say what to fix first
  }
  return { data: null, problems };
}

/** Every problem of a file in one error, with the example that documents its keys. */
export function problemsError(source: string, problems: readonly string[], example: string): ProblemsError {
  return new ProblemsError(source, problems, `Fix the keys above; ${example} documents every key.`);
}

/**
 * YAML 1.2's core schema (null, booleans, integers, floats) as the yaml package resolves plain scalars, for js-yaml:
 * the same patterns and the same conversions (parseInt, parseFloat), so both read a document to the same value.
 */
const scalar = (tag: string, test: RegExp, construct: (s: string) => unknown) =>
  new Type(`tag:yaml.org,2002:${tag}`, { kind: "scalar", resolve: (s) => typeof s === "string" && test.test(s), construct: (s) => construct(s as string) });
const CORE = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar("null", /^(?:~|[Nn]ull|NULL)?$/, () => null),
    scalar("bool", /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === "t" || s[0] === "T"),
    scalar("int", /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/, (s) =>
      s.startsWith("0o") ? parseInt(s.slice(2), 8) : s.startsWith("0x") ? parseInt(s.slice(2), 16) : parseInt(s, 10),
    ),
    scalar("float", /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/, (s) =>
      /nan$/i.test(s) ? NaN : /inf$/i.test(s) ? (s[0] === "-" ? -Infinity : Infinity) : parseFloat(s),
    ),
  ],
});

/** An explicit tag (`!!float 1`): yaml and js-yaml resolve a value that does not match its tag differently. */
const TAG = /(?:^|[\s[{,])!/m;

/** A key that is a collection (`? [a]`, `[a]: 1`): yaml writes it as YAML ("[ a ]"), js-yaml as String() does. */
const COLLECTION_KEY = /(?:^|[\s[{,])\?(?:\s|$)|[\]}][ \t]*:/m;

/**
 * A sequence entry with nothing on its line but a comment: js-yaml 4.3 reads the next, shallower entry into a
 * sequence nested there (`-\n    - #x\n  - 1` is [[null], 1], js-yaml makes it [[null, 1]]).
 */
const BARE_ENTRY = /(?:^|\s)-[ \t]*(?:#.*)?$/m;

/** A key that is null in YAML (`~:`, `null:` or nothing before the colon): yaml names it "", js-yaml "null". */
const NULL_KEY = /(?:^|[\s{,?-])(?:~|[Nn]ull|NULL)?[ \t]*:(?:\s|$)/m;

/**
 * The files users write (workload, users, usage), read by js-yaml when that gives what the yaml package gives, and by
 * yaml otherwise. js-yaml reads a workload in ~3 ms where yaml's loading and document model take ~13, most of what
 * `stowage cost` spent on its input (npm run bench). Only documents both read to the same value take the quick path:
 * none with a directive (%YAML 1.1 changes the schema), a tag, a null or collection key, an entry with nothing on
 * its line, or an anchor (yaml limits how far aliases may expand, as a YAML bomb needs), and none js-yaml refuses, so
 * every error and its position is still yaml's. test/yaml-quick.test.ts holds the two equal on random documents.
 */
export function quickYaml(text: string): { value: unknown } | null {
  if (/^%/m.test(text) || TAG.test(text) || NULL_KEY.test(text) || COLLECTION_KEY.test(text) || BARE_ENTRY.test(text)) return null;
  let anchored = false;
  try {
    // A collection's anchor shows at its first child's open, a scalar's at its close: any seen means yaml reads it.
    const value = load(text, { schema: CORE, listener: (_event, state) => (anchored ||= typeof state.anchor === "string") });
    return anchored ? null : { value: value ?? null }; // an empty document: yaml gives null, js-yaml undefined
  } catch {
    return null;
  }
}

type YamlApi = Pick<typeof Yaml, "parse" | "YAMLParseError">;

/**
 * The yaml package, loaded when a document needs it (`stowage cost`'s bundle leaves it out: scripts/bundle.mjs). It
 * is CommonJS: a bundle's import() gives its exports as the default, Node's as both.
 */
export async function yamlModule(): Promise<YamlApi> {
  const yaml = (await import("yaml")) as YamlApi & { default?: YamlApi };
  return yaml.default ?? yaml;
}

/**
 * Parses YAML text from `path` with the yaml package (its module is the caller's to load: the quick path above
 * leaves it unloaded); bad syntax is the user's to fix and is named as path:line:column, as compilers and editors
 * do, so a terminal can jump to it.
 */
export function parseYamlText(text: string, path: string, yaml: YamlApi): unknown {
  try {
    return yaml.parse(text);
  } catch (err) {
    // The yaml library refuses a document whose aliases would expand past its limit (a "billion laughs" bomb).
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new UserError(
        `${path}: not valid YAML here: it has too many aliases (*name) for its size, as a YAML bomb does.`,
        "Write the values out, or use fewer aliases.",
      );
    }
    if (!(err instanceof yaml.YAMLParseError)) throw err;
    const at = err.linePos ? `:${err.linePos[0].line}:${err.linePos[0].col}` : "";
    throw new UserError(
      `${path}${at}: not valid YAML: ${err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
      "Fix the YAML syntax there and run again.",
    );
  }
}

/** Reads and parses a YAML file; a missing file is the user's to fix, named with the flag to use. */
export async function readYamlFile(path: string, what: string, flag: string, example: string): Promise<unknown> {
  let text: string;
  try {
    // Synchronously: one small file, read before anything else can run, without a wait for libuv's thread pool.
    text = readFileSync(path, "utf8");
  } catch (err) {
    const problem = fileProblem(err);
    if (!problem) throw err;
    throw new UserError(`Cannot read the ${what} ${path}: ${problem}.`, `Pass a readable file with ${flag}, e.g. ${example}.`);
  }
  const quick = quickYaml(text);
  return quick ? quick.value : parseYamlText(text, path, await yamlModule());
}

/**
 * Reads and parses a JSON file another command wrote (a base estimate, a stack export, stack outputs): a file that
 * cannot be read is named with its problem in words (fileError), one that is not JSON with the parser's first line.
 */
export async function readJsonFile(path: string, what: string, tryMessage: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw fileError(err, `read the ${what}`, path, tryMessage);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`The ${what} ${path} is not JSON (${(err as Error).message.split("\n")[0]}).`, tryMessage);
  }
}
