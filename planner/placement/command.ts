/**
 * `stowage plan`: I/O around the placement (files, optional live measurement, the stack file), returned as a report
 * with its renderings; cli/commands/plan.ts writes them.
 */
import { EXIT, type ExitCode } from "../../core/exit.js";
import { join } from "node:path";
import { UserError } from "../../core/errors.js";
import { usd } from "../../core/money.js";
import { defaultSnapshotDir } from "../../core/paths.js";
import { loadWorkload } from "../../core/cost/workload.js";
import { loadSnapshot, warnIfStale } from "../../core/pricing/snapshot.js";
import { looksOffline } from "../latency/report.js";
import { regionTarget } from "../latency/probe.js";
import { sweep } from "../latency/sweep.js";
import { REGIONS } from "../../core/regions.js";
import { decisionText, diffText, type Decision } from "../../core/stack/decision.js";
import { newStackNote, readStackFile, stackFileName, writeStackFile } from "../../core/stack/file.js";
import type { OptionId } from "../../core/cost/horizon.js";
import { isOtherProvider, notForTheStack, plan, scheduleFor, type PlanResult } from "./plan.js";
import { loadCloudPrices } from "../../core/clouds/load.js";
import { splitLocationId } from "../../core/clouds/locations.js";
import { loadUsers, type Users } from "./users.js";
import { markdownTable, textTable } from "../../core/render.js";

export interface PlanArgs {
  readonly workload: string;
  readonly users: string;
  readonly stack?: string;
  /** Folder holding the stack files (default: the current folder). */
  readonly stackDir?: string;
  readonly write: boolean;
  readonly format: "table" | "json" | "markdown";
  readonly offline: boolean;
  readonly prices?: string;
  readonly deadlineMs: number;
  /** ISO date recorded with the decision (default today). */
  readonly today?: string;
  /** Overrides the users file's near_tie_pct. */
  readonly nearTiePct?: number;
}

/**
 * Live round trips from here, for the population marked `here`: to the allowed AWS regions, and to every other
 * provider's location the users file gives an endpoint for (`providers.endpoints`); null when not wanted.
 */
export async function measureHere(users: Users, deadlineMs: number, note: (s: string) => void): Promise<Map<string, number> | null> {
  const here = users.populations.find((p) => p.here);
  if (!here) return null;
  const aws = users.providers.includes("aws");
  const codes = aws ? REGIONS.map((r) => r.code).filter((c) => users.constraints.allowedRegions?.includes(c) ?? true) : [];
  const endpoints = users.endpoints.filter((t) => users.providers.includes(splitLocationId(t.name).provider));
  if (codes.length + endpoints.length === 0) {
    note(`${here.name}'s round trips are estimated: AWS is not an allowed provider, and the users file gives no providers.endpoints to measure.`);
    return null;
  }
  const { results } = await sweep([...codes.map(regionTarget), ...endpoints], { samples: 3, timeoutMs: 1500, deadlineMs, concurrency: 8 });
  if (looksOffline(results)) {
    note(`No network here (no DNS answer or no route): ${here.name}'s round trips are estimated, like everyone else's.`);
    return null;
  }
  const live = new Map<string, number>();
  for (const r of results) if (r.status === "ok" && r.rttMs) live.set(r.name, r.rttMs.median);
  const missing = [...codes, ...endpoints.map((t) => t.name)].filter((c) => !live.has(c));
  if (missing.length) note(`No live measurement for ${missing.join(", ")}: estimated for ${here.name} there.`);
  return live;
}

export function decisionOf(result: PlanResult, date: string): Decision | null {
  const rec = result.recommendation;
  if (!rec) return null;
  const schedule = scheduleFor(rec.strategyId as OptionId, result.workload);
  return {
    primaryRegion: rec.primary,
    replicaRegions: rec.replicas,
    ...{ uploadStorageClass: schedule.uploadStorageClass, lifecycle: schedule.transitions },
    date,
    reasons: rec.reasons,
  };
}

const cents = (d: { toFixed(n: number): string } | null) => (d === null ? null : d.toFixed(2));

export function planJson(result: PlanResult) {
  return {
    recommendation: result.recommendation && {
      primary: result.recommendation.primary,
      replicas: result.recommendation.replicas,
      strategy: result.recommendation.strategy,
      monthlyCost: cents(result.recommendation.monthlyCost),
      reasons: result.recommendation.reasons,
    },
    unmet: result.unmet,
    ranking: result.ranking.map((r) => ({
      region: r.region,
      // Only when the plan compares providers: AWS-only plans keep the shape they always had.
      ...(isOtherProvider(r.region) ? { provider: splitLocationId(r.region).provider } : {}),
      monthlyCost: cents(r.monthlyCost),
      strategy: r.strategy,
      price: r.price,
      unpriced: r.unpriced && {
        strategy: r.unpriced.label,
        replica: r.unpriced.replica,
        low: cents(r.unpriced.low),
        high: cents(r.unpriced.high),
        missing: r.unpriced.missing,
        refresh: r.unpriced.regions.map((g) => `stowage pricing refresh --region ${g}`),
      },
      weightedRttMs: r.weightedRttMs,
      worstRttMs: r.worstRttMs,
      coverage: r.coverage,
      estimated: r.estimated,
      latencyConfidence: r.latencyConfidence,
      replica: r.replica && { region: r.replica.region, distanceKm: r.replica.distanceKm, monthlyCost: cents(r.replica.monthlyCost) },
      feasible: r.feasible,
      rejectedBecause: r.rejectedBecause,
      latency: r.latency.map((l) => ({
        population: l.population,
        rttMs: Math.round(l.rttMs * 10) / 10,
        estimated: l.estimated,
        ...(l.highMs !== undefined ? { highMs: Math.round(l.highMs * 10) / 10 } : {}),
        ...(l.basis !== undefined ? { basis: l.basis } : {}),
      })),
    })),
    front: result.front,
  };
}

export function planText(result: PlanResult, objectiveMs: number, markdown: boolean): string {
  const out: string[] = [];
  const rec = result.recommendation;
  const h = (s: string) => (markdown ? `### ${s}` : s);
  if (rec) {
    out.push(
      h(`Recommendation: ${rec.primary}${rec.replicas.length ? `, replica in ${rec.replicas.join(", ")}` : ""} — $${usd(rec.monthlyCost)} a month on average`),
    );
    for (const r of rec.reasons) out.push(`- ${r}`);
  } else {
    out.push(h("No region meets every constraint"));
    for (const u of result.unmet) out.push(`- ${u.constraint}: ${u.message}`);
  }
  const shown = result.ranking.filter((r) => !r.rejectedBecause.includes("not in allowed_regions"));
  const hidden = result.ranking.length - shown.length;
  const header = ["region", "$/month", "weighted ms", "worst ms", `within ${objectiveMs} ms`, "feasible", "why not"];
  const rows = shown.map((r) => [
    r.region,
    r.monthlyCost ? usd(r.monthlyCost) : r.unpriced ? `${usd(r.unpriced.low)}–${usd(r.unpriced.high)}?` : "-",
    `${r.weightedRttMs}${r.estimated ? "*" : ""}`,
    `${r.worstRttMs}`,
    `${Math.round(r.coverage * 100)}%`,
    r.feasible
      ? r.latencyConfidence === "likely" || r.latencyConfidence === "unknown"
        ? r.latencyConfidence
        : "yes"
      : r.price === "unknown" && r.rejectedBecause.length === 1
        ? "unknown"
        : "no",
    r.rejectedBecause.join("; "),
  ]);
  out.push("");
  const numeric = (c: number) => c >= 1 && c <= 4;
  out.push(markdown ? markdownTable([header, ...rows], numeric) : textTable([header, ...rows], numeric));
  out.push("");
  if (hidden) out.push(`${hidden} other regions are not in allowed_regions.`);
  out.push(`Cost/latency Pareto front: ${result.front.join(", ") || "none"}.`);
  out.push("* estimated offline (see `stowage latency --offline`, and `--calibration` for how well it fits); the rest measured from here.");
  if (shown.some((r) => r.feasible && r.latencyConfidence === "likely")) {
    out.push("likely: meets the latency limits by the estimates, but not at the high end of their 80% intervals.");
  }
  if (shown.some((r) => r.feasible && r.latencyConfidence === "unknown")) {
    out.push("unknown (latency): routing unknown, no measured region near a population; the estimate is physics only.");
  }
  if (shown.some((r) => r.unpriced)) {
    out.push("lo–hi?: a price is missing; the range puts it at the cheapest and the dearest other region's. unknown: would be feasible but for that.");
  }
  return `${out.join("\n")}\n`;
}

/** What `stowage plan` found and did, for the command to render: the plan, the stack file's change, the exit code. */
export interface PlanReport {
  readonly result: PlanResult;
  readonly latencyObjectiveMs: number;
  /** The stack file's change (--stack): its diff, empty when it already holds the placement, and whether it was written. */
  readonly stack?: { readonly file: string; readonly diff: string; readonly written: boolean };
  readonly exitCode: ExitCode;
}

/** Plans, and with --stack shows (or with --write writes) the decision into the stack file; `note` takes progress lines. */
export async function planReport(args: PlanArgs, note: (s: string) => void): Promise<PlanReport> {
  const [workload, read, snapshot] = await Promise.all([loadWorkload(args.workload), loadUsers(args.users), loadSnapshot(args.prices ?? defaultSnapshotDir())]);
  const users = args.nearTiePct === undefined ? read : { ...read, constraints: { ...read.constraints, nearTieMargin: args.nearTiePct / 100 } };
  warnIfStale(snapshot.asOf);
  const live = args.offline ? null : await measureHere(users, args.deadlineMs, note);
  const clouds = users.providers.some((p) => p !== "aws") ? await loadCloudPrices() : null;
  const result = plan({ workload, users, catalog: snapshot.catalog, ...(live ? { live } : {}), ...(clouds ? { clouds } : {}) });
  let stack: PlanReport["stack"];
  if (args.stack) {
    const file = join(args.stackDir ?? ".", stackFileName(args.stack));
    const fresh = await newStackNote(args.stackDir ?? ".", args.stack);
    if (fresh) note(fresh);
    const rec = result.recommendation;
    const refused = rec ? notForTheStack([rec.primary, ...rec.replicas]) : null;
    if (refused && args.write) throw new UserError(`${file} is left as it was: ${refused.why}`, refused.next);
    if (refused) note(`${file} is left as it was: ${refused.why} ${refused.next}`);
    const decision = refused ? null : decisionOf(result, args.today ?? new Date().toISOString().slice(0, 10));
    if (decision) {
      const before = await readStackFile(file);
      // The stack parser judges the file as it would be written; what it refuses is exit 2 and the file stays as it was.
      const after = decisionText(file, before, decision);
      if (args.write && after !== before) await writeStackFile(file, after);
      stack = { file, diff: after === before ? "" : diffText(file, before, after), written: args.write && after !== before };
    } else if (args.write && !refused) {
      note(`Nothing written to ${file}: there is no feasible placement to write.`);
    }
  }
  return {
    result,
    latencyObjectiveMs: users.constraints.latencyObjectiveMs,
    ...(stack ? { stack } : {}),
    exitCode: result.recommendation ? EXIT.OK : EXIT.NO_FEASIBLE_PLACEMENT,
  };
}

/** The report as the user asked for it: JSON, or the table (text or markdown) with the stack file's change. */
export function renderPlan(report: PlanReport, format: PlanArgs["format"]): string {
  const { result, stack } = report;
  if (format === "json") return `${JSON.stringify({ ...planJson(result), ...(stack ? { stack } : {}) }, null, 2)}\n`;
  let text = planText(result, report.latencyObjectiveMs, format === "markdown");
  if (stack) {
    text += stack.diff
      ? `\n${stack.written ? `Wrote ${stack.file}:` : `${stack.file} would change like this (add --write to write it):`}\n${stack.diff}`
      : `\n${stack.file} already holds this placement.\n`;
  }
  return text;
}

export function requireFile(value: string | undefined, flag: string, example: string): string {
  if (!value)
    throw new UserError(`${flag} FILE is required.`, `Try \`stowage plan --workload examples/workload.yaml --users examples/users.yaml\` (${example}).`);
  return value;
}
