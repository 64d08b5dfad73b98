/**
 * What the placement takes and gives: each candidate region's costs and latencies in, the ranking, the
 * recommendation and what no region meets out. Shared by costs.ts (which prices the options), plan.ts (which
 * prepares the input) and placement.ts (which decides).
 */
import type { Decimal } from "../../core/money.js";
import type { Constraints } from "./users.js";

export interface LatencyFigure {
  readonly population: string;
  readonly weight: number;
  readonly rttMs: number;
  /** True for an offline estimate, false for a live measurement from this machine. */
  readonly estimated: boolean;
  /** For an estimate: the high end of its calibrated 80% interval (`stowage latency --calibration`). */
  readonly highMs?: number;
  /** For an estimate from a place with no measured region near it: how traffic is routed there is not known. */
  readonly routingUnknown?: boolean;
  /** For an estimate to another provider's location: what it rests on ("Azure matrix …", "metro of …", "distance only"). */
  readonly basis?: string;
}

/** An option whose cost is known: average per month over the horizon. */
export interface PricedCost<S extends string = string> {
  readonly strategy: S;
  /** Both copies when there is a replica. */
  readonly monthlyCost: Decimal;
  /** What the replica adds (its bucket, replication requests and transfer); null without a replica. */
  readonly replicaMonthlyCost: Decimal | null;
  /** The primary's own internet egress, average per month (set when the plan compares providers). */
  readonly egressMonthlyCost?: Decimal;
  /**
   * A replica in another provider's cloud: the copy leaves the primary's provider over the internet, so it pays
   * that provider's internet egress (this much a month on average), not inter-region transfer.
   */
  readonly replicaEgress?: { readonly monthlyCost: Decimal; readonly from: string };
}

/** An option with a missing price: its average monthly cost with the missing prices at the cheapest and the dearest
 * other region's. */
export interface UnpricedCost<S extends string = string> {
  readonly strategy: S;
  readonly low: Decimal;
  readonly high: Decimal;
  /** The missing products, as "<region> <service> <usage type>", each once. */
  readonly missing: readonly string[];
  /** The regions whose prices are missing (the refresh to run). */
  readonly regions: readonly string[];
}

/** The same, with the strategy's label (what people read; the id is what the stack file is written from). */
export type PricedOption = PricedCost & { readonly label: string };
export type UnpricedOption = UnpricedCost & { readonly label: string };

/** A primary's (or a primary and replica's) options: the cheapest priced one, and a possibly cheaper unpriced one. */
export interface Option {
  readonly priced: PricedOption | null;
  /** Only when its low end is below the priced option's cost, or nothing is priced. */
  readonly unpriced: UnpricedOption | null;
  /**
   * Nothing priced and no range: the prices the shipped data lacks (another provider's location), which no refresh
   * fills and which are never guessed.
   */
  readonly missing?: readonly string[];
}

export interface Candidate {
  readonly region: string;
  readonly latency: readonly LatencyFigure[];
}

export interface PlacementInput {
  readonly candidates: readonly Candidate[];
  /** The users file's constraints, as parsed (users.ts). */
  readonly constraints: Constraints;
  /** Great-circle km between two regions. */
  readonly distanceKm: (a: string, b: string) => number;
  /** The cheapest strategy for a primary alone (`replica` null) or for a primary and replica together. */
  readonly option: (primary: string, replica: string | null) => Option;
}

export interface RankingRow {
  readonly region: string;
  /** The strategy's label and id; null when nothing is priced. */
  readonly strategy: string | null;
  readonly strategyId: string | null;
  /** Average monthly cost, replica included when one is required and found; null when not priced. */
  readonly monthlyCost: Decimal | null;
  /**
   * "known" (every price the cheapest option needs is in the snapshot), "unknown" (no option is fully priced, but
   * one is bounded by other regions' prices: see `unpriced`), "none" (not even that).
   */
  readonly price: "known" | "unknown" | "none";
  /** An option cheaper than the known one (or the only one) whose price is missing, with its range. */
  readonly unpriced: (UnpricedOption & { readonly replica: string | null }) | null;
  readonly weightedRttMs: number;
  readonly worstRttMs: number;
  /** Share of traffic within the latency objective. */
  readonly coverage: number;
  /** True when any latency figure behind the row is an estimate. */
  readonly estimated: boolean;
  /**
   * How sure the row is to meet the latency limits: "measured" (no estimate behind it), "confident" (met even at
   * the high end of every estimate's 80% interval), "likely" (met by the estimates, not by their high ends),
   * "unknown" (an estimate from a place with no measured region near it: its routing is unknown).
   */
  readonly latencyConfidence: "measured" | "confident" | "likely" | "unknown";
  readonly replica: { readonly region: string; readonly distanceKm: number; readonly monthlyCost: Decimal } | null;
  readonly feasible: boolean;
  readonly rejectedBecause: readonly string[];
  readonly latency: readonly LatencyFigure[];
}

export interface Unmet {
  readonly constraint: string;
  readonly limit: number;
  /** The best any allowed region achieves. */
  readonly best: number | null;
  /** How far the best misses the limit. */
  readonly by: number | null;
  readonly message: string;
}

export interface Plan {
  readonly recommendation: {
    readonly primary: string;
    readonly replicas: readonly string[];
    /** The strategy's label, and its id. */
    readonly strategy: string;
    readonly strategyId: string;
    readonly monthlyCost: Decimal;
    readonly reasons: readonly string[];
  } | null;
  readonly unmet: readonly Unmet[];
  readonly ranking: readonly RankingRow[];
  /** Regions on the cost/latency Pareto front (no other region is both cheaper and faster), cheapest first. */
  readonly front: readonly string[];
}
