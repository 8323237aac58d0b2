/**
 * `compile(optimizer=..., loss=..., metrics=[...])`: resolves the training
 * configuration (vocabularies in loss-names.ts, optimizer-names.ts and
 * metric-names.ts) and warns about output activation / loss pairings that
 * Keras would train silently but badly. A Keras name layerc does not
 * implement is reported as unsupported, with the supported list, never
 * with a did-you-mean that points at a different thing.
 */
import type { CallNode, ValueNode } from "../1-parse/ast.js";
import type { ActivationName, Shape, TrainingIR } from "../../ir/model-ir.js";
import type { LossSpec, MetricSpec, OptimizerSpec, ScheduleSpec } from "../../runtime/spec.js";
import { makeDiagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import { bindArgs, describeValue, resolveArgs, suggestName, type Sink } from "./args.js";
import { has } from "./vocabulary.js";
import { lossNames, lossSpec, unsupportedLosses } from "./loss-names.js";
import { commonOptions, optimizerNames, resolveSchedule, scheduleAt, unsupportedOptimizers } from "./optimizer-names.js";
import { metricNames, unsupportedMetrics } from "./metric-names.js";
import type { ArgSpec } from "../../layers/types.js";

const schema: readonly ArgSpec[] = [
  { name: "optimizer", type: { t: "string" }, positional: true },
  { name: "loss", type: { t: "string" }, positional: true, required: true },
  { name: "metrics", type: { t: "string" } },
  { name: "loss_weights", type: { t: "string" } },
];

function calleeOf(v: ValueNode): { name: string; span: Span } | undefined {
  if (v.kind === "String" || v.kind === "Name") return { name: v.kind === "String" ? v.value : v.name, span: v.span };
  if (v.kind === "Call") return { name: v.callee.name, span: v.callee.span };
  return undefined;
}

type Vocabulary = "loss" | "optimizer" | "metric";
const unsupported: Readonly<Record<Vocabulary, readonly string[]>> = { loss: unsupportedLosses, optimizer: unsupportedOptimizers, metric: unsupportedMetrics };

/** The supported spellings, for messages: class names (or snake_case where a kind has no class). */
function supportedList(table: Readonly<Record<string, unknown>>, extra: readonly string[] = []): string {
  const seen = new Set<unknown>();
  const names: string[] = [...extra];
  for (const [key, value] of Object.entries(table)) {
    if (/^[A-Z]/.test(key) && !/^(MSE|MAE|MAPE|MSLE|BCE|KLD)$/.test(key) && !seen.has(value)) {
      seen.add(value);
      names.push(key);
    }
  }
  return names.join(", ");
}

/**
 * Looks a name up in a vocabulary table. An unknown name that Keras has is
 * unsupported (no suggestion); another gets a did-you-mean when one is close.
 */
function lookup<T>(c: { name: string; span: Span }, table: Readonly<Record<string, T>>, what: Vocabulary, sink: Sink, extra: readonly string[] = []): T | undefined {
  if (has(table, c.name)) return table[c.name]!;
  if (unsupported[what].includes(c.name)) {
    sink.diags.push(makeDiagnostic("keras_unsupported", c.span, { what, name: c.name, supported: supportedList(table, extra) }));
    return undefined;
  }
  const hint = suggestName(c.name, [...Object.keys(table), ...extra]);
  const code = what === "loss" ? "loss_unknown" : what === "optimizer" ? "optimizer_unknown" : "metric_unknown";
  sink.diags.push(makeDiagnostic(code, c.span, { name: c.name }, hint !== undefined ? { suggestion: hint } : {}));
  return undefined;
}

function resolveLoss(v: ValueNode, sink: Sink): LossSpec | undefined {
  const c = calleeOf(v);
  if (!c) {
    sink.diags.push(makeDiagnostic("arg_type", v.span, { name: "loss", expected: "a loss name or call", got: describeValue(v) }));
    return undefined;
  }
  const entry = lookup(c, lossNames, "loss", sink);
  if (entry === undefined) return undefined;
  const { values, ok } = resolveArgs(c.name, v.span, v.kind === "Call" ? v.args : [], entry.args, sink);
  if (!ok) return undefined;
  return lossSpec(entry, values);
}

function resolveOptimizer(v: ValueNode | undefined, sink: Sink): OptimizerSpec | undefined {
  const c = v ? calleeOf(v) : { name: "rmsprop", span: { start: 0, end: 0 } };
  if (!c) {
    sink.diags.push(makeDiagnostic("arg_type", v!.span, { name: "optimizer", expected: "an optimizer name or call", got: describeValue(v!) }));
    return undefined;
  }
  const entry = lookup(c, optimizerNames, "optimizer", sink);
  if (entry === undefined) return undefined;
  let args = v?.kind === "Call" ? v.args : [];
  // learning_rate=ExponentialDecay(…): a schedule instead of a number
  let schedule: ScheduleSpec | null = null;
  const at = args.findIndex((a, k) => (a.name ? a.name.name === "learning_rate" : k === 0));
  const lrNode = args[at]?.value;
  if (lrNode?.kind === "Call") {
    const s = resolveSchedule(lrNode, sink);
    if (s === undefined) return undefined;
    schedule = s;
    args = args.filter((_, k) => k !== at);
  }
  const span = v?.span ?? c.span;
  const { values: a, ok } = resolveArgs(c.name, span, args, entry.args, sink);
  if (!ok) return undefined;
  const common = commonOptions(a, span, sink);
  if (common === undefined) return undefined;
  const learningRate = schedule ? scheduleAt(schedule, 0) : (a["learning_rate"] as number);
  return { ...entry.build(a), learningRate, schedule, ...common } as OptimizerSpec;
}

/** Keras 3 get_metric: accuracy is binary for one output unit, sparse for class-id targets, else categorical. */
function accuracyKind(output: OutputInfo | undefined, loss: LossSpec | undefined): MetricSpec["kind"] {
  if (loss?.name === "sparse_categorical_crossentropy") return "sparse_categorical_accuracy";
  const last = output?.shape[output.shape.length - 1] ?? 2;
  return last === 1 ? "binary_accuracy" : "categorical_accuracy";
}

function resolveMetrics(v: ValueNode | undefined, output: OutputInfo | undefined, loss: LossSpec | undefined, sink: Sink): MetricSpec[] | undefined {
  if (v === undefined || v.kind === "None") return [];
  const items = v.kind === "List" || v.kind === "Tuple" ? v.items : [v];
  const out: MetricSpec[] = [];
  let ok = true;
  for (const item of items) {
    const c = calleeOf(item);
    if (!c) {
      sink.diags.push(makeDiagnostic("arg_type", item.span, { name: "metrics", expected: "a metric name such as 'accuracy' or a call such as Precision()", got: describeValue(item) }));
      ok = false;
      continue;
    }
    if (item.kind !== "Call" && (c.name.toLowerCase() === "accuracy" || c.name.toLowerCase() === "acc")) {
      let name = c.name;
      for (let i = 1; out.some((m) => m.name === name); i++) name = `${c.name}_${i}`;
      out.push({ name, kind: accuracyKind(output, loss) });
      continue;
    }
    const entry = lookup(c, metricNames, "metric", sink, ["accuracy"]);
    if (entry === undefined) {
      ok = false;
      continue;
    }
    const { values, ok: argsOk } = resolveArgs(c.name, item.span, item.kind === "Call" ? item.args : [], entry.args, sink);
    if (!argsOk) {
      ok = false;
      continue;
    }
    const wanted = (values["name"] as string | null) ?? (item.kind === "Call" ? entry.defaultName : c.name);
    // Keras makes a repeated name unique: auc, auc_1, auc_2, …
    let name = wanted;
    for (let i = 1; out.some((m) => m.name === name); i++) name = `${wanted}_${i}`;
    const spec: { -readonly [K in keyof MetricSpec]: MetricSpec[K] } = { name, kind: entry.kind };
    const threshold = values["threshold"] ?? values["thresholds"];
    if (typeof threshold === "number") spec.threshold = threshold;
    if (typeof values["k"] === "number") spec.k = values["k"];
    if (typeof values["num_thresholds"] === "number") spec.numThresholds = values["num_thresholds"];
    if (typeof values["average"] === "string") spec.average = values["average"] as MetricSpec["average"];
    if (typeof values["beta"] === "number" && values["beta"] !== 1) spec.beta = values["beta"];
    out.push(spec);
  }
  return ok ? out : undefined;
}

export interface OutputInfo {
  readonly shape: Shape;
  readonly activation: ActivationName | undefined;
  readonly layerName: string;
}

export function checkCompile(stmt: CallNode, output: OutputInfo | undefined, sink: Sink): TrainingIR | undefined {
  const before = sink.diags.length;
  const nodes = bindArgs("compile", stmt.args, schema, sink);
  // one output: each argument may still be given per output, `[…]` or `{'name': …}`, as Keras allows
  const outputs = [{ name: output?.layerName ?? "", span: stmt.span }];
  const weights = nodes.get("loss_weights");
  if (weights) {
    // one output: a single weight scales the loss (and its gradient), as Keras does
    const w = perOutput(weights.value, "loss_weights", outputs, sink);
    const value = w?.[0];
    if (value === undefined) return undefined;
    if (value.kind !== "Number" || !(value.value >= 0)) {
      sink.diags.push(makeDiagnostic("arg_type", value.span, { name: "loss_weights", expected: "a non-negative number", got: describeValue(value) }));
      return undefined;
    }
    if (value.value !== 1) {
      const t = checkCompile({ ...stmt, args: stmt.args.filter((a) => a !== weights) }, output, sink);
      return t && { ...t, outputs: [{ loss: t.loss, weight: value.value, metrics: t.metrics }] };
    }
  }
  const lossNode = nodes.get("loss");
  if (lossNode === undefined) {
    sink.diags.push(makeDiagnostic("arg_missing", stmt.span, { callee: "compile", name: "loss" }));
    return undefined;
  }
  const lossValue = perOutput(lossNode.value, "loss", outputs, sink);
  if (lossValue === undefined) return undefined;
  if (lossValue[0] === undefined) {
    sink.diags.push(makeDiagnostic("loss_count", lossNode.value.span, { arg: "loss", count: 0, outputs: 1 }));
    return undefined;
  }
  const loss = resolveLoss(lossValue[0], sink);
  const optimizer = resolveOptimizer(nodes.get("optimizer")?.value, sink);
  const metricNode = nodes.get("metrics")?.value;
  const metricValue = metricNode !== undefined && nestedMetrics(metricNode) ? perOutput(metricNode, "metrics", outputs, sink) : [metricNode];
  const metrics = metricValue && resolveMetrics(metricValue[0], output, loss, sink);
  if (!loss || !optimizer || !metrics || sink.diags.length > before) return undefined;
  if (output) checkPairing(loss, lossValue[0].span, output, sink);
  return { loss, optimizer, metrics };
}

/** Metrics given per output: a dict, or a list of lists (a flat list of names applies to every output). */
function nestedMetrics(v: ValueNode): boolean {
  return isDict(v) || ((v.kind === "List" || v.kind === "Tuple") && v.items.some((i) => i.kind === "List" || i.kind === "Tuple"));
}

function checkPairing(loss: LossSpec, span: Span, out: OutputInfo, sink: Sink): void {
  const act = out.activation ?? "linear";
  const warn = (problem: string) =>
    sink.diags.push(makeDiagnostic("loss_activation_mismatch", span, { loss: loss.name, activation: act, problem }));
  const categorical = loss.name === "categorical_crossentropy" || loss.name === "sparse_categorical_crossentropy" || loss.name === "categorical_focal_crossentropy";
  const binary = loss.name === "binary_crossentropy" || loss.name === "binary_focal_crossentropy";
  if (categorical && !loss.fromLogits && act !== "softmax") {
    warn(`expects probabilities that sum to 1: use activation='softmax' on \`${out.layerName}\`, or from_logits=True`);
  } else if (categorical && loss.fromLogits && (act === "softmax" || act === "sigmoid")) {
    warn(`with from_logits=True applies softmax twice: use a linear output on \`${out.layerName}\``);
  } else if (binary && !loss.fromLogits && act !== "sigmoid") {
    warn(`expects probabilities in (0, 1): use activation='sigmoid' on \`${out.layerName}\`, or from_logits=True`);
  } else if (binary && loss.fromLogits && act === "sigmoid") {
    warn(`with from_logits=True applies the sigmoid twice: use a linear output on \`${out.layerName}\``);
  }
}

/** One model output as compile(...) sees it: its name (the key of loss dicts) and what checkPairing needs. */
export interface NamedOutput extends OutputInfo {
  readonly name: string;
  readonly span: Span;
}

/**
 * Spreads a per-output argument over the outputs, as Keras does: one value
 * for every output, a list with one entry per output (in `outputs=`
 * order), or `dict(name=value, ...)` keyed by output name. Undefined after reporting.
 */
function perOutput(v: ValueNode, arg: string, outputs: readonly { name: string; span: Span }[], sink: Sink): (ValueNode | undefined)[] | undefined {
  if (v.kind === "List" || v.kind === "Tuple") {
    if (v.items.length !== outputs.length) {
      sink.diags.push(makeDiagnostic("loss_count", v.span, { arg, count: v.items.length, outputs: outputs.length }));
      return undefined;
    }
    return [...v.items];
  }
  const byName = dictOf(v, sink);
  if (byName === null) return outputs.map(() => v);
  return byName && spread(byName, v.span, arg, outputs, sink);
}

const isDict = (v: ValueNode) => v.kind === "Dict" || (v.kind === "Call" && v.callee.name === "dict");

/**
 * The entries of `{'out': v, ...}` or of `dict(out=v, ...)`, which mean the
 * same; null when `v` is neither. Keys must be strings, each given once
 * (positioned errors, then undefined).
 */
function dictOf(v: ValueNode, sink: Sink): Map<string, ValueNode> | null | undefined {
  if (!isDict(v)) return null;
  const entries =
    v.kind === "Dict"
      ? v.entries.map((e) => ({ key: e.key.kind === "String" ? e.key.value : undefined, span: e.key.span, got: describeValue(e.key), value: e.value }))
      : v.kind === "Call"
        ? v.args.map((a) => ({ key: a.name?.name, span: a.name?.span ?? a.span, got: "a positional argument", value: a.value }))
        : [];
  const byName = new Map<string, ValueNode>();
  const first = new Map<string, Span>();
  let ok = true;
  for (const e of entries) {
    if (e.key === undefined) {
      sink.diags.push(makeDiagnostic("dict_key_invalid", e.span, { got: e.got }));
      ok = false;
    } else if (first.has(e.key)) {
      sink.diags.push(makeDiagnostic("dict_key_duplicate", e.span, { key: `'${e.key}'` }, { related: [{ message: "first given here", span: first.get(e.key)! }] }));
      ok = false;
    } else {
      first.set(e.key, e.span);
      byName.set(e.key, e.value);
    }
  }
  return ok ? byName : undefined;
}

function spread(byName: ReadonlyMap<string, ValueNode>, span: Span, arg: string, outputs: readonly { name: string }[], sink: Sink): (ValueNode | undefined)[] | undefined {
  const names = outputs.map((o) => o.name);
  for (const key of byName.keys()) {
    if (!names.includes(key)) {
      const hint = suggestName(key, names);
      sink.diags.push(makeDiagnostic("model_io_invalid", span, { name: key, reason: `in \`${arg}\` is not the name of an output (${names.join(", ")})` }, hint !== undefined ? { suggestion: hint } : {}));
      return undefined;
    }
  }
  return outputs.map((o) => byName.get(o.name));
}

/**
 * compile(...) of a model with several outputs: `loss`, `loss_weights` and
 * `metrics` per output (Keras 3: the total loss is Σ weight·loss; an
 * output without a loss in a dict is an error here, as it would not train).
 */
export function checkCompileOutputs(stmt: CallNode, outputs: readonly NamedOutput[], sink: Sink): TrainingIR | undefined {
  const before = sink.diags.length;
  const nodes = bindArgs("compile", stmt.args, schema, sink);
  const lossNode = nodes.get("loss");
  if (lossNode === undefined) {
    sink.diags.push(makeDiagnostic("arg_missing", stmt.span, { callee: "compile", name: "loss" }));
    return undefined;
  }
  const optimizer = resolveOptimizer(nodes.get("optimizer")?.value, sink);
  const lossValues = perOutput(lossNode.value, "loss", outputs, sink);
  const weightNode = nodes.get("loss_weights");
  const weightValues = weightNode ? perOutput(weightNode.value, "loss_weights", outputs, sink) : outputs.map(() => undefined);
  const metricNode = nodes.get("metrics")?.value;
  const metricValues = metricNode !== undefined && nestedMetrics(metricNode) ? perOutput(metricNode, "metrics", outputs, sink) : outputs.map(() => metricNode);
  if (!optimizer || !lossValues || !weightValues || !metricValues) return undefined;
  const heads = outputs.map((o, k) => {
    const lv = lossValues[k];
    if (lv === undefined) {
      sink.diags.push(makeDiagnostic("loss_count", lossNode.value.span, { arg: "loss", count: outputs.length - lossValues.filter((x) => x === undefined).length, outputs: outputs.length }));
      return undefined;
    }
    const loss = resolveLoss(lv, sink);
    const wv = weightValues[k];
    let weight = 1;
    if (wv !== undefined) {
      if (wv.kind !== "Number" || !(wv.value >= 0)) {
        sink.diags.push(makeDiagnostic("arg_type", wv.span, { name: "loss_weights", expected: "a non-negative number", got: describeValue(wv) }));
        return undefined;
      }
      weight = wv.value;
    }
    const metrics = resolveMetrics(metricValues[k], o, loss, sink);
    if (!loss || !metrics) return undefined;
    checkPairing(loss, lv.span, o, sink);
    return { loss, weight, metrics };
  });
  if (heads.some((h) => h === undefined) || sink.diags.slice(before).some((d) => d.severity === "error")) return undefined;
  const all = heads as { loss: LossSpec; weight: number; metrics: MetricSpec[] }[];
  return { loss: all[0]!.loss, optimizer, metrics: all[0]!.metrics, outputs: all };
}
