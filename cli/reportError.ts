// Shared by index.ts (every command) and costMain.ts (`stowage cost`'s own bundle), so it imports no command.
import { EXIT } from "../core/exit.js";
import { UserError, fileError, fileProblem } from "../core/errors.js";

/**
 * The one error path. A problem the user can fix prints its message and next step, with its exit code (2 unless the
 * command documents another). Anything else is a bug: one line asking for a report; the stack only with
 * STOWAGE_DEBUG=1.
 */
export function reportError(err: unknown, env: NodeJS.ProcessEnv = process.env): number {
  // A file or folder that is missing, unreadable or unwritable is the user's to fix wherever it was met: named with
  // its path, never reported as a bug.
  const path = (err as NodeJS.ErrnoException | null)?.path;
  if (!(err instanceof UserError) && typeof path === "string" && fileProblem(err)) err = fileError(err, "use", path);
  if (err instanceof UserError) {
    process.stderr.write(`stowage: ${err.message}\n${err.tryMessage ? `${err.tryMessage}\n` : ""}`);
    return err.exitCode;
  }
  const detail = env.STOWAGE_DEBUG === "1" ? `\n${(err as Error)?.stack ?? String(err)}` : "";
  const first = String((err as Error)?.message ?? err).split("\n")[0];
  process.stderr.write(
    `stowage: internal error: ${first}. This is a bug in Stowage; please report it with the command you ran${detail ? "" : " (STOWAGE_DEBUG=1 shows where it happened)"}.${detail}\n`,
  );
  return EXIT.BUG;
}
