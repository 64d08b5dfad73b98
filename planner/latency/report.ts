/**
 * The latency report: live measurements, offline estimates, or both side by side; and its renderings.
 */
import { estimateRtt, DEFAULT_ACCESS_MS } from "./predict.js";
import type { Place } from "./places.js";
import type { ProbeResult } from "./probe.js";
import type { ProbeRegion } from "./regions.js";
import { ms } from "./stats.js";
import { csvText, textTable } from "../../core/render.js";

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
      floorMs: ms(e.floorMs),
      estimateMs: ms(e.estimateMs),
      intervalMs: [ms(e.lowMs), ms(e.highMs)],
      basis: e.basis,
      distanceKm: Math.round(e.distanceKm),
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
      floorMs: ms(e.floorMs),
      estimateMs: ms(e.estimateMs),
      intervalMs: [ms(e.lowMs), ms(e.highMs)],
      basis: e.basis,
      distanceKm: Math.round(e.distanceKm),
    };
  });
}

/** True when nothing answered in a way that needs a network: every target failed DNS or had no route. */
export function looksOffline(results: readonly ProbeResult[]): boolean {
  return results.length > 0 && results.every((r) => r.status === "dns-error" || r.status === "unreachable");
}

export function sortForDisplay(entries: readonly ReportEntry[]): ReportEntry[] {
  return [...entries].sort((a, b) => {
    const x = a.rttMs?.median ?? Infinity;
    const y = b.rttMs?.median ?? Infinity;
    return x - y || a.name.localeCompare(b.name);
  });
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? "" : v.toFixed(1));

export function latencyTable(report: LatencyReport): string {
  const header = report.estimated
    ? ["region", "estimate ms", "80% interval", "floor ms", "km", "how"]
    : [
        "name",
        "status",
        "median ms",
        "p90",
        "min",
        "max",
        "dns",
        "tls",
        "ttfb",
        "lost",
        ...(report.results.some((r) => r.estimateMs !== undefined) ? ["estimate", "floor"] : []),
      ];
  const rows = sortForDisplay(report.results).map((r) =>
    report.estimated
      ? [
          r.name,
          num(r.estimateMs),
          r.intervalMs ? `${num(r.intervalMs[0])}–${num(r.intervalMs[1])}` : "",
          num(r.floorMs),
          String(r.distanceKm ?? ""),
          r.basis ?? "",
        ]
      : [
          r.name,
          r.status,
          num(r.rttMs?.median),
          num(r.rttMs?.p90),
          num(r.rttMs?.min),
          num(r.rttMs?.max),
          num(r.dnsMs),
          num(r.tlsMs),
          num(r.ttfbMs),
          `${r.lost}/${r.samples}`,
          ...(header.length > 10 ? [num(r.estimateMs), num(r.floorMs)] : []),
        ],
  );
  const lines = textTable([header, ...rows], (c) => !(c === 0 || (report.estimated ? c === 5 : c === 1))).split("\n");
  const access = report.accessMs ? ` + ${report.accessMs} ms access` : "";
  const title = report.estimated
    ? `Estimated round trips from ${report.from} (no measurement here: measured inter-region medians, entered by a local hop${access}; \`stowage latency --calibration\` shows how well it fits)`
    : `Round trips measured from ${report.from} at ${report.measuredAt} (median of TCP connects; DNS, TLS and first byte beside it)`;
  const notes = report.results.filter((r) => r.error).map((r) => `${r.name}: ${r.error}`);
  if (report.fallback) notes.unshift(report.fallback);
  if (report.notEstimated?.length) notes.push(`no coordinates yet, so no estimate: ${report.notEstimated.join(", ")}`);
  return `${[title, "", ...lines, ...(notes.length ? ["", ...notes] : [])].join("\n")}\n`;
}

export function latencyCsv(report: LatencyReport): string {
  const cols = [
    "name",
    "kind",
    "host",
    "status",
    "estimated",
    "median_ms",
    "p90_ms",
    "min_ms",
    "max_ms",
    "dns_ms",
    "tls_ms",
    "ttfb_ms",
    "samples",
    "lost",
    "estimate_ms",
    "estimate_low_ms",
    "estimate_high_ms",
    "floor_ms",
    "error",
  ];
  const rows = report.results.map((r) => [
    r.name,
    r.kind,
    r.host,
    r.status,
    r.estimated,
    r.rttMs?.median,
    r.rttMs?.p90,
    r.rttMs?.min,
    r.rttMs?.max,
    r.dnsMs,
    r.tlsMs,
    r.ttfbMs,
    r.samples,
    r.lost,
    r.estimateMs,
    r.intervalMs?.[0],
    r.intervalMs?.[1],
    r.floorMs,
    r.error,
  ]);
  return csvText([cols, ...rows]);
}
