/**
 * The price snapshot built from AWS's pricing-page feeds (scripts/build-snapshot.ts): the converter on feed-shaped
 * input, the shipped result's coverage and provenance, held-out bills outside the US, and a Sydney placement.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { priceComponents, total } from "../core/cost/components.js";
import { OPTION_IDS, egressComponents, estimate } from "../core/cost/horizon.js";
import { interRegionSelector } from "../core/cost/cohorts.js";
import { dec } from "../core/money.js";
import { parseWorkload } from "../core/cost/workload.js";
import { Catalog, type PriceSelector } from "../core/pricing/catalog.js";
import { parsePriceList } from "../core/pricing/pricelist.js";
import { fileName, serialize } from "../core/pricing/snapshot.js";
import { REGIONS, findRegion } from "../core/regions.js";
import { CLASSES } from "../core/storageClasses.js";
import { plan } from "../planner/placement/plan.js";
import { parseUsers } from "../planner/placement/users.js";
import { buildSnapshot, convertSources } from "../scripts/build-snapshot.js";
import { FEED_PRODUCTS } from "../scripts/feedMap.js";
import { convertFeed, type Feed } from "../scripts/feeds.js";
import { shippedSnapshot } from "./support/snapshot.js";

const { catalog, files } = await shippedSnapshot();
const EGRESS: PriceSelector = { service: "AWSDataTransfer", usagetype: "DataTransfer-Out-Bytes", attributes: { transferType: "AWS Outbound" } };

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
    expect(virginia.find("us-east-1", CLASSES.GLACIER_IR.transitionIn!)!.entry).toMatchObject({
      sku: "GIRTRANSITION001",
      usagetype: "Requests-Tier4",
      attributes: { operation: "S3-GIRTransition" },
    });
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
    const described = new Map(
      Object.values(FEED_PRODUCTS)
        .flat()
        .map((p) => [`${p.service} ${p.usagetype} ${p.attributes?.operation ?? ""}`, p.tiers.map((t) => t.key)]),
    );
    let checked = 0;
    for (const r of responses) {
      expect(r.source, `${r.service} ${r.region}`).not.toBe("");
      expect(r.retrievedAt).toMatch(/^\d{4}-\d\d-\d\d$/);
      if (!/pricing-page feed/.test(r.source)) continue;
      for (const text of r.PriceList) {
        const doc = JSON.parse(text as string);
        const sku: string = doc.product.sku;
        expect(sku).toMatch(/^[A-Z0-9]{16}$/);
        const dims = Object.values(doc.terms.OnDemand).flatMap((o) => Object.values((o as { priceDimensions: object }).priceDimensions)) as {
          rateCode: string;
          description: string;
        }[];
        for (const d of dims) expect(d.rateCode.startsWith(`${sku}.JRTCKXETXF.`)).toBe(true);
        // The product is named by the one table: its tiers are exactly the feed descriptions feedMap.ts gives it.
        const base = doc.product.attributes.usagetype.replace(/^[A-Z]{2,4}\d?-(?=[A-Za-z])/, "");
        const keys = described.get(`${doc.serviceCode} ${base} ${doc.product.attributes.operation ?? ""}`);
        if (keys)
          expect(
            dims.map((d) => d.description),
            `${sku} in ${r.region}`,
          ).toEqual(keys);
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
    // One file per service and region, each exactly the serialized answers of that region; no other file.
    const expected = rebuilt.flatMap((file) =>
      [...new Set(file.responses.map((r) => r.region))].map((region) => ({
        path: fileName(file.serviceCode, region),
        text: serialize({ ...file, responses: file.responses.filter((r) => r.region === region) }),
      })),
    );
    for (const { path, text } of expected) expect(readFileSync(join("data", "prices", path), "utf8"), path).toBe(text);
    expect(
      readdirSync(join("data", "prices"), { recursive: true })
        .filter((n) => String(n).endsWith(".json"))
        .sort(),
    ).toEqual(expected.map((e) => e.path).sort());
    // The real us-east-1 rows name the same SKUs as the feed for every product both hold.
    const s3 = convertFeed("s3", JSON.parse(readFileSync(join(feeds, "s3.json"), "utf8")) as Feed, "s3 feed");
    const virginia = parsePriceList(s3.responses.filter((r) => r.region === "us-east-1").flatMap((r) => r.PriceList)).entries;
    const { rows } = JSON.parse(readFileSync(join(feeds, "pricelist-rows-us-east-1.json"), "utf8")) as {
      rows: { offer: string; sku: string; usagetype: string }[];
    };
    const same = new Set<string>();
    for (const row of rows) {
      const fromFeed = virginia.filter((e) => e.serviceCode === row.offer && e.usagetype === row.usagetype);
      if (fromFeed.length === 0) continue; // Deep Archive storage: not in the S3 feed
      expect(
        fromFeed.map((e) => e.sku),
        row.usagetype,
      ).toEqual([row.sku]);
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
    bill(
      {
        region,
        horizon_months: 1,
        data: { initial_gb: 1000 },
        requests: { monthly_writes: 100_000, monthly_reads: 1_000_000 },
        access: { monthly_egress_gb: 0 },
      },
      "s3-standard",
    );

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
    expect(
      bill(
        {
          region: "ap-south-1",
          horizon_months: 1,
          data: { initial_gb: 20 },
          access: { monthly_egress_gb: 0 },
          rds: { instance: "db.m5.large", storage: "gp2" },
        },
        "rds-postgresql",
      ).total,
    ).toBe("187.31");
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

describe("prices beyond storage: Fargate, SQS, internet egress, inter-region transfer, Deep Archive", () => {
  const feeds = join("..", "shared", "data", "aws-pricing-feeds");
  const has = existsSync(feeds);
  const text = (file: string) => readFileSync(join(feeds, file), "utf8");
  const csv = (file: string) => {
    const [head, ...rows] = text(file)
      .trim()
      .split("\n")
      .map((l) => l.split(","));
    return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]!])));
  };
  const code = (location: string) => REGIONS.find((r) => r.location === location)?.code;
  const unit = (region: string, selector: PriceSelector) => catalog.find(region, selector)?.entry.tiers.map((t) => t.usd.toFixed());

  it.skipIf(!has)("every region the feeds cover has Fargate, Deep Archive and internet-egress prices", () => {
    const fargate = Object.keys(JSON.parse(text("ecs.json")).regions).flatMap((l) => code(l) ?? []);
    expect(fargate.length).toBeGreaterThanOrEqual(34);
    for (const r of fargate) {
      expect(unit(r, { service: "AmazonECS", usagetype: "Fargate-vCPU-Hours:perCPU" }), r).toBeDefined();
      expect(unit(r, { service: "AmazonECS", usagetype: "Fargate-GB-Hours" }), r).toBeDefined();
    }
    const deep = csv("s3-glacier-deep-archive.csv").flatMap((row) => (findRegion(row.region_code!) ? [row] : []));
    expect(deep.length).toBe(30);
    for (const row of deep) {
      expect(unit(row.region_code!, CLASSES.DEEP_ARCHIVE.storage), row.region_code).toEqual([String(Number(row["Glacier Deep Archive GB Mo"]))]);
      expect(unit(row.region_code!, CLASSES.DEEP_ARCHIVE.tier1), row.region_code).toEqual([String(Number(row["PUT to Glacier Deep Archive Requests"]))]);
    }
    const egress = new Set([
      ...Object.keys(JSON.parse(text("ec2-vps-rates.json"))),
      ...csv("skyplane-aws-transfer-costs.csv")
        .filter((r) => r.dst === "internet")
        .map((r) => r.src!),
    ]);
    const commercial = [...egress].filter((r) => findRegion(r));
    expect(commercial.length).toBe(26);
    for (const r of commercial) expect(unit(r, EGRESS), r).toBeDefined();
  });

  it.skipIf(!has)("every pair skyplane's transfer matrix gives has a replica transfer price, the matrix's", () => {
    const pairs = csv("skyplane-aws-transfer-costs.csv").filter((r) => r.dst !== "internet" && findRegion(r.src!) && findRegion(r.dst!));
    expect(pairs.length).toBeGreaterThan(550);
    for (const { src, dst, cost } of pairs) expect(unit(src!, interRegionSelector(dst!)), `${src} → ${dst}`).toEqual([String(Number(cost))]);
  });

  it.skipIf(!has)("where sources give the same product, the newer one's is in the snapshot", async () => {
    // Oldest first: skyplane (2023) gave one internet rate per region (the first 10 TB), ec2-vps-rates (2026-08-31)
    // the four tiers: the snapshot holds the newer, with its date. That is the only difference among the sources.
    const layers = await convertSources(feeds);
    expect(layers.map((l) => l.date.slice(0, 10))).toEqual([...layers.map((l) => l.date.slice(0, 10))].sort());
    const saoPaulo = catalog.find("sa-east-1", EGRESS)!;
    expect(saoPaulo.provenance.retrievedAt).toBe("2026-08-31");
    expect(saoPaulo.entry.tiers.map((t) => t.usd.toFixed())).toEqual(["0.15", "0.138", "0.126", "0.114"]);
    const older = layers.find((l) => l.name === "skyplane-aws-transfer-costs")!.converted.responses.find((r) => r.region === "sa-east-1")!;
    const olderEgress = parsePriceList(older.PriceList).entries.find((e) => e.usagetypeBase === "DataTransfer-Out-Bytes")!;
    expect(olderEgress.tiers.map((t) => [t.usd.toFixed(), t.end?.toFixed()])).toEqual([["0.15", "10240"]]);
    // Where a region has only skyplane's first tier (Zurich), usage beyond 10 TB is reported unpriced, not guessed.
    const zurich = priceComponents([{ name: "egress", unit: "GB", quantity: dec(12240), price: EGRESS, region: "eu-central-2" }], catalog);
    expect(zurich.lines.map((l) => [l.quantity?.toFixed(), l.cost?.toFixed() ?? null])).toEqual([
      ["2000", null],
      ["10240", "921.6"],
    ]);
    expect(zurich.missing.map((m) => m.usagetype)).toEqual(["DataTransfer-Out-Bytes over 10240 GB"]);
    // Ohio's egress is the data-transfer feed's own product (real SKU), not the table's copy of the same prices.
    expect(catalog.find("us-east-2", EGRESS)!.entry.sku).toBe("36H7S3NU9B7S3UT5");
  });
});

describe("held-out bills for the new prices, exact to the cent (arithmetic from the source files, not from the converter)", () => {
  const bill = (components: Parameters<typeof priceComponents>[0]) => {
    const priced = priceComponents(components, catalog);
    expect(priced.missing).toEqual([]);
    return total(priced.lines).toFixed(2);
  };
  const deepArchive = (region: string) =>
    bill([
      { name: "storage", unit: "GB-Mo", quantity: dec(1234), price: CLASSES.DEEP_ARCHIVE.storage, region },
      { name: "PUT", unit: "Requests", quantity: dec(56_789), price: CLASSES.DEEP_ARCHIVE.tier1, region },
    ]);

  it("Deep Archive, 1,234 GB-Mo and 56,789 PUTs (s3-glacier-deep-archive.csv)", () => {
    expect(deepArchive("eu-west-1")).toBe("4.35"); // 1234 × 0.00099 = 1.22166; 56789 × 0.000055 = 3.123395; 4.345055
    expect(deepArchive("ap-southeast-2")).toBe("5.88"); // 1234 × 0.002 = 2.468; 56789 × 0.00006 = 3.40734; 5.87534
    expect(deepArchive("sa-east-1")).toBe("9.63"); // 1234 × 0.0032 = 3.9488; 56789 × 0.0001 = 5.6789; 9.6277
  });

  it("internet egress of 20,000 GB in a month, across the 10 TB boundary (ec2-vps-rates.json)", () => {
    // 100 GB free, then 10,240 − 100 = 10,140 GB at the first tier and 20,000 − 10,240 = 9,760 GB at the second.
    const egress = (region: string) =>
      bill(egressComponents(parseWorkload({ region, data: { initial_gb: 0 }, access: { monthly_egress_gb: 20_000, monthly_read_gb: 0 } })));
    expect(egress("ap-southeast-2")).toBe("2112.44"); // 10140 × 0.114 = 1155.96; 9760 × 0.098 = 956.48
    expect(egress("sa-east-1")).toBe("2867.88"); // 10140 × 0.15 = 1521.00; 9760 × 0.138 = 1346.88
    expect(egress("me-south-1")).toBe("2264.86"); // 10140 × 0.117 = 1186.38; 9760 × 0.1105 = 1078.48
  });

  it("a replica copy of 1,500 GB from Mumbai to Singapore (skyplane: ap-south-1,ap-southeast-1,0.086)", () => {
    expect(bill([{ name: "copy", unit: "GB", quantity: dec(1500), price: interRegionSelector("ap-southeast-1"), region: "ap-south-1" }])).toBe("129.00");
  });

  it("a Fargate task-month, 2 vCPU and 4 GB for 730 hours (ecs.json)", () => {
    const task = (region: string) =>
      bill([
        { name: "vCPU", unit: "hours", quantity: dec(2 * 730), price: { service: "AmazonECS", usagetype: "Fargate-vCPU-Hours:perCPU" }, region },
        { name: "memory", unit: "hours", quantity: dec(4 * 730), price: { service: "AmazonECS", usagetype: "Fargate-GB-Hours" }, region },
      ]);
    expect(task("eu-central-1")).toBe("82.90"); // 1460 × 0.04656 = 67.9776; 2920 × 0.00511 = 14.9212; 82.8988
    expect(task("ap-northeast-1")).toBe("89.97"); // 1460 × 0.05056 = 73.8176; 2920 × 0.00553 = 16.1476; 89.9652
  });
});
