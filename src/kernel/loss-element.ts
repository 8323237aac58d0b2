/**
 * The losses that Keras 3 computes element by element and averages over the
 * last axis (keras/src/losses/losses.py), in the kernel form: each entry
 * gives, for one prediction p and target y, the statements it needs, the
 * element's loss and dLoss/dp. lossKernel (loss.ts) sums them over the
 * batch with the per-sample weights and scales by 1/(batch·outSize), the
 * "sum_over_batch_size" reduction of the per-sample means.
 *
 * Conventions: ε = 1e-7 (Keras's backend epsilon); where Keras takes
 * max(·, ε) or clips, the derivative is 0 on the flat side, as JAX's
 * gradient of the same expression is (ties aside).
 */
import { add, and, call, cmp, div, mul, num, ref, select, sub, type Expr, type Stmt } from "./expr.js";
import { letVar } from "./buffer.js";
import type { LossSpec } from "../runtime/spec.js";

const EPS = 1e-7;
/** Math.fround(1 − 1e-7), as the runtime clips. */
const HI = 1 - 2 ** -23;

/** Probabilities clipped to [ε, 1 − ε] (1 − ε as float32 rounds it), as Keras clips them. */
export const clip = (p: Expr): Expr => select(cmp("<", p, num(EPS)), num(EPS), select(cmp(">", p, num(HI)), num(HI), p));
/** Where the clip passes the gradient: inside the closed interval. */
export const inClip = (p: Expr) => and(cmp(">=", p, num(EPS)), cmp("<=", p, num(HI)));

/** x^e, as multiplications for small whole exponents. */
export function power(x: Expr, e: number): Expr {
  if (e === 0) return num(1);
  if (e === 1) return x;
  if (e === 2) return mul(x, x);
  return call("pow", x, num(e));
}

export interface ElementLoss {
  readonly pre: Stmt[];
  readonly value: Expr;
  readonly grad: Expr;
}

/** Losses whose per-sample value is the mean over the last axis of an element loss. */
export type ElementwiseName =
  | "mean_squared_error"
  | "mean_absolute_error"
  | "mean_absolute_percentage_error"
  | "mean_squared_logarithmic_error"
  | "huber"
  | "log_cosh"
  | "poisson"
  | "hinge"
  | "squared_hinge";

export const elementwiseLosses: readonly ElementwiseName[] = [
  "mean_squared_error",
  "mean_absolute_error",
  "mean_absolute_percentage_error",
  "mean_squared_logarithmic_error",
  "huber",
  "log_cosh",
  "poisson",
  "hinge",
  "squared_hinge",
];

const sign = (x: Expr, zero: Expr = num(-1)) => select(cmp(">", x, num(0)), num(1), zero);

/**
 * Element loss of `name` at prediction `p` and target `y` (both atoms).
 * Hinge losses read their targets through `yt`, which the kernel sets to
 * 2y − 1 when every target of the batch is 0 or 1 (Keras's conversion).
 */
export function elementLoss(spec: LossSpec, p: Expr, y: Expr): ElementLoss {
  const u = ref("u");
  switch (spec.name as ElementwiseName) {
    case "mean_squared_error":
      return { pre: [letVar("u", sub(p, y))], value: mul(u, u), grad: mul(num(2), u) };
    case "mean_absolute_error":
      return { pre: [letVar("u", sub(p, y))], value: call("abs", u), grad: sign(u) };
    case "mean_absolute_percentage_error": {
      // 100·|(y − p) / max(|y|, ε)|
      const d = ref("d");
      return { pre: [letVar("u", sub(p, y)), letVar("d", call("max", call("abs", y), num(EPS)))], value: mul(num(100), call("abs", div(u, d))), grad: div(mul(num(100), sign(u)), d) };
    }
    case "mean_squared_logarithmic_error": {
      // (log(max(p, ε) + 1) − log(max(y, ε) + 1))²
      const pre = [letVar("u", sub(call("log", add(call("max", p, num(EPS)), num(1))), call("log", add(call("max", y, num(EPS)), num(1)))))];
      return { pre, value: mul(u, u), grad: select(cmp(">", p, num(EPS)), div(mul(num(2), u), add(p, num(1))), num(0)) };
    }
    case "huber": {
      const delta = spec.delta ?? 1;
      const a = ref("a");
      const pre = [letVar("u", sub(p, y)), letVar("a", call("abs", u))];
      const small = cmp("<=", a, num(delta));
      return { pre, value: select(small, mul(num(0.5), mul(u, u)), sub(mul(num(delta), a), num(0.5 * delta * delta))), grad: select(small, u, mul(num(delta), sign(u))) };
    }
    case "log_cosh":
      // x + softplus(−2x) − log 2, whose derivative is tanh(x)
      return { pre: [letVar("u", sub(p, y))], value: sub(add(u, call("softplus", mul(num(-2), u))), num(Math.LN2)), grad: call("tanh", u) };
    case "poisson":
      return { pre: [], value: sub(p, mul(y, call("log", add(p, num(EPS))))), grad: sub(num(1), div(y, add(p, num(EPS)))) };
    case "hinge":
    case "squared_hinge": {
      const m = ref("u");
      const pre = [letVar("u", call("max", sub(num(1), mul(y, p)), num(0)))];
      if (spec.name === "hinge") return { pre, value: m, grad: select(cmp(">", m, num(0)), sub(num(0), y), num(0)) };
      return { pre, value: mul(m, m), grad: mul(mul(num(-2), m), y) };
    }
  }
  throw new Error(`layerc internal error: ${spec.name} is not an element-wise loss`);
}
