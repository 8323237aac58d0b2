/**
 * The model base class shared by generated and interpreted models: the flat
 * parameter array and its Keras-ordered views (getWeights / setWeights),
 * seeded initialization, input validation, predict, and the training loop
 * (trainOnBatch, fit, evaluate). Subclasses supply only the math: `forward`
 * and `backward` over preallocated buffers.
 *
 * Invariants: public methods validate every length and shape before they
 * mutate anything; steady-state predictBatch (with an output array) and
 * trainOnBatch allocate nothing.
 */
import { LayercError, NonFiniteError } from "./errors.js";
import { initialize } from "./initializers.js";
import { HYPER, slotLayout, stepScalars } from "./optimizers.js";
import { deriveSeed, randomSeed, Rng, weightSeed } from "./random.js";
import type { InitializerSpec, LossSpec, MetricSpec, OptimizerSpec, RegularizerSpec } from "./spec.js";
import type { CallbackModel, Logs } from "./callbacks.js";
import { prepareFit, sampleWeightsOf, type EvaluateOptions, type FitOptions, type FitPlan, type History } from "./fit-options.js";
import { createMetric, metricDirection, type MetricState } from "./metrics.js";
import { defaultSink, Progress } from "./progress.js";
import { learningRateAt } from "./schedules.js";
import { formatSummary, type SummaryLayer } from "./summary.js";
import { firstNonFinite, lengthError, shapeText, toFloat32, type Samples } from "./data.js";
import { boolean, callback, checkOptions, checkValue, describeValue, fraction, integer, any, type Rule } from "./options.js";
import { stateFinite, StepGuard } from "./step-guard.js";
import { decodeBase64, instantiate, nativeModule, type NativeKernel, type NativeModule, type NativeScan } from "./native.js";
import { readWeights, writeWeights, type WeightsDtype } from "./weights.js";
import { Store } from "./store.js";

export interface WeightMeta {
  /** `layer/weight`, e.g. `dense/kernel`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
  readonly trainable: boolean;
  readonly init: InitializerSpec;
  /** Its regularizer: the loss gains l1·Σ|w| + l2·Σw² (Keras kernel_regularizer / bias_regularizer). */
  readonly regularizer?: RegularizerSpec;
}

export interface ModelMeta {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly seed: number | null;
  readonly dtype: "float32" | "float64";
  readonly paramCount: number;
  readonly weights: readonly WeightMeta[];
  readonly layers: readonly SummaryLayer[];
  readonly training: {
    readonly loss: LossSpec;
    readonly optimizer: OptimizerSpec;
    readonly metrics: readonly MetricSpec[];
    /**
     * Set when the final softmax/sigmoid is fused with the crossentropy: the
     * loss kernel reads the pre-activation values (the logits), its
     * gradient is p − y, and backward starts below the activation.
     */
    readonly lossOnLogits?: LossSpec | null;
  } | null;
  /**
   * The model input is token ids (its first layer is an Embedding): every
   * value must be an integer in [0, limit); `layer` names the reader.
   */
  readonly tokenIds?: { readonly limit: number; readonly layer: string };
  /** Native kernels (a WebAssembly SIMD module, base64) for the model's large matrix products. */
  readonly wasm?: string;
  /**
   * Weights baked in at build time (`layerc build --embed-weights`): a
   * `.weights.bin` file, base64. Used when the constructor gets neither
   * `weights` nor `seed`.
   */
  readonly embeddedWeights?: string;
}

/** One weight tensor as getWeights() returns it: a copy, in Keras order and shape. */
export interface Weight {
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array;
}

/** A weight tensor for setWeights() or the constructor; `name` and `shape`, when given, must match. */
export interface WeightInput {
  readonly name?: string;
  readonly shape?: readonly number[];
  readonly data: ArrayLike<number>;
}

/**
 * Constructor options: a seed for the initializers and dropout (else the
 * spec's, else fresh), or weights (e.g. `readWeights(bytes)`). A model
 * built with embedded weights starts from them unless `seed` or `weights` is given.
 */
export interface ModelOptions {
  readonly seed?: number;
  readonly weights?: readonly WeightInput[];
  /**
   * Use the model's native (WebAssembly SIMD) kernels when it has them and
   * the platform supports them (default true); false runs the TypeScript
   * loops only. Both compute the same function.
   */
  readonly wasm?: boolean;
}

/** predict() options for many samples, as Keras's `model.predict(x, batch_size=…)`. */
export interface PredictOptions {
  /** Samples computed at a time (Keras's `batch_size`, default 32); the number of samples comes from x. */
  readonly batchSize?: number;
}

export type { Logs } from "./callbacks.js";
export type { EvaluateOptions, FitOptions, History } from "./fit-options.js";

/** Where a step runs, for its error: `trainOnBatch` or `fit epoch 2 batch 3`, and the caller's index of batch sample i. */
interface StepSite {
  readonly label: string;
  sample(i: number): number;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Resolves in a later macrotask (setTimeout 0), letting the event loop render and handle input; the runtime assumes no DOM or Node types. */
const nextTask = (): Promise<void> =>
  new Promise((resolve) => (globalThis as unknown as { setTimeout(f: () => void, ms: number): unknown }).setTimeout(resolve, 0));

const KNOWN_OPTIMIZERS: readonly string[] = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion", "ftrl"];

/** The options of every public method, validated by one validator (options.ts). */
const positive = integer(1);
const OPTIONS = {
  constructor: { seed: integer(0), weights: any, wasm: boolean },
  fit: {
    epochs: integer(0),
    batchSize: positive,
    shuffle: boolean,
    validationSplit: fraction,
    onEpochEnd: callback,
    onBatchEnd: callback,
    // checked in detail by prepareFit (fit-options.ts)
    validationData: any,
    classWeight: any,
    sampleWeight: any,
    initialEpoch: integer(0),
    callbacks: any,
    signal: any,
    verbose: any,
    progress: any,
  },
  evaluate: { batchSize: positive, sampleWeight: any },
} satisfies Record<string, Record<string, Rule>>;

export abstract class ModelBase {
  /** The seed used for initialization (given, from the spec, or fresh). */
  readonly seed: number;
  /** The flat parameter array (a view into the native memory when the model runs native kernels). */
  protected params: Float32Array | Float64Array;
  protected readonly inSize: number;
  protected readonly outSize: number;
  /** Size of the output's last axis (crossentropy and accuracy work along it). */
  protected readonly classes: number;
  private capacity = 0;
  private module: NativeModule | null;
  private kernels: Record<string, NativeKernel> | null = null;
  /** SIMD finiteness scans over the native memory (`nativeMemory`), when the model runs native kernels. */
  protected scan: NativeScan | null = null;
  protected nativeMemory: ArrayBuffer | null = null;

  protected constructor(
    protected readonly meta: ModelMeta,
    options: ModelOptions = {},
  ) {
    checkOptions(`new ${meta.name}`, options, OPTIONS.constructor);
    this.seed = options.seed ?? meta.seed ?? randomSeed();
    this.inSize = prod(meta.inputShape);
    this.outSize = prod(meta.outputShape);
    this.classes = meta.outputShape[meta.outputShape.length - 1] ?? 1;
    this.params = meta.dtype === "float64" ? new Float64Array(meta.paramCount) : new Float32Array(meta.paramCount);
    this.module = options.wasm === false ? null : nativeModule(meta);
    if (options.weights) this.setWeights(options.weights);
    else if (meta.embeddedWeights !== undefined && options.seed === undefined) this.setWeights(readWeights(decodeBase64(meta.embeddedWeights)));
    // each weight's stream follows from the model seed and its name, not its position (see weightSeed)
    else meta.weights.forEach((w) => initialize(w.init, w.shape, w.init.seed ?? weightSeed(this.seed, w.name), this.params, w.offset));
  }

  /** (Re)allocates per-instance activation buffers for batches up to `capacity`, taking each from `store`. */
  protected abstract allocate(capacity: number, store: Store): void;
  /** Runs the layers on `n` samples of `x`; returns the output buffer (n × outSize). */
  protected abstract forward(x: Float32Array, n: number, training: boolean): Float64Array;
  /** Makes the activation buffers hold at least `n` samples (allocates only when growing). */
  protected ensure(n: number): void {
    if (n > this.capacity) {
      this.capacity = n;
      this.layout(n);
    }
  }

  /** The model's native kernels, or null when it runs its TypeScript loops. */
  protected native<K>(): K | null {
    return this.kernels as K | null;
  }

  /**
   * Whether this instance runs native (WebAssembly SIMD) kernels. Answered
   * as soon as the instance exists: when the model has native kernels, the
   * first read lays the buffers out (as the first predict would) to learn
   * whether the platform runs them.
   */
  get usesWasm(): boolean {
    if (this.module !== null && this.kernels === null && this.capacity === 0) this.ensure(1);
    return this.kernels !== null;
  }

  /**
   * Takes every buffer of a layout for `capacity` samples from `store`.
   * Native layouts move the parameters into the store too; subclasses add
   * their own buffers (gradients) and call super.
   */
  protected place(capacity: number, store: Store): void {
    if (store.native) this.params = this.meta.dtype === "float64" ? store.f64(this.meta.paramCount) : store.f32(this.meta.paramCount);
    this.allocate(capacity, store);
  }

  /**
   * Lays the buffers out for `capacity` samples. With native kernels, every
   * buffer is a view into one fresh WebAssembly memory (sized by a measuring
   * pass) and the parameters are copied into it; if the memory or the
   * instance cannot be created, the model falls back to plain arrays.
   */
  private layout(capacity: number): void {
    if (this.module !== null) {
      const params = this.params;
      const measure = Store.measure();
      this.place(capacity, measure);
      this.params = params;
      const native = instantiate(this.module, measure.bytes);
      if (native !== null) {
        this.place(capacity, Store.on(native.buffer));
        this.params.set(params);
        this.kernels = native.kernels;
        this.scan = native.scan;
        this.nativeMemory = native.buffer;
        return;
      }
      this.module = null;
      this.kernels = null;
      this.scan = null;
      this.nativeMemory = null;
    }
    this.place(capacity, Store.plain());
  }

  /** Total number of weights, trainable and not (Keras count_params). */
  countParams(): number {
    return this.meta.paramCount;
  }

  /** The Keras 3 model.summary() table as text. */
  summary(): string {
    return formatSummary(this.meta.name, this.meta.layers, this.meta.dtype === "float64" ? 8 : 4);
  }

  /** Copies of every weight tensor, in Keras order and shapes. */
  getWeights(): Weight[] {
    return this.meta.weights.map((w) => ({
      name: w.name,
      shape: [...w.shape],
      data: Float32Array.from(this.params.subarray(w.offset, w.offset + w.size)),
    }));
  }

  /** Replaces all weights; validates every tensor first, so a bad call changes nothing. */
  setWeights(weights: readonly WeightInput[]): void {
    const expected = this.meta.weights;
    if (!Array.isArray(weights) || weights.length !== expected.length) {
      const names = expected.map((w) => `${w.name} ${shapeText(w.shape)}`).join(", ");
      throw new LayercError(`setWeights expects ${expected.length} tensors [${names}], got ${Array.isArray(weights) ? weights.length : typeof weights}`);
    }
    weights.forEach((w: WeightInput, i: number) => {
      const e = expected[i]!;
      if (w === null || typeof w !== "object" || w.data === undefined || typeof w.data.length !== "number") {
        throw new LayercError(`weight ${i} (${e.name}) must be { shape, data }`);
      }
      if (w.name !== undefined && w.name !== e.name) {
        throw new LayercError(`weight ${i} is named ${w.name}, expected ${e.name} ${shapeText(e.shape)}: these weights belong to another model`);
      }
      if (w.shape !== undefined && (w.shape.length !== e.shape.length || w.shape.some((d, j) => d !== e.shape[j]))) {
        throw new LayercError(`weight ${e.name} has shape ${shapeText(w.shape)}, expected ${shapeText(e.shape)}`);
      }
      if (w.data.length !== e.size) throw lengthError(w.data, e.size, `weight ${e.name}`, `shape ${shapeText(e.shape)}`);
      for (let j = 0; j < w.data.length; j++) {
        const v = w.data[j];
        if (typeof v !== "number") throw new LayercError(`weight ${e.name} contains a non-number at index ${j}: ${describeValue(v)}`);
        if (v - v !== 0) throw new LayercError(`weight ${e.name} contains ${v} at index ${j}; weights must be finite`);
      }
    });
    weights.forEach((w, i) => this.params.set(w.data, expected[i]!.offset));
  }

  /** The weights as a `.weights.bin` file (see readWeights); `dtype` float16 or int8 quantizes them. */
  saveWeights(options: { dtype?: WeightsDtype } = {}): Uint8Array {
    return writeWeights(this.getWeights(), { ...options, model: this.meta.name });
  }

  /** Replaces the weights from a `.weights.bin` file; a file for another model throws and changes nothing. */
  loadWeights(bytes: Uint8Array | ArrayBuffer): void {
    this.setWeights(readWeights(bytes));
  }

  /** A new model whose weights come from a `.weights.bin` file: `Model.loadWeights(bytes)`. */
  static loadWeights<T extends ModelBase>(this: new (options?: ModelOptions) => T, bytes: Uint8Array | ArrayBuffer, options: Omit<ModelOptions, "weights"> = {}): T {
    return new this({ ...options, weights: readWeights(bytes) });
  }

  /** Throws, naming sample and position, when an input that is token ids holds a value outside [0, limit). */
  protected checkIds(xs: Float32Array, what: string): void {
    const ids = this.meta.tokenIds;
    if (ids === undefined) return;
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i]!;
      if (!(Number.isInteger(v) && v >= 0 && v < ids.limit)) {
        const sample = Math.floor(i / this.inSize);
        throw new LayercError(
          `${what}: sample ${sample}, position ${i - sample * this.inSize} is ${v}, but ${ids.layer} takes token ids that are integers in [0, ${ids.limit})`,
        );
      }
    }
  }

  /**
   * Prediction for one sample; or, with `{ batchSize }` (Keras's
   * `model.predict(x, batch_size=…)`), for every sample in `x`, computed
   * `batchSize` samples at a time (default 32): x holds any whole number of
   * samples and the result one output per sample, in order.
   */
  predict(x: Samples, options?: PredictOptions): Float32Array {
    const xs = toFloat32(x, "predict input");
    const { inSize } = this;
    if (options !== undefined) return this.predictMany(xs, options);
    if (xs.length !== inSize) {
      const samples = xs.length / inSize;
      const hint =
        Number.isInteger(samples) && samples > 1
          ? `; that is ${samples} samples: use predictBatch(x, ${samples}) or predict(x, { batchSize: 32 })`
          : "";
      throw new LayercError(`${lengthError(xs, inSize, "predict input", `one sample of shape ${shapeText(this.meta.inputShape)}`).message}${hint}`);
    }
    this.checkIds(xs, "predict input");
    this.ensure(1);
    const y = this.forward(xs, 1, false);
    const out = new Float32Array(this.outSize);
    for (let i = 0; i < out.length; i++) out[i] = y[i]!;
    return out;
  }

  private predictMany(xs: Float32Array, options: PredictOptions): Float32Array {
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new LayercError(`batchSize must be a positive integer, got ${batchSize}`);
    const samples = xs.length / this.inSize;
    if (!Number.isInteger(samples) || samples < 1) {
      throw new LayercError(`predict input has ${xs.length} values, not a whole number of samples of shape ${shapeText(this.meta.inputShape)} (${this.inSize} values each)`);
    }
    this.checkIds(xs, "predict input");
    const out = new Float32Array(samples * this.outSize);
    for (let s = 0; s < samples; s += batchSize) {
      const n = Math.min(batchSize, samples - s);
      this.predictBatch(xs.subarray(s * this.inSize, (s + n) * this.inSize), n, out.subarray(s * this.outSize, (s + n) * this.outSize));
    }
    return out;
  }

  /**
   * Predictions for `batchSize` samples — `batchSize` is the number of samples
   * in `x` (x holds batchSize × input size values), not Keras's chunk size:
   * for that, use `predict(x, { batchSize })`. Writes into `out` when given
   * (no allocation).
   */
  predictBatch(x: Samples, batchSize: number, out?: Float32Array): Float32Array {
    checkValue("predictBatch batchSize", batchSize, positive);
    if (out !== undefined && !(out instanceof Float32Array)) throw new LayercError(`predictBatch out must be a Float32Array, got ${describeValue(out)}`);
    // sizes read once: this method is shared by every model class, so each property read is a polymorphic lookup
    const { inSize, outSize } = this;
    const xs = toFloat32(x, "predictBatch input");
    if (xs.length !== batchSize * inSize) {
      throw lengthError(xs, batchSize * inSize, "predictBatch input", `${batchSize} samples of shape ${shapeText(this.meta.inputShape)}`);
    }
    this.checkIds(xs, "predictBatch input");
    const result = out ?? new Float32Array(batchSize * outSize);
    if (result.length !== batchSize * outSize) {
      throw lengthError(result, batchSize * outSize, "predictBatch output", `${batchSize} × ${shapeText(this.meta.outputShape)}`);
    }
    const chunk = Math.min(batchSize, 256);
    this.ensure(chunk);
    for (let s = 0; s < batchSize; s += chunk) {
      const n = Math.min(chunk, batchSize - s);
      const view = n === batchSize ? xs : xs.subarray(s * inSize, (s + n) * inSize);
      const y = this.forward(view, n, false);
      const end = n * outSize;
      for (let i = 0, o = s * outSize; i < end; i++) result[o + i] = y[i]!;
    }
    return result;
  }

}

/**
 * A model whose spec has `compile(...)`: adds training (trainOnBatch, fit,
 * fitAsync, evaluate) on top of ModelBase. Generated and interpreted classes
 * extend it only then, so an inference-only model has no training methods at
 * all (and calling one is a type error).
 *
 * fit follows Keras 3's loop (backend/jax/trainer.py): per epoch, reset the
 * metrics, train batch by batch (the loss and metrics are running means
 * over the epoch), validate in inference mode, run the callbacks; at the
 * end copy the EMA weights in (use_ema), then end the callbacks
 * (restore_best_weights). Options are validated before anything changes; a
 * non-finite loss stops training with the epoch and batch named, the
 * weights as they were before that batch.
 */
export abstract class TrainableModel extends ModelBase implements CallbackModel {
  /** Gradient accumulators mirroring params. */
  protected grads: Float64Array;
  /** Stream for dropout masks and shuffling. */
  protected readonly rng: Rng;
  /** dLoss/d(output or logits) of the last training batch (the loss kernel writes it, backward reads it). */
  protected dOut: Float64Array = new Float64Array(0);
  /** The loss kernel's result: [batch mean loss, the regularizers' penalty (written by the update)]. */
  protected readonly lossResult = new Float64Array(2);
  /** Whether some weight has a regularizer (the update then writes the penalty, which the reported loss includes). */
  private readonly regularized: boolean;
  /** Per-sample loss weights the loss kernel reads (1 unless class or sample weights are given). */
  protected sampleWeights: Float64Array = new Float64Array(0);
  private readonly training: NonNullable<ModelMeta["training"]>;
  /** Optimizer state mirroring params, in slotLayout order (runtime/optimizers.ts). */
  protected readonly slots: Float64Array[] = [];
  /** Per-step optimizer scalars for the update rule (HYPER: learning rate, Adam's α_t, …). */
  protected readonly hyper = new Float64Array(HYPER.size);
  /** Optimizer steps taken (Keras `optimizer.iterations`). */
  private iterations = 0;
  /** A learning rate set by a callback or setLearningRate, replacing the spec's (or its schedule). */
  private lrOverride: number | null = null;
  private readonly metricStates: MetricState[];
  /** Set by a callback to end fit after the current epoch (Keras `model.stop_training`). */
  stopTraining = false;
  /** The state a rejected step puts back. */
  private readonly guard = new StepGuard();

  protected constructor(meta: ModelMeta, options: ModelOptions = {}) {
    super(meta, options);
    if (!meta.training) throw new LayercError(`model ${meta.name} has no compile(...) and cannot train`);
    this.training = meta.training;
    const name = (meta.training.optimizer as { name: string }).name;
    if (!KNOWN_OPTIMIZERS.includes(name)) throw new LayercError(`unknown optimizer "${name}"`);
    for (const s of slotLayout(meta.training.optimizer)) this.slots.push(new Float64Array(meta.paramCount).fill(s.init));
    this.grads = new Float64Array(meta.paramCount);
    this.rng = new Rng(deriveSeed(this.seed, 0x7fffffff));
    this.metricStates = meta.training.metrics.map((m) => createMetric(m, this.outSize, this.classes));
    this.regularized = meta.weights.some((w) => w.trainable && w.regularizer && (w.regularizer.l1 !== 0 || w.regularizer.l2 !== 0));
  }

  /** The regularizers' penalty at the current weights (Keras adds it to the loss it reports). */
  private penalty(): number {
    let total = 0;
    for (const w of this.meta.weights) {
      const r = w.regularizer;
      if (!w.trainable || !r) continue;
      for (let i = w.offset; i < w.offset + w.size; i++) total += r.l1 * Math.abs(this.params[i]!) + r.l2 * this.params[i]! * this.params[i]!;
    }
    return total;
  }

  protected override place(capacity: number, store: Store): void {
    if (store.native) this.grads = store.f64(this.meta.paramCount);
    this.dOut = store.f64(capacity * this.outSize);
    this.sampleWeights = new Float64Array(capacity).fill(1);
    super.place(capacity, store);
  }

  /** One optimizer step over the trainable parameters from `grads`: the model's specialized update rule, reading `slots` and `hyper`. */
  protected abstract update(): void;
  /** Accumulates parameter gradients into `grads` from dLoss/dOutput, after a training forward. */
  protected abstract backward(x: Float32Array, dOut: Float64Array, n: number): void;
  /**
   * The model's loss kernel: the mean loss of the `n` samples the last
   * forward computed against targets `y` (from its start), each weighted by
   * `sampleWeights`, writing dLoss/d(output, or logits when the final
   * activation is fused) into `dOut`; returns the loss (also in `lossResult[0]`).
   */
  protected abstract lossAndGradient(y: Float32Array, n: number): number;

  private readonly seededStreams = new Map<number, Rng>();

  /** Fills `count` values of `a` with uniform [0, 1) draws (dropout noise), from the model's stream or a layer's own seeded one. */
  protected fillUniform(a: Float64Array, count: number, seed?: number): void {
    let rng = this.rng;
    if (seed !== undefined) {
      rng = this.seededStreams.get(seed) ?? new Rng(deriveSeed(seed, 0x5eed));
      this.seededStreams.set(seed, rng);
    }
    for (let i = 0; i < count; i++) a[i] = rng.uniform();
  }

  /** The learning rate the next step uses (the schedule's value at the current step, unless set). */
  get learningRate(): number {
    return this.lrOverride ?? learningRateAt(this.training.optimizer, this.iterations);
  }

  /** Sets the learning rate of every following step (Keras `optimizer.learning_rate = lr`), replacing any schedule. */
  setLearningRate(lr: number): void {
    if (typeof lr !== "number" || !(lr >= 0) || !Number.isFinite(lr)) throw new LayercError(`learning rate must be a finite number >= 0, got ${lr}`);
    this.lrOverride = lr;
  }

  /** Optimizer steps taken so far (Keras `optimizer.iterations`). */
  get optimizerIterations(): number {
    return this.iterations;
  }

  /** Whether each compiled metric improves upward (for callbacks' mode 'auto'). */
  get metricDirections(): Record<string, "up" | "down"> {
    return Object.fromEntries(this.training.metrics.map((m) => [m.name, metricDirection(m.kind)]));
  }

  private sparse(): boolean {
    return this.training.loss.name === "sparse_categorical_crossentropy";
  }

  /** Values per sample in y: 1 class id for sparse losses, else the output size. */
  private ySize(): number {
    return this.sparse() ? 1 : this.outSize;
  }

  private labels(y: Samples, n: number, what = "labels"): Float32Array {
    const ys = toFloat32(y, what);
    const per = this.ySize();
    if (ys.length !== n * per) {
      throw lengthError(ys, n * per, what, this.sparse() ? `${n} class ids` : `${n} targets of shape ${shapeText(this.meta.outputShape)}`);
    }
    if (this.sparse()) {
      for (let i = 0; i < ys.length; i++) {
        const c = ys[i]!;
        if (!Number.isInteger(c) || c < 0 || c >= this.outSize) {
          throw new LayercError(`label ${i} is ${c}; sparse labels must be integer class ids in [0, ${this.outSize})`);
        }
      }
    }
    return ys;
  }

  /**
   * One optimizer step on one batch; returns the batch's mean loss (with
   * the regularizers' penalty). The step is all-or-nothing: see {@link NonFiniteError}.
   */
  trainOnBatch(x: Samples, y: Samples, batchSize: number): number {
    checkValue("trainOnBatch batchSize", batchSize, positive);
    const xs = toFloat32(x, "trainOnBatch input");
    if (xs.length !== batchSize * this.inSize) {
      throw lengthError(xs, batchSize * this.inSize, "trainOnBatch input", `${batchSize} samples of shape ${shapeText(this.meta.inputShape)}`);
    }
    this.checkIds(xs, "trainOnBatch input");
    const ys = this.labels(y, batchSize);
    return this.step(xs, ys, null, batchSize, false, { label: "trainOnBatch", sample: (i) => i });
  }

  /**
   * Forward, loss (weighted by `weights` when given), backward, update — all
   * or nothing. If an input, the loss (where every non-finite label ends
   * up), or after the update any parameter (moving statistics included) or
   * optimizer state is not finite (where every non-finite gradient of a
   * trainable weight ends up), the model's state is put back as it was and
   * a NonFiniteError names the first offending tensor, sample and step
   * (Keras's TerminateOnNaN, without the damage). Metrics take the batch
   * only when the step stands.
   */
  private step(xs: Float32Array, ys: Float32Array, weights: Float64Array | null, n: number, metrics: boolean, site: StepSite): number {
    // inputs first: a NaN the forward pass masks (max pooling, relu) would otherwise pass unseen;
    // a non-finite label always makes the loss non-finite, so labels are only scanned to name one
    if (firstNonFinite(xs, 0, n * this.inSize) >= 0) throw this.nonFinite(xs, ys, n, 0, site);
    this.ensure(n);
    this.guard.save(this.params, this.slots, this.rng, this.seededStreams);
    const carried = this.hyper[HYPER.uProduct]!;
    const out = this.forward(xs, n, true);
    if (weights) this.sampleWeights.set(weights.subarray(0, n));
    const loss = this.lossAndGradient(ys, n);
    if (weights) this.sampleWeights.fill(1, 0, n);
    const t = this.iterations + 1;
    let ok = loss - loss === 0;
    if (ok) {
      this.grads.fill(0);
      this.backward(xs, this.dOut, n);
      stepScalars(this.training.optimizer, t, this.hyper, this.lrOverride ?? undefined);
      this.update();
      ok = stateFinite(this.params, this.slots, this.scan, this.nativeMemory);
    }
    if (!ok) {
      const error = this.nonFinite(xs, ys, n, loss, site);
      this.guard.restore(this.params, this.slots, this.rng, this.seededStreams);
      this.hyper[HYPER.uProduct] = carried;
      throw error;
    }
    this.iterations = t;
    if (metrics) for (const m of this.metricStates) m.update(out, ys, 0, n);
    const every = this.training.optimizer.emaOverwriteFrequency;
    if (this.training.optimizer.useEma && every && t % every === 0) this.copyAverage();
    // the update computed the penalty from the weights this batch was evaluated with
    return this.regularized ? loss + this.lossResult[1]! : loss;
  }

  /** Why a step was rejected: the first non-finite input, label, loss, gradient, weight or optimizer state (before restoring). */
  private nonFinite(xs: Float32Array, ys: Float32Array, n: number, loss: number, site: StepSite): NonFiniteError {
    const step = this.iterations + 1;
    const per = this.ySize();
    const ix = firstNonFinite(xs, 0, n * this.inSize);
    const iy = firstNonFinite(ys, 0, n * per);
    const bad = (tensor: string, value: number, sample: number | null) => {
      const from = sample !== null ? ` (sample ${sample})` : "";
      return new NonFiniteError(`${site.label} step ${step} rejected: ${tensor}${from} is ${value}; the model is unchanged`, tensor, sample, step);
    };
    if (ix >= 0) return bad("input", xs[ix]!, site.sample(Math.floor(ix / this.inSize)));
    if (iy >= 0) return bad("labels", ys[iy]!, site.sample(Math.floor(iy / per)));
    if (loss - loss !== 0) return bad("loss", loss, null);
    const weights = this.meta.weights;
    const find = (a: Float32Array | Float64Array, prefix: string) => {
      for (const w of weights) {
        const i = firstNonFinite(a, w.offset, w.offset + w.size);
        if (i >= 0) return bad(`${prefix}${w.name}`, a[i]!, null);
      }
      return undefined;
    };
    return (
      find(this.grads, "gradient of ") ??
      find(this.params, "") ??
      this.slots.map((s) => find(s, "optimizer state of ")).find((e) => e !== undefined) ??
      bad("a weight", NaN, null)
    );
  }

  /** use_ema: the moving average (the last slot) replaces the trainable weights. */
  private copyAverage(): void {
    const avg = this.slots[this.slots.length - 1]!;
    for (const w of this.meta.weights) if (w.trainable) for (let i = w.offset; i < w.offset + w.size; i++) this.params[i] = avg[i]!;
  }

  fit(x: Samples, y: Samples, options: FitOptions = {}): History {
    const run = this.fitRun(x, y, options);
    for (let r = run.next(); !r.done; r = run.next());
    return run.history;
  }

  /**
   * fit, yielding to the event loop between batches at most every ~16 ms
   * (a frame), so a page stays responsive while it trains.
   */
  async fitAsync(x: Samples, y: Samples, options: FitOptions = {}): Promise<History> {
    const run = this.fitRun(x, y, options);
    let last = Date.now();
    for (let r = run.next(); !r.done; r = run.next()) {
      if (Date.now() - last >= 16) {
        await nextTask();
        last = Date.now();
      }
    }
    return run.history;
  }

  /** The fit loop as an iterator that pauses after every batch (fit runs it through; fitAsync yields in between). */
  private fitRun(x: Samples, y: Samples, options: FitOptions): Iterator<void, void> & { history: History } {
    checkOptions("fit", options, OPTIONS.fit);
    const plan = prepareFit({ sparseLabels: this.sparse() }, x, y, options, (ys, n, what) => this.labels(ys, n, what), this.inSize, this.ySize(), this.meta.inputShape);
    this.checkIds(plan.xs, "fit input");
    if (plan.validation) this.checkIds(plan.validation.xs, "validationData x");
    const history: History = { epoch: [], history: { loss: [] } };
    const self = this;
    function* loop(): Generator<void, void> {
      yield* self.trainEpochs(plan, history);
    }
    const it = loop();
    return Object.assign(it, { history });
  }

  private *trainEpochs(plan: FitPlan, history: History): Generator<void, void> {
    const { xs, ys, weights, nTrain, batchSize, epochs, initialEpoch, callbacks, options } = plan;
    const per = this.ySize();
    const order = Uint32Array.from({ length: nTrain }, (_, i) => i);
    const bx = new Float32Array(Math.min(batchSize, nTrain) * this.inSize);
    const by = new Float32Array(Math.min(batchSize, nTrain) * per);
    const bw = weights ? new Float64Array(Math.min(batchSize, nTrain)) : null;
    const steps = Math.ceil(nTrain / batchSize);
    const progress = plan.verbose ? new Progress(plan.verbose, epochs, steps, options.progress ?? defaultSink()) : null;
    this.stopTraining = false;
    for (const c of callbacks) c.onTrainBegin?.(this);
    let aborted = false;
    for (let e = initialEpoch; e < epochs && !aborted; e++) {
      for (const m of this.metricStates) m.reset();
      for (const c of callbacks) c.onEpochBegin?.(e, this);
      progress?.epochBegin(e);
      if (plan.shuffle) this.rng.shuffle(order);
      let lossSum = 0;
      let seen = 0;
      for (let start = 0, b = 0; start < nTrain; start += batchSize, b++) {
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        const n = Math.min(batchSize, nTrain - start);
        for (let i = 0; i < n; i++) {
          const s = order[start + i]!;
          bx.set(xs.subarray(s * this.inSize, (s + 1) * this.inSize), i * this.inSize);
          by.set(ys.subarray(s * per, (s + 1) * per), i * per);
          if (bw) bw[i] = weights![s]!;
        }
        const xb = n * this.inSize === bx.length ? bx : bx.subarray(0, n * this.inSize);
        const yb = n * per === by.length ? by : by.subarray(0, n * per);
        const loss = this.step(xb, yb, bw, n, true, { label: `fit epoch ${e + 1} batch ${b + 1}`, sample: (i) => order[start + i]! });
        lossSum += loss * n;
        seen += n;
        const logs = this.logs(lossSum / seen);
        options.onBatchEnd?.(b, logs);
        progress?.batchEnd(b + 1, logs);
        yield;
      }
      if (aborted) break;
      const logs = this.logs(lossSum / seen);
      if (plan.validation) {
        const v = this.evaluateRange(plan.validation.xs, plan.validation.ys, plan.validation.weights, 0, plan.validation.count, batchSize);
        for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
      }
      for (const c of callbacks) c.onEpochEnd?.(e, logs, this);
      progress?.epochEnd(logs);
      history.epoch.push(e);
      for (const [k, value] of Object.entries(logs)) (history.history[k] ??= []).push(value);
      options.onEpochEnd?.(e, logs);
      if (this.stopTraining) break;
    }
    if (this.training.optimizer.useEma && epochs > 0) this.copyAverage();
    for (const c of callbacks) c.onTrainEnd?.(this);
  }

  /** The epoch's running loss and every metric's current value, under Keras's names. */
  private logs(loss: number): Logs {
    const logs: Logs = { loss };
    for (const m of this.metricStates) logs[m.spec.name] = m.result();
    return logs;
  }

  /** The mean loss and every compiled metric in inference mode (Keras evaluate with return_dict=True). */
  evaluate(x: Samples, y: Samples, options: EvaluateOptions = {}): Logs {
    checkOptions("evaluate", options, OPTIONS.evaluate);
    const { batchSize = 32 } = options;
    const xs = toFloat32(x, "evaluate input");
    if (xs.length % this.inSize !== 0 || xs.length === 0) {
      throw new LayercError(`evaluate input has ${xs.length} values, not a whole number of samples of shape ${shapeText(this.meta.inputShape)}`);
    }
    this.checkIds(xs, "evaluate input");
    const total = xs.length / this.inSize;
    const ys = this.labels(y, total);
    const weights = options.sampleWeight === undefined ? null : sampleWeightsOf(options.sampleWeight, total, "sampleWeight");
    return this.evaluateRange(xs, ys, weights, 0, total, batchSize);
  }

  private evaluateRange(xs: Float32Array, ys: Float32Array, weights: Float64Array | null, from: number, to: number, batchSize: number): Logs {
    const per = this.ySize();
    const chunk = Math.min(batchSize, to - from);
    this.ensure(chunk);
    const states = this.training.metrics.map((m) => createMetric(m, this.outSize, this.classes));
    let lossSum = 0;
    for (let s = from; s < to; s += chunk) {
      const n = Math.min(chunk, to - s);
      const out = this.forward(xs.subarray(s * this.inSize, (s + n) * this.inSize), n, false);
      const yb = ys.subarray(s * per, (s + n) * per);
      if (weights) this.sampleWeights.set(weights.subarray(s, s + n));
      lossSum += this.lossAndGradient(yb, n) * n;
      if (weights) this.sampleWeights.fill(1, 0, n);
      for (const m of states) m.update(out, yb, 0, n);
    }
    const logs: Logs = { loss: lossSum / (to - from) + (this.regularized ? this.penalty() : 0) };
    for (const m of states) logs[m.spec.name] = m.result();
    return logs;
  }
}
