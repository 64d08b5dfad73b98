/**
 * `stowage latency`'s output: the latency report (planner/latency/report.ts) as a table or CSV, and the offline
 * model's calibration (planner/latency/calibration.ts) as text. Pure.
 */
import { csvText, textTable } from "../../core/render.js";
import type { LatencyReport, ReportEntry } from "../../planner/latency/report.js";
import { calibrationJson } from "../../planner/latency/calibration.js";
import type { Calibration } from "../../planner/latency/model.js";

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

export function renderLatency(report: LatencyReport, format: "table" | "json" | "csv"): string {
  return format === "json" ? `${JSON.stringify(report, null, 2)}\n` : format === "csv" ? latencyCsv(report) : latencyTable(report);
}

export function calibrationText(c: Calibration): string {
  const j = calibrationJson(c, 10);
  const verdict = (met: boolean) => (met ? "met" : "NOT met");
  const worst = textTable(
    [
      ["held out", "to", "measured ms", "estimate ms", "error", "entered via"],
      ...j.worst.map((w) => [w.from, w.to, w.measuredMs.toFixed(1), w.estimateMs.toFixed(1), `${w.errorPct > 0 ? "+" : ""}${w.errorPct}%`, w.via ?? "direct"]),
    ],
    (col) => col >= 2 && col <= 4,
  );
  return [
    `Offline latency model, calibrated on ${j.regions} regions' measured medians (${j.asOf})`,
    `  data: ${j.source}`,
    `  measured: ${j.method}`,
    `  checked: ${j.protocol}`,
    "",
    `  held-out estimates:        ${j.heldOut}`,
    `  median absolute error:     ${j.medianAbsErrorPct}%   target ≤ ${j.targets.medianAbsErrorPct}%: ${verdict(j.targets.medianMet)}`,
    `  90th percentile error:     ${j.p90AbsErrorPct}%`,
    `  largest error:             ${j.maxAbsErrorPct}%   target ≤ ${j.targets.maxAbsErrorPct}%: ${verdict(j.targets.maxMet)} (${j.over35Pct}% of estimates are over)`,
    `  80% interval:              measured = estimate × ${j.interval80.ratioLow}…${j.interval80.ratioHigh} (fitted on known routing)`,
    `  routing unknown:           nearest measured region over ${j.routingUnknown.beyondKm.toLocaleString("en-US")} km${j.vantage ? ` and no vantage region within ${j.vantage.metroKm} km` : ""}: floor…estimate × ${j.routingUnknown.ratioMax}`,
    ...(j.vantage
      ? [
          `  vantage routes:            ${j.vantage.source}; as of ${j.vantage.asOf}; ${j.vantage.twins} AWS regions share a metro (≤ ${j.vantage.metroKm} km), scaled × ${j.vantage.scale}`,
        ]
      : []),
    `  known routing:             ${j.knownRouting.heldOut} held-out estimates, 90th percentile error ${j.knownRouting.p90AbsErrorPct}%`,
    `  interval coverage:         ${j.coverage.allPct}% of held-out measurements inside (${j.coverage.knownRoutingPct}% with known routing), each region's interval fitted without it`,
    `  hop by physics:            max(floor, ${j.localHop.constMs} ms + factor × floor), factor ${j.localHop.factors.map((f) => `${f.factor} ${f.upToKm === null ? "beyond" : `to ${f.upToKm.toLocaleString("en-US")} km`}`).join(", ")} (${j.localHop.fittedOnPairs} pairs)`,
    "",
    "Largest held-out errors (a region far from every other measured one, or routed around geography):",
    worst,
    "",
  ].join("\n");
}

export function renderCalibration(c: Calibration, format: "table" | "json" | "csv"): string {
  return format === "json" ? `${JSON.stringify(calibrationJson(c), null, 2)}\n` : calibrationText(c);
}
