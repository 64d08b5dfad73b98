/**
 * `stowage policy`'s output: the report of infra/policy/report.ts as JSON, a table or Markdown. Pure.
 */
import { markdownTable, textTable } from "../../core/render.js";
import type { PolicyReport } from "../../infra/policy/offline.js";
import type { PolicyRun } from "../../infra/policy/report.js";

/** Whether any violation is mandatory: what fails the gate. */
export const hasMandatory = (report: PolicyReport) => report.violations.some((v) => v.enforcementLevel === "mandatory");

export function policyText(report: PolicyReport, markdown: boolean): string {
  const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const head = `${markdown ? "### " : ""}Policy check of ${report.stack}: ${report.resources} resources, ${report.violations.length} violation${report.violations.length === 1 ? "" : "s"} (${mandatory} mandatory)`;
  if (!report.violations.length) return `${head}\n\n`;
  const table = markdown
    ? markdownTable([
        ["level", "control", "policy", "resource", "message"],
        ...report.violations.map((v) => [v.enforcementLevel, v.control, v.policy, `\`${v.resource.name}\``, v.message]),
      ])
    : textTable(report.violations.map((v) => [v.enforcementLevel, v.control, v.policy, v.message]));
  return `${head}\n\n${table}\n`;
}

/** The report as the user asked for it; a program that failed part-way says so in the JSON (programError). */
export function renderPolicy(run: PolicyRun, format: "table" | "json" | "markdown"): string {
  const { report, failure } = run;
  const shown = failure ? { ...report, programError: failure.message } : report;
  return format === "json" ? `${JSON.stringify(shown, null, 2)}\n` : policyText(report, format === "markdown");
}
