/**
 * A run of more than 1,000 datums (#26): its record names the batches that hold its datums instead of holding them,
 * and everything that reads datums from a run record (data why, data verify, mirror) follows the batches. Runs on
 * local folders through runPipeline; smaller runs, which keep their datums inline as every older record does, are
 * covered by the data-layer suite (test/support/dataSuite.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BATCH } from "../datalayer/datums.js";
import { verifyRepo } from "../datalayer/fsck.js";
import { openLocal } from "../datalayer/localStore.js";
import { mirrorRepo } from "../datalayer/mirror.js";
import { runPipeline, type RunRecord } from "../datalayer/run.js";
import { why } from "../datalayer/why.js";

const N = BATCH + 2;
const name = (i: number) => `img-${String(i).padStart(5, "0")}.jpg`;
const COMMAND = ["sh", "-c", 'echo "made from $STOWAGE_DATUM" > "$STOWAGE_OUT/$STOWAGE_DATUM.txt"'];

describe("a run of more than 1,000 datums", () => {
  it("names its batches in its record, and why, verify and mirror read its datums from them", async () => {
    const base = mkdtempSync(join(tmpdir(), "stowage-batches-"));
    mkdirSync(join(base, "in"));
    for (let i = 0; i < N; i++) writeFileSync(join(base, "in", name(i)), `photo ${i}`);
    const input = await openLocal(join(base, "in"), true);
    const output = await openLocal(join(base, "out"), true);
    const open = (url: string) => openLocal(url, false);
    /** The records in the batches a run record names, all in `folder` and named by the run. */
    const lines = (r: RunRecord, folder: string, run: string) => {
      for (const b of r.datumBatches!) expect(b).toMatch(new RegExp(`^${folder}/${run}-\\d{6}\\.jsonl$`));
      return r.datumBatches!.reduce(
        (n, b) =>
          n +
          readFileSync(join(base, "out", ".stowage", b), "utf8")
            .trim()
            .split("\n").length,
        0,
      );
    };
    const record = (run: string) => JSON.parse(readFileSync(join(base, "out", ".stowage", "runs", `${run}.json`), "utf8")) as RunRecord;

    const first = await runPipeline({ input, output, command: COMMAND, parallel: 4, cwd: base, codeVersion: "v1", exitOnSignal: false });
    expect(first.failures.slice(0, 2)).toEqual([]);
    expect(first.status).toBe("ok");
    expect(first.datums).toEqual({ total: N, processed: N, skipped: 0, failed: 0 });
    const r1 = record(first.run);
    expect(r1.datums).toBeUndefined();
    expect(r1.datumCount).toEqual(first.datums);
    // Processed records are the batches later runs skip by (full ones of BATCH, and one at least every 10 s).
    expect(lines(r1, "datums", first.run)).toBe(N);
    expect(readFileSync(join(base, "out", ".stowage", "runs", `${first.run}.json`)).length).toBeLessThan(2000);

    const asked = await why(output, `${name(700)}.txt`, "main", open);
    expect(asked.run.id).toBe(first.run);
    expect(asked.inputs.map((i) => i.path)).toEqual([name(700)]);

    // Nothing changed: every datum is skipped, and those records go to rundatums/ (never read to decide a skip).
    const second = await runPipeline({ input, output, command: COMMAND, parallel: 4, cwd: base, codeVersion: "v1", exitOnSignal: false });
    expect(second.datums).toEqual({ total: N, processed: 0, skipped: N, failed: 0 });
    expect(lines(record(second.run), "rundatums", second.run)).toBe(N);
    expect((await why(output, `${name(5)}.txt`, "main", open)).run.id).toBe(first.run);

    const verified = await verifyRepo(output);
    expect(verified.problems).toEqual([]);
    expect(verified.runs).toBe(2);

    const copy = await openLocal(join(base, "copy"), true);
    await mirrorRepo(output, copy);
    const mirrored = await why(copy, `${name(1001)}.txt`, "main", open);
    expect(mirrored.run.id).toBe(first.run);
    expect(mirrored.inputs.map((i) => i.path)).toEqual([name(1001)]);

    // A batch removed by hand is named, not a crash.
    const last = r1.datumBatches!.at(-1)!;
    rmSync(join(base, "out", ".stowage", last));
    const damaged = await verifyRepo(output);
    expect(damaged.problems.map((p) => p.detail).join("\n")).toContain(last);
    rmSync(base, { recursive: true, force: true });
  }, 180_000);
});
