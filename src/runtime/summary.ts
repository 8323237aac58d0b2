/**
 * Keras 3 style model summary (reference/keras-semantics.md §6): title,
 * box-drawn table with Layer (type) | Output Shape | Param #, and the
 * total / trainable / non-trainable footer with sizes in 1024 steps.
 */

export interface SummaryLayer {
  readonly name: string;
  readonly kind: string;
  readonly outputShape: readonly number[];
  readonly params: number;
  readonly trainable: number;
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
  const widths = [31, 22, 13];
  const rows = layers.map((l) => [`${l.name} (${l.kind})`, `(None, ${l.outputShape.join(", ")})`, formatCount(l.params)]);
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i]!, cell.length)));
  const line = (l: string, m: string, r: string, fill: string) => l + widths.map((w) => fill.repeat(w + 2)).join(m) + r;
  const row = (cells: readonly string[], edge: string) =>
    edge + cells.map((c, i) => ` ${i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)} `).join(edge) + edge;
  const out = [`Model: "${name}"`, line("┏", "┳", "┓", "━"), row(["Layer (type)", "Output Shape", "Param #"], "┃"), line("┡", "╇", "┩", "━")];
  rows.forEach((r, i) => {
    out.push(row(r, "│"));
    if (i < rows.length - 1) out.push(line("├", "┼", "┤", "─"));
  });
  out.push(line("└", "┴", "┘", "─"));
  const total = layers.reduce((s, l) => s + l.params, 0);
  const trainable = layers.reduce((s, l) => s + l.trainable, 0);
  const fmt = (n: number) => `${formatCount(n)} (${formatBytes(n * bytesPerParam)})`;
  out.push(` Total params: ${fmt(total)}`, ` Trainable params: ${fmt(trainable)}`, ` Non-trainable params: ${fmt(total - trainable)}`);
  return out.join("\n");
}
