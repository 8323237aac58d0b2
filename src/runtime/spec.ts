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
  | { readonly name: "identity"; readonly gain: number; readonly seed?: null }
  /**
   * LSTM's unit_forget_bias (Keras): `inner` on the input gate's quarter of
   * the bias and on the last half, ones on the forget gate's quarter.
   */
  | { readonly name: "unit_forget_bias"; readonly inner: InitializerSpec; readonly units: number; readonly seed?: null };

export type LossName =
  | "mean_squared_error"
  | "mean_absolute_error"
  | "mean_absolute_percentage_error"
  | "mean_squared_logarithmic_error"
  | "huber"
  | "log_cosh"
  | "poisson"
  | "kl_divergence"
  | "cosine_similarity"
  | "hinge"
  | "squared_hinge"
  | "categorical_hinge"
  | "binary_crossentropy"
  | "binary_focal_crossentropy"
  | "categorical_crossentropy"
  | "categorical_focal_crossentropy"
  | "sparse_categorical_crossentropy";

/** A resolved Keras 3 loss; the optional fields are present only where the loss has them and they differ from off. */
export interface LossSpec {
  readonly name: LossName;
  /** Only meaningful for the crossentropies. */
  readonly fromLogits: boolean;
  /** Crossentropies (not sparse): targets y·(1 − s) + s/classes (binary: + s/2). */
  readonly labelSmoothing?: number;
  /** Huber's threshold (default 1). */
  readonly delta?: number;
  /** The focal losses' α (default 0.25) and γ (default 2). */
  readonly alpha?: number;
  readonly gamma?: number;
  /** Binary focal: weigh class 1 by α and class 0 by 1 − α. */
  readonly applyClassBalancing?: boolean;
}

/** A Keras 3 learning-rate schedule (keras.optimizers.schedules), evaluated at the optimizer's step count. */
export type ScheduleSpec =
  | {
      readonly name: "exponential_decay" | "inverse_time_decay";
      readonly initialLearningRate: number;
      readonly decaySteps: number;
      readonly decayRate: number;
      readonly staircase: boolean;
    }
  | { readonly name: "piecewise_constant_decay"; readonly boundaries: readonly number[]; readonly values: readonly number[] }
  | {
      readonly name: "polynomial_decay";
      readonly initialLearningRate: number;
      readonly decaySteps: number;
      readonly endLearningRate: number;
      readonly power: number;
      readonly cycle: boolean;
    }
  | {
      readonly name: "cosine_decay";
      readonly initialLearningRate: number;
      readonly decaySteps: number;
      readonly alpha: number;
      readonly warmupTarget: number | null;
      readonly warmupSteps: number;
    }
  | {
      readonly name: "cosine_decay_restarts";
      readonly initialLearningRate: number;
      readonly firstDecaySteps: number;
      readonly tMul: number;
      readonly mMul: number;
      readonly alpha: number;
    };

/**
 * Options every Keras 3 optimizer takes (base_optimizer.py). Optional so a
 * hand-written spec may leave them out; absent means Keras's default (off).
 */
export interface OptimizerOptions {
  /** The constant learning rate, or the schedule's value at step 0 when `schedule` is set. */
  readonly learningRate: number;
  /** `learning_rate=ExponentialDecay(…)` and friends; null/absent: constant. */
  readonly schedule?: ScheduleSpec | null;
  /** Decoupled weight decay: w ← w − w·wd·lr before each update (AdamW's is 0.004). */
  readonly weightDecay?: number | null;
  /** Clip each weight tensor's gradient to this L2 norm. */
  readonly clipnorm?: number | null;
  /** Clip every gradient element to [−v, v]. */
  readonly clipvalue?: number | null;
  /** Scale all gradients together so their global L2 norm is at most this. */
  readonly globalClipnorm?: number | null;
  /** Keep an exponential moving average of the weights; fit ends by copying it into them. */
  readonly useEma?: boolean;
  readonly emaMomentum?: number;
  /** Copy the average into the weights every this many steps (null: only at the end of fit). */
  readonly emaOverwriteFrequency?: number | null;
}

export type OptimizerSpec = OptimizerOptions &
  (
    | { readonly name: "sgd"; readonly momentum: number; readonly nesterov: boolean }
    | {
        readonly name: "adam" | "adamw";
        readonly beta1: number;
        readonly beta2: number;
        readonly epsilon: number;
        readonly amsgrad?: boolean;
      }
    | { readonly name: "rmsprop"; readonly rho: number; readonly momentum: number; readonly epsilon: number; readonly centered?: boolean }
    | { readonly name: "adagrad"; readonly initialAccumulatorValue: number; readonly epsilon: number }
    | { readonly name: "adadelta"; readonly rho: number; readonly epsilon: number }
    | { readonly name: "adamax" | "nadam"; readonly beta1: number; readonly beta2: number; readonly epsilon: number }
    | { readonly name: "lion"; readonly beta1: number; readonly beta2: number }
    | {
        readonly name: "ftrl";
        readonly learningRatePower: number;
        readonly initialAccumulatorValue: number;
        readonly l1RegularizationStrength: number;
        readonly l2RegularizationStrength: number;
        readonly l2ShrinkageRegularizationStrength: number;
        readonly beta: number;
      }
  );

export type OptimizerName = OptimizerSpec["name"];

/** What a metric computes (Keras 3 keras/src/metrics), after `accuracy` is resolved from the shapes. */
export type MetricKind =
  | "binary_accuracy"
  | "categorical_accuracy"
  | "sparse_categorical_accuracy"
  | "top_k_categorical_accuracy"
  | "sparse_top_k_categorical_accuracy"
  | "mean_absolute_error"
  | "mean_squared_error"
  | "root_mean_squared_error"
  | "mean_absolute_percentage_error"
  | "precision"
  | "recall"
  | "auc"
  | "f1_score";

/** A compiled metric: its key in logs and history (Keras's naming), what it computes, and its arguments. */
export interface MetricSpec {
  readonly name: string;
  readonly kind: MetricKind;
  /** Binary accuracy, precision, recall, F1: predictions above it count as positive (F1 without: the row's largest). */
  readonly threshold?: number;
  /** Top-k accuracies (default 5). */
  readonly k?: number;
  /** AUC's thresholds (default 200). */
  readonly numThresholds?: number;
  /** F1Score / FBetaScore averaging; absent (Keras's default None): one value per class, an array in logs, History and evaluate. */
  readonly average?: "micro" | "macro" | "weighted";
  /** FBetaScore's beta (F1Score: 1). */
  readonly beta?: number;
}

/** A weight regularizer (Keras L1, L2, L1L2): the loss gains l1·Σ|w| + l2·Σw². */
export interface RegularizerSpec {
  readonly l1: number;
  readonly l2: number;
}

/**
 * A weight constraint (Keras MaxNorm, MinMaxNorm, NonNeg, UnitNorm), applied
 * after each optimizer step. `axis`: the axes the norm runs over (Keras's
 * default 0: for a Dense kernel, each unit's incoming weights).
 */
export type ConstraintSpec =
  | { readonly name: "max_norm"; readonly maxValue: number; readonly axis: readonly number[] }
  | { readonly name: "min_max_norm"; readonly minValue: number; readonly maxValue: number; readonly rate: number; readonly axis: readonly number[] }
  | { readonly name: "non_neg" }
  | { readonly name: "unit_norm"; readonly axis: readonly number[] };
