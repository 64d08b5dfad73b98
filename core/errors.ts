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
    readonly exitCode = 2,
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
