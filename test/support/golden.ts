import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";

/**
 * Compares text with a golden file. Goldens are regenerated only on purpose: `UPDATE_GOLDEN=1 npx vitest run`.
 * A missing golden fails (so a forgotten file cannot pass silently).
 */
export function expectGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === "1") {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing; create it with UPDATE_GOLDEN=1`);
  expect(actual).toBe(readFileSync(path, "utf8"));
}
