/**
 * Summary statistics for latency samples: the median is the headline (a mean is dragged by one stall), with p90,
 * min, max and the interquartile spread; samples beyond 1.5 × IQR from the quartiles are flagged as outliers.
 * Quantiles use linear interpolation between order statistics (type 7, as in R and NumPy).
 */
export interface Summary {
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
  readonly iqr: number;
  /** Samples outside [q1 − 1.5 × IQR, q3 + 1.5 × IQR]. */
  readonly outliers: readonly number[];
}

export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("quantile of no samples");
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (h - lo);
}

export function summarize(samples: readonly number[]): Summary | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const iqr = q3 - q1;
  const low = q1 - 1.5 * iqr;
  const high = q3 + 1.5 * iqr;
  return {
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    min: sorted[0]!,
    max: sorted.at(-1)!,
    q1,
    q3,
    iqr,
    outliers: samples.filter((s) => s < low || s > high),
  };
}

/** Rounds to 0.01 ms for output: finer than any network here can resolve, coarse enough to read. */
export function ms(value: number): number {
  return Math.round(value * 100) / 100;
}
