/**
 * Every argument position of every call the language has — each layer's
 * schema (registry) plus the common `name=`/`input_shape=`, `Input(...)`,
 * model options, initializer, optimizer and loss calls, `compile(...)` —
 * given every kind of value, by keyword and by position. The checker must
 * answer each spec with diagnostics (never an exception), and a spec it
 * accepts must compile. Used by test/arg-matrix.test.ts (check) and
 * test/fuzz/args.fuzz.ts (check, compile and type-check).
 */
import { commonArgs, inputArgs, layers } from "../../src/layers/registry.js";
import type { ArgSpec, ArgType } from "../../src/layers/types.js";
import { initializerNames, lossNames, modelOptionArgs, optimizerNames } from "../../src/phases/2-check/vocabulary.js";

/** One value of every kind the grammar can write, including hostile ones. */
export const valueKinds: readonly string[] = [
  "0", "1", "2", "-1", "3.5", "-0.5", "1e309", "-1e309", "1e-320", "99999999999999999999", "4294967296",
  "'relu'", "'zeros'", "'x'", "''", "'same'", "'\u001b[2J\u0007'", "'a\u202eb'",
  "True", "False", "None", "relu", "dense1", "same", "x",
  "()", "(2,)", "(2, 2)", "(0,)", "(-1,)", "[2, 2]", "[]", "(1.5,)", "('a',)", "((2,),)", "(2, 2, 2, 2, 2, 2, 2, 2, 2)",
  "f()", "Zeros()", "RandomNormal(stddev=1)", "RandomNormal(stddev=x)", "Dense(1)", "LSTM(2)", "Bidirectional(LSTM(1))", "Adam(learning_rate=-1)", "f(x=1, 2)",
];

/** A value the type accepts, used to fill the arguments not under test. */
export function validValue(t: ArgType): string {
  switch (t.t) {
    case "nullable":
      return validValue(t.inner);
    case "int": {
      const v = Math.min(Math.max(2, t.min ?? 2), t.max ?? 2);
      return String(v);
    }
    case "float":
      return t.max !== undefined && t.max < 0.5 ? String(t.max) : "0.5";
    case "bool":
      return "True";
    case "enum":
      return `'${t.values[0]}'`;
    case "string":
      return "'x'";
    case "shape":
      return "(2,)";
    case "ints":
      return "2";
    case "axes":
      return "-1";
    case "floats":
      return "0.5";
    case "pairs":
      return "1";
    case "activation":
      return "'relu'";
    case "initializer":
      return "'zeros'";
    case "layer":
      return t.recurrent ? "LSTM(2)" : "Dense(2)";
    case "regularizer":
      return "'l2'";
    case "constraint":
      return "'non_neg'";
  }
}

export interface ArgCase {
  /** What the case exercises, e.g. `Dense units (keyword) = 'x'`. */
  readonly label: string;
  readonly source: string;
}

/** Calls `callee(...)` with `spec` under test set to `value`, by keyword and (when positional) by position. */
function callVariants(callee: string, schema: readonly ArgSpec[], value: string): { label: string; call: string }[] {
  const out: { label: string; call: string }[] = [];
  const positional = schema.filter((s) => s.positional);
  const fill = (skip: Set<string>) => schema.filter((s) => s.required && !skip.has(s.name)).map((s) => `${s.name}=${validValue(s.type)}`);
  for (const spec of schema) {
    out.push({ label: `${callee} ${spec.name} (keyword) = ${value}`, call: `${callee}(${[...fill(new Set([spec.name])), `${spec.name}=${value}`].join(", ")})` });
    const at = positional.indexOf(spec);
    if (at < 0) continue;
    const before = positional.slice(0, at);
    const args = [...before.map((s) => validValue(s.type)), value, ...fill(new Set([...before, spec].map((s) => s.name)))];
    out.push({ label: `${callee} ${spec.name} (position ${at}) = ${value}`, call: `${callee}(${args.join(", ")})` });
  }
  // one positional argument too many
  const all = positional.map((s) => validValue(s.type));
  out.push({ label: `${callee} extra positional = ${value}`, call: `${callee}(${[...all, value].join(", ")})` });
  return out;
}

/** An input shape a layer of this kind accepts (rank from its schema). */
function inputFor(kind: string): string {
  const def = layers[kind as keyof typeof layers];
  const rank = def.inputRank?.min ?? 1;
  const dims = Array.from({ length: rank }, (_, i) => (i === rank - 1 ? 2 : 6));
  return `Input(shape=(${dims.join(", ")}${rank === 1 ? "," : ""}))`;
}

const model = (body: string, options = "") => `model M${options} {\n  ${body}\n}\n`;
const trainable = (layer: string, compile: string) => `model M {\n  Input(shape=(3,))\n  ${layer}\n  ${compile}\n}\n`;

/** Every case; `values` defaults to all of {@link valueKinds}. */
export function argCases(values: readonly string[] = valueKinds): ArgCase[] {
  const cases: ArgCase[] = [];
  for (const value of values) {
    for (const kind of Object.keys(layers)) {
      const def = layers[kind as keyof typeof layers];
      for (const v of callVariants(kind, [...def.args, ...commonArgs], value)) {
        cases.push({ label: v.label, source: model(`${inputFor(kind)}\n  ${v.call}`) });
        // input_shape= on the first layer instead of Input(...)
        if (!v.label.includes("input_shape")) cases.push({ label: `${v.label} (first layer)`, source: model(v.call.replace(/\)$/, `, input_shape=${inputFor(kind).slice("Input(shape=".length, -1)})`).replace("(, ", "(")) });
      }
    }
    for (const v of callVariants("Input", inputArgs, value)) cases.push({ label: v.label, source: model(`${v.call}\n  Dense(2)`) });
    for (const spec of modelOptionArgs) cases.push({ label: `model option ${spec.name} = ${value}`, source: model("Dense(2, input_shape=(3,))", `(${spec.name}=${value})`) });
    for (const [name, entry] of Object.entries(initializerNames)) {
      if (!/^[A-Z]/.test(name)) continue;
      for (const v of callVariants(name, entry.args, value)) cases.push({ label: v.label, source: model(`Dense(2, input_shape=(3,), kernel_initializer=${v.call})`) });
    }
    for (const [name, entry] of Object.entries(optimizerNames)) {
      if (!/^[A-Z]/.test(name)) continue;
      for (const v of callVariants(name, entry.args, value)) cases.push({ label: v.label, source: trainable("Dense(2)", `compile(optimizer=${v.call}, loss='mse')`) });
    }
    for (const [name, entry] of Object.entries(lossNames)) {
      if (!/^[A-Z][a-z]/.test(name) || entry.args.length === 0) continue;
      for (const v of callVariants(name, entry.args, value)) cases.push({ label: v.label, source: trainable("Dense(2, activation='softmax')", `compile(loss=${v.call})`) });
    }
    for (const arg of ["optimizer", "loss", "metrics"]) {
      const others = arg === "loss" ? "" : ", loss='mse'";
      cases.push({ label: `compile ${arg} = ${value}`, source: trainable("Dense(2)", `compile(${arg}=${value}${others})`) });
    }
    cases.push({ label: `compile (position 0) = ${value}`, source: trainable("Dense(2)", `compile(${value}, 'mse')`) });
    cases.push({ label: `compile (position 1) = ${value}`, source: trainable("Dense(2)", `compile('sgd', ${value})`) });
    cases.push({ label: `compile extra positional = ${value}`, source: trainable("Dense(2)", `compile('sgd', 'mse', ${value})`) });
  }
  return cases;
}
