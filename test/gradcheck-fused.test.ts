/**
 * Finite-difference checks of the fused output path (softmax + categorical
 * crossentropy, sigmoid + binary crossentropy → p − y) for every layer kind
 * that can end a model with an activation, including rank > 1 outputs where
 * the crossentropy runs along the last axis. Both backends.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, prod, randomArray, randomTargets } from "./helpers/models.js";

const cases: [string, string, string, number[], number[]][] = [
  ["Conv1D softmax + categorical", "Conv1D(3, 2, activation='softmax')", "categorical_crossentropy", [5, 2], [4, 3]],
  ["Conv2D sigmoid + binary", "Conv2D(2, 2, padding='same', activation='sigmoid')", "binary_crossentropy", [3, 3, 2], [3, 3, 2]],
  ["Activation softmax + sparse", "Dense(4)\n  Activation('softmax')", "sparse_categorical_crossentropy", [3], [4]],
  ["Dense softmax on rank-2 output", "Dense(3, activation='softmax')", "categorical_crossentropy", [2, 3], [2, 3]],
];

describe("fused output gradients match central finite differences", () => {
  for (const [name, layers, loss, inShape, outShape] of cases) {
    it(name, async () => {
      const source = `model M(seed=5, dtype=float64) {
  Input(shape=(${inShape.join(", ")},))
  ${layers}
  compile(optimizer=SGD(learning_rate=1.0), loss='${loss}')
}`;
      const rng = new Rng(21);
      const batch = 2;
      const x = randomArray(rng, batch * prod(inShape), 1.5);
      const y = randomTargets(rng, loss, batch, outShape);
      for (const backend of [interpreted(source), await generated(source)]) {
        const cls = backend["M"]!;
        const theta = flat(new cls({ seed: 5 }).getWeights());
        const { grad } = gradient(cls, 5, theta, x, y, batch);
        const numeric = numericGradient(cls, 5, theta, x, y, batch);
        const [err, at] = maxRelError(grad, numeric, 1e-3);
        expect(err, `component ${at}: analytic ${grad[at]} numeric ${numeric[at]}`).toBeLessThan(1e-5);
      }
    });
  }
});
