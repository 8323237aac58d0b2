/**
 * Conv2D(filters, kernel_size, strides=(1,1), padding='valid'|'same',
 * dilation_rate=(1,1), activation, use_bias, initializers): a channels-last
 * (NHWC) cross-correlation over (height, width, channels). Weights: kernel
 * (kh, kw, cin, filters), then bias (filters,) if use_bias — Keras order.
 * The math lives in conv-common.ts, shared with Conv1D.
 */
import { convLayer } from "./conv-common.js";
import { described } from "./types.js";

export const conv2d = described(convLayer({
  kind: "Conv2D",
  defaultName: "conv2d",
  rank: 2,
  paddings: ["valid", "same"],
  describeInput: "3 (height, width, channels)",
}), "2-D convolution over height and width (channels last): `activation(conv(x, kernel) + bias)`.");
