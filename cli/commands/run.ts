import { EXIT } from "../../core/exit.js";
import { UserError } from "../../core/errors.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, endpointFlag, formatFlag, intFlag, parse, print } from "../options.js";
import { REPO_HELP, REPO_OPTIONS, open, progressReporter, repoArg } from "../repoOptions.js";

const HELP = `stowage run --in REPO[@REF] --out REPO [--glob G] [--parallel N] [--name NAME] [--branch B]
            [--code-version V] [--out-endpoint URL] [--out-region R] [--format table|json] [--json] -- COMMAND [ARGS…]
stowage run --watch --listen HOST:PORT | --queue URL [--batch-size N] [--batch-seconds S] (same flags) -- COMMAND…

Runs COMMAND, unchanged and in any language, once per datum of the input commit, and commits what it wrote to the
output repository in one commit when every datum succeeded. The same command line works on a local folder and on
s3://bucket/prefix.
--glob chooses the datums as Pachyderm does: /* (default) each top-level file or folder; / the whole input as one;
/*/* each entry one level down; a pattern with ** each matching file. For each datum COMMAND runs in the current
folder with STOWAGE_IN = a folder holding exactly that datum's input files at their repository paths (each fetched
by its pinned version), STOWAGE_OUT = an empty folder whose files become output files at the same relative paths,
STOWAGE_DATUM = the datum's path, STOWAGE_RUN = the run id. --parallel N commands at once (default 1), with up to 2N datums in
hand so inputs download and outputs upload while commands run; each datum uses its own temporary folders, removed when it ends, also on Ctrl-C or SIGTERM (which stop the commands; exit ${EXIT.INTERRUPTED} / ${EXIT.TERMINATED}).
Without @REF the input's main branch is committed first when its files changed, so provenance always names a commit.
Incremental: a datum whose inputs (paths and versions) and code were processed before is skipped, its outputs
carried into the new commit. The code is --code-version when given; otherwise the command line, the git commit of
the current folder (and its uncommitted changes) and the SHA-256 of each file the command names (the script, not
an interpreter on PATH). When only the command line names it, every run warns: give --code-version.
A failing datum (non-zero exit) fails the run: no output commit; the run record names each failed datum with its
exit code and the last lines of its output; running again does only what did not succeed.
Every run writes a record under the output's .stowage/runs/ (create-once; on a bucket with a default Object Lock
retention, locked): stowage data why reads it.
--out-endpoint URL and --out-region R reach the output's store when it is not where the input is (e.g. --in on Ceph
RGW, --out on Azurite); --endpoint and --region stay the input's.
JSON: { run, status: "ok"|"failed", inputCommit, outputCommit, datums: { total, processed, skipped, failed }, failures }

--watch (with --listen HOST:PORT or --queue URL) keeps running: it first catches up on the input's current files,
then takes new-object events and runs the datums they name as they arrive, committing outputs in batches of
--batch-size events (default 100) or after --batch-seconds (default 2) from a batch's first event, whichever
comes first. A datum that fails does not hold up the others: their outputs are committed, its events go to the
failure path (SQS: released for another try, and after the queue's maxReceiveCount to its dead-letter queue;
--listen: the run record, and the next start's catch-up). Events already processed (same path and versionId, same
code) are skipped. --listen receives S3 event JSON pushed over HTTP (Ceph RGW topics, MinIO webhooks); --queue
long-polls an SQS queue S3 sends to (--queue-endpoint URL for an SQS-compatible service), keeping messages hidden
while their datums run and deleting them once committed. SIGTERM or Ctrl-C: finish the batch in hand, commit,
exit ${EXIT.OK}. A status line goes to stderr every --report-seconds (default 10): datums done, failed, skipped, events
waiting and the last batch's lag (first event to committed output). With --json, one JSON line per batch:
{ kind: "catch-up"|"batch", events, run, status, outputCommit, datums, lagMs, totals }.
${REPO_HELP}
Exit codes: ${EXIT.OK} ok (and a watch stopped by a signal), ${EXIT.DATUM_FAILED} a datum failed, ${EXIT.USER} bad input.
`;

export const command: Command = {
  name: "run",
  help: HELP,
  async run(args) {
    const dash = args.indexOf("--");
    const flags = dash < 0 ? args : args.slice(0, dash);
    const cmd = dash < 0 ? [] : args.slice(dash + 1);
    const { values } = parse(
      flags,
      {
        in: { type: "string" },
        out: { type: "string" },
        glob: { type: "string" },
        parallel: { type: "string" },
        name: { type: "string" },
        branch: { type: "string" },
        "code-version": { type: "string" },
        watch: { type: "boolean" },
        listen: { type: "string" },
        queue: { type: "string" },
        "queue-endpoint": { type: "string" },
        "out-endpoint": { type: "string" },
        "out-region": { type: "string" },
        "batch-size": { type: "string" },
        "batch-seconds": { type: "string" },
        "report-seconds": { type: "string" },
        ...REPO_OPTIONS,
        ...FORMAT_OPTIONS,
      },
      HELP,
    );
    if (values.help) return print(HELP);
    if (cmd.length === 0) throw new UserError("No command to run.", "Put it after --, e.g. stowage run --in ./images --out ./labels -- python3 detect.py");
    const inSpec = repoArg(values.in, "--in REPO", HELP, true);
    const outSpec = repoArg(values.out, "--out REPO", HELP);
    const format = formatFlag(values, ["table", "json"] as const);
    const parallel = intFlag(values.parallel, "--parallel", 1, 1, 256);
    const watchFlags = [
      values.listen && "--listen",
      values.queue && "--queue",
      values["batch-size"] && "--batch-size",
      values["batch-seconds"] && "--batch-seconds",
    ].filter(Boolean);
    if (!values.watch && watchFlags.length) throw new UserError(`${watchFlags.join(", ")} ${watchFlags.length > 1 ? "go" : "goes"} with --watch.`);
    if (values.watch && !!values.listen === !!values.queue)
      throw new UserError(
        "--watch takes one event source: --listen HOST:PORT or --queue URL.",
        "RGW or MinIO pushing over HTTP: --listen 127.0.0.1:8090; S3 to SQS: --queue https://sqs.REGION.amazonaws.com/ACCOUNT/NAME",
      );
    if (values.watch && inSpec.ref) throw new UserError("--watch follows the input's branch head; leave out @REF.");
    const { runPipeline } = await import("../../datalayer/run.js");
    const { codeIdentity, identityWarning } = await import("../../datalayer/code.js");
    const code = await codeIdentity(cmd, process.cwd(), values["code-version"]);
    const unnamed = identityWarning(code);
    if (unnamed) process.stderr.write(`stowage run: warning: ${unnamed}\n`);
    const { fsUserError } = await import("../../datalayer/fsErrors.js");
    const input = await open(inSpec, values).catch((err) => Promise.reject(fsUserError(err)));
    const outValues = { ...values, endpoint: values["out-endpoint"] ?? values.endpoint, region: values["out-region"] ?? values.region };
    const output = await open(outSpec, outValues, true).catch((err) => Promise.reject(fsUserError(err)));
    if (values.watch) {
      try {
        return await runWatch(values, { input, output, command: cmd, code, parallel, format });
      } finally {
        input.close();
        output.close();
      }
    }
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
        code,
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
      return r.status === "ok" ? EXIT.OK : EXIT.DATUM_FAILED;
    } catch (err) {
      throw fsUserError(err);
    } finally {
      input.close();
      output.close();
    }
  },
};

type WatchValues = {
  listen?: string;
  queue?: string;
  "queue-endpoint"?: string;
  region?: string;
  glob?: string;
  name?: string;
  branch?: string;
  "code-version"?: string;
  "batch-size"?: string;
  "batch-seconds"?: string;
  "report-seconds"?: string;
  progress?: boolean;
};

async function runWatch(
  values: WatchValues,
  a: {
    input: import("../../datalayer/store.js").Store;
    output: import("../../datalayer/store.js").Store;
    command: string[];
    code: import("../../datalayer/code.js").CodeIdentity;
    parallel: number;
    format: "table" | "json";
  },
): Promise<number> {
  const { watch } = await import("../../datalayer/watch.js");
  const { webhookSource, queueSource } = await import("../../datalayer/sources.js");
  const log = (line: string) => process.stderr.write(`stowage watch: ${line}\n`);
  let source;
  if (values.listen) {
    const m = /^([^:]+|\[[^\]]+\]):(\d{1,5})$/.exec(values.listen);
    if (!m || Number(m[2]) > 65535)
      throw new UserError(`--listen ${values.listen} is not HOST:PORT.`, "For example --listen 127.0.0.1:8090 (0.0.0.0 to take pushes from other hosts).");
    source = webhookSource(m[1]!.replace(/^\[|\]$/g, ""), Number(m[2]), log);
  } else {
    source = queueSource(
      {
        queueUrl: values.queue!,
        ...(values.region ? { region: values.region } : {}),
        ...(values["queue-endpoint"] ? { endpoint: endpointFlag("--queue-endpoint", values["queue-endpoint"]) } : {}),
      },
      log,
    );
  }
  const batchSeconds = values["batch-seconds"] === undefined ? 2 : Number(values["batch-seconds"]);
  if (!(batchSeconds >= 0 && batchSeconds <= 3600))
    throw new UserError(`--batch-seconds ${values["batch-seconds"]} must be a number of seconds from 0 to 3600.`);
  const reportMs = intFlag(values["report-seconds"], "--report-seconds", 10, 1, 3600) * 1000;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  // The counts as they are now (waiting falls to 0 as soon as nothing waits), and the last batch's lag.
  let live: { done: number; failed: number; skipped: number; pending: number } | null = null;
  let lastLagMs: number | null = null;
  const report = setInterval(() => {
    if (live && lastLagMs !== null)
      log(`done ${live.done}, failed ${live.failed}, skipped ${live.skipped}, waiting ${live.pending}, last lag ${(lastLagMs / 1000).toFixed(1)} s`);
  }, reportMs);
  try {
    await watch({
      input: a.input,
      output: a.output,
      command: a.command,
      code: a.code,
      parallel: a.parallel,
      ...(values.glob ? { glob: values.glob } : {}),
      ...(values.name ? { name: values.name } : {}),
      ...(values.branch ? { branch: values.branch } : {}),
      ...(values["code-version"] !== undefined ? { codeVersion: values["code-version"] } : {}),
      source,
      batchSize: intFlag(values["batch-size"], "--batch-size", 100, 1, 100_000),
      batchSeconds,
      signal: stop.signal,
      onListening: (totals) => {
        live = totals;
        log(`listening on ${source.describe}`);
      },
      onBatch: (b) => {
        lastLagMs = b.lagMs;
        if (a.format === "json") print(`${JSON.stringify(b)}\n`);
        else
          print(
            `${b.kind} ${b.run ?? ""} ${b.status}: ${b.events} events, ${b.datums.processed} processed, ${b.datums.skipped} skipped, ${b.datums.failed} failed, lag ${(b.lagMs / 1000).toFixed(1)} s\n`,
          );
      },
    });
    log("stopped");
    return EXIT.OK;
  } finally {
    clearInterval(report);
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}
