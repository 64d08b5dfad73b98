/**
 * `stowage estimate --program` on a foreign program, and the faults of #22 item 10, through the built command.
 * Figures are computed by hand from the shipped snapshot's prices (data/prices, US East (Ohio)), never from the code.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../core/exit.js";

const PROGRAM = "test/fixtures/programs/estimate-volumes";
const USAGE = join(PROGRAM, "usage.yaml");

const run = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile("node", ["dist/bundle/cli.js", "estimate", ...args], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

/** One `stowage estimate --json` output of the fixture program: the base of the comparisons below. */
async function baseOf(dir: string, extra: object = {}): Promise<string> {
  const r = await run("--program", PROGRAM, "--usage", USAGE, "--json");
  expect(r.code).toBe(EXIT.OK);
  const file = join(dir, "base.json");
  writeFileSync(file, JSON.stringify({ ...JSON.parse(r.stdout), ...extra }));
  return file;
}

describe("stowage estimate --program", () => {
  it("prices a gp3 volume and a bucket, and reports a `standard` volume unpriced, never as gp3", async () => {
    const r = await run("--program", PROGRAM, "--usage", USAGE, "--json");
    expect(r.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    expect(r.code).toBe(EXIT.OK);
    const e = JSON.parse(r.stdout);
    const byName = Object.fromEntries(e.resources.map((x: { name: string }) => [x.name, x]));
    // gp3 in us-east-2: 100 GB × $0.08 = $8.00; 3,000 IOPS and 125 MiB/s are included (0 above them); no snapshots.
    expect(byName.fast).toMatchObject({ monthlyCost: "8", complete: true });
    expect(byName.fast.lines.map((l: { name: string; cost: string }) => [l.name, l.cost])).toEqual([
      ["Storage (gp3, 1 volume)", "8"],
      ["Provisioned IOPS above 3,000 (gp3, 1 volume)", "0"],
      ["Provisioned throughput above 125 MiB/s (gp3, 1 volume)", "0"],
      ["Snapshots", "0"],
    ]);
    // The bucket (no region of its own: the project's aws:region, us-east-2), the same every month: 100 GB × $0.023
    // = $2.30; 10,000 PUTs × $0.000005 = $0.05; 100,000 GETs × $0.0000004 = $0.04; no egress. $2.39 a month.
    expect(byName.archive).toMatchObject({ monthlyCost: "2.39", complete: true });
    // Magnetic volumes also bill I/O requests, which no model counts: not priced, no gp3 price anywhere.
    expect(byName.magnetic).toMatchObject({ monthlyCost: "0", complete: false, lines: [], note: expect.stringMatching(/^not priced: volume type standard/) });
    // $8.00 + $2.39, by hand; the standard volume adds nothing and makes the total a lower bound.
    expect(e).toMatchObject({ stack: "estimate-volumes", total: "10.39", complete: false });

    const text = await run("--program", PROGRAM, "--usage", USAGE);
    expect(text.stdout).toMatch(/^magnetic +Volume +not priced: volume type standard$/m);
    expect(text.stdout).toMatch(/^fast +Volume +\$8\.00$/m);
    const over = await run("--program", PROGRAM, "--usage", USAGE, "--budget", "10");
    expect(over.code).toBe(EXIT.OVER_BUDGET);
  }, 120_000);

  it("says which usage is missing when no usage file is given, instead of printing the total as the cost", async () => {
    const r = await run("--program", PROGRAM);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(
      /^No usage file given \(--usage FILE\): buckets\.archive has no usage, so its lines show unit prices and the \$8\.00 above counts nothing for it\. Give --usage FILE/m,
    );
    const json = JSON.parse((await run("--program", PROGRAM, "--json")).stdout);
    expect(json).toMatchObject({ usageGiven: false, withoutUsage: ["buckets.archive"], total: "8" });
  }, 60_000);

  it("refuses a program that does not exist or fails, exit 2 naming it and where, without a stack trace", async () => {
    const r = await run("--program", "test/fixtures/programs/nowhere.ts");
    expect(r.code).toBe(EXIT.USER);
    expect(r.stderr).toMatch(/--program test\/fixtures\/programs\/nowhere\.ts: no such file or folder/);
    const broken = await run("--program", "test/fixtures/programs/broken/index.ts");
    expect(broken.code).toBe(EXIT.USER);
    expect(broken.stderr).toMatch(
      /The program test\/fixtures\/programs\/broken\/index\.ts failed at test\/fixtures\/programs\/broken\/index\.ts:5:\d+: .*domain/,
    );
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe("stowage estimate --compare-to", () => {
  it("refuses a malformed base in one line naming the file and what was expected, exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-estimate-base-"));
    const cases: [string, RegExp][] = [
      ['{"x": 1', /^stowage: The base estimate \S+ is not JSON \(.*\)\.$/m],
      [
        '{"stack": "dev", "resources": [{"type": "t", "name": 3, "monthlyCost": "1"}]}',
        /^stowage: The base estimate \S+ is not an estimate: resources\[0\]\.name: .*\(got 3\); expected the output of `stowage estimate --json`\.$/m,
      ],
      ['{"stack": "dev", "resources": [{"type": "t", "name": "n", "monthlyCost": 1}]}', /resources\[0\]\.monthlyCost: .*\(got 1\)/],
      ["[]", /is not an estimate: /],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, "bad.json");
      writeFileSync(file, text);
      const r = await run("--program", PROGRAM, "--compare-to", file);
      expect(r.code, text).toBe(EXIT.USER);
      expect(r.stderr, text).toMatch(message);
      expect(r.stderr, text).not.toMatch(/DecimalError|SyntaxError|at .*\.js:\d+/);
    }
  }, 120_000);

  it("names a missing file and a folder in words (core/errors.ts fileError), not errno text", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-estimate-base-"));
    const missing = await run("--program", PROGRAM, "--compare-to", join(dir, "none.json"));
    expect(missing.code).toBe(EXIT.USER);
    expect(missing.stderr).toMatch(/Cannot read the base estimate \S+none\.json: it does not exist/);
    const folder = await run("--program", PROGRAM, "--compare-to", dir);
    expect(folder.code).toBe(EXIT.USER);
    expect(folder.stderr).toMatch(/Cannot read the base estimate \S+: it is a folder, not a file\./);
    expect(`${missing.stderr}${folder.stderr}`).not.toMatch(/ENOENT|EISDIR/);
  }, 60_000);

  it("warns on stderr naming both stacks when the base is another stack's; none for the same stack", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-estimate-base-"));
    const same = await run("--program", PROGRAM, "--usage", USAGE, "--compare-to", await baseOf(dir));
    expect(same.code).toBe(EXIT.OK);
    expect(same.stderr).not.toMatch(/comparing/);
    expect(same.stdout).toMatch(/^no change$/m);
    const other = await run("--program", PROGRAM, "--usage", USAGE, "--compare-to", await baseOf(dir, { stack: "prod" }));
    expect(other.code).toBe(EXIT.OK);
    expect(other.stderr).toMatch(/^stowage: warning: comparing the estimate of stack estimate-volumes with a base estimate of stack prod \(\S+base\.json\)/m);
  }, 120_000);
});

describe("the JSON files other commands wrote (policy --export, verify --outputs)", () => {
  const stowage = (...args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile("node", ["dist/bundle/cli.js", ...args], (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }));
    });

  it("are named with their problem in words when missing, a folder or not JSON: exit 2, no errno text", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-json-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    for (const [flag, what, args] of [
      ["--export", "stack export", ["policy"]],
      ["--outputs", "stack outputs", ["verify"]],
    ] as const) {
      const missing = await stowage(...args, flag, join(dir, "none.json"));
      expect(missing.code, flag).toBe(EXIT.USER);
      expect(missing.stderr, flag).toMatch(new RegExp(`Cannot read the ${what} \\S+none\\.json: it does not exist`));
      const folder = await stowage(...args, flag, dir);
      expect(folder.code, flag).toBe(EXIT.USER);
      expect(folder.stderr, flag).toMatch(new RegExp(`Cannot read the ${what} \\S+: it is a folder, not a file\\.`));
      const notJson = await stowage(...args, flag, bad);
      expect(notJson.code, flag).toBe(EXIT.USER);
      expect(notJson.stderr, flag).toMatch(new RegExp(`The ${what} \\S+bad\\.json is not JSON \\(`));
      expect(`${missing.stderr}${folder.stderr}`, flag).not.toMatch(/ENOENT|EISDIR|illegal operation/);
    }
  }, 60_000);
});
