/**
 * Losses and the "accuracy" metric with Keras 3 semantics
 * (keras-semantics.md §4.1–4.2). Part of the shipped runtime: imports only
 * runtime files. Everything is computed in float64.
 *
 * Conventions (where Keras leaves a choice or its backends disagree):
 * - Reduction is "sum_over_batch_size": the mean of the per-element (MSE,
 *   MAE, BCE) or per-sample (CCE, sparse CCE) losses.
 * - MAE: d|u|/du at u = p − y = 0 is −1 (tfjs `step(x, −1)`, §3); Keras's
 *   TF/JAX backends use sign(0) = 0 there.
 * - Probability clipping uses [ε, 1 − ε] with ε = 1e-7 and 1 − ε taken as
 *   float32 rounds it (0.99999988 = 1 − 2⁻²³), which is what Keras and tfjs
 *   compute with float32 tensors; a saturated p = 1 therefore costs
 *   −log(2⁻²³) ≈ 15.94, not 16.12. The gradient passes the clip where
 *   ε ≤ p ≤ 1 − ε (inclusive, like tfjs clipByValue) and is 0 outside.
 * - from_logits: BCE is max(z,0) − z·y + log1p(e^(−|z|)) and CCE is
 *   −Σ y·log_softmax(z), both unclipped (Keras JAX/TF, not tfjs, §7 row 17).
 */
import { LayercError } from "./errors.js";
import type { LossName, LossSpec } from "./spec.js";

const EPS = 1e-7;
/** Math.fround(1 - 1e-7). */
const HI = 1 - 2 ** -23;

const clip = (p: number): number => (p < EPS ? EPS : p > HI ? HI : p);
/** d clip(p)/dp: 1 inside the closed interval, 0 outside. */
const inClip = (p: number): boolean => p >= EPS && p <= HI;

/**
 * Batch-mean loss as Keras 3 ("sum_over_batch_size"): yPred holds `batch`
 * rows of `outSize` values (row-major). yTrue: for
 * sparse_categorical_crossentropy, `batch` class ids (integers, validated by
 * the caller); otherwise batch·outSize targets, starting at `yOffset` (in
 * values). Returns the mean loss; if dPred is given, writes dLoss/dyPred
 * (already divided by the batch, i.e. the gradient of the returned mean)
 * into dPred[0, batch·outSize).
 *
 * Crossentropies apply along the last axis: for outputs of rank > 1 each
 * sample holds outSize/classes rows of `classes` values, and the loss is the
 * mean over batch × rows, as Keras reduces it.
 *
 * From logits with `probs` (the softmax of the logits, as the fused forward
 * pass leaves it), the categorical losses reuse those probabilities instead
 * of recomputing exponentials, row by row where no labelled p underflows.
 *
 * Categorical (not from logits) renormalises q = p/Σp, clips q and returns
 * −Σ y·log q; its gradient is exact through the renormalisation and clip:
 * with g_j = ∂l/∂q_j (0 where the clip is active) and s = Σp,
 * ∂l/∂p_k = (g_k − Σ_j g_j·q_j)/s.
 */
export function computeLoss(
  spec: LossSpec,
  yPred: Float64Array,
  yTrue: ArrayLike<number>,
  yOffset: number,
  batch: number,
  outSize: number,
  dPred: Float64Array | null,
  classes: number = outSize,
  probs?: Float64Array,
): number {
  const { name, fromLogits } = spec;
  const sparse = name === "sparse_categorical_crossentropy";
  const n = batch * outSize;
  if (yPred.length < n || yOffset < 0 || yTrue.length < yOffset + (sparse ? batch : n) || (dPred && dPred.length < n)) {
    throw new LayercError(`${name}: buffers too small for a batch of ${batch}×${outSize}`);
  }
  let total = 0;
  if (sparse || name === "categorical_crossentropy") {
    const rows = sparse ? batch : (batch * outSize) / classes;
    const width = sparse ? outSize : classes;
    const scale = 1 / rows;
    for (let b = 0, o = 0; b < rows; b++, o += width) {
      // Sparse targets are the one-hot of class id `cls`; yo indexes dense targets.
      const cls = sparse ? +yTrue[yOffset + b]! : -1;
      const yo = yOffset + o;
      if (fromLogits && probs !== undefined && probsUsable(probs, o, width, sparse, cls, yTrue, yo)) {
        // Fused softmax output: the forward pass already holds p = softmax(z), so the
        // gradient p·Σy − y needs no exp, and the loss one log per labelled class.
        let ys = 0;
        for (let j = 0; j < width; j++) {
          const y = sparse ? +(j === cls) : +yTrue[yo + j]!;
          if (y !== 0) total -= y * Math.log(probs[o + j]!);
          ys += y;
        }
        if (dPred) {
          for (let j = 0; j < width; j++) {
            const y = sparse ? +(j === cls) : +yTrue[yo + j]!;
            dPred[o + j] = (probs[o + j]! * ys - y) * scale;
          }
        }
      } else if (fromLogits) {
        let m = -Infinity;
        for (let j = 0; j < width; j++) m = Math.max(m, yPred[o + j]!);
        // one exp per element: e_j = exp(z_j − m), kept in dPred for the gradient softmax·Σy − y
        let se = 0;
        for (let j = 0; j < width; j++) {
          const e = Math.exp(yPred[o + j]! - m);
          if (dPred) dPred[o + j] = e;
          se += e;
        }
        const lse = m + Math.log(se);
        let ys = 0;
        for (let j = 0; j < width; j++) {
          const y = sparse ? +(j === cls) : +yTrue[yo + j]!;
          if (y !== 0) total += y * (lse - yPred[o + j]!);
          ys += y;
        }
        if (dPred) {
          const k = ys / se;
          for (let j = 0; j < width; j++) {
            const y = sparse ? +(j === cls) : +yTrue[yo + j]!;
            dPred[o + j] = (dPred[o + j]! * k - y) * scale;
          }
        }
      } else {
        let s = 0;
        for (let j = 0; j < width; j++) s += yPred[o + j]!;
        let gq = 0;
        for (let j = 0; j < width; j++) {
          const q = yPred[o + j]! / s;
          const y = sparse ? +(j === cls) : +yTrue[yo + j]!;
          const c = clip(q);
          if (y !== 0) total -= y * Math.log(c);
          const g = y !== 0 && inClip(q) ? -y / c : 0;
          gq += g * q;
          if (dPred) dPred[o + j] = g;
        }
        if (dPred) for (let j = 0; j < width; j++) dPred[o + j] = ((dPred[o + j]! - gq) / s) * scale;
      }
    }
    return total * scale;
  }
  const mse = name === "mean_squared_error";
  const mae = name === "mean_absolute_error";
  if (!mse && !mae && name !== "binary_crossentropy") throw new LayercError(`unknown loss "${String(name)}"`);
  const scale = 1 / n;
  for (let i = 0; i < n; i++) {
    const p = yPred[i]!;
    const y = +yTrue[yOffset + i]!;
    const u = p - y;
    let d: number;
    if (mse) {
      total += u * u;
      d = 2 * u;
    } else if (mae) {
      total += Math.abs(u);
      d = u > 0 ? 1 : -1;
    } else if (fromLogits) {
      const e = Math.exp(-Math.abs(p));
      total += Math.max(p, 0) - p * y + Math.log1p(e);
      d = (p >= 0 ? 1 : e) / (1 + e) - y; // sigmoid(p) − y, stable
    } else {
      const c = clip(p);
      total -= y * Math.log(c) + (1 - y) * Math.log(1 - c);
      d = inClip(p) ? (1 - y) / (1 - c) - y / c : 0;
    }
    if (dPred) dPred[i] = d * scale;
  }
  return total * scale;
}

/**
 * Whether a row's softmax probabilities give the from-logits loss to full
 * precision: every labelled class has p well above underflow (else log p
 * would lose the digits that z − logsumexp(z) keeps).
 */
function probsUsable(p: Float64Array, o: number, width: number, sparse: boolean, cls: number, yTrue: ArrayLike<number>, yo: number): boolean {
  for (let j = 0; j < width; j++) {
    const labelled = sparse ? j === cls : +yTrue[yo + j]! !== 0;
    if (labelled && !(p[o + j]! > 1e-290)) return false;
  }
  return true;
}

function argmax(a: ArrayLike<number>, o: number, n: number): number {
  let k = 0;
  for (let j = 1; j < n; j++) if (a[o + j]! > a[o + k]!) k = j;
  return k;
}

/**
 * Number of correct predictions in the batch: the SUM over the batch of the
 * per-sample accuracy (callers divide by the sample count). The metric is
 * chosen as Keras 3's "accuracy" does (`compile_utils.get_metric`), from the
 * shapes, which here follow from the loss:
 * - outSize 1 → binary_accuracy: (p > 0.5) == y, y compared exactly (a soft
 *   target such as 0.9 never matches, as in Keras);
 * - sparse_categorical_crossentropy → argmax(p) == y;
 * - otherwise (including binary_crossentropy and MSE/MAE with outSize > 1)
 *   → categorical_accuracy: argmax(p) == argmax(y), first maximum wins.
 * Predictions are used as given, so for from_logits models the binary
 * threshold is still 0.5 on the logit (Keras behaves the same); argmax is
 * unaffected by logits.
 */
export function countCorrect(
  loss: LossName,
  yPred: Float64Array,
  yTrue: ArrayLike<number>,
  yOffset: number,
  batch: number,
  outSize: number,
  classes: number = outSize,
): number {
  const sparse = loss === "sparse_categorical_crossentropy";
  // per sample: the mean over its rows (positions) of per-row hits, as Keras averages
  const rows = outSize / classes;
  let hits = 0;
  for (let b = 0, o = 0; b < batch; b++) {
    let h = 0;
    for (let r = 0; r < rows; r++, o += classes) {
      if (classes === 1) h += (yPred[o]! > 0.5 ? 1 : 0) === +yTrue[yOffset + o]! ? 1 : 0;
      else if (sparse) h += argmax(yPred, o, classes) === +yTrue[yOffset + b]! ? 1 : 0;
      else h += argmax(yPred, o, classes) === argmax(yTrue, yOffset + o, classes) ? 1 : 0;
    }
    hits += h / rows;
  }
  return hits;
}
