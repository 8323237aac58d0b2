/**
 * Weights as heatmaps: each tensor drawn as a grid of cells, blue for
 * negative and red for positive, scaled to the tensor's largest magnitude,
 * redrawn as training changes them. Tensors of rank > 2 are shown as their
 * last two axes flattened (rows = everything but the last axis).
 */
export function drawHeatmap(canvas: HTMLCanvasElement, shape: readonly number[], data: Float32Array): void {
  const cols = shape[shape.length - 1] ?? 1;
  const rows = Math.max(1, data.length / cols);
  const cell = Math.max(2, Math.min(14, Math.floor(220 / Math.max(rows, cols))));
  canvas.width = cols * cell;
  canvas.height = rows * cell;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  let max = 1e-12;
  for (const v of data) max = Math.max(max, Math.abs(v));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c]! / max;
      const t = Math.round(255 * (1 - Math.abs(v)));
      ctx.fillStyle = v >= 0 ? `rgb(255,${t},${t})` : `rgb(${t},${t},255)`;
      ctx.fillRect(c * cell, r * cell, cell, cell);
    }
  }
}
