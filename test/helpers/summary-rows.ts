/**
 * The logical rows of a summary() table: Keras wraps a long cell over
 * several lines at spaces (summary.ts wrapCell), so each column's pieces
 * are joined back with one space. (A word cut with "…" stays cut.)
 */
export function summaryRows(text: string): string[][] {
  const rows: string[][][] = [];
  let current: string[][] | null = null;
  for (const line of text.split("\n")) {
    if (!line.startsWith("│")) {
      current = null;
      continue;
    }
    const cells = line.slice(1, -1).split("│").map((c) => c.trim());
    if (current === null) {
      current = cells.map(() => []);
      rows.push(current);
    }
    cells.forEach((c, i) => {
      if (c !== "") current![i]!.push(c);
    });
  }
  return rows.map((r) => r.map((parts) => parts.join(" ")));
}
