/** The built `stowage` command, run as a user runs it: exit code, stdout and stderr, whatever the code. */
import { execFile } from "node:child_process";
import { resolve } from "node:path";

export const BIN = resolve("dist/bundle/cli.js");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function stowage(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
