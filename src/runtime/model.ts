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
import { countCorrect } from "./losses.js";
import { slotCount, stepScalars } from "./optimizers.js";
import { deriveSeed, randomSeed, Rng, weightSeed } from "./random.js";
import type { InitializerSpec, LossSpec, MetricName, OptimizerSpec } from "./spec.js";
import { formatSummary, type SummaryLayer } from "./summary.js";
import { firstNonFinite, lengthError, shapeText, toFloat32, type Samples } from "./data.js";
import { boolean, callback, checkOptions, checkValue, describeValue, fraction, integer, any, type Rule } from "./options.js";
import { allFinite, StepGuard } from "./step-guard.js";
import { instantiate, nativeModule, type NativeKernel, type NativeModule } from "./native.js";
import { Store } from "./store.js";

export interface WeightMeta {
  /** `layer/weight`, e.g. `dense/kernel`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
  readonly trainable: boolean;
  readonly init: InitializerSpec;
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
    readonly metrics: readonly MetricName[];
    /**
     * Set when the final softmax/sigmoid is fused with the crossentropy: the
     * loss kernel reads the pre-activation values (the logits), its
     * gradient is p − y, and backward starts below the activation.
     */
    readonly lossOnLogits?: LossSpec | null;
  } | null;
  /** Native kernels (a WebAssembly SIMD module, base64) for the model's large matrix products. */
  readonly wasm?: string;
  /**
   * A functional model with several inputs or outputs: each in
   * `Model(inputs=…, outputs=…)` order (the first ones are also
   * inputShape/outputShape). Absent: one input and one output.
   */
  readonly inputs?: readonly PortMeta[];
  readonly outputs?: readonly OutputMeta[];
}

/** One model input or output. */
export interface PortMeta {
  /** The input's name, or the output layer's name (Keras's key for `out_loss`). */
  readonly name: string;
  readonly shape: readonly number[];
}

/** One model output and, for a model with compile(...), its loss, loss weight and metrics. */
export interface OutputMeta extends PortMeta {
  readonly loss?: LossSpec;
  readonly weight?: number;
  readonly metrics?: readonly MetricName[];
}

/** One weight tensor as getWeights() returns it: a copy, in Keras order and shape. */
export interface Weight {
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array;
}

/** A weight tensor for setWeights() or the constructor; `shape`, when given, must match. */
export interface WeightInput {
  readonly shape?: readonly number[];
  readonly data: ArrayLike<number>;
}

/** Constructor options: a seed for the initializers and dropout (else the spec's, else fresh), or weights. */
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

/**
 * Per-epoch (or per-batch) metrics, with Keras's names. A model with several
 * outputs also reports each output's loss and metrics under the output's
 * name (`out_loss`, `out_accuracy`, `val_out_loss`, ...); `loss` is the total.
 */
export interface Logs {
  loss: number;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
  [metric: string]: number | undefined;
}

/** Where a step runs, for its error: `trainOnBatch` or `fit epoch 2 batch 3`, and the caller's index of batch sample i. */
interface StepSite {
  readonly label: string;
  sample(i: number): number;
}

/** fit() options with Keras's defaults: epochs 1, batchSize 32, shuffle true, no validation split. */
export interface FitOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly shuffle?: boolean;
  readonly validationSplit?: number;
  readonly onEpochEnd?: (epoch: number, logs: Logs) => void;
  readonly onBatchEnd?: (batch: number, logs: Logs) => void;
}

/** What fit() returns, like Keras's History: epoch indices and one array per metric. */
export interface History {
  readonly epoch: number[];
  readonly history: { loss: number[]; accuracy?: number[]; val_loss?: number[]; val_accuracy?: number[]; [metric: string]: number[] | undefined };
}

/** What evaluate() returns: the loss (the total with several outputs) and each metric under its Keras name. */
export interface Evaluation {
  loss: number;
  accuracy?: number;
  [metric: string]: number | undefined;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The options of every public method, validated by one validator (options.ts). */
const positive = integer(1);
const OPTIONS = {
  constructor: { seed: integer(0), weights: any, wasm: boolean },
  fit: { epochs: integer(0), batchSize: positive, shuffle: boolean, validationSplit: fraction, onEpochEnd: callback, onBatchEnd: callback },
  evaluate: { batchSize: positive },
} satisfies Record<string, Record<string, Rule>>;

/**
 * Model inputs as the caller passes them: one array (one input) or one per
 * input in `Model(inputs=[…])` order, each flat or nested.
 */
export type ModelInput = Samples | readonly Samples[];
/** Model outputs: one Float32Array, or one per output in `outputs=` order. */
export type ModelOutput = Float32Array | readonly Float32Array[];

/**
 * `X` is what predict takes (one input's samples, or a tuple of them) and
 * `P` what it returns (one Float32Array, or a tuple); generated classes of
 * models with several inputs or outputs fix them exactly.
 */
export abstract class ModelBase<X extends ModelInput = Samples, P extends ModelOutput = Float32Array> {
  /** The seed used for initialization (given, from the spec, or fresh). */
  readonly seed: number;
  /** The flat parameter array (a view into the native memory when the model runs native kernels). */
  protected params: Float32Array | Float64Array;
  protected readonly inSize: number;
  protected readonly outSize: number;
  /** Size of the output's last axis (crossentropy and accuracy work along it). */
  protected readonly classes: number;
  /** Per-sample sizes of every input and output (one each unless the meta lists several). */
  protected readonly inSizes: readonly number[];
  protected readonly outSizes: readonly number[];
  /** Model inputs after the first, for the current forward/backward (input 0 is the `x` argument). */
  protected inputs: Float32Array[] = [];
  /** Every output buffer of the last forward (forward returns output 0); set by models with several outputs. */
  protected outputs: Float64Array[] = [];
  private capacity = 0;
  private module: NativeModule | null;
  private kernels: Record<string, NativeKernel> | null = null;

  protected constructor(
    protected readonly meta: ModelMeta,
    options: ModelOptions = {},
  ) {
    checkOptions(`new ${meta.name}`, options, OPTIONS.constructor);
    this.seed = options.seed ?? meta.seed ?? randomSeed();
    this.inSize = prod(meta.inputShape);
    this.outSize = prod(meta.outputShape);
    this.classes = meta.outputShape[meta.outputShape.length - 1] ?? 1;
    this.inSizes = (meta.inputs ?? [{ shape: meta.inputShape }]).map((i) => prod(i.shape));
    this.outSizes = (meta.outputs ?? [{ shape: meta.outputShape }]).map((o) => prod(o.shape));
    this.params = meta.dtype === "float64" ? new Float64Array(meta.paramCount) : new Float32Array(meta.paramCount);
    this.module = options.wasm === false ? null : nativeModule(meta);
    if (options.weights) this.setWeights(options.weights);
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
        return;
      }
      this.module = null;
      this.kernels = null;
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

  /**
   * The caller's inputs as one Float32Array per model input, each holding
   * `n` samples (`n` undefined: a whole number of samples, at least one,
   * the same number for every input); returns them and the sample count.
   */
  protected readInputs(x: ModelInput, what: string, n?: number, oneSample = false): { xs: Float32Array[]; n: number } {
    const shapes = (this.meta.inputs ?? [{ name: "", shape: this.meta.inputShape }]).map((i) => i.shape);
    let parts: Samples[];
    if (shapes.length === 1) parts = [x as Samples];
    else {
      if (!Array.isArray(x) || x.length !== shapes.length) {
        const names = (this.meta.inputs ?? []).map((i) => `${i.name} ${shapeText(i.shape)}`).join(", ");
        throw new LayercError(`${what} must be an array of ${shapes.length} inputs [${names}], got ${Array.isArray(x) ? `${x.length}` : typeof x}`);
      }
      parts = x as Samples[];
    }
    const xs = parts.map((p, k) => toFloat32(p, shapes.length === 1 ? what : `${what} ${k} (${this.meta.inputs![k]!.name})`));
    let count = n;
    xs.forEach((a, k) => {
      const size = this.inSizes[k]!;
      const label = shapes.length === 1 ? what : `${what} ${k} (${this.meta.inputs![k]!.name})`;
      if (count === undefined) {
        if (a.length % size !== 0 || a.length === 0) {
          throw new LayercError(`${label} has ${a.length} values, not a whole number of samples of shape ${shapeText(shapes[k]!)}`);
        }
        count = a.length / size;
      } else if (a.length !== count * size) {
        const error = lengthError(a, count * size, label, oneSample ? `one sample of shape ${shapeText(shapes[k]!)}` : `${count} samples of shape ${shapeText(shapes[k]!)}`);
        const samples = a.length / size;
        // a batch passed to predict: say what to call instead
        const hint = oneSample && Number.isInteger(samples) && samples > 1 ? `; that is ${samples} samples: use predictBatch(x, ${samples}) or predict(x, { batchSize: 32 })` : "";
        throw new LayercError(`${error.message}${hint}`);
      }
    });
    return { xs, n: count! };
  }

  /** Runs forward on `n` samples of every input from sample `start`; returns every output buffer. */
  protected forwardAll(xs: readonly Float32Array[], start: number, n: number, training: boolean): Float64Array[] {
    const view = (k: number) => {
      const a = xs[k]!;
      const size = this.inSizes[k]!;
      return start === 0 && a.length === n * size ? a : a.subarray(start * size, (start + n) * size);
    };
    for (let k = 1; k < xs.length; k++) this.inputs[k] = view(k);
    const y = this.forward(view(0), n, training);
    if (this.outSizes.length === 1) this.outputs[0] = y;
    return this.outputs;
  }

  /**
   * Prediction for one sample (one array per output when the model has
   * several); or, with `{ batchSize }` (Keras's `model.predict(x,
   * batch_size=…)`), for every sample in `x`, computed `batchSize` samples
   * at a time (default 32): x holds any whole number of samples and the
   * result one output per sample, in order.
   */
  predict(x: X, options?: PredictOptions): P {
    if (options !== undefined) return this.predictMany(x, options);
    const { xs } = this.readInputs(x, "predict input", 1, true);
    this.ensure(1);
    const ys = this.forwardAll(xs, 0, 1, false);
    const outs = this.outSizes.map((size, k) => {
      const out = new Float32Array(size);
      const y = ys[k]!;
      for (let i = 0; i < out.length; i++) out[i] = y[i]!;
      return out;
    });
    return (outs.length === 1 ? outs[0]! : outs) as unknown as P;
  }

  private predictMany(x: X, options: PredictOptions): P {
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new LayercError(`batchSize must be a positive integer, got ${batchSize}`);
    const { xs, n: samples } = this.readInputs(x, "predict input");
    const outs = this.outSizes.map((size) => new Float32Array(samples * size));
    for (let s = 0; s < samples; s += batchSize) {
      const n = Math.min(batchSize, samples - s);
      const part = xs.map((a, k) => a.subarray(s * this.inSizes[k]!, (s + n) * this.inSizes[k]!));
      const into = outs.map((o, k) => o.subarray(s * this.outSizes[k]!, (s + n) * this.outSizes[k]!));
      this.predictBatch((part.length === 1 ? part[0]! : part) as unknown as X, n, (into.length === 1 ? into[0]! : into) as unknown as P);
    }
    return (outs.length === 1 ? outs[0]! : outs) as unknown as P;
  }

  /**
   * Predictions for `batchSize` samples — `batchSize` is the number of samples
   * in `x` (x holds batchSize × input size values), not Keras's chunk size:
   * for that, use `predict(x, { batchSize })`. Writes into `out` when given
   * (no allocation).
   */
  predictBatch(x: X, batchSize: number, out?: P): P {
    checkValue("predictBatch batchSize", batchSize, positive);
    // sizes read once: this method is shared by every model class, so each property read is a polymorphic lookup
    const { outSizes } = this;
    const { xs } = this.readInputs(x, "predictBatch input", batchSize);
    const single = outSizes.length === 1;
    const given = out === undefined ? undefined : single ? [out as unknown as Float32Array] : (out as unknown as Float32Array[]);
    if (given !== undefined && (!Array.isArray(given) || given.length !== outSizes.length || !given.every((o) => o instanceof Float32Array))) {
      throw new LayercError(single ? `predictBatch out must be a Float32Array, got ${describeValue(out)}` : `predictBatch out must be an array of ${outSizes.length} Float32Arrays, got ${describeValue(out)}`);
    }
    const results = outSizes.map((size, k) => {
      const r = given?.[k] ?? new Float32Array(batchSize * size);
      if (r.length !== batchSize * size) {
        const shape = (this.meta.outputs?.[k]?.shape ?? this.meta.outputShape);
        throw lengthError(r, batchSize * size, single ? "predictBatch output" : `predictBatch output ${k}`, `${batchSize} × ${shapeText(shape)}`);
      }
      return r;
    });
    const chunk = Math.min(batchSize, 256);
    this.ensure(chunk);
    for (let s = 0; s < batchSize; s += chunk) {
      const n = Math.min(chunk, batchSize - s);
      const ys = this.forwardAll(xs, s, n, false);
      for (let k = 0; k < outSizes.length; k++) {
        const y = ys[k]!;
        const result = results[k]!;
        const end = n * outSizes[k]!;
        for (let i = 0, o = s * outSizes[k]!; i < end; i++) result[o + i] = y[i]!;
      }
    }
    return (single ? results[0]! : results) as unknown as P;
  }
}

/**
 * A model whose spec has `compile(...)`: adds training (trainOnBatch, fit,
 * evaluate) on top of ModelBase. Generated and interpreted classes extend
 * it only then, so an inference-only model has no training methods at all
 * (and calling one is a type error). `Y` is what the targets argument takes
 * (one array, or a tuple with one per output).
 */
export abstract class TrainableModel<X extends ModelInput = Samples, P extends ModelOutput = Float32Array, Y extends ModelInput = Samples> extends ModelBase<X, P> {
  /** Gradient accumulators mirroring params. */
  protected grads: Float64Array;
  /** Stream for dropout masks and shuffling. */
  protected readonly rng: Rng;
  /** dLoss/d(output or logits) of the last training batch (the loss kernel writes it, backward reads it). */
  protected dOut: Float64Array = new Float64Array(0);
  /** The same for every output (dOuts[0] is dOut). */
  protected dOuts: Float64Array[] = [];
  /** Targets of outputs after the first, for the current loss (output 0's are the `y` argument). */
  protected targets: Float32Array[] = [];
  /** The loss kernel's results: [batch mean loss of each output]. */
  protected readonly lossResult: Float64Array;
  private readonly training: NonNullable<ModelMeta["training"]>;
  /** Each output's loss, weight and metrics (one entry for a single-output model). */
  private readonly heads: readonly { name: string; loss: LossSpec; weight: number; metrics: readonly MetricName[]; classes: number }[];
  /** Optimizer state mirroring params (SGD [velocity]; Adam [m, v]; RMSprop [velocity, momentum]). */
  protected readonly slots: Float64Array[] = [];
  /** Per-step optimizer scalars for the update rule: [Adam's α_t]. */
  protected readonly hyper = new Float64Array(1);
  /** Optimizer steps taken (Keras `optimizer.iterations`). */
  private iterations = 0;
  /** The state a rejected step puts back. */
  private readonly guard = new StepGuard();

  protected constructor(meta: ModelMeta, options: ModelOptions = {}) {
    super(meta, options);
    if (!meta.training) throw new LayercError(`model ${meta.name} has no compile(...) and cannot train`);
    this.training = meta.training;
    const name = (meta.training.optimizer as { name: string }).name;
    if (name !== "sgd" && name !== "adam" && name !== "rmsprop") throw new LayercError(`unknown optimizer "${name}"`);
    for (let i = 0; i < slotCount(meta.training.optimizer); i++) this.slots.push(new Float64Array(meta.paramCount));
    this.grads = new Float64Array(meta.paramCount);
    this.rng = new Rng(deriveSeed(this.seed, 0x7fffffff));
    const t = meta.training;
    this.heads = (meta.outputs ?? [{ name: "", shape: meta.outputShape }]).map((o) => ({
      name: o.name,
      loss: o.loss ?? t.loss,
      weight: o.weight ?? 1,
      metrics: o.metrics ?? t.metrics,
      classes: o.shape[o.shape.length - 1] ?? 1,
    }));
    this.lossResult = new Float64Array(this.heads.length);
  }

  protected override place(capacity: number, store: Store): void {
    if (store.native) this.grads = store.f64(this.meta.paramCount);
    this.dOuts = this.outSizes.map((size) => store.f64(capacity * size));
    this.dOut = this.dOuts[0]!;
    super.place(capacity, store);
  }

  /**
   * One optimizer step over the trainable parameters from `grads`: the
   * model's specialized update rule (Keras 3), reading `slots` and `hyper`.
   */
  protected abstract update(): void;

  /** Accumulates parameter gradients into `grads` from dLoss/dOutput, after a training forward. */
  protected abstract backward(x: Float32Array, dOut: Float64Array, n: number): void;
  /**
   * The model's loss kernel: the mean loss of the `n` samples the last
   * forward computed against targets `y` (from its start; other outputs'
   * targets in `targets`), writing each output's loss into `lossResult`
   * and dLoss/d(output, or logits when the final activation is fused),
   * times the output's loss weight, into `dOuts`; returns output 0's loss.
   */
  protected abstract lossAndGradient(y: Float32Array, n: number): number;

  /** The batch's total loss Σ weight·loss (gradients go to dOuts); targets start `yStart` samples into ys. */
  private lossOf(ys: readonly Float32Array[], yStart: number, n: number): number {
    for (let k = 1; k < ys.length; k++) {
      const per = this.ySize(k);
      this.targets[k] = ys[k]!.subarray(yStart * per, (yStart + n) * per);
    }
    const first = this.lossAndGradient(yStart === 0 ? ys[0]! : ys[0]!.subarray(yStart * this.ySize(0)), n);
    if (this.heads.length === 1) return first;
    let total = 0;
    for (let k = 0; k < this.heads.length; k++) total += this.heads[k]!.weight * this.lossResult[k]!;
    return total;
  }

  private readonly seededStreams = new Map<number, Rng>();

  /**
   * Fills `count` values of `a` with uniform [0, 1) draws (dropout noise),
   * from the model's stream, or from a layer's own stream when it has a seed.
   */
  protected fillUniform(a: Float64Array, count: number, seed?: number): void {
    let rng = this.rng;
    if (seed !== undefined) {
      rng = this.seededStreams.get(seed) ?? new Rng(deriveSeed(seed, 0x5eed));
      this.seededStreams.set(seed, rng);
    }
    for (let i = 0; i < count; i++) a[i] = rng.uniform();
  }

  private sparse(k: number): boolean {
    return this.heads[k]!.loss.name === "sparse_categorical_crossentropy";
  }

  /** Values per sample in output k's targets: 1 class id for sparse losses, else the output size. */
  private ySize(k: number): number {
    return this.sparse(k) ? 1 : this.outSizes[k]!;
  }

  /** The caller's targets, one Float32Array per output, validated for `n` samples. */
  private labels(y: ModelInput, n: number): Float32Array[] {
    const many = this.heads.length > 1;
    if (many && (!Array.isArray(y) || y.length !== this.heads.length)) {
      throw new LayercError(`labels must be an array of ${this.heads.length} targets (one per output: ${this.heads.map((h) => h.name).join(", ")}), got ${Array.isArray(y) ? y.length : typeof y}`);
    }
    const parts = many ? (y as Samples[]) : [y as Samples];
    return parts.map((part, k) => {
      const what = many ? `labels ${k} (${this.heads[k]!.name})` : "labels";
      const ys = toFloat32(part, what);
      const per = this.ySize(k);
      const size = this.outSizes[k]!;
      const shape = this.meta.outputs?.[k]?.shape ?? this.meta.outputShape;
      if (ys.length !== n * per) throw lengthError(ys, n * per, what, this.sparse(k) ? `${n} class ids` : `${n} targets of shape ${shapeText(shape)}`);
      if (this.sparse(k)) {
        for (let i = 0; i < ys.length; i++) {
          const c = ys[i]!;
          if (!Number.isInteger(c) || c < 0 || c >= size) throw new LayercError(`label ${i} is ${c}; sparse labels must be integer class ids in [0, ${size})`);
        }
      }
      return ys;
    });
  }

  /**
   * One optimizer step on one batch; returns the batch's mean loss (the
   * weighted total with several outputs). The step is all-or-nothing: see
   * {@link NonFiniteError}.
   */
  trainOnBatch(x: X, y: Y, batchSize: number): number {
    checkValue("trainOnBatch batchSize", batchSize, positive);
    const { xs } = this.readInputs(x, "trainOnBatch input", batchSize);
    const ys = this.labels(y, batchSize);
    return this.step(xs, ys, batchSize, null, { label: "trainOnBatch", sample: (i) => i });
  }

  /**
   * Forward, loss, backward, update — all or nothing. If an input or label,
   * the loss, or after the update any parameter (moving statistics
   * included) or optimizer state is not finite (a non-finite gradient of a
   * trainable weight always ends up there), the model's state is put back
   * as it was and a NonFiniteError names the first offending tensor, sample
   * and step.
   */
  private step(xs: readonly Float32Array[], ys: readonly Float32Array[], n: number, tally: Tally | null, site: StepSite): number {
    // inputs and labels first: a NaN masked by the forward pass (max pooling, relu) would otherwise pass unseen
    const badData = xs.some((a, k) => firstNonFinite(a, 0, n * this.inSizes[k]!) >= 0) || ys.some((a, k) => firstNonFinite(a, 0, n * this.ySize(k)) >= 0);
    if (badData) throw this.nonFinite(xs, ys, n, 0, site);
    this.ensure(n);
    this.guard.save(this.params, this.slots, this.rng, this.seededStreams);
    const outs = this.forwardAll(xs, 0, n, true);
    const loss = this.lossOf(ys, 0, n);
    let ok = loss - loss === 0;
    if (ok) {
      this.grads.fill(0);
      this.backward(xs[0]!, this.dOut, n);
      stepScalars(this.training.optimizer, this.iterations + 1, this.hyper);
      this.update();
      ok = allFinite(this.params) && this.slots.every(allFinite);
    }
    if (!ok) {
      const error = this.nonFinite(xs, ys, n, loss, site);
      this.guard.restore(this.params, this.slots, this.rng, this.seededStreams);
      throw error;
    }
    this.iterations++;
    if (tally) this.count(tally, outs, ys, 0, n, loss);
    return loss;
  }

  /** Why a step was rejected: the first non-finite input, label, loss, gradient, weight or optimizer state (before restoring). */
  private nonFinite(xs: readonly Float32Array[], ys: readonly Float32Array[], n: number, loss: number, site: StepSite): NonFiniteError {
    const step = this.iterations + 1;
    const bad = (tensor: string, value: number, sample: number | null) => {
      const from = sample !== null ? ` (sample ${sample})` : "";
      return new NonFiniteError(`${site.label} step ${step} rejected: ${tensor}${from} is ${value}; the model is unchanged`, tensor, sample, step);
    };
    const several = (count: number, what: string, k: number) => (count > 1 ? `${what} ${k}` : what);
    for (const [k, a] of xs.entries()) {
      const i = firstNonFinite(a, 0, n * this.inSizes[k]!);
      if (i >= 0) return bad(several(xs.length, "input", k), a[i]!, site.sample(Math.floor(i / this.inSizes[k]!)));
    }
    for (const [k, a] of ys.entries()) {
      const i = firstNonFinite(a, 0, n * this.ySize(k));
      if (i >= 0) return bad(several(ys.length, "labels", k), a[i]!, site.sample(Math.floor(i / this.ySize(k))));
    }
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

  /** Adds one batch to the running sums: total loss, each output's loss and correct predictions. */
  private count(tally: Tally, outs: readonly Float64Array[], ys: readonly Float32Array[], yStart: number, n: number, loss: number): void {
    tally.loss += loss * n;
    this.heads.forEach((h, k) => {
      tally.losses[k] = (tally.losses[k] ?? 0) + this.lossResult[k]! * n;
      if (h.metrics.includes("accuracy")) {
        tally.correct[k] = (tally.correct[k] ?? 0) + countCorrect(h.loss.name, outs[k]!, ys[k]!, yStart * this.ySize(k), n, this.outSizes[k]!, h.classes);
      }
    });
  }

  /** Keras's log names for a tally over `count` samples (`prefix` "val_" for validation). */
  private logsOf(tally: Tally, count: number, prefix = ""): Record<string, number> {
    const logs: Record<string, number> = { [`${prefix}loss`]: tally.loss / count };
    const many = this.heads.length > 1;
    this.heads.forEach((h, k) => {
      if (many) logs[`${prefix}${h.name}_loss`] = tally.losses[k]! / count;
      if (h.metrics.includes("accuracy")) logs[`${prefix}${many ? `${h.name}_` : ""}accuracy`] = tally.correct[k]! / count;
    });
    return logs;
  }

  fit(x: X, y: Y, options: FitOptions = {}): History {
    checkOptions("fit", options, OPTIONS.fit);
    const { epochs = 1, batchSize = 32, shuffle = true, validationSplit = 0 } = options;
    const { xs, n: total } = this.readInputs(x, "fit input");
    const ys = this.labels(y, total);
    // Keras: the first floor(N·(1 − split)) samples train, the rest validate
    const nTrain = validationSplit > 0 ? Math.floor(total * (1 - validationSplit)) : total;
    if (validationSplit > 0 && (nTrain === 0 || nTrain === total)) {
      throw new LayercError(
        `validationSplit ${validationSplit} of ${total} samples leaves ${nTrain === 0 ? "no training" : "no validation"} samples; provide more data or a different split`,
      );
    }
    const history: History = { epoch: [], history: { loss: [] } };
    const order = Uint32Array.from({ length: nTrain }, (_, i) => i);
    const cap = Math.min(batchSize, nTrain);
    const bxs = this.inSizes.map((size) => new Float32Array(cap * size));
    const bys = ys.map((_, k) => new Float32Array(cap * this.ySize(k)));
    const gather = (dst: Float32Array[], src: readonly Float32Array[], sizes: readonly number[], start: number, n: number) =>
      dst.map((d, k) => {
        const per = sizes[k]!;
        for (let i = 0; i < n; i++) {
          const s = order[start + i]!;
          d.set(src[k]!.subarray(s * per, (s + 1) * per), i * per);
        }
        return n * per === d.length ? d : d.subarray(0, n * per);
      });
    const ySizes = ys.map((_, k) => this.ySize(k));
    for (let e = 0; e < epochs; e++) {
      if (shuffle) this.rng.shuffle(order);
      const tally: Tally = { loss: 0, losses: [], correct: [] };
      for (let start = 0, b = 0; start < nTrain; start += batchSize, b++) {
        const n = Math.min(batchSize, nTrain - start);
        const site = { label: `fit epoch ${e + 1} batch ${b + 1}`, sample: (i: number) => order[start + i]! };
        const loss = this.step(gather(bxs, xs, this.inSizes, start, n), gather(bys, ys, ySizes, start, n), n, tally, site);
        options.onBatchEnd?.(b, { loss });
      }
      const logs = this.logsOf(tally, nTrain) as Logs;
      if (nTrain < total) Object.assign(logs, this.logsOf(this.evaluateRange(xs, ys, nTrain, total, batchSize), total - nTrain, "val_"));
      history.epoch.push(e);
      for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v as number);
      options.onEpochEnd?.(e, logs);
    }
    return history;
  }

  /** Mean loss (and accuracy when compiled with it) in inference mode; per output too with several outputs. */
  evaluate(x: X, y: Y, options: { batchSize?: number } = {}): Evaluation {
    checkOptions("evaluate", options, OPTIONS.evaluate);
    const { xs, n: total } = this.readInputs(x, "evaluate input");
    const tally = this.evaluateRange(xs, this.labels(y, total), 0, total, options.batchSize ?? 32);
    return this.logsOf(tally, total) as Evaluation;
  }

  private evaluateRange(xs: readonly Float32Array[], ys: readonly Float32Array[], from: number, to: number, batchSize: number): Tally {
    const chunk = Math.min(batchSize, to - from);
    this.ensure(chunk);
    const tally: Tally = { loss: 0, losses: [], correct: [] };
    for (let s = from; s < to; s += chunk) {
      const n = Math.min(chunk, to - s);
      const outs = this.forwardAll(xs, s, n, false);
      this.count(tally, outs, ys, s, n, this.lossOf(ys, s, n));
    }
    return tally;
  }
}

/** Running sums over the batches of an epoch or an evaluation. */
interface Tally {
  loss: number;
  losses: number[];
  correct: number[];
}
