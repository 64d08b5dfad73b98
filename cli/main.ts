#!/usr/bin/env node
/**
 * The `stowage` bin: always runs, however it is invoked (`npx stowage`, the symlink npm installs, `node cli.js`).
 * Importable code lives in index.ts; this file only starts it, after turning on Node's compile cache (compileCache.ts),
 * which is why index.js is imported dynamically: a static import would be compiled before the cache is on.
 */
import { enableCompileCache } from "./compileCache.js";

// Before anything else is loaded, so that every chunk after this line can come from the cache.
enableCompileCache();
// `stowage cost` has a one-file bundle of its own (costMain.ts says why); the name is a variable so that the main
// bundle leaves that import to the file the build writes beside it.
const costMain = "./costMain.js";
const { main, reportError } = process.argv[2] === "cost" ? ((await import(costMain)) as typeof import("./costMain.js")) : await import("./index.js");

// The AWS SDK warns on every run under Node 20 that its releases after January 2027 need Node 22. That is for
// whoever upgrades the lockfile (README, Requirements), not for someone running `stowage verify`; set this to
// "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// `stowage cost --json | head`: the reader has gone, so there is nobody left to tell. End quietly, as cat does.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err) => {
    process.exitCode = reportError(err);
    // A command that failed has given up its work, but not every library lets go of it: the AWS SDK's retries keep
    // a request to an endpoint that never answers open past the command's deadline. Once what remains has had a
    // moment to flush, end; the timer is unref'd, so a process with nothing left ends sooner on its own.
    setTimeout(() => process.exit(), 200).unref();
  },
);
