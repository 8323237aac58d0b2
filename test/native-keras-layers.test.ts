/**
 * The matrix products of Conv2DTranspose (one per kernel tap, over the
 * input rows that land inside the output, forward and input gradient) and SeparableConv2D (the
 * pointwise product and its gradients) run as native WebAssembly kernels
 * when large, and agree with the interpreter and with their TypeScript
 * fallback on predictions, training steps and fit.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { Rng } from "../src/runtime/random.js";
import { flat, generated, interpreted, maxRelError, randomArray, randomTargets } from "./helpers/models.js";

const SPECS: Record<string, [string, RegExp]> = {
  "Conv2DTranspose strided, same padding": [
    `model N(seed=4) {
  Input(shape=(3, 2, 8))
  Dense(8)
  Conv2DTranspose(16, 3, strides=2, padding='same', activation='relu')
  compile(optimizer=Adam(learning_rate=0.01), loss='mse')
}`,
    /k\.conv2d_transpose_forward_tap_1_1\([^]*k\.conv2d_transpose_input_grad_tap_1_1\(/,
  ],
  "SeparableConv2D with depth multiplier": [
    `model N(seed=4) {
  Input(shape=(5, 5, 8))
  SeparableConv2D(16, 3, padding='same', depth_multiplier=2, activation='tanh')
  compile(optimizer=SGD(learning_rate=0.05), loss='mse')
}`,
    /k\.separable_conv2d_pointwise\(/,
  ],
};

describe("issue 12 layers with native kernels", () => {
  for (const [name, [source, native]] of Object.entries(SPECS)) {
    it(`${name}: agree with the interpreter and with the TypeScript fallback`, async () => {
      expect((await compile(source)).code).toMatch(native);
      const G = (await generated(source))["N"]!;
      const I = interpreted(source)["N"]!;
      const [fast, loops, ref] = [new G(), new G({ wasm: false }), new I()];
      const rng = new Rng(3);
      const inSize = G.inputShape.reduce((a, b) => a * b, 1);
      for (const n of [1, 5]) {
        const xs = randomArray(rng, n * inSize, 2);
        expect(maxRelError(fast.predictBatch(xs, n), ref.predictBatch(xs, n))[0]).toBeLessThan(1e-6);
        expect(maxRelError(fast.predictBatch(xs, n), loops.predictBatch(xs, n))[0]).toBeLessThan(1e-6);
        expect(fast.usesWasm).toBe(true);
      }
      const n = 3;
      const xs = randomArray(rng, n * inSize, 2);
      const ys = randomTargets(rng, "mse", n, G.outputShape);
      for (let step = 0; step < 2; step++) {
        const [a, b, c] = [fast.trainOnBatch(xs, ys, n), loops.trainOnBatch(xs, ys, n), ref.trainOnBatch(xs, ys, n)];
        expect(Math.abs(a - c) / Math.max(1, Math.abs(c))).toBeLessThan(1e-6);
        expect(Math.abs(a - b) / Math.max(1, Math.abs(b))).toBeLessThan(1e-6);
      }
      expect(maxRelError(flat(fast.getWeights()), flat(ref.getWeights()))[0]).toBeLessThan(1e-5);
    });
  }
});
