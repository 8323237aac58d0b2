/**
 * layerc/runtime: what generated modules (and the interpreter) link to.
 * Imports nothing from the compiler.
 */
export { ModelBase, TrainableModel } from "./model.js";
export type { ModelMeta, WeightMeta, Weight, WeightInput, ModelOptions, PredictOptions, FitOptions, History, HistoryOf, Logs, AnyLogs, LogValue, ModelInput, ModelOutput, PortMeta, OutputMeta } from "./model.js";
export { LayercError, NonFiniteError } from "./errors.js";
export { readWeights, writeWeights } from "./weights.js";
export type { WeightsDtype, WeightsFile, NamedWeight } from "./weights.js";
export { Store } from "./store.js";
export type { NativeKernel, NativeLoader } from "./native.js";
/** Linked by generated classes with native kernels (nativeLoader) or embedded weights (decodeBase64). */
export { nativeLoader, decodeBase64 } from "./native.js";
export { erf } from "./math.js";
export { Rng, deriveSeed, randomSeed } from "./random.js";
export {
  initialize,
  computeFans,
  constantInit,
  identityInit,
  orthogonalInit,
  unitForgetBiasInit,
  randomNormalInit,
  truncatedNormalInit,
  randomUniformInit,
  varianceScalingInit,
} from "./initializers.js";
export type { InitializerFill, InitializerKinds } from "./initializers.js";
export { computeLoss, countCorrect } from "./losses.js";
export { createOptimizer, sgdRule, adamRule, rmspropRule, adagradRule, adadeltaRule, adamaxRule, nadamRule, lionRule, ftrlRule } from "./optimizers.js";
export type { OptimizerRule, OptimizerKinds } from "./optimizers.js";
export { EarlyStopping, ReduceLROnPlateau, LearningRateScheduler } from "./callbacks.js";
export type { Callback, CallbackModel, EarlyStoppingOptions, ReduceLROnPlateauOptions, LogsLike } from "./callbacks.js";
export type { EvaluateOptions } from "./fit-options.js";
export type { ProgressSink } from "./progress.js";
export {
  createMetric,
  binaryAccuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  topKAccuracy,
  meanAbsoluteError,
  meanSquaredError,
  rootMeanSquaredError,
  meanAbsolutePercentageError,
  precision,
  recall,
  aucMetric,
  fbetaScore,
} from "./metrics.js";
export type { MetricState, MetricFactory, MetricKinds } from "./metrics.js";
export {
  scheduleAt,
  learningRateAt,
  exponentialDecay,
  inverseTimeDecay,
  piecewiseConstantDecay,
  polynomialDecay,
  cosineDecay,
  cosineDecayRestarts,
} from "./schedules.js";
export type { ScheduleRule, ScheduleKinds } from "./schedules.js";
export type { Optimizer } from "./optimizers.js";
export { formatSummary } from "./summary.js";
export type { SummaryLayer } from "./summary.js";
export type { Samples } from "./data.js";
export type * from "./spec.js";
/** Linked by generated classes with native kernels (`new Model({ threads: n })`). */
export { instantiateThreaded } from "./threads.js";
