/**
 * The sweep: every command that reads or writes a file, against a missing file, an unreadable one (as an
 * unprivileged user), a folder where a file should be, malformed YAML/JSON, a reader that goes away (`| head -1`)
 * and Ctrl-C mid-work. No case may end as exit 1 ("a bug"); each user error is exit 2 naming the path. The table of
 * what each case printed is written to test/.sweep.txt (command, case, exit code, message).
 */
import { execFile, spawn } from "node:child_process";
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Each case starts the built command, some of them the Pulumi engine's mocks: seconds each, tens on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

const BIN = resolve("dist/bundle/cli.js");
const FRESH = { ...process.env, STOWAGE_PRICE_MAX_AGE_DAYS: "100000", AWS_EC2_METADATA_DISABLED: "true" };
const rows: string[] = [];
let dir = "";

function run(args: string[], nobody = false): Promise<{ code: number; stderr: string }> {
  const [cmd, ...pre] = nobody ? ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", process.execPath] : [process.execPath];
  return new Promise((done) =>
    execFile(cmd!, [...pre, BIN, ...args], { env: FRESH, maxBuffer: 64 << 20 }, (err, _out, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr })),
  );
}

const W = resolve("examples/workload.yaml");
const U = resolve("examples/users.yaml");
/** [command as the user types it, the flag under test, args with the file in place of F] */
const FILE_READERS: readonly [string, (f: string) => string[], "yaml" | "json" | "pem"][] = [
  ["cost --workload", (f) => ["cost", "--workload", f], "yaml"],
  ["plan --workload", (f) => ["plan", "--workload", f, "--users", U, "--offline"], "yaml"],
  ["plan --users", (f) => ["plan", "--workload", W, "--users", f, "--offline"], "yaml"],
  ["estimate --usage", (f) => ["estimate", "--stack", "prod", "--usage", f], "yaml"],
  ["estimate --compare-to", (f) => ["estimate", "--stack", "prod", "--compare-to", f], "json"],
  ["policy --export", (f) => ["policy", "--export", f], "json"],
  ["policy --policy-config", (f) => ["policy", "--stack", "prod", "--policy-config", f], "json"],
  ["verify --outputs", (f) => ["verify", "--outputs", f], "json"],
  ["latency --ca", (f) => ["latency", "--ca", f, "--target", "x=tcp://127.0.0.1:9", "--samples", "1"], "pem"],
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "stowage-sweep-"));
  await chmod(dir, 0o777);
  await writeFile(join(dir, "bad.yaml"), "a: 1\nb: [1, 2\n");
  await writeFile(join(dir, "bad.json"), "{ \"a\": 1,");
  for (const [name, , kind] of FILE_READERS) {
    const f = join(dir, `${name.replace(/\W+/g, "_")}.${kind}`);
    await writeFile(f, kind === "json" ? "{}" : "a: 1\n", { mode: 0o600 });
    await chmod(f, 0o600);
  }
});
afterAll(() => writeFileSync("test/.sweep.txt", `${["command\tcase\texit\tmessage", ...rows].join("\n")}\n`));

const firstLine = (s: string) => s.split("\n").find((l) => l.startsWith("stowage:") && !l.includes("warning")) ?? s.split("\n")[0] ?? "";

describe.each(FILE_READERS)("%s", (name, args, kind) => {
  it.each([
    ["missing file", () => join(dir, "nope", "file"), false],
    ["unreadable file", () => join(dir, `${name.replace(/\W+/g, "_")}.${kind}`), true],
    ["a folder", () => dir, false],
    // A CA file is PEM, read as it is and used only by TLS targets: there is no malformed case to check offline.
    ...(kind === "pem" ? [] : [[`malformed ${kind.toUpperCase()}`, () => join(dir, `bad.${kind}`), false] as const]),
  ] as const)("%s: exit 2 naming it", async (label, file, nobody) => {
    const r = await run(args(file()), nobody);
    rows.push(`${name}\t${label}\t${r.code}\t${firstLine(r.stderr)}`);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});

describe("an unwritable folder", () => {
  it.each([
    ["plan --write --stack-dir", (d: string) => ["plan", "--workload", W, "--users", U, "--offline", "--stack", "dev", "--stack-dir", d, "--write"]],
  ])("%s: exit 2", async (name, args) => {
    const ro = await mkdtemp(join(dir, "ro-"));
    await chmod(ro, 0o555);
    const r = await run(args(ro), true);
    rows.push(`${name}\tunwritable folder\t${r.code}\t${firstLine(r.stderr)}`);
    expect(r.code, r.stderr).toBe(2);
  });
});

describe("a reader that goes away (| head -1) and Ctrl-C mid-work", () => {
  const cases: readonly [string, string[]][] = [
    ["cost --json", ["cost", "--workload", W, "--json"]],
    ["plan --json", ["plan", "--workload", W, "--users", U, "--offline", "--json"]],
    ["policy --stack prod --json", ["policy", "--stack", "prod", "--json"]],
    ["estimate --stack prod --json", ["estimate", "--stack", "prod", "--json"]],
    ["pricing show --json", ["pricing", "show", "--json"]],
    ["latency --offline --json", ["latency", "--offline", "--from", "Paris", "--json"]],
  ];
  it.each(cases)("%s | head -1: ends quietly, exit 0", async (name, args) => {
    const r = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: FRESH });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      child.stdout.once("data", () => child.stdout.destroy());
      child.on("close", (code) => done({ code, stderr }));
    });
    rows.push(`${name}\t| head -1\t${r.code}\t${firstLine(r.stderr)}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });
  it.each(cases)("%s, Ctrl-C as it starts: ends by the signal, never exit 1", async (name, args) => {
    const r = await new Promise<{ code: number | null; signal: string | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "ignore", "pipe"], env: FRESH });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      setTimeout(() => child.kill("SIGINT"), 300);
      child.on("close", (code, signal) => done({ code, signal, stderr }));
    });
    rows.push(`${name}\tCtrl-C\t${r.signal ?? r.code}\t${firstLine(r.stderr)}`);
    expect(r.code === 1, r.stderr).toBe(false);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});
