/**
 * `stowage latency`: the I/O around the sweep and the estimator (files, progress on stderr, output).
 */
import { EXIT } from "../../core/exit.js";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { UserError, fileProblem } from "../../core/errors.js";
import { parsePlace, type Place } from "./places.js";
import { parseTargetSpec, regionTarget, type Target } from "./probe.js";
import { probeRegions } from "./regions.js";
import { calibrationJson, calibrationText } from "./calibration.js";
import { offlineModel } from "./predict.js";
import { estimateEntries, latencyCsv, latencyTable, looksOffline, withEstimates, type LatencyReport } from "./report.js";
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
  /** Print how well the offline model fits held-out measurements, and nothing else. */
  readonly calibration: boolean;
  readonly format: "table" | "json" | "csv";
}

function output(report: LatencyReport, format: LatencyArgs["format"]): void {
  const text = format === "json" ? `${JSON.stringify(report, null, 2)}\n` : format === "csv" ? latencyCsv(report) : latencyTable(report);
  process.stdout.write(text);
}

export async function latency(args: LatencyArgs): Promise<number> {
  if (args.calibration) {
    const { calibration } = offlineModel();
    process.stdout.write(args.format === "json" ? `${JSON.stringify(calibrationJson(calibration), null, 2)}\n` : calibrationText(calibration));
    return EXIT.OK;
  }
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
    output({ measuredAt, from: place.name, estimated: true, accessMs, results: entries, ...(skipped.length ? { notEstimated: skipped } : {}) }, args.format);
    return EXIT.OK;
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
  const tty = process.stderr.isTTY;
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
      if (tty) process.stderr.write(`\r\x1b[Kprobed ${finished}/${targets.length}: ${e.target.name} ${e.result.status}`);
    },
  });
  if (tty) process.stderr.write("\r\x1b[K");
  let report: LatencyReport = { measuredAt, from: hostname(), estimated: false, results: withEstimates(result.results, regions, place, accessMs) };
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
      process.stderr.write(
        'No target could be reached (no DNS answer or no route). For estimates instead: stowage latency --offline --from "City" (or lat,lon).\n',
      );
    }
  }
  output(report, args.format);
  if (!result.results.some((r) => r.status === "ok")) {
    process.stderr.write(
      `Nothing measured: none of the ${targets.length} target${targets.length === 1 ? "" : "s"} answered (exit ${EXIT.NOTHING_MEASURED}).\n`,
    );
    return EXIT.NOTHING_MEASURED;
  }
  return EXIT.OK;
}
