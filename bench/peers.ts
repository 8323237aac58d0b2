/**
 * Peer adapters for bench/run.ts: tfjs-layers (cpu and wasm backends, one
 * engine, one model per backend) and brain.js 1.6.1. Each adapter exposes
 * what a user would call; weights come in Keras order and shapes.
 *
 * tfjs and brain ship no `exports` map: Node loads their CJS bundles, and
 * tfjs-layers requires the same tfjs-core module imported here (one engine).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import * as tfl from "@tensorflow/tfjs-layers";
import brain from "brain.js";

export { tf };

export type ModelKey = "seed" | "mlp" | "cnn" | "lstm";
/** Models a peer can build: bench/run.ts's, and bench/native.ts's M4 MNIST CNN. */
export type PeerKey = ModelKey | "mnist" | "mobile";
export type Backend = "cpu" | "wasm";

export interface KerasWeight {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

let initialized = false;

/** Prod mode (no per-op checks, no "install tfjs-node" banner) and both backends initialized once. */
export async function initTfjs(): Promise<void> {
  if (initialized) return;
  tf.enableProdMode();
  for (const b of ["wasm", "cpu"] as const) {
    if (!(await tf.setBackend(b))) throw new Error(`tfjs ${b} backend unavailable`);
    await tf.ready();
  }
  initialized = true;
}

/** Makes `b` the engine's backend (cheap after the first time). */
export async function useBackend(b: Backend): Promise<void> {
  if (tf.getBackend() !== b) {
    if (!(await tf.setBackend(b))) throw new Error(`tfjs: cannot switch to ${b}`);
  }
}

function buildLayers(key: PeerKey): tfl.Sequential {
  const z = { kernelInitializer: "zeros", biasInitializer: "zeros" } as const;
  switch (key) {
    case "seed":
      return tfl.sequential({
        layers: [
          tfl.layers.dense({ ...z, units: 4, inputShape: [1], activation: "relu" }),
          tfl.layers.dense({ ...z, units: 2, activation: "softmax" }),
        ],
      });
    case "mlp":
      return tfl.sequential({
        layers: [
          tfl.layers.dense({ ...z, units: 128, inputShape: [784], activation: "relu" }),
          tfl.layers.dense({ ...z, units: 64, activation: "relu" }),
          tfl.layers.dense({ ...z, units: 10, activation: "softmax" }),
        ],
      });
    case "cnn":
      return tfl.sequential({
        layers: [
          tfl.layers.conv2d({ ...z, filters: 8, kernelSize: 3, padding: "valid", activation: "relu", inputShape: [28, 28, 1] }),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.flatten(),
          tfl.layers.dense({ ...z, units: 10, activation: "softmax" }),
        ],
      });
    case "lstm":
      // Keras 3 defaults (tfjs's recurrentActivation default is hardSigmoid); weights are set from layerc's
      return tfl.sequential({
        layers: [
          tfl.layers.lstm({ units: 64, inputShape: [20, 8], recurrentActivation: "sigmoid", kernelInitializer: "zeros", recurrentInitializer: "zeros", biasInitializer: "zeros" }),
          tfl.layers.dense({ ...z, units: 1 }),
        ],
      });
    case "mnist":
      return tfl.sequential({
        layers: [
          tfl.layers.conv2d({ ...z, filters: 32, kernelSize: 3, padding: "same", activation: "relu", inputShape: [28, 28, 1] }),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.conv2d({ ...z, filters: 64, kernelSize: 3, padding: "same", activation: "relu" }),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.flatten(),
          tfl.layers.dropout({ rate: 0.5 }),
          tfl.layers.dense({ ...z, units: 10, activation: "softmax" }),
        ],
      });
    case "mobile":
      return tfl.sequential({
        layers: [
          tfl.layers.conv2d({ ...z, filters: 16, kernelSize: 3, strides: 2, padding: "same", activation: "relu", inputShape: [28, 28, 1] }),
          tfl.layers.depthwiseConv2d({ depthwiseInitializer: "zeros", biasInitializer: "zeros", kernelSize: 3, padding: "same", activation: "relu" }),
          tfl.layers.separableConv2d({ depthwiseInitializer: "zeros", pointwiseInitializer: "zeros", biasInitializer: "zeros", filters: 32, kernelSize: 3, padding: "same", activation: "relu" }),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.conv2dTranspose({ ...z, filters: 16, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
          tfl.layers.globalAveragePooling2d({}),
          tfl.layers.dense({ ...z, units: 10, activation: "softmax" }),
        ],
      });
  }
}

/**
 * tfjs-layers model on one backend. Every call selects nothing: the caller
 * switches the engine's backend first (useBackend), outside timed windows.
 * predict: tensor upload → model.predict → dataSync → dispose, as a user sees it.
 * train: `await trainOnBatch` on batch tensors created once per backend.
 */
export class TfjsPeer {
  readonly model: tfl.Sequential;
  private readonly inShape: number[];

  private constructor(
    readonly key: PeerKey,
    readonly backend: Backend,
    inShape: readonly number[],
  ) {
    this.inShape = [...inShape];
    this.model = buildLayers(key);
    this.model.compile({ optimizer: tf.train.sgd(0.01), loss: key === "lstm" ? "meanSquaredError" : "categoricalCrossentropy" });
  }

  static async create(key: PeerKey, backend: Backend, inShape: readonly number[], weights: readonly KerasWeight[]): Promise<TfjsPeer> {
    await useBackend(backend);
    const p = new TfjsPeer(key, backend, inShape);
    p.setWeights(weights);
    return p;
  }

  /** All weights are trainable here, so model-level order is Keras order. */
  setWeights(weights: readonly KerasWeight[]): void {
    const ts = weights.map((w) => tf.tensor(w.data, [...w.shape]));
    this.model.setWeights(ts);
    ts.forEach((t) => t.dispose());
  }

  getWeights(): Float32Array[] {
    return this.model.getWeights().map((t) => t.dataSync() as Float32Array);
  }

  predict(x: Float32Array, n: number): Float32Array {
    const xt = tf.tensor(x, [n, ...this.inShape]);
    const yt = this.model.predict(xt) as tf.Tensor;
    const out = yt.dataSync() as Float32Array;
    xt.dispose();
    yt.dispose();
    return out;
  }

  /** Batch tensors for training, created on the current backend. */
  tensors(x: Float32Array, y: Float32Array, n: number, outSize: number): { x: tf.Tensor; y: tf.Tensor } {
    return { x: tf.tensor(x, [n, ...this.inShape]), y: tf.tensor(y, [n, outSize]) };
  }

  async train(xt: tf.Tensor, yt: tf.Tensor): Promise<number> {
    const r = await this.model.trainOnBatch(xt, yt);
    return Array.isArray(r) ? r[0]! : r;
  }
}

interface BrainNet {
  sizes: number[];
  weights: Float32Array[][];
  biases: Float32Array[];
  initialize(): void;
  run(x: ArrayLike<number>): Float32Array;
  trainPattern(v: { input: ArrayLike<number>; output: ArrayLike<number> }, logErrorRate?: boolean): number | null;
  updateTrainingOptions(o: object): void;
}

/**
 * brain.js 1.6.1 NeuralNetwork with the dense model's sizes and our
 * weights. It applies one activation (relu) to every layer including the
 * output and trains per sample with an MSE-style output error (plain SGD
 * here: learning rate 0.01, momentum 0): a different function, timed for
 * scale only.
 */
export class BrainPeer {
  readonly net: BrainNet;

  constructor(sizes: readonly number[], weights: readonly KerasWeight[]) {
    const Net = (brain as unknown as { NeuralNetwork: new (o: object) => BrainNet }).NeuralNetwork;
    this.net = new Net({ activation: "relu", hiddenLayers: sizes.slice(1, -1) });
    this.net.sizes = [...sizes];
    this.net.initialize();
    this.net.updateTrainingOptions({ learningRate: 0.01 });
    // plain SGD like the others; brain's option validator rejects momentum 0, so set it directly
    (this.net as unknown as { trainOpts: { momentum: number } }).trainOpts.momentum = 0;
    this.setWeights(weights);
  }

  /** Keras kernel (in, units) → brain weights[layer][unit][in]; bias → biases[layer][unit]. */
  setWeights(weights: readonly KerasWeight[]): void {
    const s = this.net.sizes;
    for (let l = 1; l < s.length; l++) {
      const kern = weights[(l - 1) * 2]!.data;
      const bias = weights[(l - 1) * 2 + 1]!.data;
      const nin = s[l - 1]!;
      const units = s[l]!;
      for (let u = 0; u < units; u++) {
        const row = this.net.weights[l]![u]!;
        for (let i = 0; i < nin; i++) row[i] = kern[i * units + u]!;
        this.net.biases[l]![u] = bias[u]!;
      }
    }
  }

  run(x: Float32Array): Float32Array {
    return this.net.run(x);
  }
}

/** Float64 forward of a dense model with relu on every layer (what brain computes), from Keras weights. */
export function reluEverywhere(sizes: readonly number[], weights: readonly KerasWeight[], x: ArrayLike<number>): Float64Array {
  let a = Float64Array.from(x);
  for (let l = 1; l < sizes.length; l++) {
    const kern = weights[(l - 1) * 2]!.data;
    const bias = weights[(l - 1) * 2 + 1]!.data;
    const nin = sizes[l - 1]!;
    const units = sizes[l]!;
    const z = new Float64Array(units);
    for (let u = 0; u < units; u++) {
      let s = bias[u]!;
      for (let i = 0; i < nin; i++) s += a[i]! * kern[i * units + u]!;
      z[u] = s > 0 ? s : 0;
    }
    a = z;
  }
  return a;
}
