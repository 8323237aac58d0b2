/**
 * Finite-difference gradient checks (float64, central differences) for
 * Dense and Activation over every activation, bias on/off and every loss.
 * The analytic gradient is read from one SGD(learning_rate=1) step through
 * the public API, for both the interpreter and the generated code.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, randomArray, randomTargets } from "./helpers/models.js";

const activations = ["linear", "relu", "relu6", "leaky_relu", "sigmoid", "hard_sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu", "softplus", "softsign", "silu", "gelu", "mish", "exponential"];

function spec(act: string, loss: string, useBias: boolean, units = 3) {
  return `model M(seed=3, dtype=float64) {
  Input(shape=(4,))
  Dense(5, activation=tanh, use_bias=${useBias ? "True" : "False"})
  Dense(${units}, activation=${act}, use_bias=${useBias ? "True" : "False"}, bias_initializer=RandomNormal(stddev=0.3))
  compile(optimizer=SGD(learning_rate=1.0), loss=${loss})
}`;
}

async function check(source: string, loss: string, outShape: number[], seed: number, inSize = 4) {
  const rng = new Rng(seed);
  const batch = 3;
  const x = randomArray(rng, batch * inSize, 1.5);
  const y = randomTargets(rng, loss, batch, outShape);
  for (const backend of [interpreted(source), await generated(source)]) {
    const cls = backend["M"]!;
    const theta = flat(new cls({ seed: 3 }).getWeights());
    const { grad } = gradient(cls, 3, theta, x, y, batch);
    const numeric = numericGradient(cls, 3, theta, x, y, batch);
    const [err, at] = maxRelError(grad, numeric, 1e-3);
    expect(err, `component ${at}: analytic ${grad[at]} numeric ${numeric[at]}`).toBeLessThan(1e-5);
  }
}

describe("Dense gradients match central finite differences", () => {
  for (const act of activations) {
    it(`activation ${act} (mse)`, async () => {
      await check(spec(act, "mse", true), "mse", [3], 11);
    });
  }
  it("a layer above SMALL_WORK (row-streaming schedule), rank-3 input", async () => {
    const source = `model M(seed=3, dtype=float64) {
  Input(shape=(2, 4))
  Dense(70, activation=tanh)
  Dense(3, activation=softmax, bias_initializer=RandomNormal(stddev=0.3))
  compile(optimizer=SGD(learning_rate=1.0), loss=categorical_crossentropy)
}`;
    await check(source, "categorical", [2, 3], 14, 8);
  });
  it("without bias", async () => {
    await check(spec("sigmoid", "mse", false), "mse", [3], 12);
  });
  for (const [act, loss] of [
    ["softmax", "categorical_crossentropy"],
    ["softmax", "sparse_categorical_crossentropy"],
    ["linear", "CategoricalCrossentropy(from_logits=True)"],
    ["sigmoid", "binary_crossentropy"],
    ["linear", "BinaryCrossentropy(from_logits=True)"],
    ["linear", "mae"],
  ] as const) {
    it(`loss ${loss} after ${act}`, async () => {
      await check(spec(act, loss, true), loss.includes("Categorical") ? "categorical" : loss.includes("Binary") ? "binary" : loss, [3], 13);
    });
  }
});
