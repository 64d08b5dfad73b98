/**
 * docs/layout.md against the tree as it is when the test runs: every top-level folder, and every folder at any depth
 * under the five layers, is described there, and every folder described there exists. The tree is what git would
 * commit (tracked files and untracked ones not ignored), so build output, node_modules and scratch files do not count.
 * A folder marked "(planned)" may be absent; once it exists the mark is stale and the test says so.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const LAYERS = ["core", "planner", "infra", "datalayer", "cli"];

/** The folders a layout block names: a line's first word ending in "/", nested under the line above by two spaces. */
export function describedFolders(page: string): { path: string; planned: boolean }[] {
  const block = /^```\n([\s\S]*?)^```/m.exec(page)?.[1] ?? "";
  const stack: string[] = [];
  const out: { path: string; planned: boolean }[] = [];
  for (const line of block.split("\n")) {
    const m = /^( *)(\S+\/)(?:\s+(.*))?$/.exec(line);
    if (!m || m[1]!.length % 2 !== 0) continue;
    const depth = m[1]!.length / 2;
    if (depth > stack.length) continue; // a continuation line that happens to start with a word ending in "/"
    stack.length = depth;
    stack.push(m[2]!.replace(/\/$/, ""));
    out.push({ path: stack.join("/"), planned: /^\(planned\)/.test(m[3] ?? "") });
  }
  return out;
}

/** The folders the layout must describe: each top-level folder and its parents' chain for nested paths, and every folder under a layer. */
export function foldersToDescribe(files: string[]): string[] {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.split("/").slice(0, -1);
    if (parts.length === 0) continue;
    dirs.add(parts[0]!);
    if (LAYERS.includes(parts[0]!)) for (let i = 2; i <= parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return [...dirs].sort();
}

export function layoutProblems(page: string, files: string[]): string[] {
  const described = describedFolders(page);
  const tree = new Set(foldersToDescribe(files));
  // A folder "exists" if it is one to describe or holds files (data/prices/ is described, but not required).
  const exists = (path: string) => tree.has(path) || files.some((f) => f.startsWith(`${path}/`));
  const names = new Set(described.map((d) => d.path));
  // A described path like data/prices covers its top-level folder too.
  const covered = (dir: string) => names.has(dir) || described.some((d) => d.path.startsWith(`${dir}/`) && !LAYERS.includes(dir));
  return [
    ...[...tree].filter((dir) => !covered(dir)).map((dir) => `${dir}/ exists but docs/layout.md does not describe it`),
    ...described.filter((d) => !d.planned && !exists(d.path)).map((d) => `${d.path}/ is described in docs/layout.md but does not exist`),
    ...described.filter((d) => d.planned && exists(d.path)).map((d) => `${d.path}/ exists: docs/layout.md still calls it "(planned)"`),
  ];
}

const gitFiles = () =>
  execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { encoding: "utf8", maxBuffer: 64 << 20 })
    .split("\0")
    .filter(Boolean);

describe("docs/layout.md", () => {
  it("describes every folder of the tree, and only folders that exist", () => {
    const files = gitFiles();
    expect(files).toContain("core/exit.ts");
    expect(layoutProblems(readFileSync("docs/layout.md", "utf8"), files)).toEqual([]);
  });

  it("would notice a folder it misses, one that is gone, and a stale planned mark (the check is not empty)", () => {
    const page =
      "```\ncore/   what every layer uses\n  cost/  models, and a line that wraps\n         onto/ this one\n  stack/ (planned) soon\nold/    gone\n```\n";
    const files = ["core/a.ts", "core/cost/s3.ts", "core/pricing/x.ts", "core/cost/deep/y.ts", "bench/b.ts"];
    expect(layoutProblems(page, files).sort()).toEqual(
      [
        "bench/ exists but docs/layout.md does not describe it",
        "core/cost/deep/ exists but docs/layout.md does not describe it",
        "core/pricing/ exists but docs/layout.md does not describe it",
        "old/ is described in docs/layout.md but does not exist",
      ].sort(),
    );
    expect(layoutProblems(page, [...files, "core/stack/schema.ts"])).toContain('core/stack/ exists: docs/layout.md still calls it "(planned)"');
    expect(describedFolders(page).map((d) => d.path)).toEqual(["core", "core/cost", "core/stack", "old"]);
  });
});

describe("source files", () => {
  // Past this a file holds more than one concern (issue #23); split it at its seam rather than raise the limit.
  const MAX_LINES = 600;
  it(`are each at most ${MAX_LINES} lines (tests, fixtures and data aside)`, () => {
    const sources = gitFiles().filter((f) => /\.(ts|tsx|mjs)$/.test(f) && !/^(test|data|examples)\//.test(f) && !f.startsWith("node_modules/"));
    expect(sources.length).toBeGreaterThan(100);
    const long = sources.map((f) => ({ f, lines: readFileSync(f, "utf8").split("\n").length - 1 })).filter((x) => x.lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
