import { EXIT } from "../../core/exit.js";
import { UserError } from "../../core/errors.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, PRICES_OPTION, STACK_DIR_OPTION, formatFlag, parse, print, warn } from "../options.js";

const HELP = `stowage estimate --stack NAME | --program FILE|DIR [--usage FILE] [--compare-to BASE.json] [--budget USD]
                 [--stack-dir DIR] [--format table|json|markdown] [--json]

Runs the stack's program under the engine's mocks and prices its resources with the cost models of stowage cost:
each bucket as the s3-lifecycle option of the equivalent workload (lifecycle and expiry from its sidecars,
replicas from its replication), with usage from the usage file (examples/usage.yaml documents every key; a usage
entry for a bucket the stack does not have is an error that names the stack's buckets).
RDS PostgreSQL instances and EBS volumes are priced like the rds-postgresql and ebs options (other engines are
reported, not priced); a storage or volume type the models do not know is reported "not priced", never priced as
another. Buckets without usage show unit prices; without --usage the output names every usage it lacks. KMS and
CloudTrail are listed with their usage but their prices are not in the snapshot yet (reported missing). --compare-to prints the monthly change per resource against an earlier
--json output (a base of another stack is a warning); --budget exits ${EXIT.OVER_BUDGET} when the total is over.

--program FILE|DIR prices any Pulumi program instead, run as \`stowage policy --program\` runs it (under mocks, from
its own folder; with --stack, its own Pulumi.NAME.yaml); a program that fails part-way is priced on what it
registered, then the command exits ${EXIT.USER}.

Exit codes: ${EXIT.OK} done, ${EXIT.OVER_BUDGET} over --budget, ${EXIT.USER} bad input, ${EXIT.BUG} a bug.
`;

export const command: Command = {
  name: "estimate",
  help: HELP,
  async run(args) {
    const { values } = parse(
      args,
      {
        stack: { type: "string" },
        program: { type: "string" },
        ...STACK_DIR_OPTION,
        usage: { type: "string" },
        "compare-to": { type: "string" },
        budget: { type: "string" },
        ...FORMAT_OPTIONS,
        ...PRICES_OPTION,
      },
      HELP,
    );
    if (values.help) return print(HELP);
    if (!values.stack && !values.program)
      throw new UserError(
        "--stack NAME or --program FILE|DIR is required.",
        "Try `stowage estimate --stack prod --usage examples/usage.yaml`, or `stowage estimate --program path/to/index.ts`.",
      );
    const budget = values.budget === undefined ? undefined : Number(values.budget);
    if (budget !== undefined && !(budget >= 0)) throw new UserError(`--budget ${values.budget} is not an amount in USD.`);
    const [{ estimateReport }, { renderEstimate }] = await Promise.all([import("../../infra/estimateReport.js"), import("../render/estimate.js")]);
    const format = formatFlag(values, ["table", "json", "markdown"] as const);
    const report = await estimateReport({
      ...(values.stack ? { stack: values.stack } : {}),
      ...(values.program ? { program: values.program } : {}),
      ...(values["stack-dir"] ? { stackDir: values["stack-dir"] } : {}),
      ...(values.usage ? { usage: values.usage } : {}),
      ...(values["compare-to"] ? { compareTo: values["compare-to"] } : {}),
      ...(budget !== undefined ? { budget } : {}),
      ...(values.prices ? { prices: values.prices } : {}),
    });
    for (const w of report.warnings) warn(w);
    print(renderEstimate(report.estimate, format, report));
    // A program that failed part-way is priced on what it registered before, then fails the run (as `policy --program`).
    if (report.failure) throw report.failure;
    return report.overBudget ? EXIT.OVER_BUDGET : EXIT.OK;
  },
};
