/**
 * Oracle: training steps of layerc (interpreter and generated code) against
 * TensorFlow.js layers (cpu). Both sides start from identical weights, run
 * trainOnBatch on identical batches (a fresh batch per step), and after
 * every step we compare the returned loss and every weight, moving
 * statistics included (compared per layer, in Keras order: tfjs's
 * model-level order puts non-trainable weights last, row 16 — asserted in
 * differences.test.ts).
 *
 * Tolerances (relative, with a floor of 1 below which they are absolute):
 * - loss (trainOnBatch and evaluate): 1e-5. tfjs computes the forward pass
 *   and loss in float32, we in float64 from float32 weights (observed
 *   ≤ 5e-7).
 * - weights after SGD / momentum / RMSprop steps: 1e-5. The update is
 *   lr·g with g differing by float32 rounding only (observed ≤ 3e-7 over
 *   all cases, Adam included).
 * - weights after Adam steps: 1e-5, with ε = 1e-10 so that every gradient
 *   is ≫ ε. Keras adds ε to √v and tfjs to √v̂ (row 20), so Keras's step is
 *   tfjs's with ε' = ε/√(1−β2ᵗ) (≈ 31.6·ε at t = 1, β2 = 0.999); per step
 *   the updates differ by about lr·(ε' − ε)/|ĝ|. With the default ε = 1e-7
 *   and lr = 0.01 that is 3e-8/|ĝ|, which exceeded 1e-5 here for weights
 *   with |ĝ| ≈ 1e-3 (observed 4e-5); with ε = 1e-10 a weight would need
 *   |ĝ| ≲ 3e-8 to move by 1e-5 (a gradient of exactly 0, a dead ReLU, moves
 *   neither side). differences.test.ts asserts the ε placement itself with
 *   the default ε.
 * - no dilated convolution is trained: tfjs-core 4.22 cannot differentiate
 *   conv1d/conv2d with dilation > 1 ("dilation rates greater than 1 are not
 *   yet supported in gradients", asserted in differences.test.ts); dilation
 *   is covered by the forward oracle and by finite differences.
 * BN training only with center and scale both on (tfjs #2868, row 15), and
 * Dropout only with rate 0 (the two libraries' masks cannot match).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelClass } from "../helpers/models.js";
import { Rng } from "../../src/runtime/random.js";
import { randomArray, randomTargets } from "../helpers/models.js";
import {
  bothBackends,
  disagreement,
  disposeTfjs,
  initTfjs,
  modelIR,
  oracleFor,
  randomWeights,
  registered,
  tfjsEvaluate,
  tfjsTrainOnBatch,
  tfjsWeights,
  weightsDisagreement,
  type Tolerance,
} from "../helpers/tfjs.js";

const LOSS_TOL: Tolerance = { rel: 1e-5, floor: 1 };
const WEIGHT_TOL: Tolerance = { rel: 1e-5, floor: 1 };

interface Case {
  readonly name: string;
  readonly kinds: readonly string[];
  /** Layers, then compile(...). */
  readonly body: string;
  readonly steps: number;
  readonly batch?: number;
  /** Scale of regression targets (keeps Adam's gradients ≫ ε). */
  readonly yScale?: number;
}

const MLP = `Input(shape=(6,))\nDense(8, activation=relu)\nDense(5, activation=tanh, use_bias=False)`;
const CNN = `Input(shape=(7, 7, 1))\nConv2D(4, 3, padding='same', activation=relu)\nMaxPooling2D((2, 2))\nConv2D(3, 2, activation=tanh)\nFlatten()`;

const cases: Case[] = [
  // Losses, one SGD step each.
  { name: "LossMse", kinds: ["Dense"], body: `${MLP}\nDense(3)\ncompile(optimizer=SGD(learning_rate=0.1), loss=mse)`, steps: 1 },
  // MAE: random real targets never equal the prediction, so abs′(0) (tfjs −1) is not hit here; see differences.test.ts.
  { name: "LossMae", kinds: ["Dense"], body: `${MLP}\nDense(3)\ncompile(optimizer=SGD(learning_rate=0.1), loss=mae)`, steps: 1 },
  { name: "LossBce", kinds: ["Dense"], body: `${MLP}\nDense(3, activation=sigmoid)\ncompile(optimizer=SGD(learning_rate=0.1), loss=binary_crossentropy)`, steps: 1 },
  { name: "LossCce", kinds: ["Dense"], body: `${MLP}\nDense(3, activation=softmax)\ncompile(optimizer=SGD(learning_rate=0.1), loss=categorical_crossentropy)`, steps: 1 },
  { name: "LossScce", kinds: ["Dense"], body: `${MLP}\nDense(3, activation=softmax)\ncompile(optimizer=SGD(learning_rate=0.1), loss=sparse_categorical_crossentropy)`, steps: 1 },
  // Optimizers. One momentum step equals plain SGD (velocity starts at 0), so momentum runs three.
  { name: "OptSgd", kinds: ["Dense"], body: `${MLP}\nDense(3, activation=softmax)\ncompile(optimizer=SGD(learning_rate=0.2), loss=categorical_crossentropy)`, steps: 3 },
  { name: "OptMomentum", kinds: ["Dense"], body: `${MLP}\nDense(3)\ncompile(optimizer=SGD(learning_rate=0.05, momentum=0.9), loss=mse)`, steps: 3 },
  { name: "OptNesterov", kinds: ["Dense"], body: `${MLP}\nDense(3)\ncompile(optimizer=SGD(learning_rate=0.05, momentum=0.8, nesterov=True), loss=mse)`, steps: 3 },
  { name: "OptAdam", kinds: ["Dense"], body: `${MLP}\nDense(3)\ncompile(optimizer=Adam(learning_rate=0.01, epsilon=1e-10), loss=mse)`, steps: 3, yScale: 4 },
  { name: "OptAdamCce", kinds: ["Dense"], body: `${MLP}\nDense(3, activation=softmax)\ncompile(optimizer=Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-10), loss=categorical_crossentropy)`, steps: 3 },
  { name: "OptRmsprop", kinds: ["Dense"], body: `${MLP}\nDense(3)\ncompile(optimizer=RMSprop(learning_rate=0.01), loss=mse)`, steps: 3, yScale: 4 },
  { name: "OptRmspropMomentum", kinds: ["Dense"], body: `${MLP}\nDense(3)\ncompile(optimizer=RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5), loss=mse)`, steps: 3, yScale: 4 },
  // Activation gradients through tfjs's autodiff: every activation both libraries have, chained (Dense-fused and Activation layers).
  {
    name: "ActChainDense",
    kinds: ["Dense"],
    body: `Input(shape=(4,))\nDense(6, activation=relu6)\nDense(6, activation=leaky_relu)\nDense(6, activation=silu)\nDense(6, activation=gelu)\nDense(6, activation=mish)\nDense(6, activation=selu)\nDense(3, activation=log_softmax)\ncompile(optimizer=SGD(learning_rate=0.2), loss=mse)`,
    steps: 1,
  },
  {
    name: "ActChainLayers",
    kinds: ["Dense", "Activation"],
    body: `Input(shape=(4,))\nDense(6)\nActivation(softsign)\nDense(6)\nActivation(softplus)\nDense(6)\nActivation(elu)\nDense(6)\nActivation(leaky_relu)\nDense(6)\nActivation(sigmoid)\nDense(3)\nActivation(softmax)\ncompile(optimizer=SGD(learning_rate=0.5), loss=categorical_crossentropy)`,
    steps: 1,
  },
  {
    name: "DenseRank3Train",
    kinds: ["Dense", "Flatten"],
    body: `Input(shape=(3, 4))\nDense(2, activation=tanh)\nFlatten()\nDense(2)\ncompile(optimizer=SGD(learning_rate=0.2), loss=mse)`,
    steps: 1,
  },
  // Small CNNs.
  {
    name: "CnnSgd",
    kinds: ["Conv2D", "MaxPooling2D", "Flatten", "Dense"],
    body: `${CNN}\nDense(4, activation=softmax)\ncompile(optimizer=SGD(learning_rate=0.1), loss=sparse_categorical_crossentropy)`,
    steps: 1,
  },
  {
    name: "CnnMomentum",
    kinds: ["Conv2D", "MaxPooling2D", "Flatten", "Dense"],
    body: `${CNN}\nDense(4, activation=softmax)\ncompile(optimizer=SGD(learning_rate=0.1, momentum=0.9), loss=categorical_crossentropy)`,
    steps: 3,
  },
  {
    name: "CnnAdam",
    kinds: ["Conv2D", "MaxPooling2D", "Flatten", "Dense"],
    body: `${CNN}\nDense(2)\ncompile(optimizer=Adam(learning_rate=0.01, epsilon=1e-10), loss=mse)`,
    steps: 3,
    yScale: 4,
  },
  {
    name: "Cnn1d",
    kinds: ["Conv1D", "AveragePooling1D", "MaxPooling1D", "Flatten", "Dense"],
    body: `Input(shape=(12, 2))\nConv1D(3, 3, padding='same', strides=2, activation=elu)\nAveragePooling1D(2)\nConv1D(4, 2, padding='same')\nMaxPooling1D(2, strides=1)\nFlatten()\nDense(2, activation=sigmoid)\ncompile(optimizer=SGD(learning_rate=0.5), loss=binary_crossentropy)`,
    steps: 1,
  },
  {
    name: "CnnAvgPoolGlobalMax",
    kinds: ["Reshape", "Conv2D", "AveragePooling2D", "GlobalMaxPooling2D", "Dense"],
    body: `Input(shape=(50,))\nReshape((5, 5, 2))\nConv2D(3, 2, padding='same', activation=softplus)\nAveragePooling2D((2, 2), strides=1)\nGlobalMaxPooling2D()\nDense(2)\ncompile(optimizer=SGD(learning_rate=0.3), loss=mae)`,
    steps: 1,
  },
  {
    name: "CnnGlobalAvg",
    kinds: ["Conv2D", "GlobalAveragePooling2D", "Dense"],
    body: `Input(shape=(5, 6, 2))\nConv2D(4, (2, 3), strides=(2, 1), use_bias=False, activation=selu)\nGlobalAveragePooling2D()\nDense(3, activation=softmax)\ncompile(optimizer=Adam(learning_rate=0.01, epsilon=1e-10), loss=categorical_crossentropy)`,
    steps: 3,
  },
  // Dropout: rate 0 only (masks cannot match across libraries).
  {
    name: "DropoutZero",
    kinds: ["Dense", "Dropout"],
    body: `${MLP}\nDropout(0.0)\nDense(3)\ncompile(optimizer=SGD(learning_rate=0.1), loss=mse)`,
    steps: 1,
  },
  // BatchNormalization training (center and scale on): batch statistics, full gradient through them, moving statistics.
  {
    name: "BnMlp",
    kinds: ["Dense", "BatchNormalization", "Activation"],
    body: `Input(shape=(5,))\nDense(6)\nBatchNormalization(momentum=0.9)\nActivation(relu)\nDense(3, activation=softmax)\ncompile(optimizer=SGD(learning_rate=0.1), loss=categorical_crossentropy)`,
    steps: 1,
    batch: 6,
  },
  {
    name: "BnMlpMomentum",
    kinds: ["Dense", "BatchNormalization"],
    body: `Input(shape=(5,))\nDense(6, activation=tanh)\nBatchNormalization(momentum=0.5, epsilon=0.01)\nDense(2)\ncompile(optimizer=SGD(learning_rate=0.05, momentum=0.9), loss=mse)`,
    steps: 3,
    batch: 5,
  },
  {
    name: "BnCnnAdam",
    kinds: ["Conv2D", "BatchNormalization", "Flatten", "Dense"],
    body: `Input(shape=(5, 5, 2))\nConv2D(3, 3, use_bias=False)\nBatchNormalization(momentum=0.8)\nFlatten()\nDense(2)\ncompile(optimizer=Adam(learning_rate=0.01, epsilon=1e-10), loss=mse)`,
    steps: 3,
    yScale: 4,
  },
];

const ready = (c: Case) => c.kinds.every(registered);
const source = cases
  .filter(ready)
  .map((c) => `model ${c.name}(seed=2) {\n${c.body}\n}`)
  .join("\n\n");

let backends: (readonly [string, Record<string, ModelClass>])[] = [];

beforeAll(async () => {
  await initTfjs();
  backends = await bothBackends(source);
}, 60_000);

/** Trains case `c` on one backend and on tfjs in lockstep; returns the first disagreement, or null. */
async function lockstep(c: Case, backend: string, classes: Record<string, ModelClass>): Promise<string | null> {
  const ir = modelIR(source, c.name);
  const rng = new Rng(11);
  const m = new classes[c.name]!({ seed: 2 });
  m.setWeights(randomWeights(m.getWeights(), rng));
  const t = oracleFor(ir, m.getWeights());
  const batch = c.batch ?? 4;
  const inSize = ir.inputShape.reduce((a, b) => a * b, 1);
  const loss = ir.training!.loss.name;
  try {
    for (let s = 1; s <= c.steps; s++) {
      const x = randomArray(rng, batch * inSize);
      const y = randomTargets(rng, loss, batch, ir.outputShape);
      if (c.yScale) y.forEach((v, i) => (y[i] = v * c.yScale!));
      const ours = m.trainOnBatch(x, y, batch);
      const theirs = await tfjsTrainOnBatch(t, x, y, batch);
      const where = `${c.name} [${backend}] step ${s}`;
      const lossMsg = disagreement(`${where} loss`, [ours], [theirs], LOSS_TOL);
      if (lossMsg) return lossMsg;
      const w = weightsDisagreement(m.getWeights(), tfjsWeights(t), WEIGHT_TOL);
      if (w) return `${where}: ${w}`;
    }
    // Then the inference-mode loss of the trained models on a new batch (BN uses its moving statistics).
    const x = randomArray(rng, batch * inSize);
    const y = randomTargets(rng, loss, batch, ir.outputShape);
    return disagreement(`${c.name} [${backend}] evaluate loss`, [m.evaluate(x, y).loss], [tfjsEvaluate(t, x, y, batch)], LOSS_TOL);
  } finally {
    disposeTfjs(t);
  }
}

describe("training steps agree with tfjs-layers (cpu)", () => {
  for (const c of cases) {
    const missing = c.kinds.filter((k) => !registered(k));
    it.skipIf(missing.length > 0)(`${c.name}${missing.length ? ` (skipped: ${missing.join(", ")} not registered)` : ""}`, async () => {
      for (const [backend, classes] of backends) {
        const message = await lockstep(c, backend, classes);
        expect(message, message ?? "").toBeNull();
      }
    });
  }
});

describe("the training oracle can fail", () => {
  it("a different learning rate on the tfjs side is reported with weight, index and both values", async () => {
    const c = cases.find((k) => k.name === "LossMse")!;
    const [, classes] = backends[0]!;
    const ir = modelIR(source, c.name);
    const tweaked = { ...c, body: c.body.replace("learning_rate=0.1", "learning_rate=0.11") };
    const src2 = `model ${c.name}(seed=2) {\n${tweaked.body}\n}`;
    // tfjs compiled from the tweaked spec, ours from the original: one step must disagree.
    const rng = new Rng(11);
    const m = new classes[c.name]!({ seed: 2 });
    m.setWeights(randomWeights(m.getWeights(), rng));
    const t = oracleFor(modelIR(src2, c.name), m.getWeights());
    const x = randomArray(rng, 4 * 6);
    const y = randomTargets(rng, "mse", 4, ir.outputShape);
    const lossOurs = m.trainOnBatch(x, y, 4);
    const lossTheirs = await tfjsTrainOnBatch(t, x, y, 4);
    expect(disagreement("loss", [lossOurs], [lossTheirs], LOSS_TOL)).toBeNull();
    const message = weightsDisagreement(m.getWeights(), tfjsWeights(t), WEIGHT_TOL);
    disposeTfjs(t);
    expect(message).toMatch(/^weight dense(_\d)?\/(kernel|bias) \[\d+\].*: layerc -?[\d.e-]+ vs tfjs -?[\d.e-]+/);
  });
});
