/** A folder's files as { relative path: base64 bytes }, to compare two checkouts byte for byte. */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full).toString("base64");
    }
  };
  walk(dir);
  return out;
}
