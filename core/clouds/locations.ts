/**
 * Where other providers keep data: every location Stowage prices, with the city its provider names and that city's
 * coordinates (the city centre, transcribed for distance estimates; a provider's data centres may sit up to ~100 km
 * away). AWS's own regions are core/regions.ts.
 */
import { haversineKm, type Coordinates } from "../geo.js";
import { REGIONS } from "../regions.js";

export const PROVIDERS = ["aws", "gcs", "azure", "r2", "b2"] as const;
export type Provider = (typeof PROVIDERS)[number];
export const OTHER_PROVIDERS = ["gcs", "azure", "r2", "b2"] as const satisfies readonly Provider[];

export const PROVIDER_NAMES: Readonly<Record<Provider, string>> = {
  aws: "Amazon S3",
  gcs: "Google Cloud Storage",
  azure: "Azure Blob Storage",
  r2: "Cloudflare R2",
  b2: "Backblaze B2",
};

export interface Location {
  readonly provider: Provider;
  /** The provider's own code: "us-central1", "eastus", "nam4". */
  readonly code: string;
  readonly kind: "region" | "dual-region" | "multi-region" | "global";
  readonly city: string;
  /** Null for a location with no one place (a multi-region, R2's automatic placement). */
  readonly lat: number | null;
  readonly lon: number | null;
}

const at = (provider: Provider, code: string, city: string, lat: number, lon: number): Location => ({ provider, code, kind: "region", city, lat, lon });

/** Google Cloud's regions as its price data names them (`region.<code>.location`). */
const GCS_REGIONS: readonly Location[] = [
  at("gcs", "africa-south1", "Johannesburg", -26.2, 28.05),
  at("gcs", "asia-east1", "Changhua, Taiwan", 24.07, 120.54),
  at("gcs", "asia-east2", "Hong Kong", 22.32, 114.17),
  at("gcs", "asia-northeast1", "Tokyo", 35.68, 139.69),
  at("gcs", "asia-northeast2", "Osaka", 34.69, 135.5),
  at("gcs", "asia-northeast3", "Seoul", 37.57, 126.98),
  at("gcs", "asia-south1", "Mumbai", 19.08, 72.88),
  at("gcs", "asia-south2", "Delhi", 28.61, 77.21),
  at("gcs", "asia-southeast1", "Singapore", 1.35, 103.7),
  at("gcs", "asia-southeast2", "Jakarta", -6.21, 106.85),
  at("gcs", "asia-southeast3", "Bangkok", 13.76, 100.5),
  at("gcs", "australia-southeast1", "Sydney", -33.87, 151.21),
  at("gcs", "australia-southeast2", "Melbourne", -37.81, 144.96),
  at("gcs", "europe-central2", "Warsaw", 52.23, 21.01),
  at("gcs", "europe-north1", "Hamina, Finland", 60.57, 27.2),
  at("gcs", "europe-north2", "Stockholm", 59.33, 18.07),
  at("gcs", "europe-southwest1", "Madrid", 40.42, -3.7),
  at("gcs", "europe-west1", "St. Ghislain, Belgium", 50.45, 3.82),
  at("gcs", "europe-west10", "Berlin", 52.52, 13.4),
  at("gcs", "europe-west12", "Turin", 45.07, 7.69),
  at("gcs", "europe-west2", "London", 51.51, -0.13),
  at("gcs", "europe-west3", "Frankfurt", 50.11, 8.68),
  at("gcs", "europe-west4", "Eemshaven, Netherlands", 53.44, 6.83),
  at("gcs", "europe-west6", "Zurich", 47.38, 8.54),
  at("gcs", "europe-west8", "Milan", 45.46, 9.19),
  at("gcs", "europe-west9", "Paris", 48.86, 2.35),
  at("gcs", "me-central1", "Doha", 25.29, 51.53),
  at("gcs", "me-central2", "Dammam", 26.43, 50.1),
  at("gcs", "me-west1", "Tel Aviv", 32.09, 34.78),
  at("gcs", "northamerica-northeast1", "Montréal", 45.5, -73.57),
  at("gcs", "northamerica-northeast2", "Toronto", 43.65, -79.38),
  at("gcs", "northamerica-south1", "Querétaro", 20.59, -100.39),
  at("gcs", "southamerica-east1", "São Paulo", -23.53, -46.79),
  at("gcs", "southamerica-west1", "Santiago", -33.45, -70.67),
  at("gcs", "us-central1", "Council Bluffs, Iowa", 41.26, -95.86),
  at("gcs", "us-east1", "Moncks Corner, South Carolina", 33.2, -80.01),
  at("gcs", "us-east4", "Ashburn, Virginia", 39.04, -77.49),
  at("gcs", "us-east5", "Columbus", 39.96, -83.0),
  at("gcs", "us-south1", "Dallas", 32.78, -96.8),
  at("gcs", "us-west1", "The Dalles, Oregon", 45.59, -121.18),
  at("gcs", "us-west2", "Los Angeles", 34.05, -118.24),
  at("gcs", "us-west3", "Salt Lake City", 40.76, -111.89),
  at("gcs", "us-west4", "Las Vegas", 36.17, -115.14),
];

/** Dual-regions sit at their first member for distances; multi-regions have no one place. */
const GCS_GROUPS: readonly Location[] = [
  { provider: "gcs", code: "asia1", kind: "dual-region", city: "Tokyo + Osaka", lat: 35.68, lon: 139.69 },
  { provider: "gcs", code: "eur4", kind: "dual-region", city: "Finland + Netherlands", lat: 60.57, lon: 27.2 },
  { provider: "gcs", code: "nam4", kind: "dual-region", city: "Iowa + South Carolina", lat: 41.26, lon: -95.86 },
  { provider: "gcs", code: "asia", kind: "multi-region", city: "data centres in Asia", lat: null, lon: null },
  { provider: "gcs", code: "eu", kind: "multi-region", city: "data centres in EU member states", lat: null, lon: null },
  { provider: "gcs", code: "us", kind: "multi-region", city: "data centres in the United States", lat: null, lon: null },
];

/** The four Azure regions the shipped Azure prices cover. */
const AZURE_REGIONS: readonly Location[] = [
  at("azure", "eastus", "Boydton, Virginia", 36.67, -78.39),
  at("azure", "westus2", "Quincy, Washington", 47.23, -119.85),
  at("azure", "westeurope", "Amsterdam", 52.37, 4.9),
  at("azure", "southeastasia", "Singapore", 1.35, 103.82),
];

/** R2 places a bucket itself (near its first user, or by a location hint) at one price everywhere. */
const R2: readonly Location[] = [{ provider: "r2", code: "auto", kind: "global", city: "placed by Cloudflare", lat: null, lon: null }];

/** B2's regions, one price for all. */
const B2: readonly Location[] = [
  at("b2", "us-west", "Sacramento, California", 38.58, -121.49),
  at("b2", "us-east", "Reston, Virginia", 38.96, -77.36),
  at("b2", "eu-central", "Amsterdam", 52.37, 4.9),
];

const AWS: readonly Location[] = REGIONS.map((r) => at("aws", r.code, r.city, r.lat, r.lon));

export const LOCATIONS: readonly Location[] = [...AWS, ...GCS_REGIONS, ...GCS_GROUPS, ...AZURE_REGIONS, ...R2, ...B2];

/**
 * A location's id where places of every provider are listed together (the plan's ranking, a users file's
 * allowed_regions): an AWS region by its code ("us-east-2"), another provider's location as "<provider>:<code>".
 */
export function locationId(l: Pick<Location, "provider" | "code">): string {
  return l.provider === "aws" ? l.code : `${l.provider}:${l.code}`;
}

/** The provider and code an id names (see locationId); the provider is not checked. */
export function splitLocationId(id: string): { provider: Provider; code: string } {
  const i = id.indexOf(":");
  return i < 0 ? { provider: "aws", code: id } : { provider: id.slice(0, i) as Provider, code: id.slice(i + 1) };
}

export function locationsOf(provider: Provider): Location[] {
  return LOCATIONS.filter((l) => l.provider === provider);
}

export function findLocation(provider: Provider, code: string): Location | null {
  return LOCATIONS.find((l) => l.provider === provider && l.code === code) ?? null;
}

/** The provider's region nearest a point (an AWS region's city, a user's place); its one location when it has no places. */
export function nearestLocation(provider: Provider, to: Coordinates): Location {
  const all = locationsOf(provider);
  const placed = all.filter((l): l is Location & { lat: number; lon: number } => l.kind === "region" && l.lat !== null && l.lon !== null);
  if (placed.length === 0) return all[0]!;
  return placed.reduce((best, l) => (haversineKm(l, to) < haversineKm(best, to) ? l : best));
}
