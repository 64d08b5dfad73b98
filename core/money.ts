/**
 * Exact money and the billing units AWS uses.
 *
 * Every amount is a Decimal: prices arrive as strings ("0.0230000000") and must stay exact through tier
 * splits and 36-month sums. Floats never touch money here.
 */
import { Decimal as DecimalJs } from "decimal.js";

/** A Decimal with enough precision that per-byte-hour prices times petabytes stay exact. */
export const Decimal = DecimalJs.clone({ precision: 50, rounding: DecimalJs.ROUND_HALF_EVEN });
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO = new Decimal(0);

/** AWS bills a month as 730 hours (8,760 / 12). One constant, used everywhere. */
export const HOURS_PER_MONTH = 730;

/** The cost models count a month as 30 days when they age data (lifecycle, minimum durations). */
export const DAYS_PER_MONTH = 30;

/** S3, EBS and RDS bill a "GB" as 2^30 bytes; an object's size in KB is 2^10 bytes. */
export const KB_PER_GB = 1024 * 1024;

export function dec(value: DecimalJs.Value): Decimal {
  return new Decimal(value);
}

/** The larger of two amounts. Decimal.max builds a new Decimal of each argument: this is on every tier split. */
export function maxOf(a: Decimal, b: Decimal): Decimal {
  return a.lessThan(b) ? b : a;
}

/** The smaller of two amounts. */
export function minOf(a: Decimal, b: Decimal): Decimal {
  return b.lessThan(a) ? b : a;
}

export function sum(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}

/** A decimal string with no exponent and no trailing zeros: the exact value, for JSON. */
export function exact(value: Decimal): string {
  const s = value.toFixed();
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** Dollars rounded to cents for people: "1,234.56". */
export function usd(value: Decimal): string {
  const fixed = value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
  const [whole, cents] = fixed.split(".");
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}`;
}
