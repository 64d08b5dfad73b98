import { PricingClient } from "@aws-sdk/client-pricing";
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../core/errors.js";
import { defaultSnapshotDir } from "../core/paths.js";
import { queriesFor, refresh } from "../core/pricing/refresh.js";
import { loadSnapshot } from "../core/pricing/snapshot.js";
import { startPricingServer, type PricingServer } from "./support/pricing-server.js";

const run = promisify(execFile);

function doc(sku: string, usagetype: string, region: string, usd: string, extra: Record<string, string> = {}, family?: string): string {
  return JSON.stringify({
    product: { sku, ...(family ? { productFamily: family } : {}), attributes: { usagetype, regionCode: region, ...extra } },
    serviceCode: "AmazonS3",
    terms: {
      OnDemand: {
        [`${sku}.JRTCKXETXF`]: {
          priceDimensions: { [`${sku}.JRTCKXETXF.6YS6EN2CT7`]: { unit: "GB-Mo", beginRange: "0", endRange: "Inf", pricePerUnit: { USD: usd } } },
        },
      },
    },
    publicationDate: "2026-11-01T00:00:00Z",
  });
}

const S3_US_EAST_1 = [
  doc("LIVE1", "TimedStorage-ByteHrs", "us-east-1", "0.0230000000"),
  doc("LIVE2", "TimedStorage-SIA-ByteHrs", "us-east-1", "0.0125000000"),
  doc("LIVE3", "Requests-Tier1", "us-east-1", "0.0000050000"),
  '{"product": {"sku": "BROKEN"', // malformed: must be reported, not fatal
  doc("LIVE4", "Requests-Tier2", "us-east-1", "0.0000004000"),
  doc("OTHER", "USE2-TimedStorage-ByteHrs", "us-east-2", "0.0230000000"),
];

const client = (url: string, maxAttempts = 3) =>
  new PricingClient({ region: "us-east-1", endpoint: url, credentials: { accessKeyId: "AKIDSTOWAGETEST", secretAccessKey: "test-secret" }, maxAttempts });

async function copyOfShipped(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "stowage-prices-"));
  await cp(defaultSnapshotDir(), dir, { recursive: true });
  return dir;
}

async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // One folder per service, one file per region.
  for (const f of await readdir(dir, { recursive: true })) if (f.endsWith(".json") || f.endsWith(".tmp")) out[f] = await readFile(join(dir, f), "utf8");
  return out;
}

let server: PricingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("stowage pricing refresh against a local Price List endpoint", () => {
  it("follows NextToken, survives throttling, skips a malformed entry, and keeps other regions", async () => {
    server = await startPricingServer({ products: { AmazonS3: S3_US_EAST_1 }, pageSize: 2, throttleFirst: 1 });
    const dir = await copyOfShipped();
    const before = await loadSnapshot(dir);
    const progress: number[] = [];
    const result = await refresh({
      dir,
      regions: ["us-east-1"],
      services: ["AmazonS3"],
      client: client(server.url),
      now: new Date("2026-11-27T12:00:00Z"),
      onProgress: (p) => progress.push(p.page),
    });

    // 1 throttled + 3 pages of 2 (5 matching elements: 4 good, 1 malformed; the us-east-2 one is filtered out).
    expect(server.requests).toHaveLength(4);
    expect(server.requests[0]!.body.Filters).toEqual([{ Type: "TERM_MATCH", Field: "regionCode", Value: "us-east-1" }]);
    expect(server.requests.slice(1).map((r) => r.body.NextToken ?? null)).toEqual([null, "Mg==", "NA=="]);
    expect(progress).toEqual([1, 2, 3]);
    expect(result.products).toBe(4);
    expect(result.problems).toEqual([{ index: 3, sku: null, reason: "not valid JSON", service: "AmazonS3", region: "us-east-1" }]);

    const after = await loadSnapshot(dir);
    const s3 = after.files.get("AmazonS3")!;
    const live = s3.responses.find((r) => r.region === "us-east-1" && /GetProducts/.test(r.source))!;
    expect(live.retrievedAt).toBe("2026-11-27");
    expect(live.PriceList).toHaveLength(5); // stored exactly as answered, malformed element included
    expect(after.catalog.find("us-east-1", { service: "AmazonS3", usagetype: "TimedStorage-ByteHrs" })!.entry.sku).toBe("LIVE1");
    // Per product: what the answer re-priced is replaced, what it did not ask for keeps its feed price and SKU.
    const gir = after.catalog.find("us-east-1", { service: "AmazonS3", usagetype: "Requests-GIR-Tier1" })!;
    expect(gir.entry.sku).toBe(before.catalog.find("us-east-1", { service: "AmazonS3", usagetype: "Requests-GIR-Tier1" })!.entry.sku);
    expect(gir.provenance.retrievedAt).toBe("2025-10-22");
    const stored = s3.responses.filter((r) => r.region === "us-east-1").flatMap((r) => r.PriceList);
    for (const sku of ["WP9ANXZGBYYSGJEA", "379GYJUQ5WFBUYGM", "E9YHNFENF4XQBZR6", "ZWQ6Q48CRJXX4FXE"]) expect(stored.join()).not.toContain(`"sku":"${sku}"`);
    // Other regions and services are untouched.
    expect(s3.responses.filter((r) => r.region !== "us-east-1")).toEqual(before.files.get("AmazonS3")!.responses.filter((r) => r.region !== "us-east-1"));
    expect(after.files.get("AmazonRDS")).toEqual(before.files.get("AmazonRDS"));
  });

  it("replaces a stored product by its SKU even when the answer names it differently", async () => {
    // The feed-derived Standard-IA PUT (its real us-east-1 SKU) answered live under a corrected name.
    const sku = "FNYHUPR3T466JJYM";
    server = await startPricingServer({ products: { AmazonS3: [doc(sku, "Requests-SIA-Tier1-Renamed", "us-east-1", "0.0000100000")] } });
    const dir = await copyOfShipped();
    await refresh({ dir, regions: ["us-east-1"], services: ["AmazonS3"], client: client(server.url), now: new Date("2026-11-27T12:00:00Z") });
    const after = await loadSnapshot(dir);
    expect(after.catalog.find("us-east-1", { service: "AmazonS3", usagetype: "Requests-SIA-Tier1" })).toBeNull();
    expect(after.catalog.find("us-east-1", { service: "AmazonS3", usagetype: "Requests-SIA-Tier1-Renamed" })!.entry.sku).toBe(sku);
  });

  it("leaves the old snapshot byte for byte when any request fails", async () => {
    server = await startPricingServer({ products: { AmazonS3: S3_US_EAST_1 }, failServices: ["AmazonRDS"] });
    const dir = await copyOfShipped();
    const before = await contents(dir);
    const attempt = refresh({ dir, regions: ["us-east-1"], services: ["AmazonS3", "AmazonRDS"], client: client(server.url, 2) });
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await expect(attempt).rejects.toThrow(/InternalErrorException.*snapshot was not changed/);
    expect(await contents(dir)).toEqual(before);
  });

  it("refuses to replace a region with an empty answer", async () => {
    server = await startPricingServer({ products: { AmazonS3: S3_US_EAST_1 } });
    const dir = await copyOfShipped();
    const before = await contents(dir);
    await expect(refresh({ dir, regions: ["eu-west-3"], services: ["AmazonS3"], client: client(server.url) })).rejects.toThrow(
      /no usable AmazonS3 products for eu-west-3/,
    );
    expect(await contents(dir)).toEqual(before);
  });

  it("asks EC2 only for EBS product families and RDS for PostgreSQL instances and engine-independent storage", async () => {
    server = await startPricingServer({ products: {} });
    const dir = await copyOfShipped();
    await expect(refresh({ dir, regions: ["us-east-1"], services: ["AmazonEC2", "AmazonRDS"], client: client(server.url) })).rejects.toThrow(UserError);
    const filters = server.requests.map((r) => Object.fromEntries((r.body.Filters ?? []).map((f) => [f.Field, f.Value])));
    expect(filters.slice(0, 4).map((f) => f.productFamily)).toEqual(["Storage", "System Operation", "Provisioned Throughput", "Storage Snapshot"]);
    // RDS: PostgreSQL instances; storage, IOPS and backup are "Any" engine in the real Price List.
    const rds = queriesFor("AmazonRDS", "us-east-1").map((q) => Object.fromEntries(q.Filters.map((f) => [f.Field, f.Value])));
    expect(rds.map((f) => [f.productFamily, f.databaseEngine])).toEqual([
      ["Database Instance", "PostgreSQL"],
      ["Database Storage", "Any"],
      ["Provisioned IOPS", "Any"],
      ["Storage Snapshot", "Any"],
    ]);
  });

  it("works end to end from the built command, with the SDK's own endpoint and credential settings", async () => {
    server = await startPricingServer({ products: { AmazonS3: S3_US_EAST_1 }, pageSize: 3 });
    const dir = await copyOfShipped();
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL_PRICING: server.url,
      AWS_ACCESS_KEY_ID: "AKIDSTOWAGETEST",
      AWS_SECRET_ACCESS_KEY: "test-secret",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const { stdout, stderr } = await run(
      "node",
      ["dist/bundle/cli.js", "pricing", "refresh", "--prices", dir, "--region", "us-east-1", "--service", "AmazonS3"],
      { env },
    );
    expect(stdout).toMatch(/Refreshed AmazonS3 for us-east-1: 4 products/);
    expect(stderr).toMatch(/skipped a malformed AmazonS3 product in us-east-1 \(#3\): not valid JSON/);
    expect(stderr).toMatch(/page 2, 5 products/);
  });
});
