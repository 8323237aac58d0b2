/**
 * `compile(loss=…)`: every Keras 3 loss layerc supports, with the spellings
 * Keras's `losses.get` accepts (class name, function name, aliases such as
 * `mse`, `bce`, `kld`, `mape`, `msle`), each class's arguments and defaults
 * (keras/src/losses/losses.py), resolved to the runtime's LossSpec.
 */
import type { LossName, LossSpec } from "../../runtime/spec.js";
import type { ArgSpec } from "../../layers/types.js";

export interface LossEntry {
  readonly name: LossName;
  readonly args: readonly ArgSpec[];
}

const fromLogits: ArgSpec = { name: "from_logits", type: { t: "bool" }, default: false, positional: true };
const smoothing: ArgSpec = { name: "label_smoothing", type: { t: "float", min: 0, max: 1 }, default: 0, positional: true };
const axis: ArgSpec = { name: "axis", type: { t: "int", min: -1, max: -1 }, default: -1 };
/** Keras's loss-object arguments layerc accepts but that change nothing here. */
const tail: ArgSpec[] = [
  { name: "reduction", type: { t: "enum", values: ["sum_over_batch_size"] }, default: "sum_over_batch_size" },
  { name: "name", type: { t: "nullable", inner: { t: "string" } }, default: null },
  { name: "dtype", type: { t: "nullable", inner: { t: "enum", values: ["float32"] } }, default: null },
];
const alpha: ArgSpec = { name: "alpha", type: { t: "float", min: 0, max: 1 }, default: 0.25, positional: true };
const gamma: ArgSpec = { name: "gamma", type: { t: "float", min: 0 }, default: 2, positional: true };

const plain = (name: LossName): LossEntry => ({ name, args: tail });

const entries: readonly (readonly [className: string, fn: string, entry: LossEntry])[] = [
  ["MeanSquaredError", "mean_squared_error", plain("mean_squared_error")],
  ["MeanAbsoluteError", "mean_absolute_error", plain("mean_absolute_error")],
  ["MeanAbsolutePercentageError", "mean_absolute_percentage_error", plain("mean_absolute_percentage_error")],
  ["MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", plain("mean_squared_logarithmic_error")],
  ["Huber", "huber", { name: "huber", args: [{ name: "delta", type: { t: "float", min: 0, exclusiveMin: true }, default: 1, positional: true }, ...tail] }],
  ["LogCosh", "log_cosh", plain("log_cosh")],
  ["Poisson", "poisson", plain("poisson")],
  ["KLDivergence", "kl_divergence", plain("kl_divergence")],
  ["CosineSimilarity", "cosine_similarity", { name: "cosine_similarity", args: [{ ...axis, positional: true }, ...tail] }],
  ["Hinge", "hinge", plain("hinge")],
  ["SquaredHinge", "squared_hinge", plain("squared_hinge")],
  ["CategoricalHinge", "categorical_hinge", plain("categorical_hinge")],
  ["BinaryCrossentropy", "binary_crossentropy", { name: "binary_crossentropy", args: [fromLogits, smoothing, axis, ...tail] }],
  [
    "BinaryFocalCrossentropy",
    "binary_focal_crossentropy",
    {
      name: "binary_focal_crossentropy",
      args: [{ name: "apply_class_balancing", type: { t: "bool" }, default: false, positional: true }, alpha, gamma, fromLogits, smoothing, axis, ...tail],
    },
  ],
  ["CategoricalCrossentropy", "categorical_crossentropy", { name: "categorical_crossentropy", args: [fromLogits, smoothing, axis, ...tail] }],
  [
    "CategoricalFocalCrossentropy",
    "categorical_focal_crossentropy",
    { name: "categorical_focal_crossentropy", args: [alpha, gamma, fromLogits, smoothing, axis, ...tail] },
  ],
  [
    "SparseCategoricalCrossentropy",
    "sparse_categorical_crossentropy",
    { name: "sparse_categorical_crossentropy", args: [fromLogits, axis, ...tail] },
  ],
];

/** Every accepted spelling, as Keras 3's `losses.get`. */
export const lossNames: Readonly<Record<string, LossEntry>> = (() => {
  const table: Record<string, LossEntry> = {};
  for (const [cls, fn, e] of entries) table[cls] = table[fn] = e;
  const alias = (names: string[], fn: LossName) => names.forEach((n) => (table[n] = table[fn]!));
  alias(["mse", "MSE"], "mean_squared_error");
  alias(["mae", "MAE"], "mean_absolute_error");
  alias(["mape", "MAPE"], "mean_absolute_percentage_error");
  alias(["msle", "MSLE"], "mean_squared_logarithmic_error");
  alias(["bce", "BCE"], "binary_crossentropy");
  alias(["kld", "KLD"], "kl_divergence");
  return table;
})();

/** Keras 3 losses layerc does not implement (reported as unsupported, never as a near-miss of another loss). */
export const unsupportedLosses: readonly string[] = ["Dice", "dice", "Tversky", "tversky", "Circle", "circle", "CTC", "ctc", "CategoricalGeneralizedCrossEntropy", "categorical_generalized_cross_entropy"];

/** The LossSpec of a resolved entry and its argument values. */
export function lossSpec(entry: LossEntry, v: Readonly<Record<string, unknown>>): LossSpec {
  const spec: { -readonly [K in keyof LossSpec]: LossSpec[K] } = { name: entry.name, fromLogits: v["from_logits"] === true };
  if (typeof v["label_smoothing"] === "number" && v["label_smoothing"] > 0) spec.labelSmoothing = v["label_smoothing"];
  if (entry.name === "huber") spec.delta = v["delta"] as number;
  if (entry.name === "binary_focal_crossentropy" || entry.name === "categorical_focal_crossentropy") {
    spec.alpha = v["alpha"] as number;
    spec.gamma = v["gamma"] as number;
  }
  if (v["apply_class_balancing"] === true) spec.applyClassBalancing = true;
  return spec;
}
