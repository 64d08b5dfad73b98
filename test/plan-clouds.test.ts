/**
 * The plan across providers, through the built `stowage plan --json` as users call it. Every expected cost was worked
 * out by hand from the shipped price files (data/other-clouds, data/prices), read with a text editor, not from
 * Stowage's own functions; the rates used are quoted beside each case with the file they come from.
 */
import { createServer, type AddressInfo } from "node:net";
import { access, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stowage } from "./support/bin.js";
import { stringify } from "yaml";
import { parseUsers } from "../planner/placement/users.js";
import { DEFAULT_ACCESS_MS, estimateRtt, estimateToLocation, offlineModel } from "../planner/latency/predict.js";
import { haversineKm, hopMs, measuredMs } from "../planner/latency/model.js";
import { parsePlace } from "../planner/latency/places.js";
import { findRegion } from "../core/regions.js";

const dir = await mkdtemp(join(tmpdir(), "stowage-plan-clouds-"));

interface Row {
  region: string;
  provider?: string;
  monthlyCost: string | null;
  strategy: string | null;
  price: string;
  feasible: boolean;
  latencyConfidence: string;
  rejectedBecause: string[];
  replica: { region: string; monthlyCost: string } | null;
  latency: { population: string; rttMs: number; estimated: boolean; basis?: string }[];
}
interface PlanJson {
  recommendation: { primary: string; replicas: string[]; strategy: string; monthlyCost: string; reasons: string[] } | null;
  ranking: Row[];
}

let n = 0;
async function files(workload: object, users: object): Promise<{ w: string; u: string }> {
  const w = join(dir, `w${n}.yaml`);
  const u = join(dir, `u${n++}.yaml`);
  await writeFile(w, stringify(workload));
  await writeFile(u, stringify(users));
  return { w, u };
}

async function plan(workload: object, users: object, ...args: string[]): Promise<PlanJson> {
  const { w, u } = await files(workload, users);
  const r = await stowage(["plan", "--workload", w, "--users", u, "--offline", "--json", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
}

const row = (p: PlanJson, region: string) => p.ranking.find((r) => r.region === region)!;

/** Users in Amsterdam and Warsaw whose client forbids AWS: the one line the README gives. */
const EUROPE_NO_AWS = {
  populations: [
    { name: "studio", place: "Amsterdam", weight: 0.7 },
    { name: "partners", place: "Warsaw", weight: 0.3 },
  ],
  providers: { forbidden: ["aws"] },
};

/** 500 GB growing 50 GB a month for a year, modest requests, 150 GB a month to the internet. */
const SMALL = {
  horizon_months: 12,
  data: { initial_gb: 500, monthly_growth_gb: 50 },
  requests: { monthly_writes: 20_000, monthly_reads: 200_000 },
  access: { monthly_read_gb: 100, monthly_egress_gb: 150 },
};

describe("AWS forbidden: a recommendation from the other providers, with its reasons", () => {
  it("recommends Backblaze B2 in Amsterdam at the cost figured by hand, and prices no AWS region", async () => {
    const p = await plan(SMALL, EUROPE_NO_AWS);
    // Stored GB over the 12 months: 500, 550, ..., 1050 → 12 × 500 + 50 × (0 + 1 + ... + 11) = 9,300 GB-months.
    // B2 (ratecard-objectstorage-curated.json, backblaze): $0.00695/GB-month after the first 10 GB free each month:
    // (9,300 − 12 × 10) × 0.00695 = 63.801; transactions free; 150 GB egress < 3 × stored, free. 63.801 / 12 = 5.31675.
    expect(p.recommendation?.primary).toBe("b2:eu-central");
    expect(p.recommendation?.monthlyCost).toBe("5.32");
    expect(p.recommendation?.strategy).toBe("Backblaze B2");
    expect(p.recommendation?.replicas).toEqual([]);
    expect(p.ranking.every((r) => r.provider !== undefined && r.provider !== "aws")).toBe(true);
    // The three B2 regions cost the same: Amsterdam wins on latency (the users are in Europe).
    expect(row(p, "b2:us-east").monthlyCost).toBe("5.32");
    expect(row(p, "b2:eu-central").latency.find((l) => l.population === "studio")!.rttMs).toBeLessThan(row(p, "b2:us-east").latency[0]!.rttMs);
    const reasons = p.recommendation!.reasons.join("\n");
    expect(reasons).toMatch(/cheapest of \d+ feasible regions: \$5\.32 a month on average with Backblaze B2/);
    expect(reasons).toMatch(/latency to b2:eu-central is estimated, not measured/);

    // R2 (same file, cloudflare): $0.015/GB-month after 10 GB free: 9,180 × 0.015 = 137.70; 20,000 writes and 200,000
    // reads a month are inside the free 1M Class A and 10M Class B; egress free. 137.70 / 12 = 11.475.
    expect(row(p, "r2:auto").monthlyCost).toBe("11.48");
    // Azure West Europe (ratecard-azure-blob-hot-lrs-raw.json, ratecard-azure-bandwidth-raw.json): Hot LRS stored
    // $0.0196/GB-month: 9,300 × 0.0196 = 182.28; writes $0.054 per 10,000: 2 × 0.054 × 12 = 1.296; reads $0.0043 per
    // 10,000: 20 × 0.0043 × 12 = 1.032; egress (Rtn Preference: MGN) first 100 GB $0, then $0.087: 50 × 0.087 × 12 =
    // 52.20. Total 236.808 / 12 = 19.734.
    expect(row(p, "azure:westeurope").monthlyCost).toBe("19.73");
    // GCS operations have no price in the shipped data: never guessed, the row says which are missing.
    const gcs = row(p, "gcs:europe-west4");
    expect(gcs.price).toBe("none");
    expect(gcs.monthlyCost).toBeNull();
    expect(gcs.rejectedBecause.join(" ")).toMatch(/gcs:europe-west4 operations\.class-[ab]\.\w+.*not in the shipped prices \(data\/other-clouds\)/);
  });

  it("labels how each latency to another provider was estimated, and its confidence", async () => {
    const p = await plan(SMALL, EUROPE_NO_AWS);
    // Azure's West Europe is in Amsterdam, a metro of Azure's measured matrix: the studio is there too.
    const azure = row(p, "azure:westeurope").latency.find((l) => l.population === "studio")!;
    expect(azure.estimated).toBe(true);
    expect(azure.basis).toMatch(/Azure's West Europe|Azure's measured/);
    // B2's Sacramento region has neither an Azure region nor a measured AWS region in its metro: distance alone.
    const west = row(p, "b2:us-west");
    expect(west.latency.every((l) => /^distance alone/.test(l.basis ?? ""))).toBe(true);
    expect(west.latencyConfidence).toBe("unknown");
    // R2 has no place of its own: assumed near the heaviest population, and said so.
    expect(row(p, "r2:auto").latency[0]!.basis).toMatch(/assumed placed near studio/);
    expect(row(p, "r2:auto").latencyConfidence).toBe("unknown");
  });

  it("refuses to write a non-AWS placement into the AWS stack (exit 2), leaving the file alone", async () => {
    const { w, u } = await files(SMALL, EUROPE_NO_AWS);
    const stackDir = await mkdtemp(join(tmpdir(), "stowage-plan-clouds-stack-"));
    await writeFile(join(stackDir, "Pulumi.yaml"), "name: stowage\nruntime: nodejs\n");
    const r = await stowage(["plan", "--workload", w, "--users", u, "--offline", "--stack", "prod", "--stack-dir", stackDir, "--write"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/left as it was: the placement puts data in b2:eu-central \(Backblaze B2\).*provisions AWS only/);
    expect(r.stderr).toMatch(/providers: \{ allowed: \[aws\] \}/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    await expect(access(join(stackDir, "Pulumi.prod.yaml"))).rejects.toThrow();
  });
});

/** Read-heavy and egress-heavy: 1,000 GB read 10M times a month, 5,000 GB a month sent to the internet. */
const EGRESS_HEAVY = {
  horizon_months: 12,
  data: { initial_gb: 1000, monthly_growth_gb: 0 },
  requests: { monthly_writes: 100_000, monthly_reads: 10_000_000 },
  access: { monthly_read_gb: 5000, monthly_egress_gb: 5000 },
};
const EVERYONE = {
  populations: [
    { name: "office", place: "Columbus, OH", weight: 0.4 },
    { name: "customers", place: "Frankfurt", weight: 0.6 },
  ],
  providers: { allowed: ["aws", "gcs", "azure", "r2", "b2"] },
};

describe("read-heavy, egress-heavy, every provider allowed", () => {
  it("R2 wins on egress, and the reasons name it against B2 and AWS", async () => {
    const p = await plan(EGRESS_HEAVY, EVERYONE);
    // R2 (ratecard-objectstorage-curated.json): (1,000 − 10) × 0.015 = 14.85 a month; 100,000 writes < 1M free Class A,
    // 10M reads = the 10M free Class B; egress free ("Zero egress").
    expect(p.recommendation?.primary).toBe("r2:auto");
    expect(p.recommendation?.monthlyCost).toBe("14.85");
    // B2: (1,000 − 10) × 0.00695 = 6.8805 storage; egress free up to 3 × 1,000 GB stored, the other 2,000 GB at
    // $0.01 = 20.00. 26.8805 a month.
    expect(row(p, "b2:eu-central").monthlyCost).toBe("26.88");
    // AWS: egress alone is 5,000 − 100 free = 4,900 GB at $0.09 (data/prices/AWSDataTransfer/eu-west-1.json, "Next 10
    // TB") = 441.00 a month, before any storage or request: every AWS row costs more than that.
    const aws = p.ranking.filter((r) => r.provider === undefined);
    expect(aws.length).toBeGreaterThan(20);
    expect(aws.every((r) => r.monthlyCost === null || Number(r.monthlyCost) > 441)).toBe(true);
    const reasons = p.recommendation!.reasons.join("\n");
    expect(reasons).toMatch(/internet egress: \$0\.00 a month on average at r2:auto \(Cloudflare R2 charges no egress\)/);
    expect(reasons).toMatch(/\$20\.00 at b2:/);
    expect(reasons).toMatch(/\$441\.00 at eu-west-1/);
  });

  it("a replica in another provider's cloud pays the source provider's internet egress, and the reasons say so", async () => {
    const p = await plan(EGRESS_HEAVY, {
      ...EVERYONE,
      constraints: { replica: { required: true, min_distance_km: 500 } },
      providers: { allowed: ["aws", "b2"] },
    });
    expect(p.recommendation?.primary).toMatch(/^b2:/);
    const [replica] = p.recommendation!.replicas;
    expect(replica).toBeDefined();
    expect(replica).not.toMatch(/^b2:/);
    // The copy leaves B2 over the internet: month 1 sends the initial 1,000 GB, on top of users' 5,000 GB, which
    // already used the 3,000 GB free (3 × stored): 1,000 × $0.01 = 10.00 in month 1, nothing after (no growth).
    // 10.00 / 12 = 0.8333 a month.
    const reasons = p.recommendation!.reasons.join("\n");
    expect(reasons).toMatch(
      new RegExp(
        `replica in ${replica}, \\d+ km away, adds \\$[\\d.]+ a month; it is in another provider's cloud, so the copy crosses the internet and pays Backblaze B2's internet egress \\(\\$0\\.83 a month of it\\), not inter-region transfer`,
      ),
    );
  });
});

describe("Google Cloud Storage", () => {
  it("is priced where the shipped data allows: a workload with no requests, whose operations cost nothing", async () => {
    const p = await plan(
      {
        horizon_months: 12,
        data: { initial_gb: 1000, monthly_growth_gb: 0 },
        requests: { monthly_writes: 0, monthly_reads: 0 },
        access: { monthly_read_gb: 0, monthly_egress_gb: 0 },
      },
      { populations: [{ name: "customers", place: "Frankfurt", weight: 1 }], providers: { allowed: ["gcs"] } },
    );
    // gcp-pricing-cyclenerd-2026-07-30.yml, storage.bucket.archiv.cost: europe-west1 and europe-west4 0.0012 a
    // GiB-month, europe-west3 0.0025; nothing is read, deleted or sent out, so Archive (no retrieval, no early
    // deletion) is the cheapest class: 1,000 × 0.0012 = 1.20 and 1,000 × 0.0025 = 2.50 a month.
    expect(p.recommendation?.monthlyCost).toBe("1.20");
    expect(p.recommendation?.strategy).toBe("GCS Archive");
    expect(row(p, "gcs:europe-west4").monthlyCost).toBe("1.20");
    expect(row(p, "gcs:europe-west3").monthlyCost).toBe("2.50");
    // St. Ghislain (europe-west1) shares no metro with a measured region: distance alone, said in the reasons.
    expect(p.recommendation?.primary).toBe("gcs:europe-west1");
    expect(p.recommendation!.reasons.join("\n")).toMatch(/no measured region shares gcs:europe-west1's metro, so the estimate is distance alone/);
  });
});

describe("live latency to another provider's endpoint", () => {
  it("measures the location the users file gives an endpoint for, from the population here, and says so", async () => {
    // A TCP listener on loopback stands in for the provider's endpoint: the probe's connect is the round trip.
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const { w, u } = await files(SMALL, {
        populations: [
          { name: "studio", place: "Amsterdam", weight: 0.7, here: true },
          { name: "partners", place: "Warsaw", weight: 0.3 },
        ],
        providers: { forbidden: ["aws"], endpoints: { "b2:eu-central": `tcp://127.0.0.1:${port}` } },
      });
      const r = await stowage(["plan", "--workload", w, "--users", u, "--json", "--deadline", "20000"]);
      expect(r.code, r.stderr).toBe(0);
      const p = JSON.parse(r.stdout) as PlanJson;
      const studio = row(p, "b2:eu-central").latency.find((l) => l.population === "studio")!;
      expect(studio.estimated).toBe(false);
      expect(studio.basis).toBeUndefined();
      // Loopback answers well inside a millisecond or so; an estimate from Amsterdam would be the access allowance and more.
      expect(studio.rttMs).toBeLessThan(DEFAULT_ACCESS_MS);
      // Everywhere else, and for the partners, the estimate stands.
      expect(row(p, "b2:us-east").latency.find((l) => l.population === "studio")!.estimated).toBe(true);
      expect(row(p, "b2:eu-central").latency.find((l) => l.population === "partners")!.estimated).toBe(true);
      const reasons = p.recommendation!.reasons.join("\n");
      expect(p.recommendation!.primary).toBe("b2:eu-central");
      expect(reasons).toMatch(/latency to b2:eu-central measured live for studio \(its endpoint in providers\.endpoints\)/);
      expect(reasons).toMatch(/latency to b2:eu-central is estimated for the others: partners by /);
    } finally {
      server.close();
    }
  });

  it("refuses an endpoint for a location that is not another provider's, or a URL it cannot probe", () => {
    const bad = () =>
      parseUsers({
        populations: [{ name: "a", place: "Frankfurt", weight: 1 }],
        providers: { endpoints: { "us-east-1": "https://s3.us-east-1.amazonaws.com", "b2:eu-central": "ftp://x" } },
      });
    expect(bad).toThrow(/providers\.endpoints\.us-east-1: not another provider's location/);
    expect(bad).toThrow(/providers\.endpoints\.b2:eu-central: the scheme ftp is not https or tcp/);
  });
});

describe("the default is AWS alone", () => {
  it("without a providers key, no other provider's location is a candidate", async () => {
    const p = await plan(EGRESS_HEAVY, { populations: EVERYONE.populations });
    expect(p.ranking.some((r) => r.region.includes(":") || r.provider !== undefined)).toBe(false);
    expect(p.recommendation?.primary).not.toMatch(/:/);
  });
});

describe("the users file's providers key", () => {
  const pops = [{ name: "a", place: "Frankfurt", weight: 1 }];
  it("forbidding AWS is one line; allowed less forbidden otherwise; AWS alone without the key", () => {
    expect(parseUsers({ populations: pops }).providers).toEqual(["aws"]);
    expect(parseUsers({ populations: pops, providers: { forbidden: ["aws"] } }).providers).toEqual(["gcs", "azure", "r2", "b2"]);
    expect(parseUsers({ populations: pops, providers: { allowed: ["b2", "aws"], forbidden: [] } }).providers).toEqual(["aws", "b2"]);
  });
  it("collects every problem: an unknown provider, nothing left, a provider both allowed and forbidden, a bad location", () => {
    const bad = () =>
      parseUsers({
        populations: pops,
        constraints: { allowed_regions: ["gcs:moon-1", "us-east-1"] },
        providers: { allowed: ["aws", "moon"], forbidden: ["aws"] },
      });
    expect(bad).toThrow(/providers\.allowed\[1\]/);
    expect(bad).toThrow(/aws is both allowed and forbidden/);
    expect(bad).toThrow(/unknown location "gcs:moon-1"/);
    expect(() => parseUsers({ populations: pops, providers: { allowed: ["aws"], forbidden: ["aws"] } })).toThrow(/every provider is forbidden/);
  });
});

describe("latency to another provider's location (offline, labelled by what it rests on)", () => {
  const model = offlineModel();
  const frankfurt = parsePlace("Frankfurt");
  it("Azure's matrix where the location shares a metro with one of its regions", () => {
    // B2's eu-central is in Amsterdam, Azure's West Europe; Frankfurt is Azure's Germany West Central.
    const e = estimateToLocation(frankfurt, { name: "Amsterdam", lat: 52.37, lon: 4.9 });
    expect(e.method).toBe("azure-matrix");
    const v = model.network.vantage!;
    const az = measuredMs(v.matrix, "Germany West Central", "West Europe")!;
    // Either a local hop into Frankfurt's Azure metro, or the AWS model to eu-central-1 (Frankfurt's twin); then Azure's
    // measured median, scaled to AWS's figures; plus the 10 ms access allowance.
    const direct = hopMs(model.network.hop, haversineKm(frankfurt, v.matrix.places["Germany West Central"]!)) + v.scale * az + DEFAULT_ACCESS_MS;
    const viaAws = estimateRtt(frankfurt, findRegion("eu-central-1")!).estimateMs + v.scale * az;
    expect(e.estimateMs).toBeCloseTo(Math.min(direct, viaAws), 6);
    expect(e.lowMs).toBeLessThanOrEqual(e.estimateMs);
    expect(e.highMs).toBeGreaterThan(e.estimateMs);
    expect(e.routingUnknown).toBeUndefined();
  });
  it("the AWS model where a measured AWS region shares the metro and no Azure region does", () => {
    // GCS us-east4 is in Ashburn, Virginia: AWS's us-east-1; the Azure matrix names no place there.
    const e = estimateToLocation(frankfurt, { name: "Ashburn", lat: 39.04, lon: -77.49 });
    expect(e.method).toBe("aws-metro");
    expect(e.basis).toBe("the AWS model to us-east-1, in the same metro");
    expect(e.estimateMs).toBeCloseTo(estimateRtt(frankfurt, findRegion("us-east-1")!).estimateMs, 6);
  });
  it("distance alone otherwise, with routing unknown: the interval runs from the fibre floor", () => {
    // B2's us-west is in Sacramento: no Azure region and no measured AWS region within 100 km.
    const sacramento = { name: "Sacramento", lat: 38.58, lon: -121.49 };
    const e = estimateToLocation(frankfurt, sacramento);
    expect(e.method).toBe("distance");
    expect(e.routingUnknown).toBe(true);
    const km = haversineKm(frankfurt, sacramento);
    expect(e.estimateMs).toBeCloseTo(hopMs(model.network.hop, km) + DEFAULT_ACCESS_MS, 6);
    // The fibre floor: 1 ms of round trip per 100 km, plus the access allowance.
    expect(e.lowMs).toBeCloseTo(km / 100 + DEFAULT_ACCESS_MS, 6);
  });
});
