import { EXIT } from "../../core/exit.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, STACK_DIR_OPTION, formatFlag, parse, print } from "../options.js";

const HELP = `stowage policy --stack NAME [--stack-dir DIR] [--policy-config FILE] [--format table|json|markdown] [--json]
stowage policy --program FILE|DIR [--stack NAME] [--policy-config FILE] [--format …]
stowage policy --export FILE [--policy-config FILE] [--format …]

Runs a Pulumi program under the engine's mocks, as \`pulumi preview\` would run it, and checks its resources with the
Stowage policy pack (dist/policy-pack after the build: the same policies \`pulumi preview --policy-pack\` runs); or reads a
\`pulumi stack export\` file. Bucket settings that live in @pulumi/aws v7 sidecar resources are joined to their
bucket; a missing one is a violation.

  --stack NAME          Stowage's own program with the stack's Pulumi.NAME.yaml config (from --stack-dir, default
                        the current folder); with --program, that program's stack config
  --program FILE|DIR    any program: a TypeScript or JavaScript entry file, or a project folder whose Pulumi.yaml
                        names it (\`main\`); its imports resolve from its own folder, its config from its own
                        Pulumi.NAME.yaml when --stack is given
  --export FILE         a \`pulumi stack export\` file
  --policy-config FILE  enforcement levels and rule settings, in the format \`pulumi preview --policy-pack-config\`
                        reads: { "all": "advisory", "RULE": "disabled" | { "enforcementLevel": …, SETTING: … } }

s3-cloudtrail-data-events is mandatory where the stack owns its audit (Stowage's stowage:audit config, or a trail
in the program) and advisory otherwise (an organisation trail elsewhere may cover the buckets); set
"auditOwned": true or false for it in the policy config to say which.

Exit codes: ${EXIT.OK} no mandatory violation, ${EXIT.VIOLATION} a mandatory violation, ${EXIT.USER} bad input (or an error in the
program), ${EXIT.BUG} a bug.
JSON: { stack, resources, violations: [ { policy, control, enforcementLevel, resource: { type, name }, message } ] }
`;

export const command: Command = {
  name: "policy",
  help: HELP,
  async run(args) {
    const { values } = parse(
      args,
      {
        stack: { type: "string" },
        ...STACK_DIR_OPTION,
        program: { type: "string" },
        export: { type: "string" },
        "policy-config": { type: "string" },
        ...FORMAT_OPTIONS,
      },
      HELP,
    );
    if (values.help) return print(HELP);
    const [{ policyReport }, { hasMandatory, renderPolicy }] = await Promise.all([import("../../infra/policy/report.js"), import("../render/policy.js")]);
    const format = formatFlag(values, ["table", "json", "markdown"] as const);
    const run = await policyReport({
      ...(values.stack ? { stack: values.stack } : {}),
      ...(values["stack-dir"] ? { stackDir: values["stack-dir"] } : {}),
      ...(values.program ? { program: values.program } : {}),
      ...(values.export ? { exportFile: values.export } : {}),
      ...(values["policy-config"] ? { policyConfig: values["policy-config"] } : {}),
    });
    print(renderPolicy(run, format));
    // A program that failed part-way is judged on what it registered before (said in the report), then fails the run.
    if (run.failure) throw run.failure;
    return hasMandatory(run.report) ? EXIT.VIOLATION : EXIT.OK;
  },
};
