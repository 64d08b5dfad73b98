/**
 * The five layers and which way they may depend: core (money, regions, errors, YAML input, prices, cost models) on
 * nothing above it; planner, infra and datalayer (the data layer) on core; cli on everything, and nothing on cli. Read from the import
 * statements of every source file, so a new import in the wrong direction fails here. bench/ and scripts/ (the
 * benchmarks, the price-snapshot builder) may import any layer, and no layer may import them.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const LAYERS = ["core", "planner", "infra", "datalayer", "cli", "bench", "scripts"] as const;
type Layer = (typeof LAYERS)[number];
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  core: ["core"],
  planner: ["core", "planner"],
  infra: ["core", "infra"],
  datalayer: ["core", "datalayer"],
  cli: ["core", "planner", "infra", "datalayer", "cli"],
  bench: ["core", "planner", "infra", "datalayer", "cli", "bench"],
  scripts: ["core", "planner", "infra", "datalayer", "cli", "scripts"],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Every relative import of a file (static and dynamic), as the layer it lands in. */
function importedLayers(file: string): { spec: string; layer: string }[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => {
    const target = normalize(join(dirname(file), m[1]!));
    return { spec: m[1]!, layer: relative(".", target).split("/")[0]! };
  });
}

describe("the layers", () => {
  it.each(LAYERS)("%s imports only what it may", (layer) => {
    const wrong = sources(layer).flatMap((file) =>
      importedLayers(file)
        .filter((i) => (LAYERS as readonly string[]).includes(i.layer) && !MAY_IMPORT[layer].includes(i.layer as Layer))
        .map((i) => `${file} imports ${i.spec} (${i.layer})`),
    );
    expect(wrong).toEqual([]);
  });

  it("reads bench/ and scripts/ too (their imports of the layers are seen)", () => {
    expect(
      sources("bench")
        .flatMap(importedLayers)
        .map((i) => i.layer),
    ).toContain("infra");
    expect(
      sources("scripts")
        .flatMap(importedLayers)
        .map((i) => i.layer),
    ).toContain("core");
  });

  it("would notice a wrong import (the check reads dynamic imports too)", () => {
    expect(importedLayers("cli/index.ts").some((i) => i.layer === "cli" && i.spec.startsWith("./commands/"))).toBe(true);
    expect(importedLayers("infra/estimate.ts").map((i) => i.layer)).toContain("core");
  });
});

/**
 * A command lives in cli/: the layers below return reports and write nothing to stdout or stderr. Two exceptions,
 * each named: the planner's own screen (planner/ui/, Ink draws it), and programFile.ts pointing a foreign program's
 * console.log at stderr while it runs (the program's prints are its own, never our stdout).
 */
const WRITES = /process\.(?:stdout|stderr)\.write|console\.(?:log|info|warn|error|debug)\(/;
const MAY_WRITE = (file: string) => file.startsWith(join("planner", "ui")) || file === join("infra", "programFile.ts");

describe("output", () => {
  it("is written by cli/ only: core, planner, infra and the data layer return what they found", () => {
    const writers = ["core", "planner", "infra", "datalayer"]
      .flatMap(sources)
      .filter((f) => !MAY_WRITE(f))
      .filter((f) =>
        readFileSync(f, "utf8")
          .split("\n")
          .some((line) => !/^\s*(?:\/\/|\*)/.test(line) && WRITES.test(line)),
      );
    expect(writers).toEqual([]);
  });

  it("would notice a write (the check is not empty)", () => {
    expect(WRITES.test("process.stdout.write(text);")).toBe(true);
    expect(WRITES.test("  if (warning) process.stderr.write(`stowage: warning: ${warning}\\n`);")).toBe(true);
    expect(WRITES.test("console.log(report);")).toBe(true);
    expect(WRITES.test("const tty = process.stderr.isTTY;")).toBe(false);
    expect(sources("cli").some((f) => WRITES.test(readFileSync(f, "utf8")))).toBe(true);
  });
});
