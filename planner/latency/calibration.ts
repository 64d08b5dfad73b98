/**
 * `stowage latency --calibration`: how well the offline model fits measurements it was not fitted to, with the
 * data set's source and date: model.ts's leave-one-region-out calibration as a report (cli/render/latency.ts shows it).
 */
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
