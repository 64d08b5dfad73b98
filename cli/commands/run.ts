import { UserError } from "../../core/errors.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, formatFlag, intFlag, parse, print } from "../options.js";
import { REPO_HELP, REPO_OPTIONS, open, progressReporter, repoArg } from "../repoOptions.js";

const HELP = `stowage run --in REPO[@REF] --out REPO [--glob G] [--parallel N] [--name NAME] [--branch B]
            [--code-version V] [--format table|json] [--json] -- COMMAND [ARGS…]

Runs COMMAND, unchanged and in any language, once per datum of the input commit, and commits what it wrote to the
output repository in one commit when every datum succeeded. The same command line works on a local folder and on
s3://bucket/prefix.
--glob chooses the datums as Pachyderm does: /* (default) each top-level file or folder; / the whole input as one;
/*/* each entry one level down; a pattern with ** each matching file. For each datum COMMAND runs in the current
folder with STOWAGE_IN = a folder holding exactly that datum's input files at their repository paths (each fetched
by its pinned version), STOWAGE_OUT = an empty folder whose files become output files at the same relative paths,
STOWAGE_DATUM = the datum's path, STOWAGE_RUN = the run id. --parallel N datums at once (default 1); each uses its
own temporary folders, removed when it ends.
Without @REF the input's main branch is committed first when its files changed, so provenance always names a commit.
Incremental: a datum whose inputs (paths and versions) and code (the command line plus the git commit of the
current folder, or --code-version) were processed before is skipped, its outputs carried into the new commit.
A failing datum (non-zero exit) fails the run: no output commit; the run record names each failed datum with its
exit code and the last lines of its output; running again does only what did not succeed.
Every run writes a record under the output's .stowage/runs/ (create-once; on a bucket with a default Object Lock
retention, locked): stowage data why reads it.
JSON: { run, status: "ok"|"failed", inputCommit, outputCommit, datums: { total, processed, skipped, failed }, failures }
${REPO_HELP}
Exit codes: 0 ok, 6 a datum failed, 2 bad input.
`;

export const command: Command = {
  name: "run",
  help: HELP,
  async run(args) {
    const dash = args.indexOf("--");
    const flags = dash < 0 ? args : args.slice(0, dash);
    const cmd = dash < 0 ? [] : args.slice(dash + 1);
    const { values } = parse(flags, { in: { type: "string" }, out: { type: "string" }, glob: { type: "string" }, parallel: { type: "string" }, name: { type: "string" }, branch: { type: "string" }, "code-version": { type: "string" }, ...REPO_OPTIONS, ...FORMAT_OPTIONS }, HELP);
    if (values.help) return print(HELP);
    if (cmd.length === 0) throw new UserError("No command to run.", "Put it after --, e.g. stowage run --in ./images --out ./labels -- python3 detect.py");
    const inSpec = repoArg(values.in, "--in REPO", HELP, true);
    const outSpec = repoArg(values.out, "--out REPO", HELP);
    const format = formatFlag(values, ["table", "json"] as const);
    const parallel = intFlag(values.parallel, "--parallel", 1, 1, 256);
    const { runPipeline } = await import("../../use/run.js");
    const input = await open(inSpec, values);
    const output = await open(outSpec, values, true);
    try {
      const r = await runPipeline({
        input,
        ...(inSpec.ref ? { inputRef: inSpec.ref } : {}),
        output,
        ...(values.branch ? { branch: values.branch } : {}),
        ...(values.glob ? { glob: values.glob } : {}),
        parallel,
        ...(values.name ? { name: values.name } : {}),
        ...(values["code-version"] !== undefined ? { codeVersion: values["code-version"] } : {}),
        command: cmd,
        progress: progressReporter(values),
      });
      if (format === "json") print(`${JSON.stringify(r, null, 2)}\n`);
      else {
        const d = r.datums;
        print(
          `Run ${r.run} ${r.status}: ${d.total} datums, ${d.processed} processed, ${d.skipped} skipped, ${d.failed} failed.\n` +
            `Input commit ${r.inputCommit.slice(0, 12)}; ${r.outputCommit ? `output commit ${r.outputCommit.slice(0, 12)}` : "no output commit"}.\n` +
            r.failures.map((f) => `  ${f.datum || "/"}: ${f.reason}${f.stderrTail.length ? `\n    ${f.stderrTail.slice(-5).join("\n    ")}` : ""}\n`).join(""),
        );
      }
      return r.status === "ok" ? 0 : 6;
    } finally {
      input.close();
      output.close();
    }
  },
};
