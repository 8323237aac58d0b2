/**
 * The optimizer step in the kernel form: Keras 3 update rules
 * (keras-semantics.md §4.3) written once over the flat parameter array,
 * so the interpreter runs them and the emitter specializes them (learning
 * rate and coefficients as constants, the trainable ranges as constant
 * loop bounds, nothing generic left). Buffers:
 *
 *   params, grads    the flat arrays (storage "param"/"grad", base 0)
 *   slot0, slot1     per-parameter state mirroring params (float64):
 *                    SGD [velocity], Adam [m, v], RMSprop [velocity, momentum]
 *   hyper            per-step scalars from the runtime: [Adam's α_t]
 *
 * Arithmetic is float64 and rounds once when stored into float32 params, as
 * in the runtime's createOptimizer (which tests hold this kernel to).
 */
import { add, call, div, mul, num, ref, sub, type Expr, type Stmt } from "./expr.js";
import { letVar, load, storeAt as store } from "./buffer.js";
import type { OptimizerSpec } from "../runtime/spec.js";

/** Buffer names the kernel uses (the plan may rename them to stay unique). */
export interface OptimizerBuffers {
  readonly params: string;
  readonly grads: string;
  readonly slots: readonly [string, string];
  readonly hyper: string;
}


/** One update of every parameter in `ranges` ([offset, size] pairs, merged when adjacent). */
export function optimizerKernel(spec: OptimizerSpec, ranges: readonly (readonly [number, number])[], names: OptimizerBuffers): Stmt[] {
  const { params: P, grads: G, slots, hyper: H } = names;
  const [S0, S1] = slots;
  const lr = num(spec.learningRate);
  const body = (i: Expr): Stmt[] => {
    const p = load(P, i);
    const g = load(G, i);
    switch (spec.name) {
      case "sgd": {
        if (spec.momentum <= 0) return [store(P, i, sub(p, mul(lr, g)))];
        const mu = num(spec.momentum);
        const step = spec.nesterov ? sub(mul(mu, ref("v")), mul(lr, g)) : ref("v");
        return [letVar("v", sub(mul(mu, load(S0, i)), mul(lr, g))), store(S0, i, ref("v")), store(P, i, add(p, step))];
      }
      case "adam": {
        const { beta1, beta2, epsilon } = spec;
        return [
          letVar("gi", g),
          letVar("m", add(load(S0, i), mul(sub(ref("gi"), load(S0, i)), num(1 - beta1)))),
          store(S0, i, ref("m")),
          letVar("v", add(load(S1, i), mul(sub(mul(ref("gi"), ref("gi")), load(S1, i)), num(1 - beta2)))),
          store(S1, i, ref("v")),
          store(P, i, sub(p, div(mul(ref("m"), load(H, num(0))), add(call("sqrt", ref("v")), num(epsilon))))),
        ];
      }
      case "rmsprop": {
        const { rho, momentum, epsilon } = spec;
        const out: Stmt[] = [
          letVar("gi", g),
          letVar("v", add(mul(num(rho), load(S0, i)), mul(mul(num(1 - rho), ref("gi")), ref("gi")))),
          store(S0, i, ref("v")),
          letVar("inc", div(mul(lr, ref("gi")), call("sqrt", add(ref("v"), num(epsilon))))),
        ];
        if (momentum <= 0) return [...out, store(P, i, sub(p, ref("inc")))];
        return [
          ...out,
          letVar("mo", add(mul(num(momentum), load(S1, i)), ref("inc"))),
          store(S1, i, ref("mo")),
          store(P, i, sub(p, ref("mo"))),
        ];
      }
    }
  };
  const merged: [number, number][] = [];
  for (const [off, size] of ranges) {
    const last = merged[merged.length - 1];
    if (last && last[0] + last[1] === off) last[1] += size;
    else if (size > 0) merged.push([off, size]);
  }
  return merged.map(([off, size]) => ({ k: "for", v: "i", from: num(off), to: num(off + size), body: body(ref("i")) }) as Stmt);
}

