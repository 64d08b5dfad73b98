/**
 * GitHub's own workflow parser (@actions/workflow-parser, the one behind GitHub's editor and the Actions service's
 * validation). It imports its JSON schemas without an import attribute, which Node 20 refuses, so it is bundled
 * with esbuild (as GitHub's own consumers bundle it) into a temporary module and loaded from there.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

export interface WorkflowProblem {
  readonly message: string;
}

let parser: Promise<(name: string, content: string) => WorkflowProblem[]> | undefined;

async function load() {
  const out = join(await mkdtemp(join(tmpdir(), "stowage-workflow-parser-")), "parser.mjs");
  await build({
    stdin: {
      contents: 'export { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } from "@actions/workflow-parser";',
      resolveDir: process.cwd(),
    },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: out,
    logLevel: "silent",
  });
  const m = await import(pathToFileURL(out).href);
  return (name: string, content: string): WorkflowProblem[] => {
    const result = m.parseWorkflow({ name, content }, new m.NoOperationTraceWriter());
    return result.context.errors.getErrors().map((e: { message: string }) => ({ message: e.message }));
  };
}

/** Every problem GitHub's parser finds in a workflow file; none for a valid one. */
export async function parseWorkflowProblems(name: string, content: string): Promise<WorkflowProblem[]> {
  parser ??= load();
  return (await parser)(name, content);
}
