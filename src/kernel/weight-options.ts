/**
 * Weight regularizers and constraints in the kernel form, run around the
 * optimizer step (Keras 3: the penalty is part of the loss, so its gradient
 * joins the weights' before the update; constraints project the weights
 * after it, after the EMA):
 *
 *   regularizers   grads += l1·sign(w) + 2·l2·w; result[1] ← Σ l1·|w| + l2·w²
 *   activity       a layer call's output y (batch of B): the loss gains
 *                  (Σ l1·|y| + l2·y²) / B, so dy += (l1·sign(y) + 2·l2·y) / B
 *                  (keras/src/layers/layer.py divides by the batch size)
 *   constraints    MaxNorm, MinMaxNorm, UnitNorm scale each slice along the
 *                  constraint's axes by (clipped) norm / (ε + norm); NonNeg
 *                  zeroes negative weights (keras/src/constraints)
 *
 * Both are written over constant offsets, specialized like every kernel.
 */
import { add, BATCH, call, cmp, div, mul, num, ref, select, sub, type Expr, type Stmt } from "./expr.js";
import { letVar, load, loop, setVar, storeAt as store } from "./buffer.js";
import type { ConstraintSpec, RegularizerSpec } from "../runtime/spec.js";

export interface WeightTensor {
  readonly offset: number;
  readonly shape: readonly number[];
  readonly regularizer?: RegularizerSpec;
  readonly constraint?: ConstraintSpec;
}

const EPS = 1e-7;
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Adds each regularized weight's penalty gradient to `grads` and writes the total penalty to result[1]. */
export function regularizerKernel(weights: readonly WeightTensor[], params: string, grads: string, result: string): Stmt[] {
  const out: Stmt[] = [letVar("pen", num(0))];
  for (const w of weights) {
    const r = w.regularizer;
    if (!r || (r.l1 === 0 && r.l2 === 0)) continue;
    out.push(
      loop("i", prod(w.shape), (i) => {
        const at = add(num(w.offset), i);
        const sign = signOf(ref("w"));
        return [
          letVar("w", load(params, at)),
          setVar("pen", add(mul(num(r.l1), call("abs", ref("w"))), mul(num(r.l2), mul(ref("w"), ref("w")))), true),
          store(grads, at, add(mul(num(r.l1), sign), mul(num(2 * r.l2), ref("w"))), true),
        ];
      }),
    );
  }
  out.push(store(result, num(1), ref("pen")));
  return out;
}

const signOf = (v: Expr): Expr => select(cmp(">", v, num(0)), num(1), select(cmp("<", v, num(0)), num(-1), num(0)));

/** Whether a regularizer adds anything (L1L2() with both factors 0 does not). */
export const penalizes = (r: RegularizerSpec | null | undefined): r is RegularizerSpec => !!r && (r.l1 !== 0 || r.l2 !== 0);

/** Adds the activity penalty of output `y` (`size` values per sample) to `result[index]`: (Σ l1·|y| + l2·y²) / batch. */
export function activityPenaltyKernel(r: RegularizerSpec, y: string, size: number, result: string, index: number): Stmt[] {
  return [
    letVar("pen", num(0)),
    loop("i", mul(BATCH, num(size)), (i) => [letVar("v", load(y, i)), setVar("pen", add(mul(num(r.l1), call("abs", ref("v"))), mul(num(r.l2), mul(ref("v"), ref("v")))), true)]),
    store(result, num(index), div(ref("pen"), BATCH), true),
  ];
}

/** Adds the activity penalty's gradient to the output gradient `dy`: (l1·sign(y) + 2·l2·y) / batch. */
export function activityGradKernel(r: RegularizerSpec, y: string, dy: string, size: number): Stmt[] {
  return [
    loop("i", mul(BATCH, num(size)), (i) => [letVar("v", load(y, i)), store(dy, i, div(add(mul(num(r.l1), signOf(ref("v"))), mul(num(2 * r.l2), ref("v"))), BATCH), true)]),
  ];
}

/** Whether any weight has a regularizer (the kernel then runs and the runtime adds result[1] to the loss). */
export const hasRegularizers = (weights: readonly WeightTensor[]): boolean => weights.some((w) => w.regularizer && (w.regularizer.l1 !== 0 || w.regularizer.l2 !== 0));

/** Projects every constrained weight, in place. */
export function constraintKernel(weights: readonly WeightTensor[], params: string): Stmt[] {
  return weights.flatMap((w, k) => (w.constraint ? constrain(w, w.constraint, params, `c${k}`) : []));
}

function constrain(w: WeightTensor, c: ConstraintSpec, P: string, v: string): Stmt[] {
  const size = prod(w.shape);
  if (c.name === "non_neg") {
    return [loop("i", size, (i) => [letVar("w", load(P, add(num(w.offset), i))), store(P, add(num(w.offset), i), select(cmp(">=", ref("w"), num(0)), ref("w"), num(0)))])];
  }
  // strides of the weight; the kept axes index the slices, the reduced axes run inside each
  const strides = w.shape.map((_, d) => prod(w.shape.slice(d + 1)));
  const reduced = [...new Set(c.axis)].sort((a, b) => a - b);
  const kept = w.shape.map((_, d) => d).filter((d) => !reduced.includes(d));
  const nest = (axes: readonly number[], name: string, body: (offset: Expr) => Stmt[], offset: Expr = num(w.offset), k = 0): Stmt[] => {
    if (k === axes.length) return body(offset);
    const d = axes[k]!;
    return [loop(`${name}${d}`, w.shape[d]!, (i) => nest(axes, name, body, add(offset, mul(i, num(strides[d]!))), k + 1))];
  };
  const norm = ref(`${v}n`);
  const desired: Expr =
    c.name === "max_norm"
      ? call("min", call("max", norm, num(0)), num(c.maxValue))
      : c.name === "min_max_norm"
        ? add(mul(num(c.rate), call("min", call("max", norm, num(c.minValue)), num(c.maxValue))), mul(num(1 - c.rate), norm))
        : num(1);
  return nest(kept, `${v}k`, (base) => [
    letVar(`${v}s`, num(0)),
    ...nest(reduced, `${v}r`, (o) => [setVar(`${v}s`, mul(load(P, o), load(P, o)), true)], base),
    letVar(`${v}n`, call("sqrt", ref(`${v}s`))),
    letVar(`${v}f`, div(desired, add(num(EPS), norm))),
    ...nest(reduced, `${v}q`, (o) => [store(P, o, mul(load(P, o), ref(`${v}f`)))], base),
  ]);
}
