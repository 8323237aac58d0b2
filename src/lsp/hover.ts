/**
 * Hover: on a layer, its output shape, parameter count and weights with
 * shapes (from the checked IR), then a one-line description with its Keras
 * defaults; on an argument name, its type and default; on a bare name
 * (activation, initializer, loss…), what it is. In a functional model, on a
 * tensor name its shape and producer, on a shared layer's name its layer,
 * weights and calls (names.ts resolves which binding a name refers to).
 */
import type { Hover } from "vscode-languageserver";
import type { AssignNode, CallNode, ModelNode } from "../phases/1-parse/ast.js";
import type { LayerIR } from "../ir/model-ir.js";
import { contains, hitAt, kerasShape, layerOf, modelAt, modelIR, rangeOf, statementAt, tupleShape, type Analysis } from "./analysis.js";
import { assignedLayer, bindingAt, layerOfBinding, modelNames, tensorOf, type Binding, type ModelNames } from "./names.js";
import { describeName, describeType, defaultOf, formatDefaults, lookupCallee, modelOptions, type CalleeKind } from "./vocab.js";

export function hover(a: Analysis, offset: number): Hover | null {
  const model = modelAt(a, offset);
  if (!model) return null;
  if (model.name && offset >= model.name.span.start && offset <= model.name.span.end) return modelHover(a, model);
  const names = modelNames(model);
  const bound = bindingAt(names, offset);
  if (bound) return bindingHover(a, model, names, bound, offset);
  // `h = Dense(8)(x)`: the layer call is the assignment's value
  const assign = model.statements.find((s): s is AssignNode & { value: CallNode } => s.kind === "Assign" && s.value.kind === "Call" && contains(s.value.span, offset));
  const stmt = statementAt(model, offset) ?? assign?.value;
  const ir = modelIR(a, model);
  const layer = assign ? (ir ? (assignedLayer(a, ir, names, assign) ?? null) : null) : undefined;
  if (!stmt) {
    const opt = model.options.find((o) => o.name && offset >= o.name.span.start && offset <= o.name.span.end);
    const spec = opt && modelOptions.args.find((s) => s.name === opt.name!.name);
    return spec ? markdown(a, opt!.name!.span, argDoc("model", spec.name, describeType(spec.type), defaultOf(spec), spec.required)) : null;
  }
  const hit = hitAt(stmt, offset);
  if (!hit || (hit.kind === "callee" && hit.depth === 0)) return markdown(a, stmt.callee.span, statementDoc(a, model, stmt, layer));
  if (hit.kind === "callee") {
    const c = lookupCallee(hit.call.callee.name, hintFor(hit.parentArg?.name?.name));
    if (!c) return null;
    return markdown(a, hit.call.callee.span, `**${c.kind} \`${c.name}\`**\n\n${c.description}${c.args.length ? `\n\nDefaults: ${formatDefaults(c.args)}` : ""}`);
  }
  if (hit.kind === "argName") {
    const c = lookupCallee(hit.call.callee.name);
    const spec = c?.args.find((s) => s.name === hit.arg.name!.name);
    if (!c || !spec) return null;
    return markdown(a, hit.arg.name!.span, argDoc(c.name, spec.name, describeType(spec.type), defaultOf(spec), spec.required));
  }
  const v = hit.value;
  const name = v.kind === "Name" ? v.name : v.kind === "String" ? v.value : undefined;
  const doc = name !== undefined ? describeName(name) : undefined;
  if (doc === undefined) return hit.depth === 0 ? markdown(a, stmt.callee.span, statementDoc(a, model, stmt, layer)) : null;
  return markdown(a, v.span, doc);
}

export function hintFor(keyword: string | undefined): CalleeKind | undefined {
  if (keyword === undefined) return undefined;
  if (keyword.endsWith("initializer")) return "initializer";
  if (keyword === "optimizer") return "optimizer";
  if (keyword === "loss") return "loss";
  return undefined;
}

function markdown(a: Analysis, span: { start: number; end: number }, value: string): Hover {
  return { contents: { kind: "markdown", value }, range: rangeOf(a, span) };
}

function argDoc(callee: string, name: string, type: string, dflt: string, required: boolean | undefined): string {
  return `**${callee}** argument \`${name}\`: ${type}${required ? " (required)" : `, default \`${dflt}\``}`;
}

const count = (n: number): string => n.toLocaleString("en-US");

function modelHover(a: Analysis, model: ModelNode) {
  const ir = modelIR(a, model);
  const lines = [`**model \`${model.name.name}\`**`];
  if (ir) {
    lines.push(`input \`${kerasShape(ir.inputShape)}\` → output \`${kerasShape(ir.outputShape)}\` · ${count(ir.paramCount)} params`);
    lines.push(ir.training ? `trainable: ${ir.training.optimizer.name}, ${ir.training.loss.name}` : "inference only (no `compile(...)`)");
  } else lines.push("_shapes unknown: the model has errors_");
  return markdown(a, model.name.span, lines.join("\n\n"));
}

/** A tensor name: its shape and where it comes from; a shared layer's name: its layer, weights and calls. */
function bindingHover(a: Analysis, model: ModelNode, names: ModelNames, b: Binding, offset: number): Hover {
  const at = contains(b.def, offset) ? b.def : b.uses.find((u) => contains(u, offset))!;
  const ir = modelIR(a, model);
  if (b.kind === "tensor") {
    const t = ir ? tensorOf(a, ir, b) : undefined;
    if (!ir || !t) return markdown(a, at, `**tensor \`${b.name}\`** _(shape unknown: the model has errors)_`);
    const id = ir.tensors.indexOf(t);
    const node = ir.nodes.find((n) => n.output === id);
    const from = node ? `output of \`${ir.layers[node.layer]!.name}\` (${ir.layers[node.layer]!.kind})` : `model input \`${t.name}\``;
    return markdown(a, at, `**tensor \`${b.name}\`** → \`${kerasShape(t.shape)}\`\n\n${from}`);
  }
  const made = ir ? layerOfBinding(a, ir, names, b) : undefined;
  if (!made) return markdown(a, at, `**shared layer \`${b.name}\`** _(${ir ? "never called" : "shape unknown: the model has errors"})_`);
  const { layer, calls } = made;
  const params = layer.params.reduce((sum, p) => sum + p.size, 0);
  const parts = [`**shared layer \`${b.name}\`**: \`${layer.name}\` (${layer.kind}) · ${count(params)} params · called ${calls === 1 ? "once" : `${calls} times`}`];
  if (layer.params.length) parts.push(layer.params.map((p) => `- \`${p.name}\` \`${tupleShape(p.shape)}\``).join("\n"));
  const c = lookupCallee(layer.kind);
  if (c) parts.push(c.description);
  return markdown(a, at, parts.join("\n\n"));
}

/** The hover of a statement: shapes and weights from the IR, then the description. */
export function statementDoc(a: Analysis, model: ModelNode, stmt: CallNode, resolved?: LayerIR | null): string {
  const c = lookupCallee(stmt.callee.name);
  const head = c ? `**${c.name}**` : `**${stmt.callee.name}**`;
  const parts: string[] = [];
  if (c?.kind === "layer") {
    const layer = resolved !== undefined ? resolved : layerOf(a, model, stmt);
    if (layer) {
      const params = layer.params.reduce((s, p) => s + p.size, 0);
      parts.push(`${head} \`${layer.name}\` → \`${kerasShape(layer.outputShape)}\` · ${count(params)} params`);
      if (layer.params.length) parts.push(layer.params.map((p) => `- \`${p.name}\` \`${tupleShape(p.shape)}\` ${p.initializer.name}${p.trainable ? "" : " (non-trainable)"}`).join("\n"));
      parts.push(`input \`${kerasShape(layer.inputShape)}\``);
    } else parts.push(`${head} _(shape unknown: ${modelIR(a, model) ? "not a layer" : "the model has errors"})_`);
  } else if (c?.kind === "input") {
    const ir = modelIR(a, model);
    const line = a.lines.position(stmt.span.start).line;
    const input = ir?.inputs.map((i) => ir.tensors[i.tensor]!).find((t) => t.line === line);
    parts.push(input ? `${head} \`${input.name}\` → \`${kerasShape(input.shape)}\`` : ir ? `${head} → \`${kerasShape(ir.inputShape)}\`` : head);
  } else if (c?.kind === "compile") {
    const t = modelIR(a, model)?.training;
    parts.push(t ? `${head}: optimizer ${t.optimizer.name}, loss ${t.loss.name}${t.metrics.length ? `, metrics ${t.metrics.join(", ")}` : ""}` : head);
  } else parts.push(head);
  if (c) parts.push(`${c.description}${c.args.length ? `\n\nDefaults: ${formatDefaults(c.args)}` : ""}`);
  return parts.join("\n\n");
}
