/**
 * \`stowage pricing refresh\`'s deadlines, apart from the SDK so that its help can state them without loading it:
 * the whole refresh ends by the first (\`--timeout\`), and one connect or request waits at most the second of it.
 */
export const REFRESH_DEADLINE_MS = 300_000;
export const REQUEST_TIMEOUT_MS = 30_000;
