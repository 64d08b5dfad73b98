/**
 * `stowage latency --calibration`: how well the offline model fits measurements it was not fitted to, with the
 * data set's source and date. Pure rendering of model.ts's leave-one-region-out calibration.
 */
import { textTable } from "../../core/render.js";
import { ROUTING_KNOWN_KM, HOP_BANDS_KM, VANTAGE_KM, type Calibration } from "./model.js";

/** What the estimate is held to (issue #13): the median held-out error, and the error no pair may exceed. */
export const TARGET_MEDIAN_ERROR = 0.12;
export const TARGET_MAX_ERROR = 0.35;

const pct = (x: number) => Math.round(x * 1000) / 10;
const r1 = (x: number) => Math.round(x * 10) / 10;

export function calibrationJson(c: Calibration, worst = 15) {
  const ranked = [...c.heldOut].sort((a, b) => Math.abs(b.error) - Math.abs(a.error));
  return {
    source: c.source,
    asOf: c.asOf,
    method: c.method,
    protocol:
      "leave-one-region-out: each measured region in turn is an unmeasured place (its measurements removed, the local hop refitted), estimated to every other region and compared with its measurement",
    regions: c.regions,
    heldOut: c.heldOut.length,
    localHop: {
      constMs: c.hop.constMs,
      factors: HOP_BANDS_KM.map((upToKm, i) => ({ upToKm: upToKm === Infinity ? null : upToKm, factor: Math.round(c.hop.factors[i]! * 1000) / 1000 })),
      fittedOnPairs: c.hop.pairs,
    },
    medianAbsErrorPct: pct(c.medianAbsError),
    p90AbsErrorPct: pct(c.p90AbsError),
    maxAbsErrorPct: pct(c.maxAbsError),
    over35Pct: pct(c.over35),
    interval80: { ratioLow: Math.round(c.ratioLow * 1000) / 1000, ratioHigh: Math.round(c.ratioHigh * 1000) / 1000 },
    routingUnknown: { beyondKm: ROUTING_KNOWN_KM, interval: "floor…estimate × ratioMax", ratioMax: Math.round(c.ratioMax * 1000) / 1000 },
    knownRouting: { heldOut: c.known, p90AbsErrorPct: pct(c.p90KnownError) },
    vantage: c.vantage
      ? {
          source: c.vantage.matrix.source,
          asOf: c.vantage.matrix.asOf,
          licence: c.vantage.matrix.licence,
          metroKm: VANTAGE_KM,
          twins: c.vantage.twins.length,
          scale: Math.round(c.vantage.scale * 1000) / 1000,
        }
      : null,
    coverage: {
      allPct: pct(c.coverage),
      knownRoutingPct: pct(c.coverageKnown),
      protocol: "each region's intervals fitted without it (nested leave-one-region-out)",
    },
    targets: {
      medianAbsErrorPct: pct(TARGET_MEDIAN_ERROR),
      medianMet: c.medianAbsError <= TARGET_MEDIAN_ERROR,
      maxAbsErrorPct: pct(TARGET_MAX_ERROR),
      maxMet: c.maxAbsError <= TARGET_MAX_ERROR,
    },
    worst: ranked
      .slice(0, worst)
      .map((h) => ({ from: h.from, to: h.to, measuredMs: r1(h.measuredMs), estimateMs: r1(h.estimateMs), errorPct: pct(h.error), via: h.via })),
  };
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
