/**
 * SGD (with momentum / Nesterov), Adam and RMSprop with Keras 3 update rules
 * (keras-semantics.md §4.3). Part of the shipped runtime: imports only
 * runtime files.
 *
 * Updates are computed in float64 from float64 state and stored back into
 * the parameters, which rounds once to float32 when they are a Float32Array
 * (as Keras float32 variables do). State is allocated once, in
 * createOptimizer; `step` allocates nothing.
 *
 * Adam uses Keras's ε-hat form, w ← w − α_t·m/(√v + ε) with
 * α_t = lr·√(1−β2ᵗ)/(1−β1ᵗ), which differs from tfjs's
 * lr·m̂/(√v̂ + ε) when √v is near ε (§7 row 20).
 */
import { LayercError } from "./errors.js";
import type { OptimizerSpec } from "./spec.js";

export interface Optimizer {
  /** Apply one update to params[offset..offset+size) for each trainable range, using grads at the same indices. */
  step(
    params: Float32Array | Float64Array,
    grads: Float64Array,
    ranges: readonly (readonly [offset: number, size: number])[],
  ): void;
  /** Number of `step` calls so far (Keras `optimizer.iterations`). */
  readonly iterations: number;
}

/**
 * Number of state arrays (slots) an optimizer keeps, each mirroring the
 * parameters: SGD [velocity] (none without momentum); Adam [m, v];
 * RMSprop [velocity, momentum?].
 */
export function slotCount(spec: OptimizerSpec): number {
  return spec.name === "adam" ? 2 : spec.name === "sgd" ? +(spec.momentum > 0) : 1 + +(spec.momentum > 0);
}

/** Per-step scalars of the update for step t (1-based): [Adam's α_t = lr·√(1−β2ᵗ)/(1−β1ᵗ)], 0 otherwise. */
export function stepScalars(spec: OptimizerSpec, t: number, out: Float64Array): void {
  out[0] = spec.name === "adam" ? (spec.learningRate * Math.sqrt(1 - spec.beta2 ** t)) / (1 - spec.beta1 ** t) : 0;
}

class KerasOptimizer implements Optimizer {
  iterations = 0;
  /**
   * Per-parameter state, indexed like the parameters: SGD [velocity] (none
   * without momentum); Adam [m, v]; RMSprop [velocity, momentum?].
   */
  readonly slots: Float64Array[] = [];

  constructor(
    readonly spec: OptimizerSpec,
    readonly size: number,
  ) {
    const k = spec.name === "adam" ? 2 : spec.name === "sgd" ? +(spec.momentum > 0) : 1 + +(spec.momentum > 0);
    for (let i = 0; i < k; i++) this.slots.push(new Float64Array(size));
  }

  step(
    params: Float32Array | Float64Array,
    grads: Float64Array,
    ranges: readonly (readonly [offset: number, size: number])[],
  ): void {
    const sp = this.spec;
    const lr = sp.learningRate;
    const s0 = this.slots[0];
    const s1 = this.slots[1];
    const t = ++this.iterations;
    const limit = Math.min(this.size, params.length, grads.length);
    // Adam's α_t (unused otherwise).
    const alpha = sp.name === "adam" ? (lr * Math.sqrt(1 - sp.beta2 ** t)) / (1 - sp.beta1 ** t) : 0;
    for (let r = 0; r < ranges.length; r++) {
      const [off, len] = ranges[r]!;
      if (off < 0 || len < 0 || off + len > limit) throw new LayercError(`optimizer range [${off}, ${off + len}) outside ${limit} parameters`);
      const end = off + len;
      if (sp.name === "sgd") {
        const mu = sp.momentum;
        if (!s0) for (let i = off; i < end; i++) params[i] = params[i]! - lr * grads[i]!;
        else {
          for (let i = off; i < end; i++) {
            const v = mu * s0[i]! - lr * grads[i]!;
            s0[i] = v;
            params[i] = params[i]! + (sp.nesterov ? mu * v - lr * grads[i]! : v);
          }
        }
      } else if (sp.name === "adam") {
        const { beta1, beta2, epsilon } = sp;
        for (let i = off; i < end; i++) {
          const g = grads[i]!;
          const m = (s0![i] = s0![i]! + (g - s0![i]!) * (1 - beta1));
          const v = (s1![i] = s1![i]! + (g * g - s1![i]!) * (1 - beta2));
          params[i] = params[i]! - (m * alpha) / (Math.sqrt(v) + epsilon);
        }
      } else {
        const { rho, momentum, epsilon } = sp;
        for (let i = off; i < end; i++) {
          const g = grads[i]!;
          const v = (s0![i] = rho * s0![i]! + (1 - rho) * g * g);
          const inc = (lr * g) / Math.sqrt(v + epsilon);
          params[i] = params[i]! - (s1 ? (s1[i] = momentum * s1[i]! + inc) : inc);
        }
      }
    }
  }
}

/**
 * A Keras 3 optimizer for `size` parameters (size = params.length); its
 * state arrays are preallocated here. Throws LayercError for an unknown
 * optimizer name (hand-written specs).
 */
export function createOptimizer(spec: OptimizerSpec, size: number): Optimizer {
  const name = (spec as { name: string }).name;
  if (name !== "sgd" && name !== "adam" && name !== "rmsprop") throw new LayercError(`unknown optimizer "${name}"`);
  return new KerasOptimizer(spec, size);
}
