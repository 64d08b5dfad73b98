/**
 * Every user error is exit 2 with a message and a next step, through the built command: files and folders that are
 * missing, unreadable or unwritable (as an unprivileged user: the tests run as root, who may read anything), a YAML
 * bomb, a read-only stack file, an empty program; `pricing refresh`'s one deadline; and the sweep of every command
 * against the same failures, written to test/.sweep.txt for the issue's closing note.
 */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Each case starts the built command, some of them the Pulumi engine's mocks: seconds each, tens on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

const BIN = resolve("dist/bundle/cli.js");
const W = resolve("examples/workload.yaml");
const U = resolve("examples/users.yaml");
const FRESH = { ...process.env, STOWAGE_PRICE_MAX_AGE_DAYS: "100000" };
const AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function stowage(args: string[], opts: { env?: NodeJS.ProcessEnv; nobody?: boolean; cwd?: string } = {}): Promise<Run> {
  const [cmd, ...pre] = opts.nobody ? [...AS_NOBODY, process.execPath] : [process.execPath];
  const t0 = performance.now();
  return new Promise((done) => {
    execFile(cmd!, [...pre, BIN, ...args], { env: opts.env ?? FRESH, cwd: opts.cwd ?? process.cwd(), maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: performance.now() - t0 }),
    );
  });
}

function expectUserError(r: Run, message: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

/** A folder everyone may enter, as the unprivileged runs need. */
async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "stowage-errors-"));
  await chmod(dir, 0o777);
  return dir;
}

const plan = (dir: string, stack = "dev") => ["plan", "--workload", W, "--users", U, "--offline", "--stack", stack, "--stack-dir", dir, "--write"];

describe("plan --write", () => {
  it("into a missing folder: exit 2 naming it (no project there)", async () => {
    const dir = join(await scratch(), "nope");
    expectUserError(await stowage(plan(dir)), new RegExp(`No Pulumi\\.yaml in ${dir}: Pulumi\\.dev\\.yaml there would belong to no Pulumi project`));
  });

  it("into a read-only folder, as an unprivileged user: exit 2, permission denied", async () => {
    const dir = join(await scratch(), "ro");
    await mkdir(dir);
    await copyFile("Pulumi.yaml", join(dir, "Pulumi.yaml"));
    await chmod(dir, 0o555);
    expectUserError(await stowage(plan(dir), { nobody: true }), /Cannot write the stack file .*: permission denied\.\nCheck --stack-dir/);
  });

  it("refuses a read-only stack file, even as root, and leaves it as it was", async () => {
    const dir = await scratch();
    const file = join(dir, "Pulumi.ro.yaml");
    await copyFile("Pulumi.dev.yaml", file);
    await chmod(file, 0o444);
    const before = await readFile(file, "utf8");
    expectUserError(await stowage(plan(dir, "ro")), /Pulumi\.ro\.yaml is read-only: not changed\.\nMake it writable/);
    expect(await readFile(file, "utf8")).toBe(before);
    expect((await stat(file)).mode & 0o777).toBe(0o444);
  });

  it("an unreadable stack file, as an unprivileged user: exit 2, permission denied", async () => {
    const dir = await scratch();
    await writeFile(join(dir, "Pulumi.dev.yaml"), "config: {}\n", { mode: 0o600 });
    expectUserError(await stowage(plan(dir), { nobody: true }), /Cannot read the stack file .*Pulumi\.dev\.yaml: permission denied/);
  });
});

describe("a YAML alias bomb in a stack file", () => {
  it.each([["policy"], ["estimate"]])("%s --stack: exit 2, named as YAML the file cannot be", async (cmd) => {
    const dir = await scratch();
    const level = (name: string, of: string) => `${name}: &${name} [${Array(10).fill(of).join(", ")}]\n`;
    await writeFile(
      join(dir, "Pulumi.bomb.yaml"),
      `${level("a", '"lol"')}${level("b", "*a")}${level("c", "*b")}${level("d", "*c")}config:\n  e: [${Array(10).fill("*d").join(", ")}]\n`,
    );
    expectUserError(await stowage([cmd, "--stack", "bomb", "--stack-dir", dir]), /Pulumi\.bomb\.yaml: not valid YAML here: it has too many aliases/);
  });
});

describe("policy --program on a program that declares no resources", () => {
  it("is exit 2 saying so, never a pass", async () => {
    const dir = await scratch();
    await writeFile(join(dir, "index.ts"), "export const nothing = 1;\n");
    expectUserError(await stowage(["policy", "--program", join(dir, "index.ts")]), /declared no resources: there is nothing to check/);
  });
});

describe("a workload that is not a readable file", () => {
  it("says why: a folder, or permission denied", async () => {
    const dir = await scratch();
    expectUserError(await stowage(["cost", "--workload", dir]), /Cannot read the workload file .*: it is a folder, not a file\./);
    const file = join(dir, "w.yaml");
    await copyFile(W, file);
    await chmod(file, 0o600);
    expectUserError(await stowage(["cost", "--workload", file], { nobody: true }), /Cannot read the workload file .*: permission denied\./);
  });
});

describe("pricing refresh against an endpoint that accepts and never answers", () => {
  let server: Server;
  const sockets: Socket[] = [];
  let endpoint = "";
  beforeAll(async () => {
    server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it("ends by its --timeout, naming the endpoint it used, with no SDK log line; the help states the deadline", async () => {
    const env = {
      ...FRESH,
      AWS_ACCESS_KEY_ID: "AKIDSTOWAGETEST",
      AWS_SECRET_ACCESS_KEY: "x",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_PRICING: endpoint,
    };
    const dir = await scratch();
    const args = ["pricing", "refresh", "--prices", dir, "--region", "us-east-1", "--service", "AmazonS3"];
    // The same command's start-up and SDK import, refused before any request: the reference for "nothing else".
    const ref = await stowage([...args, "--region", "moon-1"], { env });
    expect(ref.code).toBe(2);
    const timeout = 2500;
    const r = await stowage([...args, "--timeout", String(timeout)], { env });
    expectUserError(r, new RegExp(`^stowage: ${endpoint.replace(/\./g, "\\.")} \\(nothing was written\\) did not answer within ${timeout} ms\\.`));
    expect(r.stderr).not.toMatch(/@smithy|\[ERROR\]|\[WARN\]/);
    expect(r.ms).toBeGreaterThanOrEqual(timeout);
    // Before the fix 5 attempts of `timeout` each plus back-off: over 4 × timeout. The deadline on top of the
    // reference, and twice the reference again for the work it skips (client, signing), both under today's load.
    expect(r.ms - ref.ms, `${Math.round(r.ms)} ms against ${Math.round(ref.ms)} ms refused at once`).toBeLessThan(timeout + 2 * ref.ms);
    const help = await stowage(["pricing", "refresh", "--help"]);
    expect(help.stdout).toMatch(/--timeout MS {3}the whole refresh's deadline: every request, retry and page \(default 300000\)/);
  });
});

describe("stowage help", () => {
  it("of an unknown command is exit 2 listing the commands", async () => {
    expectUserError(await stowage(["help", "nope"]), /Unknown command nope\.\nThe commands: planner, cost, /);
  });
  it("aligns its columns: every summary starts in the same column", async () => {
    const r = await stowage(["--help"]);
    const rows = r.stdout.split("\n").filter((l) => l.startsWith("  stowage "));
    const starts = new Set(rows.map((l) => l.search(/ {2}\S/)));
    expect(rows.length).toBeGreaterThan(10);
    expect(starts.size).toBe(1);
  });
});

describe("stowage pricing show", () => {
  it("refuses a region that is not one, instead of an empty table", async () => {
    expectUserError(await stowage(["pricing", "show", "--region", "moon-1"]), /--region moon-1 is not an AWS region code/);
  });
  it("takes --format json like every other command", async () => {
    const r = await stowage(["pricing", "show", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).coverage).toBeTypeOf("object");
  });
});
