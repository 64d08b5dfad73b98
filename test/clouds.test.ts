/**
 * Other providers' bills, through the built command. Every expected figure was worked out by hand from the shipped
 * source files (data/other-clouds), read with a text editor, not from Stowage's reader: the rates used are
 * quoted beside each case with the file they come from.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stowage } from "./support/bin.js";
import { stringify } from "yaml";

const dir = await mkdtemp(join(tmpdir(), "stowage-clouds-"));

interface Line {
  name: string;
  quantity: string | null;
  unitPrice: string | null;
  cost: string | null;
  priceSource?: string;
}
interface Option {
  id: string;
  provider?: string;
  location?: string;
  total: string;
  complete: boolean;
  months: { month: number; total: string; lines: Line[] }[];
}
interface Report {
  region: string;
  options: Option[];
  missingPrices: { service: string; usagetype: string; region: string; command: string | null }[];
}

let n = 0;
async function cost(workload: object, ...args: string[]): Promise<Report> {
  const file = join(dir, `w${n++}.yaml`);
  await writeFile(file, stringify(workload));
  const r = await stowage(["cost", "--workload", file, "--json", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

const option = (r: Report, id: string) => r.options.find((o) => o.id === id)!;
const line = (o: Option, month: number, name: RegExp) => o.months[month - 1]!.lines.filter((l) => name.test(l.name));

describe("Google Cloud Storage (gcp-pricing-cyclenerd-2026-07-30.yml, europe-west3)", () => {
  // storage.bucket: standard 0.023, nearline 0.013, coldline 0.006, archiv 0.0025 per GiB-month;
  // storage.retrieval: nearline 0.01, coldline 0.02, archiv 0.05 per GiB;
  // compute.network.traffic.egress.internet.cost: 0-1 TiB 0.12, 1-10 TiB 0.11, 10n 0.085 per GiB.
  const workload = { region: "eu-central-1", horizon_months: 2, data: { initial_gb: 2048 }, access: { monthly_read_gb: 100, monthly_egress_gb: 1500 } };

  it("prices each class at the GCS region nearest the workload's (Frankfurt → europe-west3), egress across a tier boundary", async () => {
    const r = await cost(workload, "--provider", "gcs");
    expect(r.region).toBe("europe-west3");
    // Egress 1,500 GiB: 1,024 × 0.12 = 122.88 and 476 × 0.11 = 52.36 → 175.24 a month, whatever the class.
    // Nearline: 2,048 × 0.013 = 26.624; retrieval 100 × 0.01 = 1.00 → 202.864 a month, 405.728 over two.
    // Standard: 2,048 × 0.023 = 47.104 → 222.344; Coldline: 12.288 + 2.00 → 189.528; Archive: 5.12 + 5.00 → 185.36.
    const expected = { "gcs-standard": "222.344", "gcs-nearline": "202.864", "gcs-coldline": "189.528", "gcs-archive": "185.36" };
    for (const [id, month] of Object.entries(expected)) {
      const o = option(r, id);
      expect(o.months[0]!.total, id).toBe(month);
      expect(o.months[1]!.total, id).toBe(month);
      expect(o.location).toBe("europe-west3");
    }
    expect(option(r, "gcs-nearline").total).toBe("405.728");
    expect(line(option(r, "gcs-nearline"), 1, /^Internet egress/).map((l) => [l.quantity, l.cost])).toEqual([
      ["1024", "122.88"],
      ["476", "52.36"],
    ]);
    expect(line(option(r, "gcs-nearline"), 1, /^Storage/)[0]!.priceSource).toMatch(/Cyclenerd/);
  });

  it("says operations are not priced (the data has no Class A/B prices) and never counts them as free", async () => {
    const r = await cost(
      { ...workload, requests: { monthly_writes: 1_000_000, monthly_reads: 1_000_000 } },
      "--provider",
      "gcs",
      "--region",
      "europe-west3",
      "--only",
      "gcs-standard",
    );
    const o = option(r, "gcs-standard");
    expect(o.complete).toBe(false);
    expect(o.months[0]!.total).toBe("222.344");
    expect(line(o, 1, /^Class [AB] operations/).map((l) => [l.quantity, l.cost])).toEqual([
      ["1", null],
      ["1", null],
    ]);
    expect(r.missingPrices.map((m) => `${m.service} ${m.usagetype} ${m.region} ${m.command}`).sort()).toEqual([
      "GoogleCloudStorage operations.class-a.standard europe-west3 null",
      "GoogleCloudStorage operations.class-b.standard europe-west3 null",
    ]);
  });

  it("bills the rest of a minimum storage duration when retention deletes data early", async () => {
    // Coldline keeps data 90 days at least; deleted after 30 (at month 2's start), it bills 60 more days:
    // 100 GiB × 60 / 30 = 200 GiB-months × 0.006 = 1.20 in month 2. Month 1: 100 × 0.006 = 0.60.
    const r = await cost(
      { region: "eu-central-1", horizon_months: 3, data: { initial_gb: 100 }, retention: { delete_after_days: 30 } },
      "--provider",
      "gcs",
      "--region",
      "europe-west3",
      "--only",
      "gcs-coldline",
      "--only",
      "gcs-standard",
    );
    const cold = option(r, "gcs-coldline");
    expect(cold.months.map((m) => m.total)).toEqual(["0.6", "1.2", "0"]);
    expect(line(cold, 2, /^Early deletion/).map((l) => [l.quantity, l.cost])).toEqual([["200", "1.2"]]);
    expect(line(option(r, "gcs-standard"), 2, /^Early deletion/)).toEqual([]);
  });
});

describe("Azure Blob Storage (ratecard-azure-*-raw.json, westeurope)", () => {
  it("prices Hot LRS per GB, operations per 10,000, and egress over two tiers after 100 GB free", async () => {
    // Hot LRS Data Stored 0.0196 /GB-month; Hot LRS Write Operations 0.054 /10K; Hot Read Operations (skuName
    // Hot LRS) 0.0043 /10K; Rtn Preference: MGN Standard Data Transfer Out: 0 from 0, 0.087 from 100, 0.083 from 10335.
    // 5,000 GB → 98.00; 1,000,000 writes = 100 × 0.054 = 5.40; 3,000,000 reads = 300 × 0.0043 = 1.29;
    // 12,000 GB egress: 100 free, 10,235 × 0.087 = 890.445, 1,665 × 0.083 = 138.195. Total 1,133.33.
    const r = await cost(
      {
        region: "eu-west-1",
        horizon_months: 1,
        data: { initial_gb: 5000 },
        requests: { monthly_writes: 1_000_000, monthly_reads: 3_000_000 },
        access: { monthly_egress_gb: 12_000 },
      },
      "--provider",
      "azure",
      "--region",
      "westeurope",
    );
    const o = option(r, "azure-hot-lrs");
    expect(o.complete).toBe(true);
    expect(o.total).toBe("1133.33");
    expect(line(o, 1, /^Internet egress/).map((l) => [l.quantity, l.cost])).toEqual([
      ["100", "0"],
      ["10235", "890.445"],
      ["1665", "138.195"],
    ]);
  });

  it("does not take another SKU's price: eastus's only read price is Hot RA-GRS's, so reads there are not priced", async () => {
    const r = await cost(
      { region: "us-east-1", horizon_months: 1, data: { initial_gb: 10 }, requests: { monthly_writes: 0, monthly_reads: 10_000 } },
      "--provider",
      "azure",
    );
    expect(r.region).toBe("eastus");
    expect(option(r, "azure-hot-lrs").complete).toBe(false);
    expect(r.missingPrices.map((m) => `${m.service} ${m.usagetype} ${m.region}`)).toEqual(["AzureBlobStorage Hot LRS Read Operations eastus"]);
  });
});

describe("Cloudflare R2 and Backblaze B2 (ratecard-objectstorage-curated.json)", () => {
  it("R2: the free tier (10 GB-month, 1M Class A, 10M Class B) and no egress charge", async () => {
    // usd_per_gb_month 0.015 with free_storage_gb 10: (25 − 10) × 0.015 = 0.225; Class A $4.50/M beyond 1M:
    // 2.5 × 4.50 = 11.25; 8M Class B is inside the 10M free; 1,000 GB egress is free. Total 11.475.
    const r = await cost(
      {
        region: "us-west-2",
        horizon_months: 1,
        data: { initial_gb: 25 },
        requests: { monthly_writes: 3_500_000, monthly_reads: 8_000_000 },
        access: { monthly_egress_gb: 1000 },
      },
      "--provider",
      "r2",
    );
    const o = option(r, "r2-standard");
    expect(o.complete).toBe(true);
    expect(o.total).toBe("11.475");
    expect(line(o, 1, /^Internet egress/).map((l) => [l.quantity, l.cost])).toEqual([["1000", "0"]]);
  });

  it("B2: egress free up to 3× the data stored, then $0.01/GB", async () => {
    // 100 GB stored: (100 − 10) × 0.00695 = 0.6255; 500 GB egress − 3 × 100 free = 200 × 0.01 = 2.00. Total 2.6255.
    const r = await cost(
      {
        region: "us-west-2",
        horizon_months: 1,
        data: { initial_gb: 100 },
        requests: { monthly_writes: 1000, monthly_reads: 1000 },
        access: { monthly_egress_gb: 500 },
      },
      "--provider",
      "b2",
    );
    const o = option(r, "b2");
    expect(o.total).toBe("2.6255");
    expect(line(o, 1, /^Internet egress/).map((l) => [l.quantity, l.cost])).toEqual([["200", "2"]]);
  });
});

describe("every provider side by side", () => {
  it("--provider all compares AWS's options with every other provider's, each saying where it is", async () => {
    const r = await cost(
      {
        region: "us-east-2",
        horizon_months: 1,
        data: { initial_gb: 1000 },
        requests: { monthly_writes: 0, monthly_reads: 0 },
        access: { monthly_egress_gb: 0 },
      },
      "--provider",
      "all",
    );
    const where = Object.fromEntries(r.options.map((o) => [o.id, `${o.provider} ${o.location}`]));
    expect(where).toMatchObject({
      "s3-standard": "aws us-east-2",
      "gcs-standard": "gcs us-east5",
      "azure-hot-lrs": "azure eastus",
      "r2-standard": "r2 auto",
      b2: "b2 us-east",
    });
    // 1,000 GB in S3 Standard in Ohio is $23.00 (the design notes' figure); in GCS Standard in Columbus 0.02 → $20.00.
    expect(option(r, "s3-standard").total).toBe("23");
    expect(option(r, "gcs-standard").total).toBe("20");
  });

  it("refuses what it cannot answer, naming the next step", async () => {
    const file = join(dir, "small.yaml");
    await writeFile(file, "data: { initial_gb: 1 }\n");
    const cases: [string[], RegExp][] = [
      [["--provider", "moon"], /--provider moon is not one of aws, gcs, azure, r2, b2/],
      [["--provider", "gcs", "--region", "eastus"], /--region eastus is not a gcs location.*\n.*us-central1/],
      [["--provider", "all", "--region", "us-east-1"], /several providers.*\n.*Drop --region/],
      [["--provider", "azure", "--only", "s3-standard"], /--only s3-standard is not one of azure-hot-lrs/],
    ];
    for (const [args, message] of cases) {
      const r = await stowage(["cost", "--workload", file, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
