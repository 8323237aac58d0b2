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
  const lossNode = nodes.get("loss");
  if (lossNode === undefined) {
    sink.diags.push(makeDiagnostic("arg_missing", stmt.span, { callee: "compile", name: "loss" }));
    return undefined;
  }
  const loss = resolveLoss(lossNode.value, sink);
  const optimizer = resolveOptimizer(nodes.get("optimizer")?.value, sink);
  const metrics = resolveMetrics(nodes.get("metrics")?.value, output, loss, sink);
  if (!loss || !optimizer || !metrics || sink.diags.length > before) return undefined;
  if (output) checkPairing(loss, lossNode.value.span, output, sink);
  return { loss, optimizer, metrics };
}

function checkPairing(loss: LossSpec, span: Span, out: OutputInfo, sink: Sink): void {
  const act = out.activation ?? "linear";
  const shape = `(None, ${out.shape.join(", ")})`;
  if (loss.name === "sparse_categorical_crossentropy" && out.shape.length !== 1) {
    sink.diags.push(makeDiagnostic("loss_output_mismatch", span, { loss: loss.name, needs: "a vector output (one score per class)", shape }));
    return;
  }
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
