import { defaultSnapshotDir } from "../../core/paths.js";
import { loadSnapshot, type LoadedSnapshot } from "../../core/pricing/snapshot.js";

let shipped: Promise<LoadedSnapshot> | undefined;

/** The shipped snapshot, loaded once per test file. */
export function shippedSnapshot(): Promise<LoadedSnapshot> {
  shipped ??= loadSnapshot(defaultSnapshotDir());
  return shipped;
}
