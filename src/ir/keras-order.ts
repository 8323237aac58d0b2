/**
 * Keras 3's `model.layers` order for a functional graph (keras/src/ops/function.py
 * `map_graph`), shared by the checker (which orders layers, and so weights, by
 * it) and the summary (which also places each InputLayer by it):
 * - a walk from each output (in order) over each call's inputs (in call order)
 *   numbers every operation — layer or model input — when first met;
 * - a call's depth is its longest path to an output; an input's is one more
 *   than its deepest reader's; a layer's is its deepest call's;
 * - operations sort by depth, deepest first, ties by walk order. An input no
 *   output reaches has depth 0 and comes first among depth 0.
 */

/** A layer call: `layer` is the operation, `inputs` and `output` tensor ids. */
export interface OrderNode {
  readonly layer: number;
  readonly inputs: readonly number[];
  readonly output: number;
}

export type Operation = { readonly kind: "layer"; readonly layer: number } | { readonly kind: "input"; readonly tensor: number };

/**
 * `nodes` in a topological order; `producer(t)` is the index of the node
 * whose output is tensor `t` (-1 for a model input); only nodes with
 * `live(k)` count; `inputs` are the model's input tensors.
 */
export function kerasOrder(nodes: readonly OrderNode[], producer: (t: number) => number, inputs: readonly number[], outputs: readonly number[], live: (k: number) => boolean = () => true): Operation[] {
  const keyOf = (t: number): string => {
    const n = producer(t);
    return n < 0 ? `i${t}` : `l${nodes[n]!.layer}`;
  };
  const seenAt = new Map<string, number>();
  const visited = new Set<number>();
  const walk = (t: number) => {
    const key = keyOf(t);
    if (!seenAt.has(key)) seenAt.set(key, seenAt.size);
    const n = producer(t);
    if (n < 0 || visited.has(n)) return;
    visited.add(n);
    for (const i of nodes[n]!.inputs) walk(i);
  };
  for (const o of outputs) walk(o);
  const depth = new Map<string, number>();
  const nodeDepth = new Map<number, number>();
  // reverse topological order visits every reader before its producer
  for (let k = nodes.length - 1; k >= 0; k--) {
    if (!live(k)) continue;
    const n = nodes[k]!;
    const d = nodeDepth.get(k) ?? 0;
    const layer = `l${n.layer}`;
    depth.set(layer, Math.max(depth.get(layer) ?? 0, d));
    for (const t of n.inputs) {
      const p = producer(t);
      if (p >= 0) nodeDepth.set(p, Math.max(nodeDepth.get(p) ?? 0, d + 1));
      else depth.set(`i${t}`, Math.max(depth.get(`i${t}`) ?? 0, d + 1));
    }
  }
  for (const t of inputs) {
    if (!depth.has(`i${t}`)) {
      depth.set(`i${t}`, 0);
      seenAt.set(`i${t}`, -1);
    }
  }
  return [...depth.keys()]
    .sort((a, b) => depth.get(b)! - depth.get(a)! || seenAt.get(a)! - seenAt.get(b)!)
    .map((key) => (key[0] === "l" ? { kind: "layer", layer: Number(key.slice(1)) } : { kind: "input", tensor: Number(key.slice(1)) }));
}
