/**
 * The one way Stowage draws tables: aligned text for terminals, Markdown for pull-request comments, CSV for
 * spreadsheets. Every command's renderer builds rows and hands them here.
 */

/** Whether a column is right-aligned (numbers, money). */
export type RightAligned = (column: number) => boolean;

/** Columns padded to their widest cell (counted in characters, not bytes), two spaces apart, no trailing spaces. */
export function textTable(rows: readonly (readonly string[])[], right: RightAligned = () => false): string {
  if (rows.length === 0) return "";
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? "")].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (right(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A GitHub-flavoured Markdown table; the first row is the header, and `|` in cells is escaped. */
export function markdownTable(rows: readonly (readonly string[])[], right: RightAligned = () => false): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const [head, ...body] = rows;
  if (!head) return "";
  const align = head!.map((_, c) => (right(c) ? "---:" : "---"));
  return [head!, align, ...body].map((r) => `| ${r.map(esc).join(" | ")} |`).join("\n");
}

/** RFC 4180 CSV: a cell with a comma, quote or newline is quoted; null and undefined are empty cells. */
export function csvText(rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string {
  const cell = (v: string | number | boolean | null | undefined) => {
    if (v === null || v === undefined) return "";
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${rows.map((r) => r.map(cell).join(",")).join("\n")}\n`;
}
