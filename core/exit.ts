/**
 * Every exit code a `stowage` command returns, stated once. The top-level help and the README's table are rendered
 * from (or tested against) this list, and a test fails when a command returns a number instead of one of these names.
 */
export const EXIT = {
  /** The command did what it was asked. */
  OK: 0,
  /** A bug in Stowage: one line asking for a report (STOWAGE_DEBUG=1 adds where it happened). */
  BUG: 1,
  /** A problem the user can fix: bad input, a missing or unreadable file, a missing price or credential, a deadline. */
  USER: 2,
  /** `stowage plan`: no region meets every constraint. */
  NO_FEASIBLE_PLACEMENT: 3,
  /**
   * `stowage policy`: a mandatory policy is violated; `stowage verify`: a rule failed on a live bucket; `stowage data
   * verify` / `stowage evidence check`: something stored or bundled is not what was recorded.
   */
  VIOLATION: 4,
  /** `stowage estimate --budget`: the estimate is over the budget. */
  OVER_BUDGET: 5,
  /** `stowage run`: a datum failed. */
  DATUM_FAILED: 6,
  /** `stowage latency` (live): no target answered, so nothing was measured (the report says why for each). */
  NOTHING_MEASURED: 7,
  /** `stowage run`: stopped by Ctrl-C (SIGINT) after cleaning up; 128 + the signal's number, as shells report it. */
  INTERRUPTED: 130,
  /** `stowage run`: stopped by SIGTERM after cleaning up (128 + 15). */
  TERMINATED: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One line per code, for `stowage --help` and the README's table. */
export const EXIT_CODES: readonly { readonly code: ExitCode; readonly meaning: string }[] = [
  { code: EXIT.OK, meaning: "done" },
  { code: EXIT.BUG, meaning: "a bug in Stowage (one line asking for a report; STOWAGE_DEBUG=1 adds where it happened)" },
  {
    code: EXIT.USER,
    meaning:
      "a problem you can fix: bad input, a missing or unreadable file or folder, a missing price or credential, an endpoint past its deadline; the message says what to do next",
  },
  { code: EXIT.NO_FEASIBLE_PLACEMENT, meaning: "plan: no region meets every constraint" },
  {
    code: EXIT.VIOLATION,
    meaning:
      "policy: a mandatory policy is violated; verify: a rule failed on a live bucket; data verify, evidence check: a stored object, record or bundle file is not what was recorded",
  },
  { code: EXIT.OVER_BUDGET, meaning: "estimate: over --budget" },
  { code: EXIT.DATUM_FAILED, meaning: "run: a datum failed" },
  { code: EXIT.NOTHING_MEASURED, meaning: "latency: no target answered, nothing was measured (the report says why, or holds offline estimates with --from)" },
  { code: EXIT.INTERRUPTED, meaning: "run: stopped by Ctrl-C, its datum folders removed" },
  { code: EXIT.TERMINATED, meaning: "run: stopped by SIGTERM, its datum folders removed" },
];
