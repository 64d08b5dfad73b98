/** Places on the Earth: the one distance every estimate uses (latency floors, nearest locations, replica distances). */

export interface Coordinates {
  readonly lat: number;
  readonly lon: number;
}

/** The Earth's mean radius (IUGG). */
const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance between two points. */
export function haversineKm(a: Coordinates, b: Coordinates): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
