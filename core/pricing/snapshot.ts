/**
 * The price snapshot on disk: for each service code one file holding GetProducts answers exactly as the API
 * returned them (`PriceList` strings), one answer per region, each with its source and retrieval date.
 * Reading and writing live here; parsing is pricelist.ts, the same code a live refresh uses.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { Catalog, SERVICE_CODES, type PricedEntry, type ServiceCode } from "./catalog.js";
import { parsePriceList, type ParseProblem } from "./pricelist.js";

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
  readonly catalog: Catalog;
  /** Malformed elements, by service and region; they are skipped, never fatal. */
  readonly problems: readonly (ParseProblem & { service: string; region: string })[];
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
  return age > maxDays ? `the oldest prices used are from ${asOf}, ${age} days ago (over ${maxDays}): \`stowage pricing refresh\` replaces them with today's` : null;
}

/** The stale-prices warning, on stderr beside a command's output (JSON and tables on stdout stay what they are). */
export function warnIfStale(asOf: string | null): void {
  const warning = staleWarning(asOf);
  if (warning) process.stderr.write(`stowage: warning: ${warning}\n`);
}

export function fileName(service: ServiceCode): string {
  return `${service}.json`;
}

function validateFile(value: unknown, path: string): SnapshotFile {
  const v = value as Partial<SnapshotFile> | null;
  if (!v || v.format !== SNAPSHOT_FORMAT || !SERVICE_CODES.includes(v.serviceCode as ServiceCode) || !Array.isArray(v.responses)) {
    throw new UserError(`${path} is not a Stowage price snapshot file (format ${SNAPSHOT_FORMAT}).`,
      "Restore it with `git checkout -- data/prices` or run `stowage pricing refresh`.");
  }
  return v as SnapshotFile;
}

/** Builds the catalog from snapshot files already in memory (used by load and by refresh before it writes). */
export function catalogFrom(files: Iterable<SnapshotFile>): Pick<LoadedSnapshot, "catalog" | "problems" | "asOf"> {
  const priced: PricedEntry[] = [];
  const problems: (ParseProblem & { service: string; region: string })[] = [];
  let asOf: string | null = null;
  for (const file of files) {
    for (const response of file.responses) {
      const provenance = { source: response.source, retrievedAt: response.retrievedAt };
      const parsed = parsePriceList(response.PriceList);
      for (const entry of parsed.entries) priced.push({ entry, provenance });
      for (const p of parsed.problems) problems.push({ ...p, service: file.serviceCode, region: response.region });
      if (asOf === null || response.retrievedAt < asOf) asOf = response.retrievedAt;
    }
  }
  return { catalog: new Catalog(priced), problems, asOf };
}

export async function loadSnapshot(dir: string): Promise<LoadedSnapshot> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new UserError(`No price snapshot at ${dir}.`, "Run `stowage pricing refresh`, or unset STOWAGE_PRICES to use the shipped snapshot.");
  }
  const files = new Map<ServiceCode, SnapshotFile>();
  for (const service of SERVICE_CODES) {
    if (!names.includes(fileName(service))) continue;
    const path = join(dir, fileName(service));
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, "utf8"));
    } catch (err) {
      throw new UserError(`${path} is not valid JSON (${(err as Error).message}).`, "Restore it with `git checkout -- data/prices` or run `stowage pricing refresh`.");
    }
    files.set(service, validateFile(json, path));
  }
  return { dir, files, ...catalogFrom(files.values()) };
}

/** Replaces each region's answer in a file with the new ones, keeping the others. */
export function mergeResponses(old: SnapshotFile | undefined, service: ServiceCode, fresh: readonly SnapshotResponse[]): SnapshotFile {
  const replaced = new Set(fresh.map((r) => r.region));
  const kept = (old?.responses ?? []).filter((r) => !replaced.has(r.region));
  const responses = [...kept, ...fresh].sort((a, b) => a.region.localeCompare(b.region));
  return { format: SNAPSHOT_FORMAT, serviceCode: service, responses };
}

export function serialize(file: SnapshotFile): string {
  // One PriceList string per line keeps diffs of a refresh readable.
  return `${JSON.stringify(file, null, 1)}\n`;
}

/**
 * Writes every file or none: all go to temporary names first, and only when all are written are they renamed
 * over the old ones. A failure before the renames leaves the old snapshot untouched.
 */
export async function writeSnapshotFiles(dir: string, files: readonly SnapshotFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const staged: { tmp: string; final: string }[] = [];
  try {
    for (const file of files) {
      const final = join(dir, fileName(file.serviceCode));
      const tmp = `${final}.${process.pid}.tmp`;
      staged.push({ tmp, final });
      await writeFile(tmp, serialize(file), { flag: "w" });
    }
  } catch (err) {
    await Promise.all(staged.map(({ tmp }) => rm(tmp, { force: true })));
    throw err;
  }
  for (const { tmp, final } of staged) await rename(tmp, final);
}
