/**
 * `compile(optimizer=..., loss=..., metrics=[...])`: resolves the training
 * configuration and warns about output activation / loss pairings that
 * Keras would train silently but badly.
 */
import type { CallNode, ValueNode } from "../1-parse/ast.js";
import type { ActivationName, Shape, TrainingIR } from "../../ir/model-ir.js";
import type { LossSpec, MetricName, OptimizerSpec } from "../../runtime/spec.js";
import { makeDiagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import { bindArgs, describeValue, resolveArgs, suggestName, type Sink } from "./args.js";
import { has, lossNames, metricNames, optimizerNames } from "./vocabulary.js";
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

/** Looks a name up in a vocabulary table; reports `code` with a did-you-mean when it is unknown. */
function lookup<T>(
  c: { name: string; span: Span },
  table: Readonly<Record<string, T>>,
  code: "loss_unknown" | "optimizer_unknown" | "metric_unknown",
  sink: Sink,
): T | undefined {
  if (has(table, c.name)) return table[c.name]!;
  const hint = suggestName(c.name, Object.keys(table));
  sink.diags.push(makeDiagnostic(code, c.span, { name: c.name }, hint !== undefined ? { suggestion: hint } : {}));
  return undefined;
}

function resolveLoss(v: ValueNode, sink: Sink): LossSpec | undefined {
  const c = calleeOf(v);
  if (!c) {
    sink.diags.push(makeDiagnostic("arg_type", v.span, { name: "loss", expected: "a loss name or call", got: describeValue(v) }));
    return undefined;
  }
  const entry = lookup(c, lossNames, "loss_unknown", sink);
  if (entry === undefined) return undefined;
  const { values, ok } = resolveArgs(c.name, v.span, v.kind === "Call" ? v.args : [], entry.args, sink);
  if (!ok) return undefined;
  return { name: entry.name, fromLogits: values["from_logits"] === true };
}

function resolveOptimizer(v: ValueNode | undefined, sink: Sink): OptimizerSpec | undefined {
  const c = v ? calleeOf(v) : { name: "rmsprop", span: { start: 0, end: 0 } };
  if (!c) {
    sink.diags.push(makeDiagnostic("arg_type", v!.span, { name: "optimizer", expected: "an optimizer name or call", got: describeValue(v!) }));
    return undefined;
  }
  const entry = lookup(c, optimizerNames, "optimizer_unknown", sink);
  if (entry === undefined) return undefined;
  const { values: a, ok } = resolveArgs(c.name, v?.span ?? c.span, v?.kind === "Call" ? v.args : [], entry.args, sink);
  if (!ok) return undefined;
  const n = (k: string) => a[k] as number;
  switch (entry.name) {
    case "sgd":
      return { name: "sgd", learningRate: n("learning_rate"), momentum: n("momentum"), nesterov: a["nesterov"] === true };
    case "adam":
      return { name: "adam", learningRate: n("learning_rate"), beta1: n("beta_1"), beta2: n("beta_2"), epsilon: n("epsilon") };
    case "rmsprop":
      return { name: "rmsprop", learningRate: n("learning_rate"), rho: n("rho"), momentum: n("momentum"), epsilon: n("epsilon") };
  }
}

function resolveMetrics(v: ValueNode | undefined, sink: Sink): MetricName[] | undefined {
  if (v === undefined || v.kind === "None") return [];
  const items = v.kind === "List" || v.kind === "Tuple" ? v.items : [v];
  const out: MetricName[] = [];
  for (const item of items) {
    const c = calleeOf(item);
    if (!c || item.kind === "Call") {
      sink.diags.push(makeDiagnostic("arg_type", item.span, { name: "metrics", expected: "a metric name such as 'accuracy'", got: describeValue(item) }));
      return undefined;
    }
    const metric = lookup(c, metricNames, "metric_unknown", sink);
    if (metric === undefined) return undefined;
    if (!out.includes(metric)) out.push(metric);
  }
  return out;
}

export interface OutputInfo {
  readonly shape: Shape;
  readonly activation: ActivationName | undefined;
  readonly layerName: string;
}

export function checkCompile(stmt: CallNode, output: OutputInfo | undefined, sink: Sink): TrainingIR | undefined {
  const before = sink.diags.length;
  const nodes = bindArgs("compile", stmt.args, schema, sink);
  const weights = nodes.get("loss_weights");
  if (weights) {
    // one output: a single weight scales the loss (and its gradient), as Keras does
    const w = perOutput(weights.value, "loss_weights", [{ name: output?.layerName ?? "", span: stmt.span }], sink);
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
  const loss = resolveLoss(lossNode.value, sink);
  const optimizer = resolveOptimizer(nodes.get("optimizer")?.value, sink);
  const metrics = resolveMetrics(nodes.get("metrics")?.value, sink);
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
  const categorical = loss.name === "categorical_crossentropy" || loss.name === "sparse_categorical_crossentropy";
  if (categorical && !loss.fromLogits && act !== "softmax") {
    warn(`expects probabilities that sum to 1: use activation='softmax' on \`${out.layerName}\`, or from_logits=True`);
  } else if (categorical && loss.fromLogits && (act === "softmax" || act === "sigmoid")) {
    warn(`with from_logits=True applies softmax twice: use a linear output on \`${out.layerName}\``);
  } else if (loss.name === "binary_crossentropy" && !loss.fromLogits && act !== "sigmoid") {
    warn(`expects probabilities in (0, 1): use activation='sigmoid' on \`${out.layerName}\`, or from_logits=True`);
  } else if (loss.name === "binary_crossentropy" && loss.fromLogits && act === "sigmoid") {
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
  if (v.kind === "Call" && v.callee.name === "dict") {
    const byName = new Map(v.args.map((a) => [a.name?.name ?? "", a.value]));
    return spread(byName, v.span, arg, outputs, sink);
  }
  return outputs.map(() => v);
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
  // a flat list of names applies to every output; a list of lists or a dict gives each its own
  const nested = metricNode !== undefined && ((metricNode.kind === "Call" && metricNode.callee.name === "dict") || ((metricNode.kind === "List" || metricNode.kind === "Tuple") && metricNode.items.some((i) => i.kind === "List" || i.kind === "Tuple")));
  const metricValues = nested ? perOutput(metricNode, "metrics", outputs, sink) : outputs.map(() => metricNode);
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
    const metrics = resolveMetrics(metricValues[k], sink);
    if (!loss || !metrics) return undefined;
    checkPairing(loss, lv.span, o, sink);
    return { loss, weight, metrics };
  });
  if (heads.some((h) => h === undefined) || sink.diags.slice(before).some((d) => d.severity === "error")) return undefined;
  const all = heads as { loss: LossSpec; weight: number; metrics: MetricName[] }[];
  return { loss: all[0]!.loss, optimizer, metrics: all[0]!.metrics, outputs: all };
}
