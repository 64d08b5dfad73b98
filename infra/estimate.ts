/**
 * The cost of a stack, as infracost prices a plan: each resource model turns (resource arguments, its own usage)
 * into cost components, each with a price selector and a monthly quantity; ONE pricing step (`priceResource`)
 * attaches the catalog's prices and reports what it cannot price. A bucket is priced as `stowage cost` prices the
 * `s3-lifecycle` option of the equivalent workload: its lifecycle and expiry from its sidecars, its replicas from
 * its replication configuration. Lines without usage show their unit price. Pure: resources, usage and a catalog
 * in; an estimate out. The models are in estimateModels.ts.
 */
import { oldestPriceUsed, priceComponents, total, type LineItem, type MissingPrice } from "../core/cost/components.js";
import { UserError } from "../core/errors.js";
import { ZERO, sum, type Decimal } from "../core/money.js";
import type { Catalog } from "../core/pricing/catalog.js";
import { RESOURCE_MODELS, type Component, type ModelResult, type PricingContext, type Usage } from "./estimateModels.js";
import { gatherFacts, type StackResource } from "./policy/gather.js";

export { RENAMED_USAGE_KEYS, RESOURCE_MODELS, UsageSchema, workloadFor, type ResourceModel, type Usage } from "./estimateModels.js";

export interface ResourceCost {
  readonly type: string;
  readonly name: string;
  /** Average monthly cost over the months the model priced, of the lines whose cost is known. */
  readonly monthlyCost: Decimal;
  readonly complete: boolean;
  /** Month 1's lines (for a bucket: its lines as `stowage cost` shows them). */
  readonly lines: readonly LineItem[];
  readonly note?: string;
  /** What makes the resource unpriceable ("volume type standard"): shown instead of a figure, never substituted. */
  readonly unpriced?: string;
  /** The usage-file key the model needed and was not given ("buckets.images"): its lines show unit prices. */
  readonly missingUsage?: string;
}

export interface StackEstimate {
  readonly stack: string;
  readonly pricesAsOf: string | null;
  readonly horizonMonths: number;
  readonly resources: readonly ResourceCost[];
  readonly total: Decimal;
  readonly missingPrices: readonly MissingPrice[];
}

const missingKey = (m: MissingPrice) => `${m.service}|${m.region}|${m.usagetype}`;

/** One component priced: from the catalog, or reported missing with the reason the snapshot cannot have it. */
function priceComponent(c: Component, catalog: Catalog): { lines: LineItem[]; missing: MissingPrice[] } {
  if (!("why" in c.price)) return priceComponents([{ ...c, price: c.price }], catalog);
  const { service, usagetype, attributes = {}, why } = c.price;
  return {
    lines: [{ name: c.name, quantity: c.quantity, unit: c.unit, unitPrice: null, cost: null, price: `${service}:${usagetype}`, sku: null, provenance: null }],
    missing: [{ service, region: c.region, usagetype, attributes, command: `(${why})` }],
  };
}

/**
 * The one pricing step: a model's components, month by month, to priced lines. The monthly cost is the average of
 * the months' totals; the lines shown are month 1's. A model that priced at zero usage (no usage given) shows unit
 * prices only: quantities and costs blanked, the tiers as at zero.
 */
export function priceResource(r: StackResource, result: ModelResult, catalog: Catalog, missing: Map<string, MissingPrice>): ResourceCost {
  for (const m of result.missing ?? []) missing.set(missingKey(m), m);
  const months = result.months.map((components) =>
    components.flatMap((c) => {
      const priced = priceComponent(c, catalog);
      for (const m of priced.missing) missing.set(missingKey(m), m);
      return priced.lines;
    }),
  );
  const lines = months[0] ?? [];
  const known = !result.unitPricesOnly && !result.unpriced && result.missing === undefined && months.every((m) => m.every((l) => l.cost !== null));
  return {
    type: r.type,
    name: r.name,
    monthlyCost: result.unitPricesOnly || months.length === 0 ? ZERO : sum(months.map(total)).div(months.length),
    complete: known,
    lines: result.unitPricesOnly ? lines.map((l) => ({ ...l, quantity: null, cost: null })) : lines,
    ...(result.note ? { note: result.note } : {}),
    ...(result.unpriced ? { unpriced: result.unpriced } : {}),
    ...(result.missingUsage ? { missingUsage: result.missingUsage } : {}),
  };
}

/**
 * `region`: the stack's `aws:region`, where every resource without a region of its own lives (@pulumi/aws v7). A
 * resource whose region is known neither way is not priced in a guessed one: that is an error naming it.
 */
export function estimateStack(
  stack: string,
  resources: readonly StackResource[],
  usage: Usage,
  catalog: Catalog,
  pricesAsOf: string | null,
  region: string | null,
): StackEstimate {
  const priceable = new Set(RESOURCE_MODELS.flatMap((m) => m.types));
  const nowhere = resources.filter((r) => priceable.has(r.type) && !r.props.region && !region);
  if (nowhere.length) {
    throw new UserError(
      `The stack ${stack} has no aws:region, and ${nowhere.map((r) => r.name).join(", ")} name${nowhere.length === 1 ? "s" : ""} no region of ${nowhere.length === 1 ? "its" : "their"} own: there is no region to price ${nowhere.length === 1 ? "it" : "them"} in.`,
      `Set aws:region in Pulumi.${stack}.yaml (\`pulumi config set aws:region us-east-2 --stack ${stack}\`).`,
    );
  }
  const facts = gatherFacts(resources, { defaultRegion: region });
  // A usage entry for a bucket the stack does not have (a typo, a renamed bucket) would silently price nothing.
  const priced = facts.buckets.filter((b) => !b.isReplica).map((b) => b.ref.name);
  const unknown = Object.keys(usage.buckets).filter((name) => !priced.includes(name));
  if (unknown.length) {
    throw new UserError(
      `The usage file names ${unknown.length === 1 ? "a bucket" : "buckets"} the stack ${stack} does not have: ${unknown.map((n) => `buckets.${n}`).join(", ")}.`,
      `Use the stack's bucket names: ${priced.join(", ") || "(it has none)"}.`,
    );
  }
  const ctx: PricingContext = { resources, facts, horizonMonths: usage.horizon_months, regionOf: (r) => r.props.region ?? region! };
  const missing = new Map<string, MissingPrice>();
  // Buckets first, then the other models in registry order, as the estimate has always listed them.
  const out = RESOURCE_MODELS.flatMap((model) =>
    resources
      .filter((r) => model.types.includes(r.type))
      .flatMap((r) => {
        const result = model.components(r, model.usage === null ? undefined : usage[model.usage], ctx);
        return result ? [priceResource(r, result, catalog, missing)] : [];
      }),
  );
  // "Prices as of" is the oldest price the estimate used; the snapshot's date only when it used none.
  const asOf = oldestPriceUsed(out.flatMap((r) => r.lines)) ?? pricesAsOf;
  return {
    stack,
    pricesAsOf: asOf,
    horizonMonths: usage.horizon_months,
    resources: out,
    total: sum(out.map((r) => r.monthlyCost)),
    missingPrices: [...missing.values()],
  };
}
