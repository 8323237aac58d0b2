/**
 * TensorFlow.js-layers as an independent oracle (DESIGN.md §4): builds the
 * tfjs `Sequential` equivalent to a checked layerc spec, copies our weights
 * into it, compiles it with the same optimizer and loss, and compares
 * numbers with messages that name the layer, the index and both values.
 *
 * Imports: tfjs-layers, tfjs-core and tfjs-backend-cpu ship no `exports`
 * map, so Node (and vitest, which externalizes node_modules) load their CJS
 * `main` bundles (`dist/tf-*.node.js`); tfjs-layers `require`s the same
 * tfjs-core module we import, so there is one engine and one registry of
 * backends. Only the pure-JS cpu backend is used (never tfjs-node).
 *
 * Mapping rules (keras-semantics.md §7; the row numbers below are the
 * checklist's):
 * - every layer gets explicit initializers (row 1: tfjs defaults to
 *   glorotNormal), then our weights are copied over them layer by layer;
 *   within a layer both libraries order weights the same way, but at model
 *   level tfjs puts all trainable weights first (row 16), so we never use
 *   model-level setWeights/getWeights for the comparison;
 * - activations map to tfjs names: silu → `swish`, log_softmax →
 *   `logSoftmax`, leaky_relu (no tfjs string, row 10) → a linear layer
 *   followed by a LeakyReLU layer with alpha 0.2 (Keras's activation
 *   default). hard_sigmoid differs (row 9) and `exponential` does not exist
 *   in tfjs: both throw unless `allowKnownDifferences` is set, in which case
 *   hard_sigmoid maps to tfjs `hardSigmoid` (0.2x + 0.5) so a test can
 *   assert the difference;
 * - losses map to tfjs camelCase names (row 19); crossentropies from logits
 *   are refused (row 17: tfjs clips logits), so specs must end in
 *   softmax/sigmoid;
 * - Adam maps to tf.train.adam with the same ε, which tfjs places
 *   differently (row 20): see the Adam tests for the tolerance;
 * - what tfjs cannot express throws: causal padding, strides together with
 *   dilation (row 23), and any layer attribute not listed in `mapped`.
 *   (tfjs also cannot differentiate dilated convolutions; training tests
 *   avoid them, differences.test.ts asserts it.)
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { check, formatDiagnostics } from "../../src/index.js";
import type { ActivationName, AttrValue, LayerIR, ModelIR } from "../../src/ir/model-ir.js";
import { lookupLayer } from "../../src/layers/registry.js";
import type { LossSpec, OptimizerSpec } from "../../src/runtime/spec.js";
import type { ModelClass } from "./models.js";
import type { Rng } from "../../src/runtime/random.js";
import { generated, interpreted } from "./models.js";

export { tf, tfl };

type TfLayer = ReturnType<typeof tfl.layers.dense>;
type PoolArgs = Parameters<typeof tfl.layers.maxPooling2d>[0] & Parameters<typeof tfl.layers.maxPooling1d>[0];

let ready: Promise<void> | undefined;

/** Selects the cpu backend once; prod mode silences tfjs's "install tfjs-node" banner. */
export function initTfjs(): Promise<void> {
  ready ??= (async () => {
    tf.enableProdMode();
    if (!(await tf.setBackend("cpu"))) throw new Error("tfjs cpu backend unavailable");
    await tf.ready();
  })();
  return ready;
}

/** Whether a layer kind is registered in layerc now (other kinds are added concurrently). */
export const registered = (kind: string): boolean => lookupLayer(kind) !== undefined;

/** The checked IR of model `name` (default: the first) of `source`; throws with rendered diagnostics. */
export function modelIR(source: string, name?: string): ModelIR {
  const r = check(source, { fileName: "oracle.nn" });
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`spec does not check:\n${formatDiagnostics(r.diagnostics, source)}\n${source}`);
  const m = name === undefined ? r.ir.models[0] : r.ir.models.find((x) => x.name === name);
  if (!m) throw new Error(`no model ${name ?? ""} in spec`);
  return m;
}

export interface BuildOptions {
  /** Map hard_sigmoid to tfjs hardSigmoid (which differs, row 9) instead of throwing. */
  readonly allowKnownDifferences?: boolean;
}

/** A tfjs activation for one of ours: a string, or a separate layer for leaky_relu. */
function tfActivation(act: ActivationName, where: string, opts: BuildOptions): { name: string; after?: () => TfLayer } {
  switch (act) {
    case "linear":
    case "relu":
    case "relu6":
    case "sigmoid":
    case "tanh":
    case "softmax":
    case "elu":
    case "selu":
    case "softplus":
    case "softsign":
    case "gelu":
    case "mish":
      return { name: act };
    case "silu":
      return { name: "swish" };
    case "log_softmax":
      return { name: "logSoftmax" };
    case "leaky_relu":
      // Keras's leaky_relu activation has negative_slope 0.2 (the LeakyReLU layers default to 0.3 in both libraries).
      return { name: "linear", after: () => tfl.layers.leakyReLU({ alpha: 0.2 }) as unknown as TfLayer };
    case "hard_sigmoid":
      if (opts.allowKnownDifferences) return { name: "hardSigmoid" };
      throw new Error(`${where}: hard_sigmoid differs (Keras 3 relu6(x+3)/6, tfjs 0.2x+0.5; §7 row 9)`);
    case "exponential":
      throw new Error(`${where}: tfjs has no 'exponential' activation`);
  }
}

const attr = (l: LayerIR, name: string): AttrValue => {
  if (!(name in l.attrs)) throw new Error(`layer ${l.name} (${l.kind}) has no attribute ${name}; attributes: ${Object.keys(l.attrs).join(", ")}`);
  return l.attrs[name]!;
};
const num = (l: LayerIR, name: string) => attr(l, name) as number;
const nums = (l: LayerIR, name: string): number[] => {
  const v = attr(l, name);
  return typeof v === "number" ? [v] : [...(v as readonly number[])];
};
const bool = (l: LayerIR, name: string) => attr(l, name) as boolean;
const optNums = (l: LayerIR, name: string): number[] | undefined => (l.attrs[name] == null ? undefined : nums(l, name));
const padding = (l: LayerIR): "valid" | "same" => {
  const p = attr(l, "padding");
  if (p !== "valid" && p !== "same") throw new Error(`layer ${l.name}: padding '${String(p)}' has no tfjs equivalent (§7 row 23)`);
  return p;
};

const INIT = ["kernel_initializer", "bias_initializer"];
const CONV = ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias", ...INIT];
const POOL = ["pool_size", "strides", "padding"];
/**
 * Every attribute the mapping below accounts for, per kind. Initializers
 * and Dropout's seed do not matter (weights are copied; masks never
 * compared); data_format can only be channels_last. An attribute missing
 * here (a kind gaining an argument) makes buildTfjs throw rather than
 * silently compare a different layer.
 */
const mapped: Readonly<Record<string, readonly string[]>> = {
  Dense: ["units", "activation", "use_bias", ...INIT],
  Activation: ["activation"],
  Flatten: [],
  Reshape: ["target_shape"],
  Dropout: ["rate", "seed"],
  Conv1D: CONV,
  Conv2D: CONV,
  MaxPooling1D: POOL,
  MaxPooling2D: POOL,
  AveragePooling1D: POOL,
  AveragePooling2D: POOL,
  GlobalAveragePooling2D: ["data_format", "keepdims"],
  GlobalMaxPooling2D: ["data_format", "keepdims"],
  BatchNormalization: ["axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer"],
};

/**
 * The tfjs layers for one of ours: the first holds the weights (if any),
 * the rest are split off (leaky_relu as a LeakyReLU layer; keepdims as a
 * Reshape, since tfjs global pooling has no keepdims).
 */
function tfLayers(l: LayerIR, base: { inputShape?: number[] }, opts: BuildOptions): TfLayer[] {
  const where = `layer ${l.name} (${l.kind})`;
  const known = mapped[l.kind];
  if (!known) throw new Error(`${where}: no tfjs mapping in test/helpers/tfjs.ts`);
  // regularizers and constraints are checked against Keras fixtures; the tfjs oracle compares models without them
  const weightOptions = Object.keys(l.attrs).filter((a) => /_(regularizer|constraint)$/.test(a));
  const used = weightOptions.filter((a) => l.attrs[a] !== null);
  if (used.length) throw new Error(`${where}: ${used.join(", ")} have no tfjs oracle here (test/training/keras-weight-options.test.ts checks them)`);
  const extra = Object.keys(l.attrs).filter((a) => !known.includes(a) && !weightOptions.includes(a));
  if (extra.length) throw new Error(`${where}: attributes ${extra.join(", ")} are not mapped to tfjs in test/helpers/tfjs.ts`);
  if (l.attrs["data_format"] != null && l.attrs["data_format"] !== "channels_last") throw new Error(`${where}: data_format ${String(l.attrs["data_format"])}`);
  // Weights are overwritten by copyWeights; explicit initializers keep tfjs's different defaults out (row 1).
  const inits = { kernelInitializer: "zeros", biasInitializer: "zeros" } as const;
  const withAct = (make: (activation: string) => unknown): TfLayer[] => {
    const a = tfActivation(l.attrs["activation"] == null ? "linear" : (attr(l, "activation") as ActivationName), where, opts);
    const main = make(a.name) as TfLayer;
    return a.after ? [main, a.after()] : [main];
  };
  const conv = (rank: 1 | 2) => {
    const strides = nums(l, "strides");
    const dilation = nums(l, "dilation_rate");
    if (strides.some((s) => s !== 1) && dilation.some((d) => d !== 1)) {
      throw new Error(`${where}: tfjs asserts "Either strides or dilations must be 1" (§7 row 23)`);
    }
    const kernel = nums(l, "kernel_size");
    const tuple = (v: number[]) => (rank === 1 ? v[0]! : (v as [number, number]));
    return withAct((activation) => {
      const args = {
        ...base,
        ...inits,
        filters: num(l, "filters"),
        kernelSize: tuple(kernel),
        strides: tuple(strides),
        dilationRate: tuple(dilation),
        padding: padding(l),
        useBias: bool(l, "use_bias"),
        activation: activation as "linear",
      };
      return rank === 1 ? tfl.layers.conv1d(args) : tfl.layers.conv2d(args);
    });
  };
  /** Pooling: strides null (Keras None) is left out, so both default to pool_size. */
  const pool = (rank: 1 | 2, make: (args: PoolArgs) => unknown): TfLayer[] => {
    const strides = optNums(l, "strides");
    const tuple = (v: number[]) => (rank === 1 ? v[0]! : (v as [number, number]));
    const args = { ...base, poolSize: tuple(nums(l, "pool_size")), padding: padding(l), ...(strides ? { strides: tuple(strides) } : {}) };
    return [make(args as PoolArgs) as TfLayer];
  };
  switch (l.kind) {
    case "Dense":
      return withAct((activation) => tfl.layers.dense({ ...base, ...inits, units: num(l, "units"), useBias: bool(l, "use_bias"), activation: activation as "linear" }));
    case "Activation": {
      const a = tfActivation(attr(l, "activation") as ActivationName, where, opts);
      if (a.after) return [tfl.layers.leakyReLU({ ...base, alpha: 0.2 }) as unknown as TfLayer];
      return [tfl.layers.activation({ ...base, activation: a.name as "linear" }) as unknown as TfLayer];
    }
    case "Flatten":
      return [tfl.layers.flatten(base) as unknown as TfLayer];
    case "Reshape":
      return [tfl.layers.reshape({ ...base, targetShape: nums(l, "target_shape") }) as unknown as TfLayer];
    case "Dropout":
      return [tfl.layers.dropout({ ...base, rate: num(l, "rate") }) as unknown as TfLayer];
    case "Conv1D":
      return conv(1);
    case "Conv2D":
      return conv(2);
    case "MaxPooling1D":
      return pool(1, (a) => tfl.layers.maxPooling1d(a));
    case "AveragePooling1D":
      return pool(1, (a) => tfl.layers.averagePooling1d(a));
    case "MaxPooling2D":
      return pool(2, (a) => tfl.layers.maxPooling2d(a));
    case "AveragePooling2D":
      return pool(2, (a) => tfl.layers.averagePooling2d(a));
    case "GlobalAveragePooling2D":
    case "GlobalMaxPooling2D": {
      const g = (l.kind === "GlobalAveragePooling2D" ? tfl.layers.globalAveragePooling2d(base) : tfl.layers.globalMaxPooling2d(base)) as unknown as TfLayer;
      return bool(l, "keepdims") ? [g, tfl.layers.reshape({ targetShape: [...l.outputShape] }) as unknown as TfLayer] : [g];
    }
    case "BatchNormalization":
      return [
        tfl.layers.batchNormalization({
          ...base,
          axis: -1,
          momentum: num(l, "momentum"),
          epsilon: num(l, "epsilon"),
          center: bool(l, "center"),
          scale: bool(l, "scale"),
          betaInitializer: "zeros",
          gammaInitializer: "ones",
          movingMeanInitializer: "zeros",
          movingVarianceInitializer: "ones",
        }) as unknown as TfLayer,
      ];
    default:
      throw new Error(`${where}: no tfjs mapping in test/helpers/tfjs.ts`);
  }
}

export interface TfjsModel {
  readonly ir: ModelIR;
  readonly model: tfl.Sequential;
  /** Our layers with weights, each with the tfjs layer holding the same weights in the same (Keras) order. */
  readonly owners: readonly { readonly layer: LayerIR; readonly tf: TfLayer }[];
}

/** The tfjs Sequential equivalent to `ir` (not compiled; weights still the explicit initial values). */
export function buildTfjs(ir: ModelIR, opts: BuildOptions = {}): TfjsModel {
  const model = tfl.sequential();
  const owners: { layer: LayerIR; tf: TfLayer }[] = [];
  ir.layers.forEach((l, i) => {
    const made = tfLayers(l, i === 0 ? { inputShape: [...ir.inputShape] } : {}, opts);
    for (const t of made) model.add(t as unknown as Parameters<typeof model.add>[0]);
    if (l.params.length > 0) owners.push({ layer: l, tf: made[0]! });
  });
  // tfjs's static shape leaves a Reshape's -1 dimension unknown (null); predictions check the length at run time.
  const got = model.outputs[0]!.shape.slice(1);
  if (got.length !== ir.outputShape.length || got.some((d, i) => d !== null && d !== ir.outputShape[i])) {
    throw new Error(`tfjs output shape [${got.join()}] ≠ layerc [${ir.outputShape.join()}]`);
  }
  return { ir, model, owners };
}

export interface NamedWeights {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** Copies our weights (Keras order, as getWeights returns them) into the tfjs layers, checking names and shapes. */
export function copyWeights(t: TfjsModel, ours: readonly NamedWeights[]): void {
  let k = 0;
  for (const { layer, tf: tl } of t.owners) {
    const theirs = tl.weights;
    if (theirs.length !== layer.params.length) {
      throw new Error(`layer ${layer.name}: tfjs has ${theirs.length} weights, layerc ${layer.params.length}`);
    }
    const values = layer.params.map((p, j) => {
      const w = ours[k++];
      const expected = `${layer.name}/${p.name}`;
      if (!w || w.name !== expected) throw new Error(`weight ${k - 1} is ${w?.name}, expected ${expected}`);
      const shape = theirs[j]!.shape;
      if (shape.join() !== w.shape.join()) throw new Error(`${expected}: tfjs shape [${shape.join()}] ≠ layerc [${w.shape.join()}]`);
      return tf.tensor(Float32Array.from(w.data), [...w.shape]);
    });
    tl.setWeights(values);
    tf.dispose(values);
  }
  if (k !== ours.length) throw new Error(`copied ${k} of ${ours.length} weights`);
}

/** The tfjs weights in Keras order (per layer: trainable then non-trainable, as ours). */
export function tfjsWeights(t: TfjsModel): NamedWeights[] {
  return t.owners.flatMap(({ layer, tf: tl }) =>
    tl.getWeights().map((w, j) => ({ name: `${layer.name}/${layer.params[j]!.name}`, shape: w.shape, data: w.dataSync() as Float32Array })),
  );
}

/** Inference-mode predictions for `batch` samples. */
export function tfjsPredict(t: TfjsModel, x: Float32Array, batch: number): Float32Array {
  return tf.tidy(() => {
    const y = t.model.predict(tf.tensor(x, [batch, ...t.ir.inputShape])) as tf.Tensor;
    return Float32Array.from(y.dataSync());
  });
}

function tfOptimizer(o: OptimizerSpec): tf.Optimizer {
  switch (o.name) {
    case "sgd":
      // Keras v ← μv − lr·g; w ← w + v  ≡  tfjs a ← μa + g; w ← w − lr·a at constant lr (v = −lr·a); Nesterov likewise.
      return o.momentum === 0 ? tf.train.sgd(o.learningRate) : tf.train.momentum(o.learningRate, o.momentum, o.nesterov);
    case "adam":
      // Same ε value, but tfjs adds it to √v̂ while Keras adds it to √v (§7 row 20).
      return tf.train.adam(o.learningRate, o.beta1, o.beta2, o.epsilon);
    case "rmsprop":
      return tf.train.rmsprop(o.learningRate, o.rho, o.momentum, o.epsilon, false);
    default:
      throw new Error(`no tfjs oracle for ${o.name}; it is checked against Keras fixtures`);
  }
}

const lossNames = {
  mean_squared_error: "meanSquaredError",
  mean_absolute_error: "meanAbsoluteError",
  binary_crossentropy: "binaryCrossentropy",
  categorical_crossentropy: "categoricalCrossentropy",
  sparse_categorical_crossentropy: "sparseCategoricalCrossentropy",
} as const;

function tfLoss(l: LossSpec): string {
  if (l.fromLogits) throw new Error(`${l.name} from logits: tfjs clips logits (§7 row 17); use probability outputs`);
  if (!(l.name in lossNames)) throw new Error(`no tfjs oracle for ${l.name}; it is checked against Keras fixtures`);
  return lossNames[l.name as keyof typeof lossNames];
}

/** Compiles the tfjs model with the spec's optimizer and loss (the spec must have compile(...)). */
export function compileTfjs(t: TfjsModel): void {
  const tr = t.ir.training;
  if (!tr) throw new Error(`model ${t.ir.name} has no compile(...)`);
  t.model.compile({ optimizer: tfOptimizer(tr.optimizer), loss: tfLoss(tr.loss) });
}

/** The full oracle for a spec: build, copy weights, compile when the spec trains. */
export function oracleFor(ir: ModelIR, ours: readonly NamedWeights[], opts: BuildOptions = {}): TfjsModel {
  const t = buildTfjs(ir, opts);
  copyWeights(t, ours);
  if (ir.training) compileTfjs(t);
  return t;
}

/** One tfjs optimizer step on a batch; sparse targets are shaped [batch, 1] as tfjs requires. Returns the loss. */
export async function tfjsTrainOnBatch(t: TfjsModel, x: Float32Array, y: Float32Array, batch: number): Promise<number> {
  const sparse = t.ir.training?.loss.name === "sparse_categorical_crossentropy";
  const xs = tf.tensor(x, [batch, ...t.ir.inputShape]);
  const ys = tf.tensor(y, sparse ? [batch, 1] : [batch, ...t.ir.outputShape]);
  try {
    const loss = await t.model.trainOnBatch(xs, ys);
    return Array.isArray(loss) ? loss[0]! : loss;
  } finally {
    tf.dispose([xs, ys]);
  }
}

export function disposeTfjs(t: TfjsModel): void {
  t.model.dispose();
}

export interface Tolerance {
  /** Allowed |a − b| / max(floor, |a|, |b|). */
  readonly rel: number;
  /** Below this magnitude the bound is absolute (rel·floor). */
  readonly floor: number;
}

/** The worst component of a vs b under `tol`: [error, index]. */
export function worst(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): [number, number] {
  let e = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(floor, Math.abs(a[i]!), Math.abs(b[i]!));
    if (!(d <= e)) {
      e = Number.isNaN(d) ? Infinity : d;
      at = i;
    }
  }
  return [e, at];
}

/**
 * null when every component agrees within `tol`; otherwise a message naming
 * `what` (a layer or weight), the worst index (also as a multi-index when
 * `shape` is given) and both values.
 */
export function disagreement(what: string, ours: ArrayLike<number>, theirs: ArrayLike<number>, tol: Tolerance, shape?: readonly number[]): string | null {
  if (ours.length !== theirs.length) return `${what}: layerc has ${ours.length} values, tfjs ${theirs.length}`;
  const [e, i] = worst(ours, theirs, tol.floor);
  if (e <= tol.rel) return null;
  let idx = `[${i}]`;
  if (shape && shape.length > 1) {
    const md: number[] = [];
    let r = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      md.unshift(r % shape[d]!);
      r = Math.floor(r / shape[d]!);
    }
    idx += ` (index ${md.join(",")} of shape [${shape.join(",")}])`;
  }
  return `${what} ${idx}: layerc ${ours[i]} vs tfjs ${theirs[i]} (relative error ${e.toExponential(2)} > ${tol.rel}, floor ${tol.floor})`;
}

/** disagreement() over two weight lists in Keras order; the first failing weight's message, or null. */
export function weightsDisagreement(ours: readonly NamedWeights[], theirs: readonly NamedWeights[], tol: Tolerance): string | null {
  if (ours.length !== theirs.length) return `layerc has ${ours.length} weights, tfjs ${theirs.length}`;
  for (let k = 0; k < ours.length; k++) {
    const a = ours[k]!;
    const b = theirs[k]!;
    if (a.name !== b.name) return `weight ${k}: layerc ${a.name} vs tfjs ${b.name}`;
    const m = disagreement(`weight ${a.name}`, a.data, b.data, tol, a.shape);
    if (m) return m;
  }
  return null;
}

/** Both of our backends for one spec source: the interpreter and the generated code. */
export async function bothBackends(source: string): Promise<(readonly [string, Record<string, ModelClass>])[]> {
  return [
    ["interpreter", interpreted(source)],
    ["generated", await generated(source)],
  ];
}

/**
 * Random weights shaped like `like` (Keras order): uniform in ±scale, except
 * moving variances, which are drawn in [0.5, 1.5) so they stay positive. Used
 * so biases and BN statistics are not the trivial zeros/ones.
 */
export function randomWeights(like: readonly NamedWeights[], rng: Rng, scale = 0.5): NamedWeights[] {
  return like.map((w) => {
    const variance = w.name.endsWith("/moving_variance");
    const data = new Float32Array(w.data.length);
    for (let i = 0; i < data.length; i++) data[i] = variance ? 0.5 + rng.uniform() : (rng.uniform() * 2 - 1) * scale;
    return { name: w.name, shape: [...w.shape], data };
  });
}

/** tfjs evaluate (inference mode) on `batch` samples; sparse targets shaped [batch, 1]. */
export function tfjsEvaluate(t: TfjsModel, x: Float32Array, y: Float32Array, batch: number): number {
  const sparse = t.ir.training?.loss.name === "sparse_categorical_crossentropy";
  return tf.tidy(() => {
    const r = t.model.evaluate(tf.tensor(x, [batch, ...t.ir.inputShape]), tf.tensor(y, sparse ? [batch, 1] : [batch, ...t.ir.outputShape]), { batchSize: batch });
    return (Array.isArray(r) ? r[0]! : r).dataSync()[0]!;
  });
}
