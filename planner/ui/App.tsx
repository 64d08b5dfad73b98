/**
 * The planner: five screens over one state (state.ts). Computation is the pure cores' (estimate, plan, applyDecision);
 * this component wires keys to actions and runs the two effects that do I/O: the latency sweep and the stack file.
 */
import { Box, Text, useApp, useInput, useStdout } from "ink";
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { estimate, type CostReport, type OptionId } from "../../core/cost/horizon.js";
import { parseWorkload } from "../../core/cost/workload.js";
import { ProblemsError, UserError } from "../../core/errors.js";
import { haversineKm } from "../latency/predict.js";
import type { ProbeResult } from "../latency/probe.js";
import { looksOffline } from "../latency/report.js";
import type { SweepEvent } from "../latency/sweep.js";
import { usd } from "../../core/money.js";
import { plan as makePlan, notForTheStack, scheduleFor, type PlanResult } from "../placement/plan.js";
import type { CloudPrices } from "../placement/clouds.js";
import type { Users } from "../placement/users.js";
import type { Catalog } from "../../core/pricing/catalog.js";
import { REGIONS, findRegion } from "../../core/regions.js";
import { decisionText, diffText, type Decision } from "../../core/stack/decision.js";
import { readStackFile, writeStackFile } from "../../core/stack/file.js";
import { ApplyScreen } from "./ApplyScreen.js";
import { CostsScreen } from "./CostsScreen.js";
import { HelpLine, Tabs } from "./HelpLine.js";
import { LatencyScreen } from "./LatencyScreen.js";
import { PlacementScreen } from "./PlacementScreen.js";
import { FIELDS, SCREENS, initialState, reducer, typeInto, withField, type Action } from "./state.js";
import { WorkloadScreen } from "./WorkloadScreen.js";

/** Probes regions, reporting progress; the real one is a latency sweep (run.tsx), tests may pass their own. */
export type Measure = (regions: readonly string[], samples: number, onEvent: (e: SweepEvent) => void) => Promise<ProbeResult[]>;

export interface AppProps {
  /** The workload file's data, as parsed YAML (edited in place on the Workload screen). */
  readonly raw: Record<string, unknown>;
  readonly workloadSource: string;
  readonly users: Users;
  readonly catalog: Catalog;
  /** Other providers' prices, when the users file allows a provider other than AWS. */
  readonly clouds?: CloudPrices;
  readonly pricesAsOf: string | null;
  /** The stack file the Apply screen writes, and the stack's name. */
  readonly stackFile: string;
  readonly stack: string;
  readonly measure: Measure;
  /** Samples per region on the Latency screen (default 3). */
  readonly samples?: number;
  /** Colours off (NO_COLOR): emphasis by text only. */
  readonly color?: boolean;
  /** ISO date recorded with the decision (default today). */
  readonly today?: string;
}

const KEYS: Record<(typeof SCREENS)[number], string> = {
  workload: "↑↓ field · enter edit/confirm · esc cancel",
  costs: "",
  latency: "",
  placement: "↑↓ region · p primary · r replica · x no replica",
  apply: "w write the stack file",
};

/** The user's pick; until they pick anything, the recommendation's primary and replica. */
function effectivePick(pick: { primary: string | null; replica: string | null }, plan: PlanResult | null) {
  if (pick.primary === null && pick.replica === null) {
    return { primary: plan?.recommendation?.primary ?? null, replica: plan?.recommendation?.replicas[0] ?? null };
  }
  return { primary: pick.primary ?? plan?.recommendation?.primary ?? null, replica: pick.replica };
}

function cached<K extends object, V>(map: WeakMap<K, V>, key: K, compute: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = compute();
    map.set(key, v);
  }
  return v;
}

/** The terminal's size, following resizes (100×40 where the stream does not say). */
function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 100, rows: stdout.rows || 40 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return size;
}

/** Lines around every screen's body: the tab row, a blank line above and below the body, the help line. */
const CHROME_LINES = 4;

export function App({ raw, workloadSource, users, catalog, clouds, pricesAsOf, stackFile, stack, measure, samples = 3, color = true, today }: AppProps) {
  const { exit } = useApp();
  const { columns, rows: terminalRows } = useTerminalSize();
  const [rendered, dispatchToReact] = useReducer(reducer, raw, (r) => initialState(r));
  // Keys can arrive faster than React renders ("5000\r2" in one burst). The reducer is pure, so the input handler
  // keeps its own copy of the latest state by running it too, and never acts on a stale frame's state.
  const latest = useRef(rendered);
  const dispatch = useCallback((action: Action) => {
    latest.current = reducer(latest.current, action);
    dispatchToReact(action);
  }, []);
  const state = rendered;
  const [stackText, setStackText] = useState<string | null>(null);

  const workload = useMemo(() => parseWorkload(state.raw), [state.raw]);
  // Costs and the plan are computed when a screen first needs them (the first frame needs neither), then kept per
  // workload and measurement: moving between screens does not recompute them.
  const reports = useRef(new WeakMap<object, CostReport>());
  const plans = useRef(new WeakMap<object, Map<unknown, PlanResult>>());
  const needsReport = state.screen === "costs";
  const needsPlan = state.screen === "placement" || state.screen === "apply";
  const report = useMemo(
    () => (needsReport ? cached(reports.current, workload, () => estimate(workload, catalog, pricesAsOf)) : null),
    [needsReport, workload, catalog, pricesAsOf],
  );
  const live = useMemo(() => {
    if (state.latency.phase !== "done" || state.latency.offline) return undefined;
    const m = new Map<string, number>();
    for (const r of state.latency.rows) if (r.result?.status === "ok" && r.result.rttMs) m.set(r.region, r.result.rttMs.median);
    return m;
  }, [state.latency]);
  const plan = useMemo(() => {
    if (!needsPlan) return null;
    const byLive = cached(plans.current, workload, () => new Map<unknown, PlanResult>());
    if (!byLive.has(live)) byLive.set(live, makePlan({ workload, users, catalog, ...(live ? { live } : {}), ...(clouds ? { clouds } : {}) }));
    return byLive.get(live)!;
  }, [needsPlan, workload, users, catalog, clouds, live]);
  const rows = useMemo(() => plan?.ranking.filter((r) => !r.rejectedBecause.includes("not in allowed_regions")) ?? [], [plan]);
  const { primary, replica } = effectivePick(state.pick, plan);
  const latencyRegions = useMemo(
    () => (users.providers.includes("aws") ? REGIONS.map((r) => r.code).filter((c) => users.constraints.allowedRegions?.includes(c) ?? true) : []),
    [users],
  );
  const place = (users.populations.find((p) => p.here) ?? users.populations[0]!).place;

  // Latency: probe the allowed regions the first time the screen is shown. The sweep runs on after the user moves
  // to another screen (its results feed the placement); only unmounting stops listening to it.
  const probing = useRef<"no" | "started">("no");
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);
  useEffect(() => {
    if (state.screen !== "latency" || probing.current === "started") return;
    probing.current = "started";
    const regions = latencyRegions;
    dispatch({ type: "latency-start", regions, samples });
    measure(regions, samples, (e) => {
      if (!mounted.current) return;
      if (e.type === "sample") dispatch({ type: "latency-sample", region: e.target.name, done: e.done });
      if (e.type === "done") dispatch({ type: "latency-result", result: e.result });
    }).then(
      (results) => mounted.current && dispatch({ type: "latency-done", offline: looksOffline(results) }),
      (err: Error) => mounted.current && dispatch({ type: "error", message: `Latency probes failed: ${err.message}` }),
    );
  }, [state.screen, latencyRegions, measure, samples, dispatch]);

  useEffect(() => {
    readStackFile(stackFile).then(setStackText, (err: Error) => dispatch({ type: "error", message: err.message }));
  }, [stackFile, state.applied]);

  const decision: Decision | null = useMemo(() => {
    if (!primary || !plan) return null;
    // The picked pair's own option: its strategy and price, not those of the primary's best replica.
    const picked = plan.option(primary, replica).priced;
    if (!picked) return null;
    const schedule = scheduleFor(picked.strategy as OptionId, workload);
    const rec = plan.recommendation;
    const row = plan.ranking.find((r) => r.region === primary)!;
    const asRecommended = rec && rec.primary === primary && (rec.replicas[0] ?? null) === replica;
    const reasons = asRecommended
      ? rec.reasons
      : [
          `picked in the planner: $${usd(picked.monthlyCost)} a month with ${picked.label}${replica ? ` (the replica in ${replica} adds $${usd(picked.replicaMonthlyCost!)})` : ""}, weighted round trip ${row.weightedRttMs} ms${rec ? `; the recommendation was ${rec.primary}${rec.replicas.length ? ` with ${rec.replicas.join(", ")}` : ""}` : ""}`,
          ...row.rejectedBecause.map((r) => `picked although ${r}`),
        ];
    return {
      primaryRegion: primary,
      replicaRegions: replica ? [replica] : [],
      uploadStorageClass: schedule.uploadStorageClass,
      lifecycle: schedule.transitions,
      date: today ?? new Date().toISOString().slice(0, 10),
      reasons,
    };
  }, [primary, replica, plan, workload, today]);

  const stackAfter = useMemo(() => {
    if (stackText === null || !decision) return null;
    const refused = notForTheStack([decision.primaryRegion, ...decision.replicaRegions]);
    if (refused) return new Error(`${refused.why} ${refused.next}`);
    try {
      // Checked by the stack parser: a placement it would refuse is shown with its problems, and `w` writes nothing.
      return decisionText(stackFile, stackText, decision);
    } catch (err) {
      return err as Error;
    }
  }, [stackText, decision, stackFile]);

  // What the keys act on, as of the last render. Ink re-subscribes the input handler in an effect, which can run
  // after a key arrives; reading through a ref set during render never sees an older frame's rows.
  const view = useRef({ plan, rows, stackAfter, stackText });
  view.current = { plan, rows, stackAfter, stackText };

  useInput((input, key) => {
    const state = latest.current;
    const { plan, rows, stackAfter, stackText } = view.current;
    const { primary, replica } = effectivePick(state.pick, plan);
    if (state.editing !== null) {
      // Enter may arrive in the same chunk as the digits before it ("5000\r").
      const enter = key.return || input.includes("\r");
      if (enter) {
        const f = FIELDS[state.field]!;
        const next = withField(state.raw, f.path, typeInto(state.editing, input.split("\r")[0] ?? ""), f.kind);
        try {
          parseWorkload(next);
          dispatch({ type: "edit-commit", raw: next });
        } catch (err) {
          dispatch({ type: "error", message: err instanceof ProblemsError ? err.problems.join("; ") : err instanceof UserError ? err.message : String(err) });
        }
      } else if (key.escape) dispatch({ type: "edit-cancel" });
      else if (key.backspace || key.delete) dispatch({ type: "edit-backspace" });
      else if (input && !key.ctrl && !key.meta) dispatch({ type: "edit-key", text: input });
      return;
    }
    if (input === "q" || (key.ctrl && input === "c")) return exit();
    if (key.tab && key.shift) return dispatch({ type: "prev-screen" });
    if (key.tab || key.rightArrow) return dispatch({ type: "next-screen" });
    if (key.leftArrow) return dispatch({ type: "prev-screen" });
    const n = Number(input);
    if (Number.isInteger(n) && n >= 1 && n <= SCREENS.length) return dispatch({ type: "screen", to: SCREENS[n - 1]! });
    switch (state.screen) {
      case "workload":
        if (key.upArrow) dispatch({ type: "field", delta: -1 });
        else if (key.downArrow) dispatch({ type: "field", delta: 1 });
        else if (key.return) dispatch({ type: "edit-start" });
        break;
      case "placement": {
        const row = rows[state.cursor];
        if (key.upArrow) dispatch({ type: "cursor", delta: -1, rows: rows.length });
        else if (key.downArrow) dispatch({ type: "cursor", delta: 1, rows: rows.length });
        else if (input === "p" && row) {
          if (row.monthlyCost === null) dispatch({ type: "error", message: `${row.region} has no complete price; it cannot be the primary.` });
          else dispatch({ type: "pick", primary: row.region, replica: replica === row.region ? null : replica });
        } else if (input === "r" && row) {
          const min = users.constraints.replica.minDistanceKm;
          const km = primary ? haversineKm(findRegion(primary)!, findRegion(row.region)!) : 0;
          if (row.region === primary) dispatch({ type: "error", message: "The replica must be in another region than the primary." });
          else if (km < min)
            dispatch({ type: "error", message: `${row.region} is ${Math.round(km)} km from ${primary}; the users file asks for at least ${min} km.` });
          else dispatch({ type: "pick", primary, replica: row.region });
        } else if (input === "x") dispatch({ type: "pick", primary, replica: null });
        break;
      }
      case "apply":
        if (input === "w" && typeof stackAfter === "string" && stackText !== null) {
          if (stackAfter === stackText) dispatch({ type: "applied", message: "Nothing to write: the stack file already holds this placement." });
          else
            writeStackFile(stackFile, stackAfter).then(
              () => dispatch({ type: "applied", message: `Wrote ${stackFile}. Next: pulumi up --stack ${stack}.` }),
              (err: Error) => dispatch({ type: "error", message: `Could not write ${stackFile}: ${err.message}` }),
            );
        }
        break;
      default:
        break;
    }
  });

  // Every screen fits the terminal: the tab row must never scroll away. Screens size their lists and chart to this;
  // the body box clips whatever still would not fit.
  const height = Math.max(3, terminalRows - CHROME_LINES - (state.error ? 1 : 0));
  let body;
  switch (state.screen) {
    case "workload":
      body = <WorkloadScreen raw={state.raw} field={state.field} editing={state.editing} source={workloadSource} color={color} />;
      break;
    case "costs":
      body = report ? (
        <CostsScreen report={report} pricedRegion={catalog.regions().includes(report.region)} width={columns} height={height} color={color} />
      ) : null;
      break;
    case "latency":
      body = <LatencyScreen latency={state.latency} place={place} height={height} color={color} />;
      break;
    case "placement":
      body = plan ? (
        <PlacementScreen plan={plan} rows={rows} cursor={state.cursor} pick={{ primary, replica }} height={height} width={columns} color={color} />
      ) : null;
      break;
    case "apply":
      body =
        stackAfter instanceof Error ? (
          <Text>
            {stackAfter instanceof ProblemsError ? `${stackAfter.message}\n${stackAfter.tryMessage}` : `Cannot update ${stackFile}: ${stackAfter.message}`}
          </Text>
        ) : stackAfter === null ? (
          <Text>{decision ? `Reading ${stackFile}…` : "Pick a primary region on the Placement screen first."}</Text>
        ) : (
          <ApplyScreen
            file={stackFile}
            stack={stack}
            diff={stackAfter === stackText ? "" : diffText(stackFile, stackText!, stackAfter)}
            message={state.applied}
            height={height}
            color={color}
          />
        );
      break;
  }
  return (
    <Box flexDirection="column" width={columns}>
      <Tabs screen={state.screen} color={color} />
      <Text> </Text>
      <Box flexDirection="column" height={height} overflowY="hidden">
        <Box flexDirection="column" flexShrink={0}>
          {body}
        </Box>
      </Box>
      <Text> </Text>
      {state.error ? <Text color={color ? "red" : undefined} wrap="truncate-end">{`! ${state.error}`}</Text> : null}
      <HelpLine keys={KEYS[state.screen] || "no keys of its own"} color={color} width={columns} />
    </Box>
  );
}
