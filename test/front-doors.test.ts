/**
 * The defects a newcomer met first, each through the built command as it is really called: the bin through a
 * symlink, a stack file written in place, endpoints that never answer, a closed pipe, typos in a usage file, and bad
 * YAML given to every command that reads YAML.
 */
import { execFile, spawn } from "node:child_process";
import { chmod, lstat, mkdtemp, readFile, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { estimate } from "../core/cost/horizon.js";
import { render } from "../cli/render/cost.js";
import { parseWorkload } from "../core/cost/workload.js";
import { shippedSnapshot } from "./support/snapshot.js";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { parse } from "yaml";

// Sized to the work: each test runs the built command up to five times, some a mock Pulumi program (estimate,
// policy). Beside stress-ng at load 18 one took 46 s and another 25 s, against the suite's 30 s default.
vi.setConfig({ testTimeout: 120_000 });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

const BIN = resolve("dist/bundle/cli.js");

function stowage(args: string[], opts: { env?: NodeJS.ProcessEnv; bin?: string } = {}): Promise<Run> {
  const t0 = performance.now();
  return new Promise((done) => {
    execFile(opts.bin ?? process.execPath, opts.bin ? args : [BIN, ...args], { env: opts.env ?? process.env, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: performance.now() - t0 }),
    );
  });
}

function expectUserError(r: Run, message: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

describe("the stowage bin", () => {
  it("runs through a symlink named stowage, as npm installs it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-bin-"));
    await symlink(BIN, join(dir, "stowage"));
    const help = await stowage(["--help"], { bin: join(dir, "stowage") });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^stowage — plan where/);
    const version = await stowage(["--version"], { bin: join(dir, "stowage") });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
  });

  it("reports a bug in one line, and its stack only with STOWAGE_DEBUG=1", async () => {
    // Any error that is not a UserError is a bug in Stowage.
    const { reportError } = await import("../cli/index.js");
    const writes: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => writes.push(s) > 0) as typeof process.stderr.write;
    try {
      expect(reportError(new TypeError("x is not a function"), {})).toBe(1);
      expect(reportError(new TypeError("x is not a function"), { STOWAGE_DEBUG: "1" })).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    expect(writes[0]).toBe(
      "stowage: internal error: x is not a function. This is a bug in Stowage; please report it with the command you ran (STOWAGE_DEBUG=1 shows where it happened).\n",
    );
    expect(writes[1]).toMatch(/^stowage: internal error: x is not a function\. .*\nTypeError: x is not a function\n\s+at /);
  });

  it("ends quietly when the reader of its output goes away (| head)", async () => {
    const r = await new Promise<{ code: number | null; stderr: string; lines: number }>((done) => {
      // Prices counted fresh for this test, so stderr has nothing but what the broken pipe would cause.
      const env = { ...process.env, STOWAGE_PRICE_MAX_AGE_DAYS: "100000" };
      const child = spawn(process.execPath, [BIN, "cost", "--workload", "examples/workload.yaml", "--json"], { stdio: ["ignore", "pipe", "pipe"], env });
      let stderr = "";
      let lines = 0;
      child.stderr.on("data", (d) => (stderr += d));
      // Read one chunk, then close the pipe, as `head -1` does.
      child.stdout.once("data", (d: Buffer) => {
        lines = d.toString().split("\n").length;
        child.stdout.destroy();
      });
      child.on("close", (code) => done({ code, stderr, lines }));
    });
    expect(r.lines).toBeGreaterThan(0);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("stowage plan --write", () => {
  const plan = (dir: string) =>
    stowage(["plan", "--workload", "examples/workload.yaml", "--users", "examples/users.yaml", "--offline", "--stack", "prod", "--stack-dir", dir, "--write"]);

  it("writes into the file: its mode stays, and a symlink stays a symlink to the file it names", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-write-"));
    const real = join(dir, "stacks", "Pulumi.prod.yaml");
    await import("node:fs/promises").then((fs) => fs.mkdir(join(dir, "stacks")));
    await writeFile(real, "config:\n  aws:region: us-east-2\n  stowage:secret:\n    secure: AAABAKc=\n");
    await chmod(real, 0o600);
    await symlink(join("stacks", "Pulumi.prod.yaml"), join(dir, "Pulumi.prod.yaml"));
    const before = await stat(real);
    const r = await plan(dir);
    expect(r.code, r.stderr).toBe(0);
    expect((await lstat(join(dir, "Pulumi.prod.yaml"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, "Pulumi.prod.yaml"))).toBe(join("stacks", "Pulumi.prod.yaml"));
    const after = await stat(real);
    expect(after.mode & 0o777).toBe(0o600);
    expect([after.uid, after.gid]).toEqual([before.uid, before.gid]);
    const text = await readFile(real, "utf8");
    expect(text).toContain("stowage:primaryRegion: us-east-2");
    expect(text).toContain("secure: AAABAKc=");
  });
});

describe("endpoints that accept a connection and never answer", () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });
  const blackHole = () =>
    new Promise<string>((done) => {
      server = createServer((s) => sockets.push(s)); // accepts, reads nothing, answers nothing
      server.listen(0, "127.0.0.1", () => done(`http://127.0.0.1:${(server!.address() as { port: number }).port}`));
    });
  const credentials = { ...process.env, AWS_ACCESS_KEY_ID: "AKIDSTOWAGETEST", AWS_SECRET_ACCESS_KEY: "test-secret", AWS_EC2_METADATA_DISABLED: "true" };

  // Each bound is the command's deadline on top of a reference measured now: the same command, refused before it
  // sends anything, so it pays the same start-up and SDK import under the same load; and twice that again for the
  // work the reference skips (a fixed 1.5 s allowance for start-up failed beside stress-ng, and so did once more).
  const noCredentials = { ...credentials, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined, HOME: tmpdir() };

  it("end stowage verify within its timeout, exit 2 naming the endpoint", async () => {
    const endpoint = await blackHole();
    const args = ["verify", "--endpoint", endpoint, "--bucket", "b", "--timeout", "300"];
    const ref = await stowage(args, { env: noCredentials });
    expectUserError(ref, /No AWS credentials found/);
    const r = await stowage(args, { env: credentials });
    expectUserError(r, new RegExp(`${endpoint.replace(/[.]/g, "\\.")}`));
    expect(r.ms - ref.ms, `${Math.round(r.ms)} ms against ${Math.round(ref.ms)} ms refused at once`).toBeLessThan(10 * 300 + 2 * ref.ms); // the run's deadline: 10 × --timeout
  });

  it("end stowage pricing refresh within its timeout, exit 2 naming the endpoint, the snapshot untouched", async () => {
    const endpoint = await blackHole();
    const dir = await mkdtemp(join(tmpdir(), "stowage-prices-"));
    const args = ["pricing", "refresh", "--prices", dir, "--service", "AmazonS3", "--timeout", "300"];
    const env = { ...credentials, AWS_ENDPOINT_URL_PRICING: endpoint };
    const ref = await stowage([...args, "--region", "moon-1"], { env });
    expect(ref.code, ref.stderr).toBe(2);
    const r = await stowage([...args, "--region", "us-east-1"], { env });
    expectUserError(r, new RegExp(`${endpoint.replace(/[.]/g, "\\.")}|TimeoutError`));
    expect(r.stderr).toMatch(/snapshot was not changed|nothing was written/);
    expect(r.ms - ref.ms, `${Math.round(r.ms)} ms against ${Math.round(ref.ms)} ms refused at once`).toBeLessThan(300 + 2 * ref.ms); // --timeout is the whole refresh's deadline
  });
});

describe("stowage estimate with a usage file", () => {
  it("refuses usage for a bucket the stack does not have, naming the stack's buckets", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-usage-"));
    await writeFile(join(dir, "usage.yaml"), "buckets:\n  imgaes:\n    initial_gb: 1000\n");
    const r = await stowage(["estimate", "--stack", "prod", "--usage", join(dir, "usage.yaml"), "--budget", "1"]);
    expectUserError(r, /does not have: buckets\.imgaes\.\nUse the stack's bucket names: logs, images, claims, /);
  });
});

describe("the usage file's words", () => {
  it("are the workload file's; an earlier name is refused with the new one, and requests go in pairs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-usage-"));
    await writeFile(
      join(dir, "usage.yaml"),
      "buckets:\n  images:\n    storage_gb: 1000\n    monthly_tier_1_requests: 5\n  claims:\n    initial_gb: 5\n    monthly_writes: 10\n",
    );
    const r = await stowage(["estimate", "--stack", "prod", "--usage", join(dir, "usage.yaml")]);
    expectUserError(r, /buckets\.images: unknown key "storage_gb" \(now initial_gb, as in the workload file\)/);
    expect(r.stderr).toMatch(/"monthly_tier_1_requests" \(now monthly_writes, as in the workload file\)/);
    expect(r.stderr).toMatch(/buckets\.claims: monthly_writes and monthly_reads go together/);
  });
});

describe("bad YAML, in every command that reads YAML: exit 2 with file:line:column", () => {
  it.each([
    ["cost --workload", (f: string) => ["cost", "--workload", f]],
    ["plan --workload", (f: string) => ["plan", "--workload", f, "--users", "examples/users.yaml", "--offline"]],
    ["plan --users", (f: string) => ["plan", "--workload", "examples/workload.yaml", "--users", f, "--offline"]],
    ["estimate --usage", (f: string) => ["estimate", "--stack", "prod", "--usage", f]],
  ])("%s", async (_, args) => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-yaml-"));
    const file = join(dir, "broken.yaml");
    await writeFile(file, "a: 1\nb: [1, 2\nc: 3\n");
    expectUserError(await stowage(args(file)), new RegExp(`${file.replace(/[.]/g, "\\.")}:\\d+:\\d+: not valid YAML: `));
  });
});

describe("stowage cost's table", () => {
  it("says how many crossings it leaves out", async () => {
    const { catalog, asOf } = await shippedSnapshot();
    const report = estimate(parseWorkload(parse(readFileSync("examples/workload.yaml", "utf8"))), catalog, asOf);
    const many = { ...report, crossings: Array.from({ length: 13 }, (_, i) => ({ month: i + 2, cheaper: "ebs", dearer: "s3-standard" })) };
    const text = render(many as typeof report, "table", []);
    expect(text.match(/becomes cheaper than/g)).toHaveLength(10);
    expect(text).toContain("… and 3 more crossings (all of them: --format json).");
  });
});

describe("prices past their age", () => {
  it("are flagged in every report that uses them, and pricing show gives each answer's age and each region's coverage", async () => {
    // The shipped prices are AWS's feeds of 2024 and 2025: past 180 days, so every report that uses them says so.
    for (const args of [
      ["cost", "--workload", "examples/workload.yaml", "--json"],
      ["plan", "--workload", "examples/workload.yaml", "--users", "examples/users.yaml", "--offline", "--json"],
      ["estimate", "--stack", "prod", "--json"],
    ]) {
      const r = await stowage(args);
      expect(r.stderr, args[0]).toMatch(
        /^stowage: warning: the oldest prices used are from \d{4}-\d\d-\d\d, \d+ days ago \(over 180\): `stowage pricing refresh`/m,
      );
      expect(() => JSON.parse(r.stdout), args[0]).not.toThrow(); // stdout stays the report
    }
    // Fresh prices (the same snapshot, dated today): no warning.
    const dir = await mkdtemp(join(tmpdir(), "stowage-fresh-"));
    const today = new Date().toISOString().slice(0, 10);
    for (const service of readdirSync("data/prices")) {
      mkdirSync(join(dir, service));
      for (const f of readdirSync(join("data/prices", service)))
        writeFileSync(
          join(dir, service, f),
          readFileSync(join("data/prices", service, f), "utf8").replace(/"retrievedAt": "\d{4}-\d\d-\d\d"/g, `"retrievedAt": "${today}"`),
        );
    }
    expect((await stowage(["cost", "--workload", "examples/workload.yaml"], { env: { ...process.env, STOWAGE_PRICES: dir } })).stderr).toBe("");
    const show = JSON.parse((await stowage(["pricing", "show", "--json"])).stdout);
    expect(show.coverage["us-east-2"]).toEqual([
      "AmazonS3",
      "AmazonS3GlacierDeepArchive",
      "AmazonGlacier",
      "AmazonEC2",
      "AmazonRDS",
      "AWSDataTransfer",
      "AmazonECS",
      "AWSQueueService",
    ]);
    expect(show.coverage["mx-central-1"]).not.toContain("AmazonRDS");
    for (const a of show.answers as { retrievedAt: string; ageDays: number; stale: boolean }[]) expect(a.stale, a.retrievedAt).toBe(a.ageDays > 180);
    expect(show.answers.find((a: { service: string; region: string }) => a.service === "AmazonEC2" && a.region === "ap-southeast-2")).toMatchObject({
      retrievedAt: "2024-07-18",
      stale: true,
    });
  });
});
