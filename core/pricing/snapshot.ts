/**
 * The price snapshot on disk: for each service code a folder with one file per region (`AmazonS3/us-east-2.json`),
 * holding GetProducts answers exactly as the API returned them (`PriceList` strings), each with its source and
 * retrieval date. A command reads only the files of the services and regions it looks up.
 * Reading and writing live here; parsing is pricelist.ts, the same code a live refresh uses.
 */
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { Catalog, SERVICE_CODES, type PricedAnswer, type ServiceCode } from "./catalog.js";

export const SNAPSHOT_FORMAT = "stowage-pricelist-snapshot/1";

export interface GetProductsFilter {
  readonly Type: string;
  readonly Field: string;
  readonly Value: string;
}

export interface GetProductsQuery {
  readonly ServiceCode: string;
  readonly Filters: readonly GetProductsFilter[];
}

/** One region's GetProducts answers (every page of every query joined), as stored. */
export interface SnapshotResponse {
  readonly region: string;
  readonly queries: readonly GetProductsQuery[];
  readonly source: string;
  readonly retrievedAt: string;
  readonly PriceList: readonly string[];
}

export interface SnapshotFile {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly serviceCode: ServiceCode;
  readonly responses: readonly SnapshotResponse[];
}

export interface LoadedSnapshot {
  readonly dir: string;
  readonly files: Map<ServiceCode, SnapshotFile>;
  /** Parses answers when first asked; `catalog.complete().problems` lists malformed elements (skipped, never fatal). */
  readonly catalog: Catalog;
  /** The oldest retrieval date in the snapshot: prices are at least this fresh. */
  readonly asOf: string | null;
}

/** Prices older than this many days are flagged as stale wherever they are used; STOWAGE_PRICE_MAX_AGE_DAYS sets it. */
export function staleAfterDays(): number {
  const days = Number(process.env.STOWAGE_PRICE_MAX_AGE_DAYS);
  return Number.isInteger(days) && days > 0 ? days : 180;
}

/** Whole days from an ISO date to `now`. */
export function ageInDays(date: string, now: Date = new Date()): number {
  return Math.floor((now.getTime() - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
}

/**
 * A warning for every report that uses prices older than the threshold, naming the refresh; null when they are
 * fresh enough. Prices are never dropped for their age: a dated price beats a guessed one.
 */
export function staleWarning(asOf: string | null, now: Date = new Date(), maxDays = staleAfterDays()): string | null {
  if (asOf === null) return null;
  const age = ageInDays(asOf, now);
  return age > maxDays
    ? `the oldest prices used are from ${asOf}, ${age} days ago (over ${maxDays}): \`stowage pricing refresh\` replaces them with today's`
    : null;
}

export function fileName(service: ServiceCode, region: string): string {
  return join(service, `${region}.json`);
}

function validateFile(value: unknown, path: string): SnapshotFile {
  const v = value as Partial<SnapshotFile> | null;
  if (!v || v.format !== SNAPSHOT_FORMAT || !SERVICE_CODES.includes(v.serviceCode as ServiceCode) || !Array.isArray(v.responses)) {
    throw new UserError(
      `${path} is not a Stowage price snapshot file (format ${SNAPSHOT_FORMAT}).`,
      "Restore it with `git checkout -- data/prices` or run `stowage pricing refresh`.",
    );
  }
  return v as SnapshotFile;
}

/** The catalog of snapshot files already in memory (used by load and by refresh before it writes); parsed lazily. */
export function catalogFrom(files: Iterable<SnapshotFile>): Pick<LoadedSnapshot, "catalog" | "asOf"> {
  const answers: PricedAnswer[] = [];
  let asOf: string | null = null;
  for (const file of files) {
    for (const response of file.responses) {
      answers.push({
        service: file.serviceCode,
        region: response.region,
        provenance: { source: response.source, retrievedAt: response.retrievedAt },
        PriceList: response.PriceList,
      });
      if (asOf === null || response.retrievedAt < asOf) asOf = response.retrievedAt;
    }
  }
  return { catalog: new Catalog([], answers), asOf };
}

function readStored(path: string): SnapshotFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UserError(
      `${path} is not valid JSON (${(err as Error).message.split("\n")[0]}).`,
      "Restore it with `git checkout -- data/prices` or run `stowage pricing refresh`.",
    );
  }
  return validateFile(json, path);
}

/**
 * Lists the snapshot's files and reads none: the catalog reads a service's file for a region when a look-up first
 * needs it. `files` and `asOf` (the whole snapshot) read every file when first asked.
 */
export async function loadSnapshot(dir: string): Promise<LoadedSnapshot> {
  // Synchronously, as the files are read: nine small folder listings, without nine waits for libuv's thread pool.
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new UserError(`No price snapshot at ${dir}.`, "Run `stowage pricing refresh`, or unset STOWAGE_PRICES to use the shipped snapshot.");
  }
  const listed = SERVICE_CODES.filter((service) => names.includes(service)).map((service) => ({
    service,
    regions: readdirSync(join(dir, service))
      .filter((n) => n.endsWith(".json"))
      .map((n) => n.slice(0, -".json".length))
      .sort(),
  }));
  const cache = new Map<string, SnapshotFile>();
  const read = (service: ServiceCode, region: string): SnapshotFile => {
    const key = `${service}|${region}`;
    let file = cache.get(key);
    if (!file) cache.set(key, (file = readStored(join(dir, fileName(service, region)))));
    return file;
  };
  const stored = listed.flatMap(({ service, regions }) =>
    regions.map((region) => ({
      service,
      region,
      read: () =>
        read(service, region).responses.map((r) => ({
          service,
          region: r.region,
          provenance: { source: r.source, retrievedAt: r.retrievedAt },
          PriceList: r.PriceList,
        })),
    })),
  );
  let files: Map<ServiceCode, SnapshotFile> | undefined;
  const all = () =>
    (files ??= new Map(
      listed.map(({ service, regions }) => [
        service,
        { format: SNAPSHOT_FORMAT, serviceCode: service, responses: regions.flatMap((region) => read(service, region).responses) },
      ]),
    ));
  return {
    dir,
    catalog: new Catalog([], [], stored),
    get files() {
      return all();
    },
    get asOf() {
      return catalogFrom(all().values()).asOf;
    },
  };
}

/** What a stored product is replaced by: the same SKU, or the same usage type and operation (a derived price has no AWS SKU). */
function identity(doc: string): { sku: string | null; name: string | null } {
  try {
    const product = (JSON.parse(doc) as { product?: { sku?: unknown; attributes?: Record<string, unknown> } }).product;
    const attrs = product?.attributes ?? {};
    return {
      sku: typeof product?.sku === "string" ? product.sku : null,
      name: typeof attrs.usagetype === "string" ? `${attrs.usagetype}|${typeof attrs.operation === "string" ? attrs.operation : ""}` : null,
    };
  } catch {
    return { sku: null, name: null };
  }
}

/**
 * Adds fresh answers to a file, replacing per product: in a region the fresh answers cover, an older product goes
 * when a fresh one has its SKU, or its usage type and operation; every other older product stays. So a live refresh
 * replaces the feed-derived prices it re-prices and keeps the ones it did not ask for.
 */
export function mergeResponses(old: SnapshotFile | undefined, service: ServiceCode, fresh: readonly SnapshotResponse[]): SnapshotFile {
  const replaced = new Map<string, { skus: Set<string>; names: Set<string> }>();
  for (const r of fresh) {
    const seen = replaced.get(r.region) ?? { skus: new Set<string>(), names: new Set<string>() };
    for (const doc of r.PriceList) {
      const { sku, name } = identity(doc);
      if (sku) seen.skus.add(sku);
      if (name) seen.names.add(name);
    }
    replaced.set(r.region, seen);
  }
  const kept = (old?.responses ?? []).flatMap((r) => {
    const gone = replaced.get(r.region);
    if (!gone) return [r];
    const PriceList = r.PriceList.filter((doc) => {
      const { sku, name } = identity(doc);
      return !(sku && gone.skus.has(sku)) && !(name && gone.names.has(name));
    });
    return PriceList.length ? [{ ...r, PriceList }] : [];
  });
  const responses = [...kept, ...fresh].sort((a, b) => a.region.localeCompare(b.region) || a.retrievedAt.localeCompare(b.retrievedAt));
  return { format: SNAPSHOT_FORMAT, serviceCode: service, responses };
}

export function serialize(file: SnapshotFile): string {
  // One PriceList string per line keeps diffs of a refresh readable.
  return `${JSON.stringify(file, null, 1)}\n`;
}

/**
 * Writes every file or none: each service's answers go, one file per region, to temporary names first, and only when
 * all are written are they renamed over the old ones; a region the service no longer has is then removed.
 */
export async function writeSnapshotFiles(dir: string, files: readonly SnapshotFile[]): Promise<void> {
  const staged: { tmp: string; final: string }[] = [];
  try {
    for (const file of files) {
      await mkdir(join(dir, file.serviceCode), { recursive: true });
      for (const region of [...new Set(file.responses.map((r) => r.region))]) {
        const final = join(dir, fileName(file.serviceCode, region));
        const tmp = `${final}.${process.pid}.tmp`;
        staged.push({ tmp, final });
        await writeFile(tmp, serialize({ ...file, responses: file.responses.filter((r) => r.region === region) }), { flag: "w" });
      }
    }
  } catch (err) {
    await Promise.all(staged.map(({ tmp }) => rm(tmp, { force: true })));
    throw err;
  }
  for (const { tmp, final } of staged) await rename(tmp, final);
  const written = new Set(staged.map((s) => s.final));
  for (const file of files) {
    const folder = join(dir, file.serviceCode);
    for (const name of await readdir(folder)) if (name.endsWith(".json") && !written.has(join(folder, name))) await rm(join(folder, name));
  }
}
