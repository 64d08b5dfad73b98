/**
 * Golden tests: fixture workload → expected output of the command's own renderers, line by line (months 1 and last
 * of each option), with and without usage. Regenerate on purpose with UPDATE_GOLDEN=1 and review the diff.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { OPTION_IDS, estimate, type CostReport } from "../core/cost/horizon.js";
import { render } from "../cli/render/cost.js";
import { parseWorkload } from "../core/cost/workload.js";
import { expectGolden } from "./support/golden.js";
import { shippedSnapshot } from "./support/snapshot.js";

const DIR = join(import.meta.dirname, "fixtures", "cost");

/**
 * What a user gets from `stowage cost --detail all` (the summary, month 1's lines, notes, crossings and missing
 * prices) and, for exact figures, the rows of `--format csv` for the first and the last month: the CLI's own
 * renderers, so a change in what users see changes a golden.
 */
export function breakdown(report: CostReport): string {
  const [head, ...rows] = render(report, "csv").trimEnd().split("\n");
  const last = String(report.horizonMonths);
  const kept = rows.filter((r) => {
    const month = r.split(",")[1];
    return month === "1" || month === last;
  });
  return `${render(report, "table", [...OPTION_IDS])}\n${[head, ...kept].join("\n")}\n`;
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
