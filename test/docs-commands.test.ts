/**
 * docs/commands.md's command table against the built command: a row for every command `stowage --help` lists, and
 * none for a command it does not (#22 item 10: the table once lacked data, run and access).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = resolve("dist/bundle/cli.js");

/** The command words of a table's rows: "| `stowage data commit|log …` | …" gives "data". */
export const tableCommands = (page: string) => [...new Set([...page.matchAll(/^\| `stowage ([a-z]+)/gm)].map((m) => m[1]!))].sort();
/** The command words of the help's usage lines. */
export const helpCommands = (help: string) => [...new Set([...help.matchAll(/^ {2}stowage ([a-z]+)/gm)].map((m) => m[1]!))].sort();

describe("docs/commands.md's command table", () => {
  it("has a row for every command stowage --help lists, and no other", () => {
    const help = helpCommands(execFileSync(process.execPath, [BIN, "--help"], { encoding: "utf8" }));
    expect(help).toEqual(expect.arrayContaining(["access", "data", "run"]));
    expect(tableCommands(readFileSync("docs/commands.md", "utf8"))).toEqual(help);
  });

  it("would notice a missing row (the check is not empty)", () => {
    const page = "| command | what it does |\n|---|---|\n| `stowage plan --workload W` | x |\n| `stowage data commit\\|log REPO` | y |\n";
    expect(tableCommands(page)).toEqual(["data", "plan"]);
    expect(tableCommands(page)).not.toEqual(helpCommands("Usage:\n  stowage plan --workload W   x\n  stowage run --in R   y\n  stowage data commit   z\n"));
  });
});
