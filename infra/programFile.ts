/**
 * Runs any Pulumi program the way `pulumi` would find and load it, under the engine's mocks: `--program` takes a
 * TypeScript or JavaScript entry file or a project folder (its Pulumi.yaml's `main`), runs it as its own project
 * (name and config namespace from its Pulumi.yaml, config from its own Pulumi.<stack>.yaml) as `pulumi preview`
 * does (isDryRun() true), and resolves its imports from its own folder.
 *
 * TypeScript is compiled with esbuild (already the bundler of the stowage command) with every package left
 * external: Node then resolves `@pulumi/aws` and friends from the program's own node_modules, exactly as under
 * `pulumi`. A CommonJS program is compiled in memory as a module at its entry's path (nothing is written); an ES
 * module must be a file for Node to load it, so it is written beside the entry and removed on every way out.
 * Pulumi's runtime state is process-global, so a program that loads its own copy of @pulumi/pulumi still registers
 * with these mocks. The program runs with its project folder as the working directory, as under `pulumi preview`:
 * the closure serialiser of a Lambda callback finds the project's package.json from there.
 */
import { existsSync, statSync, unlinkSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { Module } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UserError } from "../core/errors.js";
import { ProgramFailure, runUnderMocks, type MockRun } from "./mockrun.js";
import { readProject, readStackFileConfig } from "../core/stack/file.js";

const ENTRY_NAMES = ["index.ts", "index.mts", "index.js", "index.mjs", "index.cjs"];

export interface ProgramRun extends MockRun<unknown> {
  readonly project: string;
  readonly entry: string;
  /** The config it ran with (its Pulumi.yaml defaults and its stack file): `aws:region` is where unregioned resources live. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The program's own error, when it failed after it started: `resources` are those it registered before. */
  readonly failure?: UserError;
}

/** The entry file of `path` (a file, or a folder with Pulumi.yaml / package.json main / index.*), and its project. */
async function locate(path: string): Promise<{ entry: string; projectDir: string; project: string; defaults: Record<string, unknown> }> {
  const abs = resolve(path);
  if (!existsSync(abs))
    throw new UserError(`--program ${path}: no such file or folder.`, "Pass the program's entry file (index.ts) or its project folder (with Pulumi.yaml).");
  if (statSync(abs).isDirectory()) {
    const project = await readProject(abs);
    const main = project?.main ? resolve(abs, project.main) : abs;
    const entry = statSync(main, { throwIfNoEntry: false })?.isDirectory() ? await entryOf(main) : main;
    if (!entry || !existsSync(entry))
      throw new UserError(
        `--program ${path}: no entry file${project?.main ? ` (Pulumi.yaml main: ${project.main})` : ""}.`,
        "Pulumi runs the folder's package.json main or index.ts/index.js; pass the entry file itself.",
      );
    return { entry, projectDir: abs, project: project?.name ?? basename(abs), defaults: project?.configDefaults ?? {} };
  }
  // A file: its project is the nearest folder above it with a Pulumi.yaml.
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    const project = await readProject(dir);
    if (project) return { entry: abs, projectDir: dir, project: project.name, defaults: project.configDefaults };
    if (dirname(dir) === dir || existsSync(join(dir, "package.json")))
      return { entry: abs, projectDir: dirname(abs), project: basename(dirname(abs)), defaults: {} };
  }
}

async function entryOf(dir: string): Promise<string | null> {
  try {
    const main = (JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { main?: string }).main;
    if (main) return resolve(dir, main);
  } catch {
    // no package.json: index.* below
  }
  const name = ENTRY_NAMES.find((n) => existsSync(join(dir, n)));
  return name ? join(dir, name) : null;
}

/** Whether Node loads `entry`'s folder as ES modules (its nearest package.json says "type": "module"). */
async function isModuleScope(entry: string): Promise<boolean> {
  if (/\.m[tj]s$/.test(entry)) return true;
  if (/\.c[tj]s$/.test(entry)) return false;
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    try {
      return (JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { type?: string }).type === "module";
    } catch {
      if (dirname(dir) === dir) return false;
    }
  }
}

/** Where in the user's own files a program error was thrown, from its (source-mapped) stack. */
function userFrame(err: Error, projectDir: string, cwd: string): string | null {
  for (const line of (err.stack ?? "").split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.replace(/^file:\/\//, "");
    if (file.includes("node_modules") || basename(file).startsWith(".stowage-tmp-")) continue;
    if (!file.startsWith(projectDir)) continue;
    return `${relative(cwd, file) || file}:${m[2]}:${m[3]}`;
  }
  return null;
}

export async function runProgramFile(path: string, opts: { stack: string; stackRequired: boolean; stackDir?: string }): Promise<ProgramRun> {
  const cwd = process.cwd();
  const { entry, projectDir, project, defaults } = await locate(path);
  const config = { ...defaults, ...(await readStackFileConfig(opts.stackDir ?? projectDir, opts.stack, { required: opts.stackRequired })) };
  const esm = await isModuleScope(entry);
  const { build } = await import("esbuild");
  let code: string;
  try {
    const built = await build({
      entryPoints: [entry],
      outfile: entry.replace(/\.[^./]+$/, esm ? ".mjs" : ".cjs"),
      write: false,
      bundle: true,
      packages: "external",
      platform: "node",
      format: esm ? "esm" : "cjs",
      target: "node20",
      sourcemap: "inline",
      logLevel: "silent",
    });
    code = built.outputFiles[0]!.text;
  } catch (err) {
    const first = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors?.[0];
    const at = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ` : "";
    throw new UserError(
      `The program ${relative(cwd, entry)} does not compile: ${at}${first?.text ?? (err as Error).message}`,
      "Fix the program (as `pulumi preview` would need it) and run again.",
    );
  }
  // Program errors then point at the user's .ts lines, not the compiled module.
  process.setSourceMapsEnabled(true);
  const loaded = esm ? await writtenModule(entry, code) : { load: async () => asImported(inMemoryModule(entry, code)), remove: async () => {} };
  process.chdir(projectDir);
  // What the program prints is its own diagnostics (pulumi shows it apart from the result), never part of our
  // stdout: `--json` must stay JSON (pulumi/examples aws-ts-static-website logs "Syncing contents …").
  const { log, info, debug } = console;
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  try {
    const run = await runUnderMocks(
      project,
      opts.stack,
      config,
      async () => {
        const mod = (await loaded.load()) as { default?: unknown };
        // As pulumi's run: a program may export a function (sync or async) that is the program.
        const main = typeof mod.default === "function" ? mod.default : null;
        return main ? await (main as () => unknown)() : mod;
      },
      { preview: true },
    );
    return { ...run, project, entry, config };
  } catch (err) {
    if (err instanceof UserError) throw err;
    const failure = err instanceof ProgramFailure ? err : null;
    const e = (failure ? failure.error : err) as Error;
    const where = e instanceof Error ? userFrame(e, projectDir, cwd) : null;
    const error = new UserError(
      `The program ${relative(cwd, entry) || entry} failed${where ? ` at ${where}` : ""}: ${String(e?.message ?? e).split("\n")[0]}`,
      "Fix the program (or its stack config) and run again; `pulumi preview` would stop here too.",
    );
    if (!failure) throw error;
    return { resources: failure.resources, result: undefined, project, entry, config, failure: error };
  } finally {
    Object.assign(console, { log, info, debug });
    process.chdir(cwd);
    await loaded.remove();
  }
}

/** A CommonJS module's exports as `import()` would show them: `export =` of a function is the default export. */
function asImported(exports: unknown): unknown {
  return typeof exports === "function" ? { default: exports } : exports;
}

/** `code` as the CommonJS module at `entry`'s path: its require() resolves from the program's folder, as Node's would. */
function inMemoryModule(entry: string, code: string): unknown {
  const mod = new Module(entry) as Module & { _compile(code: string, filename: string): void; paths: string[] };
  mod.filename = entry;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(entry));
  mod._compile(code, entry);
  return mod.exports;
}

/**
 * An ES module Node can import: a file beside the entry (so that its imports resolve from the program's folder),
 * removed when the run ends, and by the exit or signal that ends this process first.
 */
async function writtenModule(entry: string, code: string): Promise<{ load: () => Promise<unknown>; remove: () => Promise<void> }> {
  const out = join(dirname(entry), `.stowage-tmp-${process.pid}-${Date.now()}.mjs`);
  const removeNow = () => {
    try {
      unlinkSync(out);
    } catch {
      // already gone
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    removeNow();
    process.kill(process.pid, signal);
  };
  process.once("exit", removeNow);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await writeFile(out, code);
  return {
    load: () => import(pathToFileURL(out).href),
    remove: async () => {
      process.off("exit", removeNow);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await rm(out, { force: true });
    },
  };
}

/**
 * A program named on the command line (`--program`), with its own project and, when --stack is given, its own stack
 * file (else no config, as a new stack). A program that declares nothing would price at $0.00 and pass every rule:
 * a gate must not take a program that did not run as meant, so that is the user's error, naming what it was for.
 */
export async function runNamedProgram(program: string, opts: { stack?: string; stackDir?: string }, purpose: "price" | "check"): Promise<ProgramRun> {
  const run = await runProgramFile(program, { stack: opts.stack ?? "dev", stackRequired: !!opts.stack, ...(opts.stackDir ? { stackDir: opts.stackDir } : {}) });
  if (!run.failure && !run.resources.some((r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"))) {
    throw new UserError(
      `${program} declared no resources: there is nothing to ${purpose}.`,
      "Check that it is the program's entry file (or project folder) and that it creates its resources when run.",
    );
  }
  return run;
}
