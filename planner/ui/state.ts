/**
 * The planner's state and every change to it, as a pure reducer (cli-kit's use-select-state pattern): the
 * components only render state and dispatch actions, so every key's effect is testable without a terminal.
 */
import type { ProbeResult } from "../latency/probe.js";

export const SCREENS = ["workload", "costs", "latency", "placement", "apply"] as const;
export type ScreenId = (typeof SCREENS)[number];
export const SCREEN_TITLES: Readonly<Record<ScreenId, string>> = {
  workload: "Workload",
  costs: "Costs",
  latency: "Latency",
  placement: "Placement",
  apply: "Apply",
};

/** The workload numbers a user can edit on the Workload screen: a path into the workload file and a label. */
export const FIELDS = [
  { path: ["region"], label: "Region", kind: "text" },
  { path: ["horizon_months"], label: "Horizon (months)", kind: "number" },
  { path: ["data", "initial_gb"], label: "Data today (GB)", kind: "number" },
  { path: ["data", "monthly_growth_gb"], label: "Growth (GB/month)", kind: "number" },
  { path: ["data", "average_object_kb"], label: "Average object (KB)", kind: "number" },
  { path: ["requests", "monthly_writes"], label: "Writes (PUT/LIST a month)", kind: "number" },
  { path: ["requests", "monthly_reads"], label: "Reads (GET a month)", kind: "number" },
  { path: ["access", "monthly_read_gb"], label: "Read back (GB/month)", kind: "number" },
  { path: ["access", "monthly_egress_gb"], label: "Internet egress (GB/month)", kind: "number" },
] as const;

export interface LatencyRow {
  readonly region: string;
  readonly done: number;
  readonly total: number;
  readonly result?: ProbeResult;
}

export interface State {
  readonly screen: ScreenId;
  /** The workload as raw YAML data: edits go here, and are validated before they take effect. */
  readonly raw: Record<string, unknown>;
  readonly field: number;
  /** The text being typed into the selected field, or null when not editing. */
  readonly editing: string | null;
  /** A problem to show in place (bad input, a failed write); cleared by the next key. */
  readonly error: string | null;
  readonly latency: { readonly phase: "idle" | "running" | "done"; readonly rows: readonly LatencyRow[]; readonly offline: boolean };
  /** Row under the cursor on the Placement screen. */
  readonly cursor: number;
  readonly pick: { readonly primary: string | null; readonly replica: string | null };
  readonly applied: string | null;
}

export type Action =
  | { type: "screen"; to: ScreenId }
  | { type: "next-screen" }
  | { type: "prev-screen" }
  | { type: "field"; delta: number }
  | { type: "edit-start" }
  | { type: "edit-key"; text: string }
  | { type: "edit-backspace" }
  | { type: "edit-cancel" }
  | { type: "edit-commit"; raw: Record<string, unknown> }
  | { type: "error"; message: string | null }
  | { type: "latency-start"; regions: readonly string[]; samples: number }
  | { type: "latency-sample"; region: string; done: number }
  | { type: "latency-result"; result: ProbeResult }
  | { type: "latency-done"; offline: boolean }
  | { type: "cursor"; delta: number; rows: number }
  | { type: "pick"; primary?: string | null; replica?: string | null }
  | { type: "applied"; message: string };

export function initialState(raw: Record<string, unknown>, pick: State["pick"] = { primary: null, replica: null }): State {
  return {
    screen: "workload",
    raw,
    field: 0,
    editing: null,
    error: null,
    latency: { phase: "idle", rows: [], offline: false },
    cursor: 0,
    pick,
    applied: null,
  };
}

export function fieldValue(raw: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = raw;
  for (const k of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** A copy of `raw` with one field set; a number field gets a number when the text is one. */
export function withField(raw: Record<string, unknown>, path: readonly string[], text: string, kind: "text" | "number"): Record<string, unknown> {
  const value: unknown = kind === "number" && text.trim() !== "" && !Number.isNaN(Number(text)) ? Number(text) : text.trim();
  const copy: Record<string, unknown> = structuredClone(raw);
  let node = copy;
  path.slice(0, -1).forEach((k) => {
    if (!node[k] || typeof node[k] !== "object") node[k] = {};
    node = node[k] as Record<string, unknown>;
  });
  node[path.at(-1)!] = value;
  return copy;
}

/**
 * Applies typed characters to a field's text. A terminal may deliver several keys in one chunk ("\x7f\x7f42"):
 * backspaces delete, printable characters append, other control characters are ignored.
 */
export function typeInto(text: string, chunk: string): string {
  let out = text;
  for (const ch of chunk) {
    if (ch === "\x7f" || ch === "\b") out = out.slice(0, -1);
    else if (ch >= " ") out += ch;
  }
  return out;
}

const cycle = (i: number, n: number) => ((i % n) + n) % n;

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case "screen":
      return { ...state, screen: action.to, editing: null, error: null };
    case "next-screen":
    case "prev-screen": {
      const i = SCREENS.indexOf(state.screen) + (action.type === "next-screen" ? 1 : -1);
      return { ...state, screen: SCREENS[cycle(i, SCREENS.length)]!, editing: null, error: null };
    }
    case "field":
      return { ...state, field: cycle(state.field + action.delta, FIELDS.length), error: null };
    case "edit-start": {
      const f = FIELDS[state.field]!;
      const v = fieldValue(state.raw, f.path);
      return { ...state, editing: v === undefined || v === null ? "" : String(v), error: null };
    }
    case "edit-key":
      return state.editing === null ? state : { ...state, editing: typeInto(state.editing, action.text) };
    case "edit-backspace":
      return state.editing === null ? state : { ...state, editing: state.editing.slice(0, -1) };
    case "edit-cancel":
      return { ...state, editing: null, error: null };
    case "edit-commit":
      return { ...state, raw: action.raw, editing: null, error: null, applied: null };
    case "error":
      return { ...state, error: action.message };
    case "latency-start":
      return { ...state, latency: { phase: "running", offline: false, rows: action.regions.map((region) => ({ region, done: 0, total: action.samples })) } };
    case "latency-sample":
      return { ...state, latency: { ...state.latency, rows: state.latency.rows.map((r) => (r.region === action.region ? { ...r, done: action.done } : r)) } };
    case "latency-result":
      return {
        ...state,
        latency: {
          ...state.latency,
          rows: state.latency.rows.map((r) => (r.region === action.result.name ? { ...r, done: r.total, result: action.result } : r)),
        },
      };
    case "latency-done":
      return { ...state, latency: { ...state.latency, phase: "done", offline: action.offline } };
    case "cursor":
      return { ...state, cursor: action.rows === 0 ? 0 : Math.max(0, Math.min(action.rows - 1, state.cursor + action.delta)) };
    case "pick":
      return {
        ...state,
        error: null,
        applied: null,
        pick: {
          primary: action.primary === undefined ? state.pick.primary : action.primary,
          replica: action.replica === undefined ? state.pick.replica : action.replica,
        },
      };
    case "applied":
      return { ...state, applied: action.message, error: null };
  }
}
