/**
 * Builds the shipped price snapshot (data/prices/) from AWS's own published prices, every commercial region each
 * source covers, all named by the one description → product table (feedMap.ts) and converted by feeds.ts:
 *   - AWS's pricing-page feeds for S3, S3 Glacier, EBS, RDS PostgreSQL and Fargate (ECS), and the Ohio excerpts of
 *     the SQS and data-transfer feeds (real SKUs and rate codes);
 *   - three tables other projects derived from AWS's feeds (no SKUs): Deep Archive storage and requests, internet
 *     egress tiers, and skyplane's inter-region matrix;
 *   - the real us-east-1 Price List rows.
 * Sources are applied oldest first, each replacing the products of the same SKU or usage type and operation, so
 * where two disagree the newer wins, as a live `stowage pricing refresh` replaces all of them afterwards.
 *
 * Run: `npm run build && node dist/scripts/build-snapshot.js [--feeds DIR] [--out DIR]`
 * (defaults: ../shared/data/aws-pricing-feeds beside the project, and data/prices). Prints what it could not map.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { SERVICE_CODES, type ServiceCode } from "../core/pricing/catalog.js";
import { mergeResponses, writeSnapshotFiles, type SnapshotFile, type SnapshotResponse } from "../core/pricing/snapshot.js";
import { FEED_PRODUCTS, type FeedName } from "./feedMap.js";
import { convertFeed, convertRows, deepArchiveTable, skyplaneTable, vpsRatesTable, type Converted, type Feed, type PriceListRows } from "./feeds.js";

/** Where each source was copied from, and how it is read (shared/data/aws-pricing-feeds/PROVENANCE.md). */
interface Source {
  readonly file: string;
  readonly source: string;
  /** The source file's contents as a feed; a published feed is read as it is. */
  readonly read?: (text: string) => Feed;
}

const feed = (path: string, via: string): string => `AWS pricing-page feed meteredUnitMaps/${path} (publication date as retrievedAt), via ${via}`;

/** The data-transfer feed's publication date behind ec2-vps-rates.json (its _data/meta.json). */
const VPS_DATATRANSFER_DATE = "2026-08-31T12:14:48Z";
/** The date in the Deep Archive table's file name (the feed's own date is not in the CSV). */
const DEEP_ARCHIVE_DATE = "2024-09-25T20:02:35Z";
/** skyplane's matrix states no date; its file last changed then. */
const SKYPLANE_DATE = "2023-04-27";

export const FEED_SOURCES: Readonly<Record<FeedName, Source>> = {
  s3: { file: "s3.json", source: feed("s3/USD/current/s3.json", "lamngockhuong/aws-price lib/data/pricing/s3.json @508fb452") },
  glacier: { file: "glacier.json", source: feed("glacier/USD/current/glacier.json", "lamngockhuong/aws-price lib/data/pricing/glacier.json @508fb452") },
  ebs: { file: "ebs.json", source: feed("ec2/USD/current/ebs.json", "yeo/ec2.shop data/ebs/ebs.json @74c9fd8a") },
  "rds-postgresql-ondemand": {
    file: "rds-postgresql-ondemand.json",
    source: feed("rds/USD/current/rds-postgresql-ondemand.json", "yeo/ec2.shop data/rds/rds-postgresql-ondemand.json @44337592"),
  },
  ecs: {
    file: "ecs.json",
    source: feed("ecs/USD/current/ecs.json", "lamngockhuong/aws-price lib/data/pricing/ecs.json @508fb452 (description-keyed entries)"),
  },
  "queueservice-us-east-2-excerpt": {
    file: "queueservice-us-east-2-excerpt.json",
    source: feed("queueservice/USD/current/queueservice.json", "FahadMustafa/aws-calc tests/fixtures/catalogs @477d1293 (US East (Ohio) only)"),
  },
  "s3-glacier-deep-archive": {
    file: "s3-glacier-deep-archive.csv",
    source:
      "AWS's Deep Archive prices (feed meteredUnitMaps/s3glacierdeeparchive) as tabled by StephenWetzel/aws_s3_pricing_scraper outputs/aws_s3_cost_s3glacierdeeparchive_2024-09-25T20_02_35.csv @a83df26c (fetch date as retrievedAt); no SKUs",
    read: (text) => deepArchiveTable(text, DEEP_ARCHIVE_DATE),
  },
  "ec2-vps-rates": {
    file: "ec2-vps-rates.json",
    source:
      "AWS's internet egress tiers (data-transfer feed published 2026-08-31, as retrievedAt) as tabled by iammanis/ec2-vps _data/rates.json @01472877; no SKUs",
    read: (text) => vpsRatesTable(JSON.parse(text) as Record<string, Record<string, unknown>>, VPS_DATATRANSFER_DATE),
  },
  "datatransfer-calc-us-east-2-excerpt": {
    file: "datatransfer-calc-us-east-2-excerpt.json",
    source: feed("datatransfer/USD/current/datatransfer-calc.json", "FahadMustafa/aws-calc tests/fixtures/catalogs @477d1293 (US East (Ohio) only)"),
  },
  "skyplane-aws-transfer-costs": {
    file: "skyplane-aws-transfer-costs.csv",
    source:
      "skyplane-project/skyplane skyplane/data/aws_transfer_costs.csv @4602d9ce (last changed 2023-04-27, as retrievedAt): one rate per pair, the first internet tier only; no SKUs",
    read: (text) => skyplaneTable(text, SKYPLANE_DATE),
  },
};

/** The feed map's product for a row (family, attributes), so a row-derived document is found by the same selectors. */
function rowProduct(offer: string, usagetype: string) {
  const matches = Object.values(FEED_PRODUCTS)
    .flat()
    .filter((p) => p.service === offer && p.usagetype === usagetype);
  return matches.length === 1 ? matches[0] : undefined;
}

function byService(converted: Converted): Map<ServiceCode, SnapshotResponse[]> {
  const out = new Map<ServiceCode, SnapshotResponse[]>();
  for (const { service, ...response } of converted.responses) out.set(service, [...(out.get(service) ?? []), response]);
  return out;
}

/** Every source converted, oldest first (by the date its answers carry): the order they are merged in. */
export async function convertSources(feedsDir: string): Promise<{ name: string; date: string; converted: Converted }[]> {
  const text = (file: string) => readFile(join(feedsDir, file), "utf8");
  const layers = await Promise.all(
    (Object.entries(FEED_SOURCES) as [FeedName, Source][]).map(async ([name, s]) => {
      const raw = await text(s.file);
      const f = s.read ? s.read(raw) : (JSON.parse(raw) as Feed);
      return { name: name as string, date: f.manifest.hawkFilePublicationDate, converted: convertFeed(name, f, s.source) };
    }),
  );
  const rows = JSON.parse(await text("pricelist-rows-us-east-1.json")) as PriceListRows;
  layers.push({ name: "pricelist-rows-us-east-1", date: rows.retrieved, converted: convertRows(rows, rowProduct) });
  // Stable: sources of one date keep the table's order (the Ohio transfer excerpt, with SKUs, after the egress table).
  return layers.sort((a, b) => a.date.slice(0, 10).localeCompare(b.date.slice(0, 10)));
}

export async function buildSnapshot(feedsDir: string): Promise<{ files: SnapshotFile[]; problems: string[] }> {
  const layers = (await convertSources(feedsDir)).map((l) => l.converted);
  const files = new Map<ServiceCode, SnapshotFile>();
  for (const layer of layers) {
    for (const [service, responses] of byService(layer)) files.set(service, mergeResponses(files.get(service), service, responses));
  }
  return { files: SERVICE_CODES.flatMap((s) => (files.has(s) ? [files.get(s)!] : [])), problems: layers.flatMap((l) => l.problems) };
}

if (process.argv[1]?.endsWith("build-snapshot.js")) {
  const { values } = parseArgs({ options: { feeds: { type: "string" }, out: { type: "string" } } });
  const feeds = resolve(values.feeds ?? "../shared/data/aws-pricing-feeds");
  const out = values.out ?? "data/prices";
  const { files, problems } = await buildSnapshot(feeds);
  await writeSnapshotFiles(out, files);
  for (const p of problems) console.log(`  not mapped: ${p}`);
  for (const f of files) {
    const regions = new Set(f.responses.map((r) => r.region));
    console.log(`${f.serviceCode}: ${f.responses.reduce((n, r) => n + r.PriceList.length, 0)} products in ${regions.size} regions`);
  }
  console.log(`wrote ${files.length} snapshot files to ${out} (${problems.length} products not mapped, listed above)`);
}
