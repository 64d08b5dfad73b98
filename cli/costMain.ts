/**
 * `stowage cost` on its own: what main.ts loads instead of index.ts when the command is `cost`. The build
 * (scripts/bundle.mjs) makes it one file, dist/bundle/costMain.js, with no shared chunks: the bundle of every
 * command splits what `cost` needs over some twenty chunks, and loading each ES module costs ~1 ms of start-up, a
 * fifth of what `npm run bench` measures. It has index.ts's shape (main, reportError); help and every other command
 * stay with index.ts.
 */
import { command } from "./commands/cost.js";

export { reportError } from "./reportError.js";

/** `argv` as index.ts's main takes it, starting with "cost". */
export function main(argv: readonly string[]): Promise<number> {
  return command.run(argv.slice(1));
}
