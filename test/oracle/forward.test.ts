/**
 * Oracle: inference-mode predictions of layerc (interpreter and generated
 * code) against TensorFlow.js layers on the cpu backend, per layer kind and
 * per activation, with identical (random, non-trivial) weights.
 *
 * All cases are models of one spec source, so each backend compiles once.
 * Kinds not yet in src/layers/registry.ts are skipped (and left out of the
 * source); the test names say so.
 *
 * Tolerance: |layerc − tfjs| ≤ 1e-5 · max(1, |layerc|, |tfjs|) per output
 * value. tfjs computes in float32 (sums of ≤ 36 products of values ≤ ~2 here,
 * so its rounding error is ≲ 36·2·6e-8 ≈ 4e-6 absolute); we compute in
 * float64 from the same float32 weights and round once. Outputs are O(1), so
 * below 1 the bound is absolute (1e-5).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelClass } from "../../src/interpreter/interpret.js";
import { Rng } from "../../src/runtime/random.js";
import { randomArray } from "../helpers/models.js";
import {
  bothBackends,
  disagreement,
  disposeTfjs,
  initTfjs,
  modelIR,
  oracleFor,
  randomWeights,
  registered,
  tf,
  tfjsPredict,
  type TfjsModel,
  type Tolerance,
} from "../helpers/tfjs.js";

const TOL: Tolerance = { rel: 1e-5, floor: 1 };

interface Case {
  /** Model (class) name. */
  readonly name: string;
  /** Layer kinds the case needs registered. */
  readonly kinds: readonly string[];
  /** Model body. */
  readonly body: string;
  /** Input scale: inputs are uniform in ±scale. */
  readonly scale?: number;
}

const activations = ["linear", "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu", "softplus", "softsign", "silu", "gelu", "mish"];

const cases: Case[] = [
  // Every activation both libraries have, as a Dense activation and as an Activation layer (row 9/10: hard_sigmoid, exponential in differences.test.ts).
  ...activations.map((a) => ({ name: `DenseAct_${a}`, kinds: ["Dense"], body: `Input(shape=(4,))\nDense(5, activation=${a})`, scale: 3 })),
  ...activations.map((a) => ({ name: `ActLayer_${a}`, kinds: ["Dense", "Activation"], body: `Input(shape=(4,))\nDense(6)\nActivation(${a})`, scale: 3 })),
  // Large |x|: softplus thresholds in tfjs, saturated sigmoid/tanh, relu6 clip.
  ...["softplus", "sigmoid", "relu6", "elu", "selu", "softsign", "gelu"].map((a) => ({
    name: `Wide_${a}`,
    kinds: ["Dense", "Activation"],
    body: `Input(shape=(4,))\nDense(6)\nActivation(${a})`,
    scale: 20,
  })),
  { name: "DenseNoBias", kinds: ["Dense"], body: `Input(shape=(4,))\nDense(3, use_bias=False, activation=tanh)` },
  { name: "DenseRank3", kinds: ["Dense"], body: `Input(shape=(2, 3, 4))\nDense(3, activation=softmax)` },
  { name: "FlattenRank3", kinds: ["Flatten", "Dense"], body: `Input(shape=(2, 3, 2))\nFlatten()\nDense(3)` },
  { name: "FlattenRank4", kinds: ["Flatten"], body: `Input(shape=(2, 1, 3, 2))\nFlatten()` },

  { name: "Conv1DValid", kinds: ["Conv1D"], body: `Input(shape=(7, 3))\nConv1D(4, 3, activation=relu)` },
  { name: "Conv1DSameStrides", kinds: ["Conv1D"], body: `Input(shape=(8, 2))\nConv1D(3, 4, strides=3, padding='same')` },
  { name: "Conv1DSameDilation", kinds: ["Conv1D"], body: `Input(shape=(9, 2))\nConv1D(3, 3, dilation_rate=2, padding='same', activation=tanh)` },
  { name: "Conv1DValidDilationNoBias", kinds: ["Conv1D"], body: `Input(shape=(9, 2))\nConv1D(2, 2, dilation_rate=3, use_bias=False)` },
  { name: "Conv1DValidStridesNoBias", kinds: ["Conv1D"], body: `Input(shape=(10, 2))\nConv1D(2, 3, strides=2, use_bias=False, activation=sigmoid)` },
  { name: "Conv2DValid", kinds: ["Conv2D"], body: `Input(shape=(5, 6, 2))\nConv2D(3, (3, 2), activation=relu)` },
  { name: "Conv2DSameStrides", kinds: ["Conv2D"], body: `Input(shape=(7, 6, 2))\nConv2D(3, 3, strides=2, padding='same')` },
  { name: "Conv2DSameStridesAsym", kinds: ["Conv2D"], body: `Input(shape=(5, 6, 1))\nConv2D(2, (2, 3), strides=(2, 1), padding='same', use_bias=False)` },
  { name: "Conv2DSameDilation", kinds: ["Conv2D"], body: `Input(shape=(6, 7, 2))\nConv2D(2, 3, dilation_rate=(2, 1), padding='same', activation=elu)` },
  { name: "Conv2DValidDilationNoBias", kinds: ["Conv2D"], body: `Input(shape=(7, 7, 2))\nConv2D(2, 2, dilation_rate=2, use_bias=False)` },
  { name: "Conv2DValidStrides", kinds: ["Conv2D"], body: `Input(shape=(7, 8, 2))\nConv2D(2, 3, strides=(2, 3), activation=softmax)` },

  { name: "MaxPool1DValid", kinds: ["MaxPooling1D"], body: `Input(shape=(7, 3))\nMaxPooling1D(2)` },
  { name: "MaxPool1DSameStrides", kinds: ["MaxPooling1D"], body: `Input(shape=(7, 2))\nMaxPooling1D(3, strides=2, padding='same')` },
  { name: "AvgPool1DValid", kinds: ["AveragePooling1D"], body: `Input(shape=(8, 2))\nAveragePooling1D(3, strides=2)` },
  // "same" average pooling forward agrees (both divide by in-bounds cells); only its tfjs gradient differs (row 22).
  { name: "AvgPool1DSame", kinds: ["AveragePooling1D"], body: `Input(shape=(7, 2))\nAveragePooling1D(2, padding='same')` },
  { name: "MaxPool2DValid", kinds: ["MaxPooling2D"], body: `Input(shape=(5, 4, 2))\nMaxPooling2D((2, 2))` },
  { name: "MaxPool2DSame", kinds: ["MaxPooling2D"], body: `Input(shape=(5, 5, 2))\nMaxPooling2D((3, 2), strides=(2, 1), padding='same')` },
  { name: "AvgPool2DValid", kinds: ["AveragePooling2D"], body: `Input(shape=(6, 5, 2))\nAveragePooling2D((2, 3), strides=(2, 1))` },
  { name: "AvgPool2DSame", kinds: ["AveragePooling2D"], body: `Input(shape=(5, 5, 1))\nAveragePooling2D((2, 2), padding='same')` },
  { name: "GlobalAvgPool2D", kinds: ["GlobalAveragePooling2D"], body: `Input(shape=(3, 4, 3))\nGlobalAveragePooling2D()` },
  { name: "GlobalMaxPool2D", kinds: ["GlobalMaxPooling2D"], body: `Input(shape=(3, 4, 3))\nGlobalMaxPooling2D()` },
  { name: "GlobalAvgPool2DKeepdims", kinds: ["GlobalAveragePooling2D", "Conv2D"], body: `Input(shape=(3, 4, 3))\nGlobalAveragePooling2D(keepdims=True)\nConv2D(2, 1)` },
  { name: "GlobalMaxPool2DKeepdims", kinds: ["GlobalMaxPooling2D"], body: `Input(shape=(3, 4, 3))\nGlobalMaxPooling2D(keepdims=True)` },
  { name: "ReshapeDense", kinds: ["Reshape", "Dense"], body: `Input(shape=(12,))\nReshape((3, 4))\nDense(2)` },
  { name: "ReshapeInfer", kinds: ["Reshape", "Conv2D"], body: `Input(shape=(24,))\nReshape((-1, 4, 2))\nConv2D(2, 2)` },
  { name: "DropoutInference", kinds: ["Dense", "Dropout"], body: `Input(shape=(4,))\nDense(5)\nDropout(0.5)\nDense(2)` },
  { name: "BNDense", kinds: ["Dense", "BatchNormalization"], body: `Input(shape=(4,))\nDense(5)\nBatchNormalization()` },
  { name: "BNConv", kinds: ["Conv2D", "BatchNormalization"], body: `Input(shape=(4, 4, 2))\nConv2D(3, 2)\nBatchNormalization(epsilon=0.01)` },
  // Inference with center/scale off works in tfjs (only training crashes, row 15).
  { name: "BNNoScale", kinds: ["Dense", "BatchNormalization"], body: `Input(shape=(4,))\nDense(3)\nBatchNormalization(scale=False)` },
  { name: "BNNoCenter", kinds: ["Dense", "BatchNormalization"], body: `Input(shape=(4,))\nDense(3)\nBatchNormalization(center=False)` },

  {
    name: "Mlp",
    kinds: ["Dense", "Dropout"],
    body: `Input(shape=(6,))\nDense(8, activation=relu)\nDropout(0.2)\nDense(5, activation=tanh, use_bias=False)\nDense(3, activation=softmax)`,
  },
  {
    name: "SmallCnn",
    kinds: ["Conv2D", "MaxPooling2D", "Flatten", "Dense"],
    body: `Input(shape=(8, 8, 1))\nConv2D(4, 3, padding='same', activation=relu)\nMaxPooling2D((2, 2))\nConv2D(3, 3, strides=2, use_bias=False)\nFlatten()\nDense(4, activation=softmax)`,
  },
];

const ready = (c: Case) => c.kinds.every(registered);
const active = cases.filter(ready);
const source = active.map((c) => `model ${c.name}(seed=1) {\n${c.body}\n}`).join("\n\n");
const BATCH = 3;

let backends: (readonly [string, Record<string, ModelClass>])[] = [];

beforeAll(async () => {
  await initTfjs();
  backends = await bothBackends(source);
}, 60_000);

/** Runs case `c` through one backend and tfjs; returns the disagreement message or null, and the tfjs model. */
function compare(c: Case, backend: string, classes: Record<string, ModelClass>): { message: string | null; t: TfjsModel; x: Float32Array; ours: Float32Array } {
  const ir = modelIR(source, c.name);
  const rng = new Rng(7);
  const m = new classes[c.name]!({ seed: 1 });
  m.setWeights(randomWeights(m.getWeights(), rng));
  const x = randomArray(rng, BATCH * ir.inputShape.reduce((a, b) => a * b, 1), c.scale ?? 1);
  const t = oracleFor(ir, m.getWeights());
  const ours = m.predictBatch(x, BATCH);
  const theirs = tfjsPredict(t, x, BATCH);
  const last = ir.layers[ir.layers.length - 1]!;
  const what = `${c.name} [${backend}] output of layer ${last.name} (${last.kind})`;
  return { message: disagreement(what, ours, theirs, TOL, [BATCH, ...ir.outputShape]), t, x, ours };
}

describe("predictions agree with tfjs-layers (cpu)", () => {
  for (const c of cases) {
    const missing = c.kinds.filter((k) => !registered(k));
    it.skipIf(missing.length > 0)(`${c.name}${missing.length ? ` (skipped: ${missing.join(", ")} not registered)` : ""}`, () => {
      for (const [backend, classes] of backends) {
        const { message, t } = compare(c, backend, classes);
        disposeTfjs(t);
        expect(message, message ?? "").toBeNull();
      }
    });
  }
});

describe("the forward oracle can fail", () => {
  it("perturbing one tfjs weight changes its predictions, and the message names layer, index and both values", () => {
    const c = cases.find((k) => k.name === "DenseAct_tanh")!;
    const [backend, classes] = backends[0]!;
    const { message, t, x, ours } = compare(c, backend, classes);
    expect(message).toBeNull();
    const dense = t.model.layers.find((l) => l.weights.length > 0)!;
    const [kernel, bias] = dense.getWeights();
    const k = kernel!.arraySync() as number[][];
    k[1]![2]! += 1e-3;
    dense.setWeights([tf.tensor(k), bias!]);
    const theirs = tfjsPredict(t, x, BATCH);
    const m = disagreement("DenseAct_tanh output of layer dense (Dense)", ours, theirs, TOL, [BATCH, 5]);
    expect(m).toMatch(/^DenseAct_tanh output of layer dense \(Dense\) \[\d+\] \(index \d+,2 of shape \[3,5\]\): layerc -?[\d.e-]+ vs tfjs -?[\d.e-]+/);
    disposeTfjs(t);
  });
});

afterAll(() => {
  const skipped = cases.filter((c) => !ready(c)).map((c) => c.name);
  if (skipped.length) console.info(`oracle forward: skipped (kinds not registered): ${skipped.join(", ")}`);
});
