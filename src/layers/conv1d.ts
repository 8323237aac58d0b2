/**
 * Conv1D(filters, kernel_size, strides=1, padding='valid'|'same'|'causal',
 * dilation_rate=1, activation, use_bias, initializers): a channels-last
 * cross-correlation over (steps, channels). Weights: kernel (k, cin,
 * filters), then bias (filters,) if use_bias — Keras order. The math lives
 * in conv-common.ts, shared with Conv2D.
 */
import { convLayer } from "./conv-common.js";
import { described } from "./types.js";

export const conv1d = described(convLayer({
  kind: "Conv1D",
  defaultName: "conv1d",
  rank: 1,
  paddings: ["valid", "same", "causal"],
  describeInput: "2 (steps, channels)",
}), "1-D convolution over the steps axis (channels last): `activation(conv(x, kernel) + bias)`.");
