/** Latency: statistics, the offline estimator, places, target parsing, and the sweep on loopback. */
import fc from "fast-check";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../core/errors.js";
import { INFLATION_BANDS, estimateRtt, floorMs, haversineKm, inflation } from "../planner/latency/estimate.js";
import { parsePlace } from "../planner/latency/places.js";
import { parseTargetSpec, regionTarget } from "../planner/latency/probe.js";
import { probeRegions } from "../planner/latency/regions.js";
import { estimateEntries, latencyCsv, looksOffline, withEstimates } from "../planner/latency/report.js";
import { quantile, summarize } from "../planner/latency/stats.js";
import { sweep, type SweepEvent } from "../planner/latency/sweep.js";
import { REGIONS, findRegion } from "../core/regions.js";

describe("summarize", () => {
  it("gives median, p90, min, max and the IQR, and flags outliers beyond 1.5 × IQR", () => {
    const s = summarize([10, 12, 11, 13, 50, 12, 11])!;
    expect(s.median).toBe(12);
    expect(s.min).toBe(10);
    expect(s.max).toBe(50);
    expect(s.q1).toBe(11);
    expect(s.q3).toBe(12.5);
    expect(s.iqr).toBe(1.5);
    expect(s.outliers).toEqual([50]);
    expect(s.p90).toBeCloseTo(27.8, 10); // h = 6 × 0.9 = 5.4: 13 + 0.4 × (50 − 13)
  });
  it("interpolates between order statistics", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([5], 0.9)).toBe(5);
  });
  it("has nothing to say about no samples", () => expect(summarize([])).toBeNull());
  it("keeps the median between min and max, and flags no outlier in identical samples", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 50 }), (xs) => {
        const s = summarize(xs)!;
        expect(s.min).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.p90);
        expect(s.p90).toBeLessThanOrEqual(s.max);
      }),
    );
    expect(summarize([7, 7, 7, 7])!.outliers).toEqual([]);
  });
});

describe("the offline estimate", () => {
  const at = (code: string) => {
    const r = findRegion(code)!;
    return { name: code, lat: r.lat, lon: r.lon };
  };

  it("measures great-circle distance", () => {
    expect(haversineKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * 6371.0088, 3);
    expect(haversineKm(at("us-east-2"), at("us-east-1"))).toBeCloseTo(484, -1);
    expect(haversineKm(at("eu-west-1"), at("eu-west-1"))).toBe(0);
  });

  it("puts the floor at 1 ms of round trip per 100 km", () => {
    expect(floorMs(100)).toBe(1);
    expect(floorMs(6000)).toBe(60);
  });

  it("inflates by the research note's distance bands", () => {
    expect([250, 500, 501, 1500, 5000, 10000, 15000].map(inflation)).toEqual([2.96, 2.96, 2.62, 2.19, 1.8, 1.73, 1.58]);
    expect(INFLATION_BANDS.at(-1)!.upToKm).toBe(Infinity);
  });

  it("is never below the physical floor, from anywhere to any region", () => {
    fc.assert(
      fc.property(fc.double({ min: -90, max: 90, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }), fc.constantFrom(...REGIONS), fc.double({ min: 0, max: 50, noNaN: true }), (lat, lon, region, access) => {
        const e = estimateRtt({ name: "p", lat, lon }, region, access);
        expect(e.estimateMs).toBeGreaterThanOrEqual(e.floorMs);
        expect(e.floorMs).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it("errs on the side of caution against measured AWS inter-region medians", () => {
    // cloudping.co one-year p50s quoted in the research note.
    const measured: [string, string, number][] = [
      ["us-east-2", "us-east-1", 16.1], ["us-east-2", "eu-west-1", 80.5], ["us-east-1", "ap-northeast-1", 149.4],
      ["us-east-1", "eu-west-1", 69.6], ["us-east-2", "eu-central-1", 103.9], ["us-east-2", "us-west-2", 51.1],
      ["us-east-2", "ca-central-1", 28.0], ["us-east-2", "sa-east-1", 125.5], ["us-east-2", "ap-southeast-2", 188.5],
      ["eu-west-1", "eu-central-1", 27.3],
    ];
    for (const [a, b, p50] of measured) {
      const e = estimateRtt(at(a), at(b), 0);
      expect(e.floorMs, `${a}→${b} floor`).toBeLessThan(p50);
      // Never more than 15% optimistic (the planner promises latency objectives from this), at most 45% pessimistic.
      expect(e.estimateMs / p50, `${a}→${b}`).toBeGreaterThan(0.85);
      expect(e.estimateMs / p50, `${a}→${b}`).toBeLessThan(1.45);
    }
  });

  it("reports each region with its floor, and leaves out regions without coordinates", () => {
    const place = parsePlace("Columbus, OH");
    const { entries, skipped } = estimateEntries([{ code: "us-east-1", name: "x", lat: 39.04, lon: -77.49 }, { code: "new-region-1", name: "y", lat: null, lon: null }], place);
    expect(skipped).toEqual(["new-region-1"]);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ name: "us-east-1", estimated: true, status: "ok", samples: 0, distanceKm: 484, floorMs: 4.84, estimateMs: 24.32 });
    expect(entries[0]!.rttMs).toEqual({ median: 24.32, p90: null, min: null, max: null });
  });
});

describe("places and targets", () => {
  it("knows shipped cities, region cities and lat,lon", () => {
    expect(parsePlace("Columbus, OH")).toMatchObject({ lat: 39.96, lon: -83 });
    expect(parsePlace("frankfurt")).toMatchObject({ name: "Frankfurt", lat: 50.11 });
    expect(parsePlace("São Paulo")).toMatchObject({ lat: -23.55 });
    expect(parsePlace("Sao Paulo")).toMatchObject({ lat: -23.55 });
    expect(parsePlace("39.10,-84.51")).toMatchObject({ lat: 39.1, lon: -84.51 });
  });
  it("refuses unknown places and impossible coordinates, naming what it accepts", () => {
    expect(() => parsePlace("Atlantis")).toThrow(UserError);
    expect(() => parsePlace("Atlantis")).toThrow(/Unknown place "Atlantis"/);
    expect(() => parsePlace("91,0")).toThrow(/not a valid latitude,longitude/);
  });
  it("parses --target specs", () => {
    expect(parseTargetSpec("onprem=https://s3.example.internal:9000")).toEqual({ name: "onprem", kind: "target", host: "s3.example.internal", port: 9000, tls: true });
    expect(parseTargetSpec("gw=https://10.1.2.3")).toMatchObject({ port: 443, tls: true });
    expect(parseTargetSpec("db=tcp://[::1]:5432")).toEqual({ name: "db", kind: "target", host: "::1", port: 5432, tls: false });
    expect(regionTarget("eu-west-1")).toEqual({ name: "eu-west-1", kind: "region", host: "s3.eu-west-1.amazonaws.com", port: 443, tls: true });
    for (const bad of ["https://x", "x=", "x=ftp://h:1", "x=tcp://h", "x=::::"]) expect(() => parseTargetSpec(bad), bad).toThrow(UserError);
  });
});

describe("regions", () => {
  it("come from the AWS SDK's partition data, with every region Stowage has coordinates for", async () => {
    const { regions, source } = await probeRegions();
    expect(source).toBe("aws-sdk-partitions");
    const codes = regions.map((r) => r.code);
    for (const r of REGIONS) expect(codes).toContain(r.code);
    expect(codes).not.toContain("aws-global");
    expect(codes.every((c) => /^[a-z]{2}-[a-z]+-\d+$/.test(c))).toBe(true);
  });
});

describe("the sweep on loopback", () => {
  let silent: Server;
  let open: Server;
  let silentPort: number;
  let openPort: number;
  let closedPort: number;
  beforeAll(async () => {
    silent = createServer(() => undefined); // accepts, then never speaks: a TLS handshake hangs
    open = createServer((s) => s.end());
    const probeClosed = createServer();
    await Promise.all([silent, open, probeClosed].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
    silentPort = (silent.address() as AddressInfo).port;
    openPort = (open.address() as AddressInfo).port;
    closedPort = (probeClosed.address() as AddressInfo).port;
    await new Promise((r) => probeClosed.close(r));
  });
  afterAll(() => {
    silent.close();
    open.close();
  });

  it("measures, refuses and reports progress for each target", async () => {
    const events: SweepEvent["type"][] = [];
    const { results } = await sweep(
      [parseTargetSpec(`open=tcp://127.0.0.1:${openPort}`), parseTargetSpec(`closed=tcp://127.0.0.1:${closedPort}`)],
      { samples: 3, timeoutMs: 1000, onEvent: (e) => events.push(e.type) },
    );
    expect(results[0]).toMatchObject({ name: "open", status: "ok", samples: 3, lost: 0, address: "127.0.0.1", dnsMs: null, tlsMs: null });
    expect(results[0]!.rttMs!.median).toBeLessThan(50);
    expect(results[1]).toMatchObject({ name: "closed", status: "refused", samples: 3, lost: 3, rttMs: null, error: "connection refused (ECONNREFUSED)" });
    expect(events.filter((e) => e === "start")).toHaveLength(2);
    expect(events.filter((e) => e === "sample")).toHaveLength(6);
    expect(events.filter((e) => e === "done")).toHaveLength(2);
  });

  it("stops a stalled handshake at the sweep deadline, and never starts what comes after it", async () => {
    const t0 = performance.now();
    const { results, wallMs } = await sweep(
      [parseTargetSpec(`stall=https://127.0.0.1:${silentPort}`), parseTargetSpec(`later=tcp://127.0.0.1:${openPort}`)],
      { samples: 3, timeoutMs: 10_000, deadlineMs: 400, concurrency: 1 },
    );
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(wallMs).toBeGreaterThanOrEqual(390);
    expect(results[0]).toMatchObject({ status: "timeout", lost: 3, error: "stopped at the sweep deadline" });
    expect(results[1]).toMatchObject({ status: "timeout", error: "not started before the sweep deadline" });
  });

  it("times out a sample that gets no answer", async () => {
    const { results } = await sweep([parseTargetSpec(`stall=https://127.0.0.1:${silentPort}`)], { samples: 2, timeoutMs: 150 });
    expect(results[0]).toMatchObject({ status: "timeout", lost: 2 });
    expect(results[0]!.error).toMatch(/no answer within 150 ms \(tls phase\)/);
  });
});

describe("the report", () => {
  it("tells a machine with no network from one with unreachable targets", () => {
    const r = (status: string) => ({ status }) as never;
    expect(looksOffline([r("dns-error"), r("unreachable")])).toBe(true);
    expect(looksOffline([r("dns-error"), r("ok")])).toBe(false);
    expect(looksOffline([r("timeout")])).toBe(false);
    expect(looksOffline([])).toBe(false);
  });
  it("puts the estimate and floor beside measured regions, and renders CSV", () => {
    const measured = { name: "us-east-1", kind: "region" as const, host: "h", port: 443, address: "1.2.3.4", status: "ok" as const, rttMs: { median: 20, p90: 21, min: 19, max: 22 }, spreadMs: null, dnsMs: 3, tlsMs: 21, ttfbMs: 22, samples: 5, lost: 0 };
    const [entry] = withEstimates([measured], [{ code: "us-east-1", name: "x", lat: 39.04, lon: -77.49 }], parsePlace("Columbus, OH"));
    expect(entry).toMatchObject({ estimated: false, floorMs: 4.84, estimateMs: 24.32 });
    const csv = latencyCsv({ measuredAt: "t", from: "here", estimated: false, results: [entry!] });
    expect(csv.split("\n")[1]).toBe("us-east-1,region,h,ok,false,20,21,19,22,3,21,22,5,0,24.32,4.84,");
  });
});
