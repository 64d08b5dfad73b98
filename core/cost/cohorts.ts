/**
 * S3 cost model: ages each month's new data (a cohort) through the storage classes and turns a month into cost
 * components. Pure: no prices here, only quantities and which price each needs.
 *
 * Conventions (also in the README and `stowage cost --help`):
 * - Month 1 holds `initial_gb`; each later month's `monthly_growth_gb` lands at that month's start.
 * - A month is 30 days. Data written at the start of month c is (m − c) × 30 days old throughout month m.
 * - A rule `after_days: D` moves a cohort at the start of the first month in which its age is at least D;
 *   `delete_after_days` deletes it the same way. Storage is billed for whole months.
 * - Reads and writes (requests, retrieval) go to the class new data lands in.
 */
import { Decimal, ZERO, DAYS_PER_MONTH, KB_PER_GB, dec } from "../money.js";
import { usagePrefix } from "../regions.js";
import type { PriceSelector } from "../pricing/catalog.js";
import type { CostComponent } from "./components.js";
import {
  ARCHIVE_OVERHEAD_KB,
  ARCHIVE_STANDARD_OVERHEAD_KB,
  CLASSES,
  INT_AIA_AFTER_DAYS,
  INT_IA_AFTER_DAYS,
  INT_MONITORED_MIN_KB,
  INT_MONITORING,
  INT_TIERS,
  SMALL_OBJECT_KB,
  STORAGE_CLASSES,
  type StorageClass,
} from "../storageClasses.js";
import type { LifecycleRule, Workload } from "./workload.js";

export interface Cohort {
  /** The month (1-based) the data was written at the start of. */
  readonly month: number;
  readonly gb: Decimal;
  readonly objects: Decimal;
}

/** How data is stored: the class it lands in and the lifecycle rules that move it. */
export interface S3Strategy {
  readonly ingest: StorageClass;
  readonly transitions: readonly LifecycleRule[];
}

export function cohortsFor(w: Workload): Cohort[] {
  const avgKb = dec(w.data.average_object_kb);
  const make = (month: number, gb: Decimal): Cohort => ({ month, gb, objects: gb.times(KB_PER_GB).div(avgKb) });
  const list = [make(1, dec(w.data.initial_gb))];
  if (w.horizon_months < 2) return list;
  // Every later cohort is the same growth: its size and object count are worked out once.
  const growth = make(2, dec(w.data.monthly_growth_gb));
  for (let m = 2; m <= w.horizon_months; m++) list.push({ ...growth, month: m });
  return list;
}

/** Months (of age) after which something that happens at `days` takes effect: the first month start at or after. */
export function monthsFor(days: number): number {
  return Math.ceil(days / DAYS_PER_MONTH);
}

/** Lifecycle leaves objects under 128 KB where they are instead of moving them to these classes. */
const SKIPS_SMALL_OBJECTS: ReadonlySet<StorageClass> = new Set(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"]);

interface Placement {
  readonly cls: StorageClass;
  /** Age in months at which the cohort entered `cls`. */
  readonly since: number;
}

/** Where a cohort of the given age (in months) sits under a strategy. */
export function placementAt(strategy: S3Strategy, ageMonths: number, averageObjectKb: number): Placement {
  let placement: Placement = { cls: strategy.ingest, since: 0 };
  for (const rule of strategy.transitions) {
    const at = monthsFor(rule.after_days);
    if (at > ageMonths) break;
    if (averageObjectKb < SMALL_OBJECT_KB && SKIPS_SMALL_OBJECTS.has(rule.class)) continue;
    if (rule.class !== placement.cls) placement = { cls: rule.class, since: at };
  }
  return placement;
}

/** Classes a strategy can hold data in, in waterfall order: their lines appear every month, zero or not. */
function classesOf(strategy: S3Strategy): readonly StorageClass[] {
  let classes = classesByStrategy.get(strategy);
  if (!classes) {
    const used = new Set<StorageClass>([strategy.ingest, ...strategy.transitions.map((r) => r.class)]);
    classesByStrategy.set(strategy, (classes = STORAGE_CLASSES.filter((c) => used.has(c))));
  }
  return classes;
}
/** Asked every month of a horizon with the same strategy. */
const classesByStrategy = new WeakMap<S3Strategy, readonly StorageClass[]>();

/** Billable GB of a cohort in a class: IA and Glacier IR bill small objects as 128 KB. */
function billableGb(cohort: Cohort, cls: StorageClass, averageObjectKb: number): Decimal {
  const minKb = CLASSES[cls].minObjectKb;
  if (averageObjectKb >= minKb) return cohort.gb;
  return overheadGb(cohort.objects, minKb);
}

/** A cohort's objects never change, and monthStates meets the same cohort every month: each product is made once. */
const overheads = new WeakMap<Decimal, Map<number, Decimal>>();

function overheadGb(objects: Decimal, kb: number): Decimal {
  let byKb = overheads.get(objects);
  if (!byKb) overheads.set(objects, (byKb = new Map()));
  let gb = byKb.get(kb);
  if (gb === undefined) byKb.set(kb, (gb = objects.times(kb).div(KB_PER_GB)));
  return gb;
}

/** Everything stored and moved in one month, per class. */
export interface MonthState {
  readonly storage: Map<StorageClass, Decimal>;
  readonly archiveOverhead: Map<StorageClass, Decimal>;
  standardOverhead: Decimal;
  readonly intTiers: { FA: Decimal; IA: Decimal; AIA: Decimal };
  monitoredObjects: Decimal;
  readonly transitions: Map<StorageClass, Decimal>;
  readonly earlyDeletion: Map<StorageClass, Decimal>;
  /** Data written this month (for replication transfer). */
  newGb: Decimal;
  newObjects: Decimal;
}

function add(map: Map<StorageClass, Decimal>, cls: StorageClass, value: Decimal): void {
  map.set(cls, (map.get(cls) ?? ZERO).plus(value));
}

/** Bills the rest of a class's minimum duration when a cohort leaves it early. */
function chargeEarlyExit(state: MonthState, cohort: Cohort, from: Placement, leftAt: number, avgKb: number): void {
  const minDays = CLASSES[from.cls].minDays;
  const daysIn = (leftAt - from.since) * DAYS_PER_MONTH;
  if (daysIn >= minDays) return;
  const gb = billableGb(cohort, from.cls, avgKb).plus(CLASSES[from.cls].archiveOverhead ? overheadGb(cohort.objects, ARCHIVE_OVERHEAD_KB) : ZERO);
  add(state.earlyDeletion, from.cls, gb.times(minDays - daysIn).div(DAYS_PER_MONTH));
}

function emptyState(): MonthState {
  return {
    storage: new Map(),
    archiveOverhead: new Map(),
    standardOverhead: ZERO,
    intTiers: { FA: ZERO, IA: ZERO, AIA: ZERO },
    monitoredObjects: ZERO,
    transitions: new Map(),
    earlyDeletion: new Map(),
    newGb: ZERO,
    newObjects: ZERO,
  };
}

function copyState(s: MonthState): MonthState {
  return {
    ...s,
    storage: new Map(s.storage),
    archiveOverhead: new Map(s.archiveOverhead),
    intTiers: { ...s.intTiers },
    transitions: new Map(s.transitions),
    earlyDeletion: new Map(s.earlyDeletion),
  };
}

/** Adds what one cohort of the given age (in months) stores and moves this month. */
function addCohort(state: MonthState, w: Workload, strategy: S3Strategy, cohort: Cohort, age: number): void {
  const avgKb = w.data.average_object_kb;
  const expiryAge = w.retention.delete_after_days === null ? Infinity : monthsFor(w.retention.delete_after_days);
  if (age === 0) {
    state.newGb = state.newGb.plus(cohort.gb);
    state.newObjects = state.newObjects.plus(cohort.objects);
  }
  if (age > expiryAge) return;
  if (age === expiryAge) {
    // Deleted at this month's start: no storage this month, but an early exit may be billed.
    chargeEarlyExit(state, cohort, placementAt(strategy, age - 1, avgKb), age, avgKb);
    return;
  }
  const here = placementAt(strategy, age, avgKb);
  if (age > 0) {
    const before = placementAt(strategy, age - 1, avgKb);
    if (before.cls !== here.cls) {
      add(state.transitions, here.cls, cohort.objects);
      chargeEarlyExit(state, cohort, before, age, avgKb);
    }
  }
  add(state.storage, here.cls, billableGb(cohort, here.cls, avgKb));
  if (CLASSES[here.cls].archiveOverhead) {
    add(state.archiveOverhead, here.cls, overheadGb(cohort.objects, ARCHIVE_OVERHEAD_KB));
    state.standardOverhead = state.standardOverhead.plus(overheadGb(cohort.objects, ARCHIVE_STANDARD_OVERHEAD_KB));
  }
  if (here.cls === "INTELLIGENT_TIERING") {
    const daysInInt = (age - here.since) * DAYS_PER_MONTH;
    // Objects under 128 KB are not monitored and always stay in Frequent Access.
    const tier = avgKb < INT_MONITORED_MIN_KB || daysInInt < INT_IA_AFTER_DAYS ? "FA" : daysInInt < INT_AIA_AFTER_DAYS ? "IA" : "AIA";
    state.intTiers[tier] = state.intTiers[tier].plus(cohort.gb);
    if (avgKb >= INT_MONITORED_MIN_KB) state.monitoredObjects = state.monitoredObjects.plus(cohort.objects);
  }
}

/**
 * One month's state from every cohort written so far: the model's plain definition. The models use monthStates,
 * which computes the same for the whole horizon at once; the tests hold the two equal.
 */
export function monthState(w: Workload, strategy: S3Strategy, cohorts: readonly Cohort[], month: number): MonthState {
  const state = emptyState();
  for (const cohort of cohorts) {
    if (cohort.month > month) break;
    addCohort(state, w, strategy, cohort, month - cohort.month);
  }
  return state;
}

/**
 * Every month's state over the horizon, in time linear in the months rather than quadratic: after month 1 every
 * cohort is the same `monthly_growth_gb`, so month m holds the first cohort at age m − 1 plus one growth cohort at
 * each age below that, a running sum. Equal to monthState month by month (tested).
 */
export function monthStates(w: Workload, strategy: S3Strategy): MonthState[] {
  const [initial, growth] = cohortsFor(w);
  const states: MonthState[] = [];
  const younger = emptyState();
  for (let month = 1; month <= w.horizon_months; month++) {
    const state = copyState(younger);
    addCohort(state, w, strategy, initial!, month - 1);
    states.push(state);
    if (growth) addCohort(younger, w, strategy, growth, month - 1);
  }
  return states;
}

/** Appends ", extra" inside a name's brackets: "Storage (Standard)" → "Storage (Standard, eu-west-1)". */
function qualify(name: string, extra: string | null): string {
  if (!extra) return name;
  return name.endsWith(")") ? `${name.slice(0, -1)}, ${extra})` : `${name} (${extra})`;
}

/** Storage, transitions and early deletion for one bucket (the primary, or a replica with `replicaOf` set). */
export function storageComponents(strategy: S3Strategy, state: MonthState, region: string, replicaOf: string | null = null): CostComponent[] {
  const out: CostComponent[] = [];
  const prefix = replicaOf ? "Replica " : "";
  const where = replicaOf ? region : null;
  const component = (name: string, unit: string, quantity: Decimal, price: PriceSelector, tierOffset?: Decimal): CostComponent => ({
    name: qualify(`${prefix}${replicaOf ? name[0]!.toLowerCase() + name.slice(1) : name}`, where),
    unit,
    quantity,
    price,
    region,
    ...(tierOffset ? { tierOffset } : {}),
  });
  const classes = classesOf(strategy);
  const standardGb = state.storage.get("STANDARD") ?? ZERO;
  for (const cls of classes) {
    const info = CLASSES[cls];
    if (cls === "INTELLIGENT_TIERING") {
      for (const key of ["FA", "IA", "AIA"] as const) {
        out.push(component(`Storage (${INT_TIERS[key].label})`, "GB-Mo", state.intTiers[key], INT_TIERS[key].storage));
      }
      out.push(component("Monitoring (Intelligent-Tiering)", "Objects", state.monitoredObjects, INT_MONITORING));
    } else {
      out.push(component(`Storage (${info.label})`, "GB-Mo", state.storage.get(cls) ?? ZERO, info.storage));
    }
    if (info.archiveOverhead) {
      out.push(component(`Archive overhead (${info.label}, 32 KB per object)`, "GB-Mo", state.archiveOverhead.get(cls) ?? ZERO, info.storage));
    }
  }
  if (classes.some((c) => CLASSES[c].archiveOverhead)) {
    // Standard storage is tiered; the 8 KB-per-object overhead continues the tiers after the Standard data itself.
    out.push(component("Archive overhead (8 KB per object at Standard)", "GB-Mo", state.standardOverhead, CLASSES.STANDARD.storage, standardGb));
  }
  for (const rule of strategy.transitions) {
    const transitionIn = CLASSES[rule.class].transitionIn!;
    out.push(component(`Lifecycle transitions (to ${CLASSES[rule.class].label})`, "Requests", state.transitions.get(rule.class) ?? ZERO, transitionIn));
  }
  for (const cls of classes) {
    if (CLASSES[cls].minDays === 0) continue;
    out.push(component(`Early deletion (${CLASSES[cls].label})`, "GB-Mo", state.earlyDeletion.get(cls) ?? ZERO, CLASSES[cls].storage));
  }
  return out;
}

/** Requests and retrieval for the data's users: they hit the class new data lands in. */
export function accessComponents(w: Workload, strategy: S3Strategy, region: string): CostComponent[] {
  const info = CLASSES[strategy.ingest];
  const writes = w.requests ? dec(w.requests.monthly_writes) : null;
  const reads = w.requests ? dec(w.requests.monthly_reads) : null;
  const readGb = w.access ? dec(w.access.monthly_read_gb) : null;
  const out: CostComponent[] = [
    { name: `PUT, COPY, POST, LIST requests (${info.label})`, unit: "Requests", quantity: writes, price: info.tier1, region },
    { name: `GET and other requests (${info.label})`, unit: "Requests", quantity: reads, price: info.tier2, region },
  ];
  if (info.retrievalGb) out.push({ name: `Retrieval (${info.label})`, unit: "GB", quantity: readGb, price: info.retrievalGb, region });
  if (info.retrievalRequest) {
    const restores = readGb === null ? null : readGb.times(KB_PER_GB).div(w.data.average_object_kb);
    out.push({ name: `Retrieval requests (${info.label})`, unit: "Requests", quantity: restores, price: info.retrievalRequest, region });
  }
  return out;
}

/** One selector object per destination: a search over every pair of regions looks each up many times. */
const interRegion = new Map<string, PriceSelector>();

/** Data transfer between regions, priced at the source region's rate to that destination. */
export function interRegionSelector(to: string): PriceSelector {
  let selector = interRegion.get(to);
  if (!selector) {
    selector = {
      service: "AWSDataTransfer",
      usagetype: `${usagePrefix(to)}-AWS-Out-Bytes`,
      attributes: { transferType: "InterRegion Outbound", toRegionCode: to },
    };
    interRegion.set(to, selector);
  }
  return selector;
}

/** One replication PUT per new object, at the replica region's price. */
export function replicationRequests(strategy: S3Strategy, state: MonthState, replica: string): CostComponent {
  const info = CLASSES[strategy.ingest];
  return { name: `Replication requests (${info.label}, ${replica})`, unit: "Requests", quantity: state.newObjects, price: info.tier1, region: replica };
}

/** The month's new data sent from the primary to a replica, at the primary region's rate to that destination. */
export function replicationTransfer(state: MonthState, primary: string, replica: string): CostComponent {
  return {
    name: `Replication transfer (${primary} → ${replica})`,
    unit: "GB",
    quantity: state.newGb,
    price: interRegionSelector(replica),
    region: primary,
  };
}

/**
 * Replication to each replica region: the replica's own storage (same lifecycle), the transfer of each month's
 * new data, and one replication PUT per object. Month 1 replicates `initial_gb` (S3 Batch Replication).
 */
export function replicationComponents(w: Workload, strategy: S3Strategy, state: MonthState): CostComponent[] {
  // A loop, not flatMap: V8's flatMap is slow, and this runs every month of every option.
  const out: CostComponent[] = [];
  for (const replica of w.replication.regions) {
    out.push(
      ...storageComponents(strategy, state, replica, w.region),
      replicationTransfer(state, w.region, replica),
      replicationRequests(strategy, state, replica),
    );
  }
  return out;
}

/** All S3 components of one month under a strategy, from that month's state (monthState). */
export function s3Month(w: Workload, strategy: S3Strategy, state: MonthState): CostComponent[] {
  return [...storageComponents(strategy, state, w.region), ...accessComponents(w, strategy, w.region), ...replicationComponents(w, strategy, state)];
}
