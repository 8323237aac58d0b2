/**
 * Keras 3 style model summary (reference/keras-semantics.md §6): title,
 * box-drawn table with Layer (type) | Output Shape | Param #, and the
 * total / trainable / non-trainable footer with sizes in 1024 steps.
 */

export interface SummaryLayer {
  readonly name: string;
  readonly kind: string;
  readonly outputShape: readonly number[];
  /** A call with several outputs (a recurrent layer's return_state): every output's shape, shown as Keras's list. */
  readonly outputShapes?: readonly (readonly number[])[];
  readonly params: number;
  readonly trainable: number;
  /** Functional models: the inbound tensors (`dense[0][0]`), shown in a "Connected to" column (empty: `-`). */
  readonly connected?: readonly string[];
}

export const formatCount = (n: number): string => n.toLocaleString("en-US");

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

/**
 * A cell's text in a column `width` wide, as the rich table Keras prints
 * its summary with wraps it: words (with their trailing spaces) fill a line
 * while they fit; a word longer than the column takes a line of its own,
 * cut to the width with "…".
 */
export function wrapCell(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.match(/\S+\s*/g) ?? [""]) {
    if (width - line.length >= word.trimEnd().length) line += word;
    else {
      if (line !== "") lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines.map((l) => {
    const t = l.trimEnd();
    return t.length > width ? `${t.slice(0, width - 1)}…` : t;
  });
}

export function formatSummary(name: string, layers: readonly SummaryLayer[], bytesPerParam: number): string {
  // a functional model (rows with `connected`) gets Keras's fourth column; columns have Keras's
  // widths (its default 108/88-character table fitted to an 80-column terminal) and cells wrap
  const functional = layers.some((l) => l.connected !== undefined);
  const widths = functional ? [19, 17, 10, 17] : [31, 22, 13];
  const rows = layers.map((l) => {
    const shape = (s: readonly number[]) => `(None, ${s.join(", ")})`;
    const cells = [`${l.name} (${l.kind})`, l.outputShapes ? `[${l.outputShapes.map(shape).join(", ")}]` : shape(l.outputShape), formatCount(l.params)];
    if (functional) cells.push(l.connected?.length ? l.connected.join(", ") : "-");
    const wrapped = cells.map((c, i) => wrapCell(c, widths[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) => wrapped.map((w) => w[k] ?? ""));
  });
  const line = (l: string, m: string, r: string, fill: string) => l + widths.map((w) => fill.repeat(w + 2)).join(m) + r;
  const row = (cells: readonly string[], edge: string) =>
    edge + cells.map((c, i) => ` ${i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)} `).join(edge) + edge;
  const header = functional ? ["Layer (type)", "Output Shape", "Param #", "Connected to"] : ["Layer (type)", "Output Shape", "Param #"];
  const out = [`Model: "${name}"`, line("┏", "┳", "┓", "━"), row(header, "┃"), line("┡", "╇", "┩", "━")];
  rows.forEach((r, i) => {
    for (const cells of r) out.push(row(cells, "│"));
    if (i < rows.length - 1) out.push(line("├", "┼", "┤", "─"));
  });
  out.push(line("└", "┴", "┘", "─"));
  const total = layers.reduce((s, l) => s + l.params, 0);
  const trainable = layers.reduce((s, l) => s + l.trainable, 0);
  const fmt = (n: number) => `${formatCount(n)} (${formatBytes(n * bytesPerParam)})`;
  out.push(` Total params: ${fmt(total)}`, ` Trainable params: ${fmt(trainable)}`, ` Non-trainable params: ${fmt(total - trainable)}`);
  return out.join("\n");
}
