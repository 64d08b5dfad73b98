import { Box, Text } from "ink";
import type { CostReport } from "../../core/cost/horizon.js";
import { usd } from "../../core/money.js";
import { chartLines, crossings, type Series } from "./chart.js";

export interface CostsScreenProps {
  readonly report: CostReport;
  /** Whether the snapshot has any price for the report's region (the catalog says; see `stowage cost`). */
  readonly pricedRegion: boolean;
  /** Terminal width, for the chart. */
  readonly width: number;
  /** Lines this screen may take; the chart gets what the table leaves (at least 3). */
  readonly height: number;
  readonly color: boolean;
}

const PLOTTED: readonly { id: string; mark: string }[] = [
  { id: "s3-standard", mark: "s" },
  { id: "s3-lifecycle", mark: "l" },
  { id: "s3-intelligent-tiering", mark: "i" },
  { id: "ebs", mark: "e" },
  { id: "rds-postgresql", mark: "r" },
];

/** S3 strategies vs RDS vs EBS: month 1, the last month and the horizon, then cumulative cost over the months. */
export function CostsScreen({ report, pricedRegion, width, height, color }: CostsScreenProps) {
  const n = report.horizonMonths;
  const rows = [...report.options].sort((a, b) => a.total.comparedTo(b.total));
  // The figures take 38 columns; the option names get the rest, down to 24, and say when they are cut.
  const labelWidth = Math.max(24, Math.min(width - 38, Math.max(...rows.map((o) => o.label.length))));
  const label = (text: string) => (text.length > labelWidth ? `${text.slice(0, labelWidth - 1)}…` : text.padEnd(labelWidth));
  const series: Series[] = PLOTTED.flatMap(({ id, mark }) => {
    const o = report.options.find((x) => x.id === id);
    return o ? [{ id, mark, values: o.months.map((m) => m.cumulative.toNumber()) }] : [];
  });
  const crossed = crossings(series);
  // Title, table head and rows, legend, crossings; the chart gets the rest (its plot and two axis lines). When that
  // leaves it fewer than 6 plot rows (an 80×24 terminal), the two blank lines go first.
  const text = 3 + rows.length + (pricedRegion ? 0 : 1) + (crossed.length ? 1 : 0);
  const compact = height - text - 2 - 2 < 6;
  const plotRows = Math.max(4, height - text - (compact ? 0 : 2) - 2);
  const crossingLine = crossed.map((c) => `month ${c.month}: ${c.a} and ${c.b} cross`).join(" · ");
  const blank = compact ? null : <Text> </Text>;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">{`Cost in ${report.region} over ${n} months (prices as of ${report.pricesAsOf ?? "unknown"}; * incomplete: a price or usage is missing)`}</Text>
      {pricedRegion ? null : (
        <Text
          color={color ? "yellow" : undefined}
          wrap="truncate-end"
        >{`The price snapshot has no prices for ${report.region}: run \`stowage pricing refresh --region ${report.region}\`, or pick another region on the Workload screen.`}</Text>
      )}
      {blank}
      <Text bold>{`${"option".padEnd(labelWidth)}  ${"month 1".padStart(10)}  ${`month ${n}`.padStart(10)}  ${`${n} months`.padStart(12)}`}</Text>
      {rows.map((o) => (
        <Text key={o.id} color={!o.complete && color ? "yellow" : undefined}>
          {`${label(o.label)}  ${`$${usd(o.months[0]!.total)}`.padStart(10)}  ${`$${usd(o.months[n - 1]!.total)}`.padStart(10)}  ${`$${usd(o.total)}${o.complete ? "" : "*"}`.padStart(12)}`}
        </Text>
      ))}
      {blank}
      <Text wrap="truncate-end">{`Cumulative cost (log scale): ${series.map((s) => `${s.mark} ${s.id}`).join("  ")}  * overlap  × crossing`}</Text>
      {chartLines(series, width, plotRows).map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line}
        </Text>
      ))}
      {crossed.length ? <Text wrap="truncate-end">{`× ${crossingLine}`}</Text> : null}
    </Box>
  );
}
