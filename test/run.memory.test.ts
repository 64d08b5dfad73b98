/**
 * A re-run where every datum is skipped holds no state per datum (#26). 100,000 skipped datums run in a process whose
 * old space is capped at 60 MiB (test/support/skipAll.ts, built: `npm run build`). Measured here: the run needs 41–48
 * MiB now (the constant parts: 16 kept record batches, up to 50,000 outputs before they go to disk, one manifest
 * chunk); before the fix it needed 72–80 MiB, growing with the datums (Promise.race in eachParallel hung a reaction on
 * every running datum per datum taken, and record batches queued behind a write held their records), and this test
 * failed with "JavaScript heap out of memory".
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = resolve("dist/test/support/skipAll.js");
const N = 100_000;
const CAP_MIB = 60;
const dir = mkdtempSync(join(tmpdir(), "stowage-skip-all-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a re-run where every datum is skipped", () => {
  it(`skips ${N.toLocaleString("en-US")} datums with the old space capped at ${CAP_MIB} MiB`, { timeout: 240_000 }, () => {
    expect(existsSync(SCRIPT), `${SCRIPT} is missing: npm run build`).toBe(true);
    const records = spawnSync(process.execPath, [SCRIPT, "records", String(N), dir], { encoding: "utf8" });
    expect(records.stderr).toBe("");
    expect(records.status).toBe(0);
    const again = spawnSync(process.execPath, [`--max-old-space-size=${CAP_MIB}`, SCRIPT, "again", String(N), dir], { encoding: "utf8" });
    expect(again.stderr.split("\n").find((l) => /heap|error/i.test(l)) ?? "").toBe("");
    expect(again.status).toBe(0);
    const seen = JSON.parse(again.stdout.trim().split("\n").at(-1)!) as { status: string; datums: object };
    expect(seen).toMatchObject({ status: "ok", datums: { total: N, processed: 0, skipped: N, failed: 0 } });
  });
});
