import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's root folder, found from this file whether it runs from core/ (tests), dist/core/ or dist/bundle/ (built). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the stowage package root");
    dir = parent;
  }
  return dir;
}

/** The shipped price snapshot: one file per service code. `STOWAGE_PRICES` points elsewhere. */
export function defaultSnapshotDir(): string {
  return process.env.STOWAGE_PRICES ?? join(packageRoot(), "data", "prices");
}
