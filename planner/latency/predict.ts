/**
 * The offline estimate of a round trip from a place (or from inside a region) to a region, with its interval.
 * The model and its calibration are model.ts; the measurements it is calibrated on ship in data/latency/, read once.
 *
 * From a city or "lat,lon", a last-mile term is added for the user's own access network (home broadband, mobile,
 * office LAN): DEFAULT_ACCESS_MS unless given. From inside a region (`--from us-east-2`) there is none, and between
 * two measured regions the estimate is the measurement itself.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../core/paths.js";
import { REGIONS, findRegion } from "../../core/regions.js";
import {
  calibrate,
  floorMs,
  measuredMs,
  pathEstimate,
  routingKnown,
  haversineKm,
  hopMs,
  vantageNear,
  VANTAGE_KM,
  type Calibration,
  type Coordinates,
  type Network,
  type RttMatrix,
  type VantageMatrix,
} from "./model.js";

export { floorMs, haversineKm } from "./model.js";

/** The last-mile allowance from a city or coordinates, in ms of round trip (a parameter: `--access-ms`). */
export const DEFAULT_ACCESS_MS = 10;

export interface OfflineModel {
  readonly network: Network;
  readonly calibration: Calibration;
}

let shipped: OfflineModel | undefined;

/** The model on the shipped matrix, calibrated once per process (a few ms). */
export function offlineModel(): OfflineModel {
  if (!shipped) {
    const read = (file: string) => JSON.parse(readFileSync(join(packageRoot(), "data", "latency", file), "utf8")) as unknown;
    shipped = modelOf(read("aws-inter-region-p50.json") as RttMatrix, read("azure-inter-region-p50.json") as VantageMatrix);
  }
  return shipped;
}

/** The model on an AWS matrix, with a vantage matrix (Azure's) for routing from metros it shares, if given. */
export function modelOf(matrix: RttMatrix, vantage?: VantageMatrix): OfflineModel {
  const coords = (code: string): Coordinates => findRegion(code)!;
  const regions = REGIONS.map((r) => r.code);
  const calibration = calibrate(matrix, coords, regions, vantage);
  const measured = regions.filter((r) => matrix.p50[r] !== undefined);
  // The hop and vantage scale the calibration fitted on every measured pair are the ones estimates use.
  return { network: { matrix, hop: calibration.hop, coords, measured, ...(calibration.vantage ? { vantage: calibration.vantage } : {}) }, calibration };
}

/** Where a round trip starts: a place, or the inside of a region (`region` set: no access term). */
export interface From extends Coordinates {
  readonly name: string;
  readonly region?: string;
}

export interface Estimate {
  readonly distanceKm: number;
  readonly floorMs: number;
  readonly estimateMs: number;
  /** The calibrated 80% interval (10th to 90th percentile of held-out errors); equal to the estimate when measured. */
  readonly lowMs: number;
  readonly highMs: number;
  /** "measured": the inter-region median itself; otherwise the measured region the path enters through, or "direct". */
  readonly basis: string;
  /** True when no measured region is near enough to know how traffic from here is routed: the interval is wide. */
  readonly routingUnknown?: boolean;
}

export function estimateRtt(
  from: From,
  to: { code: string; lat: number; lon: number },
  accessMs = DEFAULT_ACCESS_MS,
  model: OfflineModel = offlineModel(),
): Estimate {
  const distanceKm = haversineKm(from, to);
  const floor = floorMs(distanceKm);
  if (from.region) {
    const measured = measuredMs(model.network.matrix, from.region, to.code);
    if (measured !== null) return { distanceKm, floorMs: floor, estimateMs: measured, lowMs: measured, highMs: measured, basis: "measured" };
  }
  const access = from.region ? 0 : accessMs;
  const path = pathEstimate(model.network, from, to.code);
  const { ratioLow, ratioHigh, ratioMax } = model.calibration;
  // Routing unknown (no measured region near, no vantage region in the metro): floor to the worst held-out ratio.
  const unknown = !routingKnown(model.network, from, from.region);
  return {
    distanceKm,
    floorMs: floor,
    estimateMs: path.ms + access,
    lowMs: (unknown ? floor : Math.max(floor, path.ms * ratioLow)) + access,
    highMs: path.ms * (unknown ? ratioMax : ratioHigh) + access,
    basis: path.via ? `via ${path.via}` : "direct",
    ...(unknown ? { routingUnknown: true } : {}),
  };
}

/** How a round trip to another provider's location was estimated (see estimateToLocation). */
export type LocationBasis = "azure-matrix" | "aws-metro" | "distance";

export interface LocationEstimate extends Estimate {
  readonly method: LocationBasis;
}

/**
 * From a place to another provider's location (its city's coordinates), by the best data that applies there:
 * - "azure-matrix": the location shares a metro (within VANTAGE_KM) with a region of Azure's measured inter-region
 *   matrix. The path is the cheapest of: the user's way to a measured AWS region that has an Azure twin (the AWS
 *   model above), then Azure's measured median from that twin to the location's metro, scaled to AWS's figures by
 *   the fitted vantage scale; or, from a place in a metro with an Azure region of its own, a local hop and the
 *   matrix. Routing is as known as the first leg's.
 * - "aws-metro": no Azure region there, but a measured AWS region in the same metro: the estimate to that region.
 * - "distance": neither: the fitted local hop over the great-circle distance; routing unknown, so the interval runs
 *   from the fibre floor to the worst held-out ratio.
 * Never below the floor.
 */
export function estimateToLocation(
  from: From,
  to: Coordinates & { readonly name: string },
  accessMs = DEFAULT_ACCESS_MS,
  model: OfflineModel = offlineModel(),
): LocationEstimate {
  const net = model.network;
  const distanceKm = haversineKm(from, to);
  const floor = floorMs(distanceKm);
  const access = from.region ? 0 : accessMs;
  const { ratioLow, ratioHigh, ratioMax } = model.calibration;
  const shaped = (ms: number, unknown: boolean, basis: string, method: LocationBasis): LocationEstimate => {
    const est = Math.max(ms, floor + access);
    return {
      distanceKm,
      floorMs: floor,
      estimateMs: est,
      lowMs: unknown ? floor + access : Math.max(floor + access, (est - access) * ratioLow + access),
      highMs: (est - access) * (unknown ? ratioMax : ratioHigh) + access,
      basis,
      method,
      ...(unknown ? { routingUnknown: true } : {}),
    };
  };
  const v = net.vantage;
  const there = v ? vantageNear(v.matrix, to) : null;
  if (v && there) {
    let best: { ms: number; basis: string; unknown: boolean } | null = null;
    const here = vantageNear(v.matrix, from);
    if (here) {
      const az = here.name === there.name ? 0 : measuredMs(v.matrix, here.name, there.name);
      const ms = here.name === there.name ? hopMs(net.hop, distanceKm) + access : az === null ? null : hopMs(net.hop, here.km) + v.scale * az + access;
      if (ms !== null)
        best = {
          ms,
          basis: here.name === there.name ? `a local hop within the metro of Azure's ${here.name}` : `Azure's measured ${here.name} → ${there.name}`,
          unknown: false,
        };
    }
    for (const { region, twin } of v.twins) {
      const az = twin === there.name ? 0 : measuredMs(v.matrix, twin, there.name);
      if (az === null) continue;
      const first = estimateRtt(from, findRegion(region)!, accessMs, model);
      const ms = first.estimateMs + v.scale * az;
      if (!best || ms < best.ms)
        best = {
          ms,
          basis:
            twin === there.name ? `the AWS model to ${region}, in the same metro` : `the AWS model to ${region}, then Azure's measured ${twin} → ${there.name}`,
          unknown: first.routingUnknown === true,
        };
    }
    if (best) return shaped(best.ms, best.unknown, best.basis, "azure-matrix");
  }
  const twin = net.measured.find((r) => haversineKm(net.coords(r), to) <= VANTAGE_KM);
  if (twin) {
    const e = estimateRtt(from, findRegion(twin)!, accessMs, model);
    return shaped(e.estimateMs, e.routingUnknown === true, `the AWS model to ${twin}, in the same metro`, "aws-metro");
  }
  return shaped(hopMs(net.hop, distanceKm) + access, true, "distance alone (no measured region in its metro)", "distance");
}
