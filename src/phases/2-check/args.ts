/**
 * Binding call arguments to a schema (positional then keyword, as Python),
 * and converting AST values to resolved attribute values by argument type.
 * Every problem becomes a diagnostic; nothing throws. A conversion that
 * fails yields INVALID so checking can continue with the rest.
 */
import type { ArgNode, ValueNode } from "../1-parse/ast.js";
import type { AttrValue } from "../../ir/model-ir.js";
import type { ArgSpec, ArgType } from "../../layers/types.js";
import type { InitializerSpec } from "../../runtime/spec.js";
import { makeDiagnostic, suggest, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import { activationNames, has, initializerNames } from "./vocabulary.js";
import { layers, lookupLayer } from "../../layers/registry.js";
import { activityRegularizerArg } from "../../layers/common.js";
import { convertConstraint, convertRegularizer } from "./weight-options.js";

export const INVALID = Symbol("invalid");
export type Converted = AttrValue | typeof INVALID;

export interface Sink {
  readonly diags: Diagnostic[];
}

/** Argument names from older Keras versions, mapped to their Keras 3 names (used only as suggestions). */
const kerasRenames: Readonly<Record<string, string>> = { lr: "learning_rate", init: "kernel_initializer" };

/**
 * The closest candidate written in the same style (a leading capital or
 * not), so `Constan` suggests `Constant` rather than `constant`; any
 * candidate when none of that style is close.
 */
export function suggestName(name: string, candidates: readonly string[]): string | undefined {
  const upper = (s: string) => /^[A-Z]/.test(s);
  return suggest(name, candidates.filter((c) => upper(c) === upper(name))) ?? suggest(name, candidates);
}

/** Binds args to schema names. Reports unknown, duplicate and misplaced args. */
export function bindArgs(
  callee: string,
  args: readonly ArgNode[],
  schema: readonly ArgSpec[],
  sink: Sink,
): Map<string, ArgNode> {
  const bound = new Map<string, ArgNode>();
  const positional = schema.filter((s) => s.positional);
  let seenKeyword = false;
  let lastKeyword = "";
  let pos = 0;
  let tooMany = false;
  for (const arg of args) {
    if (arg.name === undefined) {
      if (seenKeyword) {
        sink.diags.push(makeDiagnostic("arg_positional_after_keyword", arg.span, { keyword: lastKeyword }));
        // Still bind it to its slot (when free), so the same mistake is not also reported as a missing argument.
        const spec = positional[pos++];
        if (spec !== undefined && !bound.has(spec.name)) bound.set(spec.name, arg);
        continue;
      }
      const spec = positional[pos++];
      if (spec === undefined) {
        // reported once per call, at the first extra argument
        if (!tooMany) {
          sink.diags.push(
            makeDiagnostic("arg_too_many_positional", arg.span, {
              callee,
              max: positional.length,
              count: args.filter((a) => a.name === undefined).length,
            }),
          );
        }
        tooMany = true;
        continue;
      }
      bound.set(spec.name, arg);
      continue;
    }
    seenKeyword = true;
    const name = arg.name.name;
    lastKeyword = name;
    if (arg.name.missing) continue;
    if (!schema.some((s) => s.name === name) && /_(regularizer|constraint)$/.test(name)) {
      // a Keras weight option this layer does not take: never suggest a different argument (kernel_regularizer → kernel_initializer)
      const options = schema.filter((s) => /_(regularizer|constraint)$/.test(s.name)).map((s) => s.name);
      sink.diags.push(makeDiagnostic("keras_unsupported", arg.name.span, { what: `${callee} argument`, name, supported: options.length ? options.join(", ") : "none" }));
      continue;
    }
    if (!schema.some((s) => s.name === name)) {
      const renamed = kerasRenames[name];
      const hint = renamed !== undefined && schema.some((s) => s.name === renamed) ? renamed : suggest(name, schema.map((s) => s.name));
      sink.diags.push(
        makeDiagnostic("arg_unknown", arg.name.span, { callee, name }, hint !== undefined ? { suggestion: hint } : {}),
      );
      continue;
    }
    if (bound.has(name)) {
      sink.diags.push(
        makeDiagnostic("arg_duplicate", arg.name.span, { name }, {
          related: [{ message: `first given here`, span: bound.get(name)!.span }],
        }),
      );
      continue;
    }
    bound.set(name, arg);
  }
  return bound;
}

/** Binds and converts; missing required args are reported at `callSpan`. */
export function resolveArgs(
  callee: string,
  callSpan: Span,
  args: readonly ArgNode[],
  schema: readonly ArgSpec[],
  sink: Sink,
): { values: Record<string, AttrValue>; ok: boolean; nodes: Map<string, ArgNode> } {
  const before = sink.diags.length;
  const nodes = bindArgs(callee, args, schema, sink);
  const values: Record<string, AttrValue> = {};
  let ok = true;
  for (const spec of schema) {
    const node = nodes.get(spec.name);
    if (node === undefined) {
      if (spec.required) {
        sink.diags.push(makeDiagnostic("arg_missing", callSpan, { callee, name: spec.name }));
        ok = false;
      } else values[spec.name] = spec.default ?? null;
      continue;
    }
    const v = convertValue(node.value, spec.type, spec.name, sink);
    if (v === INVALID) {
      // reported; later reads of this argument see its default, never a value of the wrong type
      ok = false;
      values[spec.name] = spec.default ?? null;
    } else values[spec.name] = v;
  }
  return { values, ok: ok && sink.diags.length === before, nodes };
}

export function describeValue(v: ValueNode): string {
  switch (v.kind) {
    case "Number":
      return v.isInteger ? `integer ${v.raw}` : `number ${v.raw}`;
    case "String":
      return `string ${v.raw}`;
    case "Bool":
      return `boolean ${v.raw}`;
    case "None":
      return v.raw;
    case "Name":
      return `name \`${v.name}\``;
    case "Tuple":
      return "a tuple";
    case "List":
      return "a list";
    case "Call":
      return `call \`${v.callee.name}(...)\``;
    case "LayerCall":
      return `a layer call \`${v.layer.callee.name}(...)(...)\``;
    case "Dict":
      return "a dict";
  }
}

function typeError(sink: Sink, v: ValueNode, name: string, expected: string): typeof INVALID {
  sink.diags.push(makeDiagnostic("arg_type", v.span, { name, expected, got: describeValue(v) }));
  return INVALID;
}

/** A string literal or bare name, as Keras accepts for enumerated things. */
function nameOf(v: ValueNode): string | undefined {
  if (v.kind === "String") return v.value;
  if (v.kind === "Name") return v.name;
  return undefined;
}

export function convertValue(v: ValueNode, type: ArgType, name: string, sink: Sink): Converted {
  switch (type.t) {
    case "nullable":
      return v.kind === "None" ? null : convertValue(v, type.inner, name, sink);
    case "int": {
      if (v.kind !== "Number" || !v.isInteger) return typeError(sink, v, name, "an integer");
      return checkRange(v, v.value, type, name, sink);
    }
    case "float": {
      if (v.kind !== "Number") return typeError(sink, v, name, "a number");
      return checkRange(v, v.value, type, name, sink);
    }
    case "bool":
      return v.kind === "Bool" ? v.value : typeError(sink, v, name, "True or False");
    case "string":
      return v.kind === "String" ? v.value : typeError(sink, v, name, "a string");
    case "enum": {
      const s = nameOf(v);
      if (s === undefined) return typeError(sink, v, name, `one of ${type.values.map((x) => `'${x}'`).join(", ")}`);
      const lower = s.toLowerCase();
      if (type.values.includes(lower)) return lower;
      const hint = suggest(s, type.values);
      sink.diags.push(
        makeDiagnostic(
          "arg_enum",
          v.span,
          { name, options: type.values.map((x) => `'${x}'`).join(", "), got: `'${s}'` },
          hint !== undefined ? { suggestion: hint } : {},
        ),
      );
      return INVALID;
    }
    case "shape":
      return convertShape(v, name, type.allowMinusOne ?? false, sink, type.allowNone ?? false);
    case "ints": {
      if (v.kind === "Number" && v.isInteger) {
        const n = checkRange(v, v.value, { min: type.min }, name, sink);
        return n === INVALID ? n : Array.from({ length: type.rank }, () => n as number);
      }
      if ((v.kind === "Tuple" || v.kind === "List") && v.items.length === type.rank) {
        const out: number[] = [];
        for (const item of v.items) {
          if (item.kind !== "Number" || !item.isInteger) return typeError(sink, item, name, "an integer");
          const n = checkRange(item, item.value, { min: type.min }, name, sink);
          if (n === INVALID) return n;
          out.push(n as number);
        }
        return out;
      }
      return typeError(sink, v, name, type.rank === 1 ? "an integer" : `an integer or a tuple of ${type.rank} integers`);
    }
    case "axes":
      return convertNumbers(v, name, true, "an axis or a tuple of axes", sink);
    case "floats":
      return convertNumbers(v, name, false, "a number or a list of numbers", sink);
    case "pairs":
      return convertPairs(v, name, type.rank, sink);
    case "activation": {
      if (v.kind === "None") return "linear";
      const s = nameOf(v);
      if (s === undefined) return typeError(sink, v, name, "an activation name such as 'relu'");
      if (has(activationNames, s)) return activationNames[s]!;
      const hint = suggest(s, Object.keys(activationNames));
      sink.diags.push(makeDiagnostic("activation_unknown", v.span, { name: s }, hint !== undefined ? { suggestion: hint } : {}));
      return INVALID;
    }
    case "initializer":
      return convertInitializer(v, name, sink);
    case "layer":
      return convertLayer(v, type.recurrent === true, name, sink);
    case "regularizer":
      return convertRegularizer(v, name, sink) ?? INVALID;
    case "constraint":
      return convertConstraint(v, name, sink) ?? INVALID;
  }
}

const isSeq = (v: ValueNode): v is Extract<ValueNode, { kind: "Tuple" | "List" }> => v.kind === "Tuple" || v.kind === "List";

/** A number or a non-empty tuple/list of numbers (integers when `integer`), as a list. */
function convertNumbers(v: ValueNode, name: string, integer: boolean, expected: string, sink: Sink): Converted {
  const items = isSeq(v) ? v.items : [v];
  if (items.length === 0) return typeError(sink, v, name, expected);
  const out: number[] = [];
  for (const item of items) {
    if (item.kind !== "Number" || (integer && !item.isInteger)) return typeError(sink, item, name, integer ? "an integer" : "a number");
    out.push(item.value);
  }
  return out;
}

/** Non-negative (before, after) amounts per axis; see the `pairs` ArgType. */
function convertPairs(v: ValueNode, name: string, rank: number, sink: Sink): Converted {
  const count = (item: ValueNode): number | typeof INVALID => {
    if (item.kind !== "Number" || !item.isInteger) return typeError(sink, item, name, "an integer");
    return checkRange(item, item.value, { min: 0 }, name, sink) as number | typeof INVALID;
  };
  const expected = rank === 1 ? "an integer or a tuple of 2 integers" : `an integer, a tuple of ${rank} integers, or ${rank} tuples of 2 integers`;
  if (!isSeq(v)) {
    const n = count(v);
    return n === INVALID ? n : Array.from({ length: 2 * rank }, () => n);
  }
  const out: number[] = [];
  if (rank === 1) {
    if (v.items.length !== 2) return typeError(sink, v, name, expected);
    for (const item of v.items) {
      const n = count(item);
      if (n === INVALID) return n;
      out.push(n);
    }
    return out;
  }
  if (v.items.length !== rank) return typeError(sink, v, name, expected);
  for (const item of v.items) {
    const pair = isSeq(item) ? item.items : [item, item];
    if (pair.length !== 2) return typeError(sink, item, name, "a tuple of 2 integers");
    for (const p of pair) {
      const n = count(p);
      if (n === INVALID) return n;
      out.push(n);
    }
  }
  return out;
}

/** A layer call as an argument: resolved against its kind's own schema (and `name=`), as a statement would be. */
function convertLayer(v: ValueNode, recurrent: boolean, name: string, sink: Sink): Converted {
  const expected = recurrent ? "a recurrent layer such as LSTM(32)" : "a layer such as Dense(8)";
  if (v.kind !== "Call") return typeError(sink, v, name, expected);
  const def = lookupLayer(v.callee.name);
  if (!def) {
    const hint = suggestName(v.callee.name, Object.keys(layers));
    sink.diags.push(makeDiagnostic("layer_unknown", v.callee.span, { name: v.callee.name }, hint !== undefined ? { suggestion: hint } : {}));
    return INVALID;
  }
  if (recurrent && def.recurrent !== true) {
    sink.diags.push(makeDiagnostic("layer_not_recurrent", v.callee.span, { name: v.callee.name, arg: name }));
    return INVALID;
  }
  const { values, ok } = resolveArgs(v.callee.name, v.span, v.args, [...def.args, wrappedNameArg, activityRegularizerArg], sink);
  if (!ok) return INVALID;
  // the wrapper owns the weights and calls: a wrapped layer's regularizers and constraints would be ignored, so refuse them
  const refused = v.args.find((a) => a.name !== undefined && /_(regularizer|constraint)$/.test(a.name.name) && values[a.name.name] !== null);
  if (refused?.name) {
    sink.diags.push(makeDiagnostic("keras_unsupported", refused.name.span, { what: `argument of a wrapped ${v.callee.name}`, name: refused.name.name, supported: "none (regularizers and constraints work on unwrapped layers only)" }));
    return INVALID;
  }
  return { layer: v.callee.name, attrs: values };
}

const wrappedNameArg: ArgSpec = { name: "name", type: { t: "nullable", inner: { t: "string" } }, default: null };

function checkRange(
  v: ValueNode,
  n: number,
  type: { min?: number; max?: number; exclusiveMin?: boolean },
  name: string,
  sink: Sink,
): Converted {
  const { min, max, exclusiveMin } = type;
  const belowMin = min !== undefined && (exclusiveMin ? n <= min : n < min);
  const aboveMax = max !== undefined && n > max;
  if (!Number.isFinite(n) || belowMin || aboveMax) {
    const parts: string[] = [];
    if (min !== undefined) parts.push(exclusiveMin ? `> ${min}` : min === 1 && !exclusiveMin ? `positive` : `>= ${min}`);
    if (max !== undefined) parts.push(`<= ${max}`);
    const constraint = parts.length ? parts.join(" and ") : "finite";
    sink.diags.push(makeDiagnostic("arg_range", v.span, { name, constraint, got: v.kind === "Number" ? v.raw : String(n) }));
    return INVALID;
  }
  return n;
}

function convertShape(v: ValueNode, name: string, allowMinusOne: boolean, sink: Sink, allowNone = false): Converted {
  const got = v.kind === "Tuple" || v.kind === "List" ? formatShapeNode(v) : describeValue(v);
  if ((v.kind !== "Tuple" && v.kind !== "List") || v.items.length === 0) {
    sink.diags.push(makeDiagnostic("shape_invalid", v.span, { name, got }));
    return INVALID;
  }
  const out: number[] = [];
  let minusOnes = 0;
  for (const [position, item] of v.items.entries()) {
    if (item.kind === "None" && allowNone) {
      out.push(0);
      continue;
    }
    if (item.kind === "None") {
      const fixed = formatShapeNode({ ...v, items: v.items.map((it) => (it.kind === "None" ? { ...it, raw: "20" } : it)) });
      sink.diags.push(makeDiagnostic("shape_dynamic", item.span, { name, position, fixed }));
      return INVALID;
    }
    const ok = item.kind === "Number" && item.isInteger && (item.value > 0 || (allowMinusOne && item.value === -1));
    if (!ok) {
      sink.diags.push(makeDiagnostic("shape_invalid", item.span, { name, got }));
      return INVALID;
    }
    if (item.value === -1) minusOnes++;
    out.push(item.value);
  }
  if (minusOnes > 1) {
    sink.diags.push(makeDiagnostic("arg_range", v.span, { name, constraint: "a shape with at most one -1 (the one size to infer)", got }));
    return INVALID;
  }
  return out;
}

function formatShapeNode(v: ValueNode): string {
  if (v.kind === "Tuple" || v.kind === "List") {
    const inner = v.items.map(formatShapeNode);
    return v.kind === "List" ? `[${inner.join(", ")}]` : inner.length === 1 ? `(${inner[0]},)` : `(${inner.join(", ")})`;
  }
  if (v.kind === "Number" || v.kind === "String" || v.kind === "Bool" || v.kind === "None") return v.raw;
  if (v.kind === "Name") return v.name;
  if (v.kind === "Dict") return "{...}";
  return `${v.kind === "LayerCall" ? v.layer.callee.name : v.callee.name}(...)`;
}

function convertInitializer(v: ValueNode, name: string, sink: Sink): Converted {
  const callee = v.kind === "Call" ? v.callee : undefined;
  const s = callee ? callee.name : nameOf(v);
  if (s === undefined) return typeError(sink, v, name, "an initializer such as 'glorot_uniform' or RandomNormal(stddev=0.1)");
  if (!has(initializerNames, s)) {
    const hint = suggestName(s, Object.keys(initializerNames));
    sink.diags.push(
      makeDiagnostic("initializer_unknown", callee ? callee.span : v.span, { name: s }, hint !== undefined ? { suggestion: hint } : {}),
    );
    return INVALID;
  }
  const entry = initializerNames[s]!;
  const args = v.kind === "Call" ? v.args : [];
  const { values, ok } = resolveArgs(s, v.span, args, entry.args, sink);
  if (!ok) return INVALID;
  if (entry.name === "variance_scaling" && values["distribution"] === "normal") values["distribution"] = "truncated_normal";
  if (entry.name === "random_uniform" && (values["minval"] as number) >= (values["maxval"] as number)) {
    sink.diags.push(
      makeDiagnostic("arg_range", v.span, { name: "minval", constraint: "less than maxval", got: String(values["minval"]) }),
    );
    return INVALID;
  }
  return { name: entry.name, ...values } as InitializerSpec;
}
