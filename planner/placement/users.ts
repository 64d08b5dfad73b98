/**
 * The users file: where the people and machines that use the data are, and the constraints on a placement.
 * examples/users.yaml documents every key. Validation collects every problem and throws once.
 */
import * as z from "zod";
import { issueProblem, problemsError, readYamlFile } from "../../core/inputs.js";
import { parsePlace, type Place } from "../latency/places.js";
import { isRegionCode } from "../../core/regions.js";

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
    if (typeof r === "string" && !isRegionCode(r)) problems.push(`constraints.allowed_regions[${i}]: unknown AWS region "${r}"`);
  });
  if (isObject(constraints.replica) && constraints.replica.required === true && allowed?.length === 1) {
    problems.push("constraints.replica.required: a replica needs a second allowed region, but allowed_regions lists one");
  }
  return { problems, places };
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
  };
}

export async function loadUsers(path: string): Promise<Users> {
  return parseUsers(await readYamlFile(path, "users file", "--users", "examples/users.yaml"), path);
}
