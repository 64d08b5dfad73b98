/**
 * Which rows of a list fit in `max` lines, keeping `cursor` in view; the rows left out above and below are counted
 * so the screen can say so. Pure. One line is kept for the "… N more" note whenever anything is left out.
 */
export interface Window<T> {
  readonly shown: readonly T[];
  /** Index of shown[0] in the list. */
  readonly start: number;
  readonly hiddenBefore: number;
  readonly hiddenAfter: number;
}

export function fitRows<T>(rows: readonly T[], max: number, cursor = 0): Window<T> {
  if (rows.length <= max) return { shown: rows, start: 0, hiddenBefore: 0, hiddenAfter: 0 };
  const room = Math.max(1, max - 1);
  const start = Math.min(Math.max(0, cursor - Math.floor(room / 2)), rows.length - room);
  return { shown: rows.slice(start, start + room), start, hiddenBefore: start, hiddenAfter: rows.length - start - room };
}

/** "… 3 above, 12 more below" for a window that left rows out; null when it did not. */
export function moreNote(w: Window<unknown>, what: string): string | null {
  if (!w.hiddenBefore && !w.hiddenAfter) return null;
  const parts = [w.hiddenBefore ? `${w.hiddenBefore} above` : "", w.hiddenAfter ? `${w.hiddenAfter} more below` : ""].filter(Boolean);
  return `… ${parts.join(", ")} (${what})`;
}
