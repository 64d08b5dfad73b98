/**
 * Node's on-disk compile cache for the bin: from Node 22.8 on (`module.enableCompileCache`), the bytecode V8 made
 * for the bundle's chunks is kept in the user's cache folder, and later runs skip compiling them (measured by
 * `npm run bench`: the README's Performance figures). On Node 20 the function does not exist and nothing happens.
 * It must never stop or disturb the command: an unwritable or impossible folder makes Node answer "failed", which is
 * ignored, and Node prints nothing. NODE_DISABLE_COMPILE_CACHE=1 turns it off; NODE_COMPILE_CACHE=DIR picks the folder
 * (Node's own variables).
 */
import module from "node:module";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/** The folder: $XDG_CACHE_HOME/stowage (when absolute, as the XDG spec asks), else ~/.cache/stowage. */
export function compileCacheDir(env: NodeJS.ProcessEnv, home: () => string): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home(), ".cache"), "stowage");
}

export function enableCompileCache(): void {
  // Not in @types/node 20: the project's types follow its oldest supported Node.
  const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
  if (typeof enable !== "function") return;
  try {
    enable(compileCacheDir(process.env, homedir));
  } catch {
    // homedir() throws when the user has no home at all: run without the cache.
  }
}
