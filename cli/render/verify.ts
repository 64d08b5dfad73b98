/**
 * `stowage verify`'s output: the report of infra/verify/report.ts as JSON, text or Markdown. Pure.
 */
import type { VerifyReport } from "../../infra/verify/report.js";

/** Whether a finding (not an advisory one) or a canary check failed: what fails the command. */
export function failed(report: VerifyReport): boolean {
  return report.buckets.some((b) => b.findings.some((f) => f.status === "fail" && !f.level) || (b.canary ?? []).some((c) => c.status === "fail"));
}

export function verifyText(r: VerifyReport, markdown: boolean): string {
  const out: string[] = [];
  for (const b of r.buckets) {
    const failed = b.findings.filter((f) => f.status === "fail" && !f.level).length;
    const advised = b.findings.filter((f) => f.status === "fail" && f.level).length;
    const unknown = b.findings.filter((f) => f.status === "unknown").length;
    out.push(
      `${markdown ? "### " : ""}${b.name} (${b.region ?? "region unknown"}): ${failed} failed, ${advised ? `${advised} advisory, ` : ""}${unknown} unknown, ${b.findings.length - failed - advised - unknown} passed`,
    );
    for (const f of b.findings)
      out.push(
        `${markdown ? "- " : "  "}${(f.status === "fail" && f.level ? "advise" : f.status).padEnd(7)} ${f.control.padEnd(11)} ${f.rule}${f.message ? `: ${f.message}` : ""}${f.reason ? ` (${f.reason})` : ""}`,
      );
    for (const c of b.canary ?? []) out.push(`${markdown ? "- " : "  "}${c.status.padEnd(7)} ${"canary".padEnd(11)} ${c.check}: ${c.message}`);
    out.push("");
  }
  return `${out.join("\n")}`;
}

export function renderVerify(report: VerifyReport, format: "table" | "json" | "markdown"): string {
  return format === "json" ? `${JSON.stringify(report, null, 2)}\n` : verifyText(report, format === "markdown");
}
