/**
 * Places users are: a shipped table of cities (every AWS region's city plus common user locations), or "lat,lon".
 */
import { UserError } from "../../core/errors.js";
import { REGIONS, findRegion } from "../../core/regions.js";

export interface Place {
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  /** Set when the place is the inside of a region ("us-east-2"): no access-network term, measured medians apply. */
  readonly region?: string;
}

/** City-level coordinates (rounded to 0.01°). Region cities come from the region table. */
const CITIES: readonly Place[] = [
  { name: "Columbus, OH", lat: 39.96, lon: -83.0 },
  { name: "Cincinnati, OH", lat: 39.1, lon: -84.51 },
  { name: "Cleveland, OH", lat: 41.5, lon: -81.69 },
  { name: "New York, NY", lat: 40.71, lon: -74.01 },
  { name: "Boston, MA", lat: 42.36, lon: -71.06 },
  { name: "Washington, DC", lat: 38.9, lon: -77.04 },
  { name: "Atlanta, GA", lat: 33.75, lon: -84.39 },
  { name: "Miami, FL", lat: 25.76, lon: -80.19 },
  { name: "Chicago, IL", lat: 41.88, lon: -87.63 },
  { name: "Dallas, TX", lat: 32.78, lon: -96.8 },
  { name: "Houston, TX", lat: 29.76, lon: -95.37 },
  { name: "Denver, CO", lat: 39.74, lon: -104.99 },
  { name: "Phoenix, AZ", lat: 33.45, lon: -112.07 },
  { name: "Los Angeles, CA", lat: 34.05, lon: -118.24 },
  { name: "San Francisco, CA", lat: 37.77, lon: -122.42 },
  { name: "Seattle, WA", lat: 47.61, lon: -122.33 },
  { name: "Toronto", lat: 43.65, lon: -79.38 },
  { name: "Vancouver", lat: 49.28, lon: -123.12 },
  { name: "Mexico City", lat: 19.43, lon: -99.13 },
  { name: "Buenos Aires", lat: -34.6, lon: -58.38 },
  { name: "Berlin", lat: 52.52, lon: 13.41 },
  { name: "Munich", lat: 48.14, lon: 11.58 },
  { name: "Amsterdam", lat: 52.37, lon: 4.9 },
  { name: "Madrid", lat: 40.42, lon: -3.7 },
  { name: "Rome", lat: 41.9, lon: 12.5 },
  { name: "Warsaw", lat: 52.23, lon: 21.01 },
  { name: "Johannesburg", lat: -26.2, lon: 28.05 },
  { name: "Lagos", lat: 6.52, lon: 3.38 },
  { name: "Nairobi", lat: -1.29, lon: 36.82 },
  { name: "Delhi", lat: 28.61, lon: 77.21 },
  { name: "Bangalore", lat: 12.97, lon: 77.59 },
  { name: "Beijing", lat: 39.9, lon: 116.41 },
  { name: "Shanghai", lat: 31.23, lon: 121.47 },
  { name: "Manila", lat: 14.6, lon: 120.98 },
  { name: "Perth", lat: -31.95, lon: 115.86 },
];

function norm(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

const TABLE: ReadonlyMap<string, Place> = (() => {
  const m = new Map<string, Place>();
  for (const c of CITIES) m.set(norm(c.name), c);
  for (const r of REGIONS) {
    const place = { name: r.city, lat: r.lat, lon: r.lon };
    if (!m.has(norm(r.city))) m.set(norm(r.city), place);
  }
  return m;
})();

export function knownPlaces(): Place[] {
  return [...new Set(TABLE.values())].sort((a, b) => a.name.localeCompare(b.name));
}

const LAT_LON = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/;

/**
 * "Columbus, OH", "columbus", "Frankfurt", "39.96,-83.00", or a region code ("us-east-2": from inside that region).
 * Throws a UserError naming what it accepts.
 */
export function parsePlace(text: string): Place {
  const region = findRegion(text.trim());
  if (region) return { name: region.code, lat: region.lat, lon: region.lon, region: region.code };
  const m = LAT_LON.exec(text);
  if (m) {
    const lat = Number(m[1]);
    const lon = Number(m[2]);
    if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
      throw new UserError(`"${text}" is not a valid latitude,longitude (latitude −90…90, longitude −180…180).`);
    }
    return { name: text.trim(), lat, lon };
  }
  const key = norm(text);
  const exact = TABLE.get(key);
  if (exact) return exact;
  // "Columbus" finds "Columbus, OH" when only one city starts so.
  const prefix = [...TABLE.entries()].filter(([k]) => k.startsWith(`${key} `) || k === key);
  if (prefix.length === 1) return prefix[0]![1];
  throw new UserError(
    `Unknown place "${text}".`,
    `Give a region code (us-east-2), "lat,lon" (e.g. 39.96,-83.00) or a city Stowage knows: ${knownPlaces()
      .map((p) => p.name)
      .join("; ")}.`,
  );
}
