/** Placement: the pure decision (with properties), the users file, and the whole plan on the shipped prices. */
import fc from "fast-check";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseWorkload } from "../core/cost/workload.js";
import { UserError } from "../core/errors.js";
import { Decimal } from "../core/money.js";
import { place } from "../planner/placement/placement.js";
import type { Candidate, Option, PlacementInput } from "../planner/placement/types.js";
import { placementStrategies, plan, scheduleFor } from "../planner/placement/plan.js";
import { parseUsers } from "../planner/placement/users.js";
import type { Catalog } from "../core/pricing/catalog.js";
import { shippedSnapshot } from "./support/snapshot.js";

/** A test candidate carries its one-copy cost; the input prices options from it. */
type TestCandidate = Candidate & { readonly cost: number | null };
const candidate = (region: string, cost: number | null, rtts: number[], estimated = true): TestCandidate => ({
  region,
  cost,
  latency: rtts.map((rttMs, i) => ({ population: `p${i}`, weight: 1 / rtts.length, rttMs, estimated })),
});

/** Regions on a line, 1,000 km apart, so distances are easy to reason about. */
const POS: Record<string, number> = { a: 0, b: 1000, c: 2000, d: 3000, e: 300 };
const priced = (monthlyCost: Decimal, replica: Decimal | null): Option => ({
  priced: { strategy: "s3-standard", label: "S3 Standard", monthlyCost, replicaMonthlyCost: replica },
  unpriced: null,
});
const input = (candidates: TestCandidate[], constraints: Partial<PlacementInput["constraints"]> = {}, replicaCost = 5): PlacementInput => ({
  candidates,
  constraints: {
    allowedRegions: null,
    latencyObjectiveMs: 100,
    worstLatencyMs: 150,
    monthlyBudgetUsd: null,
    replica: { required: false, minDistanceKm: 500 },
    nearTieMargin: 0,
    ...constraints,
  },
  distanceKm: (x, y) => Math.abs(POS[x]! - POS[y]!),
  option: (primary, replica) => {
    const cost = candidates.find((c) => c.region === primary)!.cost;
    if (cost === null) return { priced: null, unpriced: null };
    return replica === null ? priced(new Decimal(cost), null) : priced(new Decimal(cost + replicaCost), new Decimal(replicaCost));
  },
});
/** One copy's cost of a candidate in an input built above. */
const costOf = (inp: PlacementInput, region: string) => (inp.candidates.find((c) => c.region === region) as TestCandidate).cost;

describe("place", () => {
  it("recommends the cheapest feasible region and says why", () => {
    const p = place(input([candidate("a", 30, [20, 40]), candidate("b", 20, [80, 110]), candidate("c", 10, [150, 160])]));
    expect(p.recommendation).toMatchObject({ primary: "b", replicas: [] });
    expect(p.recommendation!.reasons[0]).toBe("cheapest of 2 feasible regions: $20.00 a month on average with S3 Standard");
    expect(p.recommendation!.reasons[1]).toBe(
      "50% of traffic within 100 ms; weighted round trip 95 ms, worst 110 ms (estimated; met even at the high end of the estimates' 80% intervals)",
    );
    expect(p.recommendation!.reasons[2]).toBe("a would be faster (30 ms) for $10.00 more a month");
    const c = p.ranking.find((r) => r.region === "c")!;
    expect(c.feasible).toBe(false);
    expect(c.rejectedBecause).toEqual([
      "weighted round trip 155 ms is over the 100 ms objective",
      "p1 would wait 160 ms, over the 150 ms limit for the worst-served",
    ]);
    expect(p.ranking.map((r) => r.region)).toEqual(["b", "a", "c"]);
    expect(p.front).toEqual(["c", "b", "a"]);
  });

  it("says whether an estimated region meets the objective surely or only likely, at the high end of the interval", () => {
    const withHigh = (c: TestCandidate, high: number[]): TestCandidate => ({ ...c, latency: c.latency.map((l, i) => ({ ...l, highMs: high[i]! })) });
    const p = place(
      input([
        withHigh(candidate("a", 10, [90, 95]), [99, 104]), // weighted high 101.5 > 100: likely
        withHigh(candidate("b", 20, [80, 85]), [88, 93]), // met even at the high end
        candidate("c", 30, [60, 70], false), // measured
      ]),
    );
    const conf = Object.fromEntries(p.ranking.map((r) => [r.region, [r.feasible, r.latencyConfidence]]));
    expect(conf).toEqual({ a: [true, "likely"], b: [true, "confident"], c: [true, "measured"] });
    expect(p.recommendation!.primary).toBe("a");
    expect(p.recommendation!.reasons[1]).toMatch(/\(estimated; likely, not sure: the high end of the estimates' 80% intervals misses the limits\)$/);
  });

  it('says "routing unknown" when an estimate comes from a place with no measured region near', () => {
    const blind = { ...candidate("a", 10, [60]), latency: [{ population: "island", weight: 1, rttMs: 60, estimated: true, highMs: 90, routingUnknown: true }] };
    const p = place(input([blind]));
    expect(p.ranking[0]!.latencyConfidence).toBe("unknown");
    expect(p.recommendation!.reasons[1]).toMatch(/routing unknown for island: no measured region is near/);
  });

  it("names every reason a region is rejected", () => {
    const p = place(
      input([candidate("a", null, [10]), candidate("b", 50, [10]), candidate("c", 5, [10])], { allowedRegions: ["a", "b"], monthlyBudgetUsd: 40 }),
    );
    const why = Object.fromEntries(p.ranking.map((r) => [r.region, r.rejectedBecause]));
    expect(why.a).toEqual(["no complete price in the snapshot (run `stowage pricing refresh --region a`)"]);
    expect(why.b).toEqual(["$50.00/month is over the $40.00 budget"]);
    expect(why.c).toEqual(["not in allowed_regions"]);
    expect(p.recommendation).toBeNull();
    expect(p.unmet).toEqual([
      {
        constraint: "monthly_budget_usd",
        limit: 40,
        best: 50,
        by: 10,
        message: "the best allowed region's average monthly cost in USD is 50, 10 over the 40 limit",
      },
    ]);
  });

  it("picks a replica far enough away and counts its cost against the budget", () => {
    const p = place(
      input(
        [candidate("a", 10, [10]), candidate("e", 8, [10]), candidate("c", 12, [10])],
        { replica: { required: true, minDistanceKm: 500 }, monthlyBudgetUsd: 16 },
        5,
      ),
    );
    // e is cheapest but its only replicas (a at 300 km: too close; c at 1,700 km) cost 8 + 5 = 13: fits.
    expect(p.recommendation).toMatchObject({ primary: "e", replicas: ["c"] });
    expect(p.recommendation!.monthlyCost.toFixed(2)).toBe("13.00");
    const a = p.ranking.find((r) => r.region === "a")!;
    expect(a.replica).toEqual({ region: "c", distanceKm: 2000, monthlyCost: new Decimal(5) });
  });

  it("gives a near-tie within the margin to the lower latency, and says what that costs", () => {
    const cands = [candidate("a", 100, [90]), candidate("b", 103, [40]), candidate("c", 120, [10])];
    const tie = place(input(cands, { nearTieMargin: 0.05 }));
    expect(tie.recommendation!.primary).toBe("b");
    expect(tie.recommendation!.reasons[0]).toBe(
      "within the 5% near-tie margin of the cheapest of 3 feasible regions, and faster: $103.00 a month on average with S3 Standard",
    );
    expect(tie.recommendation!.reasons).toContain("a is cheaper by $3.00 but 50 ms slower; within the 5% margin the lower latency wins");
    // Outside the margin the cheapest wins, and c (20% dearer) never does.
    const strict = place(input(cands, { nearTieMargin: 0.02 }));
    expect(strict.recommendation!.primary).toBe("a");
    expect(strict.recommendation!.reasons.some((r) => r.includes("cheaper by"))).toBe(false);
  });

  it("ranks a region whose option lacks a price as unknown, and says when that hole decides", () => {
    const unknownB = (low: number, high: number): PlacementInput => {
      const base = input([candidate("a", 20, [50]), candidate("b", null, [50]), candidate("c", 40, [50])]);
      return {
        ...base,
        option: (primary, replica) =>
          primary === "b"
            ? {
                priced: null,
                unpriced: {
                  strategy: "s3-deep-archive",
                  label: "S3 Deep Archive",
                  low: new Decimal(low),
                  high: new Decimal(high),
                  missing: ["b AmazonS3GlacierDeepArchive TimedStorage-GDA-ByteHrs"],
                  regions: ["b"],
                },
              }
            : base.option(primary, replica),
      };
    };
    const decides = place(unknownB(10, 30));
    expect(decides.recommendation!.primary).toBe("a");
    const b = decides.ranking.find((r) => r.region === "b")!;
    expect([b.price, b.feasible, b.monthlyCost]).toEqual(["unknown", false, null]);
    expect(b.rejectedBecause).toEqual([
      "price unknown: $10.00–$30.00 a month with S3 Deep Archive, depending on the missing price of b AmazonS3GlacierDeepArchive TimedStorage-GDA-ByteHrs (run `stowage pricing refresh --region b`)",
    ]);
    expect(decides.ranking.map((r) => r.region)).toEqual(["a", "c", "b"]);
    expect(decides.recommendation!.reasons.at(-1)).toBe(
      "unknown price decides: b with S3 Deep Archive would cost $10.00–$30.00 a month with the missing price of b AmazonS3GlacierDeepArchive TimedStorage-GDA-ByteHrs at the cheapest to the dearest other region's price, and at the low end the recommendation would change; run `stowage pricing refresh --region b`",
    );
    expect(place(unknownB(5, 15)).recommendation!.reasons.at(-1)).toMatch(/and at either end the recommendation would change/);
    // A hole that cannot change the answer is not a reason.
    expect(place(unknownB(25, 60)).recommendation!.reasons.some((r) => r.includes("unknown price"))).toBe(false);
  });

  it("says which constraints cannot be met, and by how much", () => {
    const p = place(input([candidate("a", 10, [120, 300]), candidate("b", 10, [130, 200])], { latencyObjectiveMs: 100, worstLatencyMs: 150 }));
    expect(p.recommendation).toBeNull();
    expect(p.unmet.map((u) => [u.constraint, u.best, u.by])).toEqual([
      ["latency_objective_ms", 165, 65],
      ["worst_latency_ms", 200, 50],
    ]);
    const single = place(input([candidate("a", 10, [10])], { replica: { required: true, minDistanceKm: 500 } }));
    expect(single.unmet.map((u) => u.constraint)).toEqual(["replica.min_distance_km"]);
    const combo = place(input([candidate("a", 10, [200]), candidate("b", 500, [10])], { monthlyBudgetUsd: 100, latencyObjectiveMs: 100, worstLatencyMs: 300 }));
    expect(combo.unmet.map((u) => u.constraint)).toEqual(["combination"]);
  });

  const arbitraryInput = fc
    .record({
      regions: fc.uniqueArray(fc.constantFrom("a", "b", "c", "d", "e"), { minLength: 1, maxLength: 5 }),
      costs: fc.array(fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null, freq: 5 }), { minLength: 5, maxLength: 5 }),
      rtts: fc.array(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 3, maxLength: 3 }), { minLength: 5, maxLength: 5 }),
      allowed: fc.option(fc.subarray(["a", "b", "c", "d", "e"], { minLength: 1 }), { nil: null }),
      objective: fc.integer({ min: 20, max: 300 }),
      worst: fc.integer({ min: 20, max: 400 }),
      budget: fc.option(fc.integer({ min: 1, max: 1500 }), { nil: null }),
      replica: fc.boolean(),
      minKm: fc.constantFrom(0, 500, 1500, 2500),
      replicaCost: fc.integer({ min: 0, max: 200 }),
      margin: fc.constantFrom(0, 0.05, 0.2),
    })
    .map((g) =>
      input(
        g.regions.map((r, i) => candidate(r, g.costs[i]!, g.rtts[i]!)),
        {
          allowedRegions: g.allowed,
          latencyObjectiveMs: g.objective,
          worstLatencyMs: g.worst,
          monthlyBudgetUsd: g.budget,
          replica: { required: g.replica, minDistanceKm: g.minKm },
          nearTieMargin: g.margin,
        },
        g.replicaCost,
      ),
    );

  it("never recommends a region that violates a constraint, and never a replica that is the primary or too close", () => {
    fc.assert(
      fc.property(arbitraryInput, (inp) => {
        const p = place(inp);
        if (!p.recommendation) {
          expect(p.unmet.length).toBeGreaterThan(0);
          return;
        }
        const { primary, replicas, monthlyCost } = p.recommendation;
        const k = inp.constraints;
        const c = inp.candidates.find((x) => x.region === primary)!;
        const weighted = c.latency.reduce((s, l) => s + l.weight * l.rttMs, 0);
        expect(k.allowedRegions === null || k.allowedRegions.includes(primary)).toBe(true);
        expect(costOf(inp, primary)).not.toBeNull();
        expect(weighted).toBeLessThanOrEqual(k.latencyObjectiveMs + 0.05);
        expect(Math.max(...c.latency.map((l) => l.rttMs))).toBeLessThanOrEqual(k.worstLatencyMs);
        if (k.monthlyBudgetUsd !== null) expect(monthlyCost.toNumber()).toBeLessThanOrEqual(k.monthlyBudgetUsd);
        expect(replicas.length).toBe(k.replica.required ? 1 : 0);
        for (const r of replicas) {
          expect(r).not.toBe(primary);
          expect(k.allowedRegions === null || k.allowedRegions.includes(r)).toBe(true);
          expect(inp.distanceKm(primary, r)).toBeGreaterThanOrEqual(k.replica.minDistanceKm);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("never makes the recommendation both dearer and slower when the budget rises", () => {
    fc.assert(
      fc.property(arbitraryInput, fc.integer({ min: 1, max: 2000 }), (inp, more) => {
        const low = place(inp).recommendation;
        const budget = inp.constraints.monthlyBudgetUsd;
        const high = place({ ...inp, constraints: { ...inp.constraints, monthlyBudgetUsd: budget === null ? null : budget + more } }).recommendation;
        if (!low) return;
        expect(high).not.toBeNull();
        const weighted = (r: string) => inp.candidates.find((c) => c.region === r)!.latency.reduce((s, l) => s + l.weight * l.rttMs, 0);
        const dearer = high!.monthlyCost.greaterThan(low.monthlyCost);
        const slower = weighted(high!.primary) > weighted(low.primary);
        expect(dearer && slower).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps only non-dominated regions on the Pareto front", () => {
    fc.assert(
      fc.property(arbitraryInput, (inp) => {
        const p = place(inp);
        const rows = p.ranking.filter((r) => r.monthlyCost !== null && !r.rejectedBecause.includes("not in allowed_regions"));
        for (const region of p.front) {
          const a = rows.find((r) => r.region === region)!;
          expect(rows.some((b) => b.monthlyCost!.lessThan(a.monthlyCost!) && b.weightedRttMs < a.weightedRttMs)).toBe(false);
        }
      }),
    );
  });
});

describe("the users file", () => {
  const ok = { populations: [{ name: "office", place: "Columbus, OH", weight: 1 }] };
  it("accepts the example, normalising weights", () => {
    const u = parseUsers(parse(readFileSync("examples/users.yaml", "utf8")));
    expect(u.populations.map((p) => [p.name, p.weight, p.here])).toEqual([
      ["office", 0.1, true],
      ["cameras", 0.6, false],
      ["customers", 0.3, false],
    ]);
    expect(u.constraints).toEqual({
      allowedRegions: ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"],
      latencyObjectiveMs: 200,
      worstLatencyMs: 200,
      monthlyBudgetUsd: 500,
      replica: { required: true, minDistanceKm: 500 },
      nearTieMargin: 0.05,
    });
    expect(
      parseUsers({
        populations: [
          { name: "a", place: "Tokyo", weight: 3 },
          { name: "b", place: "Osaka", weight: 1 },
        ],
      }).populations.map((p) => p.weight),
    ).toEqual([0.75, 0.25]);
    expect(parseUsers(ok).constraints).toMatchObject({ allowedRegions: null, latencyObjectiveMs: 200, worstLatencyMs: 200, monthlyBudgetUsd: null });
  });
  const bad: [string, unknown, RegExp][] = [
    ["no populations", { populations: [] }, /populations: /],
    ["zero weight", { populations: [{ name: "a", place: "Tokyo", weight: 0 }] }, /populations\[0\]\.weight/],
    ["unknown place", { populations: [{ name: "a", place: "Atlantis", weight: 1 }] }, /populations\[0\]\.place: Unknown place "Atlantis"/],
    [
      "duplicate names",
      {
        populations: [
          { name: "a", place: "Tokyo", weight: 1 },
          { name: "a", place: "Osaka", weight: 1 },
        ],
      },
      /the name a appears twice/,
    ],
    [
      "two here",
      {
        populations: [
          { name: "a", place: "Tokyo", weight: 1, here: true },
          { name: "b", place: "Osaka", weight: 1, here: true },
        ],
      },
      /only one population can be `here`/,
    ],
    ["unknown region", { ...ok, constraints: { allowed_regions: ["eu-west-9"] } }, /constraints\.allowed_regions\[0\]: unknown AWS region "eu-west-9"/],
    [
      "replica with one region",
      { ...ok, constraints: { allowed_regions: ["us-east-1"], replica: { required: true } } },
      /a replica needs a second allowed region/,
    ],
    ["negative budget", { ...ok, constraints: { monthly_budget_usd: -5 } }, /constraints\.monthly_budget_usd/],
    ["unknown key", { ...ok, constraint: {} }, /unknown key "constraint"/],
  ];
  for (const [name, raw, msg] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => parseUsers(raw, "u.yaml")).toThrow(UserError);
      expect(() => parseUsers(raw, "u.yaml")).toThrow(msg);
    });
  }
});

describe("plan on the shipped prices", async () => {
  const { catalog } = await shippedSnapshot();
  const workload = parseWorkload(parse(readFileSync("examples/workload.yaml", "utf8")));
  const users = parseUsers(parse(readFileSync("examples/users.yaml", "utf8")));

  it("never puts data that is read into an archive that needs a restore", () => {
    expect(placementStrategies(workload)).not.toContain("s3-deep-archive");
    expect(
      placementStrategies({ ...workload, requests: { monthly_writes: 10, monthly_reads: 0 }, access: { monthly_read_gb: 0, monthly_egress_gb: 0 } }),
    ).toContain("s3-deep-archive");
  });

  it("recommends Ohio with a replica in Ireland for the example, with live latency where measured", () => {
    const result = plan({ workload, users, catalog });
    // Oregon and Ireland add the same $31.55 as a replica; the farther copy is the safer one.
    expect(result.recommendation).toMatchObject({ primary: "us-east-2", replicas: ["eu-west-1"] });
    const replica = result.ranking.find((r) => r.region === "us-east-2")!.replica!;
    expect([replica.region, replica.monthlyCost.toFixed(2)]).toEqual(["eu-west-1", "31.55"]);
    expect(result.ranking.find((r) => r.region === "eu-west-1")!.replica!.monthlyCost.toFixed(2)).toBe("31.55");
    expect(result.ranking.filter((r) => r.feasible).map((r) => r.region)).toEqual(["us-east-2", "us-east-1", "eu-west-1", "us-west-2", "eu-central-1"]);
    expect(result.ranking.find((r) => r.region === "ap-south-1")!.rejectedBecause[0]).toBe("not in allowed_regions");
    // A live measurement for the office replaces its estimate, and is labelled as measured.
    const live = plan({ workload, users, catalog, live: new Map([["us-east-2", 12.5]]) });
    const office = live.ranking.find((r) => r.region === "us-east-2")!.latency.find((l) => l.population === "office")!;
    expect(office).toEqual({ population: "office", weight: 0.1, rttMs: 12.5, estimated: false });
  });

  it("chooses a primary's strategy and replica together: US Midwest and East users get a US primary", () => {
    // Nobody reads the data back, so Deep Archive qualifies, and Ohio's cheapest single copy is Deep Archive; but its
    // replication PUTs cost $0.05 per 1,000, so with a replica Glacier Instant Retrieval is cheaper there. Choosing
    // the strategy before the replica priced "Ohio + replica" dearer than Ireland (which has no Deep Archive price).
    const quiet = parseWorkload({
      ...parse(readFileSync("examples/workload.yaml", "utf8")),
      data: { initial_gb: 1000, monthly_growth_gb: 200, average_object_kb: 256 },
      requests: { monthly_writes: 100000, monthly_reads: 0 },
      access: { monthly_read_gb: 0, monthly_egress_gb: 0 },
    });
    const midwest = parseUsers({
      populations: [
        { name: "columbus", place: "Columbus, OH", weight: 1 },
        { name: "chicago", place: "Chicago, IL", weight: 1 },
        { name: "new-york", place: "New York, NY", weight: 1 },
      ],
      constraints: { latency_objective_ms: 200, replica: { required: true, min_distance_km: 300 } },
    });
    const result = plan({ workload: quiet, users: midwest, catalog });
    expect(result.recommendation!.primary).toMatch(/^us-/);
    const ohio = result.ranking.find((r) => r.region === "us-east-2")!;
    // The pair's strategy is the cheapest for both copies together, and no dearer than any strategy's pair.
    const alone = result.option("us-east-2", null).priced!;
    expect(alone.strategy).toBe("s3-deep-archive");
    expect(ohio.strategyId).not.toBe("s3-deep-archive");
    expect(ohio.monthlyCost!.toFixed(2)).toBe(result.option("us-east-2", ohio.replica!.region).priced!.monthlyCost.toFixed(2));
  });

  it("says so when the winner depends on a price missing from the snapshot", () => {
    // The shipped prices with Ohio's S3 storage prices taken out: the region the example recommends.
    const holed = Object.create(catalog) as Catalog;
    holed.find = (region, selector) =>
      region === "us-east-2" && selector.service === "AmazonS3" && selector.usagetype.startsWith("TimedStorage") ? null : catalog.find(region, selector);
    const result = plan({ workload, users, catalog: holed });
    const ohio = result.ranking.find((r) => r.region === "us-east-2")!;
    expect(ohio.price).toBe("unknown");
    expect(result.recommendation!.primary).not.toBe("us-east-2");
    const hole = result.recommendation!.reasons.find((r) => r.startsWith("unknown price decides: us-east-2"));
    expect(hole).toMatch(/run `stowage pricing refresh --region us-east-2`$/);
    // Virginia's storage prices are Ohio's: at the cheapest neighbour's, Ohio costs what it costs with its prices.
    expect(ohio.unpriced!.low.toFixed(2)).toBe(plan({ workload, users, catalog }).recommendation!.monthlyCost.toFixed(2));
  });

  it("describes how the stack stores data under each strategy", () => {
    expect(scheduleFor("s3-lifecycle", workload)).toEqual({
      uploadStorageClass: "STANDARD",
      transitions: [
        { afterDays: 30, storageClass: "STANDARD_IA" },
        { afterDays: 90, storageClass: "GLACIER_IR" },
        { afterDays: 180, storageClass: "DEEP_ARCHIVE" },
      ],
    });
    expect(scheduleFor("s3-glacier-ir", workload)).toEqual({ uploadStorageClass: "GLACIER_IR", transitions: [] });
  });
});

describe("stowage plan, the built command", () => {
  const run = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), "stowage-placement-"));
  const workload = join(dir, "workload.yaml");
  const users = join(dir, "users.yaml");
  writeFileSync(
    workload,
    "region: us-east-2\ndata: { initial_gb: 1000, monthly_growth_gb: 200, average_object_kb: 256 }\nrequests: { monthly_writes: 100000, monthly_reads: 0 }\naccess: { monthly_read_gb: 0, monthly_egress_gb: 0 }\n",
  );
  writeFileSync(
    users,
    "populations:\n  - { name: columbus, place: Columbus, weight: 1 }\n  - { name: chicago, place: Chicago, weight: 1 }\n  - { name: new-york, place: New York, weight: 1 }\nconstraints:\n  replica: { required: true, min_distance_km: 300 }\n",
  );
  const plan = (...extra: string[]) =>
    run("node", ["dist/bundle/cli.js", "plan", "--workload", workload, "--users", users, "--offline", "--json", ...extra]).then((r) => JSON.parse(r.stdout));

  it("gives US Midwest and East users a US primary, its strategy chosen with its replica", async () => {
    const json = await plan();
    expect(json.recommendation.primary).toMatch(/^us-/);
    expect(json.recommendation.strategy).not.toBe("S3 Deep Archive");
  }, 60_000);

  it("takes the near-tie margin from --near-tie-pct", async () => {
    const [none, wide] = await Promise.all([plan("--near-tie-pct", "0"), plan("--near-tie-pct", "100")]);
    const feasible = wide.ranking.filter((r: { feasible: boolean }) => r.feasible);
    const fastest = [...feasible].sort((a: { weightedRttMs: number }, b: { weightedRttMs: number }) => a.weightedRttMs - b.weightedRttMs)[0];
    const cheapest = [...feasible].sort((a: { monthlyCost: string }, b: { monthlyCost: string }) => Number(a.monthlyCost) - Number(b.monthlyCost))[0];
    expect(none.recommendation.primary).toBe(cheapest.region);
    // Every feasible region is within 100% of the cheapest here (checked), so the fastest wins.
    expect(feasible.every((r: { monthlyCost: string }) => Number(r.monthlyCost) <= 2 * Number(cheapest.monthlyCost))).toBe(true);
    expect(wide.recommendation.primary).toBe(fastest.region);
  }, 60_000);
});
