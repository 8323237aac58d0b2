/**
 * `compile(metrics=[…])`: the Keras 3 metrics layerc supports, with the
 * spellings `metrics.get` accepts (class name, snake_case, `mae`/`mse`/
 * `mape` aliases) and the class arguments, resolved to the runtime's
 * MetricSpec. The history key is the string the user wrote, or the class's
 * default name (`Precision()` → `precision`), or its `name=` argument, as
 * Keras's compile does. `accuracy` / `acc` is resolved from the output and
 * target shapes as Keras 3's `get_metric` does.
 */
import type { MetricKind } from "../../runtime/spec.js";
import type { ArgSpec } from "../../layers/types.js";

export interface MetricEntry {
  readonly kind: MetricKind;
  /** The class's default `name` (used when the metric is written as a call). */
  readonly defaultName: string;
  readonly args: readonly ArgSpec[];
}

const nameArg: ArgSpec = { name: "name", type: { t: "nullable", inner: { t: "string" } }, default: null };
const dtypeArg: ArgSpec = { name: "dtype", type: { t: "nullable", inner: { t: "enum", values: ["float32"] } }, default: null };
const threshold = (v: number | null): ArgSpec => ({
  name: "threshold",
  type: { t: "nullable", inner: { t: "float", min: 0, max: 1 } },
  default: v,
  positional: v !== null,
});
const k: ArgSpec = { name: "k", type: { t: "int", min: 1 }, default: 5, positional: true };
const average: ArgSpec = { name: "average", type: { t: "nullable", inner: { t: "enum", values: ["micro", "macro", "weighted"] } }, default: null, positional: true };

const entry = (kind: MetricKind, args: ArgSpec[] = []): MetricEntry => ({ kind, defaultName: kind, args: [...args, nameArg, dtypeArg] });

const entries: readonly (readonly [className: string, entry: MetricEntry])[] = [
  ["BinaryAccuracy", entry("binary_accuracy", [threshold(0.5)])],
  ["CategoricalAccuracy", entry("categorical_accuracy")],
  ["SparseCategoricalAccuracy", entry("sparse_categorical_accuracy")],
  ["TopKCategoricalAccuracy", entry("top_k_categorical_accuracy", [k])],
  ["SparseTopKCategoricalAccuracy", entry("sparse_top_k_categorical_accuracy", [k])],
  ["MeanAbsoluteError", entry("mean_absolute_error")],
  ["MeanSquaredError", entry("mean_squared_error")],
  ["RootMeanSquaredError", entry("root_mean_squared_error")],
  ["MeanAbsolutePercentageError", entry("mean_absolute_percentage_error")],
  ["Precision", entry("precision", [{ name: "thresholds", type: { t: "nullable", inner: { t: "float", min: 0, max: 1 } }, default: null, positional: true }])],
  ["Recall", entry("recall", [{ name: "thresholds", type: { t: "nullable", inner: { t: "float", min: 0, max: 1 } }, default: null, positional: true }])],
  [
    "AUC",
    entry("auc", [
      { name: "num_thresholds", type: { t: "int", min: 2 }, default: 200, positional: true },
      { name: "curve", type: { t: "enum", values: ["roc"] }, default: "roc", positional: true },
      { name: "summation_method", type: { t: "enum", values: ["interpolation"] }, default: "interpolation", positional: true },
    ]),
  ],
  ["F1Score", entry("f1_score", [average, { ...threshold(null), positional: true }])],
  // Keras: F1Score is FBetaScore with beta 1; both log per-class values without `average`
  ["FBetaScore", { kind: "f1_score", defaultName: "fbeta_score", args: [average, { name: "beta", type: { t: "float", min: 0, exclusiveMin: true }, default: 1, positional: true }, { ...threshold(null), positional: true }, nameArg, dtypeArg] }],
];

const snake: Record<string, string> = {
  BinaryAccuracy: "binary_accuracy",
  CategoricalAccuracy: "categorical_accuracy",
  SparseCategoricalAccuracy: "sparse_categorical_accuracy",
  TopKCategoricalAccuracy: "top_k_categorical_accuracy",
  SparseTopKCategoricalAccuracy: "sparse_top_k_categorical_accuracy",
  MeanAbsoluteError: "mean_absolute_error",
  MeanSquaredError: "mean_squared_error",
  RootMeanSquaredError: "root_mean_squared_error",
  MeanAbsolutePercentageError: "mean_absolute_percentage_error",
  Precision: "precision",
  Recall: "recall",
  AUC: "auc",
  F1Score: "f1_score",
  FBetaScore: "fbeta_score",
};

/** Every accepted spelling except accuracy/acc (resolved from shapes). */
export const metricNames: Readonly<Record<string, MetricEntry>> = (() => {
  const table: Record<string, MetricEntry> = {};
  for (const [cls, e] of entries) table[cls] = table[snake[cls]!] = e;
  table["mae"] = table["MAE"] = table["MeanAbsoluteError"]!;
  table["mse"] = table["MSE"] = table["MeanSquaredError"]!;
  table["mape"] = table["MAPE"] = table["MeanAbsolutePercentageError"]!;
  // not a Keras string, but the name the issue and many tutorials use
  table["rmse"] = table["RootMeanSquaredError"]!;
  return table;
})();

/** Keras 3 metrics layerc does not implement: reported as unsupported, never suggested as something else. */
export const unsupportedMetrics: readonly string[] = [
  "Mean", "Sum", "MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "msle", "MSLE", "CosineSimilarity", "cosine_similarity",
  "LogCoshError", "log_cosh_error", "R2Score", "r2_score", "FalseNegatives", "false_negatives", "FalsePositives", "false_positives",
  "TrueNegatives", "true_negatives", "TruePositives", "true_positives", "PrecisionAtRecall", "precision_at_recall", "RecallAtPrecision",
  "recall_at_precision", "SensitivityAtSpecificity", "sensitivity_at_specificity", "SpecificityAtSensitivity", "specificity_at_sensitivity",
  "ConcordanceCorrelation", "concordance_correlation", "PearsonCorrelation", "pearson_correlation", "Hinge", "hinge", "SquaredHinge",
  "squared_hinge", "CategoricalHinge", "categorical_hinge", "KLDivergence", "kl_divergence", "Poisson", "poisson", "BinaryCrossentropy",
  "binary_crossentropy", "bce", "BCE", "CategoricalCrossentropy", "categorical_crossentropy", "SparseCategoricalCrossentropy",
  "sparse_categorical_crossentropy", "Accuracy", "IoU", "io_u", "BinaryIoU", "binary_io_u", "MeanIoU",
  "mean_io_u", "OneHotIoU", "one_hot_io_u", "OneHotMeanIoU", "one_hot_mean_io_u",
];
