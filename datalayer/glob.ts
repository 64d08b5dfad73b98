/**
 * Datums as Pachyderm's glob defines them: the pattern is matched against input paths with `/` as separator, and each
 * match — a file, or a directory with everything under it — is one datum. `/` makes the whole input one datum; `/*`
 * each top-level entry; `/*\/*` each entry one level down; a pattern with `**` matches files at any depth
 * (pachyderm docs, learn/glossary/glob-pattern.md). picomatch does the matching (MIT, the matcher behind chokidar and
 * fast-glob); this file decides what a match means.
 */
import picomatch from "picomatch";
import { UserError } from "../core/errors.js";

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
