/**
 * ELU(alpha=1.0): y = x > 0 ? x : alpha · (eˣ − 1); dy/dx = alpha · eˣ below 0.
 */
import { call, cmp, mul, num, select } from "../kernel/expr.js";
import { pointwiseLayer } from "./pointwise.js";
import { described, type Attrs } from "./types.js";

const alpha = (attrs: Attrs) => num(attrs["alpha"] as number);

export const elu = described(pointwiseLayer({
  kind: "ELU",
  defaultName: "elu",
  args: [{ name: "alpha", type: { t: "float" }, default: 1, positional: true }],
  // the elu op is eˣ − 1 (expm1) below 0
  f: (attrs, x) => select(cmp(">", x, num(0)), x, mul(alpha(attrs), call("elu", x))),
  df: (attrs, x, dy) => select(cmp(">", x, num(0)), dy, mul(alpha(attrs), mul(dy, call("exp", x)))),
}), "Exponential linear unit: `x` for x > 0, `alpha * (exp(x) - 1)` below.");
