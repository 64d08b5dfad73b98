/**
 * A folder repository's edge cases, through the built command: changes that keep a file's size and mtime (the way
 * touch -r, cp -p, rsync -t and tar x leave a file), symbolic links, and the code's identity outside git.
 */
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../core/paths.js";
import { stowage, type Place } from "./support/dataSuite.js";

/** Up to 8 runs of the built command per test, each a second or more on a loaded machine. */
const SLOW = 120_000;
const tmp = (what: string) => mkdtempSync(join(tmpdir(), `stowage-${what}-`));
const place = { flags: [], env: process.env } as unknown as Place;
const has = (tool: string) => {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

/** A datum program that copies its inputs to its outputs: what `stowage run` served it, byte for byte. */
function copier(): string {
  const file = join(tmp("copier"), "copy.sh");
  writeFileSync(file, '#!/bin/sh\nset -e\ncp -R "$STOWAGE_IN"/. "$STOWAGE_OUT"/\n');
  chmodSync(file, 0o755);
  return file;
}

/**
 * Each way a user puts new bytes of the same length in place while keeping the old mtime. `staged` holds the new
 * bytes and already carries the committed file's mtime (as a restored backup or a synced copy does).
 */
const preservers: Record<string, (staged: string, target: string) => void> = {
  "touch -r": (staged, target) => {
    const ref = join(tmp("ref"), "ref");
    writeFileSync(ref, "");
    execFileSync("touch", ["-r", target, ref]);
    writeFileSync(target, readFileSync(staged)); // in place: same inode
    execFileSync("touch", ["-r", ref, target]);
  },
  "cp -p": (staged, target) => execFileSync("cp", ["-p", staged, target]),
  "rsync -t": (staged, target) => execFileSync("rsync", ["-t", "--ignore-times", staged, target]), // -I: rsync's own size+mtime check would skip it
  "tar x": (staged, target) => {
    const dir = tmp("tar");
    const name = target.split("/").pop()!;
    execFileSync("cp", ["-p", staged, join(dir, name)]);
    execFileSync("tar", ["-cf", join(dir, "x.tar"), "-C", dir, name]);
    execFileSync("tar", ["-xf", join(dir, "x.tar"), "-C", join(target, "..")]);
  },
};

describe("a folder commit sees a change that keeps size and mtime", () => {
  for (const [tool, preserve] of Object.entries(preservers)) {
    it.skipIf(!has(tool.split(" ")[0]!))(
      `after ${tool}: commit records it, checkout and run serve the new bytes`,
      async () => {
        const repo = join(tmp("mtime"), "repo");
        mkdirSync(join(repo, "cam-1"), { recursive: true });
        const target = join(repo, "cam-1", "a.jpg");
        writeFileSync(target, "old bytes, 24 long......");
        writeFileSync(join(repo, "cam-1", "b.jpg"), "untouched");
        // An mtime well in the past, as a restored backup has: the commit's shortcut would trust it.
        const past = new Date(Math.floor(Date.now() / 1000 - 3600) * 1000); // whole seconds: what a ustar archive keeps
        utimesSync(target, past, past);
        const first = await stowage(place, ["data", "commit", repo, "-m", "first", "--json"]);
        expect(first.code, first.stderr).toBe(0);

        const staged = join(tmp("staged"), "a.jpg");
        writeFileSync(staged, "NEW BYTES, 24 long......");
        execFileSync("touch", ["-r", target, staged]);
        const before = statSync(target);
        preserve(staged, target);
        const after = statSync(target);
        expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]); // the tool really kept both

        const second = await stowage(place, ["data", "commit", repo, "-m", "second", "--json"]);
        expect(second.code, second.stderr).toBe(0);
        expect(second.json).toMatchObject({ created: true, modified: 1, added: 0, deleted: 0 });
        const out = join(tmp("co"), "out");
        const co = await stowage(place, ["data", "checkout", repo, "main", "--to", out]);
        expect(co.code, co.stderr).toBe(0);
        expect(readFileSync(join(out, "cam-1", "a.jpg"), "utf8")).toBe("NEW BYTES, 24 long......");

        const labels = join(tmp("labels"), "out");
        const run = await stowage(place, ["run", "--in", repo, "--out", labels, "--json", "--", copier()]);
        expect(run.code, run.stderr).toBe(0);
        expect(readFileSync(join(labels, "cam-1", "a.jpg"), "utf8")).toBe("NEW BYTES, 24 long......");
      },
      SLOW,
    );
  }
});

describe("a folder commit's symbolic links", () => {
  it(
    "commits a link to a file inside as that file's content, and refuses links outside or to nothing, naming them",
    async () => {
      const repo = join(tmp("links"), "repo");
      mkdirSync(join(repo, "cam-1"), { recursive: true });
      writeFileSync(join(repo, "cam-1", "a.jpg"), "the frame");
      writeFileSync(join(repo, "b.jpg"), "other");
      symlinkSync("cam-1/a.jpg", join(repo, "latest.jpg"));
      const first = await stowage(place, ["data", "commit", repo, "-m", "links"]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain("3 files");
      expect(first.stdout).toContain("1 symbolic link committed as its target's content");
      const out = join(tmp("co"), "out");
      expect((await stowage(place, ["data", "checkout", repo, "main", "--to", out])).code).toBe(0);
      expect(lstatSync(join(out, "latest.jpg")).isFile()).toBe(true);
      expect(readFileSync(join(out, "latest.jpg"), "utf8")).toBe("the frame");

      // The target changes: so does the link's content.
      writeFileSync(join(repo, "cam-1", "a.jpg"), "a new frame");
      const second = await stowage(place, ["data", "commit", repo, "--json"]);
      expect(second.json).toMatchObject({ created: true, modified: 2, links: 1 });

      const outside = join(tmp("outside"), "secret.txt");
      writeFileSync(outside, "not the repository's");
      symlinkSync(outside, join(repo, "cam-1", "escape.jpg"));
      symlinkSync("no-such-file", join(repo, "dangling.jpg"));
      const refused = await stowage(place, ["data", "commit", repo, "--json"]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("2 symbolic links cannot be committed");
      expect(refused.stderr).toContain(`cam-1/escape.jpg → ${outside} (outside the repository)`);
      expect(refused.stderr).toContain("dangling.jpg → no-such-file (points at nothing)");
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      const log = await stowage(place, ["data", "log", repo, "--json"]);
      expect(log.json.commits).toHaveLength(2); // nothing committed
    },
    SLOW,
  );
});

describe("the code's identity outside git", () => {
  const inputs = async () => {
    const repo = join(tmp("code-in"), "repo");
    for (const cam of ["cam-1", "cam-2"]) {
      mkdirSync(join(repo, cam), { recursive: true });
      writeFileSync(join(repo, cam, "f.jpg"), `frame of ${cam}`);
    }
    return repo;
  };
  it(
    "re-runs every datum when the script the command names changed",
    async () => {
      const dir = tmp("code-dir"); // /tmp: no git work tree
      expect(() => execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], { stdio: "ignore" })).toThrow();
      const repo = await inputs();
      const out = join(tmp("code-out"), "out");
      const script = join(dir, "label.sh");
      writeFileSync(script, '#!/bin/sh\nmkdir -p "$STOWAGE_OUT/$STOWAGE_DATUM"\necho v1 > "$STOWAGE_OUT/$STOWAGE_DATUM/label.txt"\n');
      chmodSync(script, 0o755);
      const first = await stowage(place, ["run", "--in", repo, "--out", out, "--json", "--", "./label.sh"], dir);
      expect(first.code, first.stderr).toBe(0);
      expect(first.json.datums).toMatchObject({ processed: 2, skipped: 0 });
      expect(first.stderr).not.toContain("--code-version");
      const same = await stowage(place, ["run", "--in", repo, "--out", out, "--json", "--", "./label.sh"], dir);
      expect(same.json.datums).toMatchObject({ processed: 0, skipped: 2 });

      writeFileSync(script, '#!/bin/sh\nmkdir -p "$STOWAGE_OUT/$STOWAGE_DATUM"\necho v2 > "$STOWAGE_OUT/$STOWAGE_DATUM/label.txt"\n');
      const changed = await stowage(place, ["run", "--in", repo, "--out", out, "--json", "--", "./label.sh"], dir);
      expect(changed.code, changed.stderr).toBe(0);
      expect(changed.json.datums).toMatchObject({ processed: 2, skipped: 0 });
      expect(readFileSync(join(out, "cam-1", "label.txt"), "utf8")).toBe("v2\n");

      // The same through an interpreter: the script is hashed, the interpreter on PATH is not named.
      writeFileSync(
        join(dir, "label.py"),
        "import os, pathlib\np = pathlib.Path(os.environ['STOWAGE_OUT'], os.environ['STOWAGE_DATUM'])\np.mkdir(parents=True)\n(p / 'py.txt').write_text('one')\n",
      );
      const py = join(tmp("code-out"), "py");
      expect((await stowage(place, ["run", "--in", repo, "--out", py, "--json", "--", "python3", "label.py"], dir)).json.datums).toMatchObject({
        processed: 2,
      });
      writeFileSync(
        join(dir, "label.py"),
        "import os, pathlib\np = pathlib.Path(os.environ['STOWAGE_OUT'], os.environ['STOWAGE_DATUM'])\np.mkdir(parents=True)\n(p / 'py.txt').write_text('two')\n",
      );
      expect((await stowage(place, ["run", "--in", repo, "--out", py, "--json", "--", "python3", "label.py"], dir)).json.datums).toMatchObject({
        processed: 2,
        skipped: 0,
      });
      expect(readFileSync(join(py, "cam-2", "py.txt"), "utf8")).toBe("two");
    },
    SLOW,
  );

  it(
    "warns on every run when only the command line names the code",
    async () => {
      const dir = tmp("code-dir");
      const repo = await inputs();
      const out = join(tmp("code-out"), "out");
      const cmd = ["sh", "-c", 'mkdir -p "$STOWAGE_OUT/$STOWAGE_DATUM" && echo x > "$STOWAGE_OUT/$STOWAGE_DATUM/x.txt"'];
      for (let i = 0; i < 2; i++) {
        const r = await stowage(place, ["run", "--in", repo, "--out", out, "--", ...cmd], dir);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toContain("warning: the code's identity is only its command line");
        expect(r.stderr).toContain("--code-version");
      }
      const named = await stowage(place, ["run", "--in", repo, "--out", out, "--code-version", "v1", "--", ...cmd], dir);
      expect(named.stderr).not.toContain("warning");
    },
    SLOW,
  );
});

describe("a folder the user may not write", () => {
  // Tests run as root, whom permissions do not stop: the commands run as nobody.
  const asNobody = (args: readonly string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        "setpriv",
        ["--reuid=nobody", "--regid=nogroup", "--clear-groups", process.execPath, join(packageRoot(), "dist", "bundle", "cli.js"), ...args],
        { cwd: "/" },
        (err, _out, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
  it.skipIf(process.getuid?.() !== 0 || !has("setpriv"))(
    "data commit, data checkout and run exit 2 with one line and the next step",
    async () => {
      const base = tmp("perm");
      chmodSync(base, 0o755); // readable by everyone, writable by root only
      const repo = join(base, "repo");
      mkdirSync(join(repo, "cam-1"), { recursive: true });
      writeFileSync(join(repo, "cam-1", "a.jpg"), "frame");
      expect((await stowage(place, ["data", "commit", repo])).code).toBe(0);
      execFileSync("chmod", ["-R", "a+rX", repo]);
      writeFileSync(join(repo, "cam-1", "b.jpg"), "a new frame: the commit must keep its content");
      const tries = {
        commit: await asNobody(["data", "commit", repo]),
        checkout: await asNobody(["data", "checkout", repo, "main", "--to", join(base, "out")]),
        run: await asNobody(["run", "--in", `${repo}@main`, "--out", join(base, "labels"), "--code-version", "v1", "--", "/bin/true"]),
      };
      for (const [what, r] of Object.entries(tries)) {
        expect(r.code, `${what}: ${r.stderr}`).toBe(2);
        expect(r.stderr, what).toMatch(/permission denied/);
        expect(r.stderr, what).not.toMatch(/internal error|\n\s+at /);
        expect(r.stderr.trim().split("\n").length, what).toBeLessThanOrEqual(2); // the problem, and the next step
      }
    },
    SLOW,
  );
});
