/** `stowage run` on local folders, through the built command: what it leaves behind when stopped, and in its output. */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../core/paths.js";

const BIN = join(packageRoot(), "dist", "bundle", "cli.js");

function start(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stderr })));
  return { child, done };
}

async function until(test: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("stowage run interrupted mid-datum", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`on ${signal} stops the command, leaves no datum folder (inputs, outputs) in TMPDIR and exits ${code}`, async () => {
      const base = mkdtempSync(join(tmpdir(), "stowage-signal-"));
      const own = join(base, "tmp");
      mkdirSync(own);
      mkdirSync(join(base, "in"));
      for (const name of ["a.jpg", "b.jpg", "c.jpg"]) writeFileSync(join(base, "in", name), `household photo ${name}`);
      const mark = join(base, "started");
      const script = join(base, "slow.sh");
      // Writes an output, says it has, then waits as a long model would (exec: the signal reaches the waiting process).
      writeFileSync(script, `#!/bin/sh\ncp -r "$STOWAGE_IN"/. "$STOWAGE_OUT"\ntouch "${mark}"\nexec sleep 120\n`);
      chmodSync(script, 0o755);
      const run = start(["run", "--in", join(base, "in"), "--out", join(base, "out"), "--parallel", "2", "--code-version", "v1", "--", script], {
        ...process.env,
        TMPDIR: own,
      });
      await until(() => existsSync(mark), "the first datum to start");
      expect(readdirSync(own).some((n) => n.startsWith("stowage-datum-"))).toBe(true);
      run.child.kill(signal);
      const r = await run.done;
      expect(r.code).toBe(code);
      expect(readdirSync(own)).toEqual([]);
    }, 90_000);
  }
});

describe("stowage run's datum folders", () => {
  it("are gone once the run ends, whatever the command left in them (nested inputs and outputs, files of its own, a failure)", async () => {
    const base = mkdtempSync(join(tmpdir(), "stowage-leftovers-"));
    const own = join(base, "tmp");
    mkdirSync(own);
    mkdirSync(join(base, "in", "cam-2", "night"), { recursive: true });
    writeFileSync(join(base, "in", "cam-1.jpg"), "one frame");
    writeFileSync(join(base, "in", "cam-2", "night", "0001.jpg"), "a frame in a folder datum");
    writeFileSync(join(base, "in", "fails.jpg"), "this one fails after writing");
    const script = join(base, "messy.sh");
    // Nested outputs, a scratch file beside the inputs and one in the datum's own folder; the third datum fails.
    writeFileSync(
      script,
      '#!/bin/sh\nmkdir -p "$STOWAGE_OUT/deep/er"\necho x > "$STOWAGE_OUT/deep/er/$STOWAGE_DATUM.txt"\necho y > "$STOWAGE_IN/scratch"\n' +
        'echo z > "$STOWAGE_IN/../extra"\n[ "$STOWAGE_DATUM" != fails.jpg ]\n',
    );
    chmodSync(script, 0o755);
    const clean = join(base, "clean.sh");
    writeFileSync(clean, '#!/bin/sh\nfor f in "$STOWAGE_IN"/*; do echo ok > "$STOWAGE_OUT/$(basename "$f").txt"; done\n');
    chmodSync(clean, 0o755);
    const env = { ...process.env, TMPDIR: own };
    const messy = await stowage(["run", "--in", join(base, "in"), "--out", join(base, "out"), "--code-version", "v1", "--json", "--", script], env);
    expect(messy.json?.datums).toMatchObject({ total: 3, processed: 2, failed: 1 });
    expect(readdirSync(own)).toEqual([]);
    const tidy = await stowage(["run", "--in", join(base, "in"), "--out", join(base, "out2"), "--code-version", "v1", "--json", "--", clean], env);
    expect(tidy.json?.datums).toMatchObject({ total: 3, processed: 3, failed: 0 });
    expect(readdirSync(own)).toEqual([]);
  }, 90_000);
});

function treeOf(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .filter((e) => !(rel === "" && e.name === ".stowage"))
    .flatMap((e) => (e.isDirectory() ? treeOf(dir, join(rel, e.name)) : [join(rel, e.name)]))
    .sort();
}

async function stowage(args: string[], env = process.env): Promise<{ code: number | null; json: any; stderr: string }> {
  const { child, done } = start(args, env);
  let stdout = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  const r = await done;
  let json: unknown = null;
  try {
    json = JSON.parse(stdout);
  } catch {
    // not JSON
  }
  return { ...r, json };
}

describe("a folder that a run writes its outputs to", () => {
  it("holds exactly the head commit's files after each run, so a plain data commit changes nothing", async () => {
    const base = mkdtempSync(join(tmpdir(), "stowage-outfolder-"));
    const [input, out] = [join(base, "in"), join(base, "out")];
    mkdirSync(input);
    for (const name of ["a.jpg", "b.jpg"]) writeFileSync(join(input, name), `photo ${name}`);
    // v1 writes two files per datum (one in a folder); v2 writes one; v3 fails on b.jpg and writes a new name for a.jpg.
    const script = join(base, "label.sh");
    writeFileSync(
      script,
      `#!/bin/sh\nset -e\nfor f in "$STOWAGE_IN"/*; do n=$(basename "$f")\n` +
        `case "$VERSION" in\n v1) echo label > "$STOWAGE_OUT/$n.txt"; mkdir -p "$STOWAGE_OUT/crops"; echo crop > "$STOWAGE_OUT/crops/$n.png";;\n` +
        ` v2) echo label2 > "$STOWAGE_OUT/$n.txt";;\n v3) [ "$n" = b.jpg ] && exit 3; echo new > "$STOWAGE_OUT/$n.new";;\nesac\ndone\n`,
    );
    chmodSync(script, 0o755);
    const checkedOut = async () => {
      const to = mkdtempSync(join(base, "co-"));
      expect((await stowage(["data", "checkout", out, "main", "--to", to, "--json"])).code).toBe(0);
      return treeOf(to);
    };
    for (const [version, code] of [
      ["v1", 0],
      ["v2", 0],
      ["v3", 6],
    ] as const) {
      const r = await stowage(["run", "--in", input, "--out", out, "--code-version", version, "--json", "--", script], { ...process.env, VERSION: version });
      expect(r.code, r.stderr).toBe(code);
      expect(treeOf(out)).toEqual(await checkedOut());
      const commit = await stowage(["data", "commit", out, "--json"]);
      expect(commit.json.created, version).toBe(false);
    }
    expect(treeOf(out)).toEqual(["a.jpg.txt", "b.jpg.txt"]);
  }, 120_000);
});

describe("stowage run --progress", () => {
  it("gives the datums done beside those found so far while the input is read, then beside the total", async () => {
    const base = mkdtempSync(join(tmpdir(), "stowage-progress-"));
    mkdirSync(join(base, "in"));
    for (const name of ["a.jpg", "b.jpg", "c.jpg"]) writeFileSync(join(base, "in", name), `photo ${name}`);
    const args = ["run", "--in", join(base, "in"), "--out", join(base, "out"), "--code-version", "v1", "--parallel", "1", "--progress", "--json"];
    const { done } = start([...args, "--", "sh", "-c", 'echo x > "$STOWAGE_OUT/$STOWAGE_DATUM.txt"'], process.env);
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("stowage: datums done"));
    // --parallel 1 holds two datums at a time: when the first is done, two are found and the third not yet read.
    expect(lines[0]).toBe("stowage: datums done: 1 of at least 2");
    expect(lines.at(-1)).toBe("stowage: datums done: 3 of 3");
  }, 60_000);
});
