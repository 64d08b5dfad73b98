/**
 * `stowage plan`'s output: the report of planner/placement/report.ts as JSON, a table or Markdown, with the stack
 * file's change. Pure.
 */
import { usd } from "../../core/money.js";
import { markdownTable, textTable } from "../../core/render.js";
import { isOtherProvider, type PlanResult } from "../../planner/placement/plan.js";
import { splitLocationId } from "../../core/clouds/locations.js";
import type { PlanArgs, PlanReport } from "../../planner/placement/report.js";

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
