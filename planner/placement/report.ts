/**
 * `stowage plan`: I/O around the placement (files, optional live measurement, the stack file), returned as a report;
 * cli/render/plan.ts renders it and cli/commands/plan.ts writes it.
 */
import { join } from "node:path";
import { defaultSnapshotDir } from "../../core/paths.js";
import { loadWorkload } from "../../core/cost/workload.js";
import { loadSnapshot, staleWarning } from "../../core/pricing/snapshot.js";
import { looksOffline } from "../latency/report.js";
import { regionTarget } from "../latency/probe.js";
import { sweep } from "../latency/sweep.js";
import { REGIONS } from "../../core/regions.js";
import { decisionText, diffText, type Decision } from "../../core/stack/decision.js";
import { newStackNote, readStackFile, stackFileName, writeStackFile } from "../../core/stack/file.js";
import type { OptionId } from "../../core/cost/horizon.js";
import { notForTheStack, plan, scheduleFor, type PlanResult } from "./plan.js";
import { loadCloudPrices } from "../../core/clouds/load.js";
import { splitLocationId } from "../../core/clouds/locations.js";
import { UserError } from "../../core/errors.js";
import { loadUsers, type Users } from "./users.js";

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

/** What `stowage plan` found and did, for the command to render: the plan and the stack file's change. */
export interface PlanReport {
  readonly result: PlanResult;
  readonly latencyObjectiveMs: number;
  /** The stack file's change (--stack): its diff, empty when it already holds the placement, and whether it was written. */
  readonly stack?: { readonly file: string; readonly diff: string; readonly written: boolean };
}

/**
 * Plans, and with --stack shows (or with --write writes) the decision into the stack file. `note` takes progress lines
 * and `warn` warnings (stale prices), as they happen: the command says where they go.
 */
export async function planReport(args: PlanArgs, note: (s: string) => void, warn: (s: string) => void): Promise<PlanReport> {
  const [workload, read, snapshot] = await Promise.all([loadWorkload(args.workload), loadUsers(args.users), loadSnapshot(args.prices ?? defaultSnapshotDir())]);
  const users = args.nearTiePct === undefined ? read : { ...read, constraints: { ...read.constraints, nearTieMargin: args.nearTiePct / 100 } };
  const stale = staleWarning(snapshot.asOf);
  if (stale) warn(stale);
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
  };
}
