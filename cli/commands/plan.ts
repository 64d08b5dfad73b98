import { EXIT } from "../../core/exit.js";
import { UserError } from "../../core/errors.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, PRICES_OPTION, STACK_DIR_OPTION, formatFlag, intFlag, parse, print, warn } from "../options.js";

const HELP = `stowage plan --workload FILE --users FILE [--stack NAME] [--stack-dir DIR] [--write]
             [--format table|json|markdown] [--json] [--offline] [--deadline MS] [--prices DIR] [--near-tie-pct N]

Ranks regions by cost and latency for the workload and the users file (examples/users.yaml documents every key),
and recommends a primary region and, when the users file requires one, a replica region.

  Cost      per region, the cheapest S3 strategy averaged per month over the horizon; with a required replica,
            the strategy and the replica (allowed, far enough away) are chosen together: the cheapest pair, its
            replication requests and transfer included. An option missing a price is ranked "unknown" with the
            range other regions' prices give it; the reasons say when that range could change the answer.
  Near-ties feasible regions within near_tie_pct (default 5%) of the cheapest go to the lowest latency.
  Latency   per population: measured live from this machine for the population marked \`here: true\` (unless
            --offline or there is no network), estimated offline for every other (\`stowage latency --help\`;
            \`stowage latency --calibration\` shows how well the estimate fits measured medians).
  Feasible  allowed, priced, weighted round trip within latency_objective_ms, worst population within
            worst_latency_ms, replica found, and within monthly_budget_usd. A region meeting the latency limits
            by estimates but not at the high end of their 80% intervals is marked "likely".
  Providers AWS alone unless the users file says \`providers: { allowed: [...], forbidden: [...] }\` (aws, gcs,
            azure, r2, b2; a client that forbids AWS: \`providers: { forbidden: [aws] }\`). Other providers'
            locations ("gcs:europe-west3", "b2:eu-central", "r2:auto") are priced like \`stowage cost --provider\`,
            their latency estimated (Azure's measured matrix, an AWS region in the metro, or distance alone: each
            figure says which) or measured from \`here\` where \`providers.endpoints\` names one; a replica in
            another provider pays internet egress. --write refuses a placement outside AWS (the stack's program
            provisions AWS only).

  --stack NAME    show the change to Pulumi.NAME.yaml that records the decision (primary region, replica regions,
                  upload storage class, lifecycle, and a comment with the date and reasons); nothing else in the
                  file changes
  --write         write that change into the file (atomically; the file keeps its mode and owner, and a symlink
                  stays a symlink: its target is written)
  --stack-dir DIR where the stack files are, beside the project's Pulumi.yaml (default: the current folder); a
                  folder without a Pulumi.yaml is refused, and a new stack name is written with a note naming
                  the project's stacks
  --format F      table (default), json or markdown; --json is short for --format json
  --offline       no live measurement
  --near-tie-pct N  the near-tie margin in percent, 0–100 (default: the users file's near_tie_pct, else 5)

Exit codes: ${EXIT.OK} a recommendation, ${EXIT.NO_FEASIBLE_PLACEMENT} no region meets every constraint (the output says which failed
and by how much), ${EXIT.USER} bad input, ${EXIT.BUG} a bug.
`;

export const command: Command = {
  name: "plan",
  help: HELP,
  async run(args) {
    const { values } = parse(
      args,
      {
        workload: { type: "string", short: "w" },
        users: { type: "string", short: "u" },
        stack: { type: "string" },
        ...STACK_DIR_OPTION,
        write: { type: "boolean" },
        ...FORMAT_OPTIONS,
        offline: { type: "boolean" },
        deadline: { type: "string" },
        "near-tie-pct": { type: "string" },
        ...PRICES_OPTION,
      },
      HELP,
    );
    if (values.help) return print(HELP);
    const [{ planReport }, { renderPlan }] = await Promise.all([import("../../planner/placement/report.js"), import("../render/plan.js")]);
    if (values.write && !values.stack) throw new UserError("--write needs --stack NAME: which stack file to write.", "Try `--stack dev --write`.");
    const format = formatFlag(values, ["table", "json", "markdown"] as const);
    const report = await planReport(
      {
        workload: requireFile(values.workload, "--workload", "the example files"),
        users: requireFile(values.users, "--users", "the example files"),
        ...(values.stack ? { stack: values.stack } : {}),
        ...(values["stack-dir"] ? { stackDir: values["stack-dir"] } : {}),
        write: values.write ?? false,
        format,
        offline: values.offline ?? false,
        deadlineMs: intFlag(values.deadline, "--deadline", 10_000, 1, 600_000),
        ...(values.prices ? { prices: values.prices } : {}),
        ...(values["near-tie-pct"] !== undefined ? { nearTiePct: intFlag(values["near-tie-pct"], "--near-tie-pct", 5, 0, 100) } : {}),
      },
      (line) => process.stderr.write(`${line}\n`),
      warn,
    );
    print(renderPlan(report, format));
    return report.result.recommendation ? EXIT.OK : EXIT.NO_FEASIBLE_PLACEMENT;
  },
};

function requireFile(value: string | undefined, flag: string, example: string): string {
  if (!value)
    throw new UserError(`${flag} FILE is required.`, `Try \`stowage plan --workload examples/workload.yaml --users examples/users.yaml\` (${example}).`);
  return value;
}
