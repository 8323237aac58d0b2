/**
 * What the editor features know about names: the schema of every callable
 * (layers, `Input`, `compile`, initializers, optimizers, losses, model
 * options) and a one-line description of each, all read from the compiler's
 * own registry and vocabulary, so hover, completion and signature help can
 * never disagree with the checker. A layer's description lives on its
 * definition in the registry; the other callables' prose lives here.
 */
import type { ArgSpec, ArgType } from "../layers/types.js";
import type { AttrValue } from "../ir/model-ir.js";
import type { InitializerSpec } from "../runtime/spec.js";
import { commonArgs, inputArgs, layers, lookupLayer } from "../layers/registry.js";
import {
  activationNames,
  compileArgs,
  has,
  initializerNames,
  lossNames,
  metricNames,
  modelOptionArgs,
  optimizerNames,
} from "../phases/2-check/vocabulary.js";

export type CalleeKind = "layer" | "input" | "compile" | "initializer" | "optimizer" | "loss" | "model";

/** A callable name and its arguments, in schema order. */
export interface Callee {
  readonly kind: CalleeKind;
  readonly name: string;
  readonly args: readonly ArgSpec[];
  readonly description: string;
}

const otherDescriptions: Readonly<Record<string, string>> = {
  Input: "Declares the model input; `shape` excludes the batch dimension.",
  compile: "Makes the model trainable (as Keras `model.compile`): optimizer, loss and metrics.",
  model: "Model options.",
  sgd: "Stochastic gradient descent, with optional (Nesterov) momentum.",
  adam: "Adam: adaptive moments of the gradient.",
  rmsprop: "RMSprop: divides the gradient by a moving root mean square.",
  mean_squared_error: "Mean of squared differences.",
  mean_absolute_error: "Mean of absolute differences.",
  binary_crossentropy: "Crossentropy of independent 0/1 targets (sigmoid outputs).",
  categorical_crossentropy: "Crossentropy of one-hot targets (softmax outputs).",
  sparse_categorical_crossentropy: "Crossentropy of integer class-id targets (softmax outputs).",
};

const initializerDescriptions: Readonly<Record<string, string>> = {
  zeros: "All zeros.",
  ones: "All ones.",
  constant: "Every value `value`.",
  random_normal: "Normal distribution with `mean` and `stddev`.",
  random_uniform: "Uniform distribution in [`minval`, `maxval`).",
  truncated_normal: "Normal distribution with values beyond two standard deviations redrawn.",
  variance_scaling: "Scaled to the fan of the tensor: `scale / fan` variance, normal or uniform.",
  glorot_uniform: "Glorot (Xavier) uniform: limit √(6 / (fan_in + fan_out)).",
  glorot_normal: "Glorot (Xavier) truncated normal: stddev √(2 / (fan_in + fan_out)).",
  he_uniform: "He uniform: limit √(6 / fan_in).",
  he_normal: "He truncated normal: stddev √(2 / fan_in).",
  lecun_uniform: "LeCun uniform: limit √(3 / fan_in).",
  lecun_normal: "LeCun truncated normal: stddev √(1 / fan_in).",
  orthogonal: "A random orthogonal matrix times `gain`.",
  identity: "The identity matrix times `gain` (2-D tensors only).",
};

export const activationDescriptions: Readonly<Record<string, string>> = {
  linear: "Identity: `x`.",
  relu: "`max(x, 0)`.",
  relu6: "`min(max(x, 0), 6)`.",
  leaky_relu: "`x` if positive, else `0.2 * x`.",
  sigmoid: "`1 / (1 + exp(-x))`.",
  hard_sigmoid: "`relu6(x + 3) / 6` (Keras 3).",
  tanh: "Hyperbolic tangent.",
  softmax: "Exponentials normalized to sum to 1 over the last axis.",
  log_softmax: "Logarithm of softmax over the last axis.",
  elu: "`x` if positive, else `exp(x) - 1`.",
  selu: "Scaled ELU (`1.0507 * elu` with alpha 1.6733).",
  softplus: "`log(1 + exp(x))`.",
  softsign: "`x / (1 + |x|)`.",
  silu: "`x * sigmoid(x)` (also `swish`).",
  gelu: "`x * Φ(x)`, exact (erf).",
  mish: "`x * tanh(softplus(x))`.",
  exponential: "`exp(x)`.",
};

export const layerKinds = (): string[] => Object.keys(layers);

/** The schema of a name used as a call, or undefined. `hint` prefers a table when names could collide. */
export function lookupCallee(name: string, hint?: CalleeKind): Callee | undefined {
  const candidates: (() => Callee | undefined)[] = [
    () => {
      const def = lookupLayer(name);
      return def ? { kind: "layer", name, args: [...def.args, ...commonArgs], description: def.description } : undefined;
    },
    () => (name === "Input" ? { kind: "input", name, args: inputArgs, description: otherDescriptions["Input"]! } : undefined),
    () => (name === "compile" ? { kind: "compile", name, args: compileArgs, description: otherDescriptions["compile"]! } : undefined),
    () => {
      if (!has(initializerNames, name)) return undefined;
      const e = initializerNames[name]!;
      return { kind: "initializer", name, args: e.args, description: initializerDescriptions[e.name] ?? "" };
    },
    () => {
      if (!has(optimizerNames, name)) return undefined;
      const e = optimizerNames[name]!;
      return { kind: "optimizer", name, args: e.args, description: otherDescriptions[e.name] ?? "" };
    },
    () => {
      if (!has(lossNames, name)) return undefined;
      const e = lossNames[name]!;
      return { kind: "loss", name, args: e.args, description: otherDescriptions[e.name] ?? "" };
    },
  ];
  const order = hint === "initializer" ? [3, 0, 1, 2, 4, 5] : hint === "optimizer" ? [4, 0, 1, 2, 3, 5] : hint === "loss" ? [5, 0, 1, 2, 3, 4] : [0, 1, 2, 3, 4, 5];
  for (const i of order) {
    const c = candidates[i]!();
    if (c) return c;
  }
  return undefined;
}

export const modelOptions: Callee = { kind: "model", name: "model", args: modelOptionArgs, description: otherDescriptions["model"]! };

/** A bare name used as a value (activation, initializer, loss, ...), described. */
export function describeName(name: string): string | undefined {
  if (has(activationNames, name)) {
    const canonical = activationNames[name]!;
    return `activation \`${canonical}\`: ${activationDescriptions[canonical] ?? ""}`;
  }
  const callee = lookupCallee(name);
  if (callee && callee.kind !== "layer" && callee.kind !== "input" && callee.kind !== "compile") {
    return `${callee.kind} \`${name}\`: ${callee.description}${callee.args.length ? ` Defaults: ${formatDefaults(callee.args)}.` : ""}`;
  }
  if (name === "accuracy" || name === "acc") return "metric `accuracy`: binary, categorical or sparse, chosen from the loss as Keras does.";
  if (has(metricNames, name)) return `metric \`${name}\``;
  return undefined;
}

/** What a value of this type may be, as completion candidates (bare names; callers quote enum strings). */
export function valueCandidates(type: ArgType, argName: string): { label: string; kind: "enum" | "activation" | "initializer" | "optimizer" | "loss" | "metric" | "constant" }[] {
  switch (type.t) {
    case "enum":
      return type.values.map((v) => ({ label: v, kind: "enum" }));
    case "activation":
      return Object.keys(activationNames).map((v) => ({ label: v, kind: "activation" }));
    case "initializer":
      return Object.keys(initializerNames).map((v) => ({ label: v, kind: "initializer" }));
    case "bool":
      return ["True", "False"].map((v) => ({ label: v, kind: "constant" }));
    case "nullable":
      return [...valueCandidates(type.inner, argName), { label: "None", kind: "constant" }];
    case "string":
      if (argName === "optimizer") return Object.keys(optimizerNames).map((v) => ({ label: v, kind: "optimizer" }));
      if (argName === "loss") return Object.keys(lossNames).map((v) => ({ label: v, kind: "loss" }));
      // `accuracy`/`acc` are resolved from the loss by the checker, beside the named metrics.
      if (argName === "metrics") return [...new Set(["accuracy", "acc", ...Object.keys(metricNames)])].map((v) => ({ label: v, kind: "metric" }));
      return [];
    default:
      return [];
  }
}

export function formatValue(v: AttrValue | undefined): string {
  if (v === undefined) return "?";
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return `'${v}'`;
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`;
  return `'${(v as InitializerSpec).name}'`;
}

export function describeType(t: ArgType): string {
  switch (t.t) {
    case "int":
    case "float": {
      const lo = t.min !== undefined ? `${t.t === "float" && "exclusiveMin" in t && t.exclusiveMin ? ">" : "≥"} ${t.min}` : "";
      const hi = t.max !== undefined ? `≤ ${t.max}` : "";
      return [t.t, [lo, hi].filter(Boolean).join(", ")].filter(Boolean).join(" ");
    }
    case "enum":
      return t.values.map((v) => `'${v}'`).join(" | ");
    case "shape":
      return "shape tuple";
    case "ints":
      return t.rank === 1 ? "int" : `int or ${t.rank}-tuple of ints`;
    case "nullable":
      return `${describeType(t.inner)} | None`;
    default:
      return t.t;
  }
}

/** An argument's default as Keras writes it (`activation=None`, not the resolved `'linear'`). */
export function defaultOf(a: ArgSpec): string {
  const t = a.type.t === "nullable" ? a.type.inner.t : a.type.t;
  return t === "activation" && a.default === "linear" ? "None" : formatValue(a.default);
}

/** `units (required), activation=None, use_bias=True, …` */
export function formatDefaults(args: readonly ArgSpec[]): string {
  return args
    .filter((a) => a.name !== "name" && a.name !== "input_shape")
    .map((a) => (a.required ? `${a.name} (required)` : `${a.name}=${defaultOf(a)}`))
    .join(", ");
}

/** Signature label: `Dense(units, activation=None, …)`; positional-required args bare. */
export function signatureParts(c: Callee): { label: string; params: { label: string; doc: string }[] } {
  const params = c.args.map((a) => ({
    label: a.required ? a.name : `${a.name}=${defaultOf(a)}`,
    doc: `${a.name}: ${describeType(a.type)}${a.required ? " (required)" : ""}${a.positional ? "" : " (keyword only)"}`,
  }));
  return { label: `${c.name === "model" ? "model Name" : c.name}(${params.map((p) => p.label).join(", ")})`, params };
}
