/**
 * LeakyReLU(negative_slope=0.3): y = x ≥ 0 ? x : negative_slope · x
 * (Keras 3's default slope is 0.3, unlike the `leaky_relu` activation's 0.2).
 */
import { cmp, mul, num, select } from "../kernel/expr.js";
import { pointwiseLayer } from "./pointwise.js";
import { described, type Attrs } from "./types.js";

const slope = (attrs: Attrs) => num(attrs["negative_slope"] as number);

export const leakyRelu = described(pointwiseLayer({
  kind: "LeakyReLU",
  defaultName: "leaky_re_lu",
  args: [{ name: "negative_slope", type: { t: "float", min: 0 }, default: 0.3, positional: true }],
  f: (attrs, x) => select(cmp(">=", x, num(0)), x, mul(slope(attrs), x)),
  df: (attrs, x, dy) => select(cmp(">=", x, num(0)), dy, mul(slope(attrs), dy)),
}), "Leaky ReLU: `x` for x >= 0, `negative_slope * x` below.");
