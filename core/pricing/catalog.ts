/**
 * The price catalog: parsed Price List entries indexed for the cost models' look-ups. Pure: built from data.
 */
import { parseElement, usagetypeOf, type ParseProblem, type PriceEntry } from "./pricelist.js";

/** The service codes Stowage prices against (Deep Archive and Glacier Flexible have their own; Fargate is AmazonECS, SQS AWSQueueService). */
export const SERVICE_CODES = [
  "AmazonS3",
  "AmazonS3GlacierDeepArchive",
  "AmazonGlacier",
  "AmazonEC2",
  "AmazonRDS",
  "AWSDataTransfer",
  "AmazonECS",
  "AWSQueueService",
] as const;
export type ServiceCode = (typeof SERVICE_CODES)[number];

/** Other providers' price sources (core/clouds): read from the files they were published in, never refreshed. */
export const OTHER_SERVICE_CODES = ["GoogleCloudStorage", "AzureBlobStorage", "AzureBandwidth", "CloudflareR2", "BackblazeB2"] as const;
export type OtherServiceCode = (typeof OTHER_SERVICE_CODES)[number];

export function isAwsService(service: string): service is ServiceCode {
  return (SERVICE_CODES as readonly string[]).includes(service);
}

/** Where a price came from: the snapshot records it per GetProducts answer. */
export interface Provenance {
  /** e.g. "aws-pricing-api GetProducts" or the document a price was transcribed from. */
  readonly source: string;
  /** ISO date the answer was retrieved. */
  readonly retrievedAt: string;
}

/** Which product a cost component needs: a usage type without its region prefix, plus exact attribute matches. */
export interface PriceSelector {
  readonly service: ServiceCode | OtherServiceCode;
  readonly usagetype: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface PricedEntry {
  readonly entry: PriceEntry;
  readonly provenance: Provenance;
}

/** One stored answer, not yet parsed: the catalog parses a service's answers for a region when first asked. */
export interface PricedAnswer {
  readonly service: ServiceCode;
  readonly region: string;
  readonly provenance: Provenance;
  readonly PriceList: readonly unknown[];
}

export type CatalogProblem = ParseProblem & { readonly service: string; readonly region: string };

/** Selectors are immutable and mostly shared constants (the storage classes'), so each one's key is built once. */
const keys = new WeakMap<PriceSelector, string>();
/**
 * localeCompare's order for attribute names. Names of letters and digits (all of them, in practice) compare as the
 * collator does: digits before letters, letters without regard to case, then at the first difference of case the
 * lower one first. Anything else goes to localeCompare: the first call to it loads ICU's collation (~25 ms of start-up).
 */
const PLAIN = /^[A-Za-z0-9]*$/;
export function byName(a: string, b: string): number {
  if (!PLAIN.test(a) || !PLAIN.test(b)) return a.localeCompare(b);
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] === x[i] ? -1 : 1;
  return 0;
}

export function selectorKey(s: PriceSelector): string {
  let key = keys.get(s);
  if (key === undefined) {
    const attrs = Object.entries(s.attributes ?? {})
      .sort(([a], [b]) => byName(a, b))
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    key = attrs ? `${s.service}:${s.usagetype}[${attrs}]` : `${s.service}:${s.usagetype}`;
    keys.set(s, key);
  }
  return key;
}

/** The region an entry prices: `regionCode`, or `fromRegionCode` for data transfer. */
export function entryRegion(entry: PriceEntry): string | null {
  return entry.regionCode ?? entry.attributes.fromRegionCode ?? null;
}

export class Catalog {
  private readonly index = new Map<string, PricedEntry[]>();
  /** Look-ups repeat for every month of every option; the answer for a (region, selector) never changes. */
  private readonly found = new Map<string, Map<string, PricedEntry | null>>();
  private readonly regionsOf = new Map<string, string[]>();
  /** Answers not parsed yet, by "service|region": a plan over 30 regions never parses their RDS instances. */
  private readonly pending = new Map<string, PricedAnswer[] | (() => PricedAnswer[])>();
  /**
   * Elements of loaded answers not parsed yet, by usage type (usagetypeOf): a look-up parses only the elements of the
   * usage type it asks for (an RDS file holds a hundred instance classes; a cost needs two or three prices of it).
   * `seq` is the element's place in load order, the order in which parsing everything at once would have met it.
   */
  private readonly unparsed = new Map<string, { seq: number; element: unknown; index: number; answer: PricedAnswer }[]>();
  private seq = 0;
  private readonly problemSeq = new WeakMap<CatalogProblem, number>();
  /** Malformed elements met so far (all of them, in load order, after `complete()`): skipped, never fatal. */
  readonly problems: CatalogProblem[] = [];

  /** `stored`: answers kept on disk per service and region, read only when a look-up first needs them. */
  constructor(
    entries: Iterable<PricedEntry> = [],
    answers: Iterable<PricedAnswer> = [],
    stored: Iterable<{ service: ServiceCode; region: string; read: () => PricedAnswer[] }> = [],
  ) {
    for (const priced of entries) this.add(priced);
    for (const answer of answers) {
      const key = `${answer.service}|${answer.region}`;
      const list = this.pending.get(key);
      if (Array.isArray(list)) list.push(answer);
      else this.pending.set(key, [answer]);
    }
    for (const s of stored) this.pending.set(`${s.service}|${s.region}`, s.read);
  }

  private add(priced: PricedEntry): void {
    const { entry } = priced;
    // Outposts and Local Zone SKUs share usage types with the region's own and would overwrite its prices.
    const locationType = entry.attributes.locationType;
    if (locationType !== undefined && locationType !== "AWS Region") return;
    const region = entryRegion(entry);
    if (!region) return;
    const key = `${entry.serviceCode}|${region}|${entry.usagetypeBase}`;
    const list = this.index.get(key);
    if (list) list.push(priced);
    else this.index.set(key, [priced]);
  }

  /** Takes in the answers stored for a service in a region, once: each element is filed by usage type, or parsed. */
  private load(key: string): void {
    const pending = this.pending.get(key);
    if (!pending) return;
    this.pending.delete(key);
    const answers = typeof pending === "function" ? pending() : pending;
    for (const answer of answers) {
      answer.PriceList.forEach((element, index) => {
        const seq = this.seq++;
        const usagetype = usagetypeOf(element);
        if (usagetype === null) return this.parse(element, index, answer, seq);
        const list = this.unparsed.get(usagetype);
        if (list) list.push({ seq, element, index, answer });
        else this.unparsed.set(usagetype, [{ seq, element, index, answer }]);
      });
    }
  }

  private parse(element: unknown, index: number, answer: PricedAnswer, seq: number): void {
    const parsed = parseElement(element, index);
    if ("entry" in parsed) return this.add({ entry: parsed.entry, provenance: answer.provenance });
    const problem = { ...parsed.problem, service: answer.service, region: answer.region };
    this.problemSeq.set(problem, seq);
    this.problems.push(problem);
  }

  /** Parses the loaded elements of these usage types (all of them when none is named), in load order. */
  private parseUnparsed(usagetype?: string): void {
    const lists = usagetype === undefined ? [...this.unparsed.values()] : [this.unparsed.get(usagetype) ?? []];
    if (usagetype === undefined) this.unparsed.clear();
    else this.unparsed.delete(usagetype);
    const docs = lists.length === 1 ? lists[0]! : lists.flat().sort((a, b) => a.seq - b.seq);
    for (const d of docs) this.parse(d.element, d.index, d.answer, d.seq);
  }

  /** Parses every stored answer (for reports of the whole snapshot, such as its malformed elements). */
  complete(): this {
    for (const key of [...this.pending.keys()]) this.load(key);
    this.parseUnparsed();
    this.problems.sort((a, b) => this.problemSeq.get(a)! - this.problemSeq.get(b)!);
    return this;
  }

  /**
   * The one product that matches, or null when none does. Several matches are a catalog error (the selector is
   * too loose for this data), reported rather than silently picking one.
   */
  find(region: string, selector: PriceSelector): PricedEntry | null {
    const key = selectorKey(selector);
    let inRegion = this.found.get(region);
    if (!inRegion) this.found.set(region, (inRegion = new Map()));
    let hit = inRegion.get(key);
    if (hit === undefined) {
      hit = this.lookUp(region, selector);
      inRegion.set(key, hit);
    }
    return hit;
  }

  private lookUp(region: string, selector: PriceSelector): PricedEntry | null {
    this.load(`${selector.service}|${region}`);
    this.parseUnparsed(selector.usagetype);
    const candidates = this.index.get(`${selector.service}|${region}|${selector.usagetype}`) ?? [];
    const wanted = Object.entries(selector.attributes ?? {});
    const matches = candidates.filter(({ entry }) => wanted.every(([k, v]) => entry.attributes[k] === v));
    if (matches.length > 1) {
      const skus = matches.map((m) => m.entry.sku).join(", ");
      throw new Error(`price selector ${selectorKey(selector)} matches ${matches.length} products in ${region}: ${skus}`);
    }
    return matches[0] ?? null;
  }

  /** Regions that have at least one price for the service. */
  regions(service?: PriceSelector["service"]): string[] {
    const which = service ?? "";
    let list = this.regionsOf.get(which);
    if (!list) {
      this.parseUnparsed(); // a loaded element counts once it has parsed, as before look-ups parsed only what they need
      const out = new Set<string>();
      for (const key of [...this.index.keys(), ...this.pending.keys()]) {
        const [svc, region] = key.split("|");
        if (!service || svc === service) out.add(region!);
      }
      this.regionsOf.set(which, (list = [...out].sort()));
    }
    return [...list];
  }
}
