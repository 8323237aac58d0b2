/**
 * Check: resolves each statement of each model against the layer registry,
 * applies Keras 3 defaults, validates arguments, infers shapes, validates
 * `compile(...)`, enforces limits, and lowers to ModelIR. Never throws on
 * user input; analysis continues past errors so one run reports as many
 * independent mistakes as possible.
 */
import type { CallNode, FileNode, ModelNode } from "../1-parse/ast.js";
import { IR_VERSION, type AttrValue, type LayerIR, type ModelIR, type ParamIR, type ProgramIR, type Shape, type TrainingIR } from "../../ir/model-ir.js";
import { commonArgs, inputArgs, layers, lookupLayer } from "../../layers/registry.js";
import { prod } from "../../layers/types.js";
import { makeDiagnostic, suggest, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { LineMap, type Span } from "../../source.js";
import { resolveArgs, type Sink } from "./args.js";
import { checkCompile, type OutputInfo } from "./compile-statement.js";
import { layerNameProblem, modelNameProblem } from "./names.js";
import { resolveLimits, type CheckOptions, type Limits } from "./options.js";
import { modelOptionArgs } from "./vocabulary.js";
import type { ConstraintSpec, RegularizerSpec } from "../../runtime/spec.js";
import { PasteLowering } from "./paste.js";
import { describeSupportedLayers, isUnsupportedKerasLayer } from "../../layers/catalog.js";

export interface CheckResult {
  /** Models that checked without errors (all of them when there is no error). */
  readonly ir: ProgramIR;
  readonly diagnostics: Diagnostic[];
}

export const formatShape = (s: Shape): string => (s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`);

export function checkFile(ast: FileNode, text: string, fileName: string, opts: CheckOptions = {}): CheckResult {
  const sink: Sink = { diags: [] };
  const lines = new LineMap(text);
  const limits = resolveLimits(opts);
  const models: ModelIR[] = [];
  const seen = new Map<string, Span>();
  if (ast.models.length === 0) sink.diags.push(makeDiagnostic("file_no_models", { start: 0, end: 0 }));
  for (const model of ast.models) {
    if (model.name.missing) continue;
    const prev = seen.get(model.name.name);
    if (prev) {
      sink.diags.push(
        makeDiagnostic("model_duplicate", model.name.span, { name: model.name.name }, {
          related: [{ message: `\`${model.name.name}\` is first declared here`, span: prev }],
        }),
      );
    } else seen.set(model.name.name, model.name.span);
    const before = sink.diags.length;
    const ir = new ModelChecker(model, lines, sink, limits, opts).run();
    if (ir && !sink.diags.slice(before).some((d) => d.severity === "error")) models.push(ir);
  }
  const silenced = new Set(opts.silence ?? []);
  const diagnostics = sink.diags.filter((d) => d.severity === "error" || !silenced.has(d.code));
  return { ir: { version: IR_VERSION, fileName, models }, diagnostics };
}

interface Producer {
  readonly name: string;
  readonly span: Span;
  readonly shape: Shape;
}

class ModelChecker {
  private readonly layers: LayerIR[] = [];
  private readonly layerNames = new Map<string, Span>();
  private readonly nameCounters = new Map<string, number>();
  private offset = 0;

  constructor(
    private readonly model: ModelNode,
    private readonly lines: LineMap,
    private readonly sink: Sink,
    private readonly limits: Limits,
    private readonly opts: CheckOptions,
  ) {}

  private report(d: Diagnostic) {
    this.sink.diags.push(d);
  }

  run(): ModelIR | undefined {
    const m = this.model;
    const nameProblem = modelNameProblem(m.name.name);
    if (nameProblem) this.report(makeDiagnostic("model_name_invalid", m.name.span, { name: m.name.name, reason: nameProblem }));
    const opt = resolveArgs(`model ${m.name.name}`, m.name.span, m.options, modelOptionArgs, this.sink);

    const pasted = new PasteLowering(this.sink);
    const stmts = pasted.lower(m).filter((s) => !s.callee.missing);
    if (stmts.length > this.limits.maxLayers) {
      // before any layer is analysed: the cost of every later phase grows with the layer count
      this.report(makeDiagnostic("limit_layers", m.name.span, { model: m.name.name, count: stmts.length, limit: this.limits.maxLayers }));
      return undefined;
    }
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
      training = checkCompile(compiles[0], out, this.sink) ?? null;
      if (training === null) ok = false;
    }
    if (!ok || !opt.ok || nameProblem || !last) return undefined;
    const o = opt.values;
    return {
      name: m.name.name,
      seed: (o["seed"] as number | null) ?? null,
      dtype: o["dtype"] as "float32" | "float64",
      unroll: this.opts.unroll ?? (o["unroll"] as "auto" | "full" | "loops"),
      inputShape: this.layers[0]!.inputShape,
      outputShape: last.outputShape,
      layers: this.layers,
      paramCount: this.offset,
      training,
    };
  }

  private checkCompilePlacement(stmts: readonly CallNode[], compiles: readonly CallNode[]) {
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
    const kind = stmt.callee.name;
    if (kind === "Input") {
      this.report(makeDiagnostic("input_shape_misplaced", stmt.callee.span, { what: "`Input(...)`" }));
      return undefined;
    }
    const def = lookupLayer(kind);
    if (!def) {
      const supported = describeSupportedLayers();
      if (isUnsupportedKerasLayer(kind)) {
        this.report(makeDiagnostic("layer_unsupported", stmt.callee.span, { name: kind, supported }));
        return undefined;
      }
      const hint = suggest(kind, [...Object.keys(layers), "Input", "compile"]);
      this.report(makeDiagnostic("layer_unknown", stmt.callee.span, { name: kind, supported }, hint !== undefined ? { suggestion: hint } : {}));
      return undefined;
    }
    const { values, ok, nodes } = resolveArgs(kind, stmt.span, stmt.args, [...def.args, ...commonArgs], this.sink);
    const inputShapeArg = values["input_shape"] as number[] | null | undefined;
    this.nameWrappedLayers(values, stmt.span);
    const name = this.layerName(def.defaultName, values["name"] as string | null, nodes.get("name")?.value.span ?? stmt.callee.span);
    if (inputShapeArg && (!isFirst || hasInputStmt)) {
      // After a leading Input(...), point at it: that is where the input is already declared.
      const related = isFirst && producer ? [{ message: "the input is already declared by this `Input(...)`", span: producer.span }] : [];
      this.report(makeDiagnostic("input_shape_misplaced", nodes.get("input_shape")!.span, { what: "`input_shape=`" }, { related }));
      return undefined;
    }
    if (!ok) return undefined;
    let input: Producer | undefined = producer;
    if (isFirst && inputShapeArg) input = { name: "the model input", span: nodes.get("input_shape")!.span, shape: inputShapeArg };
    if (!input) {
      if (isFirst && shapeKnown) this.report(makeDiagnostic("input_shape_missing", this.model.name.span, { model: this.model.name.name }));
      return undefined;
    }
    if (def.tokenIds && !isFirst) {
      this.report(makeDiagnostic("embedding_not_first", stmt.callee.span, { layer: kind, from: input.name }, { related: [{ message: this.describeProducer(input), span: input.span }] }));
      return undefined;
    }
    const attrs = Object.fromEntries(Object.entries(values).filter(([k]) => k !== "name" && k !== "input_shape"));
    if (def.inputRank && (input.shape.length < def.inputRank.min || input.shape.length > def.inputRank.max)) {
      this.report(
        makeDiagnostic("shape_rank", stmt.callee.span, { layer: kind, expected: def.inputRank.describe, shape: `(None, ${input.shape.join(", ")})` }, {
          related: [{ message: this.describeProducer(input), span: input.span }],
        }),
      );
      return undefined;
    }
    const out = def.outputShape(attrs, input.shape);
    if (!out.ok) {
      this.report(makeDiagnostic(out.code, stmt.span, { layer: kind, ...out.holes }, { related: [{ message: this.describeProducer(input), span: input.span }] }));
      return undefined;
    }
    if (prod(out.shape) > this.limits.maxTensorSize) {
      this.report(makeDiagnostic("limit_tensor", stmt.callee.span, { layer: name, count: prod(out.shape), limit: this.limits.maxTensorSize }));
      return undefined;
    }
    const decls = def.params(attrs, input.shape);
    let initOk = true;
    for (const p of decls) {
      const rank = p.shape.length;
      const bad = p.initializer.name === "orthogonal" ? rank < 2 : p.initializer.name === "identity" ? rank !== 2 : false;
      if (!bad) continue;
      initOk = false;
      const at = (p.initializerArg !== undefined ? nodes.get(p.initializerArg)?.value.span : undefined) ?? stmt.span;
      this.report(
        makeDiagnostic("initializer_rank", at, {
          initializer: p.initializer.name,
          needs: p.initializer.name === "orthogonal" ? "a tensor of rank 2 or more" : "a 2-D tensor",
          tensor: `${name}/${p.name}`,
          shape: formatShape(p.shape),
        }),
      );
    }
    if (!initOk) return undefined;
    for (const p of decls) {
      // a constraint's axes must exist on the weight it constrains
      const c = attrs[`${p.name}_constraint`] as ConstraintSpec | null | undefined;
      const bad = c && "axis" in c ? c.axis.find((a) => a >= p.shape.length) : undefined;
      if (bad === undefined) continue;
      const at = nodes.get(`${p.name}_constraint`)?.value.span ?? stmt.span;
      this.report(makeDiagnostic("arg_range", at, { name: "axis", constraint: `an axis of ${name}/${p.name}, shape ${formatShape(p.shape)}`, got: String(bad) }));
      return undefined;
    }
    const params: ParamIR[] = decls.map(({ initializerArg: _arg, ...p }) => {
      const size = prod(p.shape);
      // `<weight>_regularizer=` and `<weight>_constraint=` of the layer attach to the weight of that name (Keras's naming)
      const regularizer = attrs[`${p.name}_regularizer`] as RegularizerSpec | null | undefined;
      const constraint = attrs[`${p.name}_constraint`] as ConstraintSpec | null | undefined;
      const ir: ParamIR = { ...p, ...(regularizer ? { regularizer } : {}), ...(constraint ? { constraint } : {}), offset: this.offset, size };
      this.offset += size;
      return ir;
    });
    const line = this.lines.position(stmt.span.start).line;
    this.layers.push({ kind, name, attrs, inputShape: input.shape, outputShape: out.shape, params, line });
    return { name: `\`${name}\``, span: stmt.span, shape: out.shape };
  }

  private describeProducer(p: Producer): string {
    const pos = this.lines.position(p.span.start);
    return `this input comes from ${p.name} at ${pos.line}:${pos.column}, which outputs ${formatShape(p.shape)}`;
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
