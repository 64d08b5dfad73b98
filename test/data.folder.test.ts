/**
 * A folder repository's edge cases, through the built command: changes that keep a file's size and mtime (the way
 * touch -r, cp -p, rsync -t and tar x leave a file), symbolic links, and the code's identity outside git.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stowage, type Place } from "./support/dataSuite.js";

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
    it.skipIf(!has(tool.split(" ")[0]!))(`after ${tool}: commit records it, checkout and run serve the new bytes`, async () => {
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
    });
  }
});
