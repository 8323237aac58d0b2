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
import { initializeWith, type InitializerKinds } from "./initializers.js";
import { HYPER, slotsOf, stepScalars, type OptimizerKinds, type OptimizerRule } from "./optimizers.js";
import { deriveSeed, randomSeed, Rng, weightSeed } from "./random.js";
import type { InitializerSpec, LossSpec, MetricSpec, OptimizerSpec, RegularizerSpec } from "./spec.js";
import type { AnyLogs, CallbackModel, Logs } from "./callbacks.js";
import { prepareFit, sampleWeightsOf, type AnyHistory, type EvaluateOptions, type FitOptions, type FitPlan, type History } from "./fit-options.js";
import { metricDirection, perClass, type MetricKinds, type MetricState } from "./metrics.js";
import { defaultSink, Progress } from "./progress.js";
import { rateWith, type ScheduleKinds } from "./schedules.js";
import type { SummaryLayer } from "./summary.js";
import { firstNonFinite, lengthError, shapeText, toFloat32, type Samples } from "./data.js";
import { boolean, callback, checkOptions, checkValue, describeValue, fraction, integer, any, type Rule } from "./options.js";
import { inputFinite, stateFinite, StepGuard } from "./step-guard.js";
import { type decodeBase64, type NativeKernel, type NativeLoader, type NativeModule, type NativeScan } from "./native.js";
import { readWeights, writeWeights, type WeightsDtype } from "./weights.js";
import { Store } from "./store.js";
import type { instantiateThreaded, ThreadPool } from "./threads.js";

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
  /** The summary() text (Keras 3's model.summary() table), computed by the compiler: the runtime carries no table formatter. */
  readonly summary: string;
  /** The summary's rows, for tools (interpreted models; generated code leaves them out). */
  readonly layers?: readonly SummaryLayer[];
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
    /**
     * Some layer has `activity_regularizer=`: the loss kernels add its
     * penalty on the layer's output (divided by the batch size, as Keras)
     * into the result after the regularizers', and the loss includes it.
     */
    readonly activityPenalty?: boolean;
  } | null;
  /**
   * The model input is token ids (its first layer is an Embedding): every
   * value must be an integer in [0, limit); `layer` names the reader. (With
   * several inputs, each input that is token ids says so in `inputs`.)
   */
  readonly tokenIds?: TokenIds;
  /** Native kernels (a WebAssembly SIMD module, base64) for the model's large matrix products. */
  readonly wasm?: string;
  /**
   * "float32" when the generated code keeps activations and their gradients
   * in Float32Array buffers (float32 models); the runtime then allocates
   * dLoss/dOutput (dOut) as float32 too. Absent: float64 buffers.
   */
  readonly activations?: "float32";
  /**
   * "backward" when the generated backward writes or zeroes every trainable
   * gradient itself before adding into it (phases/3-emit/grad-init.ts); the
   * runtime then does not clear the gradients before each backward.
   */
  readonly gradients?: "backward";
  /**
   * "float32" when the generated code keeps the parameter gradients in a
   * Float32Array (float32 models with native kernels, as Keras): half the
   * bytes the backward writes and the update reads. Absent: float64
   * (float64 models, models on TypeScript loops alone, whose per-sample
   * additions would convert on every store, and the interpreter).
   */
  readonly parameterGradients?: "float32";
  /**
   * Weights baked in at build time (`layerc build --embed-weights`): a
   * `.weights.bin` file, base64. Used when the constructor gets neither
   * `weights` nor `seed`.
   */
  readonly embeddedWeights?: string;
  /**
   * A functional model with several inputs or outputs: each in
   * `Model(inputs=…, outputs=…)` order (the first ones are also
   * inputShape/outputShape). Absent: one input and one output.
   */
  readonly inputs?: readonly PortMeta[];
  readonly outputs?: readonly OutputMeta[];
}

/** An input of token ids: every value must be an integer in [0, limit); `layer` names the reader. */
export interface TokenIds {
  readonly limit: number;
  readonly layer: string;
}

/** One model input or output. */
export interface PortMeta {
  /** The input's name, or the output layer's name (Keras's key for `out_loss`). */
  readonly name: string;
  readonly shape: readonly number[];
  /** An input that token-id layers (Embedding) read. */
  readonly tokenIds?: TokenIds;
}

/** One model output and, for a model with compile(...), its loss, loss weight and metrics. */
export interface OutputMeta extends PortMeta {
  readonly loss?: LossSpec;
  readonly weight?: number;
  readonly metrics?: readonly MetricSpec[];
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
  /**
   * Threads that compute the native kernels (default 1): n − 1 worker
   * threads share the model's WebAssembly memory, and each large kernel call
   * is split across them (products by rows of their result, window
   * operations by samples), so results are bit-identical to one thread's. Needs Node `worker_threads`, or a
   * cross-origin isolated page; elsewhere, and for models without native
   * kernels, the model runs on one thread (see `threads`). End the workers
   * with `dispose()` (in Node they never keep a process alive).
   */
  readonly threads?: number;
}

/** predict() options for many samples, as Keras's `model.predict(x, batch_size=…)`. */
export interface PredictOptions {
  /** Samples computed at a time (Keras's `batch_size`, default 32); the number of samples comes from x. */
  readonly batchSize?: number;
}

export type { AnyLogs, Logs, LogValue } from "./callbacks.js";
export type { EvaluateOptions, FitOptions, History, HistoryOf } from "./fit-options.js";

/** Where a step runs, for its error: `trainOnBatch` or `fit epoch 2 batch 3`, and the caller's index of batch sample i. */
interface StepSite {
  readonly label: string;
  sample(i: number): number;
}

/** trainOnBatch's site: one object, so a step allocates none. */
const TRAIN_ON_BATCH: StepSite = { label: "trainOnBatch", sample: (i) => i };

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Resolves in a later macrotask (setTimeout 0), letting the event loop render and handle input; the runtime assumes no DOM or Node types. */
const nextTask = (): Promise<void> =>
  new Promise((resolve) => (globalThis as unknown as { setTimeout(f: () => void, ms: number): unknown }).setTimeout(resolve, 0));

/** Ends the worker threads of a model that is collected without dispose(). */
const poolRegistry: { register(model: object, pool: ThreadPool, token: object): void; unregister(token: object): void } | undefined =
  typeof (globalThis as { FinalizationRegistry?: unknown }).FinalizationRegistry === "function"
    ? new (globalThis as unknown as { FinalizationRegistry: new (cleanup: (pool: ThreadPool) => void) => NonNullable<typeof poolRegistry> }).FinalizationRegistry((pool) => pool.dispose())
    : undefined;

/**
 * What a model class links of the runtime (its static fields): a generated
 * class links only what its spec compiles — its weights' initializers, its
 * optimizer, schedule and metrics, the native loader and threads module
 * when it has native kernels, the base64 decoder when it embeds weights —
 * so a bundle carries only those; an
 * interpreted class links everything.
 */
interface Links {
  readonly initializerKinds: InitializerKinds;
  readonly base64: typeof decodeBase64 | null;
  readonly nativeLoader: NativeLoader | null;
  readonly threading: typeof instantiateThreaded | null;
  readonly metricKinds: MetricKinds;
  readonly optimizerKinds: OptimizerKinds;
  readonly scheduleKinds: ScheduleKinds;
}

const linksOf = (model: object): Links => model.constructor as unknown as Links;

/** The `kind` of `what` (metric, optimizer) the class of `model` links; throws when it does not. */
function linked<T>(kinds: Readonly<Partial<Record<string, T>>>, kind: string, what: string, model: string): T {
  const found = Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
  if (found === undefined) throw new LayercError(`model ${model} does not link the ${kind} ${what} (unknown, or generated by another layerc: regenerate it)`);
  return found;
}

/** The options of every public method, validated by one validator (options.ts). */
const positive = integer(1);
const OPTIONS = {
  constructor: { seed: integer(0), weights: any, wasm: boolean, threads: integer(1, 64) },
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
  /** Per-sample sizes of every input and output (one each unless the meta lists several). */
  protected readonly inSizes: readonly number[];
  protected readonly outSizes: readonly number[];
  /** Model inputs after the first, for the current forward/backward (input 0 is the `x` argument). */
  protected inputs: Float32Array[] = [];
  /** Every output buffer of the last forward (forward returns output 0); set by models with several outputs. */
  protected outputs: (Float32Array | Float64Array)[] = [];
  /**
   * One input without token ids, one output: predict/predictBatch take a
   * direct path for a Float32Array of the right length (no input list, no
   * per-output loops — for a seed-sized model they cost more than its forward).
   */
  private readonly plain: boolean;
  /** Reused by readBatch and predictBatch, so the hot paths allocate nothing. */
  private readonly batchXs: Float32Array[] = [];
  private readonly batchOuts: Float32Array[] = [];
  /** Samples the activation buffers hold (0 until the first call lays them out); read by generated classes' direct paths, written by ensure only. */
  protected capacity = 0;
  private module: NativeModule | null;
  private kernels: Record<string, NativeKernel> | null = null;
  /** SIMD finiteness scans over the native memory (`nativeMemory`), when the model runs native kernels. */
  protected scan: NativeScan | null = null;
  protected nativeMemory: ArrayBuffer | null = null;
  /** Threads requested (`threads` option), and the worker threads running, if any (threads.ts). */
  private threadCount: number;
  /**
   * The threads module (threads.ts), linked by generated classes that have
   * native kernels (the only ones threads can split); null elsewhere, so a
   * bundle of a model without native kernels carries no threads code.
   */
  protected static readonly threading: typeof instantiateThreaded | null = null;
  /**
   * The WebAssembly loader (native.ts), linked by generated classes that
   * have native kernels; null elsewhere (the model runs its TypeScript loops).
   */
  protected static readonly nativeLoader: NativeLoader | null = null;
  /** The initializers the class links, by name (see Links). */
  protected static readonly initializerKinds: InitializerKinds = {};
  /** The base64 decoder (native.ts), linked by generated classes that embed weights. */
  protected static readonly base64: typeof decodeBase64 | null = null;
  private pool: ThreadPool | null = null;

  protected constructor(
    protected readonly meta: ModelMeta,
    options: ModelOptions = {},
  ) {
    checkOptions(`new ${meta.name}`, options, OPTIONS.constructor);
    this.seed = options.seed ?? meta.seed ?? randomSeed();
    this.inSize = prod(meta.inputShape);
    this.outSize = prod(meta.outputShape);
    this.inSizes = (meta.inputs ?? [{ shape: meta.inputShape }]).map((i) => prod(i.shape));
    this.outSizes = (meta.outputs ?? [{ shape: meta.outputShape }]).map((o) => prod(o.shape));
    this.plain = this.inSizes.length === 1 && this.outSizes.length === 1 && meta.tokenIds === undefined;
    this.params = meta.dtype === "float64" ? new Float64Array(meta.paramCount) : new Float32Array(meta.paramCount);
    this.module = options.wasm === false ? null : (linksOf(this).nativeLoader?.module(meta) ?? null);
    this.threadCount = options.threads ?? 1;
    if (options.weights) this.setWeights(options.weights);
    else if (meta.embeddedWeights !== undefined && options.seed === undefined) {
      const { base64 } = linksOf(this);
      if (base64 === null) throw new LayercError(`model ${meta.name} embeds weights but does not link decodeBase64 (generated by another layerc: regenerate it)`);
      this.setWeights(readWeights(base64(meta.embeddedWeights)));
    }
    // each weight's stream follows from the model seed and its name, not its position (see weightSeed)
    else {
      const kinds = linksOf(this).initializerKinds;
      for (const w of meta.weights) initializeWith(kinds, w.init, w.shape, w.init.seed ?? weightSeed(this.seed, w.name), this.params, w.offset);
    }
  }

  /** (Re)allocates per-instance activation buffers for batches up to `capacity`, taking each from `store`. */
  protected abstract allocate(capacity: number, store: Store): void;
  /** Runs the layers on `n` samples of `x`; returns the output buffer (n × outSize). */
  protected abstract forward(x: Float32Array, n: number, training: boolean): Float32Array | Float64Array;
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
   * The copy of input k (`size` values) in native memory that the generated
   * kernels read (their `x_native`), taken from `store` by `allocate`. A
   * trainable model hands out the scratch its training step scans the
   * input in, so a step copies each input into native memory once.
   */
  protected inputCopy(k: number, size: number, store: Store): Float32Array {
    void k;
    return store.f32(size);
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
      this.endThreads();
      const { threading, nativeLoader } = linksOf(this);
      const threaded = this.threadCount > 1 && threading !== null ? threading(this.meta, measure.bytes, this.threadCount) : null;
      if (threaded !== null) {
        this.pool = threaded.pool;
        poolRegistry?.register(this, threaded.pool, this);
      }
      const native = threaded ?? nativeLoader!.instantiate(this.module, measure.bytes);
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

  /**
   * Threads computing this model's native kernels: the `threads` option
   * where worker threads run (see ModelOptions), else 1. Like `usesWasm`,
   * answered as soon as the instance exists.
   */
  get threads(): number {
    if (this.threadCount > 1 && this.module !== null && this.capacity === 0) this.ensure(1);
    return this.pool?.threads ?? 1;
  }

  /** Ends the model's worker threads (`threads` option); the model keeps working, on one thread. Safe to call again. */
  dispose(): void {
    this.threadCount = 1;
    this.endThreads();
  }

  private endThreads(): void {
    if (this.pool === null) return;
    this.pool.dispose();
    poolRegistry?.unregister(this);
    this.pool = null;
  }

  /** Total number of weights, trainable and not (Keras count_params). */
  countParams(): number {
    return this.meta.paramCount;
  }

  /** The Keras 3 model.summary() table as text. */
  summary(): string {
    return this.meta.summary;
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

  /**
   * The weights as a `.weights.bin` file (see readWeights); `dtype` float16
   * or int8 quantizes them.
   */
  saveWeights(options: { dtype?: WeightsDtype } = {}): Uint8Array {
    return writeWeights(this.getWeights(), { ...options, model: this.meta.name });
  }

  /**
   * Replaces the weights from a `.weights.bin` file; a file for another
   * model throws and changes nothing. Reads every dtype saveWeights writes.
   */
  loadWeights(bytes: Uint8Array | ArrayBuffer): void {
    this.setWeights(readWeights(bytes));
  }

  /** A new model whose weights come from a `.weights.bin` file: `Model.loadWeights(bytes)`. */
  static loadWeights<T extends ModelBase>(this: new (options?: ModelOptions) => T, bytes: Uint8Array | ArrayBuffer, options: Omit<ModelOptions, "weights"> = {}): T {
    return new this({ ...options, weights: readWeights(bytes) });
  }

  /** Input k's token ids, if it is token ids. */
  private idsOf(k: number): TokenIds | undefined {
    return this.inSizes.length === 1 ? this.meta.tokenIds : this.meta.inputs![k]!.tokenIds;
  }

  /** How errors name input k: `what`, or `what k (name)` with several inputs. */
  private inputLabel(what: string, k: number): string {
    return this.inSizes.length === 1 ? what : `${what} ${k} (${this.meta.inputs![k]!.name})`;
  }

  /** Throws, naming sample and position, when input `k`, if it is token ids, holds a value outside [0, limit). */
  protected checkIds(xs: Float32Array, what: string, k = 0): void {
    const ids = this.idsOf(k);
    if (ids === undefined) return;
    const size = this.inSizes[k]!;
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i]!;
      if (!(Number.isInteger(v) && v >= 0 && v < ids.limit)) {
        const sample = Math.floor(i / size);
        throw new LayercError(
          `${what}: sample ${sample}, position ${i - sample * size} is ${v}, but ${ids.layer} takes token ids that are integers in [0, ${ids.limit})`,
        );
      }
    }
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
    const xs = parts.map((p, k) => toFloat32(p, this.inputLabel(what, k)));
    let count = n;
    xs.forEach((a, k) => {
      const size = this.inSizes[k]!;
      const label = this.inputLabel(what, k);
      const shape = shapeText(shapes[k]!);
      if (count === undefined) {
        if (a.length % size !== 0 || a.length === 0) {
          throw new LayercError(`${label} has ${a.length} values, not a whole number of samples of shape ${shape}`);
        }
        count = a.length / size;
      } else if (a.length !== count * size) {
        const error = lengthError(a, count * size, label, `${oneSample ? "one sample" : `${count} samples`} of shape ${shape}`);
        const samples = a.length / size;
        // a batch passed to predict: say what to call instead
        const hint = oneSample && Number.isInteger(samples) && samples > 1 ? `; that is ${samples} samples: use predictBatch(x, ${samples}) or predict(x, { batchSize: 32 })` : "";
        throw new LayercError(`${error.message}${hint}`);
      }
    });
    // token-id layers read model inputs only (the checker ensures it), so ids are checked here, per input
    xs.forEach((a, k) => this.checkIds(a, this.inputLabel(what, k), k));
    return { xs, n: count! };
  }

  /**
   * The caller's inputs for exactly `n` samples, validated, in an array this
   * model reuses (valid until its next call): what predictBatch and
   * trainOnBatch read. Allocates nothing when every input is a Float32Array
   * of the right length; anything else goes through readInputs, which
   * converts or throws.
   */
  protected readBatch(x: ModelInput, what: string, n: number): readonly Float32Array[] {
    const sizes = this.inSizes;
    const one = sizes.length === 1;
    const xs = this.batchXs;
    let ok = one ? true : Array.isArray(x) && x.length === sizes.length;
    for (let k = 0; ok && k < sizes.length; k++) {
      const a: unknown = one ? x : (x as readonly unknown[])[k];
      ok = a instanceof Float32Array && a.length === n * sizes[k]!;
      if (ok) xs[k] = a as Float32Array;
    }
    if (!ok) return this.readInputs(x, what, n).xs;
    xs.length = sizes.length;
    // token ids: the label is built only for inputs that have them
    for (let k = 0; k < xs.length; k++) {
      if (this.idsOf(k) !== undefined) this.checkIds(xs[k]!, this.inputLabel(what, k), k);
    }
    return xs;
  }

  /** Input k's `n` samples from sample `start` (the array itself when that is all of it). */
  private inputView(xs: readonly Float32Array[], k: number, start: number, n: number): Float32Array {
    const a = xs[k]!;
    const size = this.inSizes[k]!;
    return start === 0 && a.length === n * size ? a : a.subarray(start * size, (start + n) * size);
  }

  /** Runs forward on `n` samples of every input from sample `start`; returns every output buffer. */
  protected forwardAll(xs: readonly Float32Array[], start: number, n: number, training: boolean): (Float32Array | Float64Array)[] {
    for (let k = 1; k < xs.length; k++) this.inputs[k] = this.inputView(xs, k, start, n);
    const y = this.forward(this.inputView(xs, 0, start, n), n, training);
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
    if (this.plain && x instanceof Float32Array && x.length === this.inSize) {
      this.ensure(1);
      const y = this.forward(x, 1, false);
      this.outputs[0] = y;
      const out = new Float32Array(this.outSize);
      for (let i = 0; i < out.length; i++) out[i] = y[i]!;
      return out as unknown as P;
    }
    // validated here for one sample (its errors suggest predictBatch for a batch), computed as a batch of one
    const { xs } = this.readInputs(x, "predict input", 1, true);
    return this.predictBatch((xs.length === 1 ? xs[0]! : xs) as unknown as X, 1);
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

  /** Fresh output arrays for `n` samples (a method of its own: a closure in predictBatch would cost a context per call). */
  private newOutputs(n: number): Float32Array[] {
    return this.outSizes.map((size) => new Float32Array(n * size));
  }

  /**
   * Predictions for `batchSize` samples — `batchSize` is the number of samples
   * in `x` (x holds batchSize × input size values), not Keras's chunk size:
   * for that, use `predict(x, { batchSize })`. Writes into `out` when given
   * (no allocation).
   */
  predictBatch(x: X, batchSize: number, out?: P): P {
    // the direct path: one batch that fits in a chunk, every argument already what it must be
    if (this.plain && out instanceof Float32Array && x instanceof Float32Array && Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 256) {
      const { inSize, outSize } = this;
      if (x.length === batchSize * inSize && out.length === batchSize * outSize) {
        this.ensure(batchSize);
        const y = this.forward(x, batchSize, false);
        this.outputs[0] = y;
        for (let i = 0, end = batchSize * outSize; i < end; i++) out[i] = y[i]!;
        return out;
      }
    }
    checkValue("predictBatch batchSize", batchSize, positive);
    // sizes read once: this method is shared by every model class, so each property read is a polymorphic lookup
    const { outSizes } = this;
    const xs = this.readBatch(x, "predictBatch input", batchSize);
    const single = outSizes.length === 1;
    // no closures or arrays on the path with `out` given: it allocates nothing (test/alloc-free.test.ts)
    let results: readonly Float32Array[];
    if (out === undefined) results = this.newOutputs(batchSize);
    else {
      let ok = single ? out instanceof Float32Array : Array.isArray(out) && out.length === outSizes.length;
      for (let k = 0; ok && !single && k < outSizes.length; k++) ok = (out as readonly unknown[])[k] instanceof Float32Array;
      if (!ok) {
        throw new LayercError(single ? `predictBatch out must be a Float32Array, got ${describeValue(out)}` : `predictBatch out must be an array of ${outSizes.length} Float32Arrays, got ${describeValue(out)}`);
      }
      if (single) this.batchOuts[0] = out as unknown as Float32Array;
      results = single ? this.batchOuts : (out as unknown as readonly Float32Array[]);
    }
    for (let k = 0; k < outSizes.length; k++) {
      const r = results[k]!;
      if (r.length !== batchSize * outSizes[k]!) {
        const shape = this.meta.outputs?.[k]?.shape ?? this.meta.outputShape;
        throw lengthError(r, batchSize * outSizes[k]!, single ? "predictBatch output" : `predictBatch output ${k}`, `${batchSize} × ${shapeText(shape)}`);
      }
    }
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
    return (single ? results[0]! : out === undefined ? results : out) as unknown as P;
  }
}

/**
 * A model whose spec has `compile(...)`: adds training (trainOnBatch, fit,
 * fitAsync, evaluate) on top of ModelBase. Generated and interpreted classes
 * extend it only then, so an inference-only model has no training methods at
 * all (and calling one is a type error). `Y` is what the targets argument
 * takes (one array, or a tuple with one per output); `L` what fit's
 * callbacks and history see and evaluate returns: a generated model's exact
 * `<Model>Logs` (per-class metrics as number[]), else `Logs`.
 *
 * fit follows Keras 3's loop (backend/jax/trainer.py): per epoch, reset the
 * metrics, train batch by batch (the loss and metrics are running means
 * over the epoch), validate in inference mode, run the callbacks; at the
 * end copy the EMA weights in (use_ema), then end the callbacks
 * (restore_best_weights). Options are validated before anything changes; a
 * non-finite loss stops training with the epoch and batch named, the
 * weights as they were before that batch.
 *
 * With several inputs or outputs, fit packs each sample's inputs (and
 * targets) side by side in one row, so shuffling, validation split and
 * sample weights work on rows exactly as for one input; every step splits
 * its batch back into one array per input and output.
 */
export abstract class TrainableModel<X extends ModelInput = Samples, P extends ModelOutput = Float32Array, Y extends ModelInput = Samples, L extends { loss: number } = Logs>
  extends ModelBase<X, P>
  implements CallbackModel
{
  /** Gradient accumulators mirroring params (float32 when meta `parameterGradients` says so). */
  protected grads: Float32Array | Float64Array;
  /** Stream for dropout masks and shuffling. */
  protected readonly rng: Rng;
  /** dLoss/d(output or logits) of the last training batch (the loss kernel writes it, backward reads it). */
  protected dOut: Float32Array | Float64Array = new Float64Array(0);
  /** The same for every output (dOuts[0] is dOut). */
  protected dOuts: (Float32Array | Float64Array)[] = [];
  /** Targets of outputs after the first, for the current loss (output 0's are the `y` argument). */
  protected targets: Float32Array[] = [];
  /**
   * Each masked output's mask from the last forward (one 0/1 value per row
   * of the output's last axis; set by forward, absent for unmasked outputs):
   * metrics that read masks weight their rows with it, as Keras.
   */
  protected outputMasks: (Float32Array | Float64Array | undefined)[] = [];
  /**
   * The loss kernels' results: [batch mean loss of each output, then the
   * regularizers' penalty (written by the update), then the activity
   * regularizers' penalty (written by the loss kernels)].
   */
  protected readonly lossResult: Float64Array;
  /** Whether some weight has a regularizer (the update then writes the penalty, which the reported loss includes). */
  private readonly regularized: boolean;
  /** Per-sample loss weights every output's loss kernel reads (1 unless class or sample weights are given). */
  protected sampleWeights: Float64Array = new Float64Array(0);
  private readonly training: NonNullable<ModelMeta["training"]>;
  /** The optimizer's slots and per-step scalars (its update rule is the generated `update`). */
  private readonly optimizer: OptimizerRule;
  /** Each output's name, loss, weight and metrics (one entry for a single-output model). */
  private readonly heads: readonly { name: string; loss: LossSpec; weight: number; metrics: readonly MetricSpec[]; classes: number }[];
  /** Optimizer state mirroring params, in slotLayout order (runtime/optimizers.ts). */
  protected readonly slots: Float64Array[] = [];
  /** Per-step optimizer scalars for the update rule (HYPER: learning rate, Adam's α_t, …). */
  protected readonly hyper = new Float64Array(HYPER.size);
  /** Optimizer steps taken (Keras `optimizer.iterations`). */
  private iterations = 0;
  /** A learning rate set by a callback or setLearningRate, replacing the spec's (or its schedule). */
  private lrOverride: number | null = null;
  /** Each output's metric states, in output order. */
  private readonly metricStates: MetricState[][];
  /** Set by a callback to end fit after the current epoch (Keras `model.stop_training`). */
  stopTraining = false;
  /** The state a rejected step puts back. */
  protected readonly guard = new StepGuard();
  /** Whether the model has several inputs or outputs (fit then packs rows). */
  private readonly ported: boolean;
  /** Per-input and per-output scratch a packed batch is split into (models with several inputs or outputs). */
  private splitX: Float32Array[] = [];
  private splitY: Float32Array[] = [];
  /** Reused by labels(), so trainOnBatch allocates nothing. */
  private readonly batchYs: Float32Array[] = [];
  /** Native models: scratch in the native memory a step's inputs are copied into and scanned with SIMD (step-guard.ts inputFinite). */
  private inputStage: Float32Array[] = [];
  /** The capacity inputStage was laid out for. */
  private stageCapacity = 0;
  /** A step's inputs as its kernels read them: the scanned copies in inputStage where they hold exactly the batch (reused). */
  private readonly stagedXs: Float32Array[] = [];

  protected constructor(meta: ModelMeta, options: ModelOptions = {}) {
    super(meta, options);
    if (!meta.training) throw new LayercError(`model ${meta.name} has no compile(...) and cannot train`);
    this.training = meta.training;
    this.optimizer = linked(linksOf(this).optimizerKinds, meta.training.optimizer.name, "optimizer", meta.name);
    for (const s of slotsOf(this.optimizer, meta.training.optimizer)) this.slots.push(new Float64Array(meta.paramCount).fill(s.init));
    this.grads = meta.parameterGradients === "float32" ? new Float32Array(meta.paramCount) : new Float64Array(meta.paramCount);
    this.rng = new Rng(deriveSeed(this.seed, 0x7fffffff));
    const t = meta.training;
    this.heads = (meta.outputs ?? [{ name: "", shape: meta.outputShape }]).map((o) => ({
      name: o.name,
      loss: o.loss ?? t.loss,
      weight: o.weight ?? 1,
      metrics: o.metrics ?? t.metrics,
      classes: o.shape[o.shape.length - 1] ?? 1,
    }));
    this.ported = this.inSizes.length > 1 || this.heads.length > 1;
    this.lossResult = new Float64Array(this.heads.length + 2);
    this.metricStates = this.createMetrics();
    this.emaEvery = meta.training.optimizer.useEma ? (meta.training.optimizer.emaOverwriteFrequency ?? 0) : 0;
    this.regularized = meta.weights.some((w) => w.trainable && w.regularizer && (w.regularizer.l1 !== 0 || w.regularizer.l2 !== 0));
  }

  /**
   * The metric factories this model class links, by kind: a generated class
   * lists the metrics it compiles (so a bundle carries only those), an
   * interpreted one every kind (runtime/metrics.ts METRICS).
   */
  protected static readonly metricKinds: MetricKinds = {};
  /** The optimizer rule the class links, by name (see Links). */
  protected static readonly optimizerKinds: OptimizerKinds = {};
  /** The learning-rate schedules the class links, by name (see Links). */
  protected static readonly scheduleKinds: ScheduleKinds = {};

  /** Fresh accumulators for every output's metrics, from the class's linked factories. */
  private createMetrics(): MetricState[][] {
    const kinds = linksOf(this).metricKinds;
    return this.heads.map((h, k) => h.metrics.map((m) => linked(kinds, m.kind, "metric", this.meta.name)(m, this.outSizes[k]!, h.classes)));
  }

  /** The learning rate of the step after `step` steps: the spec's or its schedule's. */
  private rateAt(step: number): number {
    const spec = this.training.optimizer;
    return spec.schedule ? rateWith(linksOf(this).scheduleKinds, spec, step) : spec.learningRate;
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
    if (store.native) {
      this.grads = this.meta.parameterGradients === "float32" ? store.f32(this.meta.paramCount) : store.f64(this.meta.paramCount);
      // the optimizer state moves into the native memory too (the update rule may run natively), carrying its values
      // over; a measuring store hands out empty arrays, which must not replace the state
      for (let i = 0; i < this.slots.length; i++) {
        const slot = store.f64(this.meta.paramCount);
        if (slot.length !== this.meta.paramCount) continue;
        slot.set(this.slots[i]!);
        this.slots[i] = slot;
      }
    }
    this.inputStage = store.native ? this.inSizes.map((size) => store.f32(capacity * size)) : [];
    this.stageCapacity = capacity;
    this.dOuts = this.outSizes.map((size) => (this.meta.activations === "float32" ? store.f32(capacity * size) : store.f64(capacity * size)));
    this.dOut = this.dOuts[0]!;
    this.sampleWeights = new Float64Array(capacity).fill(1);
    if (this.ported) {
      this.splitX = this.inSizes.map((size) => new Float32Array(capacity * size));
      this.splitY = this.heads.map((_, k) => new Float32Array(capacity * this.ySize(k)));
    }
    super.place(capacity, store);
  }

  /** The step's scan scratch doubles as the kernels' copy of the input (laid out in the same place, before allocate runs). */
  protected override inputCopy(k: number, size: number, store: Store): Float32Array {
    const stage = this.inputStage[k];
    return store.native && stage !== undefined && size === this.stageCapacity * this.inSizes[k]! ? stage : super.inputCopy(k, size, store);
  }

  /** One optimizer step over the trainable parameters from `grads`: the model's specialized update rule, reading `slots` and `hyper`. */
  protected abstract update(): void;
  /** Accumulates parameter gradients into `grads` from dLoss/dOutput, after a training forward. */
  protected abstract backward(x: Float32Array, dOut: Float32Array | Float64Array, n: number): void;
  /**
   * The model's loss kernels: the mean loss of the `n` samples the last
   * forward computed against targets `y` (from its start; other outputs'
   * targets in `targets`), each weighted by `sampleWeights`, writing each
   * output's loss into `lossResult` and dLoss/d(output, or logits when the
   * final activation is fused), times the output's loss weight, into
   * `dOuts`; returns output 0's loss.
   */
  protected abstract lossAndGradient(y: Float32Array, n: number): number;

  /** The batch's total loss Σ weight·loss + activity penalties (gradients go to dOuts); targets start `yStart` samples into ys. */
  private lossOf(ys: readonly Float32Array[], yStart: number, n: number): number {
    for (let k = 1; k < ys.length; k++) {
      const per = this.ySize(k);
      const y = ys[k]!;
      this.targets[k] = yStart === 0 && y.length === n * per ? y : y.subarray(yStart * per, (yStart + n) * per);
    }
    const first = this.lossAndGradient(yStart === 0 ? ys[0]! : ys[0]!.subarray(yStart * this.ySize(0)), n);
    // Keras adds the layers' activity penalties (add_loss) to the compiled loss
    const activity = this.training.activityPenalty ? this.lossResult[this.heads.length + 1]! : 0;
    if (this.heads.length === 1) return first + activity;
    let total = activity;
    for (let k = 0; k < this.heads.length; k++) total += this.heads[k]!.weight * this.lossResult[k]!;
    return total;
  }

  protected readonly seededStreams = new Map<number, Rng>();

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
    return this.lrOverride ?? this.rateAt(this.iterations);
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

  /** Whether each compiled metric improves upward (for callbacks' mode 'auto'), under its logged name. */
  get metricDirections(): Record<string, "up" | "down"> {
    return Object.fromEntries(this.heads.flatMap((h, k) => h.metrics.map((m) => [this.metricName(k, m.name), metricDirection(m.kind)])));
  }

  /** The logged names of the metrics that log one value per class (F1Score/FBetaScore with average=None). */
  get perClassMetrics(): string[] {
    return this.heads.flatMap((h, k) => h.metrics.filter(perClass).map((m) => this.metricName(k, m.name)));
  }

  /** Keras's log name of output k's metric: `accuracy`, or `out_accuracy` with several outputs. */
  private metricName(k: number, name: string): string {
    return this.heads.length > 1 ? `${this.heads[k]!.name}_${name}` : name;
  }

  private sparse(k: number): boolean {
    return this.heads[k]!.loss.name === "sparse_categorical_crossentropy";
  }

  /** Values per sample in output k's targets: for sparse losses one class id per row of the last axis (1 for a vector output), else the output size. */
  private ySize(k: number): number {
    return this.sparse(k) ? this.outSizes[k]! / this.heads[k]!.classes : this.outSizes[k]!;
  }

  /** Output k's targets, validated for `n` samples; `what` names them in errors (built only then). */
  private labelsOf(k: number, y: Samples, n: number, what: string): Float32Array {
    const ys = y instanceof Float32Array ? y : toFloat32(y, this.labelName(k, what));
    const per = this.ySize(k);
    const classes = this.heads[k]!.classes;
    if (ys.length !== n * per) {
      const shape = this.meta.outputs?.[k]?.shape ?? this.meta.outputShape;
      const ids = per === 1 ? `${n} class ids` : `${n} × ${per} class ids (one per position of shape ${shapeText(shape.slice(0, -1))})`;
      throw lengthError(ys, n * per, this.labelName(k, what), this.sparse(k) ? ids : `${n} targets of shape ${shapeText(shape)}`);
    }
    if (this.sparse(k)) {
      for (let i = 0; i < ys.length; i++) {
        const c = ys[i]!;
        if (!Number.isInteger(c) || c < 0 || c >= classes) {
          const at = per === 1 ? `label ${i}` : `label ${i} (sample ${Math.floor(i / per)}, position ${i % per})`;
          throw new LayercError(`${at} is ${c}; sparse labels must be integer class ids in [0, ${classes})`);
        }
      }
    }
    return ys;
  }

  private labelName(k: number, what: string): string {
    return this.heads.length > 1 ? `${what} ${k} (${this.heads[k]!.name})` : what;
  }

  /** The caller's targets, one Float32Array per output, validated for `n` samples, in an array this model reuses (valid until its next call). */
  private labels(y: ModelInput, n: number, what = "labels"): readonly Float32Array[] {
    const ys = this.batchYs;
    if (this.heads.length === 1) ys[0] = this.labelsOf(0, y as Samples, n, what);
    else {
      if (!Array.isArray(y) || y.length !== this.heads.length) {
        throw new LayercError(`${what} must be an array of ${this.heads.length} targets (one per output: ${this.heads.map((h) => h.name).join(", ")}), got ${Array.isArray(y) ? y.length : typeof y}`);
      }
      for (let k = 0; k < this.heads.length; k++) ys[k] = this.labelsOf(k, (y as readonly Samples[])[k]!, n, what);
    }
    ys.length = this.heads.length;
    return ys;
  }

  /**
   * One optimizer step on one batch; returns the batch's mean loss (the
   * weighted total with several outputs, with the regularizers' penalty).
   * The step is all-or-nothing: see {@link NonFiniteError}.
   */
  trainOnBatch(x: X, y: Y, batchSize: number): number {
    checkValue("trainOnBatch batchSize", batchSize, positive);
    const xs = this.readBatch(x, "trainOnBatch input", batchSize);
    const ys = this.labels(y, batchSize);
    return this.step(xs, ys, null, batchSize, false, TRAIN_ON_BATCH);
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
  private step(given: readonly Float32Array[], ys: readonly Float32Array[], weights: Float64Array | null, n: number, metrics: boolean, site: StepSite): number {
    let xs = given;
    // inputs first: a NaN the forward pass masks (max pooling, relu) would otherwise pass unseen;
    // a non-finite label always makes the loss non-finite, so labels are only scanned to name one
    this.ensure(n);
    const stage = this.inputStage;
    // a native model scans a copy in its memory with SIMD; the others (small inputs) in place
    if (stage.length === 0 || this.scan === null) {
      for (let k = 0; k < xs.length; k++) if (firstNonFinite(xs[k]!, 0, n * this.inSizes[k]!) >= 0) throw this.nonFinite(xs, ys, n, 0, site);
    } else {
      for (let k = 0; k < xs.length; k++) if (!inputFinite(xs[k]!, n * this.inSizes[k]!, stage[k]!, this.scan)) throw this.nonFinite(xs, ys, n, 0, site);
      // the kernels read the scanned copies (the generated forward copies an input only when it is not already its copy)
      const staged = this.stagedXs;
      for (let k = 0; k < xs.length; k++) staged[k] = stage[k]!.length === n * this.inSizes[k]! ? stage[k]! : xs[k]!;
      staged.length = xs.length;
      xs = staged;
    }
    this.guard.save(this.params, this.slots, this.rng, this.seededStreams, this.hyper);
    const outs = this.forwardAll(xs, 0, n, true);
    if (weights) this.sampleWeights.set(weights.subarray(0, n));
    const loss = this.lossOf(ys, 0, n);
    if (weights) this.sampleWeights.fill(1, 0, n);
    let t = 0;
    let ok = loss - loss === 0;
    if (ok) {
      if (this.meta.gradients !== "backward") this.grads.fill(0);
      this.backward(xs[0]!, this.dOut, n);
      t = this.nextStep();
      this.update();
      ok = stateFinite(this.params, this.slots, this.scan, this.nativeMemory);
    }
    if (!ok) {
      const error = this.nonFinite(xs, ys, n, loss, site);
      this.guard.restore(this.params, this.slots, this.rng, this.seededStreams, this.hyper);
      throw error;
    }
    if (metrics) for (let k = 0; k < this.metricStates.length; k++) for (const m of this.metricStates[k]!) m.update(outs[k]!, ys[k]!, 0, n, this.outputMasks[k]);
    return this.endStep(t, loss);
  }

  /**
   * The runtime's half of a generated class's direct trainOnBatch
   * (templates/model.ts), which runs the step and its guard in the class's
   * own method: nextStep sets the optimizer's scalars for the next step and
   * returns its number; endStep commits the step (every step ends there)
   * and returns the loss as trainOnBatch reports it.
   */
  protected nextStep(): number {
    const t = this.iterations + 1;
    stepScalars(this.optimizer, this.training.optimizer, t, this.hyper, this.lrOverride ?? this.rateAt(t - 1));
    return t;
  }

  protected endStep(t: number, loss: number): number {
    this.iterations = t;
    if (this.emaEvery !== 0 && t % this.emaEvery === 0) this.copyAverage();
    // the update computed the penalty (one past the outputs' losses) from the weights this batch was evaluated with
    return this.regularized ? loss + this.lossResult[this.heads.length]! : loss;
  }

  /** Keras's ema_overwrite_frequency when the optimizer keeps an EMA of the weights, else 0. */
  private readonly emaEvery: number;

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

  /** use_ema: the moving average (the last slot) replaces the trainable weights. */
  private copyAverage(): void {
    const avg = this.slots[this.slots.length - 1]!;
    for (const w of this.meta.weights) if (w.trainable) for (let i = w.offset; i < w.offset + w.size; i++) this.params[i] = avg[i]!;
  }

  fit(x: X, y: Y, options: FitOptions<L> = {}): History<L> {
    const run = this.fitRun(x, y, options as unknown as FitOptions<AnyLogs>);
    for (let r = run.next(); !r.done; r = run.next());
    return run.history as unknown as History<L>;
  }

  /**
   * fit, yielding to the event loop between batches at most every ~16 ms
   * (a frame), so a page stays responsive while it trains.
   */
  async fitAsync(x: X, y: Y, options: FitOptions<L> = {}): Promise<History<L>> {
    const run = this.fitRun(x, y, options as unknown as FitOptions<AnyLogs>);
    let last = Date.now();
    for (let r = run.next(); !r.done; r = run.next()) {
      if (Date.now() - last >= 16) {
        await nextTask();
        last = Date.now();
      }
    }
    return run.history as unknown as History<L>;
  }

  /** Per-sample sizes of a packed input row and target row. */
  private get rowSizes(): { x: number; y: number } {
    return { x: this.inSizes.reduce((a, b) => a + b, 0), y: this.heads.reduce((a, _, k) => a + this.ySize(k), 0) };
  }

  /** Parts (one array per input or output, `n` samples each) packed into rows: sample i's parts side by side. */
  private static pack(parts: readonly Float32Array[], sizes: readonly number[], n: number): Float32Array {
    const row = sizes.reduce((a, b) => a + b, 0);
    const out = new Float32Array(n * row);
    for (let i = 0; i < n; i++) {
      let o = i * row;
      parts.forEach((p, k) => {
        out.set(p.subarray(i * sizes[k]!, (i + 1) * sizes[k]!), o);
        o += sizes[k]!;
      });
    }
    return out;
  }

  /** Samples [from, from + n) of packed rows split into `into` (one array per part); returns views of n samples each. */
  private static split(rows: Float32Array, sizes: readonly number[], from: number, n: number, into: Float32Array[]): Float32Array[] {
    const row = sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) {
      let o = (from + i) * row;
      for (let k = 0; k < sizes.length; k++) {
        const size = sizes[k]!;
        into[k]!.set(rows.subarray(o, o + size), i * size);
        o += size;
      }
    }
    return into.map((a, k) => (a.length === n * sizes[k]! ? a : a.subarray(0, n * sizes[k]!)));
  }

  /** A packed batch (or chunk) of `n` samples from `from` as one array per input and per output. */
  private parts(xs: Float32Array, ys: Float32Array, from: number, n: number): { xs: Float32Array[]; ys: Float32Array[] } {
    if (!this.ported) {
      const per = this.ySize(0);
      const x = from === 0 && xs.length === n * this.inSize ? xs : xs.subarray(from * this.inSize, (from + n) * this.inSize);
      const y = from === 0 && ys.length === n * per ? ys : ys.subarray(from * per, (from + n) * per);
      return { xs: [x], ys: [y] };
    }
    this.ensure(n);
    const ySizes = this.heads.map((_, k) => this.ySize(k));
    return { xs: TrainableModel.split(xs, this.inSizes, from, n, this.splitX), ys: TrainableModel.split(ys, ySizes, from, n, this.splitY) };
  }

  /**
   * The caller's x and y as packed rows (as is for one input and one output),
   * with the targets validated: what prepareFit and evaluate work on.
   */
  private rows(x: ModelInput, what: string): { xs: Float32Array; n: number } {
    const { xs, n } = this.readInputs(x, what);
    return { xs: this.ported ? TrainableModel.pack(xs, this.inSizes, n) : xs[0]!, n };
  }

  private labelRows(y: ModelInput, n: number, what: string): Float32Array {
    const ys = this.labels(y, n, what);
    return this.ported ? TrainableModel.pack(ys, this.heads.map((_, k) => this.ySize(k)), n) : ys[0]!;
  }

  /** The fit loop as an iterator that pauses after every batch (fit runs it through; fitAsync yields in between). */
  private fitRun(x: X, y: Y, options: FitOptions<AnyLogs>): Iterator<void, void> & { history: AnyHistory } {
    checkOptions("fit", options, OPTIONS.fit);
    let opts = options;
    let fx: Samples = x as Samples;
    if (this.ported) {
      if (options.classWeight !== undefined && this.heads.length > 1) {
        throw new LayercError("classWeight is not supported for a model with several outputs (as in Keras); pass sampleWeight instead");
      }
      // several inputs or outputs: validated here and packed into rows, which prepareFit treats as one input
      fx = this.rows(x, "fit input").xs;
      const vd = options.validationData;
      if (vd !== undefined && Array.isArray(vd) && vd.length >= 2 && vd.length <= 3) {
        const vx = this.rows(vd[0] as ModelInput, "validationData x").xs;
        const packed: NonNullable<FitOptions<AnyLogs>["validationData"]> = vd.length === 3 ? [vx, vd[1], vd[2]!] : [vx, vd[1]];
        opts = { ...options, validationData: packed };
      }
    }
    if (options.classWeight !== undefined && this.sparse(0) && this.ySize(0) > 1) {
      // Keras 3 would take the argmax over each sample's sequence of class ids (a position, not a class)
      throw new LayercError(`classWeight is not supported with sparse labels per position (${this.ySize(0)} class ids per sample); pass sampleWeight instead`);
    }
    const { x: rowX, y: rowY } = this.rowSizes;
    const plan = prepareFit({ sparseLabels: this.sparse(0) }, fx, y as Samples, opts, (ys, n, what) => this.labelRows(ys, n, what), rowX, rowY, this.meta.inputShape);
    if (!this.ported) {
      this.checkIds(plan.xs, "fit input");
      if (plan.validation) this.checkIds(plan.validation.xs, "validationData x");
    }
    const history: AnyHistory = { epoch: [], history: { loss: [] } };
    return Object.assign(this.trainEpochs(plan, history), { history });
  }

  private *trainEpochs(plan: FitPlan, history: AnyHistory): Generator<void, void> {
    const { xs, ys, weights, nTrain, batchSize, epochs, initialEpoch, callbacks, options } = plan;
    const { x: inRow, y: per } = this.rowSizes;
    const order = Uint32Array.from({ length: nTrain }, (_, i) => i);
    const bx = new Float32Array(Math.min(batchSize, nTrain) * inRow);
    const by = new Float32Array(Math.min(batchSize, nTrain) * per);
    const bw = weights ? new Float64Array(Math.min(batchSize, nTrain)) : null;
    const steps = Math.ceil(nTrain / batchSize);
    const progress = plan.verbose ? new Progress(plan.verbose, epochs, steps, options.progress ?? defaultSink()) : null;
    const headLoss = new Float64Array(this.heads.length);
    // where each step runs, for its error (the label is built only then)
    const site = {
      epoch: 0,
      batch: 0,
      start: 0,
      get label() {
        return `fit epoch ${this.epoch + 1} batch ${this.batch + 1}`;
      },
      sample(i: number) {
        return order[this.start + i]!;
      },
    };
    this.stopTraining = false;
    for (const c of callbacks) c.onTrainBegin?.(this);
    let aborted = false;
    for (let e = initialEpoch; e < epochs && !aborted; e++) {
      for (const states of this.metricStates) for (const m of states) m.reset();
      for (const c of callbacks) c.onEpochBegin?.(e, this);
      progress?.epochBegin(e);
      if (plan.shuffle) this.rng.shuffle(order);
      let lossSum = 0;
      let seen = 0;
      headLoss.fill(0);
      for (let start = 0, b = 0; start < nTrain; start += batchSize, b++) {
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        const n = Math.min(batchSize, nTrain - start);
        let batch;
        if (plan.shuffle) {
          // a native model gathers a full batch straight into the scratch its step scans it in (no second copy)
          this.ensure(n);
          const stage = this.ported ? undefined : this.inputStage[0];
          const into = stage !== undefined && stage.length === n * inRow ? stage : bx;
          for (let i = 0; i < n; i++) {
            const s = order[start + i]!;
            into.set(xs.subarray(s * inRow, (s + 1) * inRow), i * inRow);
            by.set(ys.subarray(s * per, (s + 1) * per), i * per);
            if (bw) bw[i] = weights![s]!;
          }
          batch = this.parts(into, by, 0, n);
        } else {
          // in order: the batch is a view of the caller's rows (the step copies what it keeps), no gather
          if (bw) bw.set(weights!.subarray(start, start + n));
          batch = this.parts(xs, ys, start, n);
        }
        site.epoch = e;
        site.batch = b;
        site.start = start;
        const loss = this.step(batch.xs, batch.ys, bw, n, true, site);
        lossSum += loss * n;
        seen += n;
        for (let k = 0; k < headLoss.length; k++) headLoss[k] = headLoss[k]! + this.lossResult[k]! * n;
        // the running logs only for whoever reads them per batch
        if (options.onBatchEnd !== undefined || progress !== null) {
          const logs = this.logs(lossSum / seen, headLoss, seen, this.metricStates);
          options.onBatchEnd?.(b, logs);
          progress?.batchEnd(b + 1, logs);
        }
        yield;
      }
      if (aborted) break;
      const logs = this.logs(lossSum / seen, headLoss, seen, this.metricStates);
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

  /**
   * The running loss and every metric's current value under Keras's names;
   * with several outputs also each output's loss (`out_loss`, the mean of
   * `headLoss` over `seen` samples) and its metrics as `out_<metric>`.
   */
  private logs(loss: number, headLoss: Float64Array, seen: number, states: readonly MetricState[][]): AnyLogs {
    const logs: AnyLogs = { loss };
    const many = this.heads.length > 1;
    this.heads.forEach((h, k) => {
      if (many) logs[`${h.name}_loss`] = headLoss[k]! / seen;
      for (const m of states[k]!) logs[this.metricName(k, m.spec.name)] = m.result();
    });
    return logs;
  }

  /** The mean loss and every compiled metric in inference mode (Keras evaluate with return_dict=True). */
  evaluate(x: X, y: Y, options: EvaluateOptions = {}): L {
    checkOptions("evaluate", options, OPTIONS.evaluate);
    const { batchSize = 32 } = options;
    const { xs, n: total } = this.rows(x, "evaluate input");
    const ys = this.labelRows(y, total, "labels");
    const weights = options.sampleWeight === undefined ? null : sampleWeightsOf(options.sampleWeight, total, "sampleWeight");
    return this.evaluateRange(xs, ys, weights, 0, total, batchSize) as unknown as L;
  }

  /** Inference-mode loss and metrics over packed rows [from, to). */
  private evaluateRange(xs: Float32Array, ys: Float32Array, weights: Float64Array | null, from: number, to: number, batchSize: number): AnyLogs {
    const chunk = Math.min(batchSize, to - from);
    this.ensure(chunk);
    const states = this.createMetrics();
    const headLoss = new Float64Array(this.heads.length);
    let lossSum = 0;
    for (let s = from; s < to; s += chunk) {
      const n = Math.min(chunk, to - s);
      const batch = this.parts(xs, ys, s, n);
      const outs = this.forwardAll(batch.xs, 0, n, false);
      if (weights) this.sampleWeights.set(weights.subarray(s, s + n));
      lossSum += this.lossOf(batch.ys, 0, n) * n;
      if (weights) this.sampleWeights.fill(1, 0, n);
      for (let k = 0; k < headLoss.length; k++) headLoss[k] = headLoss[k]! + this.lossResult[k]! * n;
      states.forEach((st, k) => st.forEach((m) => m.update(outs[k]!, batch.ys[k]!, 0, n, this.outputMasks[k])));
    }
    return this.logs(lossSum / (to - from) + (this.regularized ? this.penalty() : 0), headLoss, to - from, states);
  }
}
