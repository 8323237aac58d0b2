/**
 * Test helpers over the AST: strip positions for structural comparison, and
 * walk every node for span invariants.
 */
import type { Span } from "../../src/source.js";

/**
 * A deep copy without `span` fields, and without String `raw` (fmt re-quotes
 * strings, so only their value is structural).
 */
export function stripSpans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripSpans);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  const isString = (node as { kind?: unknown }).kind === "String";
  for (const [k, v] of Object.entries(node)) {
    if (k === "span" || (isString && k === "raw")) continue;
    out[k] = stripSpans(v);
  }
  return out;
}

/** Every `span` found anywhere in the tree. */
export function allSpans(node: unknown, out: Span[] = []): Span[] {
  if (Array.isArray(node)) {
    for (const n of node) allSpans(n, out);
  } else if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "span") out.push(v as Span);
      else allSpans(v, out);
    }
  }
  return out;
}
