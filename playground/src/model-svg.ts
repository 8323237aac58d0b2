/**
 * The model as an SVG picture: one box per layer with its output shape and
 * parameter count, arrows along the edges. Layout by longest-path depth,
 * so a functional graph (branches, merges) reads top to bottom like the
 * Sequential chain it generalizes.
 */
import type { ModelView } from "./protocol.js";

const BOX_W = 188;
const BOX_H = 46;
const GAP_X = 24;
const GAP_Y = 22;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const shapeText = (s: readonly number[]) => `(None, ${s.join(", ")})`;

export function modelSvg(m: ModelView): string {
  const depth = new Map<string, number>();
  for (const n of m.nodes) depth.set(n.id, 0);
  // Nodes come in topological order, so one pass finds each longest path.
  for (const n of m.nodes) for (const [from, to] of m.edges) if (from === n.id) depth.set(to, Math.max(depth.get(to)!, depth.get(from)! + 1));
  const rows = new Map<number, string[]>();
  for (const n of m.nodes) rows.set(depth.get(n.id)!, [...(rows.get(depth.get(n.id)!) ?? []), n.id]);
  const widest = Math.max(...[...rows.values()].map((r) => r.length));
  const width = widest * BOX_W + (widest - 1) * GAP_X + 16;
  const pos = new Map<string, { x: number; y: number }>();
  for (const [d, ids] of rows) {
    const rowWidth = ids.length * BOX_W + (ids.length - 1) * GAP_X;
    ids.forEach((id, i) => pos.set(id, { x: (width - rowWidth) / 2 + i * (BOX_W + GAP_X), y: 8 + d * (BOX_H + GAP_Y) }));
  }
  const height = 16 + rows.size * (BOX_H + GAP_Y) - GAP_Y;
  const arrows = m.edges.map(([from, to]) => {
    const a = pos.get(from)!;
    const b = pos.get(to)!;
    return `<line x1="${a.x + BOX_W / 2}" y1="${a.y + BOX_H}" x2="${b.x + BOX_W / 2}" y2="${b.y - 2}" class="edge" marker-end="url(#arrow)"/>`;
  });
  const boxes = m.nodes.map((n) => {
    const p = pos.get(n.id)!;
    const title = n.kind === "Input" ? (n.name === "input" ? "Input" : `${n.name} (Input)`) : `${n.name} (${n.kind})`;
    const detail = `${shapeText(n.shape)}${n.params ? ` · ${n.params.toLocaleString("en-US")} params` : ""}`;
    return `<g class="layer layer-${esc(n.kind)}" data-layer="${esc(n.name)}" transform="translate(${p.x},${p.y})">
  <rect width="${BOX_W}" height="${BOX_H}" rx="6"/>
  <text x="${BOX_W / 2}" y="19" class="title">${esc(title)}</text>
  <text x="${BOX_W / 2}" y="36" class="shape">${esc(detail)}</text>
</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="model-svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="model ${esc(m.name)}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>
${arrows.join("\n")}
${boxes.join("\n")}
</svg>`;
}
