/**
 * The price snapshot built from AWS's pricing-page feeds (scripts/build-snapshot.ts): the converter on feed-shaped
 * input, the shipped result's coverage and provenance, held-out bills outside the US, and a Sydney placement.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { OPTION_IDS, estimate } from "../core/cost/estimate.js";
import { parseWorkload } from "../core/cost/workload.js";
import { Catalog } from "../core/pricing/catalog.js";
import { parsePriceList } from "../core/pricing/pricelist.js";
import { serialize } from "../core/pricing/snapshot.js";
import { findRegion } from "../core/regions.js";
import { CLASSES } from "../core/storageClasses.js";
import { plan } from "../planner/placement/plan.js";
import { parseUsers } from "../planner/placement/users.js";
import { buildSnapshot } from "../scripts/build-snapshot.js";
import { FEED_PRODUCTS } from "../scripts/feedMap.js";
import { convertFeed, type Feed } from "../scripts/feeds.js";
import { shippedSnapshot } from "./support/snapshot.js";

const { catalog, files } = await shippedSnapshot();

describe("the feed converter", () => {
  const entry = (sku: string, rate: string, price: string) => ({ rateCode: `${sku}.JRTCKXETXF.${rate}`, price });
  const feed: Feed = {
    manifest: { hawkFilePublicationDate: "2025-10-22T21:14:55Z" },
    regions: {
      "US East (N. Virginia)": {
        "Standard Storage First 50 TB per GB Mo": entry("STDVIRGINIA00001", "PGHJ3S3EYE", "0.0230000000"),
        "Standard Storage Next 450 TB per GB Mo": entry("STDVIRGINIA00001", "D42MF2PVJS", "0.0220000000"),
        "Standard Storage Over 500 TB per GB Mo": entry("STDVIRGINIA00001", "PXJDJ3YRG3", "0.0210000000"),
        "Lifecycle Transition Requests into Glacier Instant Retrieval per Requests": entry("GIRTRANSITION001", "6YS6EN2CT7", "0.0000200000"),
      },
      "Asia Pacific (Sydney)": {
        "Standard Storage First 50 TB per GB Mo": entry("STDSYDNEY0000001", "PGHJ3S3EYE", "0.0250000000"),
        "Standard Storage Next 450 TB per GB Mo": entry("STDSYDNEY0000001", "D42MF2PVJS", "0.0240000000"),
        // A tier under another SKU: the product is left out, never half-built.
        "Standard Storage Over 500 TB per GB Mo": entry("SOMETHINGELSE001", "PXJDJ3YRG3", "0.0230000000"),
      },
      "AWS GovCloud (US)": { "Standard Storage First 50 TB per GB Mo": entry("GOVCLOUD00000001", "PGHJ3S3EYE", "0.039") },
      "US West (Los Angeles)": { "Standard Storage First 50 TB per GB Mo": entry("LOCALZONE0000001", "PGHJ3S3EYE", "0.03") },
    },
  };
  const converted = convertFeed("s3", feed, "test feed");
  const docs = (region: string) => converted.responses.filter((r) => r.region === region).flatMap((r) => r.PriceList);

  it("writes each product once, under its real SKU, usage type, tiers and publication date, in commercial regions only", () => {
    // Sydney's only product is contradictory (below), GovCloud and the Los Angeles Local Zone are not regions.
    expect([...new Set(converted.responses.map((r) => r.region))]).toEqual(["us-east-1"]);
    const virginia = new Catalog(parsePriceList(docs("us-east-1")).entries.map((e) => ({ entry: e, provenance: { source: "t", retrievedAt: "2025-10-22" } })));
    const standard = virginia.find("us-east-1", CLASSES.STANDARD.storage)!.entry;
    expect(standard).toMatchObject({ sku: "STDVIRGINIA00001", usagetype: "TimedStorage-ByteHrs", publicationDate: "2025-10-22T21:14:55Z" });
    expect(standard.tiers.map((t) => [t.begin.toFixed(), t.end?.toFixed() ?? "Inf", t.usd.toFixed(), t.unit])).toEqual([
      ["0", "51200", "0.023", "GB-Mo"],
      ["51200", "512000", "0.022", "GB-Mo"],
      ["512000", "Inf", "0.021", "GB-Mo"],
    ]);
    // A shared usage type is told apart by its operation, as the transition selectors ask.
    expect(virginia.find("us-east-1", CLASSES.GLACIER_IR.transitionIn!)!.entry).toMatchObject({ sku: "GIRTRANSITION001", usagetype: "Requests-Tier4", attributes: { operation: "S3-GIRTransition" } });
    expect(converted.responses[0]!.retrievedAt).toBe("2025-10-22");
  });

  it("reports what a region's feed lacks or contradicts, and leaves it out", () => {
    expect(parsePriceList(docs("ap-southeast-2")).entries.map((e) => e.usagetype)).toEqual([]);
    expect(converted.problems).toContain("ap-southeast-2: TimedStorage-ByteHrs's tiers carry different SKUs (STDSYDNEY0000001, SOMETHINGELSE001); left out");
    expect(converted.problems).toContain('ap-southeast-2: AmazonS3 Requests-Tier1 not priced: no "PUT COPY/POST or LIST requests per Requests" in the feed');
  });
});

describe("the shipped snapshot", () => {
  const responses = [...files.values()].flatMap((f) => f.responses.map((r) => ({ service: f.serviceCode, ...r })));

  it("prices S3, EBS and RDS PostgreSQL in at least 25 commercial regions", () => {
    const regionsWith = (service: string) => new Set(responses.filter((r) => r.service === service).map((r) => r.region));
    const [s3, ebs, rds] = [regionsWith("AmazonS3"), regionsWith("AmazonEC2"), regionsWith("AmazonRDS")];
    const all = [...s3].filter((r) => ebs.has(r) && rds.has(r));
    expect(all.length).toBeGreaterThanOrEqual(25);
    for (const r of all) expect(findRegion(r), r).toBeDefined();
  });

  it("keeps each feed price's real SKU, rate code, feed description, source and date", () => {
    const described = new Map(Object.values(FEED_PRODUCTS).flat().map((p) => [`${p.service} ${p.usagetype} ${p.attributes?.operation ?? ""}`, p.tiers.map((t) => t.key)]));
    let checked = 0;
    for (const r of responses) {
      expect(r.source, `${r.service} ${r.region}`).not.toBe("");
      expect(r.retrievedAt).toMatch(/^\d{4}-\d\d-\d\d$/);
      if (!/pricing-page feed/.test(r.source)) continue;
      for (const text of r.PriceList) {
        const doc = JSON.parse(text as string);
        const sku: string = doc.product.sku;
        expect(sku).toMatch(/^[A-Z0-9]{16}$/);
        const dims = Object.values(doc.terms.OnDemand).flatMap((o) => Object.values((o as { priceDimensions: object }).priceDimensions)) as { rateCode: string; description: string }[];
        for (const d of dims) expect(d.rateCode.startsWith(`${sku}.JRTCKXETXF.`)).toBe(true);
        // The product is named by the one table: its tiers are exactly the feed descriptions feedMap.ts gives it.
        const base = doc.product.attributes.usagetype.replace(/^[A-Z]{2,4}\d?-(?=[A-Za-z])/, "");
        const keys = described.get(`${doc.serviceCode} ${base} ${doc.product.attributes.operation ?? ""}`);
        if (keys) expect(dims.map((d) => d.description), `${sku} in ${r.region}`).toEqual(keys);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(4000);
  });

  it("never matches a price twice: every option in every priced region finds at most one product per line", () => {
    const workload = parseWorkload(parse(readFileSync("examples/workload.yaml", "utf8")));
    for (const region of catalog.regions("AmazonS3")) {
      const report = estimate({ ...workload, region, horizon_months: 2 }, catalog, null); // Catalog.find throws on a second match
      expect(report.options.map((o) => o.id)).toEqual(expect.arrayContaining([...OPTION_IDS]));
    }
  });

  // Rebuilding needs the feeds beside the project (../shared/data); a clean clone without them checks the rest.
  const feeds = join("..", "shared", "data", "aws-pricing-feeds");
  it.skipIf(!existsSync(feeds))("is exactly what scripts/build-snapshot.ts makes from the feeds", async () => {
    const { files: rebuilt } = await buildSnapshot(feeds);
    for (const file of rebuilt) expect(serialize(file), file.serviceCode).toBe(readFileSync(join("data", "prices", `${file.serviceCode}.json`), "utf8"));
    // The real us-east-1 rows name the same SKUs as the feed for every product both hold.
    const s3 = convertFeed("s3", JSON.parse(readFileSync(join(feeds, "s3.json"), "utf8")) as Feed, "s3 feed");
    const virginia = parsePriceList(s3.responses.filter((r) => r.region === "us-east-1").flatMap((r) => r.PriceList)).entries;
    const { rows } = JSON.parse(readFileSync(join(feeds, "pricelist-rows-us-east-1.json"), "utf8")) as { rows: { offer: string; sku: string; usagetype: string }[] };
    const same = new Set<string>();
    for (const row of rows) {
      const fromFeed = virginia.filter((e) => e.serviceCode === row.offer && e.usagetype === row.usagetype);
      if (fromFeed.length === 0) continue; // Deep Archive storage: not in the S3 feed
      expect(fromFeed.map((e) => e.sku), row.usagetype).toEqual([row.sku]);
      same.add(row.sku);
    }
    expect(same.size).toBe(9);
  });
});

describe("bills outside the US, exact to the cent (figures from shared/research/price-truth.md §3, not from the converter)", () => {
  const bill = (raw: object, option: (typeof OPTION_IDS)[number]) => {
    const report = estimate(parseWorkload(raw), catalog, null, { only: [option] });
    const month = report.options[0]!.months[0]!;
    return { total: month.total.toFixed(2), lines: month.lines.filter((l) => l.cost !== null).map((l) => [l.name, l.cost!.toFixed(2)]) };
  };
  const s3Standard = (region: string) =>
    bill({ region, horizon_months: 1, data: { initial_gb: 1000 }, requests: { monthly_writes: 100_000, monthly_reads: 1_000_000 }, access: { monthly_egress_gb: 0 } }, "s3-standard");

  it("1,000 GB of S3 Standard in Sydney with 100,000 PUTs and 1,000,000 GETs: $25.00 + $0.55 + $0.44 = $25.99", () => {
    const sydney = s3Standard("ap-southeast-2");
    expect(sydney.lines.slice(0, 3).map(([, cost]) => cost)).toEqual(["25.00", "0.55", "0.44"]);
    expect(sydney.total).toBe("25.99");
  });

  it("the same in São Paulo ($40.50 + $0.70 + $0.56) and Tokyo ($25.00 + $0.47 + $0.37)", () => {
    expect(s3Standard("sa-east-1").total).toBe("41.76");
    expect(s3Standard("ap-northeast-1").total).toBe("25.84");
  });

  it("RDS in Mumbai and EBS in Stockholm", () => {
    // db.m5.large Single-AZ $0.253 × 730 h + 20 GB gp2 × $0.131.
    expect(bill({ region: "ap-south-1", horizon_months: 1, data: { initial_gb: 20 }, access: { monthly_egress_gb: 0 }, rds: { instance: "db.m5.large", storage: "gp2" } }, "rds-postgresql").total).toBe("187.31");
    // 1,000 GB gp3 × $0.0836, no snapshots.
    expect(bill({ region: "eu-north-1", horizon_months: 1, data: { initial_gb: 1000 }, access: { monthly_egress_gb: 0 } }, "ebs").total).toBe("83.60");
  });
});

describe("a placement for users far from the US", () => {
  it("recommends an Asia-Pacific region with its monthly cost when every user is in Sydney and no region is ruled out", () => {
    const workload = parseWorkload(parse(readFileSync("examples/workload.yaml", "utf8")));
    // An interactive objective (100 ms). With the default 200 ms, Oregon (~150 ms from Sydney, and cheaper storage
    // and egress) meets it and is recommended, naming Sydney as faster for $4.50 more a month.
    const users = parseUsers({ populations: [{ name: "households", place: "Sydney", weight: 1 }], constraints: { latency_objective_ms: 100 } });
    const lenient = plan({ workload, users: parseUsers({ populations: [{ name: "households", place: "Sydney", weight: 1 }] }), catalog });
    expect(lenient.recommendation?.primary).toBe("us-west-2");
    expect(lenient.recommendation!.reasons.join("\n")).toMatch(/ap-southeast-2 would be faster \([\d.]+ ms\) for \$4\.50 more a month/);
    const result = plan({ workload, users, catalog });
    expect(result.recommendation?.primary).toMatch(/^ap-/);
    expect(result.recommendation!.monthlyCost.greaterThan(0)).toBe(true);
    const row = result.ranking.find((r) => r.region === result.recommendation!.primary)!;
    expect(row.feasible).toBe(true);
    // Before this snapshot no Asia-Pacific region had prices: every one is now considered.
    expect(result.ranking.filter((r) => r.region.startsWith("ap-") && r.monthlyCost !== null).length).toBeGreaterThanOrEqual(4);
  });
});
