/**
 * Every exit code is stated once, in core/exit.ts: `stowage --help` and the table in docs/commands.md list exactly its codes,
 * and no command module carries a second copy of one of its numbers (a `return 4`, an `exits 5` in a help text, a
 * local `const X = 3`). Grep-based: the command code is read as text.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, EXIT_CODES } from "../core/exit.js";

const BIN = resolve("dist/bundle/cli.js");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

/**
 * The command code: everything under cli/, and every module below it that builds a command's report (`*command*`,
 * `*report*`) or uses an exit code at all (imports core/exit.ts).
 */
const commandFiles = () => [
  ...sources("cli"),
  ...["core", "planner", "infra", "datalayer"]
    .flatMap(sources)
    .filter((f) => f !== join("core", "exit.ts") && (/command|report/i.test(f) || readFileSync(f, "utf8").includes("core/exit.js"))),
];

// Every code, longest first, as whole numbers (130 is a code; 13 is not).
const CODES = `(?:${[...new Set<number>(Object.values(EXIT))].sort((a, b) => b - a).join("|")})(?!\\d)`;
const COPIES: readonly { why: string; re: RegExp }[] = [
  { why: "an exit code returned as a number", re: new RegExp(`\\breturn\\s+(?:[^;?]*\\?\\s*)?${CODES}\\s*(?:;|:)`) },
  { why: "an exit code chosen as a number", re: new RegExp(`\\?\\s*(?:[A-Za-z_.]+|${CODES})\\s*:\\s*${CODES}\\s*;`) },
  {
    why: "an exit code given to UserError or process.exit as a number",
    re: new RegExp(`(?:UserError\\([^;]*,|process\\.exit\\(|exitCode\\s*=)\\s*${CODES}\\s*\\)?;`),
  },
  { why: "an exit-code constant of its own", re: new RegExp(`const\\s+[A-Z_]*(?:EXIT|FAIL|VIOLATION|BUDGET|FEASIBLE)[A-Z_]*\\s*=\\s*${CODES}\\s*;`) },
  { why: "an exit code written into a text", re: new RegExp(`\\b(?:exits?|exit codes?:?|exit code)\\s+${CODES}\\b`, "i") },
  { why: "an exit code written into a text", re: new RegExp(`Exit codes:[^\`]*?(?:^|[\\s,;])${CODES}\\s+[a-z]`, "im") },
];

/** Where a text carries a second copy of an exit code; `${EXIT.X}` and `${...}` interpolations are the one copy. */
export function copiesIn(text: string): string[] {
  const plain = text.replace(/\$\{[^}]*\}/g, "«»").replace(/^\s*(?:\/\/|\*|\/\*\*).*$/gm, "");
  return COPIES.flatMap(({ why, re }) => {
    const m = plain.match(re);
    return m ? [`${why}: ${JSON.stringify(m[0].slice(0, 80))}`] : [];
  });
}

describe("exit codes", () => {
  it("are listed, each once, by stowage --help", () => {
    const help = execFileSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
    const listed = [...help.slice(help.indexOf("Exit codes:")).matchAll(/^ {2}(\d+) {2}(.+)$/gm)].map((m) => ({ code: Number(m[1]), meaning: m[2] }));
    expect(listed).toEqual(EXIT_CODES);
  });

  it("are the table in docs/commands.md, row for row", () => {
    const page = readFileSync("docs/commands.md", "utf8");
    const table = page.slice(page.indexOf("| code | meaning |"));
    const rows = [...table.split("\n\n")[0]!.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => ({ code: Number(m[1]), meaning: m[2] }));
    expect(rows).toEqual(EXIT_CODES);
  });

  it("are the only codes the README and docs/ name", () => {
    const pages = [
      "README.md",
      ...readdirSync("docs")
        .filter((f) => f.endsWith(".md"))
        .map((f) => join("docs", f)),
    ];
    expect(pages).toContain("docs/use.md");
    for (const page of pages)
      for (const m of readFileSync(page, "utf8").matchAll(/exit(?: code)? (\d+)/g))
        expect(
          EXIT_CODES.map((e) => e.code),
          `${page}: ${m[0]}`,
        ).toContain(Number(m[1]));
  });

  it("are every code the commands return, and each is named in core/exit.ts only", () => {
    expect(EXIT_CODES.map((e) => e.code)).toEqual([...new Set<number>(Object.values(EXIT))].sort((a, b) => a - b));
    const found = commandFiles().flatMap((f) => copiesIn(readFileSync(f, "utf8")).map((c) => `${f}: ${c}`));
    expect(found).toEqual([]);
  });

  it("would notice a second copy (the check is not empty)", () => {
    expect(commandFiles()).toContain("cli/commands/plan.ts");
    expect(commandFiles()).toContain("infra/estimateReport.ts");
    expect(commandFiles()).toContain("planner/placement/report.ts");
    for (const copy of [
      "  return result.ok ? 0 : 3;",
      "return 6;",
      "return failed(report) ? VERIFY_FAILED : 0;",
      "export const OVER_BUDGET = 5;",
      "throw new UserError(`x`, undefined, 4);",
      "--budget exits 5 when the total is over.",
      "Exit codes: 0 done, 2 bad input.",
      "Exit codes: ${EXIT.OK} a recommendation, ${EXIT.USER} bad input,\n3 no region.",
    ])
      expect(copiesIn(copy), copy).not.toEqual([]);
    expect(copiesIn("Exit codes: ${EXIT.OK} done, ${EXIT.USER} bad input.")).toEqual([]);
  });
});
