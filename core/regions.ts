/**
 * Commercial AWS regions: code, name, and the city the region's data centres are near (AWS publishes no
 * coordinates; these are city-level approximations, see shared research on latency).
 */
export interface Region {
  readonly code: string;
  /** The region's prefix on Price List usage types ("USE2" in "USE2-TimedStorage-ByteHrs"; us-east-1's S3 and EBS
   * usage types carry none, but its data-transfer pairs use "USE1"). Prefixes of regions opened since 2024
   * (ca-west-1, mx-central-1, ap-southeast-5/6/7, ap-east-2) are unconfirmed until a refresh shows them. */
  readonly usagePrefix: string;
  /** The Price List's `location` attribute, which AWS's pricing-page feeds also key regions by ("EU (Ireland)"). */
  readonly location: string;
  readonly name: string;
  readonly city: string;
  readonly lat: number;
  readonly lon: number;
}

export const REGIONS: readonly Region[] = [
  { code: "us-east-1", usagePrefix: "USE1", location: "US East (N. Virginia)", name: "US East (N. Virginia)", city: "Ashburn", lat: 39.04, lon: -77.49 },
  { code: "us-east-2", usagePrefix: "USE2", location: "US East (Ohio)", name: "US East (Ohio)", city: "Columbus", lat: 39.96, lon: -83.0 },
  { code: "us-west-1", usagePrefix: "USW1", location: "US West (N. California)", name: "US West (N. California)", city: "San Jose", lat: 37.34, lon: -121.89 },
  { code: "us-west-2", usagePrefix: "USW2", location: "US West (Oregon)", name: "US West (Oregon)", city: "Boardman", lat: 45.84, lon: -119.7 },
  { code: "ca-central-1", usagePrefix: "CAN1", location: "Canada (Central)", name: "Canada (Central)", city: "Montreal", lat: 45.5, lon: -73.57 },
  { code: "ca-west-1", usagePrefix: "CAW1", location: "Canada West (Calgary)", name: "Canada West (Calgary)", city: "Calgary", lat: 51.04, lon: -114.07 },
  { code: "mx-central-1", usagePrefix: "MXC1", location: "Mexico (Central)", name: "Mexico (Central)", city: "Querétaro", lat: 20.59, lon: -100.39 },
  {
    code: "sa-east-1",
    usagePrefix: "SAE1",
    location: "South America (Sao Paulo)",
    name: "South America (São Paulo)",
    city: "São Paulo",
    lat: -23.55,
    lon: -46.63,
  },
  { code: "eu-west-1", usagePrefix: "EU", location: "EU (Ireland)", name: "Europe (Ireland)", city: "Dublin", lat: 53.35, lon: -6.26 },
  { code: "eu-west-2", usagePrefix: "EUW2", location: "EU (London)", name: "Europe (London)", city: "London", lat: 51.51, lon: -0.13 },
  { code: "eu-west-3", usagePrefix: "EUW3", location: "EU (Paris)", name: "Europe (Paris)", city: "Paris", lat: 48.86, lon: 2.35 },
  { code: "eu-central-1", usagePrefix: "EUC1", location: "EU (Frankfurt)", name: "Europe (Frankfurt)", city: "Frankfurt", lat: 50.11, lon: 8.68 },
  { code: "eu-central-2", usagePrefix: "EUC2", location: "EU (Zurich)", name: "Europe (Zurich)", city: "Zurich", lat: 47.38, lon: 8.54 },
  { code: "eu-north-1", usagePrefix: "EUN1", location: "EU (Stockholm)", name: "Europe (Stockholm)", city: "Stockholm", lat: 59.33, lon: 18.07 },
  { code: "eu-south-1", usagePrefix: "EUS1", location: "EU (Milan)", name: "Europe (Milan)", city: "Milan", lat: 45.46, lon: 9.19 },
  { code: "eu-south-2", usagePrefix: "EUS2", location: "EU (Spain)", name: "Europe (Spain)", city: "Aragón", lat: 41.65, lon: -0.89 },
  { code: "il-central-1", usagePrefix: "ILC1", location: "Israel (Tel Aviv)", name: "Israel (Tel Aviv)", city: "Tel Aviv", lat: 32.09, lon: 34.78 },
  { code: "me-south-1", usagePrefix: "MES1", location: "Middle East (Bahrain)", name: "Middle East (Bahrain)", city: "Bahrain", lat: 26.07, lon: 50.56 },
  { code: "me-central-1", usagePrefix: "MEC1", location: "Middle East (UAE)", name: "Middle East (UAE)", city: "Dubai", lat: 25.2, lon: 55.27 },
  { code: "af-south-1", usagePrefix: "AFS1", location: "Africa (Cape Town)", name: "Africa (Cape Town)", city: "Cape Town", lat: -33.92, lon: 18.42 },
  { code: "ap-south-1", usagePrefix: "APS3", location: "Asia Pacific (Mumbai)", name: "Asia Pacific (Mumbai)", city: "Mumbai", lat: 19.08, lon: 72.88 },
  {
    code: "ap-south-2",
    usagePrefix: "APS5",
    location: "Asia Pacific (Hyderabad)",
    name: "Asia Pacific (Hyderabad)",
    city: "Hyderabad",
    lat: 17.39,
    lon: 78.49,
  },
  {
    code: "ap-southeast-1",
    usagePrefix: "APS1",
    location: "Asia Pacific (Singapore)",
    name: "Asia Pacific (Singapore)",
    city: "Singapore",
    lat: 1.35,
    lon: 103.82,
  },
  { code: "ap-southeast-2", usagePrefix: "APS2", location: "Asia Pacific (Sydney)", name: "Asia Pacific (Sydney)", city: "Sydney", lat: -33.87, lon: 151.21 },
  { code: "ap-southeast-3", usagePrefix: "APS4", location: "Asia Pacific (Jakarta)", name: "Asia Pacific (Jakarta)", city: "Jakarta", lat: -6.21, lon: 106.85 },
  {
    code: "ap-southeast-4",
    usagePrefix: "APS6",
    location: "Asia Pacific (Melbourne)",
    name: "Asia Pacific (Melbourne)",
    city: "Melbourne",
    lat: -37.81,
    lon: 144.96,
  },
  {
    code: "ap-southeast-5",
    usagePrefix: "APS7",
    location: "Asia Pacific (Malaysia)",
    name: "Asia Pacific (Malaysia)",
    city: "Kuala Lumpur",
    lat: 3.14,
    lon: 101.69,
  },
  {
    code: "ap-southeast-6",
    usagePrefix: "APS8",
    location: "Asia Pacific (New Zealand)",
    name: "Asia Pacific (New Zealand)",
    city: "Auckland",
    lat: -36.85,
    lon: 174.76,
  },
  {
    code: "ap-southeast-7",
    usagePrefix: "APS9",
    location: "Asia Pacific (Thailand)",
    name: "Asia Pacific (Thailand)",
    city: "Bangkok",
    lat: 13.76,
    lon: 100.5,
  },
  {
    code: "ap-east-1",
    usagePrefix: "APE1",
    location: "Asia Pacific (Hong Kong)",
    name: "Asia Pacific (Hong Kong)",
    city: "Hong Kong",
    lat: 22.32,
    lon: 114.17,
  },
  { code: "ap-east-2", usagePrefix: "APE2", location: "Asia Pacific (Taipei)", name: "Asia Pacific (Taipei)", city: "Taipei", lat: 25.03, lon: 121.57 },
  { code: "ap-northeast-1", usagePrefix: "APN1", location: "Asia Pacific (Tokyo)", name: "Asia Pacific (Tokyo)", city: "Tokyo", lat: 35.68, lon: 139.65 },
  { code: "ap-northeast-2", usagePrefix: "APN2", location: "Asia Pacific (Seoul)", name: "Asia Pacific (Seoul)", city: "Seoul", lat: 37.57, lon: 126.98 },
  { code: "ap-northeast-3", usagePrefix: "APN3", location: "Asia Pacific (Osaka)", name: "Asia Pacific (Osaka)", city: "Osaka", lat: 34.69, lon: 135.5 },
];

const BY_CODE = new Map(REGIONS.map((r) => [r.code, r]));

export function findRegion(code: string): Region | undefined {
  return BY_CODE.get(code);
}

const BY_LOCATION = new Map(REGIONS.map((r) => [r.location, r]));

/** The commercial region a Price List location names; undefined for GovCloud, Local Zones and "Any". */
export function regionAtLocation(location: string): Region | undefined {
  return BY_LOCATION.get(location);
}

export function isRegionCode(code: string): boolean {
  return BY_CODE.has(code);
}

export function usagePrefix(code: string): string {
  const region = BY_CODE.get(code);
  if (!region) throw new Error(`unknown region ${code}`);
  return region.usagePrefix;
}

/** One problem with a list of replica regions: `index` is the entry's position, or null for the list as a whole. */
export interface ReplicaProblem {
  readonly index: number | null;
  readonly message: string;
}

/**
 * The replica-region rules, stated once for the workload, the stack config and the Replication component: each
 * replica is a known region, is not the primary, and is listed once (a second copy would be a second replica bucket
 * with the same name, which the engine refuses as a duplicate URN).
 */
export function replicaRegionProblems(primary: string, replicas: readonly string[]): ReplicaProblem[] {
  const problems: ReplicaProblem[] = [];
  replicas.forEach((r, i) => {
    if (!isRegionCode(r)) problems.push({ index: i, message: `unknown AWS region ${JSON.stringify(r)}` });
    else if (r === primary) problems.push({ index: i, message: `${r} is the primary region; a replica must be in another region` });
  });
  const dupes = [...new Set(replicas.filter((r, i) => replicas.indexOf(r) !== i))];
  if (dupes.length) problems.push({ index: null, message: `${dupes.join(", ")} listed twice; each replica region once` });
  return problems;
}
