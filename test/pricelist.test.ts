import { describe, expect, it } from "vitest";
import { priceComponents, seriesOf, seriesTotal } from "../core/cost/components.js";
import { Decimal } from "../core/money.js";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { Catalog, byName, selectorKey, type PriceSelector } from "../core/pricing/catalog.js";
import { CLASSES } from "../core/storageClasses.js";
import { shippedSnapshot } from "./support/snapshot.js";
import { parsePriceList, parseProduct, stripRegionPrefix, usagetypeOf } from "../core/pricing/pricelist.js";

// A real GetProducts element (EBS gp3 in af-south-1), as quoted in grafana/cloudcost-exporter's tests.
const REAL_GP3 =
  '{"product":{"productFamily":"Storage","attributes":{"volumeApiName":"gp3","usagetype":"AFS1-EBS:VolumeUsage.gp3","regionCode":"af-south-1","locationType":"AWS Region"},"sku":"XWCTMRRUJM7TGYST"},"serviceCode":"AmazonEC2","terms":{"OnDemand":{"XWCTMRRUJM7TGYST.JRTCKXETXF":{"priceDimensions":{"XWCTMRRUJM7TGYST.JRTCKXETXF.6YS6EN2CT7":{"unit":"GB-Mo","endRange":"Inf","beginRange":"0","pricePerUnit":{"USD":"0.1047000000"}}}}}}}';

function tiered(sku: string, usagetype: string, dims: [string, string, string][], extra: Record<string, string> = {}): string {
  const priceDimensions = Object.fromEntries(
    dims.map(([begin, end, usd], i) => [`${sku}.JRTCKXETXF.R${i}`, { unit: "GB-Mo", beginRange: begin, endRange: end, pricePerUnit: { USD: usd } }]),
  );
  return JSON.stringify({
    product: { sku, attributes: { usagetype, regionCode: "us-east-2", ...extra } },
    serviceCode: "AmazonS3",
    terms: { OnDemand: { [`${sku}.JRTCKXETXF`]: { priceDimensions } } },
  });
}

describe("parsePriceList", () => {
  it("reads a real GetProducts element: string price, Inf end, region prefix", () => {
    const { entries, problems } = parsePriceList([REAL_GP3]);
    expect(problems).toEqual([]);
    const [e] = entries;
    expect(e!.sku).toBe("XWCTMRRUJM7TGYST");
    expect(e!.serviceCode).toBe("AmazonEC2");
    expect(e!.regionCode).toBe("af-south-1");
    expect(e!.usagetypeBase).toBe("EBS:VolumeUsage.gp3");
    expect(e!.tiers).toHaveLength(1);
    expect(e!.tiers[0]!.usd.toFixed()).toBe("0.1047");
    expect(e!.tiers[0]!.end).toBeNull();
  });

  it("keeps every tier of a tiered SKU, sorted, whatever order the dimensions come in", () => {
    const doc = tiered("S1", "USE2-TimedStorage-ByteHrs", [
      ["512000", "Inf", "0.0210000000"],
      ["0", "51200", "0.0230000000"],
      ["51200", "512000", "0.0220000000"],
    ]);
    const [e] = parsePriceList([doc]).entries;
    expect(e!.tiers.map((t) => [t.begin.toFixed(), t.end?.toFixed() ?? "Inf", t.usd.toFixed()])).toEqual([
      ["0", "51200", "0.023"],
      ["51200", "512000", "0.022"],
      ["512000", "Inf", "0.021"],
    ]);
  });

  it("reports malformed elements and keeps the good ones", () => {
    const good = tiered("GOOD", "Requests-Tier1", [["0", "Inf", "0.000005"]]);
    const noPrice = JSON.stringify({
      product: { sku: "NOPRICE", attributes: { usagetype: "X" } },
      terms: { OnDemand: { "NOPRICE.A": { priceDimensions: { "NOPRICE.A.B": { unit: "GB" } } } } },
    });
    const gap = tiered("GAP", "TimedStorage-ByteHrs", [
      ["0", "100", "0.1"],
      ["200", "Inf", "0.2"],
    ]);
    const negative = tiered("NEG", "X", [["0", "Inf", "-1"]]);
    const noUsage = JSON.stringify({ product: { sku: "NOUSAGE", attributes: {} }, terms: { OnDemand: {} } });
    const { entries, problems } = parsePriceList([good, "{not json", noPrice, gap, negative, noUsage]);
    expect(entries.map((e) => e.sku)).toEqual(["GOOD"]);
    expect(problems.map((p) => [p.index, p.sku])).toEqual([
      [1, null],
      [2, "NOPRICE"],
      [3, "GAP"],
      [4, "NEG"],
      [5, "NOUSAGE"],
    ]);
    expect(problems[1]!.reason).toMatch(/pricePerUnit.USD/);
    expect(problems[2]!.reason).toMatch(/not contiguous/);
  });

  it("rejects a product with two on-demand offers rather than guessing", () => {
    const doc = JSON.parse(tiered("TWO", "X", [["0", "Inf", "1"]]));
    doc.terms.OnDemand["TWO.OTHER"] = doc.terms.OnDemand["TWO.JRTCKXETXF"];
    expect(() => parseProduct(doc)).toThrow(/one OnDemand offer/);
  });

  it("strips region prefixes only", () => {
    expect(stripRegionPrefix("USE2-TimedStorage-ByteHrs")).toBe("TimedStorage-ByteHrs");
    expect(stripRegionPrefix("EU-Requests-Tier1")).toBe("Requests-Tier1");
    expect(stripRegionPrefix("EUC1-TimedStorage-GDA-ByteHrs")).toBe("TimedStorage-GDA-ByteHrs");
    expect(stripRegionPrefix("TimedStorage-ByteHrs")).toBe("TimedStorage-ByteHrs");
    expect(stripRegionPrefix("Requests-Tier1")).toBe("Requests-Tier1");
    expect(stripRegionPrefix("EBS:VolumeUsage.gp3")).toBe("EBS:VolumeUsage.gp3");
    expect(stripRegionPrefix("USE2-USE1-AWS-Out-Bytes")).toBe("USE1-AWS-Out-Bytes");
  });
});

describe("Catalog", () => {
  const provenance = { source: "test", retrievedAt: "2026-11-27" };
  const parse = (docs: string[]) => parsePriceList(docs).entries.map((entry) => ({ entry, provenance }));

  it("ignores Outposts and Local Zone SKUs that share a region's usage type", () => {
    const region = tiered("REGION", "USE2-TimedStorage-ByteHrs", [["0", "Inf", "0.023"]], { locationType: "AWS Region" });
    const outpost = tiered("OUTPOST", "USE2-TimedStorage-ByteHrs", [["0", "Inf", "0.5"]], { locationType: "AWS Outposts" });
    const catalog = new Catalog(parse([outpost, region]));
    expect(catalog.find("us-east-2", { service: "AmazonS3", usagetype: "TimedStorage-ByteHrs" })!.entry.sku).toBe("REGION");
  });

  it("refuses to pick between two matching products", () => {
    const a = tiered("A", "TimedStorage-ByteHrs", [["0", "Inf", "0.023"]]);
    const b = tiered("B", "TimedStorage-ByteHrs", [["0", "Inf", "0.021"]], { volumeType: "Glacier Deep Archive" });
    const catalog = new Catalog(parse([a, b]));
    expect(() => catalog.find("us-east-2", { service: "AmazonS3", usagetype: "TimedStorage-ByteHrs" })).toThrow(/matches 2 products/);
    expect(
      catalog.find("us-east-2", { service: "AmazonS3", usagetype: "TimedStorage-ByteHrs", attributes: { volumeType: "Glacier Deep Archive" } })!.entry.sku,
    ).toBe("B");
  });

  it("orders a selector's attributes as localeCompare does, without loading ICU's collator for plain names", () => {
    const sign = (n: number) => Math.sign(n);
    // Letters of both cases and digits, from a small alphabet so that names often differ only in case.
    for (const name of [/^[A-Za-z0-9]{0,8}$/, /^[aAbBzZ09]{0,4}$/]) {
      fc.assert(
        fc.property(fc.stringMatching(name), fc.stringMatching(name), (a, b) => sign(byName(a, b)) === sign(a.localeCompare(b))),
        { numRuns: 20_000 },
      );
    }
    // Anything else is localeCompare's own answer.
    for (const [a, b] of <[string, string][]>[
      ["from_region", "fromRegion"],
      ["a-b", "a_b"],
      ["é", "e"],
      ["", "x"],
    ])
      expect(byName(a, b)).toBe(a.localeCompare(b));
    const selector = { service: "AmazonS3", usagetype: "x", attributes: { volumeType: "v", storageClass: "s", toRegionCode: "t" } } as const;
    expect(selectorKey(selector)).toBe("AmazonS3:x[storageClass=s,toRegionCode=t,volumeType=v]");
  });

  it("parses a loaded answer's elements when their usage type is first looked up, with the same prices and problems", () => {
    expect(usagetypeOf(REAL_GP3)).toBe("EBS:VolumeUsage.gp3");
    expect(usagetypeOf(REAL_GP3.replace('"usagetype"', '"usage\\u0074ype"'))).toBeNull(); // escaped: parsed at once
    expect(usagetypeOf(REAL_GP3.replace('"sku"', '"usagetype":"x","sku"'))).toBeNull(); // twice: parsed at once
    const a = tiered("A", "USE2-TimedStorage-ByteHrs", [["0", "Inf", "0.023"]]);
    const broken = tiered("B", "USE2-Requests-Tier1", [
      ["0", "10", "1"],
      ["20", "Inf", "0.5"],
    ]); // a gap between its tiers: a problem
    const priceList = [broken, "{not json", a, tiered("C", "USE2-Requests-Tier1", [["0", "Inf", "0.005"]])];
    const answer = { service: "AmazonS3" as const, region: "us-east-2", provenance, PriceList: priceList };
    const catalog = new Catalog([], [answer]);
    expect(catalog.find("us-east-2", { service: "AmazonS3", usagetype: "TimedStorage-ByteHrs" })!.entry.sku).toBe("A");
    expect(catalog.problems.map((p) => p.index)).toEqual([1]); // the element with no usage type to file it under
    expect(catalog.find("us-east-2", { service: "AmazonS3", usagetype: "Requests-Tier1" })!.entry.sku).toBe("C");
    // Everything parsed: the problems parsePriceList finds, in its order.
    expect(catalog.complete().problems.map(({ index, sku, reason }) => ({ index, sku, reason }))).toEqual(parsePriceList(priceList).problems);
  });

  it("finds nothing for a region it has no price for", () => {
    const catalog = new Catalog(parse([tiered("A", "TimedStorage-ByteHrs", [["0", "Inf", "0.023"]])]));
    expect(catalog.find("eu-west-3", { service: "AmazonS3", usagetype: "TimedStorage-ByteHrs" })).toBeNull();
  });
});

describe("units", () => {
  const provenance = { source: "test", retrievedAt: "2026-11-27" };
  // The real us-east-1 gp3 throughput row (shared/research/price-truth.md §1): per GiBps-mo, $40.96.
  const throughput = JSON.stringify({
    product: { sku: "GP3THRU", attributes: { usagetype: "EBS:VolumeP-Throughput.gp3", regionCode: "us-east-1" } },
    serviceCode: "AmazonEC2",
    terms: {
      OnDemand: {
        "GP3THRU.JRTCKXETXF": {
          priceDimensions: { "GP3THRU.JRTCKXETXF.R": { unit: "GiBps-mo", beginRange: "0", endRange: "Inf", pricePerUnit: { USD: "40.96" } } },
        },
      },
    },
  });
  const catalog = new Catalog(parsePriceList([throughput]).entries.map((entry) => ({ entry, provenance })));
  const component = (unit: string) => ({
    name: "Provisioned throughput (gp3)",
    unit,
    quantity: new Decimal(125),
    price: { service: "AmazonEC2" as const, usagetype: "EBS:VolumeP-Throughput.gp3" },
    region: "us-east-1",
  });

  it("refuse a price in another unit than the model counts, naming both, rather than bill 1024×", () => {
    expect(() => priceComponents([component("MiBps-Mo")], catalog)).toThrow(/is per GiBps-mo, but the cost model counts MiBps-Mo/);
    expect(() => seriesTotal(seriesOf([[component("MiBps-Mo")]]), catalog, "us-east-1")).toThrow(/is per GiBps-mo/);
    // The same unit, whatever its case, prices as usual.
    expect(priceComponents([component("GiBps-Mo")], catalog).lines[0]!.cost!.toFixed()).toBe("5120");
  });
});

describe("real Price List rows (us-east-1, S3), replayed through the snapshot's parser and catalog", () => {
  // Real rows of AWS's bulk offer files: test/fixtures/pricelist/us-east-1-s3-rows.json says where from and when.
  const { rows } = JSON.parse(readFileSync("test/fixtures/pricelist/us-east-1-s3-rows.json", "utf8")) as {
    rows: { offer: string; sku: string; usagetype: string; unit: string; beginRange: string; endRange: string; usd: string }[];
  };
  const docs = [...new Set(rows.map((r) => r.sku))].map((sku) => {
    const own = rows.filter((r) => r.sku === sku);
    return JSON.stringify({
      product: { sku, attributes: { usagetype: own[0]!.usagetype, regionCode: "us-east-1", locationType: "AWS Region" } },
      serviceCode: own[0]!.offer,
      terms: {
        OnDemand: {
          [`${sku}.JRTCKXETXF`]: {
            priceDimensions: Object.fromEntries(
              own.map((r, i) => [`${sku}.JRTCKXETXF.${i}`, { unit: r.unit, beginRange: r.beginRange, endRange: r.endRange, pricePerUnit: { USD: r.usd } }]),
            ),
          },
        },
      },
    });
  });
  const real = new Catalog(parsePriceList(docs).entries.map((entry) => ({ entry, provenance: { source: "bulk offer", retrievedAt: "2026-10-03" } })));

  it("finds every price the S3 models name that the rows hold, exactly once, as the shipped snapshot's product", async () => {
    const { catalog: shipped } = await shippedSnapshot();
    const selectors = Object.values(CLASSES)
      .flatMap((c) => [c.storage, c.tier1, c.tier2, c.transitionIn, c.retrievalGb, c.retrievalRequest])
      .filter((s): s is PriceSelector => !!s);
    const covered = selectors.filter((s) => rows.some((r) => r.offer === s.service && r.usagetype === s.usagetype));
    expect(covered.length).toBeGreaterThanOrEqual(10);
    for (const s of covered) {
      const found = real.find("us-east-1", s); // throws if more than one product matches
      expect(found, `${s.service} ${s.usagetype}`).not.toBeNull();
      const ours = shipped.find("us-east-1", s)!;
      // The shipped price is that very product: same SKU, same tiers, same unit, same price.
      expect(ours.entry.sku, `${s.service} ${s.usagetype}`).toBe(found!.entry.sku);
      expect(
        found!.entry.tiers.map((t) => [t.unit, t.usd.toFixed()]),
        `${s.service} ${s.usagetype}`,
      ).toEqual(ours.entry.tiers.map((t) => [t.unit, t.usd.toFixed()]));
    }
  });
});
