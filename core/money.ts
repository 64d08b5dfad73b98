/**
 * Exact money and the billing units AWS uses.
 *
 * Every amount is a Decimal: prices arrive as strings ("0.0230000000") and must stay exact through tier
 * splits and 36-month sums. Floats never touch money here.
 *
 * Decimal is an integer coefficient (a BigInt) times a power of ten, with decimal.js's semantics at 50 significant
 * digits rounding half to even: sums, differences and products are exact until they pass 50 digits (a product of a
 * snapshot price, ten decimals, and petabytes of GB-hours has about 30), quotients are rounded to 50 digits as
 * decimal.js rounds them, and every string it prints is the one decimal.js printed (test/money.test.ts holds the two
 * equal over random operands). Why not decimal.js itself: `stowage cost` makes some 12,000 operations in a process
 * that lives 100 ms, and decimal.js's digit arrays, interpreted before V8 has compiled them, took a quarter of it;
 * BigInt arithmetic is the engine's own code from the first call (npm run bench: startup).
 */

/** What a Decimal is made from: a number, a decimal string ("0.023", "-1.5e-7") or another Decimal. */
export type DecimalValue = number | string | Decimal;

/** Significant digits kept by +, −, × and ÷ (decimal.js's precision as Stowage configured it). */
const PRECISION = 50;
const LIMIT = 10n ** BigInt(PRECISION);
const SAFE = Number.MAX_SAFE_INTEGER;
/** Powers of ten as BigInts, grown on demand; as numbers, the ones that are exact. */
const POW10: bigint[] = [1n];
function pow10(n: number): bigint {
  for (let i = POW10.length; i <= n; i++) POW10.push(POW10[i - 1]! * 10n);
  return POW10[n]!;
}
const TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

const NUMBER = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Rounding modes, numbered as decimal.js numbers them. */
type Rounding = 0 | 1 | 2 | 3 | 4 | 5 | 6;

const safe = (n: number): boolean => n <= SAFE && n >= -SAFE;
const big = (c: number | bigint): bigint => (typeof c === "bigint" ? c : BigInt(c));
const digits = (c: bigint): number => (c < 0n ? -c : c).toString().length;

/**
 * Whether dropping the digits of `c` below 10^d (d > 0) moves it one further from zero: `kept` is c truncated toward
 * zero, `rest` what was dropped (c's sign), `sticky` that something non-zero lies below even that.
 */
function roundsAway(kept: bigint, rest: bigint, d: number, negative: boolean, sticky: boolean, rm: Rounding): boolean {
  const r = rest < 0n ? -rest : rest;
  if (r === 0n && !sticky) return false;
  switch (rm) {
    case 0: // UP
      return true;
    case 1: // DOWN
      return false;
    case 2: // CEIL
      return !negative;
    case 3: // FLOOR
      return negative;
    default: {
      const half = 5n * pow10(d - 1);
      if (r !== half) return r > half;
      if (sticky || rm === 4) return true; // HALF_UP, or past the half
      if (rm === 5) return false; // HALF_DOWN
      return (kept & 1n) !== 0n; // HALF_EVEN: away only from an odd digit
    }
  }
}

/**
 * An exact decimal: c × 10^e. c is a number while it is a safe integer, which is nearly always (a price has ten
 * decimals, a quantity a few digits), so most operations are a float multiply and add that are exact by
 * construction; past 2^53 it is a BigInt. One form per value (no trailing zeros in c, zero as 0 × 10^0, c a number
 * whenever it fits), so two equal Decimals are equal field by field, as test assertions compare them.
 */
export class Decimal {
  static readonly ROUND_UP = 0;
  static readonly ROUND_DOWN = 1;
  static readonly ROUND_CEIL = 2;
  static readonly ROUND_FLOOR = 3;
  static readonly ROUND_HALF_UP = 4;
  static readonly ROUND_HALF_DOWN = 5;
  static readonly ROUND_HALF_EVEN = 6;

  readonly c: number | bigint;
  readonly e: number;
  /** Zero has a sign, as in decimal.js (−5 × 0 is −0): it shows only in toJSON, valueOf and toNumber. */
  readonly negZero: boolean;

  constructor(value: DecimalValue);
  /** @internal c × 10^e (c a safe integer or a BigInt), put in its one form here. */
  constructor(c: number | bigint, e: number, negZero: boolean);
  constructor(value: DecimalValue | bigint, e?: number, negZero = false) {
    if (e === undefined) {
      const d = parse(value as DecimalValue);
      this.c = d.c;
      this.e = d.e;
      this.negZero = d.negZero;
      return;
    }
    let c = value as number | bigint;
    if (typeof c === "bigint") {
      if (c <= SAFE && c >= -SAFE) c = Number(c);
      else {
        while (c % 10n === 0n) {
          c /= 10n;
          e++;
        }
        if (c <= SAFE && c >= -SAFE) c = Number(c);
      }
    }
    if (c === 0) {
      this.c = 0;
      this.e = 0;
      this.negZero = negZero;
      return;
    }
    if (typeof c === "number") {
      while (c % 10 === 0) {
        c /= 10;
        e++;
      }
    }
    this.c = c;
    this.e = e;
    this.negZero = false;
  }

  /** c × 10^e rounded to 50 significant digits (half to even); `sticky`: the exact value lies beyond c, away from zero. */
  private static rounded(c: bigint, e: number, sticky = false): Decimal {
    if (c < LIMIT && c > -LIMIT && !sticky) return new Decimal(c, e, false);
    const drop = digits(c) - PRECISION;
    if (drop <= 0) return new Decimal(c, e, false); // division always leaves digits to drop, so sticky is seen
    const p = pow10(drop);
    let kept = c / p;
    if (roundsAway(kept, c % p, drop, c < 0n, sticky, 6)) kept += c < 0n ? -1n : 1n;
    return new Decimal(kept, e + drop, false);
  }

  plus(other: DecimalValue): Decimal {
    const y = other instanceof Decimal ? other : parse(other);
    const a = this.c;
    const b = y.c;
    if (b === 0) return a === 0 ? new Decimal(0, 0, this.negZero && y.negZero) : typeof a === "bigint" ? Decimal.rounded(a, this.e) : this;
    if (a === 0) return typeof b === "bigint" ? Decimal.rounded(b, y.e) : y;
    const d = this.e - y.e;
    if (typeof a === "number" && typeof b === "number" && d < 16 && d > -16) {
      // Exact while every step stays a safe integer: a float result past 2^53 fails the test, so none is kept.
      const x = d > 0 ? a * TEN[d]! : a;
      const z = d < 0 ? b * TEN[-d]! : b;
      const s = x + z;
      if (safe(x) && safe(z) && safe(s)) return new Decimal(s, d > 0 ? y.e : this.e, false);
    }
    let x = big(a);
    let z = big(b);
    if (d > 0) x *= pow10(d);
    else if (d < 0) z *= pow10(-d);
    return Decimal.rounded(x + z, Math.min(this.e, y.e));
  }

  minus(other: DecimalValue): Decimal {
    return this.plus((other instanceof Decimal ? other : parse(other)).negated());
  }

  times(other: DecimalValue): Decimal {
    const y = other instanceof Decimal ? other : parse(other);
    const a = this.c;
    const b = y.c;
    if (a === 0 || b === 0) return new Decimal(0, 0, this.isNegative() !== y.isNegative());
    if (typeof a === "number" && typeof b === "number") {
      const p = a * b;
      if (safe(p)) return new Decimal(p, this.e + y.e, false);
    }
    return Decimal.rounded(big(a) * big(b), this.e + y.e);
  }

  /** decimal.js's short name for times (infra/estimateModels.ts uses it). */
  mul(other: DecimalValue): Decimal {
    return this.times(other);
  }

  /** The quotient rounded to 50 significant digits, half to even, as decimal.js rounds it. Division by zero throws. */
  div(other: DecimalValue): Decimal {
    const y = other instanceof Decimal ? other : parse(other);
    const a = this.c;
    const b = y.c;
    if (b === 0) throw new Error("[DecimalError] Division by zero");
    if (a === 0) return new Decimal(0, 0, this.isNegative() !== y.isNegative());
    if (typeof a === "number" && typeof b === "number") {
      // A quotient that ends within a safe integer's digits (GB × 2^20 ÷ 512) is exact: no rounding to do.
      for (let k = 0; k < 16; k++) {
        const n = a * TEN[k]!;
        if (!safe(n)) break;
        if (n % b === 0) return new Decimal(n / b, this.e - y.e - k, false);
      }
    }
    // Enough digits that the quotient has more than 50, with the remainder as the sticky bit for the rounding.
    const x = big(a);
    const z = big(b);
    const k = Math.max(0, PRECISION + 2 + digits(z) - digits(x));
    const n = x * pow10(k);
    return Decimal.rounded(n / z, this.e - y.e - k, n % z !== 0n);
  }

  negated(): Decimal {
    return this.c === 0 ? new Decimal(0, 0, !this.negZero) : new Decimal(-this.c, this.e, false);
  }

  abs(): Decimal {
    return this.isNegative() ? this.negated() : this;
  }

  /** −1, 0 or 1. */
  comparedTo(other: DecimalValue): number {
    const y = other instanceof Decimal ? other : parse(other);
    const a = this.c;
    const b = y.c;
    const sa = a < 0 ? -1 : a > 0 ? 1 : 0;
    const sb = b < 0 ? -1 : b > 0 ? 1 : 0;
    if (sa !== sb || sa === 0) return sa < sb ? -1 : sa > sb ? 1 : 0;
    const d = this.e - y.e;
    if (typeof a === "number" && typeof b === "number" && d < 16 && d > -16) {
      const x = d > 0 ? a * TEN[d]! : a;
      const z = d < 0 ? b * TEN[-d]! : b;
      if (safe(x) && safe(z)) return x < z ? -1 : x > z ? 1 : 0;
    }
    let x = big(a);
    let z = big(b);
    if (d > 0) x *= pow10(d);
    else if (d < 0) z *= pow10(-d);
    return x < z ? -1 : x > z ? 1 : 0;
  }

  equals(other: DecimalValue): boolean {
    return this.comparedTo(other) === 0;
  }
  lessThan(other: DecimalValue): boolean {
    return this.comparedTo(other) < 0;
  }
  lessThanOrEqualTo(other: DecimalValue): boolean {
    return this.comparedTo(other) <= 0;
  }
  greaterThan(other: DecimalValue): boolean {
    return this.comparedTo(other) > 0;
  }
  greaterThanOrEqualTo(other: DecimalValue): boolean {
    return this.comparedTo(other) >= 0;
  }

  isZero(): boolean {
    return this.c === 0;
  }
  /** True for −0 too, as in decimal.js. */
  isNegative(): boolean {
    return this.c < 0 || this.negZero;
  }
  isInteger(): boolean {
    return this.e >= 0;
  }

  /** Rounded to `dp` decimal places (decimal.js's toDecimalPlaces; half to even unless told). */
  toDecimalPlaces(dp: number, rm: Rounding = 6): Decimal {
    const drop = -dp - this.e;
    if (drop <= 0) return this;
    const c = big(this.c);
    const p = pow10(drop);
    let kept = c / p;
    if (roundsAway(kept, c % p, drop, c < 0n, false, rm)) kept += c < 0n ? -1n : 1n;
    return new Decimal(kept, -dp, kept === 0n && this.isNegative());
  }

  ceil(): Decimal {
    return this.toDecimalPlaces(0, 2);
  }
  floor(): Decimal {
    return this.toDecimalPlaces(0, 3);
  }
  /** To an integer, half to even (decimal.js's round() with Stowage's rounding). */
  round(): Decimal {
    return this.toDecimalPlaces(0, 6);
  }

  /** The digits of |value| with `dp` places after the point (as many as it has when not given), never an exponent. */
  private plain(dp?: number): string {
    const x = dp === undefined ? this : this.toDecimalPlaces(dp);
    let s = (x.c < 0 ? -x.c : x.c).toString();
    const places = dp ?? Math.max(0, -x.e);
    if (x.e > 0) s += "0".repeat(x.e);
    else if (x.e < 0) s = s.padStart(-x.e + 1, "0");
    const have = Math.max(0, -x.e); // places s holds now (zero is 0 × 10^0)
    if (places > have) s += "0".repeat(places - have);
    return places > 0 ? `${s.slice(0, s.length - places)}.${s.slice(s.length - places)}` : s;
  }

  /** decimal.js's toFixed: "-" only on a value below zero (−0.001 to 2 places is "-0.00"; −0 is "0"). */
  toFixed(dp?: number, rm: Rounding = 6): string {
    const s = dp === undefined ? this.plain() : this.toDecimalPlaces(dp, rm).plain(dp);
    return this.c < 0 ? `-${s}` : s;
  }

  /** decimal.js's toString: an exponent below 1e-6 and from 1e21, the digits otherwise; −0 is "0". */
  toString(): string {
    return this.c < 0 ? `-${this.unsigned()}` : this.unsigned();
  }

  /** decimal.js's valueOf and toJSON: as toString, but −0 is "-0". */
  valueOf(): string {
    return this.isNegative() ? `-${this.unsigned()}` : this.unsigned();
  }
  toJSON(): string {
    return this.valueOf();
  }

  toNumber(): number {
    return Number(this.valueOf());
  }

  private unsigned(): string {
    if (this.c === 0) return "0";
    const s = (this.c < 0 ? -this.c : this.c).toString();
    const exponent = s.length - 1 + this.e; // of the first digit
    if (exponent <= -7 || exponent >= 21) {
      const mantissa = s.length > 1 ? `${s[0]}.${s.slice(1)}` : s;
      return `${mantissa}e${exponent < 0 ? "" : "+"}${exponent}`;
    }
    return this.plain();
  }

  static max(...values: DecimalValue[]): Decimal {
    return values.map((v) => new Decimal(v)).reduce((a, b) => (b.greaterThan(a) ? b : a));
  }
  static min(...values: DecimalValue[]): Decimal {
    return values.map((v) => new Decimal(v)).reduce((a, b) => (b.lessThan(a) ? b : a));
  }
}

/** A number or decimal string as a Decimal, exactly (no rounding, as decimal.js's constructor). */
function parse(value: DecimalValue): Decimal {
  if (value instanceof Decimal) return value;
  if (typeof value === "number" && Number.isInteger(value) && safe(value)) return new Decimal(value, 0, Object.is(value, -0));
  const m = typeof value === "number" || typeof value === "string" ? NUMBER.exec(String(value)) : null;
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) throw new Error(`[DecimalError] Invalid argument: ${String(value)}`);
  const fraction = m[3] ?? "";
  const all = `${m[2]}${fraction}` || "0";
  // Up to 15 digits (a price's "0.0230000000" is 11) are a safe integer as a number: no BigInt to make.
  const magnitude = all.length <= 15 ? Number(all) : BigInt(all);
  return new Decimal(m[1] === "-" ? -magnitude : magnitude, Number(m[4] ?? 0) - fraction.length, m[1] === "-");
}

export const ZERO = new Decimal(0);

/** AWS bills a month as 730 hours (8,760 / 12). One constant, used everywhere. */
export const HOURS_PER_MONTH = 730;

/** The cost models count a month as 30 days when they age data (lifecycle, minimum durations). */
export const DAYS_PER_MONTH = 30;

/** S3, EBS and RDS bill a "GB" as 2^30 bytes; an object's size in KB is 2^10 bytes. */
export const KB_PER_GB = 1024 * 1024;

export function dec(value: DecimalValue): Decimal {
  return new Decimal(value);
}

/** The larger of two amounts. */
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
  return value.toFixed();
}

/** Dollars rounded to cents for people: "1,234.56". */
export function usd(value: Decimal): string {
  const fixed = value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
  const [whole, cents] = fixed.split(".");
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}`;
}
