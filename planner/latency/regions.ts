/**
 * Which commercial regions exist comes from the AWS SDK's own partition data (the `aws` partition of
 * @aws-sdk/core's endpoint rules), so a new region appears with an SDK update instead of waiting for a hand list.
 * Names and city coordinates come from Stowage's region table; a region the SDK knows and the table does not is
 * still probed, just without an offline estimate.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { REGIONS, findRegion } from "../../core/regions.js";

export interface ProbeRegion {
  readonly code: string;
  readonly name: string;
  /** Null when Stowage has no coordinates for it yet. */
  readonly lat: number | null;
  readonly lon: number | null;
}

interface PartitionsInfo {
  partitions: { id: string; regions: Record<string, { description?: string }> }[];
}

/** Region codes of the `aws` partition (the "aws-global" pseudo-region left out), or null if the data moved. */
export async function sdkRegionCodes(): Promise<Map<string, string> | null> {
  try {
    const core = dirname(createRequire(import.meta.url).resolve("@aws-sdk/core/package.json"));
    const file = join(core, "dist-es", "submodules", "client", "util-endpoints", "lib", "aws", "partitions.js");
    const { partitionsInfo } = (await import(pathToFileURL(file).href)) as { partitionsInfo: PartitionsInfo };
    const aws = partitionsInfo.partitions.find((p) => p.id === "aws");
    if (!aws) return null;
    return new Map(
      Object.entries(aws.regions)
        .filter(([code]) => /^[a-z]{2}-[a-z]+-\d+$/.test(code))
        .map(([code, r]) => [code, r.description ?? code]),
    );
  } catch {
    return null;
  }
}

/** Every commercial region: the SDK's list when it can be read, else Stowage's table. */
export async function probeRegions(): Promise<{ regions: ProbeRegion[]; source: "aws-sdk-partitions" | "stowage-table" }> {
  const sdk = await sdkRegionCodes();
  if (!sdk) return { regions: REGIONS.map((r) => ({ code: r.code, name: r.name, lat: r.lat, lon: r.lon })), source: "stowage-table" };
  const regions = [...sdk].map(([code, description]) => {
    const known = findRegion(code);
    return { code, name: known?.name ?? description, lat: known?.lat ?? null, lon: known?.lon ?? null };
  });
  return { regions: regions.sort((a, b) => a.code.localeCompare(b.code)), source: "aws-sdk-partitions" };
}
