/**
 * The compiler in a Web Worker: the same check, hover (the language
 * server's own hover, src/lsp/hover.ts) and compile as the CLI and the
 * editor, so the page never blocks and never has a second implementation.
 */
import { compile } from "../../src/api/api.js";
import { analyze } from "../../src/lsp/analysis.js";
import { hover } from "../../src/lsp/hover.js";
import type { ModelIR } from "../../src/ir/model-ir.js";
import type { CompilerRequest, CompilerResponse, ModelView } from "./protocol.js";

function view(m: ModelIR): ModelView {
  const nodes = [
    { id: "input", kind: "Input", name: "input", shape: m.inputShape, params: 0, weights: [] },
    ...m.layers.map((l) => ({
      id: l.name,
      kind: l.kind,
      name: l.name,
      shape: l.outputShape,
      params: l.params.reduce((s, p) => s + p.size, 0),
      weights: l.params.map((p) => ({ name: p.name, shape: p.shape })),
    })),
  ];
  const edges = nodes.slice(1).map((n, i) => [nodes[i]!.id, n.id] as const);
  return {
    name: m.name,
    ir: m,
    inputShape: m.inputShape,
    outputShape: m.outputShape,
    paramCount: m.paramCount,
    trainable: m.training !== null,
    ...(m.training ? { loss: m.training.loss.name } : {}),
    nodes,
    edges,
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
