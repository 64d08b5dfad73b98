/**
 * The command the README and the workflow use inside the repository starts as fast as the built file: each is
 * taken from the text itself (the README's "Run it as `…`", the workflow's gating steps), run with --help in the
 * repository, alternating with `node <package.json's bin> --help` so both see the same load, and compared as a
 * ratio of medians. `npx stowage` failed this (npm links the package into its npx cache, building it on first use,
 * and reads the dependency tree on every call: seconds against a quarter of one). Nothing may be built either.
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const ROUNDS = 5;
const bin = (JSON.parse(readFileSync("package.json", "utf8")) as { bin: Record<string, string> }).bin.stowage!;

const timed = (script: string) =>
  new Promise<{ ms: number; code: number; stdout: string }>((resolve) => {
    const t0 = process.hrtime.bigint();
    execFile("bash", ["-c", script], { maxBuffer: 16 << 20 }, (err, stdout) =>
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The words before the subcommand in every workflow step that runs policy or estimate. */
function workflowCommands(): string[] {
  const jobs = (parse(readFileSync(".github/workflows/infrastructure.yml", "utf8")) as { jobs: Record<string, { steps: { run?: string }[] }> }).jobs;
  const runs = Object.values(jobs).flatMap((j) => j.steps.map((s) => s.run ?? ""));
  return [...new Set(runs.flatMap((r) => [...r.matchAll(/(?:^|&&|\||;|\()\s*([^|&;()\n]*?)\s+(?:policy|estimate) --stack/gm)].map((m) => m[1]!.trim())))];
}

describe("the command the README and the workflow run in the repository", () => {
  const readme = /Run it as `([^`]+?) …` inside the repository/.exec(readFileSync("README.md", "utf8"))?.[1];
  const commands = [...new Set([readme ?? "(the README names no command)", ...workflowCommands()])];

  it("is named: the README's, and the workflow's gating steps'", () => {
    expect(readme).toBeDefined();
    expect(workflowCommands().length).toBeGreaterThan(0);
  });

  // Sized for `npx stowage` at its worst (a first use builds the project), so that it fails on the ratio, not on time.
  it.each(commands)(
    "%s starts as fast as the built file and builds nothing",
    async (command) => {
      const builtAt = statSync(bin).mtimeMs;
      const theirs: number[] = [];
      const built: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const a = await timed(`${command} --help`);
        expect(a.code).toBe(0);
        expect(a.stdout).toMatch(/^stowage — plan where/);
        theirs.push(a.ms);
        built.push((await timed(`node ${bin} --help`)).ms);
      }
      // Generous: the same file through bash is ~1×; npx in the repository was over 10×.
      expect(median(theirs) / median(built), `${command}: ${theirs.map(Math.round)} ms against ${built.map(Math.round)} ms`).toBeLessThan(2);
      expect(statSync(bin).mtimeMs).toBe(builtAt);
    },
    900_000,
  );
});
