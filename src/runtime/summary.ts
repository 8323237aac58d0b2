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

export function formatSummary(name: string, layers: readonly SummaryLayer[], bytesPerParam: number): string {
  // a functional model (rows with `connected`) gets Keras's fourth column, one inbound tensor per line
  const functional = layers.some((l) => l.connected !== undefined);
  const widths = functional ? [19, 17, 10, 17] : [31, 22, 13];
  const rows = layers.map((l) => {
    const shape = (s: readonly number[]) => `(None, ${s.join(", ")})`;
    const cells = [`${l.name} (${l.kind})`, l.outputShapes ? `[${l.outputShapes.map(shape).join(", ")}]` : shape(l.outputShape), formatCount(l.params)];
    if (!functional) return [cells];
    const links = l.connected?.length ? l.connected.map((c, i, all) => (i < all.length - 1 ? `${c},` : c)) : ["-"];
    return links.map((link, i) => (i === 0 ? [...cells, link] : ["", "", "", link]));
  });
  for (const r of rows) for (const line of r) line.forEach((cell, i) => (widths[i] = Math.max(widths[i]!, cell.length)));
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
