/**
 * File-system failures a user can fix (permissions, a read-only or full disk, a folder removed under us) as
 * UserErrors naming the path, in core/errors.ts's words: exit 2, never "internal error".
 */
import { fileError, fileProblem } from "../core/errors.js";

/** The UserError for a file-system error with a path, or the error itself when it is not one of those. */
export function fsUserError(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException | null;
  if (!e || typeof e !== "object" || typeof e.path !== "string" || !fileProblem(err)) return err;
  return fileError(
    err,
    "use",
    e.syscall ? `${e.path} (${e.syscall})` : e.path,
    "Run as a user who may read and write it, or change its permissions (ls -ld shows them); then run again.",
  );
}
