/**
 * fit()'s options, validated and resolved before training touches anything:
 * the data, Keras's validation split (the first floor(N·(1 − split)) samples
 * train), validation data, per-sample weights from classWeight and
 * sampleWeight (multiplied, as Keras does), callbacks and progress. Part of
 * the shipped runtime.
 */
import type { AnyLogs, Callback, Logs, LogValue } from "./callbacks.js";
import { lengthError, shapeText, toFloat32, type Samples } from "./data.js";
import { LayercError } from "./errors.js";
import type { ProgressSink } from "./progress.js";

/**
 * fit() options with Keras's defaults: epochs 1, batchSize 32, shuffle true,
 * verbose 0 (quiet, unlike Keras, for libraries). `L` is the model's logs
 * type (`<Model>Logs` for a generated model).
 */
export interface FitOptions<L = Logs> {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly shuffle?: boolean;
  /** Hold out the last fraction of the samples for validation (Keras validation_split). */
  readonly validationSplit?: number;
  /** [x, y] or [x, y, sampleWeight] to validate on after each epoch (takes precedence over validationSplit, as in Keras). */
  readonly validationData?: readonly [Samples | readonly Samples[], Samples | readonly Samples[]] | readonly [Samples | readonly Samples[], Samples | readonly Samples[], ArrayLike<number>];
  /** Loss weight per class id (sparse labels, argmax of one-hot targets, or the rounded target of one output unit). */
  readonly classWeight?: Readonly<Record<number, number>> | readonly number[];
  /** Loss weight per training sample. */
  readonly sampleWeight?: ArrayLike<number>;
  /** Epoch to start at (its index in the history); training runs epochs initialEpoch … epochs − 1. */
  readonly initialEpoch?: number;
  readonly callbacks?: readonly Callback<L>[];
  readonly onEpochEnd?: (epoch: number, logs: L) => void;
  /** After each batch, with the epoch's running loss and metrics. */
  readonly onBatchEnd?: (batch: number, logs: L) => void;
  /** An AbortSignal (or anything with `aborted`): stops training between batches; fit returns the history of the finished epochs. */
  readonly signal?: { readonly aborted: boolean };
  /** 0 silent (default), 1 Keras's progress bar, 2 one line per epoch. */
  readonly verbose?: 0 | 1 | 2;
  /** Where progress goes (default: stdout in Node, console.log elsewhere). */
  readonly progress?: ProgressSink;
}

export interface EvaluateOptions {
  readonly batchSize?: number;
  readonly sampleWeight?: ArrayLike<number>;
}

/** What fit() returns, like Keras's History: epoch indices and one array per logged value (per-class metrics: an array per epoch). */
export interface History<L = Logs> {
  readonly epoch: number[];
  readonly history: HistoryOf<L>;
}

/** `history.history` for logs `L`: loss, and every other logged name (present when logged) as one value per epoch. */
export type HistoryOf<L> = { loss: number[] } & { [K in keyof L as K extends "loss" ? never : K]?: Exclude<L[K], undefined>[] };

/** History as the runtime builds it. */
export type AnyHistory = { readonly epoch: number[]; readonly history: { loss: number[]; [name: string]: LogValue[] } };

export interface FitPlan {
  readonly xs: Float32Array;
  readonly ys: Float32Array;
  readonly weights: Float64Array | null;
  readonly nTrain: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly initialEpoch: number;
  readonly shuffle: boolean;
  readonly verbose: 0 | 1 | 2;
  readonly callbacks: readonly Callback<AnyLogs>[];
  readonly validation: { xs: Float32Array; ys: Float32Array; weights: Float64Array | null; count: number } | null;
  readonly options: FitOptions<AnyLogs>;
}

export function sampleWeightsOf(w: ArrayLike<number>, n: number, what: string): Float64Array {
  if (w === null || typeof w !== "object" || typeof w.length !== "number") throw new LayercError(`${what} must be an array of numbers`);
  if (w.length !== n) throw lengthError(w, n, what, `one weight per sample`);
  const out = Float64Array.from(w);
  for (let i = 0; i < n; i++) if (!(out[i]! >= 0) || !Number.isFinite(out[i]!)) throw new LayercError(`${what}[${i}] is ${w[i]}; weights must be finite and >= 0`);
  return out;
}

/** Keras class_weight_to_sample_weights: the class of each target row, then its weight (1 when not listed). */
function classWeights(cw: FitOptions["classWeight"] & object, ys: Float32Array, n: number, per: number, sparse: boolean): Float64Array {
  const table = new Map<number, number>();
  for (const [k, v] of Object.entries(cw)) {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new LayercError(`classWeight[${k}] is ${String(v)}; weights must be finite and >= 0`);
    table.set(Number(k), v);
  }
  const out = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    let cls: number;
    if (sparse || per === 1) cls = Math.round(ys[s * per]!);
    else {
      cls = 0;
      for (let j = 1; j < per; j++) if (ys[s * per + j]! > ys[s * per + cls]!) cls = j;
    }
    out[s] = table.get(cls) ?? 1;
  }
  return out;
}

export function prepareFit(
  model: { readonly sparseLabels: boolean },
  x: Samples,
  y: Samples,
  options: FitOptions<AnyLogs>,
  labels: (y: Samples, n: number, what: string) => Float32Array,
  inSize: number,
  per: number,
  inputShape: readonly number[],
): FitPlan {
  const { epochs = 1, batchSize = 32, shuffle = true, validationSplit = 0, initialEpoch = 0, verbose = 0, callbacks = [] } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new LayercError(`epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new LayercError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new LayercError(`initialEpoch must be a non-negative integer, got ${initialEpoch}`);
  if (!(validationSplit >= 0 && validationSplit < 1)) throw new LayercError(`validationSplit must be in [0, 1), got ${validationSplit}`);
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new LayercError(`verbose must be 0, 1 or 2, got ${String(verbose)}`);
  if (!Array.isArray(callbacks)) throw new LayercError("callbacks must be an array");
  const xs = toFloat32(x, "fit input");
  if (xs.length % inSize !== 0 || xs.length === 0) {
    throw new LayercError(`fit input has ${xs.length} values, not a whole number of samples of shape ${shapeText(inputShape)}`);
  }
  const total = xs.length / inSize;
  const ys = labels(y, total, "labels");
  const sampleWeight = options.sampleWeight === undefined ? null : sampleWeightsOf(options.sampleWeight, total, "sampleWeight");
  if (options.classWeight !== undefined && (options.classWeight === null || typeof options.classWeight !== "object")) {
    throw new LayercError("classWeight must map class ids to weights");
  }
  if (options.classWeight !== undefined && sampleWeight !== null) {
    throw new LayercError("classWeight and sampleWeight cannot be given together (as in Keras); fold the class weights into sampleWeight");
  }
  let nTrain = total;
  let validation: FitPlan["validation"] = null;
  if (options.validationData !== undefined) {
    const vd = options.validationData;
    if (!Array.isArray(vd) || vd.length < 2 || vd.length > 3) throw new LayercError("validationData must be [x, y] or [x, y, sampleWeight]");
    const vx = toFloat32(vd[0] as Samples, "validationData x");
    if (vx.length % inSize !== 0 || vx.length === 0) throw new LayercError(`validationData x has ${vx.length} values, not a whole number of samples of shape ${shapeText(inputShape)}`);
    const count = vx.length / inSize;
    const vw = vd.length === 3 ? sampleWeightsOf(vd[2] as ArrayLike<number>, count, "validationData sampleWeight") : null;
    validation = { xs: vx, ys: labels(vd[1] as Samples, count, "validationData y"), weights: vw, count };
  } else if (validationSplit > 0) {
    // Keras: the first floor(N·(1 − split)) samples train, the rest validate (with their sample weights, not class weights)
    nTrain = Math.floor(total * (1 - validationSplit));
    if (nTrain === 0 || nTrain === total) {
      throw new LayercError(
        `validationSplit ${validationSplit} of ${total} samples leaves ${nTrain === 0 ? "no training" : "no validation"} samples; provide more data or a different split`,
      );
    }
    validation = { xs: xs.subarray(nTrain * inSize), ys: ys.subarray(nTrain * per), weights: sampleWeight ? sampleWeight.subarray(nTrain) : null, count: total - nTrain };
  }
  let weights: Float64Array | null = sampleWeight ? sampleWeight.slice(0, nTrain) : null;
  if (options.classWeight !== undefined) {
    const cw = classWeights(options.classWeight, ys, nTrain, per, model.sparseLabels);
    if (weights) for (let i = 0; i < nTrain; i++) weights[i] = weights[i]! * cw[i]!;
    else weights = cw;
  }
  return { xs, ys, weights, nTrain, batchSize, epochs, initialEpoch, shuffle, verbose, callbacks, validation, options };
}
