/**
 * The names of the language beyond layers: activations, initializers,
 * losses, optimizers and metrics, with their Keras 3 spellings, aliases,
 * argument schemas and defaults. The checker resolves every alias here, so
 * the IR carries only canonical names.
 */
import type { ActivationName } from "../../ir/model-ir.js";
import type { InitializerName } from "../../runtime/spec.js";
import type { ArgSpec } from "../../layers/types.js";

export const activationNames: Readonly<Record<string, ActivationName>> = {
  linear: "linear",
  relu: "relu",
  relu6: "relu6",
  leaky_relu: "leaky_relu",
  sigmoid: "sigmoid",
  hard_sigmoid: "hard_sigmoid",
  tanh: "tanh",
  softmax: "softmax",
  log_softmax: "log_softmax",
  elu: "elu",
  selu: "selu",
  softplus: "softplus",
  softsign: "softsign",
  silu: "silu",
  swish: "silu",
  gelu: "gelu",
  mish: "mish",
  exponential: "exponential",
};

const seedArg: ArgSpec = { name: "seed", type: { t: "nullable", inner: { t: "int", min: 0 } }, default: null };

interface InitializerEntry {
  readonly name: InitializerName;
  readonly args: readonly ArgSpec[];
}

const seedOnly = (name: InitializerName): InitializerEntry => ({ name, args: [seedArg] });

const initializerEntries: Readonly<Record<InitializerName, InitializerEntry>> = {
  zeros: { name: "zeros", args: [] },
  ones: { name: "ones", args: [] },
  constant: { name: "constant", args: [{ name: "value", type: { t: "float" }, default: 0, positional: true }] },
  random_normal: {
    name: "random_normal",
    args: [
      { name: "mean", type: { t: "float" }, default: 0, positional: true },
      { name: "stddev", type: { t: "float", min: 0 }, default: 0.05, positional: true },
      { ...seedArg, positional: true },
    ],
  },
  random_uniform: {
    name: "random_uniform",
    args: [
      { name: "minval", type: { t: "float" }, default: -0.05, positional: true },
      { name: "maxval", type: { t: "float" }, default: 0.05, positional: true },
      { ...seedArg, positional: true },
    ],
  },
  truncated_normal: {
    name: "truncated_normal",
    args: [
      { name: "mean", type: { t: "float" }, default: 0, positional: true },
      { name: "stddev", type: { t: "float", min: 0 }, default: 0.05, positional: true },
      { ...seedArg, positional: true },
    ],
  },
  variance_scaling: {
    name: "variance_scaling",
    args: [
      { name: "scale", type: { t: "float", min: 0, exclusiveMin: true }, default: 1, positional: true },
      { name: "mode", type: { t: "enum", values: ["fan_in", "fan_out", "fan_avg"] }, default: "fan_in", positional: true },
      {
        name: "distribution",
        type: { t: "enum", values: ["truncated_normal", "untruncated_normal", "uniform", "normal"] },
        default: "truncated_normal",
        positional: true,
      },
      { ...seedArg, positional: true },
    ],
  },
  glorot_uniform: seedOnly("glorot_uniform"),
  glorot_normal: seedOnly("glorot_normal"),
  he_uniform: seedOnly("he_uniform"),
  he_normal: seedOnly("he_normal"),
  lecun_uniform: seedOnly("lecun_uniform"),
  lecun_normal: seedOnly("lecun_normal"),
  orthogonal: {
    name: "orthogonal",
    args: [{ name: "gain", type: { t: "float" }, default: 1, positional: true }, { ...seedArg, positional: true }],
  },
  identity: { name: "identity", args: [{ name: "gain", type: { t: "float" }, default: 1, positional: true }] },
};

/** Every accepted spelling (Keras 3 `initializers.get`): snake_case, class name, aliases. */
export const initializerNames: Readonly<Record<string, InitializerEntry>> = (() => {
  const e = initializerEntries;
  const table: Record<string, InitializerEntry> = {};
  const classNames: Record<InitializerName, string> = {
    zeros: "Zeros",
    ones: "Ones",
    constant: "Constant",
    random_normal: "RandomNormal",
    random_uniform: "RandomUniform",
    truncated_normal: "TruncatedNormal",
    variance_scaling: "VarianceScaling",
    glorot_uniform: "GlorotUniform",
    glorot_normal: "GlorotNormal",
    he_uniform: "HeUniform",
    he_normal: "HeNormal",
    lecun_uniform: "LecunUniform",
    lecun_normal: "LecunNormal",
    orthogonal: "Orthogonal",
    identity: "Identity",
  };
  for (const key of Object.keys(e) as InitializerName[]) {
    table[key] = e[key];
    table[classNames[key]] = e[key];
  }
  Object.assign(table, {
    zero: e.zeros,
    one: e.ones,
    normal: e.random_normal,
    uniform: e.random_uniform,
    OrthogonalInitializer: e.orthogonal,
    IdentityInitializer: e.identity,
  });
  return table;
})();

// losses, optimizers and metrics: loss-names.ts, optimizer-names.ts, metric-names.ts
export { lossNames } from "./loss-names.js";
export { optimizerNames, scheduleNames } from "./optimizer-names.js";
export { metricNames } from "./metric-names.js";

export const modelOptionArgs: readonly ArgSpec[] = [
  { name: "seed", type: { t: "nullable", inner: { t: "int", min: 0, max: 4294967295 } }, default: null },
  { name: "dtype", type: { t: "enum", values: ["float32", "float64"] }, default: "float32" },
  { name: "unroll", type: { t: "enum", values: ["auto", "full", "loops"] }, default: "auto" },
];

export const compileArgs: readonly ArgSpec[] = [
  { name: "optimizer", type: { t: "string" }, default: "rmsprop" },
  { name: "loss", type: { t: "string" }, required: true },
  { name: "metrics", type: { t: "string" }, default: null },
];

export function has<T>(table: Readonly<Record<string, T>>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, key);
}
