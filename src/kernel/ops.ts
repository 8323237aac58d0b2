/**
 * The op table: every primitive scalar operation the kernels use, with its
 * three facets side by side — evaluate (the interpreter), emit (the code
 * generator) and gradient (backward kernels). Derivatives at kinks follow
 * reference/keras-semantics.md §3 (relu'(0)=0, relu6'=1 on (0,6],
 * leaky_relu'(0)=α, elu' uses y ≥ 0, selu uses x > 0, abs'(0)=−1).
 *
 * `emit` receives rendered argument expressions. Ops whose template repeats
 * an argument set `atoms`, and the emitter binds non-trivial arguments to a
 * local first, so no expression is evaluated twice.
 */
import { erf } from "../runtime/math.js";
import { add, call, cmp, div, mul, num, select, sub, type Expr } from "./expr.js";

export interface OpDef {
  readonly arity: number;
  readonly evaluate: (...a: number[]) => number;
  readonly emit: (...a: string[]) => string;
  /** Arguments appear more than once in `emit`, so they must be atoms. */
  readonly atoms?: boolean;
  /** Runtime helpers the emitted text calls (imported from layerc/runtime). */
  readonly helpers?: readonly string[];
  /** d(out)/d(args) times `dy`; `y` is the op's own output expression. */
  readonly grad: (args: readonly Expr[], y: Expr, dy: Expr) => Expr[];
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const LEAKY_SLOPE = 0.2;
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

const positive = (x: Expr) => cmp(">", x, num(0));

export type OpName =
  | "exp"
  | "log"
  | "log1p"
  | "sqrt"
  | "sin"
  | "cos"
  | "abs"
  | "max"
  | "min"
  | "pow"
  | "relu"
  | "relu6"
  | "leaky_relu"
  | "sigmoid"
  | "hard_sigmoid"
  | "tanh"
  | "elu"
  | "selu"
  | "softplus"
  | "softsign"
  | "silu"
  | "gelu"
  | "erf"
  | "mish";

export const ops: Readonly<Record<OpName, OpDef>> = {
  exp: {
    arity: 1,
    evaluate: Math.exp,
    emit: (a) => `Math.exp(${a})`,
    grad: (_a, y, dy) => [mul(dy, y)],
  },
  log: {
    arity: 1,
    evaluate: Math.log,
    emit: (a) => `Math.log(${a})`,
    grad: ([a], _y, dy) => [div(dy, a!)],
  },
  log1p: {
    arity: 1,
    evaluate: Math.log1p,
    emit: (a) => `Math.log1p(${a})`,
    grad: ([a], _y, dy) => [div(dy, add(num(1), a!))],
  },
  sqrt: {
    arity: 1,
    evaluate: Math.sqrt,
    emit: (a) => `Math.sqrt(${a})`,
    grad: (_a, y, dy) => [div(dy, mul(num(2), y))],
  },
  sin: {
    arity: 1,
    evaluate: Math.sin,
    emit: (a) => `Math.sin(${a})`,
    grad: ([a], _y, dy) => [mul(dy, call("cos", a!))],
  },
  cos: {
    arity: 1,
    evaluate: Math.cos,
    emit: (a) => `Math.cos(${a})`,
    grad: ([a], _y, dy) => [sub(num(0), mul(dy, call("sin", a!)))],
  },
  abs: {
    arity: 1,
    evaluate: Math.abs,
    emit: (a) => `Math.abs(${a})`,
    grad: ([a], _y, dy) => [select(positive(a!), dy, sub(num(0), dy))],
  },
  max: {
    arity: 2,
    evaluate: (a, b) => (a >= b ? a : b),
    emit: (a, b) => `(${a} >= ${b} ? ${a} : ${b})`,
    atoms: true,
    grad: ([a, b], _y, dy) => [select(cmp(">=", a!, b!), dy, num(0)), select(cmp(">=", a!, b!), num(0), dy)],
  },
  min: {
    arity: 2,
    evaluate: (a, b) => (a <= b ? a : b),
    emit: (a, b) => `(${a} <= ${b} ? ${a} : ${b})`,
    atoms: true,
    grad: ([a, b], _y, dy) => [select(cmp("<=", a!, b!), dy, num(0)), select(cmp("<=", a!, b!), num(0), dy)],
  },
  pow: {
    arity: 2,
    evaluate: Math.pow,
    emit: (a, b) => `Math.pow(${a}, ${b})`,
    // d(a^b)/da = b·a^(b−1); d/db = a^b·ln a
    grad: ([a, b], y, dy) => [mul(dy, mul(b!, call("pow", a!, sub(b!, num(1))))), mul(dy, mul(y, call("log", a!)))],
  },
  relu: {
    arity: 1,
    evaluate: (x) => (x > 0 ? x : 0),
    emit: (a) => `(${a} > 0 ? ${a} : 0)`,
    atoms: true,
    grad: ([a], _y, dy) => [select(positive(a!), dy, num(0))],
  },
  relu6: {
    arity: 1,
    evaluate: (x) => (x > 0 ? (x < 6 ? x : 6) : 0),
    emit: (a) => `(${a} > 0 ? (${a} < 6 ? ${a} : 6) : 0)`,
    atoms: true,
    grad: ([a], _y, dy) => [select({ k: "and", a: positive(a!), b: cmp("<=", a!, num(6)) }, dy, num(0))],
  },
  leaky_relu: {
    arity: 1,
    evaluate: (x) => (x > 0 ? x : LEAKY_SLOPE * x),
    emit: (a) => `(${a} > 0 ? ${a} : ${LEAKY_SLOPE} * ${a})`,
    atoms: true,
    grad: ([a], _y, dy) => [select(positive(a!), dy, mul(num(LEAKY_SLOPE), dy))],
  },
  sigmoid: {
    arity: 1,
    evaluate: sigmoid,
    emit: (a) => `1 / (1 + Math.exp(-${a}))`,
    grad: (_a, y, dy) => [mul(dy, mul(y, sub(num(1), y)))],
  },
  hard_sigmoid: {
    arity: 1,
    evaluate: (x) => Math.min(Math.max(x / 6 + 0.5, 0), 1),
    emit: (a) => `Math.min(Math.max(${a} / 6 + 0.5, 0), 1)`,
    grad: ([a], _y, dy) => [select({ k: "and", a: cmp(">", a!, num(-3)), b: cmp("<", a!, num(3)) }, div(dy, num(6)), num(0))],
  },
  tanh: {
    arity: 1,
    evaluate: Math.tanh,
    emit: (a) => `Math.tanh(${a})`,
    grad: (_a, y, dy) => [mul(dy, sub(num(1), mul(y, y)))],
  },
  elu: {
    arity: 1,
    evaluate: (x) => (x >= 0 ? x : Math.expm1(x)),
    emit: (a) => `(${a} >= 0 ? ${a} : Math.expm1(${a}))`,
    atoms: true,
    grad: (_a, y, dy) => [select(cmp(">=", y, num(0)), dy, mul(dy, add(y, num(1))))],
  },
  selu: {
    arity: 1,
    evaluate: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
    emit: (a) => `(${a} > 0 ? ${SELU_SCALE} * ${a} : ${SELU_SCALE * SELU_ALPHA} * Math.expm1(${a}))`,
    atoms: true,
    grad: ([a], _y, dy) => [
      select(positive(a!), mul(num(SELU_SCALE), dy), mul(num(SELU_SCALE * SELU_ALPHA), mul(dy, call("exp", a!)))),
    ],
  },
  softplus: {
    arity: 1,
    evaluate: softplus,
    emit: (a) => `(${a} > 0 ? ${a} : 0) + Math.log1p(Math.exp(-Math.abs(${a})))`,
    atoms: true,
    grad: ([a], _y, dy) => [mul(dy, call("sigmoid", a!))],
  },
  softsign: {
    arity: 1,
    evaluate: (x) => x / (1 + Math.abs(x)),
    emit: (a) => `${a} / (1 + Math.abs(${a}))`,
    atoms: true,
    grad: ([a], _y, dy) => {
      const d = add(num(1), call("abs", a!));
      return [div(dy, mul(d, d))];
    },
  },
  silu: {
    arity: 1,
    evaluate: (x) => x * sigmoid(x),
    emit: (a) => `${a} / (1 + Math.exp(-${a}))`,
    atoms: true,
    grad: ([a], _y, dy) => {
      const s = call("sigmoid", a!);
      return [mul(dy, mul(s, add(num(1), mul(a!, sub(num(1), s)))))];
    },
  },
  gelu: {
    arity: 1,
    evaluate: (x) => 0.5 * x * (1 + erf(x * SQRT1_2)),
    emit: (a) => `0.5 * ${a} * (1 + erf(${a} * ${SQRT1_2}))`,
    atoms: true,
    helpers: ["erf"],
    grad: ([a], _y, dy) => {
      const cdf = mul(num(0.5), add(num(1), call("erf", mul(a!, num(SQRT1_2)))));
      const pdf = mul(num(INV_SQRT_2PI), call("exp", mul(num(-0.5), mul(a!, a!))));
      return [mul(dy, add(cdf, mul(a!, pdf)))];
    },
  },
  erf: {
    arity: 1,
    evaluate: erf,
    emit: (a) => `erf(${a})`,
    helpers: ["erf"],
    grad: ([a], _y, dy) => [mul(dy, mul(num(2 / Math.sqrt(Math.PI)), call("exp", sub(num(0), mul(a!, a!)))))],
  },
  mish: {
    arity: 1,
    evaluate: (x) => x * Math.tanh(softplus(x)),
    emit: (a) => `${a} * Math.tanh((${a} > 0 ? ${a} : 0) + Math.log1p(Math.exp(-Math.abs(${a}))))`,
    atoms: true,
    grad: ([a], _y, dy) => {
      const t = call("tanh", call("softplus", a!));
      return [mul(dy, add(t, mul(mul(a!, call("sigmoid", a!)), sub(num(1), mul(t, t)))))];
    },
  },
};

export function opDef(name: OpName): OpDef {
  return ops[name];
}
