/**
 * Keras 3 metrics (keras/src/metrics) as streaming accumulators: `update`
 * reads one batch of predictions and targets, `result` gives the value over
 * everything seen since `reset`, as Keras's stateful metrics do across an
 * epoch. Part of the shipped runtime: imports only runtime files. Metrics
 * read outputs after the forward pass and change no weight, so they run
 * here, generically, rather than as emitted kernels.
 *
 * Targets: `sparse` metrics read one class id per row; the others read
 * targets shaped like the output. Outputs are read as rows of `classes`
 * values (outSize/classes rows per sample). Sample weights are not applied
 * to metrics (Keras weighs only `weighted_metrics`).
 *
 * A masked output (a mask reached it: Embedding(mask_zero=True), Masking)
 * hands `update` one 0/1 value per row. Keras 3's MeanMetricWrapper reads
 * the prediction's mask as sample weights of its per-row values (apply_mask
 * with reduction "sum"), so the accuracies, MAE, MSE and MAPE become
 * Σ mask·value / Σ mask over the rows seen; RootMeanSquaredError, precision,
 * recall, AUC and F1 do not read masks in Keras, and ignore it here too.
 * (Keras 3 on JAX loses the mask between the gradient and the metrics in
 * fit, so its fit logs are unmasked there; TensorFlow and PyTorch mask them.
 * layerc masks both, as evaluate does on every backend.)
 */
import type { LogValue } from "./callbacks.js";
import type { MetricKind, MetricSpec } from "./spec.js";

/** Whether a metric improves upward (Keras `_direction`), for callbacks in mode 'auto'. */
export function metricDirection(kind: MetricKind): "up" | "down" {
  return kind.endsWith("_error") ? "down" : "up";
}

export interface MetricState {
  readonly spec: MetricSpec;
  reset(): void;
  /**
   * Adds `batch` samples: predictions from pred[0], targets from y[yOffset];
   * `mask` (outSize/classes values per sample) weights the rows of metrics that read masks.
   */
  update(pred: Float32Array | Float64Array, y: ArrayLike<number>, yOffset: number, batch: number, mask?: Float32Array | Float64Array | null): void;
  /** The value so far: a number, or one per class (F1Score/FBetaScore without `average`). */
  result(): LogValue;
}

/** Whether a metric logs one value per class (F1Score / FBetaScore with Keras's default average=None). */
export const perClass = (spec: MetricSpec): boolean => spec.kind === "f1_score" && spec.average == null;

function argmax(a: ArrayLike<number>, o: number, n: number): number {
  let k = 0;
  for (let j = 1; j < n; j++) if (a[o + j]! > a[o + k]!) k = j;
  return k;
}

const noNan = (a: number, b: number) => (b === 0 ? 0 : a / b);
/** Keras's backend.epsilon(). */
const EPSILON = 1e-7;

/**
 * A metric that averages a per-row value (Keras MeanMetricWrapper over the
 * per-sample means; with a mask, over the unmasked rows); `finish` maps the
 * mean to the result (RMSE's root). `masks`: whether the metric reads masks.
 */
function rowMean(
  spec: MetricSpec,
  outSize: number,
  classes: number,
  perRow: (p: Float32Array | Float64Array, o: number, y: ArrayLike<number>, yo: number, cls: number) => number,
  finish: (m: number) => number = (m) => m,
  masks = true,
): MetricState {
  const rows = outSize / classes;
  const sparse = spec.kind === "sparse_categorical_accuracy" || spec.kind === "sparse_top_k_categorical_accuracy";
  let sum = 0;
  let count = 0;
  return {
    spec,
    reset: () => void (sum = count = 0),
    update(pred, y, yOffset, batch, mask) {
      const weights = masks ? mask : null;
      for (let b = 0; b < batch; b++) {
        let s = 0;
        let valid = 0;
        for (let r = 0; r < rows; r++) {
          const o = (b * rows + r) * classes;
          const m = weights ? weights[b * rows + r]! : 1;
          s += m * perRow(pred, o, y, sparse ? yOffset + b * rows + r : yOffset + o, classes);
          valid += m;
        }
        if (weights) {
          sum += s;
          count += valid;
        } else {
          sum += s / rows;
          count++;
        }
      }
    },
    result: () => finish(noNan(sum, count)),
  };
}

/**
 * Mean over every element of a per-element value (MAE, MSE, MAPE, and RMSE
 * before its square root): the mean along the last axis per row, then over
 * rows (masked ones left out, for the metrics that read masks).
 */
function elementMean(spec: MetricSpec, outSize: number, classes: number, f: (p: number, y: number) => number, finish?: (m: number) => number, masks = true): MetricState {
  return rowMean(
    spec,
    outSize,
    classes,
    (p, o, y, yo, n) => {
      let s = 0;
      for (let j = 0; j < n; j++) s += f(p[o + j]!, +y[yo + j]!);
      return s / n;
    },
    finish,
    masks,
  );
}

/** True/false positives and negatives at `thresholds` over every element (y > 0 is positive; p > t predicts it). */
function confusion(thresholds: readonly number[]) {
  const n = thresholds.length;
  const tp = new Float64Array(n);
  const fp = new Float64Array(n);
  const fn = new Float64Array(n);
  const tn = new Float64Array(n);
  return {
    tp,
    fp,
    fn,
    tn,
    reset() {
      tp.fill(0);
      fp.fill(0);
      fn.fill(0);
      tn.fill(0);
    },
    add(p: number, positive: boolean) {
      for (let i = 0; i < n; i++) {
        const predicted = p > thresholds[i]!;
        const counts = positive ? (predicted ? tp : fn) : predicted ? fp : tn;
        counts[i] = counts[i]! + 1;
      }
    },
  };
}

function thresholded(spec: MetricSpec, outSize: number, value: (tp: number, fp: number, fn: number) => number): MetricState {
  const c = confusion([spec.threshold ?? 0.5]);
  return {
    spec,
    reset: () => c.reset(),
    update(pred, y, yOffset, batch) {
      for (let i = 0; i < batch * outSize; i++) c.add(pred[i]!, +y[yOffset + i]! > 0);
    },
    result: () => value(c.tp[0]!, c.fp[0]!, c.fn[0]!),
  };
}

/** ROC AUC by Keras's interpolated Riemann sum over `numThresholds` evenly spaced thresholds. */
function auc(spec: MetricSpec, outSize: number): MetricState {
  const k = spec.numThresholds ?? 200;
  const eps = 1e-7;
  const thresholds = [-eps, ...Array.from({ length: k - 2 }, (_, i) => (i + 1) / (k - 1)), 1 + eps];
  const c = confusion(thresholds);
  return {
    spec,
    reset: () => c.reset(),
    update(pred, y, yOffset, batch) {
      for (let i = 0; i < batch * outSize; i++) c.add(pred[i]!, +y[yOffset + i]! > 0);
    },
    result() {
      let area = 0;
      const recall = (i: number) => noNan(c.tp[i]!, c.tp[i]! + c.fn[i]!);
      const fpr = (i: number) => noNan(c.fp[i]!, c.fp[i]! + c.tn[i]!);
      for (let i = 0; i < k - 1; i++) area += (fpr(i) - fpr(i + 1)) * ((recall(i) + recall(i + 1)) / 2);
      return area;
    },
  };
}

/**
 * F-beta (F1Score: beta 1) as Keras 3's FBetaScore: per-class counts of the
 * rows' predictions — with no threshold every value equal to the row's
 * largest (and not ~0) counts as predicted, else p > threshold — then
 * precision, recall and (1 + β²)·p·r / (β²·p + r), each with Keras's ε;
 * `micro` from the summed counts, `macro` the classes' mean, `weighted` by
 * support; without `average` (Keras's None) one score per class.
 */
function fbeta(spec: MetricSpec, outSize: number, classes: number): MetricState {
  const tp = new Float64Array(classes);
  const fp = new Float64Array(classes);
  const fn = new Float64Array(classes);
  const support = new Float64Array(classes);
  const threshold = spec.threshold ?? null;
  const b2 = (spec.beta ?? 1) ** 2;
  const score = (t: number, p: number, n: number) => {
    const precision = t / (t + p + EPSILON);
    const recall = t / (t + n + EPSILON);
    return ((precision * recall) / (b2 * precision + recall + EPSILON)) * (1 + b2);
  };
  return {
    spec,
    reset() {
      tp.fill(0);
      fp.fill(0);
      fn.fill(0);
      support.fill(0);
    },
    update(pred, y, yOffset, batch) {
      for (let o = 0; o < batch * outSize; o += classes) {
        const top = pred[o + argmax(pred, o, classes)]!;
        for (let j = 0; j < classes; j++) {
          const p = pred[o + j]!;
          const predicted = threshold === null ? p >= top && Math.abs(p) > 1e-9 : p > threshold;
          const actual = +y[yOffset + o + j]!;
          support[j] = support[j]! + actual;
          if (predicted) {
            tp[j] = tp[j]! + actual;
            fp[j] = fp[j]! + 1 - actual;
          } else fn[j] = fn[j]! + actual;
        }
      }
    },
    result() {
      if (spec.average === "micro") {
        const [t, p, n] = [tp, fp, fn].map((a) => a.reduce((s, v) => s + v, 0)) as [number, number, number];
        return score(t, p, n);
      }
      const per = Array.from({ length: classes }, (_, j) => score(tp[j]!, fp[j]!, fn[j]!));
      if (spec.average == null) return per;
      if (spec.average === "macro") return per.reduce((s, v) => s + v, 0) / classes;
      const total = support.reduce((s, v) => s + v, 0);
      return per.reduce((s, v, j) => s + v * (support[j]! / (total + EPSILON)), 0);
    },
  };
}

/** A fresh accumulator for `spec` on outputs of `outSize` values per sample, `classes` along the last axis. */
export type MetricFactory = (spec: MetricSpec, outSize: number, classes: number) => MetricState;

// one export per metric kind: a generated model imports the factories of the metrics it compiles and
// links them in (TrainableModel.metricKinds), so a bundle carries only those

export const binaryAccuracy: MetricFactory = (spec, outSize, classes) => {
  const t = spec.threshold ?? 0.5;
  return rowMean(spec, outSize, classes, (p, o, y, yo, n) => {
    let hits = 0;
    for (let j = 0; j < n; j++) hits += (p[o + j]! > t ? 1 : 0) === +y[yo + j]! ? 1 : 0;
    return hits / n;
  });
};
export const categoricalAccuracy: MetricFactory = (spec, outSize, classes) =>
  rowMean(spec, outSize, classes, (p, o, y, yo, n) => (argmax(p, o, n) === argmax(y, yo, n) ? 1 : 0));
export const sparseCategoricalAccuracy: MetricFactory = (spec, outSize, classes) =>
  rowMean(spec, outSize, classes, (p, o, y, yo, n) => (argmax(p, o, n) === +y[yo]! ? 1 : 0));
/** top_k_categorical_accuracy and sparse_top_k_categorical_accuracy. */
export const topKAccuracy: MetricFactory = (spec, outSize, classes) => {
  const k = spec.k ?? 5;
  const sparse = spec.kind === "sparse_top_k_categorical_accuracy";
  return rowMean(spec, outSize, classes, (p, o, y, yo, n) => {
    const target = sparse ? +y[yo]! : argmax(y, yo, n);
    // in the top k when at most k − 1 predictions are strictly larger (Keras: ties count in)
    let above = 0;
    for (let j = 0; j < n; j++) if (p[o + j]! > p[o + target]!) above++;
    return above < k ? 1 : 0;
  });
};
export const meanAbsoluteError: MetricFactory = (spec, outSize, classes) => elementMean(spec, outSize, classes, (p, y) => Math.abs(p - y));
export const meanSquaredError: MetricFactory = (spec, outSize, classes) => elementMean(spec, outSize, classes, (p, y) => (p - y) * (p - y));
// Keras's RootMeanSquaredError averages squared errors it computes itself: they carry no mask
export const rootMeanSquaredError: MetricFactory = (spec, outSize, classes) => elementMean(spec, outSize, classes, (p, y) => (p - y) * (p - y), Math.sqrt, false);
export const meanAbsolutePercentageError: MetricFactory = (spec, outSize, classes) =>
  elementMean(spec, outSize, classes, (p, y) => 100 * Math.abs((y - p) / Math.max(Math.abs(y), 1e-7)));
export const precision: MetricFactory = (spec, outSize) => thresholded(spec, outSize, (tp, fp) => noNan(tp, tp + fp));
export const recall: MetricFactory = (spec, outSize) => thresholded(spec, outSize, (tp, _fp, fn) => noNan(tp, tp + fn));
export const aucMetric: MetricFactory = (spec, outSize) => auc(spec, outSize);
/** F1Score and FBetaScore. */
export const fbetaScore: MetricFactory = (spec, outSize, classes) => fbeta(spec, outSize, classes);

/** The factories a model links, by metric kind. */
export type MetricKinds = Readonly<Partial<Record<MetricKind, MetricFactory>>>;

/** Every metric kind's factory (interpreted models, createMetric). */
export const METRICS: Readonly<Record<MetricKind, MetricFactory>> = {
  binary_accuracy: binaryAccuracy,
  categorical_accuracy: categoricalAccuracy,
  sparse_categorical_accuracy: sparseCategoricalAccuracy,
  top_k_categorical_accuracy: topKAccuracy,
  sparse_top_k_categorical_accuracy: topKAccuracy,
  mean_absolute_error: meanAbsoluteError,
  mean_squared_error: meanSquaredError,
  root_mean_squared_error: rootMeanSquaredError,
  mean_absolute_percentage_error: meanAbsolutePercentageError,
  precision,
  recall,
  auc: aucMetric,
  f1_score: fbetaScore,
};

/** The runtime export of each kind's factory, for generated modules' imports (the emitter reads it). */
export const METRIC_EXPORTS: Readonly<Record<MetricKind, string>> = {
  binary_accuracy: "binaryAccuracy",
  categorical_accuracy: "categoricalAccuracy",
  sparse_categorical_accuracy: "sparseCategoricalAccuracy",
  top_k_categorical_accuracy: "topKAccuracy",
  sparse_top_k_categorical_accuracy: "topKAccuracy",
  mean_absolute_error: "meanAbsoluteError",
  mean_squared_error: "meanSquaredError",
  root_mean_squared_error: "rootMeanSquaredError",
  mean_absolute_percentage_error: "meanAbsolutePercentageError",
  precision: "precision",
  recall: "recall",
  auc: "aucMetric",
  f1_score: "fbetaScore",
};

/** A fresh accumulator for `spec` (any kind) on outputs of `outSize` values per sample, `classes` along the last axis. */
export function createMetric(spec: MetricSpec, outSize: number, classes: number): MetricState {
  return METRICS[spec.kind](spec, outSize, classes);
}
