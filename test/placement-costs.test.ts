/**
 * The placement search's shortcuts: month states as a running sum (monthStates), and the cost table
 * (planner/placement/costs.ts) that prices a bucket's quantities once per strategy and totals them without line
 * items. Both must give the reference model's figures (monthState, estimate()): the same model, arranged for a
 * search over every region and pair.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { estimate, strategyFor, type OptionId } from "../core/cost/horizon.js";
import { cohortsFor, monthState, monthStates, type MonthState } from "../core/cost/cohorts.js";
import { parseWorkload, type Workload } from "../core/cost/workload.js";
import { Decimal } from "../core/money.js";
import { costTable } from "../planner/placement/costs.js";
import { S3_STRATEGIES } from "../planner/placement/plan.js";
import { shippedSnapshot } from "./support/snapshot.js";

const { catalog } = await shippedSnapshot();
// The five priced regions (eu-west-1 and eu-central-1 miss some prices: those totals must come out null) and one
// region without any prices.
const REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"];

/** estimate()'s horizon total for one strategy, or null where it calls the option incomplete. */
function estimated(w: Workload, region: string, id: OptionId, replicas: string[] = []): Decimal | null {
  const option = estimate({ ...w, region, replication: { regions: replicas } }, catalog, null, { only: [id] }).options[0]!;
  return option.complete ? option.total : null;
}

/** Equal to 1e-20 USD: the table multiplies a sum where estimate() sums products, both at 50 significant digits. */
function expectSame(actual: Decimal | null, expected: Decimal | null, what: string) {
  if (expected === null || actual === null) {
    expect(actual === null, what).toBe(expected === null);
    return;
  }
  expect(actual.minus(expected).abs().lessThan("1e-20"), `${what}: ${actual.toFixed()} vs ${expected.toFixed()}`).toBe(true);
}

const workloads = fc
  .record({
    initial_gb: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 40_000, max: 700_000 })),
    monthly_growth_gb: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30_000 })),
    average_object_kb: fc.constantFrom(16, 100, 128, 512, 4096),
    horizon_months: fc.integer({ min: 1, max: 14 }),
    requests: fc.option(fc.record({ monthly_writes: fc.nat(5_000_000), monthly_reads: fc.nat(50_000_000) }), { nil: undefined }),
    access: fc.option(fc.record({ monthly_read_gb: fc.nat(5000), monthly_egress_gb: fc.oneof(fc.nat(200), fc.integer({ min: 10_000, max: 200_000 })) }), {
      nil: undefined,
    }),
    // Deleted this long after the last lifecycle transition (early deletion when that is inside a minimum).
    delete_after: fc.constantFrom(null, 1, 30, 65, 200),
    lifecycle: fc.constantFrom(
      [],
      [
        { after_days: 30, class: "STANDARD_IA" },
        { after_days: 90, class: "GLACIER_IR" },
        { after_days: 180, class: "DEEP_ARCHIVE" },
      ],
      [{ after_days: 0, class: "INTELLIGENT_TIERING" }],
      [
        { after_days: 45, class: "ONEZONE_IA" },
        { after_days: 100, class: "GLACIER" },
      ],
    ),
  })
  .map((g) =>
    parseWorkload({
      region: "us-east-1",
      horizon_months: g.horizon_months,
      data: { initial_gb: g.initial_gb, monthly_growth_gb: g.monthly_growth_gb, average_object_kb: g.average_object_kb },
      ...(g.requests ? { requests: g.requests } : {}),
      ...(g.access ? { access: g.access } : {}),
      retention: { delete_after_days: g.delete_after === null ? null : Math.max(0, ...g.lifecycle.map((r) => r.after_days)) + g.delete_after },
      lifecycle: g.lifecycle,
    }),
  );

/** A month's state as named amounts, for comparing two ways of computing it. */
function amounts(s: MonthState): Map<string, Decimal> {
  const out = new Map<string, Decimal>([
    ["standardOverhead", s.standardOverhead],
    ["monitoredObjects", s.monitoredObjects],
    ["newGb", s.newGb],
    ["newObjects", s.newObjects],
  ]);
  for (const [tier, gb] of Object.entries(s.intTiers)) out.set(`int ${tier}`, gb);
  for (const [what, map] of [
    ["storage", s.storage],
    ["archiveOverhead", s.archiveOverhead],
    ["transitions", s.transitions],
    ["earlyDeletion", s.earlyDeletion],
  ] as const) {
    for (const [cls, v] of map) out.set(`${what} ${cls}`, v);
  }
  return out;
}

describe("the search's shortcuts", () => {
  it("monthStates (a running sum over cohort ages) equals monthState (every cohort, every month)", () => {
    fc.assert(
      fc.property(workloads, fc.constantFrom(...S3_STRATEGIES), (w, id) => {
        const strategy = strategyFor(id, w)!;
        const cohorts = cohortsFor(w);
        const fast = monthStates(w, strategy);
        expect(fast).toHaveLength(w.horizon_months);
        fast.forEach((state, i) => {
          const slow = amounts(monthState(w, strategy, cohorts, i + 1));
          const quick = amounts(state);
          // Zero amounts may be absent on one side (a class nothing has reached yet).
          for (const key of new Set([...slow.keys(), ...quick.keys()])) {
            expectSame(quick.get(key) ?? new Decimal(0), slow.get(key) ?? new Decimal(0), `${id} month ${i + 1} ${key}`);
          }
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe("the placement's cost table", () => {
  it("gives estimate()'s total for every region and S3 strategy, and null where estimate() is incomplete", () => {
    fc.assert(
      fc.property(workloads, (w) => {
        const table = costTable(w, catalog, S3_STRATEGIES);
        for (const region of REGIONS) {
          for (const id of S3_STRATEGIES) expectSame(table.total(region, id), estimated(w, region, id), `${id} in ${region}`);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("chooses each region's cheapest complete strategy, and each pair's cheapest strategy as estimate() prices it with replication on", () => {
    fc.assert(
      fc.property(workloads, (w) => {
        const table = costTable(w, catalog, S3_STRATEGIES);
        for (const primary of REGIONS) {
          for (const replica of [null, ...REGIONS.filter((r) => r !== primary)]) {
            const totals = S3_STRATEGIES.map((id) => ({ id, total: estimated(w, primary, id, replica ? [replica] : []) })).filter((t) => t.total !== null);
            const { priced } = table.choose(primary, replica);
            if (totals.length === 0) {
              // Only missing prices whose quantities are zero leave an option priced: it costs what estimate()'s known lines do.
              if (priced) {
                const option = estimate({ ...w, region: primary, replication: { regions: replica ? [replica] : [] } }, catalog, null, {
                  only: [priced.strategy],
                }).options[0]!;
                expectSame(priced.monthlyCost, option.total.div(w.horizon_months), `${priced.strategy} in ${primary} + ${replica}, zero-quantity holes`);
              }
              continue;
            }
            const best = totals.reduce((a, b) => (b.total!.lessThan(a.total!) ? b : a));
            // A zero-quantity hole can make an option estimate() calls incomplete the cheapest: never dearer.
            expect(priced, `${primary} + ${replica}`).not.toBeNull();
            expect(priced!.monthlyCost.lessThanOrEqualTo(best.total!.div(w.horizon_months).plus("1e-20"))).toBe(true);
            const own = totals.find((t) => t.id === priced!.strategy);
            if (own) expectSame(priced!.monthlyCost, own.total!.div(w.horizon_months), `${priced!.strategy} in ${primary} + ${replica}`);
            if (replica && own) {
              const alone = estimated(w, primary, priced!.strategy);
              if (alone) expectSame(priced!.replicaMonthlyCost, own.total!.minus(alone).div(w.horizon_months), `replica of ${primary} in ${replica}`);
            }
          }
        }
      }),
      { numRuns: 10 },
    );
  });

  it("is not silently empty: the example's figures are real amounts", () => {
    const w = parseWorkload({
      region: "us-east-2",
      data: { initial_gb: 1000 },
      requests: { monthly_writes: 0, monthly_reads: 0 },
      access: { monthly_read_gb: 0, monthly_egress_gb: 0 },
    });
    const table = costTable(w, catalog, ["s3-standard"]);
    // 1,000 GB at $0.023 for 36 months, nothing else billed.
    expect(table.total("us-east-2", "s3-standard")!.toFixed(2)).toBe(new Decimal(1000).times("0.023").times(36).toFixed(2));
    expect(table.replicaTotal("us-east-2", "us-west-2", "s3-standard")!.greaterThan(0)).toBe(true);
  });
});
