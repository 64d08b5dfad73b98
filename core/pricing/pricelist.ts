/**
 * Parses the Price List API's `GetProducts` documents: the same code reads the shipped snapshot and a live answer.
 *
 * Each element of `PriceList` is a JSON document *as a string*:
 *   { product: { productFamily?, attributes, sku }, serviceCode, terms: { OnDemand: { "<sku>.<offer>": {
 *     priceDimensions: { "<sku>.<offer>.<rate>": { unit, beginRange, endRange, description, pricePerUnit: { USD } } } } } },
 *     publicationDate }
 * Traps handled here: prices are strings, the last tier's endRange is "Inf", a tiered SKU has one dimension per tier,
 * and `usagetype` carries a region prefix outside us-east-1 ("USE2-TimedStorage-ByteHrs").
 */
import { Decimal } from "../money.js";

export interface PriceTier {
  /** Start of the tier in the price's unit, inclusive. */
  readonly begin: Decimal;
  /** End of the tier, exclusive; null for "Inf". */
  readonly end: Decimal | null;
  readonly usd: Decimal;
  readonly unit: string;
  readonly description: string;
}

/** One on-demand product with its tiers in ascending order. */
export interface PriceEntry {
  readonly serviceCode: string;
  readonly sku: string;
  readonly productFamily: string | null;
  readonly regionCode: string | null;
  readonly usagetype: string;
  /** `usagetype` without its region prefix: "USE2-Requests-Tier1" → "Requests-Tier1". */
  readonly usagetypeBase: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly tiers: readonly PriceTier[];
  readonly publicationDate: string | null;
}

export interface ParseProblem {
  readonly index: number;
  readonly sku: string | null;
  readonly reason: string;
}

export interface ParseResult {
  readonly entries: PriceEntry[];
  readonly problems: ParseProblem[];
}

/** Region prefixes look like "USE2-", "EU-", "EUC1-", "APS3-"; usage names start in mixed case ("Requests-…"). */
const REGION_PREFIX = /^[A-Z]{2,4}\d?-(?=[A-Za-z])/;

export function stripRegionPrefix(usagetype: string): string {
  return usagetype.replace(REGION_PREFIX, "");
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseDecimal(value: unknown, what: string): Decimal {
  if (typeof value !== "string" && typeof value !== "number") throw new Error(`${what} is missing`);
  // Decimal refuses Infinity and NaN, which a price is not either.
  const d = /^[+-]?(?:Infinity|NaN)$/.test(String(value)) ? null : new Decimal(value);
  if (!d || d.isNegative()) throw new Error(`${what} is not a non-negative number: ${String(value)}`);
  return d;
}

function parseTier(dim: unknown, key: string): PriceTier {
  if (!isObject(dim)) throw new Error(`price dimension ${key} is not an object`);
  const price = isObject(dim.pricePerUnit) ? dim.pricePerUnit.USD : undefined;
  return {
    begin: parseDecimal(dim.beginRange ?? "0", `beginRange of ${key}`),
    end: dim.endRange === undefined || dim.endRange === "Inf" ? null : parseDecimal(dim.endRange, `endRange of ${key}`),
    usd: parseDecimal(price, `pricePerUnit.USD of ${key}`),
    unit: typeof dim.unit === "string" ? dim.unit : "",
    description: typeof dim.description === "string" ? dim.description : "",
  };
}

/** Parses one document (already JSON-decoded). Throws with a reason when it is not a usable on-demand product. */
export function parseProduct(doc: unknown): PriceEntry {
  if (!isObject(doc) || !isObject(doc.product)) throw new Error("no product");
  const product = doc.product;
  const sku = typeof product.sku === "string" ? product.sku : null;
  if (!sku) throw new Error("product has no sku");
  const attributes: Record<string, string> = {};
  if (isObject(product.attributes)) {
    for (const [k, v] of Object.entries(product.attributes)) if (typeof v === "string") attributes[k] = v;
  }
  const usagetype = attributes.usagetype;
  if (!usagetype) throw new Error("product has no usagetype");
  const onDemand = isObject(doc.terms) && isObject(doc.terms.OnDemand) ? doc.terms.OnDemand : null;
  if (!onDemand) throw new Error("no OnDemand terms");
  const offers = Object.entries(onDemand);
  if (offers.length !== 1) throw new Error(`expected one OnDemand offer, found ${offers.length}`);
  const [offerKey, offer] = offers[0]!;
  if (!isObject(offer) || !isObject(offer.priceDimensions)) throw new Error(`offer ${offerKey} has no priceDimensions`);
  const tiers = Object.entries(offer.priceDimensions)
    .map(([key, dim]) => parseTier(dim, key))
    .sort((a, b) => a.begin.comparedTo(b.begin));
  if (tiers.length === 0) throw new Error("no price dimensions");
  checkContiguous(tiers);
  return {
    serviceCode: typeof doc.serviceCode === "string" ? doc.serviceCode : "",
    sku,
    productFamily: typeof product.productFamily === "string" ? product.productFamily : null,
    regionCode: attributes.regionCode ?? null,
    usagetype,
    usagetypeBase: stripRegionPrefix(usagetype),
    attributes,
    tiers,
    publicationDate: typeof doc.publicationDate === "string" ? doc.publicationDate : null,
  };
}

/** Tiers must follow each other with no gap and only the last may be open-ended. */
function checkContiguous(tiers: readonly PriceTier[]): void {
  for (let i = 0; i < tiers.length; i++) {
    const tier = tiers[i]!;
    const next = tiers[i + 1];
    if (!next) return;
    if (tier.end === null || !tier.end.equals(next.begin)) {
      throw new Error(`tiers are not contiguous at ${tier.begin.toFixed()}–${tier.end?.toFixed() ?? "Inf"}`);
    }
  }
}

/**
 * Parses a `PriceList` array (strings, as the API returns them). A malformed element is reported, never fatal:
 * one bad SKU must not hide every other price.
 */
export function parsePriceList(priceList: readonly unknown[]): ParseResult {
  const entries: PriceEntry[] = [];
  const problems: ParseProblem[] = [];
  priceList.forEach((element, index) => {
    const parsed = parseElement(element, index);
    if ("entry" in parsed) entries.push(parsed.entry);
    else problems.push(parsed.problem);
  });
  return { entries, problems };
}

/** One element of a `PriceList` (the `index`-th): its entry, or why it has none. */
export function parseElement(element: unknown, index: number): { entry: PriceEntry } | { problem: ParseProblem } {
  let doc: unknown;
  try {
    // Strings as stored, or String objects (the SDK's LazyJsonString); anything else is a decoded document.
    doc = typeof element === "string" || element instanceof String ? JSON.parse(String(element)) : element;
  } catch {
    return { problem: { index, sku: null, reason: "not valid JSON" } };
  }
  try {
    return { entry: parseProduct(doc) };
  } catch (err) {
    const sku = isObject(doc) && isObject(doc.product) && typeof doc.product.sku === "string" ? doc.product.sku : null;
    return { problem: { index, sku, reason: (err as Error).message } };
  }
}

const USAGETYPE_KEY = '"usagetype":"';

/**
 * An element's usage type without its region prefix, read from the JSON text without parsing it: what the catalog
 * files an unparsed element under. Null, and then the element is parsed at once, unless the text is a plain one with
 * exactly one literal `"usagetype":"…"` and no escapes in it (AWS's answers, and the snapshot's, always are).
 */
export function usagetypeOf(element: unknown): string | null {
  if (typeof element !== "string" || element.includes("\\u")) return null;
  const at = element.indexOf(USAGETYPE_KEY);
  if (at < 0 || element.indexOf(USAGETYPE_KEY, at + 1) >= 0) return null;
  const start = at + USAGETYPE_KEY.length;
  const end = element.indexOf('"', start);
  const value = end < 0 ? "" : element.slice(start, end);
  return value === "" || value.includes("\\") ? null : stripRegionPrefix(value);
}
