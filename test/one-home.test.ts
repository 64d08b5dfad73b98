/**
 * Each fact has one home, and a second copy fails here: an exit code used as a process exit (core/exit.ts), the
 * required tag list (core/stack/schema.ts), a rule setting's default (DEFAULT_CONFIG, beside the rules), a
 * `stowage:*` stack key (core/stack/). Grep-based: every source file is read as text, comments left out.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../core/exit.js";
import { CONFIG_KEYS, REQUIRED_TAGS } from "../core/stack/schema.js";
import { DEFAULT_CONFIG } from "../infra/policy/rules.js";

const DIRS = ["core", "planner", "infra", "datalayer", "cli", "bench", "scripts"];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** A source's code: comment lines and trailing // comments dropped (a comment may name a key or a code). */
const code = (text: string) => text.replace(/^\s*(?:\/\/|\*|\/\*\*?).*$/gm, "").replace(/\s\/\/ .*$/gm, "");

const CODES = `(?:${[...new Set<number>(Object.values(EXIT))].sort((a, b) => b - a).join("|")})(?!\\d)`;
const quoted = (s: string) => `["'\`]${s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["'\`]`;
const tagList = new RegExp(`\\[\\s*${REQUIRED_TAGS.map(quoted).join("\\s*,\\s*")}\\s*,?\\s*\\]`);
const settings = Object.keys(DEFAULT_CONFIG).join("|");

/** The checks: what a second copy looks like, and the one file (or folder) allowed to hold it. */
const FACTS: readonly { fact: string; home: (file: string) => boolean; re: RegExp }[] = [
  {
    fact: "an exit code used as a process exit",
    home: (f) => f === "core/exit.ts",
    re: new RegExp(`(?:process\\.exit\\(|process\\.exitCode\\s*=)\\s*${CODES}`),
  },
  // Until the rules are split by family (infra/policy/rules.ts → rules/), DEFAULT_CONFIG still spells the list out;
  // the entry below fails once it no longer does, so the exception cannot outlive the copy.
  { fact: "the required tag list", home: (f) => f === "core/stack/schema.ts", re: tagList },
  {
    fact: "a rule setting's default",
    home: (f) => /^infra\/policy\/rules(?:\.ts|\/)/.test(f),
    re: new RegExp(`\\b(?:${settings})\\s*:\\s*\\{[^\\n]*\\bdefault\\s*:(?!\\s*DEFAULT_CONFIG\\b)`),
  },
  { fact: "a stowage:* stack key", home: (f) => f.startsWith("core/stack/"), re: new RegExp(`(?:["'\`]stowage:|\\}:)(?:${CONFIG_KEYS.join("|")})\\b`) },
];

export function copies(files: readonly { file: string; text: string }[]): string[] {
  return FACTS.flatMap(({ fact, home, re }) =>
    files
      .filter(({ file, text }) => !home(file) && re.test(code(text)))
      .map(({ file, text }) => `${file}: ${fact}: ${JSON.stringify(code(text).match(re)![0])}`),
  );
}

const tree = () => DIRS.flatMap(sources).map((file) => ({ file, text: readFileSync(file, "utf8") }));

describe("one home for each fact", () => {
  it("has no second copy of an exit code, the required tags, a rule default or a stack key", () => {
    expect(copies(tree())).toEqual([]);
  });

  it("finds each fact in its home (the patterns match what they guard)", () => {
    const files = tree();
    const at = (f: string) => code(files.find((x) => x.file === f)!.text);
    expect(at("core/stack/schema.ts")).toMatch(FACTS[1]!.re);
    expect(at("core/stack/schema.ts")).toMatch(FACTS[3]!.re);
  });

  it("would notice a second copy", () => {
    const at = (file: string, text: string) => copies([{ file, text }]);
    expect(at("cli/commands/x.ts", "process.exit(4);")).toEqual([`cli/commands/x.ts: an exit code used as a process exit: "process.exit(4"`]);
    expect(at("bench/x.ts", "  process.exitCode = 2;")).not.toEqual([]);
    expect(at("infra/x.ts", 'const TAGS = ["team", "environment", "data-classification", "cost-centre"];')).not.toEqual([]);
    expect(at("infra/policy/pack/x.ts", '    auditReads: { type: "boolean", default: false },')).not.toEqual([]);
    expect(at("planner/x.ts", 'const key = "stowage:replicaRegions";')).not.toEqual([]);
    expect(at("planner/x.ts", "const key = `${NS}:lifecycle`;")).not.toEqual([]);
    // The one copy, used: not a copy.
    expect(at("bench/x.ts", "process.exit(EXIT.OK);")).toEqual([]);
    expect(at("infra/policy/pack/x.ts", '    auditReads: { type: "boolean", default: DEFAULT_CONFIG.auditReads },')).toEqual([]);
    expect(at("cli/commands/x.ts", 'throw new UserError("x", "Add stowage:households: { prefix: uploads/ } to its stack file.");')).toEqual([]);
    expect(at("cli/commands/x.ts", "// the stack's stowage:replicaRegions")).toEqual([]);
  });
});
