/**
 * BatchNormalization in training and the ReLU layer after it run natively
 * in models with native kernels: the batch moments, the normalization and
 * the two gradient passes are elementwise loops over (sample, row, channel)
 * with per-channel running sums kept float64 (`wide` scratch), and ReLU's
 * forward and gradient are elementwise loops too.
 *
 * - real Keras 3 (test/keras/native-bn.json, gen_native_bn.py): float32
 *   generated code, native and its fallback, predictions to 1e-5, three
 *   training steps (moving statistics included) to 1e-4, for a layer large
 *   enough for the passes and a small one (one channel at a time, unrolled);
 * - float64: the same loss and gradients as the interpreter (1e-12, 1e-10);
 * - float32: native, fallback and interpreter agree through training steps,
 *   with a mask too (its weighted passes stay loops).
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { matchesKerasSteps, stepsFixture, stepsSpec } from "./helpers/keras-fixture.js";
import { expectSameGradients } from "./helpers/gradients.js";
import { flat, generated, interpreted, maxRelError, randomArray, randomTargets } from "./helpers/models.js";
import { nativeCoverage } from "./helpers/native-coverage.js";

const fixture = stepsFixture("native-bn.json");
const BATCH = 4;

describe("BatchNormalization + ReLU natively, against Keras 3", () => {
  for (const c of fixture) {
    it(`${c.name}: native kernels and their fallback match Keras`, async () => {
      const rows = await nativeCoverage(stepsSpec(c));
      const bn = rows.find((r) => r.kind === "BatchNormalization")!;
      const relu = rows.find((r) => r.kind === "ReLU")!;
      if (c.name === "conv_bn_relu") {
        expect(bn.train.native).toEqual(["sum: map", "square_sum: map", "normalize: map"]);
        expect(bn.backward.native).toEqual(["grad_sums: map", "input_grad: map"]);
        expect([relu.train, relu.backward]).toEqual([
          { native: ["forward: map"], loops: [], ts: false },
          { native: ["input_grad: map"], loops: [], ts: false },
        ]);
      } else {
        // 32 values per sample: small, one channel at a time (and the ReLU) in unrolled TypeScript
        expect([bn.train.native, bn.backward.native, bn.train.ts, relu.train.native]).toEqual([[], [], true, []]);
      }
      const K = (await generated(stepsSpec(c)))["K"]!;
      matchesKerasSteps(c, K, true, BATCH);
      matchesKerasSteps(c, K, false, BATCH);
    });
  }
});

const CNN = (dtype: string) => `model B(seed=2, dtype=${dtype}) {
  Input(shape=(8, 8, 3))
  Conv2D(12, 3, padding='same')
  BatchNormalization(center=False)
  ReLU(max_value=6.0)
  MaxPooling2D(2)
  Flatten()
  Dense(16)
  BatchNormalization()
  LeakyReLU(negative_slope=0.1)
  Dense(3)
  compile(optimizer=SGD(learning_rate=0.05), loss='mse')
}
`;

describe("BatchNormalization's native passes", () => {
  it("float64: the interpreter's loss and gradients", async () => {
    const G = (await generated(CNN("float64")))["B"]!;
    expect(new G().usesWasm).toBe(true);
    expectSameGradients(G, interpreted(CNN("float64"))["B"]!, 2, new Rng(4), 5);
  });

  it("float32: native, fallback and interpreter agree through training steps, with and without a mask", async () => {
    const masked = `model B(seed=2) {
  Input(shape=(30,))
  Embedding(40, 16, mask_zero=True)
  BatchNormalization()
  GlobalAveragePooling1D()
  Dense(2)
  compile(optimizer=SGD(learning_rate=0.05), loss='mse')
}
`;
    for (const [source, ids] of [
      [CNN("float32"), false],
      [masked, true],
    ] as const) {
      const G = (await generated(source))["B"]!;
      const I = interpreted(source)["B"]!;
      const [native, loops, ref] = [new G(), new G({ wasm: false }), new I()];
      expect(native.usesWasm).toBe(true);
      const rng = new Rng(7);
      const inSize = G.inputShape.reduce((a, b) => a * b, 1);
      const x = ids ? Float32Array.from({ length: 6 * inSize }, (_, i) => (i % inSize < 10 + (i % 7) ? 1 + rng.int(39) : 0)) : randomArray(rng, 6 * inSize, 1);
      const y = randomTargets(rng, "mse", 6, G.outputShape);
      const losses = [native, loops, ref].map((m) => [0, 1, 2].map(() => m.trainOnBatch(x, y, 6)));
      for (const l of losses.slice(0, 2)) expect(maxRelError(Float32Array.from(l), Float32Array.from(losses[2]!))[0]).toBeLessThan(1e-5);
      for (const m of [native, loops]) expect(maxRelError(flat(m.getWeights()), flat(ref.getWeights()))[0]).toBeLessThan(1e-5);
      for (const m of [native, loops]) expect(maxRelError(m.predictBatch(x, 6), ref.predictBatch(x, 6))[0]).toBeLessThan(1e-5);
    }
  });
});
