/**
 * The users file: where the people and machines that use the data are, and the constraints on a placement.
 * examples/users.yaml documents every key. Validation collects every problem and throws once.
 */
import * as z from "zod";
import { issueProblem, problemsError, readYamlFile } from "../../core/inputs.js";
import { parsePlace, type Place } from "../latency/places.js";
import { parseTargetSpec, type Target } from "../latency/probe.js";
import { isRegionCode } from "../../core/regions.js";
import { PROVIDERS, findLocation, splitLocationId, type Provider } from "../../core/clouds/locations.js";

/** Feasible regions within this many percent of the cheapest are near-ties: the lowest latency among them wins. */
export const DEFAULT_NEAR_TIE_PCT = 5;

const UsersSchema = z
  .object({
    populations: z
      .array(
        z
          .object({
            name: z.string().min(1),
            place: z.string().min(1),
            weight: z.number().positive(),
            here: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
    constraints: z
      .object({
        allowed_regions: z.array(z.string()).min(1).optional(),
        latency_objective_ms: z.number().positive().default(200),
        worst_latency_ms: z.number().positive().optional(),
        monthly_budget_usd: z.number().positive().optional(),
        near_tie_pct: z.number().nonnegative().max(100).default(DEFAULT_NEAR_TIE_PCT),
        replica: z
          .object({ required: z.boolean().default(false), min_distance_km: z.number().nonnegative().default(500) })
          .strict()
          .default({ required: false, min_distance_km: 500 }),
      })
      .strict()
      .default({ latency_objective_ms: 200, near_tie_pct: DEFAULT_NEAR_TIE_PCT, replica: { required: false, min_distance_km: 500 } }),
    providers: z
      .object({
        allowed: z.array(z.enum(PROVIDERS)).min(1).optional(),
        forbidden: z.array(z.enum(PROVIDERS)).default([]),
        endpoints: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .optional(),
  })
  .strict();

export interface Population {
  readonly name: string;
  readonly place: Place;
  /** Share of traffic, normalised so all weights sum to 1. */
  readonly weight: number;
  /** True for the population at this machine: its latency can be measured live. */
  readonly here: boolean;
}

export interface Constraints {
  /** Null: every region. */
  readonly allowedRegions: readonly string[] | null;
  /** For the traffic-weighted round trip. */
  readonly latencyObjectiveMs: number;
  /** For the worst-served population (defaults to the objective). */
  readonly worstLatencyMs: number;
  readonly monthlyBudgetUsd: number | null;
  readonly replica: { readonly required: boolean; readonly minDistanceKm: number };
  /** `near_tie_pct` as a fraction: feasible regions this close to the cheapest go to the lowest latency. */
  readonly nearTieMargin: number;
}

export interface Users {
  readonly populations: readonly Population[];
  readonly constraints: Constraints;
  /**
   * The providers whose locations are candidates, in PROVIDERS order. Without a `providers:` key, AWS alone (what
   * every plan did before other providers were priced); with one, `allowed` (default: every provider) less `forbidden`.
   */
  readonly providers: readonly Provider[];
  /**
   * Endpoints of other providers' locations to measure live from `here` (`providers.endpoints`: location id → URL),
   * as probe targets named by the location's id.
   */
  readonly endpoints: readonly Target[];
}

/** The providers a users file's `providers:` key leaves; AWS alone without the key. */
export function providersOf(key: { allowed?: readonly Provider[]; forbidden: readonly Provider[] } | undefined): Provider[] {
  if (!key) return ["aws"];
  return PROVIDERS.filter((p) => (key.allowed ?? PROVIDERS).includes(p) && !key.forbidden.includes(p));
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The checks beyond each value's type (places, duplicate names, regions, the replica), on the raw file: they run
 * whether or not the schema passed, so a file with a bad weight and an unknown place reports both in one pass.
 */
function crossProblems(raw: unknown): { problems: string[]; places: (Place | null)[] } {
  const problems: string[] = [];
  const pops = isObject(raw) && Array.isArray(raw.populations) ? raw.populations.map((p) => (isObject(p) ? p : {})) : [];
  const places = pops.map((p, i) => {
    if (typeof p.place !== "string" || p.place === "") return null;
    try {
      return parsePlace(p.place);
    } catch (err) {
      problems.push(`populations[${i}].place: ${(err as Error).message}`);
      return null;
    }
  });
  const names = pops.map((p) => p.name).filter((n): n is string => typeof n === "string");
  const dupes = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (dupes.length) problems.push(`populations: the name${dupes.length > 1 ? "s" : ""} ${dupes.join(", ")} appear${dupes.length > 1 ? "" : "s"} twice`);
  if (pops.filter((p) => p.here === true).length > 1) problems.push("populations: only one population can be `here`");
  const constraints = isObject(raw) && isObject(raw.constraints) ? raw.constraints : {};
  const allowed = Array.isArray(constraints.allowed_regions) ? constraints.allowed_regions : null;
  allowed?.forEach((r, i) => {
    if (typeof r !== "string") return;
    if (r.includes(":")) {
      const { provider, code } = splitLocationId(r);
      if (!(PROVIDERS as readonly string[]).includes(provider) || provider === "aws" || !findLocation(provider, code))
        problems.push(
          `constraints.allowed_regions[${i}]: unknown location "${r}" (other providers' locations are "<provider>:<code>", e.g. gcs:us-east4, b2:us-west)`,
        );
    } else if (!isRegionCode(r)) problems.push(`constraints.allowed_regions[${i}]: unknown AWS region "${r}"`);
  });
  const providers = isObject(raw) && isObject(raw.providers) ? raw.providers : null;
  if (providers) {
    const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is Provider => (PROVIDERS as readonly unknown[]).includes(x)) : null);
    const left = providersOf({ ...(list(providers.allowed) ? { allowed: list(providers.allowed)! } : {}), forbidden: list(providers.forbidden) ?? [] });
    if (left.length === 0) problems.push("providers: every provider is forbidden or left out of `allowed`; allow at least one");
    const both = (list(providers.allowed) ?? []).filter((p) => list(providers.forbidden)?.includes(p));
    if (both.length) problems.push(`providers: ${both.join(", ")} is both allowed and forbidden`);
    if (isObject(providers.endpoints)) endpointsOf(providers.endpoints, problems);
  }
  if (isObject(constraints.replica) && constraints.replica.required === true && allowed?.length === 1) {
    problems.push("constraints.replica.required: a replica needs a second allowed region, but allowed_regions lists one");
  }
  return { problems, places };
}

/** `providers.endpoints` as probe targets; each bad entry is a problem. */
function endpointsOf(raw: Record<string, unknown>, problems: string[]): Target[] {
  const out: Target[] = [];
  for (const [id, url] of Object.entries(raw)) {
    const { provider, code } = splitLocationId(id);
    if (provider === "aws" || !(PROVIDERS as readonly string[]).includes(provider) || !findLocation(provider, code)) {
      problems.push(
        `providers.endpoints.${id}: not another provider's location (write "<provider>:<code>", e.g. b2:eu-central; AWS regions are probed by code)`,
      );
      continue;
    }
    if (typeof url !== "string") continue;
    try {
      out.push(parseTargetSpec(`${id}=${url}`));
    } catch (err) {
      problems.push(
        `providers.endpoints.${id}: ${(err as Error).message.replace(`--target ${id}=${url}: `, "")} Write https://host[:port] or tcp://host:port.`,
      );
    }
  }
  return out;
}

export function parseUsers(raw: unknown, source = "users"): Users {
  const result = UsersSchema.safeParse(raw ?? {});
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(issueProblem(issue, { raw }));
  }
  const cross = crossProblems(raw ?? {});
  problems.push(...cross.problems);
  const populations: Population[] = [];
  const constraints = result.success ? result.data.constraints : null;
  if (result.success && cross.problems.length === 0) {
    const total = result.data.populations.reduce((s, p) => s + p.weight, 0);
    result.data.populations.forEach((p, i) => populations.push({ name: p.name, place: cross.places[i]!, weight: p.weight / total, here: p.here }));
  }
  if (problems.length) throw problemsError(source, problems, "examples/users.yaml");
  const c = constraints!;
  return {
    populations,
    constraints: {
      allowedRegions: c.allowed_regions ?? null,
      latencyObjectiveMs: c.latency_objective_ms,
      worstLatencyMs: c.worst_latency_ms ?? c.latency_objective_ms,
      monthlyBudgetUsd: c.monthly_budget_usd ?? null,
      replica: { required: c.replica.required, minDistanceKm: c.replica.min_distance_km },
      nearTieMargin: c.near_tie_pct / 100,
    },
    providers: providersOf(result.data!.providers),
    endpoints: endpointsOf(result.data!.providers?.endpoints ?? {}, []),
  };
}

export async function loadUsers(path: string): Promise<Users> {
  return parseUsers(await readYamlFile(path, "users file", "--users", "examples/users.yaml"), path);
}
