/**
 * The planner's screens, rendered with ink-testing-library: keys go in through stdin, frames are asserted.
 * Latency uses a measure function that reports known results through the same events the real sweep emits.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { render } from "ink-testing-library";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import type { ProbeResult } from "../planner/latency/probe.js";
import { parseUsers } from "../planner/placement/users.js";
import { plan as makePlan } from "../planner/placement/plan.js";
import { usd } from "../core/money.js";
import { estimate } from "../core/cost/horizon.js";
import { parseWorkload } from "../core/cost/workload.js";
import { App, type Measure } from "../planner/ui/App.js";
import { CostsScreen } from "../planner/ui/CostsScreen.js";
import { chartLines, crossings } from "../planner/ui/chart.js";
import { initialState, reducer, typeInto, withField } from "../planner/ui/state.js";
import { catalogFrom } from "../core/pricing/snapshot.js";
import { shippedSnapshot } from "./support/snapshot.js";
import { loadCloudPrices } from "../core/clouds/load.js";
import type { CloudPrices } from "../planner/placement/clouds.js";

const KEY = { down: "\u001B[B", up: "\u001B[A", enter: "\r", esc: "\u001B", tab: "\t", backspace: "\x7f", right: "\u001B[C" };
const raw = parse(readFileSync("examples/workload.yaml", "utf8")) as Record<string, unknown>;
const users = parseUsers(parse(readFileSync("examples/users.yaml", "utf8")));
const { catalog, asOf, files } = await shippedSnapshot();
/** The shipped prices of Ohio alone: a snapshot that lacks the region the user types. */
const ohioOnly = catalogFrom([...files.values()].map((f) => ({ ...f, responses: f.responses.filter((r) => r.region === "us-east-2") }))).catalog;

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));
/**
 * Waits until the frame satisfies `ok` (Ink renders asynchronously). The limit only turns a frame that never comes
 * into a failure with the last frame; it claims no speed, so it is sized for a loaded machine (a recomputed cost table
 * took ~1.5 s idle, and 3 s was a fixed bound on work that grows with load).
 */
async function until(frame: () => string | undefined, ok: (f: string) => boolean, ms = 20_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const f = frame() ?? "";
    if (ok(f)) return f;
    if (Date.now() - t0 > ms) throw new Error(`frame never matched; last frame:\n${f}`);
    await tick(15);
  }
}

function result(name: string, status: ProbeResult["status"], median: number | null): ProbeResult {
  return {
    name,
    kind: "region",
    host: `s3.${name}.amazonaws.com`,
    port: 443,
    address: median === null ? null : "192.0.2.1",
    status,
    rttMs: median === null ? null : { median, p90: median + 1, min: median - 1, max: median + 2 },
    spreadMs: null,
    dnsMs: null,
    tlsMs: null,
    ttfbMs: null,
    samples: 3,
    lost: median === null ? 3 : 0,
  };
}

/** Emits one sample per region, then waits for `release` before finishing: the running frame can be asserted. */
function scriptedMeasure(rtts: Record<string, number | null>): { measure: Measure; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const measure: Measure = async (regions, samples, onEvent) => {
    for (const r of regions) onEvent({ type: "sample", target: { name: r, kind: "region", host: r, port: 443, tls: true }, done: 1, total: samples });
    await gate;
    const results = regions.map((r) => (rtts[r] === null || rtts[r] === undefined ? result(r, "dns-error", null) : result(r, "ok", rtts[r]!)));
    for (const res of results) onEvent({ type: "done", target: { name: res.name, kind: "region", host: res.host, port: 443, tls: true }, result: res });
    return results;
  };
  return { measure, release };
}

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

async function app(
  opts: {
    measure?: Measure;
    stackFile?: string;
    color?: boolean;
    users?: typeof users;
    size?: { columns: number; rows: number };
    catalog?: typeof catalog;
    clouds?: CloudPrices;
  } = {},
) {
  const stackFile = opts.stackFile ?? join(await mkdtemp(join(tmpdir(), "stowage-ui-")), "Pulumi.dev.yaml");
  const r = render(
    <App
      raw={raw}
      workloadSource="examples/workload.yaml"
      users={opts.users ?? users}
      catalog={opts.catalog ?? catalog}
      {...(opts.clouds ? { clouds: opts.clouds } : {})}
      pricesAsOf={asOf}
      stackFile={stackFile}
      stack="dev"
      measure={opts.measure ?? scriptedMeasure({}).measure}
      color={opts.color ?? true}
      today="2026-11-27"
    />,
  );
  cleanup = r.unmount;
  await until(r.lastFrame, (f) => f.includes("Workload from"));
  if (opts.size) {
    // As a terminal does: the app has subscribed to resizes by its first frame.
    for (const [k, v] of Object.entries(opts.size)) Object.defineProperty(r.stdout, k, { value: v, configurable: true });
    r.stdout.emit("resize");
    await until(r.lastFrame, (f) => f.split("\n").length <= opts.size!.rows);
  }
  return {
    ...r,
    stackFile,
    press: async (...keys: string[]) => {
      for (const k of keys) {
        r.stdin.write(k);
        await tick();
      }
    },
  };
}

describe("Workload screen", () => {
  it("shows the numbers with the example as default, and the keys", async () => {
    const { lastFrame } = await app();
    const f = lastFrame()!;
    expect(f).toMatch(/> Region\s+us-east-2/);
    expect(f).toMatch(/Data today \(GB\)\s+1000/);
    expect(f).toMatch(/↑↓ field · enter edit\/confirm · esc cancel · tab\/←→ screens · 1-5 jump · q quit/);
  });

  it("says the truth about edits: they last until quitting, and the workload file is never written", async () => {
    const { lastFrame } = await app();
    const f = lastFrame()!.replace(/\s+/g, " ");
    expect(f).toContain("Workload from examples/workload.yaml: edits last until you quit (the file is never written; to keep a value, put it there)");
    expect(f).not.toMatch(/until you apply/);
  });

  it("edits a number, and the costs follow", async () => {
    const { lastFrame, press } = await app();
    await press(KEY.down, KEY.down, KEY.enter, KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace);
    await until(lastFrame, (f) => /> Data today \(GB\)\s+_/.test(f));
    await press("5000", KEY.enter);
    await until(lastFrame, (f) => /> Data today \(GB\)\s+5000$/m.test(f));
    await press("2");
    const costs = await until(lastFrame, (f) => f.includes("Cost in us-east-2"));
    expect(costs).toMatch(/S3 Standard\s+\$115\.90/); // 5,000 GB × $0.023 + requests
  });

  it("shows a bad value in place and keeps the old one; esc cancels", async () => {
    const { lastFrame, press } = await app();
    await press(KEY.down, KEY.enter, KEY.backspace, KEY.backspace, "500", KEY.enter);
    const f = await until(lastFrame, (x) => x.includes("! "));
    expect(f).toMatch(/! horizon_months: .*got 500/);
    expect(f).toMatch(/> Horizon \(months\)\s+500_/); // still editing, nothing lost
    await press(KEY.esc);
    await until(lastFrame, (x) => /> Horizon \(months\)\s+36$/m.test(x) && !x.includes("! "));
  });
});

describe("Costs screen", () => {
  it("tables the options and charts cumulative cost with crossings marked", async () => {
    const { lastFrame, press } = await app();
    await press(KEY.tab);
    const f = await until(lastFrame, (x) => x.includes("Cumulative cost"));
    expect(f).toMatch(/RDS PostgreSQL \(db\.m5\.large, Single-AZ, gp3\)\s+\$244\.94\s+\$1,049\.94\s+\$23,307\.84/);
    expect(f).toContain("×");
    expect(f).toMatch(/× month \d+: s3-\S+ and s3-\S+ cross/);
    expect(f).toMatch(/no keys of its own · tab/);
  });

  it("says when the snapshot has no prices for the region, and what to run", async () => {
    const { lastFrame, press } = await app({ catalog: ohioOnly });
    await press("2");
    expect(await until(lastFrame, (f) => f.includes("Cost in us-east-2"))).not.toContain("has no prices");
    // The Region field is the first: edit it to a region this snapshot does not price.
    await press("1", KEY.enter, ...Array(9).fill(KEY.backspace), "ap-south-1", KEY.enter, "2");
    const none = await until(lastFrame, (f) => f.includes("Cost in ap-south-1"));
    expect(none).toContain("The price snapshot has no prices for ap-south-1: run `stowage pricing refresh --region ap-south-1`");
  });

  it("gives option names the width there is, and marks a name it has to cut", () => {
    const report = estimate(parseWorkload(raw), catalog, asOf);
    const lifecycle = report.options.find((o) => o.id === "s3-lifecycle")!.label;
    const wide = render(<CostsScreen report={report} pricedRegion width={120} height={40} color={false} />);
    expect(wide.lastFrame()).toContain(`${lifecycle}  `);
    wide.unmount();
    const narrow = render(<CostsScreen report={report} pricedRegion width={70} height={40} color={false} />);
    const row = narrow
      .lastFrame()!
      .split("\n")
      .find((l) => l.startsWith("S3 lifecycle"))!;
    expect(row).toMatch(/^S3 lifecycle \(Standard → IA 30 …\s+\$23\.90/);
    narrow.unmount();
  });
});

describe("Latency screen", () => {
  it("draws a bar per region while probes run, then sorts by round trip with estimate and floor beside", async () => {
    const { measure, release } = scriptedMeasure({ "us-east-2": 14.2, "us-east-1": 22.8, "us-west-2": 61, "eu-west-1": 95.5, "eu-central-1": null });
    const { lastFrame, press } = await app({ measure });
    await press("3");
    const running = await until(lastFrame, (x) => x.includes("Measuring round trips"));
    expect(running.match(/\d\/3/g)).toHaveLength(5);
    expect(running).toMatch(/us-east-2\s+\S+\s+1\/3/);
    release();
    const done = await until(lastFrame, (x) => x.includes("Measured from here"));
    const order = [...done.matchAll(/^(us|eu)-[a-z]+-\d/gm)].map((m) => m[0]);
    expect(order).toEqual(["us-east-2", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]);
    expect(done).toMatch(/us-east-1\s+ok\s+22\.8\s+23\.8\s+23\.0\s+4\.8/);
    expect(done).toMatch(/eu-central-1\s+dns-error\s+-\s+-\s+114\.9\s+68\.3/);
    // The office's measured figure now drives the placement.
    await press("4");
    await until(lastFrame, (x) => /weighted round trip [\d.]+ ms, worst [\d.]+ ms \(measured here,\s+estimated elsewhere[;)]/.test(x));
  });

  it("says plainly when there is no network and shows estimates", async () => {
    const { measure, release } = scriptedMeasure({});
    const { lastFrame, press } = await app({ measure });
    release();
    await press("3");
    const f = await until(lastFrame, (x) => x.includes("No network here"));
    expect(f).toMatch(/estimates from Columbus, OH, not measurements/);
  });
});

describe("Placement and Apply screens", () => {
  it("picks the recommendation, lets the user pick another primary and replica, and refuses a replica too close", async () => {
    const { lastFrame, press } = await app();
    await press("4");
    // Oregon and Ireland cost the same as a replica; the farther one is the better copy against an outage.
    let f = await until(lastFrame, (x) => x.includes("Recommended: us-east-2, replica eu-west-1"));
    expect(f).toMatch(/>\s+us-east-2\s+63\.05\s+44\.7\*\s+114\.9\s+P/);
    expect(f).toMatch(/eu-west-1\s+63\.05\s+77\.7\*\s+95\.5\s+R/);
    expect(f).toMatch(/Pareto front \(cost vs weighted round trip\): us-east-2/);
    await press(KEY.down, "r");
    f = await until(lastFrame, (x) => x.includes("! "));
    expect(f).toMatch(/! us-east-1 is 484 km from us-east-2; the users file asks for at least 500 km\./);
    await press("p", KEY.down, KEY.down, KEY.down, "r");
    await until(lastFrame, (x) => /us-east-1\s.*\sP/.test(x) && /eu-central-1\s.*\sR/.test(x));
    await press("5");
    f = await until(lastFrame, (x) => x.includes("The change to"));
    expect(f).toMatch(/\+  stowage:primaryRegion: us-east-1/);
    // The comment prices the pair picked, not us-east-1 with its own cheapest replica.
    const planned = makePlan({ workload: parseWorkload(raw), users, catalog });
    const pair = planned.option("us-east-1", "eu-central-1").priced!;
    expect(pair.monthlyCost.toFixed(2)).not.toBe(planned.ranking.find((r) => r.region === "us-east-1")!.monthlyCost!.toFixed(2));
    // (The frame cuts the line at its width; the rest is the replica's share and the round trip.)
    expect(f).toContain(`+  # - picked in the planner: $${usd(pair.monthlyCost)} a month with ${pair.label} (the replica in eu-c`);
  });

  it("refuses to write a placement the stack parser would refuse, and says why", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-ui-"));
    const stackFile = join(dir, "Pulumi.prod.yaml");
    const prod = readFileSync("Pulumi.prod.yaml", "utf8");
    await writeFile(stackFile, prod);
    const { lastFrame, press } = await app({ stackFile });
    await press("4");
    await until(lastFrame, (x) => x.includes("Recommended: us-east-2, replica eu-west-1"));
    await press("x", "5"); // no replica: prod requires one
    const f = await until(lastFrame, (x) => x.includes("as this plan would write it, has 1 problem"));
    expect(f).toContain("- stowage:replicaRegions: prod requires at least one replica region");
    await press("w");
    await tick();
    expect(await readFile(stackFile, "utf8")).toBe(prod);
    expect(lastFrame()).not.toContain("Wrote");
  });

  it("shows the diff before writing, writes with w, and keeps the rest of the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-ui-"));
    const stackFile = join(dir, "Pulumi.prod.yaml");
    const original = "# prod: careful\nconfig:\n  aws:region: us-east-2   # keep\n  stowage:retentionDays: 365\n";
    await writeFile(stackFile, original);
    const { lastFrame, press } = await app({ stackFile });
    await press("5");
    const f = await until(lastFrame, (x) => x.includes("+  stowage:primaryRegion: us-east-2"));
    expect(f).toMatch(/w write the stack file · tab/);
    expect(await readFile(stackFile, "utf8")).toBe(original);
    await press("w");
    await until(lastFrame, (x) => x.includes(`Wrote ${stackFile}. Next: pulumi up --stack dev.`));
    const written = await readFile(stackFile, "utf8");
    expect(
      written.startsWith(
        "# prod: careful\nconfig:\n  aws:region: us-east-2   # keep\n  stowage:retentionDays: 365\n  # stowage plan 2026-11-27: us-east-2, replica eu-west-1\n",
      ),
    ).toBe(true);
    await until(lastFrame, (x) => x.includes("already holds this placement"));
  });
});

describe("other providers", () => {
  it("ranks their locations when the users file allows them, and will not write one into the AWS stack", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-ui-"));
    const stackFile = join(dir, "Pulumi.prod.yaml");
    const original = "config:\n  aws:region: us-east-2\n";
    await writeFile(stackFile, original);
    // The client that forbids AWS: the one line in the users file.
    const noAws = parseUsers({ ...parse(readFileSync("examples/users.yaml", "utf8")), constraints: {}, providers: { forbidden: ["aws"] } });
    const { lastFrame, press } = await app({ stackFile, users: noAws, clouds: await loadCloudPrices(), size: { columns: 100, rows: 40 } });
    await press("4");
    const f = await until(lastFrame, (x) => /Recommended: (b2|r2|azure|gcs):/.test(x));
    expect(f).toMatch(/b2:eu-central\s+[\d.]+/);
    expect(f).not.toMatch(/\bus-east-2\s+[\d.]+/);
    await press("5");
    const g = await until(lastFrame, (x) => x.includes("provisions AWS only"));
    expect(g).toMatch(/Cannot update .*Pulumi\.prod\.yaml: the placement puts data in (b2|r2|azure|gcs):/);
    await press("w");
    await tick();
    expect(await readFile(stackFile, "utf8")).toBe(original);
  });
});

describe("every screen", () => {
  it("has the tab row and the help line, and no colour codes when colour is off", async () => {
    const { lastFrame, press } = await app({ color: false });
    for (const n of ["1", "2", "3", "4", "5"]) {
      await press(n);
      const f = await until(lastFrame, (x) => x.includes("1-5 jump · q quit") && x.includes(" 1 Workload"));
      expect(f).not.toMatch(/\u001B\[/);
    }
  });
});

describe("an 80×24 terminal", () => {
  // Every commercial region allowed: the Latency and Placement lists are longer than the screen.
  const everywhere = parseUsers({
    ...(parse(readFileSync("examples/users.yaml", "utf8")) as Record<string, unknown>),
    constraints: { ...(parse(readFileSync("examples/users.yaml", "utf8")) as { constraints: object }).constraints, allowed_regions: undefined },
  });
  const fits = (f: string, rows: number, columns: number) => {
    const lines = f.split("\n");
    return lines.length <= rows && lines.every((l) => [...l].length <= columns) && lines[0]!.includes(" 1 Workload") && /tab\/←→ screens/.test(lines.at(-1)!);
  };

  it("shows every screen whole: the tab row on top, every line of the body, the help line at the bottom", async () => {
    const [rows, columns] = [24, 80];
    const { measure, release } = scriptedMeasure({ "us-east-2": 12, "eu-west-1": 80 });
    const { lastFrame, press } = await app({ users: everywhere, measure, color: false, size: { columns, rows } });
    expect(everywhere.constraints.allowedRegions).toBeNull();
    const check = (f: string, what: string) => {
      if (!fits(f, rows, columns)) throw new Error(`${what} does not fit ${columns}×${rows}:\n${f}`);
      return f;
    };
    check(await until(lastFrame, (x) => x.includes("Workload from")), "Workload");
    await press("2");
    const costs = check(await until(lastFrame, (x) => x.includes("Cumulative cost")), "Costs");
    // Nothing squeezed out: the title, every option's row, the chart's axis and the crossings.
    expect(costs).toMatch(/^Cost in us-east-2/m);
    for (const label of ["S3 Standard", "RDS PostgreSQL", "EBS"]) expect(costs).toContain(label);
    expect(costs.split("\n").filter((l) => /\$[\d,]+\.\d\d\*?$/.test(l))).toHaveLength(10);
    expect(costs).toMatch(/month 1 +month 36/);
    expect(costs).toMatch(/^× month \d+:/m);
    await press("3");
    const running = check(await until(lastFrame, (x) => x.includes("Measuring round trips")), "Latency (running)");
    expect(running).toMatch(/… \d+ more regions/);
    release();
    const done = check(await until(lastFrame, (x) => x.includes("round trips in ms")), "Latency (done)");
    expect(done).toMatch(/^us-east-2 +ok +12\.0/m);
    expect(done).toMatch(/more below \(the full table: stowage latency\)/);
    await press("4");
    const top = check(await until(lastFrame, (x) => x.includes("Pareto front")), "Placement");
    expect(top).toMatch(/more below \(↑↓ scrolls\)/);
    await press(...Array(30).fill(KEY.down));
    const scrolled = check(await until(lastFrame, (x) => /\d+ above/.test(x)), "Placement (scrolled)");
    expect(scrolled.split("\n").some((l) => l.startsWith(">"))).toBe(true); // the cursor stays in view
    await press("5");
    check(await until(lastFrame, (x) => x.includes("The change to")), "Apply");
  });

  it("keeps q quit on every screen's key line, and wraps placement reasons under their bullet", async () => {
    const [rows, columns] = [24, 80];
    const { measure, release } = scriptedMeasure({ "us-east-2": 12, "eu-west-1": 80 });
    const { lastFrame, press } = await app({ measure, color: false, size: { columns, rows } });
    release();
    for (const key of ["1", "2", "3", "4", "5"]) {
      await press(key);
      const f = await until(lastFrame, (x) => x.split("\n").length <= rows && x.split("\n")[0]!.includes(" 1 Workload"));
      expect(f.split("\n").at(-1), `screen ${key}`).toMatch(/ · q quit$/);
    }
    await press("4");
    const f = await until(lastFrame, (x) => x.includes("Pareto front"));
    const lines = f.split("\n");
    expect(lines.at(-1)).toBe("↑↓ region · p primary · r replica · x no replica · tab/←→ screens · 1-5 · q quit");
    // Between "Recommended:" and the blank line above the table: bullets, and lines that continue one, indented.
    const first = lines.findIndex((l) => l.startsWith("Recommended:"));
    const reasons = lines.slice(first + 1, lines.indexOf("", first));
    expect(reasons.length).toBeGreaterThan(reasons.filter((l) => l.startsWith("  - ")).length); // some reason wraps
    for (const l of reasons) expect(l, f).toMatch(/^( {2}- | {4})\S/);
  });
});

describe("resizing", () => {
  it("redraws to the new width", async () => {
    const { lastFrame, press, stdout } = await app();
    await press("2");
    await until(lastFrame, (x) => x.includes("Cumulative cost"));
    Object.defineProperty(stdout, "columns", { value: 60, configurable: true });
    stdout.emit("resize");
    const f = await until(lastFrame, (x) => x.split("\n").every((l) => l.length <= 60) && x.includes("Cumulative cost"));
    expect(f).toMatch(/S3 Standard/);
  });
});

describe("state and chart (pure)", () => {
  it("types keys one by one, backspaces included", () => {
    expect(typeInto("1000", "\x7f\x7f\x7f\x7f42")).toBe("42");
    expect(typeInto("", "\x01ab\x7fc")).toBe("ac");
  });
  it("edits a copy of the workload, numbers as numbers", () => {
    const next = withField(raw, ["data", "initial_gb"], "2500", "number");
    expect((next.data as Record<string, unknown>).initial_gb).toBe(2500);
    expect((raw.data as Record<string, unknown>).initial_gb).toBe(1000);
    expect(withField(raw, ["region"], " eu-west-1 ", "text").region).toBe("eu-west-1");
  });
  it("cycles screens and fields, and keeps the cursor in range", () => {
    let s = initialState(raw);
    s = reducer(s, { type: "prev-screen" });
    expect(s.screen).toBe("apply");
    s = reducer(s, { type: "next-screen" });
    expect(s.screen).toBe("workload");
    s = reducer(s, { type: "field", delta: -1 });
    expect(s.field).toBe(8);
    s = reducer(s, { type: "cursor", delta: 10, rows: 5 });
    expect(s.cursor).toBe(4);
  });
  it("finds crossings and marks them on the chart", () => {
    const series = [
      { id: "a", mark: "a", values: [1, 2, 3, 4] },
      { id: "b", mark: "b", values: [2, 2.5, 2.9, 3.2] },
    ];
    expect(crossings(series)).toEqual([{ month: 3, a: "a", b: "b" }]);
    const lines = chartLines(series, 40, 6);
    expect(lines.join("\n")).toContain("×");
    expect(lines.at(-1)).toMatch(/month 1\s+month 4/);
  });
});
