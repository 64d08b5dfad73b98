import { EXIT } from "./exit.js";

/**
 * A problem the user can fix (bad input, a missing file, a missing price), as opposed to a bug.
 * The CLI prints its message and `tryMessage` and exits without a stack trace (cli-kit's AbortError).
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** The next step to try, in words, e.g. "Run `stowage pricing refresh --region eu-west-3`." */
    readonly tryMessage?: string,
    /** Process exit code; 2 for bad input unless a command documents another. */
    readonly exitCode: number = EXIT.USER,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/**
 * Every problem of one input (a file, a stack's config, a pack config) in one error, each on its own line, so a
 * user fixes them all in one pass; `problems` keeps them apart for callers that show them in place.
 */
export class ProblemsError extends UserError {
  constructor(
    /** What was read, as the user knows it: a path, or "The stack config". */
    readonly source: string,
    readonly problems: readonly string[],
    tryMessage?: string,
  ) {
    super(`${source} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`, tryMessage);
    this.name = "ProblemsError";
  }
}

/** What went wrong with a file or folder, in words, for the file-system errors a user can fix; null for others. */
export function fileProblem(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "ENOENT":
      return "it does not exist (or a folder on its path does not)";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a folder, not a file";
    case "ENOTDIR":
      return "a part of its path is not a folder";
    case "EROFS":
      return "the file system is read-only";
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "disk quota exceeded";
    case "ENAMETOOLONG":
      return "the name is too long";
    case "ELOOP":
      return "it is a loop of symbolic links";
    default:
      return null;
  }
}

/**
 * A file-system failure the user can fix, as a UserError naming the path and the problem (`Cannot write X:
 * permission denied.`); anything else is returned as it was, for the caller to rethrow as a bug.
 */
export function fileError(err: unknown, verb: string, path: string, tryMessage?: string): unknown {
  const problem = fileProblem(err);
  return problem ? new UserError(`Cannot ${verb} ${path}: ${problem}.`, tryMessage ?? "Check the path and its permissions, then run again.") : err;
}
