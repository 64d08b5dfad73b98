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
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
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
      const run = start(["run", "--in", join(base, "in"), "--out", join(base, "out"), "--parallel", "2", "--code-version", "v1", "--", script], { ...process.env, TMPDIR: own });
      await until(() => existsSync(mark), "the first datum to start");
      expect(readdirSync(own).some((n) => n.startsWith("stowage-datum-"))).toBe(true);
      run.child.kill(signal);
      const r = await run.done;
      expect(r.code).toBe(code);
      expect(readdirSync(own)).toEqual([]);
    }, 90_000);
  }
});
