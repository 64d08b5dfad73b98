/**
 * The design notes' figures, asserted directly, and properties of the model that must hold for any workload.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OPTION_IDS, estimate } from "../core/cost/horizon.js";
import { Decimal } from "../core/money.js";
import { parseWorkload, type Workload } from "../core/cost/workload.js";
import { shippedSnapshot } from "./support/snapshot.js";

const snapshot = await shippedSnapshot();
const monthOne = (raw: unknown, id: (typeof OPTION_IDS)[number]) => {
  const report = estimate(parseWorkload(raw), snapshot.catalog, snapshot.asOf, { only: [id] });
  return report.options[0]!.months[0]!;
};

describe("the design notes' figures", () => {
  it("1,000 GB in S3 Standard in Ohio is $23.00 a month", () => {
    const m = monthOne({ region: "us-east-2", horizon_months: 1, data: { initial_gb: 1000 } }, "s3-standard");
    const storage = m.lines.filter((l) => l.name.startsWith("Storage (Standard"));
    expect(storage).toHaveLength(1);
    expect(storage[0]!.cost!.toFixed(2)).toBe("23.00");
  });

  it("db.m4.large PostgreSQL Single-AZ with 20 GB gp2 is $135.16 a month", () => {
    const m = monthOne(
      { region: "us-east-2", horizon_months: 1, data: { initial_gb: 20 }, access: { monthly_egress_gb: 0 }, rds: { instance: "db.m4.large", storage: "gp2" } },
      "rds-postgresql",
    );
    expect(m.total.toFixed(2)).toBe("135.16");
    expect(m.lines.find((l) => l.name.startsWith("Database instance"))!.cost!.toFixed(2)).toBe("132.86");
  });
});

describe("the S3 lifecycle", () => {
  const w = (extra: object) => parseWorkload({ region: "us-east-1", horizon_months: 8, data: { initial_gb: 1024, average_object_kb: 1024 }, ...extra });
  const storageByMonth = (workload: Workload, name: string) =>
    estimate(workload, snapshot.catalog, null, { only: ["s3-lifecycle"] }).options[0]!.months.map(
      (m) => m.lines.find((l) => l.name.startsWith(`Storage (${name}`))?.quantity?.toNumber() ?? 0,
    );

  it("moves a cohort at the first month start at or after after_days", () => {
    const workload = w({
      lifecycle: [
        { after_days: 45, class: "STANDARD_IA" },
        { after_days: 150, class: "GLACIER" },
      ],
    });
    // ceil(45/30) = 2 months in Standard, then Standard-IA until ceil(150/30) = 5, then Glacier.
    expect(storageByMonth(workload, "Standard")).toEqual([1024, 1024, 0, 0, 0, 0, 0, 0]);
    expect(storageByMonth(workload, "Standard-IA")).toEqual([0, 0, 1024, 1024, 1024, 0, 0, 0]);
    expect(storageByMonth(workload, "Glacier Flexible")).toEqual([0, 0, 0, 0, 0, 1024, 1024, 1024]);
  });

  it("charges the transition requests once, in the month of the move", () => {
    const workload = w({ lifecycle: [{ after_days: 30, class: "STANDARD_IA" }] });
    const months = estimate(workload, snapshot.catalog, null, { only: ["s3-lifecycle"] }).options[0]!.months;
    const transitions = months.map((m) => m.lines.find((l) => l.name.startsWith("Lifecycle transitions"))!.quantity!.toNumber());
    expect(transitions).toEqual([0, 1024 * 1024, 0, 0, 0, 0, 0, 0]);
  });
});

/** A workload with one usage figure raised by a non-negative amount. */
const USAGE_KEYS = ["initial_gb", "monthly_growth_gb", "monthly_writes", "monthly_reads", "monthly_read_gb", "monthly_egress_gb"] as const;

function workloadOf(
  u: Record<(typeof USAGE_KEYS)[number], number>,
  shape: { replica: boolean; retention: number | null; kb: number; multiAz: boolean },
): Workload {
  return parseWorkload({
    region: "us-east-1",
    horizon_months: 14,
    data: { initial_gb: u.initial_gb, monthly_growth_gb: u.monthly_growth_gb, average_object_kb: shape.kb },
    requests: { monthly_writes: u.monthly_writes, monthly_reads: u.monthly_reads },
    access: { monthly_read_gb: u.monthly_read_gb, monthly_egress_gb: u.monthly_egress_gb },
    retention: { delete_after_days: shape.retention },
    lifecycle: [
      { after_days: 30, class: "STANDARD_IA" },
      { after_days: 120, class: "GLACIER_IR" },
      { after_days: 200, class: "DEEP_ARCHIVE" },
    ],
    replication: { regions: shape.replica ? ["us-west-2"] : [] },
    rds: { instance: "db.m5.large", multi_az: shape.multiAz, storage: "gp3" },
  });
}

describe("properties", () => {
  const usage = fc.record(
    Object.fromEntries(USAGE_KEYS.map((k) => [k, fc.integer({ min: 0, max: 200_000 })])) as Record<(typeof USAGE_KEYS)[number], fc.Arbitrary<number>>,
  );
  const shape = fc.record({
    replica: fc.boolean(),
    retention: fc.option(fc.integer({ min: 250, max: 400 }), { nil: null }),
    kb: fc.constantFrom(16, 64, 128, 512, 4096),
    multiAz: fc.boolean(),
  });

  it("no option's cost, in any month, decreases when any usage grows", () => {
    fc.assert(
      fc.property(usage, shape, fc.constantFrom(...USAGE_KEYS), fc.integer({ min: 1, max: 500_000 }), (u, s, key, more) => {
        const before = estimate(workloadOf(u, s), snapshot.catalog, null);
        const after = estimate(workloadOf({ ...u, [key]: u[key] + more }, s), snapshot.catalog, null);
        before.options.forEach((o, i) => {
          o.months.forEach((m, k) => {
            expect(after.options[i]!.months[k]!.total.greaterThanOrEqualTo(m.total), `${o.id} month ${m.month} after raising ${key}`).toBe(true);
          });
        });
      }),
      { numRuns: 60 },
    );
  });

  it("S3 Standard's first month is AWS's published us-east-1 arithmetic, for any size and request counts", () => {
    // Figures from the S3 pricing page, written out here, not read from the snapshot: storage $0.023/GB-month for
    // the first 50 TB, $0.022 for the next 450 TB; PUT/COPY/POST/LIST $0.005 per 1,000; GET $0.0004 per 1,000.
    const storage = (gb: number) => new Decimal(Math.min(gb, 51_200)).times("0.023").plus(new Decimal(Math.max(0, gb - 51_200)).times("0.022"));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400_000 }),
        fc.integer({ min: 0, max: 50_000_000 }),
        fc.integer({ min: 0, max: 500_000_000 }),
        (gb, writes, reads) => {
          const w = parseWorkload({
            region: "us-east-1",
            horizon_months: 1,
            data: { initial_gb: gb },
            requests: { monthly_writes: writes, monthly_reads: reads },
            access: { monthly_read_gb: 0, monthly_egress_gb: 0 },
          });
          const month1 = estimate(w, snapshot.catalog, null, { only: ["s3-standard"] }).options[0]!.months[0]!;
          const expected = storage(gb).plus(new Decimal(writes).times("0.005").div(1000)).plus(new Decimal(reads).times("0.0004").div(1000));
          expect(month1.total.toFixed(10)).toBe(expected.toFixed(10));
        },
      ),
      { numRuns: 50 },
    );
  });
});
