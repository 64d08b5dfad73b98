/**
 * The last newcomer sweep (#22 item 10), each defect through the built command: what a user reads when a value,
 * an option, a base file or a missing file is not what the command expects.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = resolve("dist/bundle/cli.js");

function stowage(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function expectUserError(r: Run, message: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

const tmp = () => mkdtemp(join(tmpdir(), "stowage-newcomer-"));

describe("values and options a newcomer gets wrong", () => {
  it("names .inf as Infinity and asks for a finite number", async () => {
    const dir = await tmp();
    const workload = (await readFile("examples/workload.yaml", "utf8")).replace(/initial_gb: \d+/, "initial_gb: .inf");
    await writeFile(join(dir, "w.yaml"), workload);
    const r = await stowage("cost", "--workload", join(dir, "w.yaml"));
    expectUserError(r, /data\.initial_gb: must be a finite number \(got Infinity\)/);
    expect(r.stderr).not.toMatch(/got null/);
  });

  it("says an unknown option with balanced quotes", async () => {
    for (const args of [
      ["cost", "--workload", "examples/workload.yaml", "--bogus"],
      ["data", "log", "--bogus"],
    ]) {
      const r = await stowage(...args);
      expectUserError(r, /Unknown option '--bogus'/);
      const first = r.stderr.split("\n")[0]!;
      expect(first.split("'").length % 2, first).toBe(1);
      expect(first.split('"').length % 2, first).toBe(1);
    }
  });
});
