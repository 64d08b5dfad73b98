/**
 * Offline latency estimate from physics. Light in fibre covers ~200,000 km/s, so a round trip cannot beat
 * 1 ms per 100 km of great-circle distance: that is the floor. Real routes are longer; the inflation factor by
 * distance band is fitted on AWS's inter-region p50 round trips divided by that floor (cloudping.co one-year
 * medians; see the team's latency research note). An access-network allowance covers the user's last mile.
 */
import type { Place } from "./places.js";

const EARTH_RADIUS_KM = 6371.0088;
const FIBRE_KM_PER_MS = 200; // 200,000 km/s
/** Default allowance for the user's own access network (home broadband, mobile, office LAN), in ms of RTT. */
export const DEFAULT_ACCESS_MS = 10;

/** Route inflation over the floor, by great-circle distance. Upper bounds in km. */
export const INFLATION_BANDS: readonly { readonly upToKm: number; readonly factor: number }[] = [
  { upToKm: 500, factor: 2.96 },
  { upToKm: 1000, factor: 2.62 },
  { upToKm: 2000, factor: 2.19 },
  { upToKm: 8000, factor: 1.8 },
  { upToKm: 12000, factor: 1.73 },
  { upToKm: Infinity, factor: 1.58 },
];

export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The physical minimum round trip over fibre along the great circle, both ways. */
export function floorMs(distanceKm: number): number {
  return (2 * distanceKm) / FIBRE_KM_PER_MS;
}

export function inflation(distanceKm: number): number {
  return INFLATION_BANDS.find((b) => distanceKm <= b.upToKm)!.factor;
}

export interface Estimate {
  readonly distanceKm: number;
  readonly floorMs: number;
  readonly estimateMs: number;
}

export function estimateRtt(from: Place, to: { lat: number; lon: number }, accessMs = DEFAULT_ACCESS_MS): Estimate {
  const distanceKm = haversineKm(from, to);
  const floor = floorMs(distanceKm);
  return { distanceKm, floorMs: floor, estimateMs: floor * inflation(distanceKm) + accessMs };
}
