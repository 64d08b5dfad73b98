/**
 * The sweep (#22): every command in the registry (cli/index.ts COMMAND_NAMES, so a new command fails here until it
 * has its rows) × a missing file, an unreadable one (as an unprivileged user: the tests run as root), a folder where
 * a file should be, malformed YAML/JSON, an unwritable output folder, a reader that goes away (`| head -1`) and
 * Ctrl-C mid-work. The table says which apply and the exit code each must end with; a case that does not apply
 * says why. Never exit 1, never a stack trace, one clear first line. What each printed is written to
 * test/.sweep.md (command × case → exit code and first line) for the issue's closing note.
 */
import { execFile, spawn } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { COMMAND_NAMES } from "../cli/index.js";
import { EXIT } from "../core/exit.js";

// Each case starts the built command, some the Pulumi engine's mocks: seconds each, tens on a loaded machine.
vi.setConfig({ testTimeout: 120_000, maxConcurrency: 3 });

const BIN = resolve("dist/bundle/cli.js");
const W = resolve("examples/workload.yaml");
const U = resolve("examples/users.yaml");
const CASES = ["missing file", "unreadable file", "a folder", "malformed", "unwritable folder", "| head -1", "Ctrl-C"] as const;
type Case = (typeof CASES)[number];

let dir = "";
let tmp = "";
let hang: Server;
let hangPort = 0;
const env = () => ({
  ...process.env,
  STOWAGE_PRICE_MAX_AGE_DAYS: "100000",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_ACCESS_KEY_ID: "sweep",
  AWS_SECRET_ACCESS_KEY: "sweep",
  TMPDIR: tmp,
});

/** A path in the scratch folder, made by beforeAll. */
const at = (name: string) => join(dir, name);

interface Row {
  readonly command: string;
  readonly case: Case;
  /** What the user typed after `stowage`. */
  readonly args: () => string[];
  /** The exit code it must end with (Ctrl-C: 130, as a shell reports a process ended by SIGINT). */
  readonly code: number;
  /** Run as nobody (unreadable and unwritable cases: root may read and write anything). */
  readonly nobody?: boolean;
  /** Through a terminal (`script`), for the interactive planner. */
  readonly tty?: boolean;
  /** Ctrl-C: wait for this much of the run before sending it. */
  readonly afterMs?: number;
  /** More environment for this case (an endpoint that never answers). */
  readonly env?: () => Record<string, string>;
}

const r = (command: string, c: Case, args: () => string[], code: number = EXIT.USER, more: Partial<Row> = {}): Row => ({
  command,
  case: c,
  args,
  code,
  ...more,
});
/** The four file cases of one file-reading flag. */
const fileCases = (command: string, args: (f: string) => string[], kind: "yaml" | "json" | null, more: Partial<Row> = {}): Row[] => [
  r(command, "missing file", () => args(at("nope/file")), EXIT.USER, more),
  r(command, "unreadable file", () => args(at(`secret.${kind ?? "pem"}`)), EXIT.USER, { nobody: true, ...more }),
  r(command, "a folder", () => args(dir), EXIT.USER, more),
  ...(kind ? [r(command, "malformed", () => args(at(`bad.${kind}`)), EXIT.USER, more)] : []),
];
const INTERRUPTED = 130;

const ROWS: readonly Row[] = [
  ...fileCases("planner", (f) => ["planner", "--workload", f], "yaml", { tty: true }),
  ...fileCases("cost", (f) => ["cost", "--workload", f], "yaml"),
  r("cost", "| head -1", () => ["cost", "--workload", W, "--json"], EXIT.OK),
  // Mid-work, not after it: every provider over 120 months runs five times the wait even on Node 24 (~300 ms there; a
  // plain `cost` ends in under 150 ms). A signal that lands before Node is up ends it with 130 as well.
  r("cost", "Ctrl-C", () => ["cost", "--workload", W, "--provider", "all", "--months", "120"], INTERRUPTED, { afterMs: 60 }),
  r("pricing", "missing file", () => ["pricing", "show", "--prices", at("nope")]),
  r("pricing", "unreadable file", () => ["pricing", "show", "--prices", at("prices-locked")], EXIT.USER, { nobody: true }),
  r("pricing", "malformed", () => ["pricing", "show", "--prices", at("prices-bad")]),
  r("pricing", "| head -1", () => ["pricing", "show", "--json"], EXIT.OK),
  // A refresh waiting on a Price List endpoint that never answers: interrupted mid-request, whatever the machine's
  // speed (`pricing show` ends in under 150 ms, before the signal). The empty folder stays empty.
  r("pricing", "Ctrl-C", () => ["pricing", "refresh", "--region", "us-east-1", "--prices", at("prices-refresh")], INTERRUPTED, {
    afterMs: 1000,
    env: () => ({ AWS_ENDPOINT_URL_PRICING: `http://127.0.0.1:${hangPort}` }),
  }),
  ...fileCases("latency", (f) => ["latency", "--ca", f, "--target", "x=tcp://127.0.0.1:9", "--samples", "1"], null),
  r("latency", "| head -1", () => ["latency", "--offline", "--from", "Paris", "--json"], EXIT.OK),
  r("latency", "Ctrl-C", () => ["latency", "--target", `hang=https://127.0.0.1:${hangPort}`, "--samples", "3", "--timeout", "5000"], INTERRUPTED, {
    afterMs: 1500,
  }),
  ...fileCases("plan", (f) => ["plan", "--workload", f, "--users", U, "--offline"], "yaml"),
  ...fileCases("plan", (f) => ["plan", "--workload", W, "--users", f, "--offline"], "yaml").map((x) => ({ ...x, command: "plan --users" })),
  r(
    "plan",
    "unwritable folder",
    () => ["plan", "--workload", W, "--users", U, "--offline", "--stack", "dev", "--stack-dir", at("ro-project"), "--write"],
    EXIT.USER,
    { nobody: true },
  ),
  r("plan", "| head -1", () => ["plan", "--workload", W, "--users", U, "--offline", "--json"], EXIT.OK),
  // Every provider's locations: ~450 ms on Node 24 (the example alone ends in ~220 ms, too close to a wait).
  r(
    "plan",
    "Ctrl-C",
    () => ["plan", "--workload", W, "--users", at("users-all.yaml"), "--offline", "--stack", "dev", "--stack-dir", at("project"), "--write"],
    INTERRUPTED,
    {
      afterMs: 100,
    },
  ),
  ...fileCases("policy", (f) => ["policy", "--stack", "prod", "--policy-config", f], "json"),
  ...fileCases("policy", (f) => ["policy", "--export", f], "json").map((x) => ({ ...x, command: "policy --export" })),
  r("policy", "| head -1", () => ["policy", "--stack", "prod", "--json"], EXIT.OK),
  // 200 ms: mid-run on an idle machine (the whole run takes 0.7 s on Node 24, about a second on Node 20).
  r("policy", "Ctrl-C", () => ["policy", "--stack", "prod"], INTERRUPTED, { afterMs: 200 }),
  ...fileCases("estimate", (f) => ["estimate", "--stack", "prod", "--usage", f], "yaml"),
  ...fileCases("estimate", (f) => ["estimate", "--stack", "prod", "--compare-to", f], "json").map((x) => ({ ...x, command: "estimate --compare-to" })),
  r("estimate", "| head -1", () => ["estimate", "--stack", "prod", "--usage", "examples/usage.yaml", "--json"], EXIT.OK),
  r("estimate", "Ctrl-C", () => ["estimate", "--stack", "prod"], INTERRUPTED, { afterMs: 200 }),
  r("data", "missing file", () => ["data", "log", at("nope")]),
  r("data", "unreadable file", () => ["data", "log", at("repo-locked")], EXIT.USER, { nobody: true }),
  r("data", "malformed", () => ["data", "log", at("repo-bad")]),
  r("data", "unwritable folder", () => ["data", "commit", at("ro-data")], EXIT.USER, { nobody: true }),
  r("data", "| head -1", () => ["data", "log", at("repo"), "--json"], EXIT.OK),
  // Mid-request on a store that never answers: a folder commit ends in under 150 ms on Node 22 and 24, before the signal.
  r("data", "Ctrl-C", () => ["data", "commit", "s3://sweep-bucket/repo", "--endpoint", `http://127.0.0.1:${hangPort}`, "--timeout", "20000"], INTERRUPTED, {
    afterMs: 1000,
  }),
  r("run", "missing file", () => ["run", "--in", at("nope"), "--out", at("run-out"), "--code-version", "1", "--", "true"]),
  r("run", "unreadable file", () => ["run", "--in", at("repo-locked"), "--out", join(tmp, "run-out-nobody"), "--code-version", "1", "--", "true"], EXIT.USER, {
    nobody: true,
  }),
  r("run", "malformed", () => ["run", "--in", at("repo-bad"), "--out", at("run-out"), "--code-version", "1", "--", "true"]),
  r("run", "unwritable folder", () => ["run", "--in", at("repo-open"), "--out", at("ro-data"), "--code-version", "1", "--", "cat"], EXIT.USER, {
    nobody: true,
  }),
  r("run", "| head -1", () => ["run", "--in", at("repo"), "--out", at("run-out-head"), "--json", "--code-version", "1", "--", "true"], EXIT.OK),
  r("run", "Ctrl-C", () => ["run", "--in", at("repo"), "--out", at("run-out-int"), "--code-version", "1", "--", "sleep", "30"], INTERRUPTED, { afterMs: 2500 }),
  r("access", "missing file", () => ["access", "log", "--audit", at("nope")]),
  r("access", "unreadable file", () => ["access", "log", "--audit", at("repo-locked")], EXIT.USER, { nobody: true }),
  r("access", "malformed", () => [
    "access",
    "grant",
    "--stack",
    "bad",
    "--stack-dir",
    dir,
    "--bucket",
    "b",
    "--prefix",
    "uploads/a/h/",
    "--urls",
    "--for",
    "1h",
    "--reason",
    "r",
  ]),
  r("access", "| head -1", () => ["access", "log", "--audit", at("repo"), "--json"], EXIT.OK),
  r("access", "Ctrl-C", () => ["access", "log", "--audit", "s3://sweep-bucket/audit", "--endpoint", `http://127.0.0.1:${hangPort}`], INTERRUPTED, {
    afterMs: 1000,
  }),
  r("evidence", "missing file", () => ["evidence", "check", at("nope")]),
  r("evidence", "unreadable file", () => ["evidence", "check", at("repo-locked")], EXIT.USER, { nobody: true }),
  r("evidence", "malformed", () => ["evidence", "check", at("repo-bad")]),
  ...fileCases("verify", (f) => ["verify", "--outputs", f], "json"),
  r("verify", "Ctrl-C", () => ["verify", "--endpoint", `http://127.0.0.1:${hangPort}`, "--bucket", "b", "--timeout", "20000"], INTERRUPTED, { afterMs: 1500 }),
];

/** Cases that do not apply, and why. */
const NOT_APPLICABLE: Readonly<Record<string, Partial<Record<Case, string>>>> = {
  planner: {
    "unwritable folder": "writes only on `w`, through the same writeStackFile as plan --write",
    "| head -1": "draws to a terminal, not a pipe (no TTY: exit 2)",
    "Ctrl-C": "Ink's own raw-mode Ctrl-C ends it (e2e.planner.test.ts)",
  },
  cost: { "unwritable folder": "writes only to stdout" },
  pricing: { "a folder": "--prices is a folder", "unwritable folder": "only refresh writes, and it needs AWS credentials (refresh.test.ts)" },
  latency: { malformed: "the CA file is PEM, read as it is and used only by TLS targets", "unwritable folder": "writes only to stdout" },
  plan: {},
  policy: { "unwritable folder": "writes only to stdout" },
  estimate: { "unwritable folder": "writes only to stdout" },
  data: { "a folder": "REPO is a folder" },
  run: { "a folder": "--in and --out are folders" },
  access: { "a folder": "--audit is a folder", "unwritable folder": "grant records before it hands out, and needs a store (data.rgw.test.ts)" },
  verify: { "unwritable folder": "writes only to stdout", "| head -1": "needs a store to print anything (verify.rgw.test.ts)" },
  evidence: {
    "a folder": "the bundle is a folder",
    "unwritable folder": "a bundle needs a repository with one household's uploads first (evidence.test.ts)",
    "| head -1": "a check needs a bundle, made from uploads and runs (evidence.test.ts)",
    "Ctrl-C": "a bundle needs a repository with one household's uploads first (evidence.test.ts)",
  },
};

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function runCase(row: Row): Promise<Result> {
  const args = row.args();
  const node = [process.execPath, BIN, ...args];
  const asUser = row.nobody ? ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] : [];
  if (row.tty) {
    const line = [...asUser, ...node].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    return new Promise((done) =>
      execFile("script", ["-qec", line, "/dev/null"], { env: env() }, (err, stdout) =>
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: "", stderr: stdout.replace(/\r/g, "") }),
      ),
    );
  }
  const [cmd, ...rest] = [...asUser, ...node];
  if (row.case === "| head -1" || row.case === "Ctrl-C") {
    return new Promise((done) => {
      const child = spawn(cmd!, rest, { stdio: ["ignore", "pipe", "pipe"], env: { ...env(), ...row.env?.() } });
      let stderr = "";
      let stdout = "";
      child.stderr.on("data", (d) => (stderr += d));
      if (row.case === "| head -1")
        child.stdout.once("data", (d) => {
          stdout = String(d).split("\n")[0]!;
          child.stdout.destroy();
        });
      else {
        child.stdout.on("data", (d) => (stdout += d));
        setTimeout(() => child.kill("SIGINT"), row.afterMs ?? 150);
      }
      child.on("close", (code, signal) =>
        done({ code: signal ? 128 + ({ SIGINT: 2, SIGTERM: 15, SIGPIPE: 13 }[signal as string] ?? 0) : (code ?? 1), stdout, stderr }),
      );
    });
  }
  return new Promise((done) =>
    execFile(cmd!, rest, { env: env(), maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const results = new Map<string, Result>();
const key = (command: string, c: Case) => `${command}\t${c}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "stowage-sweep-"));
  tmp = await mkdtemp(join(tmpdir(), "stowage-sweep-tmp-"));
  await chmod(dir, 0o755);
  await chmod(tmp, 0o1777);
  await writeFile(at("bad.yaml"), "a: 1\nb: [1, 2\n");
  await writeFile(at("bad.json"), '{ "a": 1,');
  for (const kind of ["yaml", "json", "pem"]) await writeFile(at(`secret.${kind}`), kind === "json" ? "{}" : "a: 1\n", { mode: 0o600 });
  // A project folder for plan --write (Pulumi.yaml beside the stack file), and a read-only one.
  for (const name of ["project", "ro-project"]) {
    await mkdir(at(name));
    await copyFile("Pulumi.yaml", join(at(name), "Pulumi.yaml"));
    await copyFile("Pulumi.dev.yaml", join(at(name), "Pulumi.dev.yaml"));
  }
  await chmod(at("ro-project"), 0o555);
  await writeFile(at("Pulumi.bad.yaml"), "config: [1, 2\n");
  // Prices: a folder only root may enter, and one with a file that is not JSON.
  await mkdir(at("prices-locked"), { mode: 0o700 });
  await mkdir(at("prices-refresh"));
  await writeFile(at("users-all.yaml"), `${await readFile(U, "utf8")}providers: { allowed: [aws, gcs, azure, r2, b2] }\n`);
  await mkdir(join(at("prices-bad"), "AmazonS3"), { recursive: true });
  await writeFile(join(at("prices-bad"), "AmazonS3", "us-east-2.json"), "{ not json");
  // Data repositories: one committed, one only root may enter, one whose branch file is not what it should be.
  for (const name of ["repo", "repo-open", "repo-bad"]) {
    await mkdir(join(at(name), "cam-1"), { recursive: true });
    await writeFile(join(at(name), "cam-1", "a.jpg"), `frame of ${name}`);
    await new Promise((ok) => execFile(process.execPath, [BIN, "data", "commit", at(name)], { env: env() }, ok));
  }
  // The input of the unwritable-output case, nobody's own: only the output folder is refused.
  await new Promise((ok) => execFile("chown", ["-R", "nobody:nogroup", at("repo-open")], ok));
  for (const f of await readdir(join(at("repo-bad"), ".stowage"), { recursive: true })) {
    const path = join(at("repo-bad"), ".stowage", String(f));
    if (/\.json$/.test(String(f))) await writeFile(path, "{ not json");
  }
  await mkdir(at("repo-locked"), { mode: 0o700 });
  await mkdir(at("ro-data"), { mode: 0o555 });
  await writeFile(join(at("ro-data"), "x.txt"), "x");
  await chmod(at("ro-data"), 0o555);
  // Accepts connections and never answers: work that Ctrl-C interrupts.
  hang = createServer(() => {});
  await new Promise<void>((ok) => hang.listen(0, "127.0.0.1", ok));
  hangPort = (hang.address() as { port: number }).port;
}, 120_000);

afterAll(() => {
  hang?.close();
  const firstLine = (s: string) => s.split("\n").find((l) => l.trim() !== "" && !/warning/i.test(l)) ?? "";
  const lines = ["| command | case | exit | first line |", "|---|---|---|---|"];
  for (const command of COMMAND_NAMES) {
    for (const c of CASES) {
      const rows = ROWS.filter((x) => x.case === c && x.command.split(" ")[0] === command);
      for (const row of rows) {
        const res = results.get(key(row.command, c));
        lines.push(
          `| ${row.command} | ${c} | ${res ? res.code : "-"} | ${res ? (c === "| head -1" ? `(stdout) ${res.stdout.slice(0, 60)}` : firstLine(res.stderr)).replace(/\|/g, "\\|").slice(0, 160) : ""} |`,
        );
      }
      const na = NOT_APPLICABLE[command]?.[c];
      if (!rows.length && na) lines.push(`| ${command} | ${c} | n/a | ${na.replace(/\|/g, "\\|")} |`);
    }
  }
  writeFileSync("test/.sweep.md", `${lines.join("\n")}\n`);
});

describe("the table", () => {
  it("covers every command in the registry, each case a row or a reason it does not apply", () => {
    const missing = COMMAND_NAMES.flatMap((command) =>
      CASES.filter((c) => !ROWS.some((x) => x.command.split(" ")[0] === command && x.case === c) && !NOT_APPLICABLE[command]?.[c]).map(
        (c) => `${command} × ${c}`,
      ),
    );
    expect(missing).toEqual([]);
    expect(Object.keys(NOT_APPLICABLE).sort()).toEqual([...COMMAND_NAMES].sort());
  });
});

describe.concurrent("every command × every case that applies", () => {
  it.each(ROWS.map((row) => [`${row.command} × ${row.case} → ${row.code}`, row] as const))("%s", async (_, row) => {
    const res = await runCase(row);
    results.set(key(row.command, row.case), res);
    expect(res.code, `${row.args().join(" ")}\n${res.stderr}`).toBe(row.code);
    expect(res.stderr).not.toMatch(/internal error|\n\s+at |^\s+at /m);
    if (row.case === "| head -1") expect(res.stderr).toBe("");
    else if (row.case !== "Ctrl-C") expect(res.stderr.split("\n")[0], res.stderr).toMatch(/^stowage: \S/);
    // A file the system refused is named with its problem in words, not Node's errno text.
    if (row.case === "a folder" && !row.command.startsWith("estimate")) expect(res.stderr.split("\n")[0]).toMatch(/it is a folder, not a file\.$/);
    if (row.command === "run" && row.case === "Ctrl-C") expect((await readdir(tmp)).filter((f) => f.startsWith("stowage-datum-"))).toEqual([]);
    if (row.command === "pricing" && row.case === "Ctrl-C") expect(await readdir(at("prices-refresh"))).toEqual([]);
    if (row.command === "plan" && row.case === "Ctrl-C") expect((await readdir(at("project"))).filter((f) => f.startsWith(".stowage-tmp"))).toEqual([]);
  });
});
