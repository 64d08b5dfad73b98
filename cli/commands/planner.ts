import { join } from "node:path";
import { UserError } from "../../core/errors.js";
import { packageRoot } from "../../core/paths.js";
import type { Command } from "../command.js";
import { PRICES_OPTION, STACK_DIR_OPTION, parse, print, COMMON_EXIT_CODES } from "../options.js";

const HELP = `stowage planner [--workload FILE] [--users FILE] [--stack NAME] [--stack-dir DIR] [--prices DIR]

The interactive planner (what \`npm start\` runs). Screens, moved between with tab / ←→ or 1-5:
  Workload   edit the workload's numbers (defaults: the example files shipped with Stowage)
  Costs      S3 strategies vs RDS vs EBS, month 1 and the horizon, cumulative cost chart with crossings
  Latency    a live bar per region while probes run, then the sorted table with estimate and physical floor
  Placement  the ranking and the Pareto front; pick primary (p) and replica (r)
  Apply      the exact change to Pulumi.<stack>.yaml, written with w
Needs a terminal; without one, use \`stowage plan --format json\`. NO_COLOR turns colours off.

  --workload FILE  (default examples/workload.yaml)      --users FILE  (default examples/users.yaml)
  --stack NAME     the stack file to write (default dev)  --stack-dir DIR  where it is (default: here)
${COMMON_EXIT_CODES}
`;

export const command: Command = {
  name: "planner",
  help: HELP,
  async run(args) {
    const { values } = parse(
      args,
      { workload: { type: "string", short: "w" }, users: { type: "string", short: "u" }, stack: { type: "string" }, ...STACK_DIR_OPTION, ...PRICES_OPTION },
      HELP,
    );
    if (values.help) return print(HELP);
    const root = packageRoot();
    const workload = values.workload ?? join(root, "examples", "workload.yaml");
    const users = values.users ?? join(root, "examples", "users.yaml");
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new UserError(
        "The interactive planner needs a terminal (a TTY); this run has none.",
        `For scripts and CI use: stowage plan --workload ${workload} --users ${users} --format json`,
      );
    }
    // These must be set before Ink and chalk load. A TTY means a person is watching, even inside a CI job's shell:
    // Ink draws only the last frame when CI is set (is-in-ci), and chalk turns colour off whenever CI is set at all
    // (supports-color), even CI=false. So both are removed, not set. chalk ignores NO_COLOR; FORCE_COLOR=0 turns its
    // colours off (https://no-color.org).
    if (process.env.NO_COLOR) process.env.FORCE_COLOR = "0";
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    const { runPlanner } = await import("../../planner/ui/run.js");
    return runPlanner({
      workload,
      users,
      stack: values.stack ?? "dev",
      stackDir: values["stack-dir"] ?? ".",
      ...(values.prices ? { prices: values.prices } : {}),
    });
  },
};
