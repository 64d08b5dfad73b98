/**
 * Datums as Pachyderm's glob defines them: the pattern is matched against input paths with `/` as separator, and each
 * match — a file, or a directory with everything under it — is one datum. `/` makes the whole input one datum; `/*`
 * each top-level entry; `/*\/*` each entry one level down; a pattern with `**` matches files at any depth
 * (pachyderm docs, learn/glossary/glob-pattern.md). picomatch does the matching (MIT, the matcher behind chokidar and
 * fast-glob); this file decides what a match means.
 */
import picomatch from "picomatch";
import { UserError } from "../core/errors.js";
import { comparePaths } from "./store.js";

/** The datum a path belongs to ("" for the whole input), or null when the glob does not reach it. */
export type DatumOf = (path: string) => string | null;

export function datumsBy(glob: string): DatumOf {
  if (!glob.startsWith("/"))
    throw new UserError(`--glob ${glob} must start with /.`, "For example --glob /* (each top-level entry a datum) or --glob / (everything one datum).");
  const pattern = glob.slice(1).replace(/\/+$/, "");
  if (pattern === "") return () => "";
  const isMatch = picomatch(pattern, { dot: true });
  if (pattern.split("/").includes("**")) return (path) => (isMatch(path) ? path : null);
  const depth = pattern.split("/").length;
  return (path) => {
    const parts = path.split("/");
    if (parts.length < depth) return null;
    const candidate = parts.slice(0, depth).join("/");
    return isMatch(candidate) ? candidate : null;
  };
}

/** A datum and its input rows, in path order. */
export interface Grouped<R extends { readonly path: string }> {
  readonly datum: string;
  readonly rows: R[];
}

/**
 * Groups path-sorted rows into datums as they stream, holding only the datums still open. A datum `D` is its path
 * `D` and everything under `D/`; in byte order every such path sorts below `D0` (`/` is just below `0`), so once a
 * row at or past `D0` arrives, `D` is complete. Rows of one datum are mostly adjacent; the exception is a file `D`
 * beside a folder `D/` with siblings such as `D-1` between them, which keeps `D` open a little longer. The whole input
 * (datum "") stays open to the end. Datums come out in the order they complete (not strictly by path).
 */
export async function* groupDatums<R extends { readonly path: string }>(
  rows: AsyncIterable<R>,
  datumOf: DatumOf,
  admit: (datum: string) => boolean = () => true,
): AsyncGenerator<Grouped<R>> {
  const open = new Map<string, R[]>();
  for await (const row of rows) {
    for (const [datum, held] of open) {
      if (datum === "" || comparePaths(row.path, `${datum}0`) < 0) continue;
      open.delete(datum);
      yield { datum, rows: held };
    }
    const datum = datumOf(row.path);
    if (datum === null || !admit(datum)) continue;
    const held = open.get(datum);
    if (held) held.push(row);
    else open.set(datum, [row]);
  }
  for (const [datum, held] of open) yield { datum, rows: held };
}
