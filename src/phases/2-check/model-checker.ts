/**
 * The checker of one model: a Sequential stack here (statement by
 * statement, each layer on the previous one's output), and the layer
 * resolution, shape and parameter rules a functional graph (graph.ts)
 * shares. Lowers to ModelIR; never throws on user input.
 */
import type { ArgNode, CallNode, ModelNode } from "../1-parse/ast.js";
import type { AttrValue, LayerIR, ModelIR, NodeIR, TensorIR, ParamIR, Shape, TrainingIR } from "../../ir/model-ir.js";
import { commonArgs, inputArgs, layers, lookupLayer } from "../../layers/registry.js";
import { prod, type Attrs, type LayerDef, type ParamDecl } from "../../layers/types.js";
import { makeDiagnostic, suggest, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { LineMap, type Span } from "../../source.js";
import { resolveArgs, type Sink } from "./args.js";
import { checkCompile, type OutputInfo } from "./compile-statement.js";
import { layerNameProblem, modelNameProblem } from "./names.js";
import type { CheckOptions, Limits } from "./options.js";
import { modelOptionArgs } from "./vocabulary.js";
import { PasteLowering } from "./paste.js";
import { attachMasks } from "./masks.js";
import { describeSupportedLayers, isUnsupportedKerasLayer } from "../../layers/catalog.js";
import type { ConstraintSpec, RegularizerSpec } from "../../runtime/spec.js";

export const formatShape = (s: Shape): string => (s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`);

/** A Sequential stack as a graph: input tensor 0, layer i reads tensor i and writes tensor i + 1. */
function chainGraph(layers: readonly LayerIR[], inputLine: number): Pick<ModelIR, "tensors" | "nodes" | "inputs" | "outputs"> {
  const tensors: TensorIR[] = [{ name: "input_layer", shape: layers[0]!.inputShape, line: inputLine }];
  const nodes: NodeIR[] = layers.map((l, i) => {
    tensors.push({ name: l.name, shape: l.outputShape, line: l.line });
    return { layer: i, inputs: [i], output: i + 1, line: l.line };
  });
  return { tensors, nodes, inputs: [{ name: "input_layer", tensor: 0 }], outputs: [layers.length] };
}

/** A layer constructor call, resolved (see ModelChecker.resolveLayer). */
export interface ResolvedLayer {
  readonly def: LayerDef;
  readonly attrs: Attrs;
  readonly name: string;
  readonly nodes: ReadonlyMap<string, ArgNode>;
  readonly values: Readonly<Record<string, AttrValue>>;
  readonly ok: boolean;
  /** The constructor call and its callee name. */
  readonly span: Span;
  readonly callee: Span;
}

export interface Producer {
  readonly name: string;
  readonly span: Span;
  readonly shape: Shape;
}

export class ModelChecker {
  private readonly layers: LayerIR[] = [];
  /** Each layer's statement, for diagnostics after the stack is built (masks). */
  private readonly layerSpans: Span[] = [];
  private readonly layerNames = new Map<string, Span>();
  private readonly nameCounters = new Map<string, number>();
  private offset = 0;

  constructor(
    protected readonly model: ModelNode,
    protected readonly lines: LineMap,
    protected readonly sink: Sink,
    protected readonly limits: Limits,
    protected readonly opts: CheckOptions,
  ) {}

  protected report(d: Diagnostic) {
    this.sink.diags.push(d);
  }

  /** The model name's safety and the model options (`seed=`, ...); not ok when either has an error. */
  protected checkOptions(): { ok: boolean; values: Record<string, AttrValue> } {
    const m = this.model;
    const nameProblem = modelNameProblem(m.name.name);
    if (nameProblem) this.report(makeDiagnostic("model_name_invalid", m.name.span, { name: m.name.name, reason: nameProblem }));
    const opt = resolveArgs(`model ${m.name.name}`, m.name.span, m.options, modelOptionArgs, this.sink);
    return { ok: opt.ok && nameProblem === undefined, values: opt.values };
  }

  protected defOf(kind: string): LayerDef | undefined {
    return lookupLayer(kind);
  }

  /** compile(...) against the model outputs (undefined: an output did not check); undefined after an error. */
  protected checkTraining(stmt: CallNode, outputs: readonly OutputInfo[] | undefined): TrainingIR | undefined {
    return checkCompile(stmt, outputs?.[0], this.sink);
  }

  /** The statement count limit, before any layer is analysed (the cost of every later phase grows with it). */
  protected tooManyStatements(count: number): boolean {
    const m = this.model;
    if (count <= this.limits.maxLayers) return false;
    this.report(makeDiagnostic("limit_layers", m.name.span, { model: m.name.name, count, limit: this.limits.maxLayers }));
    return true;
  }

  run(): ModelIR | undefined {
    const m = this.model;
    const opt = this.checkOptions();
    const pasted = new PasteLowering(this.sink);
    const stmts = pasted.lower(m).filter((s) => !s.callee.missing);
    if (this.tooManyStatements(stmts.length)) return undefined;
    const compiles = stmts.filter((s) => s.callee.name === "compile");
    const layerStmts = stmts.filter((s) => s.callee.name !== "compile");
    this.checkCompilePlacement(stmts, compiles);

    let index = 0;
    let producer: Producer | undefined;
    const first = layerStmts[0];
    if (first && first.callee.name === "Input") {
      producer = this.checkInput(first);
      index = 1;
    }
    let shapeKnown = !pasted.dropped && (producer !== undefined || first === undefined || first.callee.name !== "Input");
    let ok = true;
    for (; index < layerStmts.length; index++) {
      const stmt = layerStmts[index]!;
      const isFirstLayer = index === (first?.callee.name === "Input" ? 1 : 0);
      const result = this.checkLayer(stmt, isFirstLayer, producer, shapeKnown, first?.callee.name === "Input");
      if (result === undefined) {
        ok = false;
        shapeKnown = false;
        producer = undefined;
      } else producer = result;
    }
    if (this.layers.length === 0 && ok && !pasted.dropped && layerStmts.every((s) => s.callee.name === "Input")) {
      this.report(makeDiagnostic("model_empty", m.name.span, { name: m.name.name }));
      return undefined;
    }
    if (this.offset > this.limits.maxParams) {
      this.report(makeDiagnostic("limit_params", m.name.span, { model: m.name.name, count: this.offset, limit: this.limits.maxParams }));
      return undefined;
    }
    let training: TrainingIR | null = null;
    const last = this.layers[this.layers.length - 1];
    if (compiles[0]) {
      const lastDef = last ? lookupLayer(last.kind) : undefined;
      const out: OutputInfo | undefined =
        last && ok ? { shape: last.outputShape, activation: lastDef?.outputActivation?.(last.attrs), layerName: last.name } : undefined;
      training = this.checkTraining(compiles[0], out ? [out] : undefined) ?? null;
      if (training === null) ok = false;
    }
    if (!ok || !opt.ok || !last) return undefined;
    const chain = chainGraph(this.layers, first ? this.lines.position(first.span.start).line : 1);
    const masked = attachMasks({ ...chain, layers: this.layers }, (k) => this.layerSpans[k]!, (d) => this.report(d));
    if (!masked) return undefined;
    const o = opt.values;
    return {
      name: m.name.name,
      seed: (o["seed"] as number | null) ?? null,
      dtype: o["dtype"] as "float32" | "float64",
      unroll: this.opts.unroll ?? (o["unroll"] as "auto" | "full" | "loops"),
      inputShape: this.layers[0]!.inputShape,
      outputShape: last.outputShape,
      functional: false,
      layers: this.layers,
      ...chain,
      ...masked,
      paramCount: this.offset,
      training,
    };
  }

  protected checkCompilePlacement(stmts: readonly CallNode[], compiles: readonly CallNode[]) {
    for (const extra of compiles.slice(1)) {
      this.report(
        makeDiagnostic("compile_duplicate", extra.span, { model: this.model.name.name }, {
          related: [{ message: "first `compile(...)` is here", span: compiles[0]!.span }],
        }),
      );
    }
    if (compiles[0] && stmts[stmts.length - 1] !== compiles[compiles.length - 1]) {
      this.report(makeDiagnostic("compile_not_last", compiles[0].span));
    }
  }

  private checkInput(stmt: CallNode): Producer | undefined {
    const { values, ok } = resolveArgs("Input", stmt.span, stmt.args, inputArgs, this.sink);
    if (!ok) return undefined;
    return { name: "the model input", span: stmt.span, shape: values["shape"] as number[] };
  }

  private checkLayer(
    stmt: CallNode,
    isFirst: boolean,
    producer: Producer | undefined,
    shapeKnown: boolean,
    hasInputStmt: boolean,
  ): Producer | undefined {
    if (stmt.callee.name === "Input") {
      this.report(makeDiagnostic("input_shape_misplaced", stmt.callee.span, { what: "`Input(...)`" }));
      return undefined;
    }
    const layer = this.resolveLayer(stmt, true);
    if (layer === "unknown") return undefined;
    const { nodes, values } = layer;
    const inputShapeArg = values["input_shape"] as number[] | null | undefined;
    if (inputShapeArg && (!isFirst || hasInputStmt)) {
      // After a leading Input(...), point at it: that is where the input is already declared.
      const related = isFirst && producer ? [{ message: "the input is already declared by this `Input(...)`", span: producer.span }] : [];
      this.report(makeDiagnostic("input_shape_misplaced", nodes.get("input_shape")!.span, { what: "`input_shape=`" }, { related }));
      return undefined;
    }
    if (!layer.ok) return undefined;
    if (layer.def.merge) {
      // a merge layer takes a list of tensors, which only a functional model names
      this.report(makeDiagnostic("layer_call_args", layer.callee, { reason: `\`${layer.def.kind}\` merges a list of tensors; write the model in the functional style: \`s = ${layer.def.kind}()([a, b])\`` }));
      return undefined;
    }
    let input: Producer | undefined = producer;
    if (isFirst && inputShapeArg) input = { name: "the model input", span: nodes.get("input_shape")!.span, shape: inputShapeArg };
    if (!input) {
      if (isFirst && shapeKnown) this.report(makeDiagnostic("input_shape_missing", this.model.name.span, { model: this.model.name.name }));
      return undefined;
    }
    if (layer.def.tokenIds && !isFirst) {
      this.report(makeDiagnostic("embedding_not_first", layer.callee, { layer: layer.def.kind, from: input.name }, { related: [{ message: this.describeProducer(input), span: input.span }] }));
      return undefined;
    }
    const out = this.callLayer(layer, [input], stmt.span);
    if (!out) return undefined;
    if ((layer.def.extraOutputs?.(layer.attrs, input.shape).length ?? 0) > 0) {
      this.report(makeDiagnostic("rnn_return_state", layer.span, { layer: layer.def.kind }, { related: [{ message: this.describeProducer(input), span: input.span }] }));
      return undefined;
    }
    const decls = this.declareParams(layer, input.shape);
    if (!decls) return undefined;
    const params: ParamIR[] = decls.map((p) => {
      const ir = paramIR(p, layer.attrs, this.offset);
      this.offset += ir.size;
      return ir;
    });
    const line = this.lines.position(stmt.span.start).line;
    const { kind } = layer.def;
    this.layers.push({ kind, name: layer.name, attrs: layer.attrs, inputShape: input.shape, outputShape: out.shape, params, line });
    this.layerSpans.push(stmt.span);
    return { name: `\`${layer.name}\``, span: stmt.span, shape: out.shape };
  }

  /**
   * A layer constructor call `Kind(args)`: the kind, its arguments with
   * defaults, and its name (assigned now, as Keras names a layer when it is
   * created). "unknown" after reporting an unknown kind; `ok` false after
   * an argument error.
   */
  protected resolveLayer(stmt: CallNode, allowInputShape: boolean): ResolvedLayer | "unknown" {
    const kind = stmt.callee.name;
    const def = lookupLayer(kind);
    if (!def) {
      const supported = describeSupportedLayers();
      if (isUnsupportedKerasLayer(kind)) {
        this.report(makeDiagnostic("layer_unsupported", stmt.callee.span, { name: kind, supported }));
        return "unknown";
      }
      const hint = suggest(kind, [...Object.keys(layers), "Input", "compile"]);
      this.report(makeDiagnostic("layer_unknown", stmt.callee.span, { name: kind, supported }, hint !== undefined ? { suggestion: hint } : {}));
      return "unknown";
    }
    const { values, ok, nodes } = resolveArgs(kind, stmt.span, stmt.args, allowInputShape ? [...def.args, ...commonArgs] : [...def.args, ...commonArgs.filter((a) => a.name !== "input_shape")], this.sink);
    this.nameWrappedLayers(values, stmt.span);
    const name = this.layerName(def.defaultName, values["name"] as string | null, nodes.get("name")?.value.span ?? stmt.callee.span);
    const attrs = Object.fromEntries(Object.entries(values).filter(([k]) => k !== "name" && k !== "input_shape"));
    return { def, attrs, name, nodes, values, ok, span: stmt.span, callee: stmt.callee.span };
  }

  /** Shape rule and size limit of calling `layer` on `inputs`; undefined after reporting. */
  protected callLayer(layer: ResolvedLayer, inputs: readonly Producer[], at: Span): { shape: Shape } | undefined {
    const { def, attrs, name } = layer;
    const kind = def.kind;
    const input = inputs[0]!;
    const related = inputs.map((p) => ({ message: this.describeProducer(p), span: p.span }));
    if (def.inputRank) {
      const bad = inputs.find((p) => p.shape.length < def.inputRank!.min || p.shape.length > def.inputRank!.max);
      if (bad) {
        this.report(
          makeDiagnostic("shape_rank", layer.callee, { layer: kind, expected: def.inputRank.describe, shape: `(None, ${bad.shape.join(", ")})` }, {
            related: [{ message: this.describeProducer(bad), span: bad.span }],
          }),
        );
        return undefined;
      }
    }
    const out = def.merge ? def.merge.outputShape(attrs, inputs.map((p) => p.shape)) : def.outputShape(attrs, input.shape);
    if (!out.ok) {
      this.report(makeDiagnostic(out.code, def.merge ? at : layer.span, { layer: kind, ...out.holes }, { related }));
      return undefined;
    }
    if (prod(out.shape) > this.limits.maxTensorSize) {
      this.report(makeDiagnostic("limit_tensor", layer.callee, { layer: name, count: prod(out.shape), limit: this.limits.maxTensorSize }));
      return undefined;
    }
    return { shape: out.shape };
  }

  /** The layer's weights for its input shape, with initializer/rank checks; undefined after reporting. */
  protected declareParams(layer: ResolvedLayer, inputShape: Shape): ParamDecl[] | undefined {
    const decls = layer.def.params(layer.attrs, inputShape);
    let initOk = true;
    for (const p of decls) {
      const rank = p.shape.length;
      const bad = p.initializer.name === "orthogonal" ? rank < 2 : p.initializer.name === "identity" ? rank !== 2 : false;
      if (!bad) continue;
      initOk = false;
      const at = (p.initializerArg !== undefined ? layer.nodes.get(p.initializerArg)?.value.span : undefined) ?? layer.span;
      this.report(
        makeDiagnostic("initializer_rank", at, {
          initializer: p.initializer.name,
          needs: p.initializer.name === "orthogonal" ? "a tensor of rank 2 or more" : "a 2-D tensor",
          tensor: `${layer.name}/${p.name}`,
          shape: formatShape(p.shape),
        }),
      );
    }
    if (!initOk) return undefined;
    for (const p of decls) {
      // a constraint's axes must exist on the weight it constrains, each once (negatives count from the end)
      const c = layer.attrs[`${p.name}_constraint`] as ConstraintSpec | null | undefined;
      if (!c || !("axis" in c)) continue;
      const rank = p.shape.length;
      const bad = c.axis.find((a) => a >= rank || a < -rank);
      const repeated = c.axis.find((a, i) => c.axis.findIndex((b) => (b + rank) % rank === (a + rank) % rank) !== i);
      if (bad === undefined && repeated === undefined) continue;
      const at = layer.nodes.get(`${p.name}_constraint`)?.value.span ?? layer.span;
      const constraint = bad !== undefined ? `an axis of ${layer.name}/${p.name}, shape ${formatShape(p.shape)}` : "axes that are all different";
      this.report(makeDiagnostic("arg_range", at, { name: "axis", constraint, got: String(bad ?? repeated) }));
      return undefined;
    }
    return decls;
  }

  /**
   * A wrapped layer (`Bidirectional(LSTM(8))`) is created before its wrapper in Keras and
   * takes the next default name of its kind, so the names of later layers match Keras's.
   */
  private nameWrappedLayers(values: Record<string, AttrValue>, span: Span) {
    for (const [k, v] of Object.entries(values)) {
      if (v === null || typeof v !== "object" || !("layer" in v)) continue;
      const inner = lookupLayer(v.layer);
      if (inner) values[k] = { ...v, attrs: { ...v.attrs, name: this.layerName(inner.defaultName, v.attrs["name"] as string | null, span) } };
    }
  }

  protected describeProducer(p: Producer): string {
    const pos = this.lines.position(p.span.start);
    return `this input comes from ${p.name} at ${pos.line}:${pos.column}, which outputs ${formatShape(p.shape)}`;
  }

  /** Keras default names (`dense`, `dense_1`, ...) or the user's, checked for safety and uniqueness. */
  private layerName(stem: string, given: string | null, span: Span): string {
    let name = given;
    if (name === null) {
      const n = this.nameCounters.get(stem) ?? 0;
      this.nameCounters.set(stem, n + 1);
      name = n === 0 ? stem : `${stem}_${n}`;
      while (this.layerNames.has(name)) name = `${stem}_${this.nameCounters.get(stem)!}`, this.nameCounters.set(stem, this.nameCounters.get(stem)! + 1);
    } else {
      const problem = layerNameProblem(name);
      if (problem) this.report(makeDiagnostic("layer_name_invalid", span, { name, reason: problem }));
    }
    const prev = this.layerNames.get(name);
    if (prev && given !== null) {
      this.report(
        makeDiagnostic("layer_name_duplicate", span, { name, model: this.model.name.name }, {
          related: [{ message: `\`${name}\` is first used here`, span: prev }],
        }),
      );
    }
    this.layerNames.set(name, span);
    return name;
  }
}

/**
 * A declared weight placed at `offset` in the flat parameter vector; the layer's
 * `<weight>_regularizer=` and `<weight>_constraint=` attach to the weight of that name (Keras's naming).
 */
export function paramIR({ initializerArg: _arg, ...p }: ParamDecl, attrs: Attrs, offset: number): ParamIR {
  const regularizer = attrs[`${p.name}_regularizer`] as RegularizerSpec | null | undefined;
  const given = attrs[`${p.name}_constraint`] as ConstraintSpec | null | undefined;
  // the kernel reads the constraint's axes as non-negative weight axes
  const constraint = given && "axis" in given ? { ...given, axis: given.axis.map((a) => (a < 0 ? a + p.shape.length : a)) } : given;
  return { ...p, ...(regularizer ? { regularizer } : {}), ...(constraint ? { constraint } : {}), offset, size: prod(p.shape) };
}
