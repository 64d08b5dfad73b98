/**
 * `stowage cost`'s output: a cost report (core/cost/horizon.ts) as JSON (money as exact decimal strings), a terminal
 * table, Markdown, or CSV.
 */
import { exact, usd, type Decimal } from "../../core/money.js";
import type { LineItem } from "../../core/cost/components.js";
import type { CostReport as OptionsReport, OptionCost as AnyOptionCost } from "../../core/cost/horizon.js";

/** Any provider's report renders the same way: option ids are just names here. */
type CostReport = OptionsReport<string>;
type OptionCost = AnyOptionCost<string>;
import { csvText, markdownTable, textTable } from "../../core/render.js";

export const FORMATS = ["table", "json", "markdown", "csv"] as const;
export type Format = (typeof FORMATS)[number];

const money = (d: Decimal | null): string | null => (d === null ? null : exact(d));

function lineJson(l: LineItem) {
  return {
    name: l.name,
    quantity: money(l.quantity),
    unit: l.unit,
    unitPrice: money(l.unitPrice),
    cost: money(l.cost),
    sku: l.sku,
    ...(l.provenance ? { priceSource: l.provenance.source, priceRetrievedAt: l.provenance.retrievedAt } : {}),
  };
}

/** Crossings a table lists; JSON has them all. */
const CROSSINGS_SHOWN = 10;

export function toJson(report: CostReport): unknown {
  return {
    region: report.region,
    pricesAsOf: report.pricesAsOf,
    horizonMonths: report.horizonMonths,
    options: report.options.map((o) => ({
      id: o.id,
      ...(o.where ? { provider: o.where.provider, location: o.where.location } : {}),
      label: o.label,
      total: exact(o.total),
      complete: o.complete,
      notes: o.notes,
      months: o.months.map((m) => ({ month: m.month, total: exact(m.total), cumulative: exact(m.cumulative), lines: m.lines.map(lineJson) })),
    })),
    crossings: report.crossings,
    missingPrices: report.missingPrices,
  };
}

function optionTotals(o: OptionCost, months: number): string[] {
  const first = o.months[0]!;
  const last = o.months[months - 1]!;
  const mark = o.complete ? "" : " *";
  return [o.id, o.label, `$${usd(first.total)}${mark}`, `$${usd(last.total)}${mark}`, `$${usd(o.total)}${mark}`];
}

function summaryRows(report: CostReport): string[][] {
  const header = ["option", "what", "month 1", `month ${report.horizonMonths}`, `${report.horizonMonths} months`];
  const sorted = [...report.options].sort((a, b) => a.total.comparedTo(b.total));
  return [header, ...sorted.map((o) => optionTotals(o, report.horizonMonths))];
}

function footnotes(report: CostReport): string[] {
  const out: string[] = [];
  if (report.options.some((o) => !o.complete)) {
    out.push("* incomplete: a price is missing or a usage is not given; those lines are left out of the total (see --format json).");
  }
  for (const c of report.crossings.slice(0, CROSSINGS_SHOWN)) out.push(`${c.cheaper} becomes cheaper than ${c.dearer} in month ${c.month} (cumulative).`);
  if (report.crossings.length > CROSSINGS_SHOWN) out.push(`… and ${report.crossings.length - CROSSINGS_SHOWN} more crossings (all of them: --format json).`);
  for (const o of report.options) for (const n of o.notes) out.push(`${o.id}: ${n}`);
  for (const m of report.missingPrices) {
    const next = m.command ? `run \`${m.command}\`` : "not in the published prices Stowage ships (data/other-clouds/PROVENANCE.md)";
    out.push(`missing price: ${m.service} ${m.usagetype} in ${m.region} — ${next}`);
  }
  return out;
}

function breakdownRows(o: OptionCost): string[][] {
  const m1 = o.months[0]!;
  return [
    ["line (month 1)", "quantity", "unit", "unit price", "cost"],
    ...m1.lines.map((l) => [
      l.name,
      l.quantity === null ? "(usage not given)" : l.quantity.toDecimalPlaces(4).toFixed(),
      l.unit,
      l.unitPrice === null ? "(missing)" : `$${exact(l.unitPrice)}`,
      l.cost === null ? "-" : `$${usd(l.cost)}`,
    ]),
  ];
}

export function toTable(report: CostReport, detail: readonly string[] = []): string {
  const parts = [
    `Monthly cost in ${report.region}, ${report.horizonMonths} months (prices as of ${report.pricesAsOf ?? "unknown"})`,
    "",
    textTable(summaryRows(report), (c) => c >= 2),
  ];
  for (const o of report.options.filter((x) => detail.includes(x.id))) {
    parts.push(
      "",
      `${o.label}:`,
      textTable(breakdownRows(o), (c) => c === 1 || c >= 3),
    );
  }
  const notes = footnotes(report);
  if (notes.length) parts.push("", ...notes);
  return `${parts.join("\n")}\n`;
}

export function toMarkdown(report: CostReport, detail: readonly string[] = []): string {
  const parts = [
    `### Monthly cost in ${report.region}, ${report.horizonMonths} months`,
    "",
    `Prices as of ${report.pricesAsOf ?? "unknown"}.`,
    "",
    markdownTable(summaryRows(report), (c) => c >= 2),
  ];
  for (const o of report.options.filter((x) => detail.includes(x.id)))
    parts.push(
      "",
      `#### ${o.label}`,
      "",
      markdownTable(breakdownRows(o), (c) => c >= 1),
    );
  const notes = footnotes(report);
  if (notes.length) parts.push("", ...notes.map((n) => `- ${n}`));
  return `${parts.join("\n")}\n`;
}

export function toCsv(report: CostReport): string {
  const rows: (string | null)[][] = [["option", "month", "line", "quantity", "unit", "unit_price", "cost"]];
  for (const o of report.options) {
    for (const m of o.months) {
      for (const l of m.lines) rows.push([o.id, String(m.month), l.name, money(l.quantity), l.unit, money(l.unitPrice), money(l.cost)]);
    }
  }
  return csvText(rows);
}

export function render(report: CostReport, format: Format, detail: readonly string[] = []): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(toJson(report), null, 2)}\n`;
    case "markdown":
      return toMarkdown(report, detail);
    case "csv":
      return toCsv(report);
    default:
      return toTable(report, detail);
  }
}
