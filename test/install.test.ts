/**
 * Stowage as users and GitHub get it: the package packed (`npm pack`), installed into a fresh project, and run
 * through the bin npm links; and the CI workflow's gating steps executed as the runner executes them, in the checkout's layout, on a compliant and an
 * insecure stack. The workflow files themselves are checked with GitHub's parser and
 * actionlint.
 */
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { actionlint } from "./support/actionlint.js";
import { parseWorkflowProblems } from "./support/workflowParser.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const run = (file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  new Promise<Run>((done) =>
    execFile(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

const WORKFLOWS = ".github/workflows";
const workflows = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

interface Step {
  name?: string;
  run?: string;
  shell?: string;
  if?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
const jobsOf = (file: string) => (parse(readFileSync(join(WORKFLOWS, file), "utf8")) as { jobs: Record<string, Job> }).jobs;

describe("the GitHub workflows", () => {
  it.each(workflows)("%s is valid for GitHub's own parser", async (file) => {
    expect(await parseWorkflowProblems(file, readFileSync(join(WORKFLOWS, file), "utf8"))).toEqual([]);
  });

  it.each(workflows)("%s is clean for actionlint", async (file) => {
    expect(await actionlint(readFileSync(join(WORKFLOWS, file), "utf8"), resolve(WORKFLOWS, file))).toEqual([]);
  });

  it("catches what was wrong before: the parser and actionlint both refuse the old workflow", async () => {
    const old =
      "# old\non: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - if: ${{ secrets.TOKEN == '' }}\n        run: echo \"::notice::skipped for ${{ github.ref }}: set TOKEN\"\n";
    expect((await parseWorkflowProblems("old.yml", old)).length).toBeGreaterThan(0);
    expect((await actionlint(old, resolve(WORKFLOWS, "old.yml"))).length).toBeGreaterThan(0);
  });

  it("gates with bash and pipefail, previews through OIDC, skips at job level, and comments once", () => {
    const jobs = jobsOf("infrastructure.yml");
    const steps = Object.values(jobs).flatMap((j) => j.steps);
    const gating = steps.filter((s) => s.run && /(?:stowage|cli\.js) policy/.test(s.run));
    expect(gating.length).toBeGreaterThan(0);
    for (const s of steps.filter((x) => x.run && /\|/.test(x.run))) expect(s.shell, s.name ?? s.run).toBe("bash");
    for (const s of steps) expect(s.if ?? "", s.name).not.toMatch(/secrets\./);
    const preview = Object.values(jobs).find((j) => j.steps.some((s) => s.uses?.startsWith("pulumi/actions@")))!;
    expect(preview.permissions).toMatchObject({ "id-token": "write" });
    expect(preview.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))).toBe(true);
    expect(preview.if).toMatch(/vars\.AWS_ROLE_ARN != ''/);
    expect(preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!.with!.policyPacks).toBe("dist/policy-pack");
    const skipped = Object.values(jobs).find((j) => j.if?.includes("vars.AWS_ROLE_ARN == ''"))!;
    expect(skipped.steps.some((s) => s.run?.includes("::notice"))).toBe(true);
    const comments = steps.filter((s) => s.uses?.startsWith("marocchino/sticky-pull-request-comment@"));
    expect(comments).toHaveLength(1);
    expect(comments[0]!.with!.header).toBe("stowage"); // one header: the same comment is updated on every push
  });
});

describe("the packed package, installed into a project", () => {
  let project: string;
  const version = JSON.parse(readFileSync("package.json", "utf8")).version as string;

  beforeAll(async () => {
    const out = await mkdtemp(join(tmpdir(), "stowage-pack-"));
    // The build has run (npm test builds first); prepare would build again.
    const packed = JSON.parse(execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", out], { encoding: "utf8" })) as {
      filename: string;
    }[];
    project = await mkdtemp(join(tmpdir(), "stowage-project-"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "camera-infra", private: true }));
    const install = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(out, packed[0]!.filename)], { cwd: project });
    if (install.code !== 0) throw new Error(`npm install of the tarball failed: ${install.stderr}`);
  }, 300_000);

  const stowage = (...args: string[]) => run(join(project, "node_modules", ".bin", "stowage"), args, { cwd: project });

  it("runs the installed bin: --version, --help and a real command with the shipped prices and examples", async () => {
    expect((await stowage("--version")).stdout).toBe(`${version}\n`);
    expect((await stowage("--help")).stdout).toMatch(/^stowage — plan where/);
    const cost = await stowage("cost", "--workload", join(project, "node_modules", "stowage", "examples", "workload.yaml"));
    expect(cost.code, cost.stderr).toBe(0);
    expect(cost.stdout).toMatch(/^s3-standard\s+S3 Standard\s+\$23\.90\s+\$184\.90\s+\$3,758\.40$/m);
    // npx finds it too, as the README says to call it in a project that installed the package.
    expect((await run("npx", ["--no-install", "stowage", "--version"], { cwd: project })).stdout).toBe(`${version}\n`);
  });

  // The workflow checks out this repository and calls its build (node dist/bundle/cli.js, not npx: see README):
  // its steps run in a copy of the checkout's layout whose stack file the test may change.
  describe("the workflow's gating steps, run as the runner runs a `shell: bash` step in the checkout", () => {
    const jobs = jobsOf("infrastructure.yml");
    let checkout: string;
    beforeAll(async () => {
      checkout = await mkdtemp(join(tmpdir(), "stowage-checkout-"));
      for (const f of ["dist", "node_modules", "data", "examples", "package.json"]) symlinkSync(resolve(f), join(checkout, f));
      copyFileSync("Pulumi.yaml", join(checkout, "Pulumi.yaml"));
    });
    const gates = Object.entries(jobs).flatMap(([id, job]) =>
      job.steps.filter((s) => s.run && /(?:stowage|cli\.js) policy/.test(s.run)).map((s) => ({ id, job, step: s })),
    );
    /** The runner writes the script to a file and runs `bash --noprofile --norc -eo pipefail FILE`. */
    const runStep = (script: string, env: Record<string, string>, shell = ["--noprofile", "--norc", "-eo", "pipefail"]) => {
      const file = join(checkout, `step-${Date.now()}.sh`);
      writeFileSync(file, script);
      return run("bash", [...shell, file], { cwd: checkout, env: { ...process.env, ...env } });
    };
    const stackFile = (insecure: boolean) => {
      const text = readFileSync("Pulumi.dev.yaml", "utf8");
      writeFileSync(
        join(checkout, "Pulumi.dev.yaml"),
        insecure ? text.replace("  stowage:environment: dev\n", "  stowage:environment: dev\n  stowage:versioning: false\n") : text,
      );
    };

    it("has gating steps, each with shell: bash", () => {
      expect(gates.length).toBeGreaterThan(0);
      for (const g of gates) expect(g.step.shell).toBe("bash");
    });

    it("passes on a compliant stack and fails on an insecure one, the report written either way", async () => {
      for (const { job, step } of gates) {
        // The job's and the step's env, with the matrix's value as the runner substitutes it.
        const env = Object.fromEntries(Object.entries({ ...job.env, ...step.env }).map(([k, v]) => [k, String(v).replaceAll("${{ matrix.stack }}", "dev")]));
        expect(env.STACK).toBe("dev");
        stackFile(false);
        const pass = await runStep(step.run!, env);
        expect(pass.code, pass.stderr).toBe(0);
        expect(readFileSync(join(checkout, "policy-dev.md"), "utf8")).toMatch(/^### Policy check of dev: \d+ resources, 0 violations/);
        stackFile(true);
        const fail = await runStep(step.run!, env);
        expect(fail.code).toBe(4);
        expect(readFileSync(join(checkout, "policy-dev.md"), "utf8")).toMatch(/\| mandatory \| S3\.14 \| s3-versioning \|/);
        // Without pipefail (GitHub's default shell, `bash -e {0}`) tee's 0 would have passed the same stack.
        expect((await runStep(step.run!, env, ["-e"])).code).toBe(0);
      }
    });
  });
});
