/**
 * ReLU(max_value=None, negative_slope=0.0, threshold=0.0), as Keras 3's
 * activations.relu computes it:
 *   a = x > threshold ? x : 0        (x > 0 when threshold is 0)
 *   a = clip(a, 0, max_value)        (when max_value is given)
 *   y = a − negative_slope · relu(threshold − x)
 * so below the threshold y = negative_slope · (x − threshold). Derivatives at
 * the kinks are 0 (relu'(0) = 0, as Keras); with only a slope the layer is
 * leaky_relu, whose derivative at 0 is 1.
 */
import { add, call, cmp, mul, num, select, sub, type Expr } from "../kernel/expr.js";
import { pointwiseLayer } from "./pointwise.js";
import { described, type Attrs } from "./types.js";

function params(attrs: Attrs) {
  return { max: attrs["max_value"] as number | null, slope: attrs["negative_slope"] as number, t: attrs["threshold"] as number };
}

const leaky = (attrs: Attrs) => {
  const { max, slope, t } = params(attrs);
  return slope !== 0 && max === null && t === 0;
};

export const relu = described({ ...pointwiseLayer({
  kind: "ReLU",
  defaultName: "re_lu",
  args: [
    { name: "max_value", type: { t: "nullable", inner: { t: "float", min: 0 } }, default: null, positional: true },
    { name: "negative_slope", type: { t: "float", min: 0 }, default: 0, positional: true },
    { name: "threshold", type: { t: "float", min: 0 }, default: 0, positional: true },
  ],
  f(attrs, x) {
    const { max, slope, t } = params(attrs);
    if (leaky(attrs)) return select(cmp(">=", x, num(0)), x, mul(num(slope), x));
    let a: Expr = select(cmp(">", x, num(t)), x, num(0));
    if (max !== null) a = call("min", call("max", a, num(0)), num(max));
    return slope === 0 ? a : sub(a, mul(num(slope), call("relu", sub(num(t), x))));
  },
  df(attrs, x, dy) {
    const { max, slope, t } = params(attrs);
    if (leaky(attrs)) return select(cmp(">=", x, num(0)), dy, mul(num(slope), dy));
    let pass = cmp(">", x, num(t));
    if (max !== null) pass = { k: "and", a: pass, b: { k: "and", a: cmp(">", x, num(0)), b: cmp("<", x, num(max)) } };
    const through = select(pass, dy, num(0));
    return slope === 0 ? through : add(through, select(cmp("<", x, num(t)), mul(num(slope), dy), num(0)));
  },
  }),
  // with the default arguments it is relu: x > 0 ? x : 0
  inferenceElementwise: (attrs: Attrs) => {
    const { max, slope, t } = params(attrs);
    return max === null && slope === 0 && t === 0 ? ("relu" as const) : undefined;
  },
}, "Rectified linear unit with optional `max_value`, `negative_slope` and `threshold`.");
