/**
 * Vitest global setup: collects the real-part suites that skipped (realParts.ts) and, after the run, prints one line
 * naming them and what to install. Nothing is printed when every suite ran.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup() {
  const file = join(tmpdir(), `stowage-skipped-${process.pid}.jsonl`);
  rmSync(file, { force: true });
  process.env.STOWAGE_SKIPPED_FILE = file;
  return () => {
    if (!existsSync(file)) return;
    const skipped = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { title: string; missing: string; install: string });
    rmSync(file, { force: true });
    if (!skipped.length) return;
    const installs = [...new Set(skipped.map((s) => s.install))].join("; ");
    console.log(
      `\nSkipped ${skipped.length} real-part suite${skipped.length === 1 ? "" : "s"}: ${skipped.map((s) => `${s.title} (${s.missing})`).join("; ")}. To run them: ${installs}`,
    );
  };
}
