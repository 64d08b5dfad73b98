import { describe, expect, it } from "vitest";
import { priceComponents, splitTiers } from "../core/cost/components.js";
import { Catalog } from "../core/pricing/catalog.js";
import { parsePriceList } from "../core/pricing/pricelist.js";
import { dec } from "../core/money.js";

const STANDARD = JSON.stringify({
  product: { sku: "STD", attributes: { usagetype: "TimedStorage-ByteHrs", regionCode: "us-east-1" } },
  serviceCode: "AmazonS3",
  terms: {
    OnDemand: {
      "STD.T": {
        priceDimensions: {
          "STD.T.1": { unit: "GB-Mo", beginRange: "0", endRange: "51200", pricePerUnit: { USD: "0.0230000000" } },
          "STD.T.2": { unit: "GB-Mo", beginRange: "51200", endRange: "512000", pricePerUnit: { USD: "0.0220000000" } },
          "STD.T.3": { unit: "GB-Mo", beginRange: "512000", endRange: "Inf", pricePerUnit: { USD: "0.0210000000" } },
        },
      },
    },
  },
});
const [entry] = parsePriceList([STANDARD]).entries;
const tiers = entry!.tiers;
const catalog = new Catalog([{ entry: entry!, provenance: { source: "test", retrievedAt: "2026-11-27" } }]);
const selector = { service: "AmazonS3", usagetype: "TimedStorage-ByteHrs" } as const;

const shares = (q: number, offset = 0) => splitTiers(tiers, dec(q), dec(offset)).map((s) => [s.tier.begin.toNumber(), s.quantity.toNumber()]);

describe("splitTiers", () => {
  it("keeps a small quantity in the first tier", () => expect(shares(1000)).toEqual([[0, 1000]]));
  it("splits across every tier it reaches", () =>
    expect(shares(600_000)).toEqual([
      [0, 51200],
      [51200, 460800],
      [512000, 88000],
    ]));
  it("stops exactly at a boundary", () => expect(shares(51200)).toEqual([[0, 51200]]));
  it("continues after an offset", () =>
    expect(shares(1000, 51000)).toEqual([
      [0, 200],
      [51200, 800],
    ]));
  it("gives a zero quantity the tier at its offset", () => expect(shares(0, 60000)).toEqual([[51200, 0]]));
});

describe("priceComponents", () => {
  it("bills every tier as its own line (not the first tier's price for everything)", () => {
    const { lines, missing } = priceComponents(
      [{ name: "Storage (Standard)", unit: "GB-Mo", quantity: dec(600_000), price: selector, region: "us-east-1" }],
      catalog,
    );
    expect(missing).toEqual([]);
    expect(lines.map((l) => [l.name, l.cost!.toFixed()])).toEqual([
      ["Storage (Standard, 0–51200 GB-Mo)", "1177.6"],
      ["Storage (Standard, 51200–512000 GB-Mo)", "10137.6"],
      ["Storage (Standard, over 512000 GB-Mo)", "1848"],
    ]);
  });

  it("shows unit prices, not zero, when the usage is unknown", () => {
    const { lines } = priceComponents([{ name: "Storage (Standard)", unit: "GB-Mo", quantity: null, price: selector, region: "us-east-1" }], catalog);
    expect(lines.map((l) => [l.quantity, l.unitPrice!.toFixed(), l.cost])).toEqual([
      [null, "0.023", null],
      [null, "0.022", null],
      [null, "0.021", null],
    ]);
  });

  it("reports a missing price with the command that fetches it, and never invents one", () => {
    const { lines, missing } = priceComponents(
      [{ name: "Storage (Standard)", unit: "GB-Mo", quantity: dec(5), price: selector, region: "eu-west-3" }],
      catalog,
    );
    expect(lines[0]!.cost).toBeNull();
    expect(lines[0]!.unitPrice).toBeNull();
    expect(missing).toEqual([
      {
        service: "AmazonS3",
        region: "eu-west-3",
        usagetype: "TimedStorage-ByteHrs",
        attributes: {},
        command: "stowage pricing refresh --region eu-west-3 --service AmazonS3",
      },
    ]);
  });
});
