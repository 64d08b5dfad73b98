/**
 * The bin's start-up on the Node running the suite (.ci/run runs it on 20, 22 and 24): from Node 22.8 on the built
 * command keeps V8's compiled code in the user's cache folder; before that, and when the folder cannot be made, it
 * runs exactly as without, printing nothing about it.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import module from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compileCacheDir } from "../cli/compileCache.js";

const BIN = resolve("dist/bundle/cli.js");
const COST = ["cost", "--workload", "examples/workload.yaml", "--json"];
// Three or four runs of the command each; on a loaded machine one run can take seconds.
const RUNS_TIMEOUT = 120_000;
const hasCompileCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === "function";

function stowage(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = { ...process.env, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined, ...env };
  return new Promise((done) =>
    execFile(process.execPath, [BIN, ...args], { env: clean, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** Every file under dir (the cache nests one folder per Node build). */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

describe("the compile cache", () => {
  it("is $XDG_CACHE_HOME/stowage when that is absolute, else ~/.cache/stowage", () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: "/var/cache/me" }, () => "/home/u")).toBe("/var/cache/me/stowage");
    expect(compileCacheDir({ XDG_CACHE_HOME: "relative/cache" }, () => "/home/u")).toBe("/home/u/.cache/stowage");
    expect(compileCacheDir({}, () => "/home/u")).toBe("/home/u/.cache/stowage");
  });

  it(
    `${hasCompileCache ? "is filled" : "is not made"} on Node ${process.version}, and the output is the same`,
    async () => {
      const home = await mkdtemp(join(tmpdir(), "stowage-cache-"));
      const off = await stowage(COST, { NODE_DISABLE_COMPILE_CACHE: "1", XDG_CACHE_HOME: join(home, "off") });
      const first = await stowage(COST, { XDG_CACHE_HOME: home });
      const second = await stowage(COST, { XDG_CACHE_HOME: home });
      for (const r of [off, first, second]) expect(r.code, r.stderr).toBe(0);
      expect(first.stdout).toBe(off.stdout);
      expect(second.stdout).toBe(off.stdout);
      expect(second.stderr).toBe(off.stderr);
      const cached = files(join(home, "stowage"));
      if (hasCompileCache) expect(cached.length).toBeGreaterThan(0);
      else expect(existsSync(join(home, "stowage"))).toBe(false);
      expect(existsSync(join(home, "off"))).toBe(false);
    },
    RUNS_TIMEOUT,
  );

  it(
    "never stops or disturbs the command when the folder cannot be made",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "stowage-cache-"));
      const file = join(dir, "a-file");
      await writeFile(file, "not a folder\n");
      const reference = await stowage(COST, { NODE_DISABLE_COMPILE_CACHE: "1" });
      // XDG_CACHE_HOME under a regular file: no folder can be made there, even by root.
      const blocked = await stowage(COST, { XDG_CACHE_HOME: join(file, "cache") });
      expect(blocked.code, blocked.stderr).toBe(0);
      expect(blocked.stdout).toBe(reference.stdout);
      expect(blocked.stderr).toBe(reference.stderr);
      // No home at all: HOME unset and XDG_CACHE_HOME relative.
      const homeless = await stowage(["--version"], { HOME: undefined, XDG_CACHE_HOME: "relative" });
      expect(homeless.code, homeless.stderr).toBe(0);
      expect(homeless.stderr).toBe("");
    },
    RUNS_TIMEOUT,
  );
});
