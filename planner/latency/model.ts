/**
 * The offline round-trip model, calibrated on measured inter-region medians. Pure: the matrix comes in as data.
 *
 * Great-circle distance alone is a poor guide past a few thousand km: traffic follows cables and peering, so Tel
 * Aviv reaches Dubai through Europe (147 ms for 2,100 km) and Cape Town reaches Asia through Europe too. The
 * measured matrix already holds those routes. So a place is reached the way its traffic goes: a short local hop to
 * one of the measured regions near it (physics: the fibre floor × a factor fitted per distance band + a fitted
 * constant), then that
 * region's measured median to the target; the estimate is the cheapest such path (or the direct hop), never below
 * the floor. Between two measured regions the measurement itself is used.
 *
 * Calibration is leave-one-region-out: each measured region in turn is treated as an unmeasured place (its row and
 * column removed, the local hop refitted without it) and its estimates are compared with its measurements. The
 * interval is the 10th–90th percentile of those held-out ratios (measured ÷ estimate).
 */
import { quantile } from "./stats.js";
import { haversineKm, type Coordinates } from "../../core/geo.js";

export { haversineKm, type Coordinates } from "../../core/geo.js";

const FIBRE_KM_PER_MS = 200; // light in fibre: ~200,000 km/s

/** The physical minimum round trip over fibre along the great circle, both ways: 1 ms per 100 km. */
export function floorMs(distanceKm: number): number {
  return (2 * distanceKm) / FIBRE_KM_PER_MS;
}

/** Measured median round trips between regions (data/latency/), with where and how they were measured. */
export interface RttMatrix {
  readonly source: string;
  readonly asOf: string;
  readonly method: string;
  readonly unit: "ms";
  /** from → to → median ms; each direction measured on its own. */
  readonly p50: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/**
 * A direct hop is trusted up to this many km; farther, the path goes through measured regions. Also how much farther
 * than the nearest measured region a place may enter through.
 */
export const LOCAL_HOP_MAX_KM = 1500;
/**
 * A place whose nearest measured region is farther than this has unknown routing: the measured matrix says nothing
 * about how its traffic leaves (Tel Aviv reaches Bahrain through Europe), so its estimate is physics only and its
 * interval runs from the fibre floor to the worst held-out ratio. Held out, the regions this far from every other
 * (Cape Town, São Paulo, Tel Aviv, Bahrain, ...) are where the largest errors are.
 */
export const ROUTING_KNOWN_KM = 1000;

/** How many of the nearest measured regions a place may enter the network through. */
export const ENTRY_HUBS = 6;

/** The measured median between two regions: the mean of both directions, or null when either is unmeasured. */
export function measuredMs(m: RttMatrix, a: string, b: string): number | null {
  const ab = m.p50[a]?.[b];
  const ba = m.p50[b]?.[a];
  if (ab === undefined && ba === undefined) return null;
  if (ab === undefined || ba === undefined) return (ab ?? ba)!;
  return (ab + ba) / 2;
}

/** Distance bands of the hop's factor (upper bounds, km): long cables run straighter than short detours. */
export const HOP_BANDS_KM: readonly number[] = [1500, 4000, 8000, Infinity];

/** A hop priced by physics: max(floor, constMs + factor(distance band) × floor). */
export interface LocalHop {
  readonly constMs: number;
  /** One factor per HOP_BANDS_KM band. */
  readonly factors: readonly number[];
  /** How many region pairs it was fitted on. */
  readonly pairs: number;
}

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: readonly number[]) => quantile(sorted(xs), 0.5);

export function hopMs(hop: LocalHop, distanceKm: number): number {
  const floor = floorMs(distanceKm);
  return Math.max(floor, hop.constMs + hop.factors[HOP_BANDS_KM.findIndex((u) => distanceKm <= u)]! * floor);
}

interface Pair {
  readonly a: string;
  readonly b: string;
  readonly km: number;
  readonly ms: number;
}

/** Every measured pair of `regions`, with its great-circle distance. */
function measuredPairs(m: RttMatrix, regions: readonly string[], coords: (r: string) => Coordinates): Pair[] {
  const pairs: Pair[] = [];
  for (const a of regions) {
    for (const b of regions) {
      if (a >= b) continue;
      const ms = measuredMs(m, a, b);
      if (ms !== null) pairs.push({ a, b, km: haversineKm(coords(a), coords(b)), ms });
    }
  }
  return pairs;
}

/**
 * The constant and the first band's factor are fitted on short pairs (within LOCAL_HOP_MAX_KM, where the constant
 * matters): for each constant on a 0.25 ms grid from 0 to 10 ms the factor is the median of (ms − constant) ÷ floor,
 * and the constant kept is the one with the smallest median relative error. Each longer band's factor is then the
 * median of (ms − constant) ÷ floor over its pairs.
 */
function fitHop(pairs: readonly Pair[]): LocalHop {
  const bands = HOP_BANDS_KM.map((upTo, i) =>
    pairs.filter((p) => p.km <= upTo && (i === 0 || p.km > HOP_BANDS_KM[i - 1]!)).map((p) => ({ floor: floorMs(p.km), ms: p.ms })),
  );
  const short = bands[0]!;
  let best = { constMs: 0, factor: 2, error: Infinity };
  for (let c = 0; c <= 10; c += 0.25) {
    const factor = median(short.map((p) => (p.ms - c) / p.floor));
    const error = median(short.map((p) => Math.abs(Math.max(p.floor, c + factor * p.floor) - p.ms) / p.ms));
    if (error < best.error) best = { constMs: c, factor, error };
  }
  const factors = bands.map((band, i) => (i === 0 ? best.factor : band.length ? median(band.map((p) => (p.ms - best.constMs) / p.floor)) : best.factor));
  return { constMs: best.constMs, factors, pairs: pairs.length };
}

export interface PathEstimate {
  readonly ms: number;
  /** The measured region the path enters the network through; null for the direct hop. */
  readonly via: string | null;
}

/**
 * A second, independent backbone matrix (Azure's published inter-region P50s, data/latency/): not AWS truth, but
 * where one of its regions shares a metro with a place, it says how traffic from that metro is routed.
 */
export interface VantageMatrix extends RttMatrix {
  readonly licence: string;
  /** City coordinates of the metro each region is named for; regions without one are never used. */
  readonly places: Readonly<Record<string, Coordinates & { readonly city: string }>>;
}

/** A vantage region counts as sharing a metro with a place or an AWS region within this many km. */
export const VANTAGE_KM = 100;

/** The vantage matrix joined to the AWS regions: metro twins, and the fitted AWS ÷ vantage ratio. */
export interface Vantage {
  readonly matrix: VantageMatrix;
  /** Median of AWS measured ÷ vantage measured over pairs of measured AWS regions that both have a twin. */
  readonly scale: number;
  /** Measured AWS regions with a vantage region in their metro. */
  readonly twins: readonly { readonly region: string; readonly twin: string }[];
}

/** What a path estimate needs: the matrix, the fitted hop, coordinates, and which regions count as measured. */
export interface Network {
  readonly matrix: RttMatrix;
  readonly hop: LocalHop;
  readonly coords: (region: string) => Coordinates;
  /** Regions with measurements (calibration leaves one out). */
  readonly measured: readonly string[];
  readonly vantage?: Vantage;
}

/** The vantage region nearest a place within VANTAGE_KM, or null. */
export function vantageNear(v: VantageMatrix, at: Coordinates): { name: string; km: number } | null {
  let best: { name: string; km: number } | null = null;
  for (const [name, c] of Object.entries(v.places)) {
    const km = haversineKm(at, c);
    if (km <= VANTAGE_KM && (!best || km < best.km)) best = { name, km };
  }
  return best;
}

/** Join the vantage matrix to the measured AWS regions and fit its scale on their measured pairs. */
export function fitVantage(m: RttMatrix, v: VantageMatrix, coords: (r: string) => Coordinates, measured: readonly string[]): Vantage | undefined {
  const twins = measured.flatMap((region) => {
    const near = vantageNear(v, coords(region));
    return near ? [{ region, twin: near.name }] : [];
  });
  const ratios: number[] = [];
  for (const a of twins) {
    for (const b of twins) {
      if (a.region >= b.region || a.twin === b.twin) continue;
      const aws = measuredMs(m, a.region, b.region);
      const az = measuredMs(v, a.twin, b.twin);
      if (aws !== null && az !== null && az > 0) ratios.push(aws / az);
    }
  }
  return ratios.length ? { matrix: v, scale: median(ratios), twins } : undefined;
}

/**
 * From a place more than ROUTING_KNOWN_KM from every measured region that shares a metro with a vantage region, to
 * a measured region with a vantage twin: the vantage matrix's measured round trip between the two metros, scaled to
 * AWS's figures (Tel Aviv → Dubai goes through Europe on Azure's backbone too). Null otherwise; the caller then
 * prices the path as before. Only the target's own twin is used: routing on through other twins made the held-out
 * figures worse (Querétaro → Ohio entered via San Jose, +111%).
 */
function vantagePath(net: Network, from: Coordinates, to: string): PathEstimate | null {
  const v = net.vantage;
  if (!v) return null;
  const near = vantageNear(v.matrix, from);
  if (!near) return null;
  const measured = memoOf(net).measured;
  let best: PathEstimate | null = null;
  for (const { region, twin } of v.twins) {
    if (region !== to || !measured.has(region) || twin === near.name) continue;
    const az = measuredMs(v.matrix, near.name, twin);
    if (az === null) continue;
    const ms = hopMs(net.hop, near.km) + v.scale * az + (region === to ? 0 : betweenRegions(net, region, to));
    if (!best || ms < best.ms) best = { ms, via: region === to ? null : region };
  }
  return best;
}

/** Routing is known from a place with a measured region within ROUTING_KNOWN_KM, or a vantage region in its metro. */
export function routingKnown(net: Network, from: Coordinates, except?: string): boolean {
  const nearestKm = Math.min(...net.measured.filter((r) => r !== except).map((r) => haversineKm(from, net.coords(r))));
  if (nearestKm <= ROUTING_KNOWN_KM) return true;
  return net.vantage !== undefined && vantageNear(net.vantage.matrix, from) !== null;
}

/** Per network: its measured set, and each place's nearest measured regions (estimates repeat both). */
const memo = new WeakMap<Network, { measured: ReadonlySet<string>; nearest: Map<string, { region: string; km: number }[]> }>();

function memoOf(net: Network) {
  let m = memo.get(net);
  if (!m) memo.set(net, (m = { measured: new Set(net.measured), nearest: new Map() }));
  return m;
}

/** Measured regions by distance from a place, nearest first. */
function byDistance(net: Network, from: Coordinates): { region: string; km: number }[] {
  const cache = memoOf(net).nearest;
  const key = `${from.lat},${from.lon}`;
  let list = cache.get(key);
  if (!list) cache.set(key, (list = net.measured.map((region) => ({ region, km: haversineKm(from, net.coords(region)) })).sort((x, y) => x.km - y.km)));
  return list;
}

/** Region to region: the measurement, or for an unmeasured end a local hop to its nearest measured region. */
function betweenRegions(net: Network, a: string, b: string): number {
  if (a === b) return 0;
  const measured = memoOf(net).measured;
  const entry = (r: string) => (measured.has(r) ? r : byDistance(net, net.coords(r))[0]!.region);
  const [ea, eb] = [entry(a), entry(b)];
  const local = (r: string, e: string) => (r === e ? 0 : hopMs(net.hop, haversineKm(net.coords(r), net.coords(e))));
  const middle = ea === eb ? 0 : (measuredMs(net.matrix, ea, eb) ?? hopMs(net.hop, haversineKm(net.coords(ea), net.coords(eb))));
  return local(a, ea) + middle + local(b, eb);
}

/**
 * From a place to a region: the cheapest way in through a measured region (the target itself among them) and on by
 * measurement. Physics prices a direct hop only within LOCAL_HOP_MAX_KM — past that, distance says little about the
 * route — and a way in only through the nearest measured regions: none more than LOCAL_HOP_MAX_KM farther than the
 * nearest (from Tel Aviv, Dubai is reached through Tel Aviv's region, as its traffic goes, not by a 2,100 km hop).
 * Never below the floor.
 */
export function pathEstimate(net: Network, from: Coordinates, to: string): PathEstimate {
  const directKm = haversineKm(from, net.coords(to));
  const viaVantage = byDistance(net, from)[0]!.km > ROUTING_KNOWN_KM ? vantagePath(net, from, to) : null;
  if (viaVantage) return { ms: Math.max(viaVantage.ms, floorMs(directKm)), via: viaVantage.via };
  let best: PathEstimate | null = directKm <= LOCAL_HOP_MAX_KM ? { ms: hopMs(net.hop, directKm), via: null } : null;
  const hubs = byDistance(net, from).slice(0, ENTRY_HUBS);
  const entries = hubs.filter((h) => h.km <= hubs[0]!.km + LOCAL_HOP_MAX_KM);
  for (const { region, km } of entries) {
    const ms = hopMs(net.hop, km) + (region === to ? 0 : betweenRegions(net, region, to));
    if (!best || ms < best.ms) best = { ms, via: region === to ? null : region };
  }
  return { ms: Math.max(best!.ms, floorMs(directKm)), via: best!.via };
}

export interface HeldOut {
  readonly from: string;
  readonly to: string;
  readonly measuredMs: number;
  readonly estimateMs: number;
  readonly via: string | null;
  /** (estimate − measured) ÷ measured. */
  readonly error: number;
  /** How far the held-out region is from its nearest other measured region. */
  readonly nearestKm: number;
  /** Within ROUTING_KNOWN_KM of another measured region, or sharing a metro with a vantage region. */
  readonly known: boolean;
}

export interface Calibration {
  readonly source: string;
  readonly asOf: string;
  readonly method: string;
  readonly regions: number;
  /** The local hop fitted on every measured region (what estimates use). */
  readonly hop: LocalHop;
  /** The vantage matrix joined to every measured region (what estimates use), when one was given. */
  readonly vantage?: Vantage;
  /** Every held-out estimate (each pair twice: once per end left out). */
  readonly heldOut: readonly HeldOut[];
  readonly medianAbsError: number;
  readonly p90AbsError: number;
  readonly maxAbsError: number;
  /** Share of held-out estimates more than 35% off. */
  readonly over35: number;
  /**
   * Measured ÷ estimate at the 10th and 90th percentiles of the held-out estimates whose routing is known (nearest
   * measured region within ROUTING_KNOWN_KM): the 80% interval around an estimate.
   */
  readonly ratioLow: number;
  readonly ratioHigh: number;
  /** The largest held-out measured ÷ estimate: the high end of an interval where routing is unknown. */
  readonly ratioMax: number;
  /** Held-out estimates with known routing, and their 90th percentile error. */
  readonly known: number;
  readonly p90KnownError: number;
  /**
   * Earned coverage: for each region left out, the intervals are fitted on the other regions' held-out estimates
   * only, then the share of its own measurements inside them (known routing: the 80% interval; unknown: floor to
   * ratioMax). Over all held-out estimates, and over those with known routing.
   */
  readonly coverage: number;
  readonly coverageKnown: number;
}

/** The interval a set of held-out estimates earns. */
function intervalOf(held: readonly HeldOut[]) {
  const known = sorted(held.filter((h) => h.known).map((h) => h.measuredMs / h.estimateMs));
  return { low: quantile(known, 0.1), high: quantile(known, 0.9), max: Math.max(...held.map((h) => h.measuredMs / h.estimateMs)) };
}

/** Leave-one-region-out: every measured region as an unmeasured place, against its own measurements. */
export function calibrate(m: RttMatrix, coords: (r: string) => Coordinates, regions: readonly string[], vantageMatrix?: VantageMatrix): Calibration {
  const measured = regions.filter((r) => m.p50[r] !== undefined);
  const pairs = measuredPairs(m, measured, coords);
  const heldOut: HeldOut[] = [];
  for (const left of measured) {
    const others = measured.filter((r) => r !== left);
    const hop = fitHop(pairs.filter((p) => p.a !== left && p.b !== left));
    const vantage = vantageMatrix && fitVantage(m, vantageMatrix, coords, others);
    const net: Network = { matrix: m, hop, coords, measured: others, ...(vantage ? { vantage } : {}) };
    const nearestKm = Math.min(...others.map((r) => haversineKm(coords(left), coords(r))));
    const known = routingKnown(net, coords(left));
    for (const to of others) {
      const truth = measuredMs(m, left, to);
      if (truth === null) continue;
      const e = pathEstimate(net, coords(left), to);
      heldOut.push({ from: left, to, measuredMs: truth, estimateMs: e.ms, via: e.via, error: (e.ms - truth) / truth, nearestKm, known });
    }
  }
  const vantageAll = vantageMatrix && fitVantage(m, vantageMatrix, coords, measured);
  const abs = heldOut.map((h) => Math.abs(h.error));
  const knownAbs = heldOut.filter((h) => h.known).map((h) => Math.abs(h.error));
  const all = intervalOf(heldOut);
  // Coverage earned out of sample: a region's own estimates never shape the interval they are judged by.
  let inside = 0;
  let insideKnown = 0;
  for (const left of measured) {
    const iv = intervalOf(heldOut.filter((h) => h.from !== left && h.to !== left));
    for (const h of heldOut.filter((x) => x.from === left)) {
      const floor = floorMs(haversineKm(coords(h.from), coords(h.to)));
      const known = h.known;
      const [lo, hi] = known ? [Math.max(floor, h.estimateMs * iv.low), h.estimateMs * iv.high] : [floor, h.estimateMs * iv.max];
      const ok = h.measuredMs >= lo && h.measuredMs <= hi;
      if (ok) inside++;
      if (ok && known) insideKnown++;
    }
  }
  return {
    source: m.source,
    asOf: m.asOf,
    method: m.method,
    regions: measured.length,
    hop: fitHop(pairs),
    ...(vantageAll ? { vantage: vantageAll } : {}),
    heldOut,
    medianAbsError: median(abs),
    p90AbsError: quantile(sorted(abs), 0.9),
    maxAbsError: Math.max(...abs),
    over35: abs.filter((e) => e > 0.35).length / abs.length,
    ratioLow: all.low,
    ratioHigh: all.high,
    ratioMax: all.max,
    known: knownAbs.length,
    p90KnownError: quantile(sorted(knownAbs), 0.9),
    coverage: inside / heldOut.length,
    coverageKnown: insideKnown / knownAbs.length,
  };
}
