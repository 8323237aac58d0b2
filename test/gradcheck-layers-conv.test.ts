/**
 * Padding, cropping, upsampling, transposed, depthwise and separable
 * convolutions and the noise layers (issue 12): finite-difference gradient
 * checks on the interpreter, one small model per configuration (noise
 * layers in training mode: a seeded instance draws the same noise for
 * every loss evaluation); then stacks through generated code.
 */
import { describe, it } from "vitest";
import { gradcheck } from "./helpers/gradcheck.js";

const BIAS = "bias_initializer=RandomNormal(stddev=0.3)";

/** [title, input shape (before the Dense(3) on the last axis), layers]. */
const cases: [string, number[], string[]][] = [
  ["ZeroPadding1D (before, after)", [3, 2], ["ZeroPadding1D((1, 2))", "Conv1D(2, 2)"]],
  ["ZeroPadding2D pairs", [2, 3, 2], ["ZeroPadding2D(((1, 0), (0, 2)))", "Conv2D(2, 2)"]],
  ["Cropping1D", [5, 2], ["Cropping1D((2, 1))"]],
  ["Cropping2D", [4, 4, 2], ["Cropping2D(((1, 0), (1, 2)))"]],
  ["UpSampling1D", [3, 2], ["UpSampling1D(2)", "Conv1D(2, 3)"]],
  ["UpSampling2D nearest", [2, 2, 2], ["UpSampling2D((2, 3))", "Conv2D(2, 2)"]],
  ["UpSampling2D bilinear", [3, 2, 2], ["UpSampling2D((2, 3), interpolation='bilinear')", "Conv2D(2, 2)"]],
  ["Conv1DTranspose valid", [3, 2], [`Conv1DTranspose(2, 3, activation='tanh', ${BIAS})`]],
  ["Conv1DTranspose strided same", [3, 2], [`Conv1DTranspose(2, 3, strides=2, padding='same', ${BIAS})`]],
  ["Conv1DTranspose output_padding", [3, 2], [`Conv1DTranspose(2, 4, strides=3, padding='same', output_padding=2, ${BIAS})`]],
  ["Conv1DTranspose dilated", [4, 2], [`Conv1DTranspose(2, 2, dilation_rate=2, padding='same', ${BIAS})`]],
  ["Conv2DTranspose strided valid", [2, 2, 2], [`Conv2DTranspose(2, (2, 3), strides=(2, 1), ${BIAS})`]],
  ["Conv2DTranspose same, softmax", [2, 3, 2], [`Conv2DTranspose(3, 3, strides=2, padding='same', activation='softmax', ${BIAS})`]],
  ["DepthwiseConv2D same, multiplier 2", [3, 3, 2], [`DepthwiseConv2D(2, padding='same', depth_multiplier=2, activation='tanh', ${BIAS})`]],
  ["DepthwiseConv2D strided", [4, 3, 2], [`DepthwiseConv2D((3, 2), strides=2, ${BIAS})`]],
  ["SeparableConv1D", [5, 2], [`SeparableConv1D(2, 3, padding='same', depth_multiplier=2, activation='tanh', ${BIAS})`]],
  ["SeparableConv2D", [3, 4, 2], [`SeparableConv2D(3, 2, strides=(1, 2), ${BIAS})`]],
  ["SpatialDropout1D in training", [4, 2], ["SpatialDropout1D(0.4)"]],
  ["SpatialDropout2D in training", [2, 2, 2], ["SpatialDropout2D(0.5, seed=4)"]],
  ["GaussianNoise in training", [3, 2], ["GaussianNoise(0.5)", "Dense(2, activation='tanh')"]],
  ["GaussianDropout in training", [3, 2], ["GaussianDropout(0.3)"]],
  ["AlphaDropout in training", [3, 2], ["AlphaDropout(0.3)", "Dense(2, activation='tanh')"]],
];

describe("convolution-family and noise layer gradients match central finite differences (interpreter)", () => {
  it.each(cases)("%s", async (_title, input, layers) => {
    await gradcheck(input, layers, ["interpreter"]);
  });
});

describe("generated code: the same layers, stacked", () => {
  it("rank 2 stack, loops kept", async () => {
    const layers = ["ZeroPadding1D((1, 2))", `Conv1DTranspose(2, 3, strides=2, padding='same', ${BIAS})`, "Cropping1D((2, 1))", "UpSampling1D(2)", `SeparableConv1D(2, 3, strides=2, activation='tanh', ${BIAS})`, "SpatialDropout1D(0.3)", "AlphaDropout(0.2)"];
    await gradcheck([3, 2], layers, ["loops"]);
  });
  it("rank 3 stack, fully unrolled", async () => {
    const layers = [
      "UpSampling2D((2, 1), interpolation='bilinear')",
      `DepthwiseConv2D(2, padding='same', depth_multiplier=2, ${BIAS})`,
      "ZeroPadding2D(((1, 0), (0, 1)))",
      `Conv2DTranspose(2, (2, 3), strides=(1, 2), padding='same', activation='tanh', ${BIAS})`,
      "Cropping2D(((1, 0), (1, 1)))",
      `SeparableConv2D(2, 2, ${BIAS})`,
      "GaussianDropout(0.2)",
    ];
    await gradcheck([2, 2, 1], layers, ["full"]);
  });
});
