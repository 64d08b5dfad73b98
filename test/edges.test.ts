/**
 * The last items of #22's newcomer sweep (item 10), each through the built command: a stack folder that is not a
 * project, a CRLF stack file, latency with nothing measured, the users file's problems at once, the household depth.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";

// Each case starts the built command: a second or two, tens on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = resolve("dist/bundle/cli.js");
const W = resolve("examples/workload.yaml");
const U = resolve("examples/users.yaml");
const ENV = { ...process.env, STOWAGE_PRICE_MAX_AGE_DAYS: "100000", AWS_EC2_METADATA_DISABLED: "true" };

function stowage(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env: ENV, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function expectUserError(r: Run, message: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

const tmp = () => mkdtemp(join(tmpdir(), "stowage-edges-"));
const plan = (dir: string, stack: string, ...more: string[]) =>
  stowage("plan", "--workload", W, "--users", U, "--offline", "--stack", stack, "--stack-dir", dir, ...more);

describe("plan --stack into a folder", () => {
  it("without a Pulumi.yaml: refused, naming the folder, and nothing created", async () => {
    const dir = await tmp();
    for (const more of [[], ["--write"]]) {
      const r = await plan(dir, "prd", ...more);
      expectUserError(
        r,
        new RegExp(
          `^stowage: No Pulumi\\.yaml in ${dir}: Pulumi\\.prd\\.yaml there would belong to no Pulumi project.*\\nPass --stack-dir the folder that holds the project's Pulumi\\.yaml`,
        ),
      );
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it("beside a Pulumi.yaml, a stack name the project does not have: written, with one line naming its stacks", async () => {
    const dir = await tmp();
    await copyFile("Pulumi.yaml", join(dir, "Pulumi.yaml"));
    await copyFile("Pulumi.prod.yaml", join(dir, "Pulumi.prod.yaml"));
    const r = await plan(dir, "prd", "--write");
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.includes("Pulumi.prd.yaml"));
    expect(lines).toEqual([
      `${join(dir, "Pulumi.prd.yaml")} does not exist: prd is a new stack (this project's stacks: prod); check --stack, and create the stack in Pulumi with \`pulumi stack init prd\`.`,
    ]);
    expect(await readFile(join(dir, "Pulumi.prd.yaml"), "utf8")).toContain("stowage:primaryRegion:");
    // An existing stack says nothing of the kind.
    expect((await plan(dir, "prod", "--write")).stderr).not.toMatch(/new stack/);
  });
});

describe("plan --write into a CRLF stack file", () => {
  it("keeps CRLF on every line, comments included", async () => {
    const dir = await tmp();
    await copyFile("Pulumi.yaml", join(dir, "Pulumi.yaml"));
    const crlf = (await readFile("Pulumi.prod.yaml", "utf8")).replace(/\r?\n/g, "\r\n");
    await writeFile(join(dir, "Pulumi.prod.yaml"), crlf);
    const r = await plan(dir, "prod", "--write");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Wrote .*Pulumi\.prod\.yaml/);
    const after = await readFile(join(dir, "Pulumi.prod.yaml"), "utf8");
    expect(after).not.toBe(crlf);
    expect(after).toContain("# stowage plan ");
    expect(after.split("\r\n").filter((l) => l.includes("\n"))).toEqual([]);
    expect(after.endsWith("\r\n")).toBe(true);
  });
});

/** Loopback ports nobody listens on: bound by the kernel's choice, then let go. */
async function closedPorts(n: number): Promise<number[]> {
  const { createServer } = await import("node:net");
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import("node:net").Server>((ok) => {
          const s = createServer();
          s.listen(0, "127.0.0.1", () => ok(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

describe("stowage latency", () => {
  it("labels an offline estimate as one: status estimated, not ok", async () => {
    const r = await stowage("latency", "--offline", "--from", "Paris", "--region", "eu-west-3", "--json");
    expect(r.code, r.stderr).toBe(0);
    const entry = JSON.parse(r.stdout).results[0];
    expect(entry).toMatchObject({ name: "eu-west-3", status: "estimated", estimated: true, samples: 0 });
    const csv = await stowage("latency", "--offline", "--from", "Paris", "--region", "eu-west-3", "--format", "csv");
    expect(csv.stdout.split("\n")[1]).toMatch(/^eu-west-3,region,[^,]+,estimated,true,/);
  });

  it("a live run that reaches nothing exits with the code for nothing measured, saying so on stderr", async () => {
    const ports = await closedPorts(2);
    const r = await stowage("latency", ...ports.flatMap((p, i) => ["--target", `t${i}=tcp://127.0.0.1:${p}`]), "--samples", "1", "--json");
    const { EXIT } = await import("../core/exit.js");
    expect(r.code, r.stderr).toBe(EXIT.NOTHING_MEASURED);
    expect(JSON.parse(r.stdout).results.map((x: { status: string }) => x.status)).toEqual(["refused", "refused"]);
    expect(r.stderr).toBe(`Nothing measured: none of the 2 targets answered (exit ${EXIT.NOTHING_MEASURED}).\n`);
  });

  it("a live run where one target answers exits 0", async () => {
    const { createServer } = await import("node:net");
    const server = createServer((s) => s.destroy());
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const [closed] = await closedPorts(1);
    try {
      const r = await stowage(
        "latency",
        "--target",
        `up=tcp://127.0.0.1:${(server.address() as { port: number }).port}`,
        "--target",
        `down=tcp://127.0.0.1:${closed}`,
        "--samples",
        "1",
        "--json",
      );
      expect(r.code, r.stderr).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe("the users file", () => {
  it("reports every problem in one pass: a bad type beside an unknown place, a duplicate name and an unknown region", async () => {
    const dir = await tmp();
    const file = join(dir, "users.yaml");
    await writeFile(
      file,
      [
        "populations:",
        "  - { name: office, place: Atlantis, weight: -1 }",
        "  - { name: office, place: Paris, weight: 1 }",
        "constraints:",
        "  allowed_regions: [eu-west-3, mars-1]",
        "  latency_objective_ms: fast",
        "",
      ].join("\n"),
    );
    const r = await stowage("plan", "--workload", W, "--users", file, "--offline");
    expectUserError(r, new RegExp(`^stowage: ${file} has 5 problems:\\n`));
    expect(r.stderr).toMatch(/populations\[0\]\.weight/);
    expect(r.stderr).toMatch(/constraints\.latency_objective_ms/);
    expect(r.stderr).toMatch(/populations\[0\]\.place: Unknown place "Atlantis"/);
    expect(r.stderr).toMatch(/populations: the name office appears twice/);
    expect(r.stderr).toMatch(/constraints\.allowed_regions\[1\]: unknown AWS region "mars-1"/);
  });
});
