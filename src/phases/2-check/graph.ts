/**
 * Check of a functional model body (`y = Layer(args)(x)`): binds names to
 * tensors and layers in statement order (a name may be rebound, as in
 * Python), calls layers on tensors through the same argument, shape and
 * parameter rules as a Sequential stack (ModelChecker), and lowers to the
 * graph IR: tensors, nodes in statement order (a topological order, since
 * a tensor must exist before it is used), inputs and outputs from
 * `Model(inputs=…, outputs=…)` or by default. Layers and weights are
 * ordered as Keras 3's `model.layers` / `model.weights` (src/ir/keras-order.ts);
 * parameter offsets follow that order. Calls that reach no output are
 * dropped, as Keras builds the model from its outputs.
 */
import type { ApplyNode, ArgNode, CallNode, Ident, StatementNode, ValueNode } from "../1-parse/ast.js";
import { PasteLowering } from "./paste.js";
import type { LayerIR, ModelIR, NodeIR, ParamIR, Shape, TensorIR, TrainingIR } from "../../ir/model-ir.js";
import { inputArgs } from "../../layers/registry.js";
import { kerasOrder } from "../../ir/keras-order.js";
import { prod, type ParamDecl } from "../../layers/types.js";
import { makeDiagnostic, suggest } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import { resolveArgs } from "./args.js";
import { checkCompileOutputs, type NamedOutput, type OutputInfo } from "./compile-statement.js";
import { attachMasks } from "./masks.js";
import { formatShape, ModelChecker, paramIR, type Producer, type ResolvedLayer } from "./model-checker.js";

/** A name in the model body: a tensor, or a layer bound without being called. */
type Binding =
  | { readonly kind: "tensor"; readonly id: number; readonly span: Span; used: boolean }
  | { readonly kind: "layer"; readonly layer: PendingLayer; readonly span: Span; used: boolean }
  /** Its statement had an error (already reported): uses of the name report nothing more. */
  | { readonly kind: "failed"; readonly span: Span; used: boolean };

/** A layer as declared, before its first call fixes its weights. */
interface PendingLayer {
  readonly resolved: ResolvedLayer;
  /** Index in `layers` once called. */
  index: number;
}

interface GraphTensor extends TensorIR {
  readonly span: Span;
  /** The node that produced it (-1: a model input). */
  readonly node: number;
}

interface GraphLayer {
  readonly resolved: ResolvedLayer;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly params: readonly ParamDecl[];
  readonly line: number;
}

/**
 * Is this model body written in the functional style? A name bound to an
 * `Input(…)` or a `Model(…)`, a layer applied to tensors (`h = Dense(8)(x)`),
 * or a `Model(…)` statement. (`name = 10` and `model = keras.Sequential([…])`
 * are pasted Sequential code.)
 */
export function isFunctional(stmts: readonly StatementNode[]): boolean {
  const graphCall = (v: ValueNode) => v.kind === "Call" && (v.callee.name === "Input" || v.callee.name === "Model");
  return stmts.some((s) => (s.kind === "Assign" ? (s.applied?.length ?? 0) > 0 || graphCall(s.value) : s.callee.name === "Model" && s.hasParens));
}

/** A statement as the graph sees it: the call (module prefix dropped, constants substituted), the name it binds, the tensors it is applied to. */
type Line = CallNode & { readonly target?: Ident; readonly targets?: readonly Ident[]; readonly applied?: readonly ApplyNode[] };

export class FunctionalChecker extends ModelChecker {
  private readonly env = new Map<string, Binding>();
  private readonly tensors: GraphTensor[] = [];
  private readonly nodes: NodeIR[] = [];
  /** Where each node's call is written. */
  private readonly nodeSpans: Span[] = [];
  private readonly graphLayers: GraphLayer[] = [];
  private readonly inputs: { name: string; tensor: number; span: Span }[] = [];
  private inputNames = 0;
  private graphOk = true;

  override run(): ModelIR | undefined {
    const m = this.model;
    const opt = this.checkOptions();
    const stmts = this.linesOf(m.statements).filter((s) => !s.callee.missing);
    if (this.tooManyStatements(stmts.length)) return undefined;
    const compiles = stmts.filter((s) => s.callee.name === "compile");
    this.checkCompilePlacement(stmts, compiles);
    const styleAt = stmts.find((s) => s.target !== undefined || (s.applied?.length ?? 0) > 0 || s.callee.name === "Model")!;
    let modelStmt: Line | undefined;
    for (const stmt of stmts) {
      if (stmt.callee.name === "compile") continue;
      if (stmt.callee.name === "Model" && (stmt.applied?.length ?? 0) === 0) {
        if (modelStmt) {
          this.report(makeDiagnostic("model_call_duplicate", stmt.span, {}, { related: [{ message: "first `Model(...)` is here", span: modelStmt.span }] }));
          this.graphOk = false;
        } else modelStmt = stmt;
        continue;
      }
      if (stmt.target === undefined && (stmt.applied?.length ?? 0) === 0) {
        const line = this.lines.position(styleAt.span.start).line;
        this.report(makeDiagnostic("model_style_mixed", stmt.span, { model: m.name.name, line, kind: stmt.callee.name }));
        this.graphOk = false;
        continue;
      }
      this.checkAssignment(stmt);
    }
    const io = this.resolveIO(modelStmt);
    this.warnUnused(io?.outputs ?? []);
    if (!io || !this.graphOk) {
      if (compiles[0]) this.checkTraining(compiles[0], undefined);
      return undefined;
    }
    return this.lower(io, opt, compiles[0]);
  }

  // ---- statements -----------------------------------------------------------

  private linesOf(statements: readonly StatementNode[]): Line[] {
    const pasted = new PasteLowering(this.sink);
    const lines: Line[] = [];
    for (const s of statements) {
      if (s.kind === "Assign" && s.value.kind !== "Call") {
        if (s.targets) this.unpackUnsupported(s.targets);
        else pasted.bindConstant(s);
        continue;
      }
      const call = pasted.lowerCall(s.kind === "Assign" ? (s.value as CallNode) : s);
      if (call === null) continue;
      if (call === undefined) {
        this.graphOk = false;
        if (s.kind === "Assign") for (const t of s.targets ?? [s.target]) this.env.set(t.name, { kind: "failed", span: t.span, used: true });
        continue;
      }
      const applied = s.kind === "Assign" ? s.applied?.map((a) => ({ ...a, args: pasted.lowerArgs(a.args) })) : undefined;
      lines.push(s.kind === "Assign" ? { ...call, target: s.target, ...(s.targets ? { targets: s.targets } : {}), ...(applied ? { applied } : {}), span: s.span } : call);
    }
    return lines;
  }

  /** `a, b = (1, 2)`: only a layer call with several outputs is unpacked. */
  private unpackUnsupported(targets: readonly Ident[]): void {
    const at = { start: targets[0]!.span.start, end: targets[targets.length - 1]!.span.end };
    this.report(makeDiagnostic("statement_unsupported", at, { what: `unpacking into \`${targets.map((t) => t.name).join(", ")}\``, reason: "only the outputs of a layer call are unpacked (`seq, h, c = LSTM(8, return_sequences=True, return_state=True)(x)`)" }));
    this.graphOk = false;
    for (const t of targets) this.env.set(t.name, { kind: "failed", span: t.span, used: true });
  }

  private checkAssignment(stmt: Line): void {
    const applied = stmt.applied ?? [];
    if (stmt.targets && applied.length === 0 && this.env.get(stmt.callee.name)?.kind !== "layer") return this.unpackUnsupported(stmt.targets);
    if (stmt.callee.name === "Input" && applied.length === 0) return this.bindTensor(stmt, this.checkInputTensor(stmt));
    const value = this.evaluate(stmt, applied, applied[0]?.span ?? stmt.span);
    if (value?.kind === "layer") {
      if (stmt.target) this.env.set(stmt.target.name, { kind: "layer", layer: value.layer, span: stmt.target.span, used: false });
      return;
    }
    this.bindTensor(stmt, value?.ids);
  }

  /**
   * A layer expression: `Dense(8)` is a layer; `Dense(8)(x)` and
   * `shared(x)` (a bound layer's own parentheses) are a call of it on
   * tensors, a new node. `at` is where the call on tensors is written.
   * Undefined after reporting (or when the name's statement failed).
   */
  private evaluate(call: CallNode, applied: readonly ApplyNode[], at: Span): { kind: "tensor"; ids: number[] } | { kind: "layer"; layer: PendingLayer } | undefined {
    // a call's outputs: one tensor, or its output and states (return_state)
    const tensor = (ids: number[] | undefined) => (ids === undefined ? undefined : { kind: "tensor" as const, ids });
    const bound = this.env.get(call.callee.name);
    if (bound?.kind === "failed") return undefined;
    if (bound?.kind === "layer") {
      bound.used = true;
      if (applied.length > 0) return this.notCallable(call, applied[0]!.span);
      return tensor(this.callLayerOn(bound.layer, call.args, at));
    }
    if (bound?.kind === "tensor") {
      bound.used = true;
      this.report(makeDiagnostic("tensor_not_callable", call.callee.span, { name: call.callee.name }));
      return undefined;
    }
    const r = this.resolveLayer(call, false);
    const resolved = r === "unknown" || !r.ok ? undefined : r;
    if (applied.length === 0) return resolved ? { kind: "layer", layer: { resolved, index: -1 } } : undefined;
    if (applied.length > 1) return this.notCallable(call, applied[1]!.span);
    if (!resolved) {
      // still check the tensors it is called on
      this.inputsOf(applied[0]!.args, applied[0]!.span);
      return undefined;
    }
    return tensor(this.callLayerOn({ resolved, index: -1 }, applied[0]!.args, applied[0]!.span));
  }

  private notCallable(call: CallNode, at: Span): undefined {
    this.report(makeDiagnostic("tensor_not_callable", at, { name: `${call.callee.name}(...)` }));
    return undefined;
  }

  private failBinding(stmt: Line): void {
    this.graphOk = false;
    for (const t of stmt.targets ?? (stmt.target ? [stmt.target] : [])) this.env.set(t.name, { kind: "failed", span: t.span, used: true });
  }

  /** Binds the statement's names to the call's outputs (`seq, h, c = LSTM(…, return_state=True)(x)`: one name per output). */
  private bindTensor(stmt: Line, got: number | readonly number[] | undefined): void {
    if (got === undefined) return this.failBinding(stmt);
    const ids = typeof got === "number" ? [got] : got;
    const targets = stmt.targets ?? (stmt.target ? [stmt.target] : []);
    if (targets.length === 0) return;
    if (targets.length !== ids.length) {
      const at = { start: targets[0]!.span.start, end: targets[targets.length - 1]!.span.end };
      this.reportUnpack(stmt.callee.name, ids.length, targets.length === 1 ? "the statement binds 1 name" : `the statement binds ${targets.length} names`, at);
      return this.failBinding(stmt);
    }
    targets.forEach((target, k) => {
      const id = ids[k]!;
      const prev = this.env.get(target.name);
      if (prev?.kind === "tensor" && !prev.used) this.warnUnusedTensor(target.name, prev.span);
      this.env.set(target.name, { kind: "tensor", id, span: target.span, used: false });
      const t = this.tensors[id]!;
      this.tensors[id] = { ...t, variable: target.name };
    });
  }

  /** A call's outputs bound to the wrong number of names (or nested where one tensor is expected). */
  private reportUnpack(layer: string, count: number, binds: string, at: Span): void {
    const returns = count === 1 ? "1 tensor" : `${count} tensors (its output, then its final states)`;
    const fix = count > 1 ? `: write \`${["y", ...Array.from({ length: count - 1 }, (_, k) => `state${k + 1}`)].join(", ")} = …\`` : ": bind one name";
    this.report(makeDiagnostic("layer_outputs_unpack", at, { layer, returns, binds, fix }));
  }

  private checkInputTensor(stmt: CallNode): number | undefined {
    const { values, ok } = resolveArgs("Input", stmt.span, stmt.args, inputArgs, this.sink);
    if (!ok) return undefined;
    const given = values["name"] as string | null;
    const n = this.inputNames++;
    const name = given ?? (n === 0 ? "input_layer" : `input_layer_${n}`);
    const id = this.tensors.length;
    this.tensors.push({ name, shape: values["shape"] as number[], line: this.line(stmt.span), span: stmt.span, node: -1 });
    this.inputs.push({ name, tensor: id, span: stmt.span });
    return id;
  }

  /**
   * The tensors an application names: `(x)` or `([a, b])`, and the tensors of
   * the layer's keyword (`initial_state=[h, c]`) when it takes one; undefined after reporting.
   */
  private inputsOf(args: readonly ArgNode[], at: Span, keywordName?: string): { ids: number[]; list: boolean; extra?: { ids: number[]; span: Span } } | undefined {
    const positional = args.filter((a) => a.name === undefined);
    const keyword = args.find((a) => a.name !== undefined && a.name.name !== keywordName);
    if (keyword) {
      const allowed = keywordName !== undefined ? ` (this layer takes \`${keywordName}=\`)` : "";
      this.report(makeDiagnostic("layer_call_args", keyword.span, { reason: `keyword \`${keyword.name!.name}=\` is not supported in a layer call${allowed}` }));
      return undefined;
    }
    const given = args.filter((a) => a.name !== undefined);
    if (given.length > 1) {
      this.report(makeDiagnostic("arg_duplicate", given[1]!.name!.span, { name: keywordName! }));
      return undefined;
    }
    if (positional.length !== 1) {
      this.report(makeDiagnostic("layer_call_args", at, { reason: `a layer is called on one tensor or one list of tensors, got ${positional.length} arguments` }));
      return undefined;
    }
    const v = positional[0]!.value;
    const list = v.kind === "List" || v.kind === "Tuple";
    const items: readonly ValueNode[] = list ? v.items : [v];
    const ids: number[] = [];
    for (const item of items) {
      const id = this.tensorRef(item);
      if (id === undefined) return undefined;
      ids.push(id);
    }
    let extra: { ids: number[]; span: Span } | undefined;
    if (given[0]) {
      const e = given[0].value;
      const refs: readonly ValueNode[] = e.kind === "List" || e.kind === "Tuple" ? e.items : [e];
      const eids: number[] = [];
      for (const item of refs) {
        const id = this.tensorRef(item);
        if (id === undefined) return undefined;
        eids.push(id);
      }
      extra = { ids: eids, span: e.span };
    }
    return { ids, list, ...(extra ? { extra } : {}) };
  }

  /**
   * A tensor in a layer call's arguments: a name (did-you-mean when it is
   * unknown), or a layer call nested in place, as Python allows:
   * `Add()([Dense(4)(x), y])`, `Concatenate()([shared(a), b])`.
   */
  private tensorRef(v: ValueNode): number | undefined {
    const nested = v.kind === "LayerCall" ? this.evaluate(v.layer, v.applied, v.applied[0]!.span) : v.kind === "Call" && this.env.get(v.callee.name)?.kind === "layer" ? this.evaluate(v, [], v.span) : null;
    // (a call on tensors is never a layer)
    if (nested !== null) {
      if (nested?.kind !== "tensor") return undefined;
      if (nested.ids.length === 1) return nested.ids[0];
      // Python would pass the list of outputs here
      this.reportUnpack(v.kind === "LayerCall" ? v.layer.callee.name : v.kind === "Call" ? v.callee.name : "layer", nested.ids.length, "it is nested where one tensor is expected", v.span);
      return undefined;
    }
    if (v.kind !== "Name") {
      this.report(makeDiagnostic("layer_call_args", v.span, { reason: "layers are called on tensor names" }));
      return undefined;
    }
    const b = this.env.get(v.name);
    if (b?.kind === "tensor") {
      b.used = true;
      return b.id;
    }
    if (b?.kind === "failed") return undefined;
    if (b?.kind === "layer") {
      b.used = true;
      this.report(makeDiagnostic("tensor_undefined", v.span, { name: v.name, reason: " (it names a layer, not a tensor: call it first)" }));
      return undefined;
    }
    const names = [...this.env].filter(([, x]) => x.kind === "tensor").map(([k]) => k);
    const hint = suggest(v.name, names);
    this.report(makeDiagnostic("tensor_undefined", v.span, { name: v.name, reason: "" }, hint !== undefined ? { suggestion: hint } : {}));
    return undefined;
  }

  /** One call of `layer` on the tensors `args` names: a new node and its output tensors (one, or the output and its states). */
  private callLayerOn(layer: PendingLayer, args: readonly ArgNode[], at: Span): number[] | undefined {
    const def = layer.resolved.def;
    const ins = this.inputsOf(args, at, def.extraInputs?.keyword);
    if (!ins) return undefined;
    const kind = def.kind;
    if (def.merge && !ins.list) {
      this.report(makeDiagnostic("layer_call_args", at, { reason: `\`${kind}\` merges a list of tensors: \`${kind}()([a, b])\`` }));
      return undefined;
    }
    if (!def.merge && (ins.list || ins.ids.length !== 1)) {
      this.report(makeDiagnostic("layer_call_args", at, { reason: `\`${kind}\` takes one tensor, not a list` }));
      return undefined;
    }
    if (def.merge && (ins.ids.length < def.merge.minInputs || ins.ids.length > (def.merge.maxInputs ?? Infinity))) {
      const expected = def.merge.maxInputs === def.merge.minInputs ? `${def.merge.minInputs}` : `at least ${def.merge.minInputs}`;
      this.report(makeDiagnostic("merge_arity", at, { layer: kind, expected, count: ins.ids.length }));
      return undefined;
    }
    const producers: Producer[] = ins.ids.map((id) => this.producerOf(id));
    if (def.tokenIds && this.tensors[ins.ids[0]!]!.node >= 0) {
      // token ids are validated where they enter the model, so such a layer reads a model input
      this.report(makeDiagnostic("embedding_not_first", at, { layer: kind, from: producers[0]!.name }, { related: [{ message: this.describeProducer(producers[0]!), span: producers[0]!.span }] }));
      return undefined;
    }
    const call = this.callLayer(layer.resolved, producers, at);
    if (!call) return undefined;
    if (ins.extra && !this.extraInputsFit(layer.resolved, producers[0]!.shape, ins.extra)) return undefined;
    let index = layer.index;
    if (index < 0) {
      const decls = this.declareParams(layer.resolved, producers[0]!.shape);
      if (!decls) return undefined;
      index = this.graphLayers.length;
      this.graphLayers.push({ resolved: layer.resolved, inputShape: producers[0]!.shape, outputShape: call.shape, params: decls, line: this.line(at) });
      layer.index = index;
    } else {
      // a shared layer: this call must fit the weights its first call created
      const first = this.graphLayers[index]!;
      const again = def.params(layer.resolved.attrs, producers[0]!.shape);
      const same = again.length === first.params.length && again.every((p, k) => p.shape.join() === first.params[k]!.shape.join());
      if (!same) {
        const w = first.params.map((p) => `${p.name} ${formatShape(p.shape)}`).join(", ");
        this.report(
          makeDiagnostic("layer_shared_shape", at, { name: layer.resolved.name, first: formatShape(first.inputShape), weights: w, shape: formatShape(producers[0]!.shape) }, {
            related: [{ message: `\`${layer.resolved.name}\` is first called here, on ${formatShape(first.inputShape)}`, span: this.tensors[this.nodes.find((n) => n.layer === index)!.output]!.span }],
          }),
        );
        return undefined;
      }
    }
    const line = this.line(at);
    const shapes = [call.shape, ...(def.extraOutputs?.(layer.resolved.attrs, producers[0]!.shape) ?? [])];
    const ids = shapes.map((_, k) => this.tensors.length + k);
    const node = this.nodes.length;
    this.nodes.push({ layer: index, inputs: [...ins.ids, ...(ins.extra?.ids ?? [])], output: ids[0]!, ...(ids.length > 1 ? { extraOutputs: ids.slice(1) } : {}), line });
    this.nodeSpans.push(at);
    for (const shape of shapes) this.tensors.push({ name: layer.resolved.name, shape, line, span: at, node });
    return ids;
  }

  /** `initial_state=[h, c]`: as many tensors as the layer has states, each of its state's shape. */
  private extraInputsFit(layer: ResolvedLayer, input: Shape, extra: { ids: number[]; span: Span }): boolean {
    const spec = layer.def.extraInputs!;
    const want = spec.shapes(layer.attrs, input);
    const got = extra.ids.map((id) => this.producerOf(id));
    const expected = `${want.length} tensor${want.length === 1 ? "" : "s"} of shape${want.length === 1 ? "" : "s"} ${want.map((w) => formatShape(w)).join(", ")}`;
    const bad = got.length !== want.length ? -1 : got.findIndex((p, k) => p.shape.join() !== want[k]!.join());
    if (got.length === want.length && bad < 0) return true;
    const what = bad < 0 ? `${got.length} tensor${got.length === 1 ? "" : "s"}` : `${got[bad]!.name} of shape ${formatShape(got[bad]!.shape)} at position ${bad + 1}`;
    this.report(
      makeDiagnostic("layer_call_args", extra.span, { reason: `\`${spec.keyword}=\` of \`${layer.name}\` (${layer.def.kind}) takes ${expected}, got ${what}` }, {
        related: got.map((p) => ({ message: this.describeProducer(p), span: p.span })),
      }),
    );
    return false;
  }

  private producerOf(id: number): Producer {
    const t = this.tensors[id]!;
    const name = t.node < 0 ? `the input \`${t.name}\`` : `\`${t.name}\``;
    return { name: t.variable !== undefined ? `${name} (\`${t.variable}\`)` : name, span: t.span, shape: t.shape };
  }

  // ---- inputs, outputs, reachability ------------------------------------------

  private resolveIO(stmt: CallNode | undefined): { inputs: number[]; outputs: number[]; outputSpans: Span[] } | undefined {
    if (!stmt) {
      const last = [...this.tensors].reverse().find((t) => t.node >= 0);
      if (!last || this.inputs.length === 0) {
        if (this.graphOk) this.report(makeDiagnostic(this.inputs.length === 0 ? "input_shape_missing" : "model_empty", this.model.name.span, { model: this.model.name.name, name: this.model.name.name }));
        return undefined;
      }
      const id = this.tensors.indexOf(last);
      return { inputs: this.inputs.map((i) => i.tensor), outputs: [id], outputSpans: [last.span] };
    }
    const nodes = new Map<string, ArgNode>();
    const schema = ["inputs", "outputs", "name"];
    stmt.args.forEach((a, k) => {
      const key = a.name?.name ?? schema[k];
      if (key === undefined || !schema.includes(key)) {
        this.report(makeDiagnostic("arg_unknown", a.name?.span ?? a.span, { callee: "Model", name: key ?? `#${k + 1}` }));
      } else nodes.set(key, a);
    });
    const list = (key: string): { ids: number[]; spans: Span[] } | undefined => {
      const node = nodes.get(key);
      if (!node) {
        this.report(makeDiagnostic("arg_missing", stmt.span, { callee: "Model", name: key }));
        return undefined;
      }
      const v = node.value;
      const items = v.kind === "List" || v.kind === "Tuple" ? v.items : [v];
      const ids: number[] = [];
      for (const item of items) {
        const id = this.ioRef(item, key);
        if (id === undefined) return undefined;
        ids.push(id);
      }
      return { ids, spans: items.map((i) => i.span) };
    };
    const ins = list("inputs");
    const outs = list("outputs");
    if (!ins || !outs) return undefined;
    for (const [k, id] of ins.ids.entries()) {
      if (this.tensors[id]!.node >= 0) {
        this.report(makeDiagnostic("model_io_invalid", ins.spans[k]!, { name: this.tensors[id]!.variable ?? this.tensors[id]!.name, reason: "is not an `Input(...)`: inputs= lists Input tensors" }));
        return undefined;
      }
    }
    for (const [k, id] of outs.ids.entries()) {
      const t = this.tensors[id]!;
      const problem = t.node < 0 ? "is a model input; `outputs=` lists tensors computed by layers" : outs.ids.indexOf(id) !== k ? "is listed twice in `outputs=`" : undefined;
      if (problem) {
        this.report(makeDiagnostic("model_io_invalid", outs.spans[k]!, { name: t.variable ?? t.name, reason: problem }));
        return undefined;
      }
    }
    return { inputs: ins.ids, outputs: outs.ids, outputSpans: outs.spans };
  }

  protected override checkTraining(stmt: CallNode, outputs: readonly OutputInfo[] | undefined): TrainingIR | undefined {
    if (!outputs || outputs.length <= 1) return super.checkTraining(stmt, outputs);
    return checkCompileOutputs(stmt, outputs as NamedOutput[], this.sink);
  }

  private ioRef(v: ValueNode, key: string): number | undefined {
    // `outputs=Dense(1)(h)`: a layer call in place
    if (v.kind === "LayerCall" || (v.kind === "Call" && this.env.get(v.callee.name)?.kind === "layer")) return this.tensorRef(v);
    if (v.kind === "Name") {
      const b = this.env.get(v.name);
      if (b?.kind === "tensor") {
        b.used = true;
        return b.id;
      }
      if (b?.kind === "failed") return undefined;
      const names = [...this.env].filter(([, x]) => x.kind === "tensor").map(([k]) => k);
      const hint = suggest(v.name, names);
      this.report(makeDiagnostic("model_io_invalid", v.span, { name: v.name, reason: `is not a tensor of this model (${key}=)` }, hint !== undefined ? { suggestion: hint } : {}));
      return undefined;
    }
    const dict = v.kind === "Dict" || (v.kind === "Call" && v.callee.name === "dict");
    this.report(makeDiagnostic("model_io_invalid", v.span, dict ? { name: "{…}", reason: `is a dict: layerc takes \`${key}=\` as a tensor or a list of tensors, in the order predict takes or returns them` } : { name: "this value", reason: `is not a tensor name (${key}=)` }));
    return undefined;
  }

  private warnUnusedTensor(name: string, span: Span): void {
    this.report(makeDiagnostic("tensor_unused", span, { name }));
  }

  private warnUnused(outputs: readonly number[]): void {
    for (const [name, b] of this.env) {
      // `_` (and `_name`) is Python's "unused on purpose": `_, h = GRU(8, return_state=True)(x)`
      if (!b.used && b.kind !== "failed" && !name.startsWith("_") && !(b.kind === "tensor" && outputs.includes(b.id))) {
        if (b.kind === "tensor") this.warnUnusedTensor(name, b.span);
        else this.report(makeDiagnostic("tensor_unused", b.span, { name }));
      }
    }
  }

  /** Nodes that some output depends on (Keras builds the model from its outputs). */
  private reachable(outputs: readonly number[]): Set<number> {
    const live = new Set<number>();
    const stack = [...outputs];
    while (stack.length) {
      const t = this.tensors[stack.pop()!]!;
      if (t.node < 0 || live.has(t.node)) continue;
      live.add(t.node);
      stack.push(...this.nodes[t.node]!.inputs);
    }
    return live;
  }

  // ---- lowering ---------------------------------------------------------------

  private lower(io: { inputs: number[]; outputs: number[]; outputSpans: Span[] }, opt: ReturnType<ModelChecker["checkOptions"]>, compile: CallNode | undefined): ModelIR | undefined {
    const live = this.reachable(io.outputs);
    // inputs every output needs must be listed; listed inputs no output needs are suspicious
    const used = new Set<number>();
    for (const n of live) for (const t of this.nodes[n]!.inputs) if (this.tensors[t]!.node < 0) used.add(t);
    for (const t of io.outputs) if (this.tensors[t]!.node < 0) used.add(t);
    let ok = true;
    for (const t of used) {
      if (!io.inputs.includes(t)) {
        const k = io.outputs.findIndex((o) => this.dependsOn(o, t, live));
        this.report(makeDiagnostic("graph_disconnected", io.outputSpans[Math.max(0, k)]!, { input: this.tensors[t]!.name }, { related: [{ message: `\`${this.tensors[t]!.name}\` is declared here`, span: this.tensors[t]!.span }] }));
        ok = false;
      }
    }
    for (const t of io.inputs) if (!used.has(t)) this.report(makeDiagnostic("input_unreachable", this.tensors[t]!.span, { input: this.tensors[t]!.name }));
    // Keras 3 `model.layers` order (docs in keras-order.ts); the InputLayers take no part in the weights
    const order = kerasOrder(this.nodes, (t) => this.tensors[t]!.node, io.inputs, io.outputs, (k) => live.has(k)).flatMap((o) => (o.kind === "layer" ? [o.layer] : []));
    const remap = new Map(order.map((l, k) => [l, k]));
    let offset = 0;
    const layers: LayerIR[] = order.map((l) => {
      const g = this.graphLayers[l]!;
      const params: ParamIR[] = g.params.map((p) => {
        const ir = paramIR(p, g.resolved.attrs, offset);
        offset += ir.size;
        return ir;
      });
      return { kind: g.resolved.def.kind, name: g.resolved.name, attrs: g.resolved.attrs, inputShape: g.inputShape, outputShape: g.outputShape, params, line: g.line };
    });
    // tensors renumbered: the inputs first (model input order), then live call outputs in statement order
    const keep = [...io.inputs, ...this.nodes.flatMap((n, k) => (live.has(k) ? [n.output, ...(n.extraOutputs ?? [])] : []))];
    const tid = new Map(keep.map((t, k) => [t, k]));
    const tensors: TensorIR[] = keep.map((t) => {
      const { span: _s, node: _n, ...rest } = this.tensors[t]!;
      return rest;
    });
    const nodes: NodeIR[] = this.nodes.flatMap((n, k) => {
      if (!live.has(k)) return [];
      const extra = n.extraOutputs ? { extraOutputs: n.extraOutputs.map((t) => tid.get(t)!) } : {};
      return [{ layer: remap.get(n.layer)!, inputs: n.inputs.map((t) => tid.get(t)!), output: tid.get(n.output)!, ...extra, line: n.line }];
    });
    if (offset > this.limits.maxParams) {
      this.report(makeDiagnostic("limit_params", this.model.name.span, { model: this.model.name.name, count: offset, limit: this.limits.maxParams }));
      ok = false;
    }
    const outputs = io.outputs.map((t) => tid.get(t)!);
    const training = compile ? this.checkTraining(compile, outputs.map((t, k) => ({ ...this.outputInfo(t, tensors, nodes, layers), name: tensors[t]!.name, span: io.outputSpans[k]! }))) : null;
    if (!ok || !opt.ok || training === undefined) return undefined;
    const liveSpans = this.nodeSpans.filter((_, k) => live.has(k));
    const masked = attachMasks({ tensors, nodes, layers }, (k) => liveSpans[k]!, (d) => this.report(d));
    if (!masked) return undefined;
    const o = opt.values;
    return {
      name: this.model.name.name,
      seed: (o["seed"] as number | null) ?? null,
      dtype: o["dtype"] as "float32" | "float64",
      unroll: this.opts.unroll ?? (o["unroll"] as "auto" | "full" | "loops"),
      inputShape: tensors[0]!.shape,
      outputShape: tensors[outputs[0]!]!.shape,
      functional: true,
      layers,
      ...masked,
      inputs: io.inputs.map((t, k) => ({ name: this.tensors[t]!.name, tensor: k })),
      outputs,
      paramCount: offset,
      training,
    };
  }

  private dependsOn(output: number, input: number, live: ReadonlySet<number>): boolean {
    const stack = [output];
    const seen = new Set<number>();
    while (stack.length) {
      const t = stack.pop()!;
      if (t === input) return true;
      if (seen.has(t)) continue;
      seen.add(t);
      const n = this.tensors[t]!.node;
      if (n >= 0 && live.has(n)) stack.push(...this.nodes[n]!.inputs);
    }
    return false;
  }

  private outputInfo(t: number, tensors: readonly TensorIR[], nodes: readonly NodeIR[], layers: readonly LayerIR[]) {
    const n = nodes.find((x) => x.output === t);
    const layer = n ? layers[n.layer] : undefined;
    const def = layer ? this.defOf(layer.kind) : undefined;
    return { shape: tensors[t]!.shape, activation: layer && def ? def.outputActivation?.(layer.attrs) : undefined, layerName: layer?.name ?? tensors[t]!.name };
  }

  private line(span: Span): number {
    return this.lines.position(span.start).line;
  }
}
