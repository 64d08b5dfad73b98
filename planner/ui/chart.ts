/**
 * A text chart of cumulative cost per option over the months, on a log scale (an RDS server and an S3 bucket differ
 * by 10× or more), with the months where two plotted options cross marked. Pure: series in, lines out.
 */
export interface Series {
  readonly id: string;
  readonly mark: string;
  readonly values: readonly number[];
}

export interface ChartCrossing {
  readonly month: number;
  readonly a: string;
  readonly b: string;
}

const CROSS = "×";

/** Months where the cumulative values of two series change order (1-based). */
export function crossings(series: readonly Series[]): ChartCrossing[] {
  const out: ChartCrossing[] = [];
  for (let i = 0; i < series.length; i++) {
    for (let j = i + 1; j < series.length; j++) {
      const a = series[i]!;
      const b = series[j]!;
      let prev = 0;
      for (let m = 0; m < Math.min(a.values.length, b.values.length); m++) {
        const sign = Math.sign(a.values[m]! - b.values[m]!);
        if (sign !== 0 && prev !== 0 && sign !== prev) out.push({ month: m + 1, a: a.id, b: b.id });
        if (sign !== 0) prev = sign;
      }
    }
  }
  return out.sort((x, y) => x.month - y.month);
}

function fmt(v: number): string {
  if (v >= 1e6) return `$${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `$${(v / 1e3).toFixed(1)}k`;
  return `$${v.toFixed(0)}`;
}

export function chartLines(series: readonly Series[], width: number, height: number): string[] {
  const months = Math.max(...series.map((s) => s.values.length));
  const positive = series.flatMap((s) => s.values.filter((v) => v > 0));
  if (months === 0 || positive.length === 0) return ["(nothing to plot)"];
  const lo = Math.log10(Math.min(...positive));
  const hi = Math.log10(Math.max(...positive));
  const span = hi - lo || 1;
  const labelWidth = 8;
  const cols = Math.max(10, Math.min(months, width - labelWidth - 2));
  const rows = Math.max(4, height);
  const grid: string[][] = Array.from({ length: rows }, () => Array<string>(cols).fill(" "));
  const rowOf = (v: number) => rows - 1 - Math.round(((Math.log10(Math.max(v, 10 ** lo)) - lo) / span) * (rows - 1));
  const colOf = (month: number) => Math.min(cols - 1, Math.floor(((month - 1) / Math.max(1, months - 1)) * (cols - 1)));
  for (const s of series) {
    s.values.forEach((v, m) => {
      const r = rowOf(v);
      const c = colOf(m + 1);
      const cell = grid[r]![c]!;
      grid[r]![c] = cell === " " || cell === s.mark ? s.mark : "*";
    });
  }
  for (const x of crossings(series)) {
    const s = series.find((z) => z.id === x.a)!;
    grid[rowOf(s.values[x.month - 1]!)]![colOf(x.month)] = CROSS;
  }
  const top = fmt(10 ** hi);
  const bottom = fmt(10 ** lo);
  const lines = grid.map((row, r) => `${(r === 0 ? top : r === rows - 1 ? bottom : "").padStart(labelWidth)} │${row.join("")}`);
  lines.push(`${"".padStart(labelWidth)} └${"─".repeat(cols)}`);
  const last = `month ${months}`;
  lines.push(`${"".padStart(labelWidth)}  month 1${last.padStart(Math.max(cols - 7, last.length + 1))}`);
  return lines;
}
