/**
 * Golden tests: fixture workload → expected breakdown, line by line (months 1 and last of each option), with and
 * without usage. Regenerate on purpose with UPDATE_GOLDEN=1 and review the diff.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { estimate, type CostReport, type MonthCost } from "../core/cost/estimate.js";
import { parseWorkload } from "../core/cost/workload.js";
import { exact } from "../core/money.js";
import { expectGolden } from "./support/golden.js";
import { shippedSnapshot } from "./support/snapshot.js";

const DIR = join(import.meta.dirname, "fixtures", "cost");

function monthText(m: MonthCost): string[] {
  return [
    `  month ${m.month}: total ${exact(m.total)}, cumulative ${exact(m.cumulative)}`,
    ...m.lines.map(
      (l) =>
        `    ${l.name} | ${l.quantity === null ? "?" : exact(l.quantity)} ${l.unit} × ${l.unitPrice === null ? "MISSING" : exact(l.unitPrice)} = ${l.cost === null ? "-" : exact(l.cost)}`,
    ),
  ];
}

export function breakdown(report: CostReport): string {
  const out = [`region ${report.region}, ${report.horizonMonths} months, prices as of ${report.pricesAsOf}`];
  for (const o of report.options) {
    out.push(`${o.id}: ${o.label}: total ${exact(o.total)}${o.complete ? "" : " (incomplete)"}`);
    out.push(...monthText(o.months[0]!));
    if (o.months.length > 1) out.push(...monthText(o.months.at(-1)!));
    for (const n of o.notes) out.push(`  note: ${n}`);
  }
  for (const c of report.crossings) out.push(`crossing: ${c.cheaper} under ${c.dearer} from month ${c.month}`);
  for (const m of report.missingPrices) out.push(`missing: ${m.service} ${m.usagetype} ${JSON.stringify(m.attributes)} in ${m.region}: ${m.command}`);
  return `${out.join("\n")}\n`;
}

const fixtures = readdirSync(DIR).filter((f) => f.endsWith(".yaml"));

describe("cost golden files", () => {
  it("has fixtures", () => expect(fixtures.length).toBeGreaterThanOrEqual(8));
  for (const file of fixtures) {
    it(file, async () => {
      const { catalog, asOf } = await shippedSnapshot();
      const workload = parseWorkload(parse(readFileSync(join(DIR, file), "utf8")), file);
      expectGolden(join(DIR, file.replace(/\.yaml$/, ".golden")), breakdown(estimate(workload, catalog, asOf)));
    });
  }
});
