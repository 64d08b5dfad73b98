/** The built `stowage` command, run as a user runs it. */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { OPTION_IDS } from "../core/cost/horizon.js";

// Sized to the work: one test runs the built command 13 times, and beside stress-ng at load 18 it took over the
// suite's 30 s default (like errors.test.ts and sweep.test.ts, which run it as often).
vi.setConfig({ testTimeout: 120_000 });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function stowage(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile("node", ["dist/bundle/cli.js", ...args], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "stowage-cli-"));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** A user error: exit 2, a message and the next step, and never a stack trace. */
function expectUserError(run: Run, message: RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stdout).toBe("");
}

describe("stowage", () => {
  it("prints help", async () => {
    const run = await stowage("--help");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/stowage cost --workload FILE/);
    expect(run.stdout).toMatch(/stowage pricing refresh/);
    expect((await stowage("cost", "--help")).stdout).toMatch(/Month 1 holds data.initial_gb/);
    expect((await stowage("help", "pricing")).stdout).toMatch(/leaves the old snapshot/);
  });

  it("prices the shipped example (what `npm start` runs)", async () => {
    const run = await stowage("cost", "--workload", "examples/workload.yaml");
    expect(run.code).toBe(0);
    // The shipped prices are AWS's feeds of 2024 and 2025: older than 180 days, so every report says so, once.
    expect(run.stderr).toMatch(
      /^stowage: warning: the oldest prices used are from 2024-07-18, \d+ days ago \(over 180\): `stowage pricing refresh` replaces them with today's\n$/,
    );
    for (const id of OPTION_IDS) expect(run.stdout).toMatch(new RegExp(`^${id} `, "m"));
    expect(run.stdout).toMatch(/^s3-standard\s+S3 Standard\s+\$23\.90\s+\$184\.90\s+\$3,758\.40$/m);
  });

  it("answers --json in the documented shape, money as decimal strings", async () => {
    const run = await stowage("cost", "--workload", "examples/workload.yaml", "--json", "--months", "3");
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(Object.keys(json)).toEqual(["region", "pricesAsOf", "horizonMonths", "options", "crossings", "missingPrices"]);
    expect(json).toMatchObject({ region: "us-east-2", pricesAsOf: "2024-07-18", horizonMonths: 3, missingPrices: [] });
    expect(json.options.map((o: { id: string }) => o.id)).toEqual([...OPTION_IDS]);
    const standard = json.options[0];
    expect(standard.total).toBe("85.5");
    expect(standard.months[0].lines[0]).toMatchObject({
      name: "Storage (Standard, 0–51200 GB-Mo)",
      quantity: "1000",
      unit: "GB-Mo",
      unitPrice: "0.023",
      cost: "23",
    });
    // Each line says which price it used: S3 Standard in Ohio is the S3 feed's real SKU, published 2025-10-22.
    expect(standard.months[0].lines[0]).toMatchObject({ sku: "YPGKVRB2EKTVDJDT", priceRetrievedAt: "2025-10-22" });
  });

  it("writes CSV and Markdown", async () => {
    const csv = await stowage("cost", "--workload", "examples/workload.yaml", "--format", "csv", "--only", "s3-standard", "--months", "2");
    expect(csv.stdout.split("\n")[0]).toBe("option,month,line,quantity,unit,unit_price,cost");
    expect(csv.stdout).toMatch(/^s3-standard,2,"Storage \(Standard, 0–51200 GB-Mo\)",1200,GB-Mo,0.023,27.6$/m);
    const md = await stowage("cost", "--workload", "examples/workload.yaml", "--format", "markdown", "--only", "ebs", "--detail", "ebs");
    expect(md.stdout).toMatch(/^\| option \| what \| month 1 \| month 36 \| 36 months \|$/m);
    expect(md.stdout).toMatch(/^#### EBS \(gp3\)$/m);
  });

  it("names the refresh command for prices the snapshot lacks", async () => {
    // Mexico (Central) opened after the RDS feed was published: S3 prices, no RDS ones.
    const run = await stowage("cost", "--workload", "examples/workload.yaml", "--region", "mx-central-1", "--only", "rds-postgresql");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\$0\.00 \*/);
    expect(run.stdout).toMatch(
      /missing price: AmazonRDS InstanceUsage:db\.m5\.large in mx-central-1 — run `stowage pricing refresh --region mx-central-1 --service AmazonRDS`/,
    );
  });

  it("lists what the snapshot holds", async () => {
    const run = await stowage("pricing", "show", "--json");
    const json = JSON.parse(run.stdout);
    const full = Object.entries(json.coverage as Record<string, string[]>).filter(([, services]) =>
      ["AmazonS3", "AmazonEC2", "AmazonRDS"].every((s) => services.includes(s)),
    );
    expect(full.length).toBeGreaterThanOrEqual(25);
    expect(full.map(([region]) => region)).toEqual(expect.arrayContaining(["ap-southeast-2", "sa-east-1", "ap-northeast-1", "eu-central-1"]));
    expect(json.answers.find((a: { service: string; region: string }) => a.service === "AmazonS3" && a.region === "ap-southeast-2")).toMatchObject({
      retrievedAt: "2025-10-22",
      stale: true,
    });
    expect(json.problems).toEqual([]);
  });

  it("explains bad input without a stack trace", async () => {
    expectUserError(await stowage("cost"), /--workload FILE is required[\s\S]*stowage cost --workload examples\/workload.yaml/);
    expectUserError(await stowage("cost", "--workload", "/nonexistent/w.yaml"), /Cannot read the workload file \/nonexistent\/w.yaml/);
    expectUserError(await stowage("cost", "--workload", await file("bad.yaml", "data: [1, 2\n")), /bad\.yaml:\d+:\d+: not valid YAML: /);
    expectUserError(
      await stowage("cost", "--workload", await file("w.yaml", "data: { initial_gb: -1 }\nregion: moon-1\n")),
      /has 2 problems[\s\S]*data\.initial_gb[\s\S]*region: unknown AWS region "moon-1"[\s\S]*examples\/workload.yaml documents every key/,
    );
    expectUserError(await stowage("cost", "--workload", "examples/workload.yaml", "--format", "xml"), /--format xml is not one of table, json, markdown, csv/);
    expectUserError(await stowage("cost", "--workload", "examples/workload.yaml", "--months", "0"), /--months 0 must be a whole number from 1 to 120/);
    expectUserError(await stowage("cost", "--workload", "examples/workload.yaml", "--region", "xx-1"), /--region xx-1 is not an AWS region code/);
    const onlyOhio = await mkdtemp(join(tmpdir(), "stowage-prices-"));
    await mkdir(join(onlyOhio, "AmazonS3"));
    await writeFile(join(onlyOhio, "AmazonS3", "us-east-2.json"), await readFile("data/prices/AmazonS3/us-east-2.json", "utf8"));
    expectUserError(
      await stowage("cost", "--workload", "examples/workload.yaml", "--region", "ap-south-1", "--prices", onlyOhio),
      /no prices for ap-south-1 \(it has us-east-2\)[\s\S]*stowage pricing refresh --region ap-south-1/,
    );
    expectUserError(await stowage("cost", "--workload", "examples/workload.yaml", "--bogus"), /Unknown option '--bogus'/);
    expectUserError(await stowage("cost", "--workload", "examples/workload.yaml", "--prices", "/nonexistent"), /No price snapshot at \/nonexistent/);
    expectUserError(await stowage("frobnicate"), /Unknown command frobnicate[\s\S]*stowage --help/);
    expectUserError(await stowage("pricing", "refresh", "--service", "AmazonSQS"), /--service AmazonSQS is not one of/);
  });
});

describe("stowage latency", () => {
  it("estimates offline in the documented JSON shape, labelled as estimates", async () => {
    const run = await stowage("latency", "--offline", "--from", "Columbus, OH", "--region", "us-east-1", "--region", "eu-central-1", "--json");
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(Object.keys(json)).toEqual(["measuredAt", "from", "estimated", "accessMs", "results"]);
    expect(json).toMatchObject({ from: "Columbus, OH", estimated: true, accessMs: 10 });
    expect(json.results.map((r: { name: string }) => r.name)).toEqual(["eu-central-1", "us-east-1"]);
    expect(json.results[1]).toMatchObject({
      kind: "region",
      host: "s3.us-east-1.amazonaws.com",
      status: "estimated",
      estimated: true,
      floorMs: 4.84,
      samples: 0,
      lost: 0,
      basis: "direct",
    });
    const [low, high] = json.results[1].intervalMs;
    expect(low).toBeLessThan(json.results[1].estimateMs);
    expect(high).toBeGreaterThan(json.results[1].estimateMs);
    // --access-ms is the last-mile term; from inside a region there is none, and measured medians are used.
    const bare = JSON.parse((await stowage("latency", "--offline", "--from", "Columbus, OH", "--region", "us-east-1", "--access-ms", "0", "--json")).stdout);
    expect(json.results[1].estimateMs - bare.results[0].estimateMs).toBeCloseTo(10, 1);
    const inside = JSON.parse((await stowage("latency", "--offline", "--from", "us-east-2", "--region", "eu-west-1", "--json")).stdout);
    expect(inside).toMatchObject({
      from: "us-east-2",
      accessMs: 0,
      results: [{ name: "eu-west-1", basis: "measured", estimateMs: 80.31, intervalMs: [80.31, 80.31] }],
    });
    const csv = await stowage("latency", "--offline", "--from", "39.96,-83.00", "--region", "us-east-2", "--format", "csv");
    expect(csv.stdout.split("\n")[0]).toMatch(/^name,kind,host,status,estimated,median_ms/);
  });

  it("reports the offline model's calibration with the data set's source and date", async () => {
    const json = JSON.parse((await stowage("latency", "--calibration", "--json")).stdout);
    expect(json).toMatchObject({ asOf: "2025-05-29", regions: 32, heldOut: 992, targets: { medianAbsErrorPct: 12, medianMet: true, maxAbsErrorPct: 35 } });
    expect(json.source).toMatch(/cloudping\.co/);
    expect(json.medianAbsErrorPct).toBeLessThanOrEqual(12);
    expect(json.worst[0]).toMatchObject({ from: expect.any(String), to: expect.any(String), measuredMs: expect.any(Number), estimateMs: expect.any(Number) });
    const text = (await stowage("latency", "--calibration")).stdout;
    expect(text).toMatch(/median absolute error: +\d+\.\d%   target ≤ 12%: met/);
    expect(text).toMatch(/largest error: +\d+\.\d%   target ≤ 35%: (met|NOT met)/);
  });

  it("explains bad input", async () => {
    expectUserError(await stowage("latency", "--offline"), /--offline needs --from PLACE/);
    expectUserError(await stowage("latency", "--offline", "--from", "us-east-2", "--access-ms", "-1"), /--access-ms/);
    expectUserError(await stowage("latency", "--offline", "--from", "Atlantis"), /Unknown place "Atlantis"/);
    expectUserError(await stowage("latency", "--target", "bad"), /--target bad: expected NAME=URL/);
    expectUserError(await stowage("latency", "--region", "xx-east-9"), /--region xx-east-9 is not a commercial AWS region/);
    expectUserError(await stowage("latency", "--samples", "0"), /--samples 0 must be a whole number from 1 to 100/);
  });
});

describe("stowage verify (without a store)", () => {
  it("explains what it needs", async () => {
    expectUserError(await stowage("verify"), /Name at least one bucket with --bucket[\s\S]*stowage verify --stack prod/);
    expectUserError(await stowage("verify", "--stack", "prod"), /Could not read the outputs of stack prod with the Pulumi CLI[\s\S]*--outputs FILE/);
    const dir = await file("outputs.json", JSON.stringify({ trailArn: "x" }));
    expectUserError(await stowage("verify", "--outputs", dir), /The stack outputs have no `buckets` output/);
  });
});
