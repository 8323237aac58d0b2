/**
 * `kernel_regularizer=` / `bias_regularizer=` and `kernel_constraint=` /
 * `bias_constraint=`: Keras 3's regularizers (L1, L2, L1L2 and their
 * strings `l1`, `l2`, `l1_l2`) and constraints (MaxNorm, MinMaxNorm,
 * NonNeg, UnitNorm and their snake_case strings), with Keras's defaults.
 */
import type { ValueNode } from "../1-parse/ast.js";
import type { ArgSpec } from "../../layers/types.js";
import type { ConstraintSpec, RegularizerSpec } from "../../runtime/spec.js";
import { makeDiagnostic } from "../../diagnostics/diagnostic.js";
import { describeValue, resolveArgs, type Sink } from "./args.js";
import { has } from "./vocabulary.js";

const float = (name: string, v: number, positional = true): ArgSpec => ({ name, type: { t: "float", min: 0 }, default: v, positional });

/** Keras regularizer classes and strings → argument schema (interop translates Keras configs through it). */
export const regularizers: Readonly<Record<string, { args: ArgSpec[]; build: (a: Record<string, unknown>) => RegularizerSpec }>> = (() => {
  const l1 = { args: [float("l1", 0.01)], build: (a: Record<string, unknown>) => ({ l1: a["l1"] as number, l2: 0 }) };
  const l2 = { args: [float("l2", 0.01)], build: (a: Record<string, unknown>) => ({ l1: 0, l2: a["l2"] as number }) };
  // Keras 3: L1L2 (and its string 'l1l2') default to 0 and 0
  const l1l2 = { args: [float("l1", 0), float("l2", 0)], build: (a: Record<string, unknown>) => ({ l1: a["l1"] as number, l2: a["l2"] as number }) };
  return { L1: l1, l1, L2: l2, l2, L1L2: l1l2, l1l2 };
})();

// Keras: an axis or a list/tuple of axes of the weight (negatives count from the end; checked against the weight's rank)
const axisArg: ArgSpec = { name: "axis", type: { t: "axes" }, default: [0] };
/** Keras constraint classes and strings → argument schema. */
export const constraints: Readonly<Record<string, { args: ArgSpec[]; build: (a: Record<string, unknown>) => ConstraintSpec }>> = (() => {
  const axis = (a: Record<string, unknown>) => a["axis"] as number[];
  const maxNorm = { args: [float("max_value", 2), { ...axisArg, positional: true }], build: (a: Record<string, unknown>) => ({ name: "max_norm" as const, maxValue: a["max_value"] as number, axis: axis(a) }) };
  const minMax = {
    args: [float("min_value", 0), float("max_value", 1), { name: "rate", type: { t: "float", min: 0, max: 1 }, default: 1, positional: true } as ArgSpec, { ...axisArg, positional: true }],
    build: (a: Record<string, unknown>) => ({ name: "min_max_norm" as const, minValue: a["min_value"] as number, maxValue: a["max_value"] as number, rate: a["rate"] as number, axis: axis(a) }),
  };
  const nonNeg = { args: [], build: () => ({ name: "non_neg" as const }) };
  const unit = { args: [{ ...axisArg, positional: true }], build: (a: Record<string, unknown>) => ({ name: "unit_norm" as const, axis: axis(a) }) };
  return { MaxNorm: maxNorm, max_norm: maxNorm, MinMaxNorm: minMax, min_max_norm: minMax, NonNeg: nonNeg, non_neg: nonNeg, UnitNorm: unit, unit_norm: unit };
})();

function convert<T>(v: ValueNode, name: string, table: Readonly<Record<string, { args: ArgSpec[]; build: (a: Record<string, unknown>) => T }>>, what: string, sink: Sink): T | undefined {
  const callee = v.kind === "Call" ? v.callee.name : v.kind === "String" ? v.value : v.kind === "Name" ? v.name : undefined;
  if (callee === undefined) {
    sink.diags.push(makeDiagnostic("arg_type", v.span, { name, expected: `a ${what} such as ${Object.keys(table)[0]}(…)`, got: describeValue(v) }));
    return undefined;
  }
  if (!has(table, callee)) {
    const supported = Object.keys(table).filter((k) => /^[A-Z]/.test(k)).join(", ");
    sink.diags.push(makeDiagnostic("keras_unsupported", v.kind === "Call" ? v.callee.span : v.span, { what, name: callee, supported }));
    return undefined;
  }
  const entry = table[callee]!;
  const { values, ok } = resolveArgs(callee, v.span, v.kind === "Call" ? v.args : [], entry.args, sink);
  return ok ? entry.build(values) : undefined;
}

export const convertRegularizer = (v: ValueNode, name: string, sink: Sink) => convert(v, name, regularizers, "regularizer", sink);
export const convertConstraint = (v: ValueNode, name: string, sink: Sink) => convert(v, name, constraints, "constraint", sink);
