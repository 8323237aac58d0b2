/**
 * Rescaling(scale, offset=0.0): y = x · scale + offset (e.g. scale=1./255
 * maps bytes to [0, 1]). No weights.
 */
import { add, mul, num } from "../kernel/expr.js";
import { pointwiseLayer } from "./pointwise.js";

export const rescaling = pointwiseLayer({
  kind: "Rescaling",
  defaultName: "rescaling",
  args: [
    { name: "scale", type: { t: "float" }, required: true, positional: true },
    { name: "offset", type: { t: "float" }, default: 0, positional: true },
  ],
  f: (attrs, x) => add(mul(x, num(attrs["scale"] as number)), num(attrs["offset"] as number)),
  df: (attrs, _x, dy) => mul(dy, num(attrs["scale"] as number)),
});
