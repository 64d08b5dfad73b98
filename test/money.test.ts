/**
 * core/money.ts's Decimal against decimal.js, which it replaced in the cost path (npm run bench: startup): decimal.js
 * configured as Stowage configured it (50 significant digits, half to even) is the oracle, and every operation the
 * code uses must give the same value and print the same strings, over random operands shaped like money (snapshot
 * prices of ten decimals, GB counts, tier bounds, quotients that do not terminate) and the edge cases by hand.
 */
import { Decimal as DecimalJs } from "decimal.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal, exact, usd } from "../core/money.js";

const Oracle = DecimalJs.clone({ precision: 50, rounding: DecimalJs.ROUND_HALF_EVEN });
type Oracle = InstanceType<typeof Oracle>;

/** Every string a value prints, and its sign and size, side by side. */
function views(d: Decimal | Oracle) {
  return {
    toFixed: d.toFixed(),
    toFixed2: d.toFixed(2),
    toFixed4: d.toFixed(4, 4),
    toString: d.toString(),
    toJSON: JSON.stringify(d),
    toNumber: d.toNumber(),
    dp4: d.toDecimalPlaces(4).toFixed(),
    dp2up: d.toDecimalPlaces(2, 4).toString(),
    ceil: d.ceil().toString(),
    floor: d.floor().valueOf(),
    round: d.round().valueOf(),
    isZero: d.isZero(),
    isNegative: d.isNegative(),
    isInteger: d.isInteger(),
  };
}

const same = (ours: Decimal, oracle: Oracle, what: string): void => {
  expect(views(ours), what).toEqual(views(oracle));
};

/** Decimal strings: prices ("0.0230000000"), counts, tiny per-byte prices, and long ones past 50 digits. */
const decimalString = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 9_999_999_999 })).map(([w, f]) => `${w}.${String(f).padStart(10, "0")}`),
  fc.integer({ min: -1_000_000, max: 10_000_000 }).map(String),
  fc.double({ min: -1e6, max: 1e9, noNaN: true, noDefaultInfinity: true }).map((n) => String(n)),
  fc.tuple(fc.bigInt({ min: -(10n ** 60n), max: 10n ** 60n }), fc.integer({ min: -70, max: 10 })).map(([c, e]) => `${c}e${e}`),
  // Around 2^53, where a coefficient stops being a safe integer and becomes a BigInt.
  fc
    .tuple(fc.bigInt({ min: 2n ** 53n - 3000n, max: 2n ** 53n + 3000n }), fc.integer({ min: -20, max: 5 }), fc.boolean())
    .map(([c, e, negative]) => `${negative ? "-" : ""}${c}e${e}`),
  fc.integer({ min: 1, max: 99_999_999 }).map((n) => `${n}e-8`),
  fc.constantFrom("0", "-0", "0.5", "-0.5", "1.5", "2.5", "-2.5", "0.005", "-0.005", "0.0001", "1e-7", "1e21", "123456789012345678901", "730", "30", "1048576"),
);

describe("Decimal, as decimal.js computes and prints", () => {
  it("parses and prints every value alike", () => {
    fc.assert(
      fc.property(decimalString, (s) => {
        same(new Decimal(s), new Oracle(s), s);
      }),
    );
    for (const n of [0, -0, 1, -1, 0.1, 1e-7, 1.5e21, 2 ** 60, 51_200, 0.023, -123.456]) same(new Decimal(n), new Oracle(n), String(n));
  });

  it("adds, subtracts, multiplies and divides alike, rounding past 50 digits half to even", () => {
    const ops = ["plus", "minus", "times", "div"] as const;
    fc.assert(
      fc.property(decimalString, decimalString, fc.constantFrom(...ops), (a, b, op) => {
        if (op === "div" && new Oracle(b).isZero()) return;
        same(new Decimal(a)[op](new Decimal(b)), new Oracle(a)[op](new Oracle(b)), `${a} ${op} ${b}`);
      }),
      { numRuns: 3000 },
    );
  });

  it("compares alike", () => {
    fc.assert(
      fc.property(decimalString, decimalString, (a, b) => {
        const [x, y, ox, oy] = [new Decimal(a), new Decimal(b), new Oracle(a), new Oracle(b)];
        expect([x.comparedTo(y), x.lessThan(y), x.lessThanOrEqualTo(y), x.greaterThan(y), x.equals(y)], `${a} vs ${b}`).toEqual([
          ox.comparedTo(oy),
          ox.lessThan(oy),
          ox.lessThanOrEqualTo(oy),
          ox.greaterThan(oy),
          ox.equals(oy),
        ]);
      }),
    );
  });

  it("chains like a horizon: 120 months of price × quantity summed, divided by the months", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(decimalString, decimalString), { minLength: 1, maxLength: 120 }), (rows) => {
        let ours = new Decimal(0);
        let oracle = new Oracle(0);
        for (const [q, p] of rows) {
          ours = ours.plus(new Decimal(q).times(p));
          oracle = oracle.plus(new Oracle(q).times(p));
        }
        same(ours, oracle, "sum");
        same(ours.div(rows.length), oracle.div(rows.length), "mean");
        same(ours.negated().abs(), oracle.negated().abs(), "abs");
      }),
      { numRuns: 300 },
    );
  });

  it("keeps zero's sign where decimal.js does, and shows it only where decimal.js does", () => {
    const cases: [Decimal, Oracle][] = [
      [new Decimal(-5).times(0), new Oracle(-5).times(0)],
      [new Decimal(0).negated(), new Oracle(0).negated()],
      [new Decimal(-0.5).ceil(), new Oracle(-0.5).ceil()],
      [new Decimal(-0.001).toDecimalPlaces(2), new Oracle(-0.001).toDecimalPlaces(2)],
      [new Decimal(-0).plus(-0), new Oracle(-0).plus(-0)],
      [new Decimal(-0).plus(0), new Oracle(-0).plus(0)],
      [new Decimal(3).minus(3), new Oracle(3).minus(3)],
      [new Decimal(0).div(-4), new Oracle(0).div(-4)],
    ];
    cases.forEach(([ours, oracle], i) => same(ours, oracle, `case ${i}`));
    expect(new Decimal(-0.001).toFixed(2)).toBe(new Oracle(-0.001).toFixed(2)); // "-0.00"
  });

  it("formats money as before: exact() for JSON, usd() for tables, min and max of several", () => {
    for (const s of ["0", "1234567.125", "-0.005", "0.015", "12.5", "1e-9", "999.995"]) {
      expect(exact(new Decimal(s))).toBe(new Oracle(s).toFixed());
      expect(usd(new Decimal(s))).toBe(
        new Oracle(s)
          .toDecimalPlaces(2, Oracle.ROUND_HALF_UP)
          .toFixed(2)
          .replace(/\B(?=(\d{3})+(?!\d))/g, ","),
      );
    }
    expect(Decimal.max(1, "2.5", new Decimal(2)).toString()).toBe("2.5");
    expect(Decimal.min(1, "-2.5", new Decimal(2)).toString()).toBe("-2.5");
    expect(new Decimal("12.50")).toEqual(new Decimal(12.5)); // one form per value, so toEqual compares values
    expect(() => new Decimal("abc")).toThrow(/Invalid argument/);
    expect(() => new Decimal(1).div(0)).toThrow(/Division by zero/);
  });
});
