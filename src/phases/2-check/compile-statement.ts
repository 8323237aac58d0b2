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
