/**
 * `stowage estimate --stack NAME | --program FILE|DIR [--usage FILE] [--compare-to BASE.json] [--budget USD]`: reads
 * what estimate.ts needs and returns a report; cli/commands/estimate.ts writes it. `renderEstimate` stays here, pure,
 * because the goldens (test/estimate.golden.test.ts) render through it from this module.
 */
import * as z from "zod";
import { UserError } from "../core/errors.js";
import { issueProblem, problemsError, readJsonFile, readYamlFile } from "../core/inputs.js";
import { exact, usd, Decimal } from "../core/money.js";
import { defaultSnapshotDir } from "../core/paths.js";
import { loadSnapshot, staleWarning } from "../core/pricing/snapshot.js";
import { RENAMED_USAGE_KEYS, UsageSchema, estimateStack, type StackEstimate, type Usage } from "./estimate.js";
import { runNamedProgram } from "./programFile.js";
import { loadOwnStack, regionOfConfig } from "./loadStack.js";
import { markdownTable, textTable } from "../core/render.js";

export interface EstimateArgs {
  /** Stowage's own program for this stack file; with `program`, the program's own stack file (else none, as a new stack). */
  readonly stack?: string;
  readonly stackDir?: string;
  /** Any Pulumi program (entry file or project folder), run as `stowage policy --program` runs it. */
  readonly program?: string;
  readonly usage?: string;
  readonly compareTo?: string;
  readonly budget?: number;
  readonly prices?: string;
}

async function loadUsage(path: string | undefined): Promise<Usage> {
  if (!path) return UsageSchema.parse({});
  const raw = await readYamlFile(path, "usage file", "--usage", "examples/usage.yaml");
  const r = UsageSchema.safeParse(raw ?? {});
  if (!r.success) {
    // Keys of earlier usage files are named with their new names, as in the workload file.
    const renamed = (problem: string) =>
      problem.includes(": unknown key")
        ? problem.replace(/"(\w+)"/g, (m, key: string) => (RENAMED_USAGE_KEYS[key] ? `${m} (now ${RENAMED_USAGE_KEYS[key]}, as in the workload file)` : m))
        : problem;
    throw problemsError(
      path,
      r.error.issues.map((issue) => renamed(issueProblem(issue, { raw }))),
      "examples/usage.yaml",
    );
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
      lines: r.lines.map((l) => ({
        name: l.name,
        quantity: l.quantity === null ? null : exact(l.quantity),
        unit: l.unit,
        unitPrice: l.unitPrice === null ? null : exact(l.unitPrice),
        cost: l.cost === null ? null : exact(l.cost),
      })),
    })),
    missingPrices: e.missingPrices,
    ...extra,
  };
}

export type Diff = { type: string; name: string; before: string; after: string; change: string }[];

const TO_BASE = "Create it with `stowage estimate --stack NAME --json > base.json` on the base branch.";

/** What --compare-to reads: an earlier `--json` output. Only these keys are read; the rest may be anything. */
const BaseEstimate = z.looseObject({
  stack: z.string(),
  resources: z.array(
    z.looseObject({
      type: z.string(),
      name: z.string(),
      monthlyCost: z.string().regex(/^-?\d+(\.\d+)?$/, 'expected an amount in USD as a string, like "12.5"'),
    }),
  ),
});
type BaseEstimate = z.infer<typeof BaseEstimate>;

/** The base estimate, checked: a file that cannot be read or is not an estimate is one line naming it and what was expected. */
export async function readBaseEstimate(path: string): Promise<BaseEstimate> {
  const raw = await readJsonFile(path, "base estimate", TO_BASE);
  const r = BaseEstimate.safeParse(raw);
  if (!r.success) {
    const [first, ...more] = r.error.issues.map((issue) => issueProblem(issue, { raw }));
    throw new UserError(
      `The base estimate ${path} is not an estimate: ${first}${more.length ? ` (and ${more.length} more)` : ""}; expected the output of \`stowage estimate --json\`.`,
      TO_BASE,
    );
  }
  return r.data;
}

function diffAgainst(base: BaseEstimate, e: StackEstimate): Diff {
  const before = new Map(base.resources.map((r) => [`${r.type}::${r.name}`, new Decimal(r.monthlyCost)]));
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

/** The resources to price: Stowage's own program for a stack file, or any program run as `policy --program` runs it. */
async function loadResources(args: EstimateArgs) {
  if (args.program) {
    const run = await runNamedProgram(args.program, args, "price");
    return { name: args.stack ?? run.project, resources: run.resources, region: regionOfConfig({ ...run.config }), failure: run.failure };
  }
  if (!args.stack) throw new Error("estimateReport needs a stack or a program (the command checks its flags)");
  const own = await loadOwnStack(args.stackDir ?? ".", args.stack);
  return { name: args.stack, resources: own.resources, region: own.region, failure: undefined };
}

/**
 * What the command shows: the estimate, its change against the base, what it lacks, and what to warn about. The
 * command (cli/commands/estimate.ts) renders it, writes it and chooses the exit code; nothing here writes.
 */
export interface EstimateReport {
  readonly estimate: StackEstimate;
  readonly diff?: Diff;
  readonly budget?: number;
  readonly overBudget: boolean;
  /** Usage keys the resources needed, when no usage file was given. */
  readonly withoutUsage?: readonly string[];
  /** For stderr, one line each, after `stowage: warning: `. */
  readonly warnings: readonly string[];
  /** A program that failed part-way: priced on what it registered before, then the command fails with this. */
  readonly failure?: UserError;
}

export async function estimateReport(args: EstimateArgs): Promise<EstimateReport> {
  // The base is checked before the program runs: a bad path fails in a moment, not after the whole estimate.
  const base = args.compareTo ? await readBaseEstimate(args.compareTo) : undefined;
  const [usage, snapshot] = await Promise.all([loadUsage(args.usage), loadSnapshot(args.prices ?? defaultSnapshotDir())]);
  const stack = await loadResources(args);
  const e = estimateStack(stack.name, stack.resources, usage, snapshot.catalog, snapshot.asOf, stack.region);
  const warnings = [staleWarning(e.pricesAsOf) ?? []].flat();
  if (base && base.stack !== e.stack) {
    warnings.push(
      `comparing the estimate of stack ${e.stack} with a base estimate of stack ${base.stack} (${args.compareTo}): the change is between two stacks, not two versions of one.`,
    );
  }
  // Without a usage file, whatever needs usage is priced at nothing: say which, rather than print a total as if it were the cost.
  const withoutUsage = args.usage ? [] : e.resources.flatMap((r) => r.missingUsage ?? []);
  return {
    estimate: e,
    ...(base ? { diff: diffAgainst(base, e) } : {}),
    ...(args.budget !== undefined ? { budget: args.budget } : {}),
    overBudget: overBudget(e, args.budget),
    ...(withoutUsage.length ? { withoutUsage } : {}),
    warnings,
    ...(stack.failure ? { failure: stack.failure } : {}),
  };
}

const overBudget = (e: StackEstimate, budget: number | undefined) => budget !== undefined && e.total.greaterThan(budget);

/** The estimate as the command prints it: JSON, a table or Markdown, with the change and the budget when given. */
export function renderEstimate(
  e: StackEstimate,
  format: "table" | "json" | "markdown",
  opts: { diff?: Diff; budget?: number; withoutUsage?: readonly string[] } = {},
): string {
  const { diff, budget, withoutUsage } = opts;
  const over = overBudget(e, budget);
  if (format === "json") {
    return `${JSON.stringify(estimateJson(e, { ...(withoutUsage ? { usageGiven: false, withoutUsage } : {}), ...(diff ? { diff } : {}), ...(budget !== undefined ? { budget, overBudget: over } : {}) }), null, 2)}\n`;
  }
  const md = format === "markdown";
  // A resource with a price the snapshot lacks says so beside its figure: its $ is only what could be priced.
  const cell = (r: StackEstimate["resources"][number]) =>
    r.unpriced
      ? `not priced: ${r.unpriced}`
      : `$${usd(r.monthlyCost)}${r.complete ? "" : r.lines.some((l) => l.unitPrice === null) ? " * price missing" : " *"}`;
  const rows = e.resources.map((r) => [r.name, r.type.split(":").pop()!, cell(r)]);
  const out = [
    `${md ? "### " : ""}Estimated monthly cost of ${e.stack}: $${usd(e.total)} (average over ${e.horizonMonths} months; prices as of ${e.pricesAsOf ?? "unknown"})`,
    "",
  ];
  if (withoutUsage) {
    const n = withoutUsage.length;
    out.splice(
      1,
      0,
      `No usage file given (--usage FILE): ${withoutUsage.join(", ")} ${n === 1 ? "has no usage, so its" : "have no usage, so their"} lines show unit prices and the $${usd(e.total)} above counts nothing for ${n === 1 ? "it" : "them"}. Give --usage FILE (examples/usage.yaml documents every key).`,
    );
  }
  const money = (c: number) => c === 2;
  out.push(md ? markdownTable([["resource", "type", "$/month"], ...rows], money) : textTable(rows, money));
  out.push("", "* incomplete: usage not given, or a price the snapshot does not have (see --format json).");
  for (const m of e.missingPrices) out.push(`missing price: ${m.service} ${m.usagetype} in ${m.region} ${m.command}`);
  if (diff) {
    out.push("", md ? "#### Change against the base" : "Change against the base:");
    if (diff.length === 0) out.push("no change");
    for (const d of diff)
      out.push(
        `${md ? "- " : "  "}${d.name} (${d.type.split(":").pop()}): $${usd(new Decimal(d.before))} → $${usd(new Decimal(d.after))} (${d.change.startsWith("-") ? "" : "+"}${usd(new Decimal(d.change))})`,
      );
  }
  if (budget !== undefined) {
    const unpriced = e.resources.filter((r) => !r.complete).length;
    const limit = `$${usd(new Decimal(budget))}`;
    if (over) out.push("", `Over budget: $${usd(e.total)} > ${limit}.`);
    else if (unpriced === 0) out.push("", `Within budget: $${usd(e.total)} ≤ ${limit}.`);
    // Within the budget, but only as far as it was priced: say so rather than sound certain.
    else
      out.push(
        "",
        `Within budget as far as priced: $${usd(e.total)} ≤ ${limit}, but ${unpriced} resource${unpriced === 1 ? " is" : "s are"} not fully priced (*), so the total is a lower bound.`,
      );
  }
  return `${out.join("\n")}\n`;
}
