/**
 * `stowage latency`: the I/O around the sweep and the estimator (the CA file, the probes), returned as a report with
 * what to say beside it; cli/render/latency.ts renders it and cli/commands/latency.ts writes it, shows the progress
 * and chooses the exit code.
 */
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { UserError, fileProblem } from "../../core/errors.js";
import { parsePlace, type Place } from "./places.js";
import { parseTargetSpec, regionTarget, type ProbeResult, type Target } from "./probe.js";
import { probeRegions } from "./regions.js";
import { estimateEntries, looksOffline, withEstimates, type LatencyReport } from "./report.js";
import { sweep } from "./sweep.js";

export interface LatencyArgs {
  readonly regions?: readonly string[];
  readonly targets: readonly string[];
  readonly samples: number;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly concurrency: number;
  readonly caFile?: string;
  readonly from?: string;
  readonly offline: boolean;
  /** The last-mile allowance for estimates from a city or coordinates. */
  readonly accessMs: number;
}

/** One target probed, for a progress line: how many of how many are done, and how the last one went. */
export interface LatencyProgress {
  readonly finished: number;
  readonly total: number;
  readonly name: string;
  readonly status: ProbeResult["status"];
}

export interface LatencyRun {
  readonly report: LatencyReport;
  /** How many targets were probed (0 for --offline). */
  readonly targets: number;
  /** True when a live run measured nothing: no target answered. */
  readonly nothingMeasured: boolean;
  /** For stderr before the report: the way to estimates when nothing could be reached and no place was given. */
  readonly notes: readonly string[];
}

export async function latencyReport(args: LatencyArgs, onProgress: (p: LatencyProgress) => void = () => {}): Promise<LatencyRun> {
  const place: Place | null = args.from ? parsePlace(args.from) : null;
  const accessMs = place?.region ? 0 : args.accessMs;
  const { regions: all } = await probeRegions();
  const known = new Set(all.map((r) => r.code));
  for (const r of args.regions ?? []) {
    if (!known.has(r)) throw new UserError(`--region ${r} is not a commercial AWS region the SDK knows.`, `Known: ${[...known].join(", ")}.`);
  }
  const wanted = args.regions ?? (args.targets.length ? [] : [...known]);
  const regions = all.filter((r) => wanted.includes(r.code));
  const measuredAt = new Date().toISOString();

  if (args.offline) {
    if (!place) throw new UserError("--offline needs --from PLACE (a city or lat,lon).", 'Try `stowage latency --offline --from "Columbus, OH"`.');
    const { entries, skipped } = estimateEntries(regions, place, accessMs);
    const report = { measuredAt, from: place.name, estimated: true, accessMs, results: entries, ...(skipped.length ? { notEstimated: skipped } : {}) };
    return { report, targets: 0, nothingMeasured: false, notes: [] };
  }

  const targets: Target[] = [...regions.map((r) => regionTarget(r.code)), ...args.targets.map(parseTargetSpec)];
  let ca: string | undefined;
  if (args.caFile) {
    try {
      ca = await readFile(args.caFile, "utf8");
    } catch (err) {
      throw new UserError(`Cannot read the CA file ${args.caFile}: ${fileProblem(err) ?? (err as Error).message}.`, "Pass a PEM file with --ca.");
    }
  }
  let finished = 0;
  const result = await sweep(targets, {
    samples: args.samples,
    timeoutMs: args.timeoutMs,
    deadlineMs: args.deadlineMs,
    concurrency: args.concurrency,
    ...(ca ? { ca } : {}),
    onEvent: (e) => {
      if (e.type !== "done") return;
      finished++;
      onProgress({ finished, total: targets.length, name: e.target.name, status: e.result.status });
    },
  });
  let report: LatencyReport = { measuredAt, from: hostname(), estimated: false, results: withEstimates(result.results, regions, place, accessMs) };
  const notes: string[] = [];
  if (looksOffline(result.results) && regions.length > 0) {
    if (place) {
      const { entries, skipped } = estimateEntries(regions, place, accessMs);
      report = {
        measuredAt,
        from: place.name,
        estimated: true,
        fallback: "No target could be reached (no DNS answer or no route): these are offline estimates, not measurements.",
        results: entries,
        ...(skipped.length ? { notEstimated: skipped } : {}),
      };
    } else {
      notes.push('No target could be reached (no DNS answer or no route). For estimates instead: stowage latency --offline --from "City" (or lat,lon).');
    }
  }
  return { report, targets: targets.length, nothingMeasured: !result.results.some((r) => r.status === "ok"), notes };
}
