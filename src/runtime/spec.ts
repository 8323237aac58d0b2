/**
 * Plain data the runtime consumes from compiled or interpreted models:
 * resolved initializer, loss and optimizer specs. Part of the runtime
 * (shipped to users), so it imports nothing from the compiler; the
 * compiler's ModelIR reuses these types.
 */

/** Canonical (snake_case) initializer names; aliases are resolved by the checker. */
export type InitializerName =
  | "zeros"
  | "ones"
  | "constant"
  | "random_normal"
  | "random_uniform"
  | "truncated_normal"
  | "variance_scaling"
  | "glorot_uniform"
  | "glorot_normal"
  | "he_uniform"
  | "he_normal"
  | "lecun_uniform"
  | "lecun_normal"
  | "orthogonal"
  | "identity";

/**
 * A fully resolved initializer: every argument present with its Keras 3
 * default. `seed` is the initializer's own seed (null: derived from the
 * model seed and the weight's name, `layer/weight`).
 */
export type InitializerSpec =
  | { readonly name: "zeros" | "ones"; readonly seed?: null }
  | { readonly name: "constant"; readonly value: number; readonly seed?: null }
  | { readonly name: "random_normal" | "truncated_normal"; readonly mean: number; readonly stddev: number; readonly seed: number | null }
  | { readonly name: "random_uniform"; readonly minval: number; readonly maxval: number; readonly seed: number | null }
  | {
      readonly name: "variance_scaling";
      readonly scale: number;
      readonly mode: "fan_in" | "fan_out" | "fan_avg";
      readonly distribution: "uniform" | "truncated_normal" | "untruncated_normal";
      readonly seed: number | null;
    }
  | {
      readonly name: "glorot_uniform" | "glorot_normal" | "he_uniform" | "he_normal" | "lecun_uniform" | "lecun_normal";
      readonly seed: number | null;
    }
  | { readonly name: "orthogonal"; readonly gain: number; readonly seed: number | null }
  | { readonly name: "identity"; readonly gain: number; readonly seed?: null };

export type LossName =
  | "mean_squared_error"
  | "mean_absolute_error"
  | "binary_crossentropy"
  | "categorical_crossentropy"
  | "sparse_categorical_crossentropy";

export interface LossSpec {
  readonly name: LossName;
  /** Only meaningful for the crossentropies. */
  readonly fromLogits: boolean;
}

export type OptimizerSpec =
  | { readonly name: "sgd"; readonly learningRate: number; readonly momentum: number; readonly nesterov: boolean }
  | { readonly name: "adam"; readonly learningRate: number; readonly beta1: number; readonly beta2: number; readonly epsilon: number }
  | { readonly name: "rmsprop"; readonly learningRate: number; readonly rho: number; readonly momentum: number; readonly epsilon: number };

export type MetricName = "accuracy";
