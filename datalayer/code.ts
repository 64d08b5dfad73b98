/**
 * The code's identity for `stowage run`'s skip key: the command line, plus what it runs. With --code-version, that
 * alone names the code. Otherwise the git commit of the working folder (and a hash of uncommitted changes), and the
 * SHA-256 of every file the command line names (the script, not the interpreter found on PATH): a script outside any
 * git work tree, or untracked in one (`git diff` leaves untracked files out), still changes the identity when edited.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { sha256 } from "./store.js";

export interface CodeIdentity {
  readonly command: readonly string[];
  /** --code-version, when given: then it alone (with the command) names the code. */
  readonly version?: string;
  /** The git commit of the working folder, and whether it had uncommitted changes (with a hash of them). */
  readonly git?: { readonly commit: string; readonly dirty: string | null } | null;
  /** SHA-256 of each file the command line names, by the argument as given. */
  readonly files?: Readonly<Record<string, string>>;
}

export async function codeIdentity(command: readonly string[], cwd: string, version?: string): Promise<CodeIdentity> {
  if (version !== undefined) return { command, version };
  const [git, files] = await Promise.all([gitIdentity(cwd), namedFiles(command, cwd)]);
  return { command, git, ...(Object.keys(files).length ? { files } : {}) };
}

/** A line for stderr when nothing but the command line names the code: an edited program would not re-run a datum. */
export function identityWarning(code: CodeIdentity): string | null {
  if (code.version !== undefined || code.git || code.files) return null;
  return "the code's identity is only its command line (no git work tree here, and the command names no file): datums already processed with this command line are skipped even if the program changed. Give --code-version V (change V when the code changes).";
}

async function gitIdentity(cwd: string): Promise<CodeIdentity["git"]> {
  const git = async (args: string[]) =>
    new Promise<string | null>((ok) => {
      const child = spawn("git", ["-C", cwd, ...args], { stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
      child.on("error", () => ok(null));
      child.on("close", (code) => ok(code === 0 ? out : null));
    });
  const commit = (await git(["rev-parse", "HEAD"]))?.trim();
  if (!commit) return null;
  const status = await git(["status", "--porcelain"]);
  const dirty = status ? sha256(`${status}\n${(await git(["diff", "HEAD"])) ?? ""}`) : null;
  return { commit, dirty };
}

/**
 * The regular files among the command's words, resolved against `cwd`. The first word counts only when it is a path
 * (contains "/"): a bare name is a program found on PATH (python3, node), whose version is the system's business.
 */
async function namedFiles(command: readonly string[], cwd: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [i, word] of command.entries()) {
    if (i === 0 && !word.includes("/")) continue;
    if (word.startsWith("-") || word.includes("\0")) continue;
    const full = resolve(cwd, word);
    const info = await stat(full).catch(() => null);
    if (!info?.isFile()) continue;
    const hash = createHash("sha256");
    const ok = await pipeline(createReadStream(full), hash).then(
      () => true,
      () => false, // unreadable: the command will say so when it runs
    );
    if (ok) out[word] = hash.digest("hex");
  }
  return out;
}
