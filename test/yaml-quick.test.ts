/**
 * The quick path for the YAML files users write (core/inputs.ts quickYaml, js-yaml with YAML 1.2's core schema as
 * the yaml package resolves it): whenever it answers, the answer is the one yaml gives; it leaves to yaml every
 * document with an anchor, a directive, a null key or an error. Random documents of tricky plain scalars (numbers in
 * every notation the schema has, and the ones it has not, booleans, nulls, dates) in block and flow style.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { quickYaml } from "../core/inputs.js";

const SCALARS = [
  "1",
  "-0",
  "+5",
  "007",
  "0o17",
  "0o8",
  "0x1F",
  "0x",
  "1_000",
  "0b11",
  ".inf",
  "-.Inf",
  "+.INF",
  ".NaN",
  ".nan",
  "1e3",
  "1E-3",
  "+.5",
  "-.5e-3",
  "1.",
  ".",
  "1e",
  "0.0230000000",
  "12345678901234567890",
  "true",
  "True",
  "TRUE",
  "tRue",
  "yes",
  "no",
  "on",
  "~",
  "null",
  "Null",
  "NULL",
  "nULL",
  "2024-01-01",
  "12:30",
  "a b",
  "us-east-2",
  "db.m5.large",
  "STANDARD_IA",
  "'1'",
  '"true"',
  "!!str 5",
  "!!int 7",
  "!!float 1",
  "!!bool true",
  "!!null ~",
  "-",
  "a: b",
  "#x",
  "[1, 2]",
  "{a: 1}",
  "&a 1",
  "*a",
  "|",
  ">",
  "1 # note",
  "a #b",
  "x#y",
  '"a: b"',
  "'it''s'",
];
const KEYS = ["region", "data", "initial_gb", "1", "true", "a b", "x", "lifecycle", "'q'", "null", "~", "-", "? k"];

type Doc = string | Doc[] | [string, Doc][];
const doc: fc.Arbitrary<Doc> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.constantFrom(...SCALARS), tie("seq"), tie("map")),
  seq: fc.array(tie("node"), { maxLength: 4 }),
  map: fc.array(fc.tuple(fc.constantFrom(...KEYS), tie("node")), { maxLength: 4 }),
})).node as fc.Arbitrary<Doc>;

const isMap = (d: Doc): d is [string, Doc][] => Array.isArray(d) && d.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === "string");

/** Block style, plain scalars written as they are (some make invalid YAML: then both must refuse or yaml decides). */
function block(d: Doc, indent: string): string {
  if (typeof d === "string") return ` ${d}\n`;
  if (d.length === 0) return isMap(d) ? " {}\n" : " []\n";
  const lines = isMap(d) ? d.map(([k, v]) => `${indent}${k}:${block(v, `${indent}  `)}`) : d.map((v) => `${indent}-${block(v, `${indent}  `)}`);
  return `\n${lines.join("")}`;
}

function flow(d: Doc): string {
  if (typeof d === "string") return d;
  return isMap(d) ? `{${d.map(([k, v]) => `${k}: ${flow(v)}`).join(", ")}}` : `[${d.map(flow).join(", ")}]`;
}

function agrees(text: string): void {
  const quick = quickYaml(text);
  if (quick === null) return;
  expect(quick.value, JSON.stringify(text)).toEqual(parse(text));
}

describe("quickYaml", () => {
  it("reads the example files, and reads them as yaml does", () => {
    for (const file of ["examples/workload.yaml", "examples/users.yaml", "examples/usage.yaml"]) {
      const text = readFileSync(file, "utf8");
      const quick = quickYaml(text);
      expect(quick, file).not.toBeNull();
      expect(quick!.value).toEqual(parse(text));
    }
  });

  it("answers only as yaml answers, for random block and flow documents", () => {
    fc.assert(
      fc.property(doc, (d) => {
        agrees(`top:${block(d, "  ")}`);
        agrees(`top: ${flow(d)}\n`);
      }),
      { numRuns: 3000 },
    );
  });

  it("leaves to yaml what only yaml reads its way: anchors, directives, null keys, errors", () => {
    for (const text of ["a: &x [1]\nb: *x\n", "a: &x 1\nb: *x\n", "x: &a {}\n", "%YAML 1.1\n---\na: yes\n", "~: 1\n", ": 1\n", "a: 1\na: 2\n", "a: [1, 2\n"]) {
      expect(quickYaml(text), text).toBeNull();
    }
    expect(quickYaml("")).toEqual({ value: null }); // yaml's null for an empty document, not js-yaml's undefined
    expect(quickYaml("a: 0o17\nb: 1_000\nc: .inf\nd: 2024-01-01\n")).toEqual({ value: { a: 15, b: "1_000", c: Infinity, d: "2024-01-01" } });
  });
});
