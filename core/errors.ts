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
