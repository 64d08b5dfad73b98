/**
 * `stowage estimate --stack NAME [--usage FILE] [--compare-to BASE.json] [--budget USD]`: the I/O around estimate.ts.
 */
import { EXIT } from "../core/exit.js";
import { readFile } from "node:fs/promises";
import { UserError } from "../core/errors.js";
import { issueProblem, problemsError, readYamlFile } from "../core/inputs.js";
import { exact, usd, Decimal } from "../core/money.js";
import { defaultSnapshotDir } from "../core/paths.js";
import { loadSnapshot, warnIfStale } from "../core/pricing/snapshot.js";
import { RENAMED_USAGE_KEYS, UsageSchema, estimateStack, type StackEstimate, type Usage } from "./estimate.js";
import { loadOwnStack } from "./stack.js";
import { markdownTable, textTable } from "../core/render.js";

export interface EstimateArgs {
  readonly stack: string;
  readonly stackDir: string;
  readonly usage?: string;
  readonly compareTo?: string;
  readonly budget?: number;
  readonly format: "table" | "json" | "markdown";
  readonly prices?: string;
}

async function loadUsage(path: string | undefined): Promise<Usage> {
  if (!path) return UsageSchema.parse({});
  const raw = await readYamlFile(path, "usage file", "--usage", "examples/usage.yaml");
  const r = UsageSchema.safeParse(raw ?? {});
  if (!r.success) {
    // Keys of earlier usage files are named with their new names, as in the workload file.
    const renamed = (problem: string) => (problem.includes(": unknown key") ? problem.replace(/"(\w+)"/g, (m, key: string) => (RENAMED_USAGE_KEYS[key] ? `${m} (now ${RENAMED_USAGE_KEYS[key]}, as in the workload file)` : m)) : problem);
    throw problemsError(path, r.error.issues.map((issue) => renamed(issueProblem(issue, { raw }))), "examples/usage.yaml");
  }
  return r.data;
}

export function estimateJson(e: StackEstimate, extra: object = {}) {
  return {
    stack: e.stack,
    pricesAsOf: e.pricesAsOf,
    horizonMonths: e.horizonMonths,
    total: exact(e.total),
    /** False when a resource lacks a price or usage: the total is then a lower bound. */
    complete: e.resources.every((r) => r.complete),
    resources: e.resources.map((r) => ({
      type: r.type,
      name: r.name,
      monthlyCost: exact(r.monthlyCost),
      complete: r.complete,
      ...(r.note ? { note: r.note } : {}),
      lines: r.lines.map((l) => ({ name: l.name, quantity: l.quantity === null ? null : exact(l.quantity), unit: l.unit, unitPrice: l.unitPrice === null ? null : exact(l.unitPrice), cost: l.cost === null ? null : exact(l.cost) })),
    })),
    missingPrices: e.missingPrices,
    ...extra,
  };
}

type Diff = { type: string; name: string; before: string; after: string; change: string }[];

function diffAgainst(base: { resources?: { type: string; name: string; monthlyCost: string }[] }, e: StackEstimate): Diff {
  const before = new Map((base.resources ?? []).map((r) => [`${r.type}::${r.name}`, new Decimal(r.monthlyCost)]));
  const keys = new Set([...before.keys(), ...e.resources.map((r) => `${r.type}::${r.name}`)]);
  return [...keys]
    .map((k) => {
      const [type, name] = k.split("::") as [string, string];
      const b = before.get(k) ?? new Decimal(0);
      const a = e.resources.find((r) => `${r.type}::${r.name}` === k)?.monthlyCost ?? new Decimal(0);
      return { type, name, before: exact(b), after: exact(a), change: exact(a.minus(b)) };
    })
    .filter((d) => d.change !== "0");
}

export async function runEstimate(args: EstimateArgs): Promise<number> {
  const [usage, snapshot] = await Promise.all([loadUsage(args.usage), loadSnapshot(args.prices ?? defaultSnapshotDir())]);
  const stack = await loadOwnStack(args.stackDir, args.stack);
  const e = estimateStack(args.stack, stack.resources, usage, snapshot.catalog, snapshot.asOf, stack.region);
  warnIfStale(e.pricesAsOf);
  let diff: Diff | undefined;
  if (args.compareTo) {
    try {
      diff = diffAgainst(JSON.parse(await readFile(args.compareTo, "utf8")), e);
    } catch (err) {
      throw new UserError(`Cannot read the base estimate ${args.compareTo}: ${(err as Error).message.split("\n")[0]}`, "Create it with `stowage estimate --stack NAME --json > base.json` on the base branch.");
    }
  }
  process.stdout.write(renderEstimate(e, args.format, { ...(diff ? { diff } : {}), ...(args.budget !== undefined ? { budget: args.budget } : {}) }));
  return overBudget(e, args.budget) ? EXIT.OVER_BUDGET : EXIT.OK;
}

const overBudget = (e: StackEstimate, budget: number | undefined) => budget !== undefined && e.total.greaterThan(budget);

/** The estimate as the command prints it: JSON, a table or Markdown, with the change and the budget when given. */
export function renderEstimate(e: StackEstimate, format: "table" | "json" | "markdown", opts: { diff?: Diff; budget?: number } = {}): string {
  const { diff, budget } = opts;
  const over = overBudget(e, budget);
  if (format === "json") {
    return `${JSON.stringify(estimateJson(e, { ...(diff ? { diff } : {}), ...(budget !== undefined ? { budget, overBudget: over } : {}) }), null, 2)}\n`;
  }
  const md = format === "markdown";
  // A resource with a price the snapshot lacks says so beside its figure: its $ is only what could be priced.
  const cell = (r: StackEstimate["resources"][number]) => `$${usd(r.monthlyCost)}${r.complete ? "" : r.lines.some((l) => l.unitPrice === null) ? " * price missing" : " *"}`;
  const rows = e.resources.map((r) => [r.name, r.type.split(":").pop()!, cell(r)]);
  const out = [`${md ? "### " : ""}Estimated monthly cost of ${e.stack}: $${usd(e.total)} (average over ${e.horizonMonths} months; prices as of ${e.pricesAsOf ?? "unknown"})`, ""];
  const money = (c: number) => c === 2;
  out.push(md ? markdownTable([["resource", "type", "$/month"], ...rows], money) : textTable(rows, money));
  out.push("", "* incomplete: usage not given, or a price the snapshot does not have (see --format json).");
  for (const m of e.missingPrices) out.push(`missing price: ${m.service} ${m.usagetype} in ${m.region} ${m.command}`);
  if (diff) {
    out.push("", md ? "#### Change against the base" : "Change against the base:");
    if (diff.length === 0) out.push("no change");
    for (const d of diff) out.push(`${md ? "- " : "  "}${d.name} (${d.type.split(":").pop()}): $${usd(new Decimal(d.before))} → $${usd(new Decimal(d.after))} (${d.change.startsWith("-") ? "" : "+"}${usd(new Decimal(d.change))})`);
  }
  if (budget !== undefined) {
    const unpriced = e.resources.filter((r) => !r.complete).length;
    const limit = `$${usd(new Decimal(budget))}`;
    if (over) out.push("", `Over budget: $${usd(e.total)} > ${limit}.`);
    else if (unpriced === 0) out.push("", `Within budget: $${usd(e.total)} ≤ ${limit}.`);
    // Within the budget, but only as far as it was priced: say so rather than sound certain.
    else out.push("", `Within budget as far as priced: $${usd(e.total)} ≤ ${limit}, but ${unpriced} resource${unpriced === 1 ? " is" : "s are"} not fully priced (*), so the total is a lower bound.`);
  }
  return `${out.join("\n")}\n`;
}
