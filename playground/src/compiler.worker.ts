/**
 * The compiler in a Web Worker: the same check, hover (the language
 * server's own hover, src/lsp/hover.ts) and compile as the CLI and the
 * editor, so the page never blocks and never has a second implementation.
 */
import { compile } from "../../src/api/api.js";
import { analyze } from "../../src/lsp/analysis.js";
import { hover } from "../../src/lsp/hover.js";
import type { ModelIR } from "../../src/ir/model-ir.js";
import type { CompilerRequest, CompilerResponse, GraphNode, ModelView } from "./protocol.js";

/** The graph IR's parts (IR v2: tensors, layer calls, inputs); absent from a v1 layer list. */
interface GraphParts {
  readonly tensors?: readonly { readonly shape: readonly number[] }[];
  readonly nodes?: readonly { readonly layer: number; readonly inputs: readonly number[]; readonly output: number }[];
  readonly inputs?: readonly { readonly name: string; readonly tensor: number }[];
}

/** Boxes and arrows: one box per model input and per layer call; a chain for a Sequential model. */
function graphOf(m: ModelIR): Pick<ModelView, "nodes" | "edges"> {
  const weights = (l: ModelIR["layers"][number]) => ({
    params: l.params.reduce((s, p) => s + p.size, 0),
    weights: l.params.map((p) => ({ name: p.name, shape: p.shape })),
  });
  const g = m as ModelIR & GraphParts;
  if (g.tensors && g.nodes && g.inputs) {
    const producer = new Map<number, string>();
    const nodes: GraphNode[] = g.inputs.map((i) => {
      producer.set(i.tensor, `t${i.tensor}`);
      return { id: `t${i.tensor}`, kind: "Input", name: i.name, shape: g.tensors![i.tensor]!.shape, params: 0, weights: [] };
    });
    const edges: [string, string][] = [];
    for (const n of g.nodes) {
      const l = m.layers[n.layer]!;
      const id = `t${n.output}`;
      for (const t of n.inputs) edges.push([producer.get(t)!, id]);
      producer.set(n.output, id);
      nodes.push({ id, kind: l.kind, name: l.name, shape: g.tensors[n.output]!.shape, ...weights(l) });
    }
    return { nodes, edges };
  }
  const nodes: GraphNode[] = [
    { id: "input", kind: "Input", name: "input", shape: m.inputShape, params: 0, weights: [] },
    ...m.layers.map((l) => ({ id: l.name, kind: l.kind, name: l.name, shape: l.outputShape, ...weights(l) })),
  ];
  return { nodes, edges: nodes.slice(1).map((n, i) => [nodes[i]!.id, n.id] as const) };
}

function view(m: ModelIR): ModelView {
  return {
    name: m.name,
    ir: m,
    inputShape: m.inputShape,
    outputShape: m.outputShape,
    paramCount: m.paramCount,
    trainable: m.training !== null,
    ...(m.training ? { loss: m.training.loss.name } : {}),
    ...graphOf(m),
  };
}

function answer(req: CompilerRequest): Promise<CompilerResponse> | CompilerResponse {
  switch (req.type) {
    case "analyze": {
      const a = analyze(req.text, "playground.nn");
      const diagnostics = a.checked.diagnostics.map((d) => ({
        from: d.span.start,
        to: d.span.end,
        severity: d.severity,
        code: d.code,
        message: d.message,
        line: d.line ?? 0,
        column: d.column ?? 0,
        related: (d.related ?? []).map((r) => ({ message: r.message, from: r.span.start, to: r.span.end })),
        ...(d.suggestion !== undefined ? { suggestion: d.suggestion } : {}),
      }));
      return { id: req.id, type: "analyze", diagnostics, models: a.checked.ir.models.map(view) };
    }
    case "hover": {
      const a = analyze(req.text, "playground.nn");
      const h = hover(a, req.offset);
      if (!h || typeof h.contents !== "object" || !("value" in h.contents)) return { id: req.id, type: "hover", markdown: null };
      const r = h.range ? { from: offsetOf(req.text, h.range.start), to: offsetOf(req.text, h.range.end) } : {};
      return { id: req.id, type: "hover", markdown: h.contents.value, ...r };
    }
    case "compile":
      return compile(req.text, { fileName: "playground.nn", wasm: false }).then(
        (r) => ({ id: req.id, type: "compile" as const, code: r.code ?? null }),
        (e: unknown) => ({ id: req.id, type: "compile" as const, code: null, error: String(e) }),
      );
  }
}

function offsetOf(text: string, p: { line: number; character: number }): number {
  let o = 0;
  for (let l = 0; l < p.line; l++) o = text.indexOf("\n", o) + 1;
  return o + p.character;
}

self.onmessage = async (e: MessageEvent<CompilerRequest>) => {
  (self as unknown as Worker).postMessage(await answer(e.data));
};
