/**
 * `stowage estimate --stack NAME | --program FILE|DIR [--usage FILE] [--compare-to BASE.json] [--budget USD]`: reads
 * what estimate.ts needs and returns a report; cli/render/estimate.ts renders it and cli/commands/estimate.ts writes it.
 */
import * as z from "zod";
import { UserError } from "../core/errors.js";
import { issueProblem, problemsError, readJsonFile, readYamlFile } from "../core/inputs.js";
import { exact, Decimal } from "../core/money.js";
import { defaultSnapshotDir } from "../core/paths.js";
import { loadSnapshot, staleWarning } from "../core/pricing/snapshot.js";
import { RENAMED_USAGE_KEYS, UsageSchema, estimateStack, type StackEstimate, type Usage } from "./estimate.js";
import { runNamedProgram } from "./programFile.js";
import { loadOwnStack, regionOfConfig } from "./loadStack.js";

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

/** Whether the total is over the budget (none given: never). */
export const overBudget = (e: StackEstimate, budget: number | undefined) => budget !== undefined && e.total.greaterThan(budget);
