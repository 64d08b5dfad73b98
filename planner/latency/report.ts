/**
 * The latency report: live measurements, offline estimates, or both side by side (cli/render/latency.ts renders it).
 */
import { estimateRtt, DEFAULT_ACCESS_MS, type Estimate } from "./predict.js";
import type { Place } from "./places.js";
import type { ProbeResult } from "./probe.js";
import type { ProbeRegion } from "./regions.js";
import { ms } from "./stats.js";

export interface ReportEntry extends Omit<ProbeResult, "status"> {
  /** A probe's outcome, or "estimated" for an offline estimate (then samples is 0 and rttMs has only the median). */
  readonly status: ProbeResult["status"] | "estimated";
  /** True for an offline estimate (no measurement). */
  readonly estimated: boolean;
  /** The physical floor and the estimate from the `from` place, when a place was given. */
  readonly floorMs?: number;
  readonly estimateMs?: number;
  /** The calibrated 80% interval around the estimate, [low, high] (`stowage latency --calibration`). */
  readonly intervalMs?: readonly [number, number];
  /** How the estimate was made: "measured" (an inter-region median), "via <region>" or "direct". */
  readonly basis?: string;
  readonly distanceKm?: number;
}

export interface LatencyReport {
  readonly measuredAt: string;
  /** Where the numbers are from: this machine for measurements, the place for estimates. */
  readonly from: string;
  readonly estimated: boolean;
  /** Set when live probes all failed for lack of a network and the estimate stands in. */
  readonly fallback?: string;
  readonly results: readonly ReportEntry[];
  /** Regions without coordinates, left out of estimates. */
  readonly notEstimated?: readonly string[];
  /** The last-mile allowance added to estimates from a city or coordinates (0 from inside a region). */
  readonly accessMs?: number;
}

/** An estimate's figures as an entry carries them, rounded as the measurements are. */
function estimateFields(e: Estimate): Pick<ReportEntry, "floorMs" | "estimateMs" | "intervalMs" | "basis" | "distanceKm"> {
  return {
    floorMs: ms(e.floorMs),
    estimateMs: ms(e.estimateMs),
    intervalMs: [ms(e.lowMs), ms(e.highMs)],
    basis: e.basis,
    distanceKm: Math.round(e.distanceKm),
  };
}

/** Offline: one estimated entry per region with coordinates. */
export function estimateEntries(regions: readonly ProbeRegion[], place: Place, accessMs = DEFAULT_ACCESS_MS): { entries: ReportEntry[]; skipped: string[] } {
  const entries: ReportEntry[] = [];
  const skipped: string[] = [];
  for (const r of regions) {
    if (r.lat === null || r.lon === null) {
      skipped.push(r.code);
      continue;
    }
    const e = estimateRtt(place, { code: r.code, lat: r.lat, lon: r.lon }, accessMs);
    entries.push({
      name: r.code,
      kind: "region",
      host: `s3.${r.code}.amazonaws.com`,
      port: 443,
      address: null,
      status: "estimated",
      rttMs: { median: ms(e.estimateMs), p90: null, min: null, max: null },
      spreadMs: null,
      dnsMs: null,
      tlsMs: null,
      ttfbMs: null,
      samples: 0,
      lost: 0,
      estimated: true,
      ...estimateFields(e),
    });
  }
  return { entries, skipped };
}

/** Live results, with the estimate and floor from `place` beside each region that has coordinates. */
export function withEstimates(
  results: readonly ProbeResult[],
  regions: readonly ProbeRegion[],
  place: Place | null,
  accessMs = DEFAULT_ACCESS_MS,
): ReportEntry[] {
  const byCode = new Map(regions.map((r) => [r.code, r]));
  return results.map((r) => {
    const region = r.kind === "region" ? byCode.get(r.name) : undefined;
    if (!place || !region || region.lat === null || region.lon === null) return { ...r, estimated: false };
    const e = estimateRtt(place, { code: region.code, lat: region.lat, lon: region.lon }, accessMs);
    return {
      ...r,
      estimated: false,
      ...estimateFields(e),
    };
  });
}

/** True when nothing answered in a way that needs a network: every target failed DNS or had no route. */
export function looksOffline(results: readonly ProbeResult[]): boolean {
  return results.length > 0 && results.every((r) => r.status === "dns-error" || r.status === "unreachable");
}
