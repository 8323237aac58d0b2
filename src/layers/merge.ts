/**
 * Element-wise merge layers: Add, Subtract, Multiply, Average, Maximum,
 * Minimum. Keras 3 shape rule: shapes are aligned from the right and
 * broadcast where a dimension is 1 or missing (Keras expands the lower-rank
 * input after the batch axis, which is the same alignment); any other
 * difference is an error. A broadcast input's gradient is summed over the
 * dimensions it was broadcast along. Maximum/Minimum split the gradient of
 * a tie evenly between the two operands of each pairwise step, as JAX does
 * for `maximum(maximum(x0, x1), x2)`. No weights.
 */
import { letVar, load, loop, storeAt } from "../kernel/buffer.js";
import { add, BATCH, call, cmp, div, mul, num, ref, select, sub, type Expr, type Stmt } from "../kernel/expr.js";
import type { Shape } from "../ir/model-ir.js";
import { refusesMask } from "./mask-support.js";
import { type LayerBody, described, prod, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

const shapeText = (s: Shape) => `(None, ${s.join(", ")})`;

/** Keras's `_compute_elemwise_op_output_shape` folded over every input. */
export function broadcastShapes(inputs: readonly Shape[]): ShapeResult {
  let out: Shape = inputs[0]!;
  for (const s of inputs.slice(1)) {
    const [long, short] = out.length >= s.length ? [out, s] : [s, out];
    const lead = long.slice(0, long.length - short.length);
    const tail = short.map((j, k) => {
      const i = long[long.length - short.length + k]!;
      return i === 1 ? j : j === 1 ? i : i === j ? i : -1;
    });
    if (tail.includes(-1)) return { ok: false, code: "merge_shape_mismatch", holes: { a: shapeText(out), b: shapeText(s) } };
    out = [...lead, ...tail];
  }
  return { ok: true, shape: out };
}

/** Strides of `shape` read at each index of `out` (right-aligned; 0 where broadcast). */
function broadcastStrides(shape: Shape, out: Shape): number[] {
  const strides = new Array<number>(out.length).fill(0);
  let stride = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = out.length - shape.length + k;
    strides[d] = shape[k] === 1 && out[d] !== 1 ? 0 : stride;
    stride *= shape[k]!;
  }
  return strides;
}

/** Loops over batch × every output index; `body` gets each input's flat index and the output's. */
function overOutput(ctx: KernelContext, body: (inIdx: Expr[], outIdx: Expr) => Stmt[]): Stmt[] {
  const out = ctx.outShape;
  const strides = ctx.inShapes.map((s) => broadcastStrides(s, out));
  const go = (d: number, b: Expr, idx: Expr[]): Stmt[] => {
    if (d === out.length) {
      let o: Expr = b;
      out.forEach((n, k) => (o = add(mul(o, num(n)), idx[k]!)));
      const ins = ctx.inShapes.map((s, j) => idx.reduce<Expr>((acc, i, k) => add(acc, mul(i, num(strides[j]![k]!))), mul(b, num(prod(s)))));
      return body(ins, o);
    }
    return [loop(`i${d}`, out[d]!, (i) => go(d + 1, b, [...idx, i]))];
  };
  return [loop("b", BATCH, (b) => go(0, b, []))];
}

type Op = "add" | "subtract" | "multiply" | "average" | "maximum" | "minimum";

function combine(op: Op, xs: readonly Expr[]): Expr {
  switch (op) {
    case "add":
      return xs.reduce((a, b) => add(a, b));
    case "subtract":
      return sub(xs[0]!, xs[1]!);
    case "multiply":
      return xs.reduce((a, b) => mul(a, b));
    case "average":
      return div(xs.reduce((a, b) => add(a, b)), num(xs.length));
    case "maximum":
    case "minimum":
      return xs.reduce((a, b) => call(op === "maximum" ? "max" : "min", a, b));
  }
}

/** d output / d input k, for each k (times dy). */
function partials(op: Op, xs: readonly Expr[], dy: Expr): { pre: Stmt[]; grads: Expr[] } {
  switch (op) {
    case "add":
      return { pre: [], grads: xs.map(() => dy) };
    case "subtract":
      return { pre: [], grads: [dy, sub(num(0), dy)] };
    case "average":
      return { pre: [], grads: xs.map(() => div(dy, num(xs.length))) };
    case "multiply":
      return { pre: [], grads: xs.map((_, k) => xs.reduce<Expr>((a, x, j) => (j === k ? a : mul(a, x)), dy)) };
    case "maximum":
    case "minimum": {
      // running extremes m_j = ext(m_{j-1}, x_j); back through each pairwise step, ties split evenly
      const wins = (a: Expr, b: Expr): Expr => select(cmp(op === "maximum" ? ">" : "<", a, b), num(1), select(cmp("==", a, b), num(0.5), num(0)));
      const pre: Stmt[] = [letVar("m0", xs[0]!)];
      for (let j = 1; j < xs.length - 1; j++) pre.push(letVar(`m${j}`, call(op === "maximum" ? "max" : "min", ref(`m${j - 1}`), xs[j]!)));
      const grads: Expr[] = new Array<Expr>(xs.length);
      let g: Expr = dy;
      for (let j = xs.length - 1; j >= 1; j--) {
        const m = ref(`m${j - 1}`);
        grads[j] = mul(g, wins(xs[j]!, m));
        g = mul(g, wins(m, xs[j]!));
      }
      grads[0] = g;
      return { pre, grads };
    }
  }
}

function elementwise(kind: string, defaultName: string, op: Op, minInputs: number, maxInputs?: number): LayerBody {
  const outputShape = (_attrs: unknown, inputs: readonly Shape[]) => broadcastShapes(inputs);
  return {
    kind,
    masking: refusesMask,
    defaultName,
    args: [],
    outputShape: (_attrs, input) => ({ ok: true, shape: input }),
    merge: maxInputs === undefined ? { minInputs, outputShape } : { minInputs, maxInputs, outputShape },
    params: () => [],
    forward(ctx) {
      return overOutput(ctx, (ins, o) => [storeAt(ctx.y.name, o, combine(op, ins.map((i, j) => load(ctx.xs[j]!.name, i))))]);
    },
    backward(ctx) {
      if (!ctx.needInputGrad) return [];
      const out: Stmt[] = [];
      // a broadcast input's gradient is a sum over the broadcast positions: zero it, then add
      const summed = ctx.inShapes.map((s) => prod(s) !== prod(ctx.outShape));
      ctx.dxs.forEach((dx, j) => {
        if (dx.name !== "" && summed[j]) out.push(loop("i", mul(BATCH, num(prod(ctx.inShapes[j]!))), (i) => [storeAt(dx.name, i, num(0))]));
      });
      out.push(
        ...overOutput(ctx, (ins, o) => {
          const xs = ins.map((i, j) => load(ctx.xs[j]!.name, i));
          const { pre, grads } = partials(op, xs, load(ctx.dy.name, o));
          const stores = ctx.dxs.flatMap((dx, j) => (dx.name === "" ? [] : [storeAt(dx.name, ins[j]!, grads[j]!, summed[j])]));
          return stores.length ? [...pre, ...stores] : [];
        }),
      );
      return out;
    },
  };
}

export const addLayer = described(elementwise("Add", "add", "add", 1), "Adds a list of tensors of the same shape element by element.");
export const subtractLayer = described(elementwise("Subtract", "subtract", "subtract", 2, 2), "Subtracts the second of two tensors from the first, element by element.");
export const multiplyLayer = described(elementwise("Multiply", "multiply", "multiply", 1), "Multiplies a list of tensors of the same shape element by element.");
export const averageLayer = described(elementwise("Average", "average", "average", 1), "Averages a list of tensors of the same shape element by element.");
export const maximumLayer = described(elementwise("Maximum", "maximum", "maximum", 1), "Element-wise maximum of a list of tensors of the same shape.");
export const minimumLayer = described(elementwise("Minimum", "minimum", "minimum", 1), "Element-wise minimum of a list of tensors of the same shape.");
