/**
 * `stowage policy --stack NAME | --program FILE|DIR | --export FILE [--policy-config FILE]`: the I/O around offline.ts,
 * returned as a report; cli/render/policy.ts renders it and cli/commands/policy.ts writes it and chooses the exit code.
 */
import { UserError } from "../../core/errors.js";
import { readJsonFile } from "../../core/inputs.js";
import type { StackConfig } from "../../core/stack/schema.js";
import { runNamedProgram } from "../programFile.js";
import { loadOwnStack } from "../loadStack.js";
import { NO_PACK_CONFIG, readPackConfig } from "./packConfig.js";
import type { RuleConfig } from "./rules.js";
import { fromStackExport, judge, type PolicyReport } from "./offline.js";

export interface PolicyArgs {
  readonly stack?: string;
  /** Where the stack files are (default: the current folder; for --program, the program's project folder). */
  readonly stackDir?: string;
  readonly program?: string;
  readonly exportFile?: string;
  /** A policy pack config file (`pulumi preview --policy-pack-config` format). */
  readonly policyConfig?: string;
}

/** What the rules need from our own program's stack config: whether object reads are audited too. */
export function ruleConfigFor(cfg: StackConfig): Partial<RuleConfig> {
  return { auditReads: cfg.audit.readEvents };
}

/** The judged resources, and the failure of a program that failed part-way (judged on what it registered before). */
export interface PolicyRun {
  readonly report: PolicyReport;
  readonly failure?: UserError;
}

export async function policyReport(args: PolicyArgs): Promise<PolicyRun> {
  const packConfig = args.policyConfig ? await readPackConfig(args.policyConfig) : NO_PACK_CONFIG;
  let report: PolicyReport;
  let failure: UserError | undefined;
  if (args.exportFile) {
    const json = await readJsonFile(args.exportFile, "stack export", "Create one with `pulumi stack export --file stack.json`.");
    // Anything else would judge zero resources and pass: a gate must not pass a file it could not read.
    if (!Array.isArray((json as { deployment?: { resources?: unknown } } | null)?.deployment?.resources)) {
      throw new UserError(
        `${args.exportFile} is not a stack export: it has no deployment.resources list.`,
        "Create one with `pulumi stack export --file stack.json`.",
      );
    }
    report = await judge(args.stack ?? "export", fromStackExport(json), {}, "stowage", packConfig);
  } else if (args.program) {
    // A foreign program: its own project and, when --stack is given, its own stack file (else no config, as a new stack).
    const run = await runNamedProgram(args.program, args, "check");
    // Not Stowage's own program: its house rules advise unless the policy config raises them.
    report = await judge(args.stack ?? run.project, run.resources, { houseRules: false }, run.project, packConfig);
    failure = run.failure;
  } else {
    if (!args.stack)
      throw new UserError(
        "--stack NAME, --program FILE|DIR or --export FILE is required.",
        "Try `stowage policy --stack prod`, or `stowage policy --program path/to/index.ts`.",
      );
    const own = await loadOwnStack(args.stackDir ?? ".", args.stack);
    report = await judge(args.stack, own.resources, ruleConfigFor(own.cfg), "stowage", packConfig);
  }
  return { report, ...(failure ? { failure } : {}) };
}
