/**
 * Element-wise merge layers: Add, Subtract, Multiply, Average, Maximum,
 * Minimum. Keras 3 shape rule: shapes are aligned from the right and
 * broadcast where a dimension is 1 or missing (Keras expands the lower-rank
 * input after the batch axis, which is the same alignment); any other
 * difference is an error. A broadcast input's gradient is summed over the
 * dimensions it was broadcast along. Maximum/Minimum split the gradient of
 * a tie evenly between the two operands of each pairwise step, as JAX does
 * for `maximum(maximum(x0, x1), x2)`. No weights.
 *
 * Masks (Keras 3, inputs of equal shapes): the output's mask is the OR of
 * the inputs' masks when every input has one, else none (base_merge
 * compute_mask). Add, Subtract and Average compute as without masks.
 * Multiply reads a masked input as 1 at its masked steps and, when every
 * input is masked, zeroes the output where the OR is 0. Maximum/Minimum
 * (Keras's _apply_merge_op_and_or_mask), folded pairwise from the running
 * result a (mask ma) and the next input x (mask mx; an absent mask is all
 * ones): ma∧mx ? ext(a, x) : (mx ? x : a); the running mask becomes
 * ma ∨ mx while every input so far has a mask, else none.
 */
import { letVar, load, loop, storeAt } from "../kernel/buffer.js";
import { add, BATCH, call, cmp, div, mul, num, ref, select, sub, type Expr, type Stmt } from "../kernel/expr.js";
import type { Shape } from "../ir/model-ir.js";
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

/** Loops over batch × every output index; `body` gets each input's flat index, the output's, and the row (mask index: batch and every axis but the last). */
function overOutput(ctx: KernelContext, body: (inIdx: Expr[], outIdx: Expr, row: Expr) => Stmt[]): Stmt[] {
  const out = ctx.outShape;
  const strides = ctx.inShapes.map((s) => broadcastStrides(s, out));
  const go = (d: number, b: Expr, idx: Expr[]): Stmt[] => {
    if (d === out.length) {
      let o: Expr = b;
      out.forEach((n, k) => (o = add(mul(o, num(n)), idx[k]!)));
      const ins = ctx.inShapes.map((s, j) => idx.reduce<Expr>((acc, i, k) => add(acc, mul(i, num(strides[j]![k]!))), mul(b, num(prod(s)))));
      let row: Expr = b;
      out.slice(0, -1).forEach((n, k) => (row = add(mul(row, num(n)), idx[k]!)));
      return body(ins, o, out.length > 1 ? row : b);
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

/** Each input's mask value at a row (null: unmasked input), and whether the output has a mask (every input masked). */
interface RowMasks {
  readonly ms: readonly (Expr | null)[];
  readonly all: boolean;
}

const or = (ms: readonly Expr[]): Expr => ms.reduce((a, b) => call("max", a, b));
const pick = (m: Expr, then: Expr, otherwise: Expr): Expr => select(cmp("!=", m, num(0)), then, otherwise);

/** The output value with masks (Keras's merge call, see the header), after `pre`. */
function combineMasked(op: Op, xs: readonly Expr[], { ms, all }: RowMasks): { pre: Stmt[]; value: Expr } {
  if (op === "multiply") {
    const product = xs.map((x, j) => (ms[j] ? pick(ms[j]!, x, num(1)) : x)).reduce((a, b) => mul(a, b));
    return { pre: [], value: all ? pick(or(ms as Expr[]), product, num(0)) : product };
  }
  if (op !== "maximum" && op !== "minimum") return { pre: [], value: combine(op, xs) };
  const { pre, steps } = foldExtremes(op, xs, ms);
  const last = steps[steps.length - 1]!;
  return { pre, value: last.next };
}

/**
 * Maximum/Minimum with masks folded pairwise: a0 = x0, then each step
 * s = ma·mx: s ? ext(a, x) : (mx ? x : a), with the running mask ma ∨ mx
 * while every input so far is masked (an absent mask reads as 1). The
 * running values but the last are let-bound (a0…); each step records its
 * a, masks and result.
 */
function foldExtremes(op: "maximum" | "minimum", xs: readonly Expr[], ms: readonly (Expr | null)[]) {
  const ext = (a: Expr, b: Expr) => call(op === "maximum" ? "max" : "min", a, b);
  const pre: Stmt[] = [letVar("a0", xs[0]!)];
  let ma: Expr | null = ms[0]!;
  const steps: { a: Expr; both: Expr | null; mx: Expr | null; next: Expr }[] = [];
  for (let j = 1; j < xs.length; j++) {
    const a = ref(`a${j - 1}`);
    const mx = ms[j]!;
    const both = ma && mx ? mul(ma, mx) : (ma ?? mx);
    const next = both === null ? ext(a, xs[j]!) : pick(both, ext(a, xs[j]!), mx ? pick(mx, xs[j]!, a) : xs[j]!);
    steps.push({ a, both, mx, next });
    if (j < xs.length - 1) pre.push(letVar(`a${j}`, next));
    ma = ma && mx ? call("max", ma, mx) : null;
  }
  return { pre, steps };
}

/** d output / d input k, for each k (times dy). */
function partials(op: Op, xs: readonly Expr[], dy: Expr, masks?: RowMasks): { pre: Stmt[]; grads: Expr[] } {
  if (masks && op === "multiply") {
    const { ms, all } = masks;
    const used = xs.map((x, j) => (ms[j] ? pick(ms[j]!, x, num(1)) : x));
    const g = all ? pick(or(ms as Expr[]), dy, num(0)) : dy;
    return { pre: [], grads: xs.map((_, k) => { const d = used.reduce<Expr>((acc, u, j) => (j === k ? acc : mul(acc, u)), g); return ms[k] ? pick(ms[k]!, d, num(0)) : d; }) };
  }
  if (masks && (op === "maximum" || op === "minimum")) return extremesMasked(op, xs, dy, masks.ms);
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

/**
 * Masked Maximum/Minimum backward, through foldExtremes' steps: a step
 * s ? ext(a, x) : (mx ? x : a) sends dy to a by s ? wins(a, x) : 1 − mx and
 * to x by s ? wins(x, a) : mx (absent masks read as 1).
 */
function extremesMasked(op: "maximum" | "minimum", xs: readonly Expr[], dy: Expr, ms: readonly (Expr | null)[]): { pre: Stmt[]; grads: Expr[] } {
  const wins = (a: Expr, b: Expr): Expr => select(cmp(op === "maximum" ? ">" : "<", a, b), num(1), select(cmp("==", a, b), num(0.5), num(0)));
  const { pre, steps } = foldExtremes(op, xs, ms);
  const grads: Expr[] = new Array<Expr>(xs.length);
  let g: Expr = dy;
  for (let j = xs.length - 1; j >= 1; j--) {
    const { a, both, mx } = steps[j - 1]!;
    const x = xs[j]!;
    grads[j] = mul(g, both === null ? wins(x, a) : pick(both, wins(x, a), mx ?? num(1)));
    g = mul(g, both === null ? wins(a, x) : pick(both, wins(a, x), mx ? sub(num(1), mx) : num(0)));
  }
  grads[0] = g;
  return { pre, grads };
}

/** Masks of a merge call at one row, or undefined when no input is masked. */
function rowMasks(ctx: KernelContext, row: Expr): RowMasks | undefined {
  if (ctx.masks.every((m) => m === null)) return undefined;
  return { ms: ctx.masks.map((m) => (m ? load(m.name, row) : null)), all: ctx.maskOut !== null };
}

/** Keras: the output's mask is the OR of the inputs' when each has one; inputs of different shapes with a mask are not implemented. */
function combinesMasks(_attrs: unknown, shapes: readonly Shape[], masked: readonly boolean[]): boolean | null {
  if (shapes.some((s) => s.length !== shapes[0]!.length || s.some((d, k) => d !== shapes[0]![k]))) return null;
  return masked.every(Boolean);
}

/** The output mask: the OR of the input masks, per row. */
function orMasks(ctx: KernelContext): Stmt[] {
  const out = ctx.maskOut;
  if (out === null) return [];
  const rows = prod(out.dims.slice(1) as number[]);
  return [loop("i", mul(BATCH, num(rows)), (i) => [storeAt(out.name, i, or(ctx.masks.map((m) => load(m!.name, i))))])];
}

function elementwise(kind: string, defaultName: string, op: Op, minInputs: number, maxInputs?: number): LayerBody {
  const outputShape = (_attrs: unknown, inputs: readonly Shape[]) => broadcastShapes(inputs);
  return {
    kind,
    masking: { combines: combinesMasks },
    defaultName,
    args: [],
    outputShape: (_attrs, input) => ({ ok: true, shape: input }),
    merge: maxInputs === undefined ? { minInputs, outputShape } : { minInputs, maxInputs, outputShape },
    params: () => [],
    forward(ctx) {
      const values = overOutput(ctx, (ins, o, row) => {
        const xs = ins.map((i, j) => load(ctx.xs[j]!.name, i));
        const m = rowMasks(ctx, row);
        if (!m) return [storeAt(ctx.y.name, o, combine(op, xs))];
        const { pre, value } = combineMasked(op, xs, m);
        return [...pre, storeAt(ctx.y.name, o, value)];
      });
      return [...orMasks(ctx), ...values];
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
        ...overOutput(ctx, (ins, o, row) => {
          const xs = ins.map((i, j) => load(ctx.xs[j]!.name, i));
          const { pre, grads } = partials(op, xs, load(ctx.dy.name, o), rowMasks(ctx, row));
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
