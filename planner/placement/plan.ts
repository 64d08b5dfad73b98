/**
 * Prepares the placement's data from a workload, a users file, prices and (optionally) live measurements, and runs
 * the pure placement. Costs (costs.ts): per region, or per primary-replica pair when a replica is required, the
 * cheapest S3 strategy over the horizon (and the range of any cheaper one whose price is missing), priced only when
 * the placement asks.
 */
import type { Catalog } from "../../core/pricing/catalog.js";
import { OPTION_IDS, SINGLE_CLASS, optionLabel, type OptionId } from "../../core/cost/horizon.js";
import type { Workload } from "../../core/cost/workload.js";
import { estimateRtt, estimateToLocation, haversineKm, type Estimate } from "../latency/predict.js";
import { REGIONS, findRegion } from "../../core/regions.js";
import type { Transition } from "../../core/storageClasses.js";
import { Decimal, ZERO } from "../../core/money.js";
import { priceComponents } from "../../core/cost/components.js";
import { egressComponents } from "../../core/cost/horizon.js";
import { LOCATIONS, PROVIDER_NAMES, findLocation, locationId, splitLocationId, type Location } from "../../core/clouds/locations.js";
import { costTable } from "./costs.js";
import { cheapestAt, replicaEgressTotal, replicaWorkload, type CloudPrices } from "./clouds.js";
import { place } from "./placement.js";
import type { Candidate, Option, Plan } from "./types.js";
import type { Users } from "./users.js";

export const S3_STRATEGIES: readonly OptionId[] = OPTION_IDS.filter((id) => id.startsWith("s3-"));

/**
 * The strategies a placement may choose from. Data that is read back must be readable in milliseconds: Glacier
 * Flexible Retrieval and Deep Archive need a restore of minutes to hours first, so they only qualify for data that
 * nobody reads (a lifecycle may still age old data into them).
 */
export function placementStrategies(w: Workload): OptionId[] {
  const read = (w.requests?.monthly_reads ?? 0) > 0 || (w.access?.monthly_read_gb ?? 0) > 0;
  return S3_STRATEGIES.filter((id) => !read || (id !== "s3-glacier-flexible" && id !== "s3-deep-archive"));
}

export interface PlanContext {
  readonly workload: Workload;
  readonly users: Users;
  readonly catalog: Catalog;
  /** Live round trips from this machine by region (or other provider's location id), for the population marked `here`. */
  readonly live?: ReadonlyMap<string, number>;
  /** Other providers' prices (data/other-clouds): needed when the users file allows a provider other than AWS. */
  readonly clouds?: CloudPrices;
}

export interface PlanResult extends Plan {
  readonly workload: Workload;
  /** The option id behind each priced region's cost (with its replica when one is required), for the stack config. */
  readonly strategies: ReadonlyMap<string, OptionId>;
  /** Any primary and replica the user picks: the cheapest strategy for the two together (or for one copy). */
  readonly option: (primary: string, replica: string | null) => Option;
}

function estimated(population: string, weight: number, e: Estimate, basis?: string) {
  return {
    population,
    weight,
    rttMs: e.estimateMs,
    estimated: true,
    highMs: e.highMs,
    ...(e.routingUnknown ? { routingUnknown: true } : {}),
    ...(basis ? { basis } : {}),
  };
}

/**
 * The other providers' locations that are candidates: single places (GCS regions, Azure's regions, B2's regions)
 * and R2, which places a bucket itself near its first request: it is put at the heaviest population's place, and
 * every figure to it says so. GCS dual- and multi-regions are replicated products, not one place: not candidates.
 */
function otherLocations(users: Users): { id: string; loc: Location; at: { name: string; lat: number; lon: number }; note?: string }[] {
  const heaviest = [...users.populations].sort((a, b) => b.weight - a.weight)[0]!;
  return LOCATIONS.filter((l) => l.provider !== "aws" && users.providers.includes(l.provider)).flatMap((loc) => {
    const id = locationId(loc);
    if (loc.kind === "region" && loc.lat !== null && loc.lon !== null) return [{ id, loc, at: { name: loc.city, lat: loc.lat, lon: loc.lon } }];
    if (loc.kind === "global")
      return [
        {
          id,
          loc,
          at: { name: heaviest.place.name, lat: heaviest.place.lat, lon: heaviest.place.lon },
          note: `assumed placed near ${heaviest.name} (its first request)`,
        },
      ];
    return [];
  });
}

export function plan(ctx: PlanContext): PlanResult {
  const { workload: w, users, catalog } = ctx;
  const table = costTable(w, catalog, placementStrategies(w));
  const label = (id: OptionId) => optionLabel(id, w);
  const options = new Map<string, Option>();
  const option = (primary: string, replica: string | null): Option => {
    const key = `${primary}|${replica ?? ""}`;
    let o = options.get(key);
    if (!o) {
      const { priced, unpriced } = table.choose(primary, replica);
      o = {
        priced: priced && { ...priced, label: label(priced.strategy) },
        unpriced: unpriced && { ...unpriced, label: label(unpriced.strategy) },
      };
      options.set(key, o);
    }
    return o;
  };

  const aws = users.providers.includes("aws");
  const candidates: Candidate[] = (aws ? REGIONS : []).map((r) => ({
    region: r.code,
    latency: users.populations.map((p) => {
      const measured = p.here ? ctx.live?.get(r.code) : undefined;
      return measured !== undefined
        ? { population: p.name, weight: p.weight, rttMs: measured, estimated: false }
        : estimated(p.name, p.weight, estimateRtt(p.place, r));
    }),
  }));
  const others = otherLocations(users);
  if (others.length && !ctx.clouds) throw new Error("plan: other providers are allowed but their prices were not loaded");
  const where = new Map<string, { lat: number; lon: number }>(others.map((o) => [o.id, o.at]));
  for (const o of others) {
    candidates.push({
      region: o.id,
      latency: users.populations.map((p) => {
        const measured = p.here ? ctx.live?.get(o.id) : undefined;
        if (measured !== undefined) return { population: p.name, weight: p.weight, rttMs: measured, estimated: false };
        const e = estimateToLocation(p.place, o.at);
        // R2's place is an assumption: its routing is as unknown as its place.
        return estimated(p.name, p.weight, o.note ? { ...e, routingUnknown: true } : e, o.note ? `${e.basis}, ${o.note}` : e.basis);
      }),
    });
  }
  const coordsOf = (id: string) => where.get(id) ?? findRegion(id)!;
  const multi = others.length > 0;
  const cross = multi ? crossProvider(w, catalog, ctx.clouds!) : null;
  const chooseOption = cross ? (primary: string, replica: string | null) => cross(primary, replica, option) : option;
  const result = place({
    candidates,
    constraints: users.constraints,
    distanceKm: (a, b) => haversineKm(coordsOf(a), coordsOf(b)),
    option: chooseOption,
  });
  const chosen = new Map<string, OptionId>();
  for (const row of result.ranking) if (row.strategyId) chosen.set(row.region, row.strategyId as OptionId);
  return { ...result, workload: w, strategies: chosen, option: chooseOption };
}

/**
 * Options when the plan compares providers: AWS alone and AWS pairs as before, with their internet egress stated;
 * other providers' locations priced by clouds.ts; a replica in another provider's cloud paying the primary
 * provider's internet egress. Two locations of the same other provider make no pair.
 */
function crossProvider(
  w: Workload,
  catalog: Catalog,
  clouds: CloudPrices,
): (primary: string, replica: string | null, aws: (p: string, r: string | null) => Option) => Option {
  const months = w.horizon_months;
  const awsEgress = new Map<string, Decimal | undefined>();
  const awsEgressOf = (region: string) => {
    if (!awsEgress.has(region)) {
      const lines = priceComponents(egressComponents({ ...w, region }), catalog).lines;
      awsEgress.set(region, lines.every((l) => l.cost !== null) ? lines.reduce((a, l) => a.plus(l.cost!), ZERO) : undefined);
    }
    return awsEgress.get(region);
  };
  const rw = replicaWorkload(w);
  const replicaTable = costTable(rw, catalog, placementStrategies(w));
  const memo = new Map<string, Option>();
  // Each location is priced once alone and once as a replica, and each primary's copy out once: a search over
  // every pair asks for each many times.
  const once = <V>(compute: (id: string) => V) => {
    const cache = new Map<string, V>();
    return (id: string): V => {
      if (!cache.has(id)) cache.set(id, compute(id));
      return cache.get(id)!;
    };
  };
  const locationOf = (id: string) => {
    const { provider, code } = splitLocationId(id);
    return findLocation(provider, code)!;
  };
  const alone = once((id) => cheapestAt(w, locationOf(id), clouds));
  const replicaBucket = once((id) =>
    isOtherProvider(id) ? (cheapestAt(rw, locationOf(id), clouds).pick?.monthlyCost ?? null) : (replicaTable.choose(id, null).priced?.monthlyCost ?? null),
  );
  const copyOut = once((key) => {
    const [id, optionId] = key.split("|") as [string, string];
    return isOtherProvider(id)
      ? replicaEgressTotal(w, { loc: locationOf(id), optionId, prices: clouds })
      : replicaEgressTotal(w, { provider: "aws", region: id, catalog });
  });
  const none: Option = { priced: null, unpriced: null };
  return (primary, replica, aws) => {
    const key = `${primary}|${replica ?? ""}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const p = splitLocationId(primary);
    const r = replica === null ? null : splitLocationId(replica);
    let out: Option;
    if (p.provider === "aws" && (r === null || r.provider === "aws")) {
      const o = aws(primary, replica);
      const egress = awsEgressOf(primary);
      out = o.priced && egress ? { ...o, priced: { ...o.priced, egressMonthlyCost: egress } } : o;
    } else if (r !== null && r.provider === p.provider) {
      out = none;
    } else {
      // The primary alone: its cheapest option, priced where it is.
      let own: { strategy: string; label: string; monthly: Decimal; egress: Decimal | undefined } | null = null;
      let missing: string[] = [];
      if (p.provider === "aws") {
        const o = aws(primary, null).priced;
        if (o) own = { strategy: o.strategy, label: o.label, monthly: o.monthlyCost, egress: awsEgressOf(primary) };
      } else {
        const a = alone(primary);
        if (a.pick) own = { strategy: a.pick.id, label: a.pick.label, monthly: a.pick.monthlyCost, egress: a.pick.egressMonthlyCost };
        missing = a.missing;
      }
      if (!own) {
        out = { priced: null, unpriced: null, ...(missing.length && r === null ? { missing } : {}) };
      } else if (r === null) {
        out = {
          priced: {
            strategy: own.strategy,
            label: own.label,
            monthlyCost: own.monthly,
            replicaMonthlyCost: null,
            ...(own.egress ? { egressMonthlyCost: own.egress } : {}),
          },
          unpriced: null,
        };
      } else {
        // The replica's bucket where it is, and the copy leaving the primary's provider over the internet.
        const bucket = replicaBucket(replica!);
        const sent = copyOut(`${primary}|${own.strategy}`);
        if (bucket === null || sent === null) out = none;
        else {
          const egress = sent.div(months);
          const added = bucket.plus(egress);
          out = {
            priced: {
              strategy: own.strategy,
              label: own.label,
              monthlyCost: own.monthly.plus(added),
              replicaMonthlyCost: added,
              ...(own.egress ? { egressMonthlyCost: own.egress } : {}),
              replicaEgress: { monthlyCost: egress, from: PROVIDER_NAMES[p.provider] },
            },
            unpriced: null,
          };
        }
      }
    }
    memo.set(key, out);
    return out;
  };
}

/** True for a candidate id that names another provider's location ("gcs:us-east4"), which the AWS stack cannot hold. */
export function isOtherProvider(id: string): boolean {
  return splitLocationId(id).provider !== "aws";
}

/**
 * Why a placement cannot go into the stack file, when it puts data outside AWS: the stack's Pulumi program
 * provisions S3 only. Null when every location is an AWS region.
 */
export function notForTheStack(locations: readonly string[]): { why: string; next: string } | null {
  const foreign = locations.filter(isOtherProvider);
  if (!foreign.length) return null;
  const names = [...new Set(foreign.map((id) => PROVIDER_NAMES[splitLocationId(id).provider]))].join(" and ");
  return {
    why: `the placement puts data in ${foreign.join(", ")} (${names}), and the stack's Pulumi program provisions AWS only.`,
    next: "Create the bucket with that provider's own tools (the plan's reasons give the location and the class), or allow AWS alone for this plan (`providers: { allowed: [aws] }` in the users file) to get a placement the stack can hold.",
  };
}

/**
 * How the stack stores data under a strategy: the class uploads land in (S3 has no bucket default: uploaders send
 * it as x-amz-storage-class) and the lifecycle transitions after that.
 */
export function scheduleFor(strategy: OptionId, w: Workload): { uploadStorageClass: string; transitions: Transition[] } {
  if (strategy === "s3-lifecycle") {
    return { uploadStorageClass: "STANDARD", transitions: w.lifecycle.map((r) => ({ afterDays: r.after_days, storageClass: r.class })) };
  }
  return { uploadStorageClass: SINGLE_CLASS[strategy] ?? "STANDARD", transitions: [] };
}
