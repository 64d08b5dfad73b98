/**
 * Builds the shipped price snapshot (data/prices/*.json) from AWS's own published prices:
 *   1. the supplements (data transfer and Deep Archive requests, which no feed gives: supplements.ts),
 *   2. AWS's pricing-page feeds for S3, S3 Glacier, EBS and RDS PostgreSQL, every commercial region they cover
 *      (feeds.ts, named by feedMap.ts),
 *   3. the real us-east-1 Price List rows, the newest data, replacing the feed's products of the same SKU.
 * Each later step replaces the earlier one per product, as a live `stowage pricing refresh` does afterwards.
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
import { convertFeed, convertRows, type Converted, type Feed, type PriceListRows } from "./feeds.js";
import { supplementResponses } from "./supplements.js";

/** Where each feed file was copied from (shared/data/aws-pricing-feeds/PROVENANCE.md). */
export const FEED_SOURCES: Readonly<Record<FeedName, string>> = {
  s3: "AWS pricing-page feed meteredUnitMaps/s3/USD/current/s3.json (publication date as retrievedAt), via lamngockhuong/aws-price lib/data/pricing/s3.json @508fb452",
  glacier: "AWS pricing-page feed meteredUnitMaps/glacier/USD/current/glacier.json (publication date as retrievedAt), via lamngockhuong/aws-price lib/data/pricing/glacier.json @508fb452",
  ebs: "AWS pricing-page feed meteredUnitMaps/ec2/USD/current/ebs.json (publication date as retrievedAt), via yeo/ec2.shop data/ebs/ebs.json @74c9fd8a",
  "rds-postgresql-ondemand": "AWS pricing-page feed meteredUnitMaps/rds/USD/current/rds-postgresql-ondemand.json (publication date as retrievedAt), via yeo/ec2.shop data/rds/rds-postgresql-ondemand.json @44337592",
};

const FEEDS: readonly FeedName[] = ["s3", "glacier", "ebs", "rds-postgresql-ondemand"];

/** The feed map's product for a row (family, attributes), so a row-derived document is found by the same selectors. */
function rowProduct(offer: string, usagetype: string) {
  const matches = Object.values(FEED_PRODUCTS).flat().filter((p) => p.service === offer && p.usagetype === usagetype);
  return matches.length === 1 ? matches[0] : undefined;
}

function byService(converted: Converted): Map<ServiceCode, SnapshotResponse[]> {
  const out = new Map<ServiceCode, SnapshotResponse[]>();
  for (const { service, ...response } of converted.responses) out.set(service, [...(out.get(service) ?? []), response]);
  return out;
}

export async function buildSnapshot(feedsDir: string): Promise<{ files: SnapshotFile[]; problems: string[] }> {
  const read = async <T>(name: string): Promise<T> => JSON.parse(await readFile(join(feedsDir, name), "utf8")) as T;
  const layers: Converted[] = [{ responses: supplementResponses(), problems: [] }];
  for (const name of FEEDS) layers.push(convertFeed(name, await read<Feed>(`${name}.json`), FEED_SOURCES[name]));
  layers.push(convertRows(await read<PriceListRows>("pricelist-rows-us-east-1.json"), rowProduct));
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
