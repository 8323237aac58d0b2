/**
 * Activation layers, Rescaling and the normalizations (issue 12): finite-
 * difference gradient checks on the interpreter, one small model per
 * configuration; then the same configurations stacked, through generated
 * code fully unrolled and with loops kept.
 */
import { describe, it } from "vitest";
import { gradcheck } from "./helpers/gradcheck.js";

/** [title, input shape (before the Dense(3) on the last axis), layer]. */
const cases: [string, number[], string][] = [
  ["ReLU with max, slope and threshold", [4, 2], "ReLU(max_value=0.8, negative_slope=0.1, threshold=0.2)"],
  ["ReLU(max_value=6)", [4, 2], "ReLU(max_value=6.0)"],
  ["ReLU with a slope only (leaky)", [4, 2], "ReLU(negative_slope=0.3)"],
  ["LeakyReLU", [4, 2], "LeakyReLU(negative_slope=0.2)"],
  ["PReLU, alpha per value", [4, 2], "PReLU(alpha_initializer=RandomNormal(stddev=0.5))"],
  ["PReLU, shared along axis 1", [4, 2], "PReLU(alpha_initializer=RandomNormal(stddev=0.5), shared_axes=1)"],
  ["ELU(alpha=0.6)", [4, 2], "ELU(alpha=0.6)"],
  ["Softmax over the last axis", [4, 2], "Softmax()"],
  ["Softmax over axis 1", [4, 2], "Softmax(axis=1)"],
  ["Softmax over two axes", [2, 2, 2], "Softmax(axis=[1, 2])"],
  ["Rescaling", [4, 2], "Rescaling(0.25, offset=0.5)"],
  ["Rescaling per channel", [4, 2], "Rescaling([0.5, -2.0, 1.5], offset=[1, 0, -1])"],
  ["Normalization per channel", [4, 2], "Normalization(mean=[0.1, 0.2, -0.3], variance=[2.0, 0.5, 1.0])"],
  ["Normalization inverted, axis 1", [4, 2], "Normalization(axis=1, mean=[1, 2, 3, 4], variance=[1, 2, 3, 4], invert=True)"],
  ["LayerNormalization", [4, 2], "LayerNormalization(gamma_initializer=RandomNormal(mean=1.0, stddev=0.3), beta_initializer=RandomNormal(stddev=0.3))"],
  ["LayerNormalization over axes 1 and 2", [2, 2, 2], "LayerNormalization(axis=[1, 2], gamma_initializer=RandomNormal(mean=1.0, stddev=0.3))"],
  ["LayerNormalization without center and scale", [4, 2], "LayerNormalization(axis=1, center=False, scale=False)"],
  ["UnitNormalization", [4, 2], "UnitNormalization()"],
  ["UnitNormalization over axes 1 and 3", [2, 2, 2], "UnitNormalization(axis=(1, 3))"],
];

describe("activation and normalization layer gradients match central finite differences (interpreter)", () => {
  it.each(cases)("%s", async (_title, input, layer) => {
    await gradcheck(input, [layer], ["interpreter"]);
  });
});

describe("generated code: the same layers, stacked", () => {
  // one unroll style each keeps the run short; the property tests cover both on every layer
  it("rank 2 stack, loops kept", async () => {
    // every other rank-2 case keeps the compile short; the property tests hold the rest to the interpreter
    const layers = cases.filter(([, input]) => input.length === 2).map(([, , l]) => l).filter((_, i) => i % 2 === 0);
    await gradcheck([4, 2], layers, ["loops"]);
  });
  it("rank 3 stack, fully unrolled", async () => {
    const layers = cases.filter(([, input]) => input.length === 3).map(([, , l]) => l);
    await gradcheck([2, 2, 2], layers, ["full"]);
  });
});
