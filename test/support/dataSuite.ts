/**
 * The data layer's behaviour, written once and run on each kind of repository (a local folder; a prefix of a
 * versioned bucket on Ceph RGW): the same command lines through the built command, the same expectations.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { expect, it } from "vitest";
import { packageRoot } from "../../core/paths.js";

/** Where repositories live for one suite. */
export interface Place {
  /** A new, empty repository: its argument for the command line. */
  repo(name: string): string;
  /** Flags every command needs to reach it (endpoint, region). */
  readonly flags: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Writes a file into the repository (as an uploader would, not through Stowage); returns its version. */
  put(repo: string, path: string, body: Buffer): Promise<string>;
  remove(repo: string, path: string): Promise<void>;
  /** How many versions of one file the store holds (a folder keeps one). */
  versions(repo: string, path: string): Promise<number>;
  /** The guarantee this store is expected to report. */
  readonly guarantee: string;
  /** The mode it is expected to report ("versions" or "content-addressed"), where the suite checks it. */
  readonly mode?: string;
}

/** Repositories as folders under `base`: a file written is its only version, named by its SHA-256. */
export function folderPlace(base: string): Place {
  return {
    repo: (name) => join(base, name),
    flags: [],
    env: process.env,
    guarantee: "exclusive-create",
    async put(repo, path, body) {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), body);
      return createHash("sha256").update(body).digest("hex");
    },
    async remove(repo, path) {
      rmSync(join(repo, path));
    },
    async versions() {
      return 1;
    },
  };
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

const BIN = join(packageRoot(), "dist", "bundle", "cli.js");

export function stowage(place: Place, args: readonly string[], cwd = tmpdir()): Promise<Result> {
  const dash = args.indexOf("--");
  const full = dash < 0 ? [...args, ...place.flags] : [...args.slice(0, dash), ...place.flags, ...args.slice(dash)];
  return new Promise((resolve) =>
    execFile(process.execPath, [BIN, ...full], { cwd, env: place.env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      let json: unknown = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        // not JSON
      }
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, json });
    }),
  );
}

function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full).toString("base64");
    }
  };
  walk(dir);
  return out;
}

const tmp = (what: string) => mkdtempSync(join(tmpdir(), `stowage-${what}-`));

/** The user's code: a shell program (each input's SHA-256 and size at <path>.txt), a Python one, and one that fails on bad.jpg. */
function scripts(): { shell: string; python: string; flaky: string } {
  const dir = tmp("code");
  const shell = join(dir, "label.sh");
  writeFileSync(
    shell,
    `#!/bin/sh\nset -e\ncd "$STOWAGE_IN"\nfind . -type f | while read -r f; do\n  mkdir -p "$STOWAGE_OUT/$(dirname "$f")"\n  echo "$(sha256sum < "$f" | cut -c1-64) $(wc -c < "$f")" > "$STOWAGE_OUT/$f.txt"\ndone\n`,
  );
  chmodSync(shell, 0o755);
  const python = join(dir, "detect.py");
  writeFileSync(
    python,
    [
      "import hashlib, json, os, pathlib",
      "src, out = pathlib.Path(os.environ['STOWAGE_IN']), pathlib.Path(os.environ['STOWAGE_OUT'])",
      "for f in sorted(p for p in src.rglob('*') if p.is_file()):",
      "    data = f.read_bytes()",
      "    target = out / f.relative_to(src).with_suffix('.json')",
      "    target.parent.mkdir(parents=True, exist_ok=True)",
      "    target.write_text(json.dumps({'bytes': len(data), 'motion': data[0] % 2 == 1, 'sha256': hashlib.sha256(data).hexdigest()}))",
      "",
    ].join("\n"),
  );
  const flaky = join(dir, "flaky.sh");
  writeFileSync(
    flaky,
    `#!/bin/sh\nif [ -e "$STOWAGE_IN/$STOWAGE_DATUM/bad.jpg" ] && [ -z "$FIXED" ]; then echo "cannot decode bad.jpg" >&2; exit 3; fi\nmkdir -p "$STOWAGE_OUT/$STOWAGE_DATUM"\nls "$STOWAGE_IN/$STOWAGE_DATUM" > "$STOWAGE_OUT/$STOWAGE_DATUM/list.txt"\n`,
  );
  chmodSync(flaky, 0o755);
  return { shell, python, flaky };
}

/**
 * A test's timeout from the commands it runs (each a process start, a Python interpreter, S3 round trips): on a
 * machine busy with other work one start took 14 s, so each command gets 30 s. The Python datum test hit the
 * suite-wide 30 s with ten commands.
 */
const commands = (n: number) => n * 30_000;

export function dataLayerSuite(place: () => Place | Promise<Place>): void {
  const code = scripts();
  const image = (n = 64) => randomBytes(n);

  it("commits, logs, diffs and checks out byte for byte across overwrites and deletes", { timeout: commands(12) }, async () => {
    const p = await place();
    const repo = p.repo("roundtrip");
    const v1 = { "cam-1/a.jpg": image(300), "cam-1/b.jpg": image(5), "cam-2/c.jpg": image(70_000), "top.txt": Buffer.from("hello\n") };
    for (const [path, body] of Object.entries(v1)) await p.put(repo, path, body);
    const first = await stowage(p, ["data", "commit", repo, "-m", "first", "--json", "--progress"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("stowage: files listed: 4"); // --progress (at most a line a second; here one)
    expect(first.json).toMatchObject({ parent: null, branch: "main", files: 4, added: 4, modified: 0, deleted: 0, created: true, guarantee: p.guarantee });
    if (p.mode) expect(first.json.mode).toBe(p.mode);

    // Overwrite one, delete one, add one: the commit pins the new state; the first commit still reads as it was.
    await p.put(repo, "cam-1/a.jpg", image(301));
    await p.remove(repo, "cam-1/b.jpg");
    await p.put(repo, "cam-3/d.jpg", image(10));
    const second = await stowage(p, ["data", "commit", repo, "-m", "second", "--json"]);
    expect(second.json).toMatchObject({ parent: first.json.commit, files: 4, added: 1, modified: 1, deleted: 1, created: true });
    const again = await stowage(p, ["data", "commit", repo, "--json"]);
    expect(again.json).toMatchObject({ commit: second.json.commit, created: false, added: 0 });

    const log = await stowage(p, ["data", "log", repo, "--json"]);
    expect(log.json.commits.map((c: { commit: string; message: string }) => [c.commit, c.message])).toEqual([
      [second.json.commit, "second"],
      [first.json.commit, "first"],
    ]);
    const diff = await stowage(p, ["data", "diff", repo, first.json.commit.slice(0, 10), "main", "--json"]);
    expect(diff.json).toMatchObject({ added: ["cam-3/d.jpg"], modified: ["cam-1/a.jpg"], deleted: ["cam-1/b.jpg"] });

    await p.put(repo, "top.txt", Buffer.from("changed after both commits\n"));
    const out = join(tmp("checkout"), "first");
    const co = await stowage(p, ["data", "checkout", repo, first.json.commit, "--to", out, "--json"]);
    expect(co.code, co.stderr).toBe(0);
    expect(treeOf(out)).toEqual(Object.fromEntries(Object.entries(v1).map(([k, v]) => [k, v.toString("base64")])));
    const notEmpty = await stowage(p, ["data", "checkout", repo, "main", "--to", out]);
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toContain("is not empty");
  });

  it("runs a shell command and a Python script per datum, and why names the exact input versions", { timeout: commands(10) }, async () => {
    const p = await place();
    const images = p.repo("images");
    const versions: Record<string, string> = {};
    const bodies: Record<string, Buffer> = {};
    for (let i = 0; i < 12; i++) {
      const path = `cam-${i % 4}/frame-${i}.jpg`;
      bodies[path] = image(100 + i);
      versions[path] = await p.put(images, path, bodies[path]);
    }
    const labels = p.repo("labels");
    const run = await stowage(p, ["run", "--in", images, "--out", labels, "--parallel", "3", "--json", "--", code.shell]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ status: "ok", datums: { total: 4, processed: 4, skipped: 0, failed: 0 } });
    expect(run.json.outputCommit).toMatch(/^[0-9a-f]{64}$/);

    const checkout = join(tmp("labels"), "out");
    await stowage(p, ["data", "checkout", labels, "main", "--to", checkout]);
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(Object.keys(treeOf(checkout)).sort()).toEqual(
      Object.keys(bodies)
        .map((k) => `${k}.txt`)
        .sort(),
    );
    for (const [path, body] of Object.entries(bodies)) expect(readFileSync(join(checkout, `${path}.txt`), "utf8")).toBe(`${sha(body)} ${body.length}\n`);

    const why = await stowage(p, ["data", "why", labels, "cam-2/frame-6.jpg.txt", "--json"]);
    expect(why.code, why.stderr).toBe(0);
    expect(why.json.run).toMatchObject({ id: run.json.run, status: "ok", command: [code.shell] });
    expect(why.json.inputs.map((i: { path: string; versionId: string; sha256: string; commit: string }) => [i.path, i.versionId, i.sha256, i.commit])).toEqual(
      ["cam-2/frame-10.jpg", "cam-2/frame-2.jpg", "cam-2/frame-6.jpg"].map((path) => [path, versions[path], sha(bodies[path]!), run.json.inputCommit]),
    );

    // A second stage, in Python, on the first one's output: why walks back through both runs.
    const detections = p.repo("detections");
    const py = await stowage(p, ["run", "--in", labels, "--out", detections, "--glob", "/*/*", "--name", "detect", "--json", "--", "python3", code.python]);
    expect(py.code, py.stderr).toBe(0);
    expect(py.json.datums).toMatchObject({ total: 12, processed: 12, failed: 0 });
    const deep = await stowage(p, ["data", "why", detections, "cam-2/frame-6.jpg.json", "--json"]);
    expect(deep.json.run).toMatchObject({ name: "detect", command: ["python3", code.python] });
    expect(deep.json.inputs.map((i: { path: string }) => i.path)).toEqual(["cam-2/frame-6.jpg.txt"]);
    expect(deep.json.upstream).toHaveLength(1);
    expect(deep.json.upstream[0].inputs.map((i: { path: string; versionId: string }) => [i.path, i.versionId])).toContainEqual([
      "cam-2/frame-6.jpg",
      versions["cam-2/frame-6.jpg"],
    ]);
    const text = await stowage(p, ["data", "why", detections, "cam-2/frame-6.jpg.json"]);
    expect(text.stdout).toContain("made by run");
  });

  it("re-runs only new or changed datums, and only when the code is the same", { timeout: commands(16) }, async () => {
    const p = await place();
    const images = p.repo("inc-images");
    const versions: Record<string, string> = {};
    for (let i = 0; i < 6; i++) versions[`cam-${i}/1.jpg`] = await p.put(images, `cam-${i}/1.jpg`, image(20));
    const out = p.repo("inc-out");
    const first = await stowage(p, ["run", "--in", images, "--out", out, "--code-version", "v1", "--json", "--", code.shell]);
    expect(first.json.datums).toMatchObject({ total: 6, processed: 6, skipped: 0 });

    versions["cam-6/1.jpg"] = await p.put(images, "cam-6/1.jpg", image(20));
    versions["cam-0/1.jpg"] = await p.put(images, "cam-0/1.jpg", image(21)); // a new version of an input: that datum runs again
    const second = await stowage(p, ["run", "--in", images, "--out", out, "--code-version", "v1", "--json", "--", code.shell]);
    expect(second.json.datums).toMatchObject({ total: 7, processed: 2, skipped: 5, failed: 0 });
    expect(await p.versions(out, "cam-3/1.jpg.txt")).toBe(1); // skipped: not written again
    const why = await stowage(p, ["data", "why", out, "cam-3/1.jpg.txt", "--json"]);
    expect(why.json.run.id).toBe(first.json.run); // made by the first run, carried into the second's commit
    // Every output of the partly skipped run leads to the run that wrote its version and the input version it read.
    for (const [path, version] of Object.entries(versions)) {
      const w = await stowage(p, ["data", "why", out, `${path}.txt`, "--json"]);
      expect(w.code, w.stderr).toBe(0);
      expect(w.json.run.id, path).toBe(["cam-0/1.jpg", "cam-6/1.jpg"].includes(path) ? second.json.run : first.json.run);
      expect(w.json.inputs.map((i: { path: string; versionId: string }) => [i.path, i.versionId])).toEqual([[path, version]]);
    }
    const log = await stowage(p, ["data", "log", out, "--json"]);
    expect(log.json.commits).toHaveLength(2);

    const newCode = await stowage(p, ["run", "--in", images, "--out", out, "--code-version", "v2", "--json", "--", code.shell]);
    expect(newCode.json.datums).toMatchObject({ total: 7, processed: 7, skipped: 0 });
  }); // 16 commands with the why of each output

  it("publishes nothing when a datum fails, says why, and a re-run does only what failed", { timeout: commands(6) }, async () => {
    const p = await place();
    const images = p.repo("fail-images");
    for (const cam of ["cam-1", "cam-2", "cam-3"]) await p.put(images, `${cam}/ok.jpg`, image(8));
    await p.put(images, "cam-2/bad.jpg", image(8));
    const out = p.repo("fail-out");
    const failed = await stowage(p, ["run", "--in", images, "--out", out, "--code-version", "v1", "--json", "--", code.flaky]);
    expect(failed.code).toBe(6);
    expect(failed.json).toMatchObject({ status: "failed", outputCommit: null, datums: { total: 3, processed: 2, failed: 1 } });
    expect(failed.json.failures).toEqual([{ datum: "cam-2", exitCode: 3, reason: "exit code 3", stderrTail: ["cannot decode bad.jpg"] }]);
    const noLog = await stowage(p, ["data", "log", out]);
    expect(noLog.code).toBe(2); // no branch: nothing was committed

    const fixed = await stowage(p, ["run", "--in", images, "--out", out, "--code-version", "v1", "--json", "--", code.flaky]);
    expect(fixed.code).toBe(6); // still failing without the fix
    const env = { ...p.env, FIXED: "1" };
    const rerun = await stowage({ ...p, env }, ["run", "--in", images, "--out", out, "--code-version", "v1", "--json", "--", code.flaky]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json.datums).toMatchObject({ total: 3, processed: 1, skipped: 2, failed: 0 });
  });

  it("never loses one of several concurrent commits to one branch", { timeout: commands(6) }, async () => {
    const p = await place();
    const repo = p.repo("race");
    await p.put(repo, "seed.txt", Buffer.from("seed"));
    const writers = 4;
    const results = await Promise.all(
      Array.from({ length: writers }, async (_, i) => {
        await p.put(repo, `writer-${i}.txt`, Buffer.from(`writer ${i}`));
        return stowage(p, ["data", "commit", repo, "-m", `writer ${i}`, "--json"]);
      }),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const log = await stowage(p, ["data", "log", repo, "--json"]);
    const inLog = log.json.commits.map((c: { commit: string }) => c.commit);
    // Every commit a writer was told it made is on the branch, in one parent chain.
    for (const r of results.filter((r) => r.json.created)) expect(inLog).toContain(r.json.commit);
    log.json.commits.forEach((c: { parent: string | null }, i: number) => expect(c.parent).toBe(log.json.commits[i + 1]?.commit ?? null));
    expect(log.json.commits[0].files).toBe(writers + 1);
  });

  it("refuses bad input with a message and the next step, and no stack trace", { timeout: commands(6) }, async () => {
    const p = await place();
    const images = p.repo("bad-input");
    await p.put(images, "a/1.jpg", image(4));
    const noCommand = await stowage(p, ["run", "--in", images, "--out", p.repo("bad-out"), "--", "no-such-program-xyz"]);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/no-such-program-xyz was not found/);
    const badGlob = await stowage(p, ["run", "--in", images, "--out", p.repo("bad-out"), "--glob", "*", "--", "true"]);
    expect(badGlob.stderr).toContain("must start with /");
    const noRef = await stowage(p, ["data", "checkout", images, "nope", "--to", tmp("x")]);
    expect(noRef.code).toBe(2);
    expect(noRef.stderr).toContain("no branch or commit nope");
    for (const r of [noCommand, badGlob, noRef]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
}
