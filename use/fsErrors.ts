/**
 * File-system failures a user can fix (permissions, a read-only or full disk, a folder removed under us) as
 * UserErrors: one line naming the path and what to do, exit 2 — never "internal error".
 */
import { UserError } from "../core/errors.js";

const FIXES: Record<string, [string, string]> = {
  EACCES: ["permission denied", "Run as a user who may read and write it, or change its permissions (ls -ld shows them)."],
  EPERM: ["operation not permitted", "Run as a user who may read and write it, or change its permissions (ls -ld shows them)."],
  EROFS: ["the file system is read-only", "Give a folder on a writable file system."],
  ENOSPC: ["no space left on the device", "Free some space, or give a folder on another disk."],
  EDQUOT: ["disk quota exceeded", "Free some space, or give a folder on another disk."],
  ENOENT: ["it does not exist (removed while stowage worked?)", "Check the path and run the command again."],
  ENOTDIR: ["a part of the path is a file, not a folder", "Check the path and run the command again."],
};

/** The UserError for a file-system error with a path, or the error itself when it is not one of those. */
export function fsUserError(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  const fix = e && typeof e === "object" && typeof e.code === "string" && typeof e.path === "string" ? FIXES[e.code] : undefined;
  if (!fix) return err;
  const verb = e.syscall ? ` (${e.syscall})` : "";
  return new UserError(`Cannot use ${e.path}${verb}: ${fix[0]}.`, fix[1]);
}
