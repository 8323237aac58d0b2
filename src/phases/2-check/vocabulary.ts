/**
 * The names of the language beyond layers: activations, initializers,
 * losses, optimizers and metrics, with their Keras 3 spellings, aliases,
 * argument schemas and defaults. The checker resolves every alias here, so
 * the IR carries only canonical names.
 */
import type { ActivationName } from "../../ir/model-ir.js";
import type { InitializerName, LossName } from "../../runtime/spec.js";
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

interface LossEntry {
  readonly name: LossName;
  readonly args: readonly ArgSpec[];
}

const fromLogits: ArgSpec = { name: "from_logits", type: { t: "bool" }, default: false };

const lossEntries: Readonly<Record<LossName, LossEntry>> = {
  mean_squared_error: { name: "mean_squared_error", args: [] },
  mean_absolute_error: { name: "mean_absolute_error", args: [] },
  binary_crossentropy: { name: "binary_crossentropy", args: [fromLogits] },
  categorical_crossentropy: { name: "categorical_crossentropy", args: [fromLogits] },
  sparse_categorical_crossentropy: { name: "sparse_categorical_crossentropy", args: [fromLogits] },
};

export const lossNames: Readonly<Record<string, LossEntry>> = {
  mean_squared_error: lossEntries.mean_squared_error,
  mse: lossEntries.mean_squared_error,
  MSE: lossEntries.mean_squared_error,
  MeanSquaredError: lossEntries.mean_squared_error,
  mean_absolute_error: lossEntries.mean_absolute_error,
  mae: lossEntries.mean_absolute_error,
  MAE: lossEntries.mean_absolute_error,
  MeanAbsoluteError: lossEntries.mean_absolute_error,
  binary_crossentropy: lossEntries.binary_crossentropy,
  bce: lossEntries.binary_crossentropy,
  BCE: lossEntries.binary_crossentropy,
  BinaryCrossentropy: lossEntries.binary_crossentropy,
  categorical_crossentropy: lossEntries.categorical_crossentropy,
  CategoricalCrossentropy: lossEntries.categorical_crossentropy,
  sparse_categorical_crossentropy: lossEntries.sparse_categorical_crossentropy,
  SparseCategoricalCrossentropy: lossEntries.sparse_categorical_crossentropy,
};

interface OptimizerEntry {
  readonly name: "sgd" | "adam" | "rmsprop";
  readonly args: readonly ArgSpec[];
}

const lr = (v: number): ArgSpec => ({ name: "learning_rate", type: { t: "float", min: 0, exclusiveMin: true }, default: v, positional: true });
const unit = (name: string, v: number): ArgSpec => ({ name, type: { t: "float", min: 0, max: 1 }, default: v });
const eps: ArgSpec = { name: "epsilon", type: { t: "float", min: 0 }, default: 1e-7 };

const sgd: OptimizerEntry = {
  name: "sgd",
  args: [lr(0.01), unit("momentum", 0), { name: "nesterov", type: { t: "bool" }, default: false }],
};
const adam: OptimizerEntry = { name: "adam", args: [lr(0.001), unit("beta_1", 0.9), unit("beta_2", 0.999), eps] };
const rmsprop: OptimizerEntry = { name: "rmsprop", args: [lr(0.001), unit("rho", 0.9), unit("momentum", 0), eps] };

export const optimizerNames: Readonly<Record<string, OptimizerEntry>> = {
  sgd,
  SGD: sgd,
  adam,
  Adam: adam,
  rmsprop,
  RMSprop: rmsprop,
};

export const metricNames: Readonly<Record<string, "accuracy">> = { accuracy: "accuracy", acc: "accuracy" };

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
