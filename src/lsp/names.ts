/**
 * Names in functional models: every `name = …` binds a tensor (`h =
 * Dense(8)(x)`, `x = Input(…)`, `y = shared(x)`) or a layer (`shared =
 * Dense(8)`, called later), and every use of a name refers to the latest
 * binding before its statement — so in `h = Dense(8)(h)` the `h` inside
 * the call is the previous `h` and the target is a new one. Read from the
 * parsed statements in order, like the checker's own environment, so
 * definition and references work even while the graph does not check; the
 * shapes come from the graph IR (docs/graph-ir.md), whose tensors record
 * the variable and line of their binding.
 */
import type { ApplyNode, ArgNode, AssignNode, ModelNode, ValueNode } from "../phases/1-parse/ast.js";
import type { LayerIR, ModelIR, TensorIR } from "../ir/model-ir.js";
import type { Location } from "vscode-languageserver";
import type { Span } from "../source.js";
import { contains, modelAt, modelIR, rangeOf, type Analysis } from "./analysis.js";

export interface Binding {
  readonly name: string;
  readonly kind: "tensor" | "layer";
  /** The target identifier of the binding statement. */
  readonly def: Span;
  /** The whole statement. */
  readonly stmt: Span;
  /** Every use that refers to this binding, in source order. */
  readonly uses: Span[];
}

export interface ModelNames {
  readonly model: ModelNode;
  readonly bindings: readonly Binding[];
}

/** The bindings of one model's statements, with their uses resolved by statement order. */
export function modelNames(model: ModelNode): ModelNames {
  const bindings: Binding[] = [];
  const env = new Map<string, Binding>();
  const use = (name: string, span: Span) => env.get(name)?.uses.push(span);
  const useTensors = (args: readonly ArgNode[]) => args.forEach((a) => a.name === undefined && useValue(a.value, use));
  for (const s of model.statements) {
    if (s.kind === "Call") {
      // `Model(inputs=…, outputs=…)` names tensors; other bare calls (layers, compile) do not
      if (s.callee.name === "Model") s.args.forEach((a) => useValue(a.value, use));
      continue;
    }
    const value = s.value;
    let kind: Binding["kind"] | undefined;
    if (value.kind === "Call") {
      const callee = env.get(value.callee.name);
      if (callee && value.qualifier === undefined) {
        // `y = shared(x)`: a use of the layer, applied to the tensors in its parentheses
        use(value.callee.name, value.callee.span);
        useTensors(value.args);
        kind = "tensor";
      } else if (value.callee.name === "Input") kind = "tensor";
      else kind = (s.applied?.length ?? 0) > 0 ? "tensor" : value.callee.name === "Model" ? undefined : "layer";
    }
    for (const a of s.applied ?? ([] as readonly ApplyNode[])) useTensors(a.args);
    if (kind === undefined) continue;
    const b: Binding = { name: s.target.name, kind, def: s.target.span, stmt: s.span, uses: [] };
    bindings.push(b);
    env.set(b.name, b);
  }
  return { model, bindings };
}

/** Names inside a value: a bare name, or the names in a (nested) list or tuple. */
function useValue(v: ValueNode, use: (name: string, span: Span) => void): void {
  if (v.kind === "Name" && v.qualifier === undefined) use(v.name, v.span);
  else if (v.kind === "List" || v.kind === "Tuple") v.items.forEach((item) => useValue(item, use));
}

/** The binding whose definition or one of whose uses is under `offset`. */
export function bindingAt(names: ModelNames, offset: number): Binding | undefined {
  return names.bindings.find((b) => contains(b.def, offset) || b.uses.some((u) => contains(u, offset)));
}

/** The names bound before `offset` (the latest binding of each), for completion. */
export function namesBefore(names: ModelNames, offset: number): Binding[] {
  const latest = new Map<string, Binding>();
  for (const b of names.bindings) if (b.stmt.end <= offset) latest.set(b.name, b);
  return [...latest.values()];
}

/** The IR tensor a tensor binding produced (the graph records each tensor's variable and line). */
export function tensorOf(a: Analysis, ir: ModelIR, b: Binding): TensorIR | undefined {
  const line = a.lines.position(b.stmt.start).line;
  const last = a.lines.position(b.stmt.end).line;
  return ir.tensors.find((t) => t.variable === b.name && t.line >= line && t.line <= last);
}

/** The IR layer a layer binding made: the layer of the node its first call produced. */
export function layerOfBinding(a: Analysis, ir: ModelIR, names: ModelNames, b: Binding): { layer: LayerIR; calls: number } | undefined {
  const first = b.uses[0];
  if (!first) return undefined;
  const call = names.bindings.find((t) => t.kind === "tensor" && t.stmt.start <= first.start && first.end <= t.stmt.end);
  const tensor = call ? tensorOf(a, ir, call) : undefined;
  const id = tensor ? ir.tensors.indexOf(tensor) : -1;
  const node = ir.nodes.find((n) => n.output === id);
  if (!node) return undefined;
  return { layer: ir.layers[node.layer]!, calls: ir.nodes.filter((n) => n.layer === node.layer).length };
}

/** The layer an assignment's call made: the producer of the tensor it binds, or a shared-layer binding's layer. */
export function assignedLayer(a: Analysis, ir: ModelIR, names: ModelNames, s: AssignNode): LayerIR | undefined {
  const b = names.bindings.find((x) => x.def === s.target.span);
  if (!b) return undefined;
  if (b.kind === "layer") return layerOfBinding(a, ir, names, b)?.layer;
  const t = tensorOf(a, ir, b);
  const node = t ? ir.nodes.find((n) => ir.tensors[n.output] === t) : undefined;
  return node ? ir.layers[node.layer] : undefined;
}

/** Go to definition: the binding statement's target of the name under the cursor. */
export function definition(a: Analysis, uri: string, offset: number): Location | null {
  const model = modelAt(a, offset);
  const b = model ? bindingAt(modelNames(model), offset) : undefined;
  return b ? { uri, range: rangeOf(a, b.def) } : null;
}

/** Find references: every use of the binding under the cursor (and its definition when asked). */
export function references(a: Analysis, uri: string, offset: number, includeDeclaration: boolean): Location[] {
  const model = modelAt(a, offset);
  const b = model ? bindingAt(modelNames(model), offset) : undefined;
  if (!b) return [];
  return [...(includeDeclaration ? [b.def] : []), ...b.uses].map((span) => ({ uri, range: rangeOf(a, span) }));
}
