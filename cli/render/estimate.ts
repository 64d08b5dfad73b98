/**
 * `stowage estimate`'s output: the report of infra/estimateReport.ts as JSON, a table or Markdown. Pure; the goldens
 * (test/estimate.golden.test.ts) render through it.
 */
import { exact, usd, Decimal } from "../../core/money.js";
import { markdownTable, textTable } from "../../core/render.js";
import type { StackEstimate } from "../../infra/estimate.js";
import { overBudget, type Diff } from "../../infra/estimateReport.js";

export function estimateJson(e: StackEstimate, extra: object = {}) {
  return {
    stack: e.stack,
    pricesAsOf: e.pricesAsOf,
    horizonMonths: e.horizonMonths,
    total: exact(e.total),
    /** False when a resource lacks a price or usage: the total is then a lower bound. */
    complete: e.resources.every((r) => r.complete),
    resources: e.resources.map((r) => ({
      type: r.type,
      name: r.name,
      monthlyCost: exact(r.monthlyCost),
      complete: r.complete,
      ...(r.note ? { note: r.note } : {}),
      lines: r.lines.map((l) => ({
        name: l.name,
        quantity: l.quantity === null ? null : exact(l.quantity),
        unit: l.unit,
        unitPrice: l.unitPrice === null ? null : exact(l.unitPrice),
        cost: l.cost === null ? null : exact(l.cost),
      })),
    })),
    missingPrices: e.missingPrices,
    ...extra,
  };
}

/** The estimate as the command prints it: JSON, a table or Markdown, with the change and the budget when given. */
export function renderEstimate(
  e: StackEstimate,
  format: "table" | "json" | "markdown",
  opts: { diff?: Diff; budget?: number; withoutUsage?: readonly string[] } = {},
): string {
  const { diff, budget, withoutUsage } = opts;
  const over = overBudget(e, budget);
  if (format === "json") {
    return `${JSON.stringify(estimateJson(e, { ...(withoutUsage ? { usageGiven: false, withoutUsage } : {}), ...(diff ? { diff } : {}), ...(budget !== undefined ? { budget, overBudget: over } : {}) }), null, 2)}\n`;
  }
  const md = format === "markdown";
  // A resource with a price the snapshot lacks says so beside its figure: its $ is only what could be priced.
  const cell = (r: StackEstimate["resources"][number]) =>
    r.unpriced
      ? `not priced: ${r.unpriced}`
      : `$${usd(r.monthlyCost)}${r.complete ? "" : r.lines.some((l) => l.unitPrice === null) ? " * price missing" : " *"}`;
  const rows = e.resources.map((r) => [r.name, r.type.split(":").pop()!, cell(r)]);
  const out = [
    `${md ? "### " : ""}Estimated monthly cost of ${e.stack}: $${usd(e.total)} (average over ${e.horizonMonths} months; prices as of ${e.pricesAsOf ?? "unknown"})`,
    "",
  ];
  if (withoutUsage) {
    const n = withoutUsage.length;
    out.splice(
      1,
      0,
      `No usage file given (--usage FILE): ${withoutUsage.join(", ")} ${n === 1 ? "has no usage, so its" : "have no usage, so their"} lines show unit prices and the $${usd(e.total)} above counts nothing for ${n === 1 ? "it" : "them"}. Give --usage FILE (examples/usage.yaml documents every key).`,
    );
  }
  const money = (c: number) => c === 2;
  out.push(md ? markdownTable([["resource", "type", "$/month"], ...rows], money) : textTable(rows, money));
  out.push("", "* incomplete: usage not given, or a price the snapshot does not have (see --format json).");
  for (const m of e.missingPrices) out.push(`missing price: ${m.service} ${m.usagetype} in ${m.region} ${m.command}`);
  if (diff) {
    out.push("", md ? "#### Change against the base" : "Change against the base:");
    if (diff.length === 0) out.push("no change");
    for (const d of diff)
      out.push(
        `${md ? "- " : "  "}${d.name} (${d.type.split(":").pop()}): $${usd(new Decimal(d.before))} → $${usd(new Decimal(d.after))} (${d.change.startsWith("-") ? "" : "+"}${usd(new Decimal(d.change))})`,
      );
  }
  if (budget !== undefined) {
    const unpriced = e.resources.filter((r) => !r.complete).length;
    const limit = `$${usd(new Decimal(budget))}`;
    if (over) out.push("", `Over budget: $${usd(e.total)} > ${limit}.`);
    else if (unpriced === 0) out.push("", `Within budget: $${usd(e.total)} ≤ ${limit}.`);
    // Within the budget, but only as far as it was priced: say so rather than sound certain.
    else
      out.push(
        "",
        `Within budget as far as priced: $${usd(e.total)} ≤ ${limit}, but ${unpriced} resource${unpriced === 1 ? " is" : "s are"} not fully priced (*), so the total is a lower bound.`,
      );
  }
  return `${out.join("\n")}\n`;
}
