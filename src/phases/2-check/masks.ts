/**
 * Keras 3 masking over a checked graph (both model styles): which tensors
 * carry a mask, and which calls make one. `Embedding(mask_zero=True)` and
 * `Masking(mask_value=…)` make a mask (one 0/1 value per timestep: the
 * output's shape without its last axis), a new tensor of the graph written
 * by the call (NodeIR.maskOutput). Layers that keep masks (Keras
 * `supports_masking` with the default compute_mask: Dense, activations,
 * dropout and noise, normalization, TimeDistributed; RNNs and
 * Bidirectional with return_sequences) pass it to their output unchanged;
 * readers (RNNs, Bidirectional, GlobalAveragePooling1D) get it as
 * `ctx.mask`. Any other layer drops it, which Keras warns about, and so do
 * we (`mask_dropped`); a layer where a mask cannot go (`masking.refuses`:
 * Softmax, where Keras fails too) is an error. Merges combine their inputs'
 * masks (`masking.combines`: the layer writes the output's mask). A mask that
 * reaches a compiled model output weights its loss per timestep (Keras 3's
 * apply_mask, planned in plan.ts) and the metrics that read masks (the
 * runtime, from the mask buffer the model hands it: runtime/metrics.ts).
 */
import type { LayerIR, NodeIR, Shape, TensorIR } from "../../ir/model-ir.js";
import { lookupLayer } from "../../layers/registry.js";
import { makeDiagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";

export interface MaskedGraph {
  readonly tensors: TensorIR[];
  readonly nodes: NodeIR[];
}

/**
 * Adds mask tensors and NodeIR.maskOutput to a graph; `at(k)` is the span of
 * node k's call. Returns undefined after reporting an error.
 */
export function attachMasks(
  graph: { readonly tensors: readonly TensorIR[]; readonly nodes: readonly NodeIR[]; readonly layers: readonly LayerIR[]; },
  at: (node: number) => Span,
  report: (d: Diagnostic) => void,
): MaskedGraph | undefined {
  const tensors = [...graph.tensors];
  const maker = new Map<number, string>();
  let ok = true;
  const nodes = graph.nodes.map((n, k): NodeIR => {
    const layer = graph.layers[n.layer]!;
    const masking = lookupLayer(layer.kind)?.masking;
    const inMasks = n.inputs.map((t) => tensors[t]!.mask);
    const masked = inMasks.find((m) => m !== undefined);
    // a merge makes its output's mask from its inputs' (null: a combination layerc does not implement)
    const combined = masked !== undefined && masking?.combines ? masking.combines(layer.attrs, n.inputs.map((t) => tensors[t]!.shape), inMasks.map((m) => m !== undefined)) : false;
    if (masked !== undefined) {
      const from = maker.get(masked)!;
      if (masking?.refuses !== undefined || combined === null) {
        const why = masking?.refuses ?? "layerc does not combine the masks of merge inputs of different shapes (broadcasting)";
        report(makeDiagnostic("mask_unsupported", at(k), { layer: layer.kind, name: layer.name, from, why }));
        ok = false;
      } else if (!masking?.reads && !masking?.keeps && !masking?.combines && !masking?.ignores) {
        report(makeDiagnostic("mask_dropped", at(k), { layer: layer.kind, name: layer.name, from }));
      }
    }
    const out = tensors[n.output]!;
    if (masking?.makes?.(layer.attrs) || combined === true) {
      const id = tensors.length;
      tensors.push({ name: `${layer.name}_mask`, shape: maskShape(out.shape), line: out.line });
      tensors[n.output] = { ...out, mask: id };
      // a combined mask is named after the masks it combines
      const sources = [...new Set(inMasks.filter((m) => m !== undefined).map((m) => maker.get(m)!))];
      maker.set(id, combined === true ? sources.join(" and ") : `\`${layer.name}\` (${layer.kind})`);
      return { ...n, maskOutput: id };
    }
    if (masked !== undefined && masking?.keeps?.(layer.attrs)) {
      tensors[n.output] = { ...out, mask: masked };
      for (const t of (n.extraOutputs ?? []).slice(0, masking.keepsExtra?.(layer.attrs) ?? 0)) tensors[t] = { ...tensors[t]!, mask: masked };
    }
    return n;
  });
  return ok ? { tensors, nodes } : undefined;
}

const maskShape = (s: Shape): number[] => (s.length > 1 ? s.slice(0, -1) : [1]);
