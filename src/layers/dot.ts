/**
 * Dot(axes, normalize=False): Keras's batch_dot of two inputs. `axes` (an
 * int or a pair, counting the batch as axis 0; negative from the end)
 * names the contracted axis of each input, whose sizes must agree. The
 * output holds x's other axes, then y's (`(None, 1)` when none are left).
 * With normalize, each input is first L2-normalized along its axis the way
 * Keras does it: x·min(rsqrt(Σx²), 1/ε), ε = 1e-7. No weights.
 */
import { letVar, loop, setVar } from "../kernel/buffer.js";
import { add, BATCH, call, cmp, div, mul, num, ref, select, sub, type Expr, type Stmt } from "../kernel/expr.js";
import type { Shape } from "../ir/model-ir.js";
import { bool, ints } from "./common.js";
import { prod, type Attrs, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

const EPS = 1e-7;
const shapeText = (s: Shape) => `(None, ${s.join(", ")})`;

/** The contracted sample axis of each input (no batch), or -1 where `axes` names the batch or no axis. */
function contracted(attrs: Attrs, shapes: readonly Shape[]): [number, number] {
  const axes = ints(attrs, "axes");
  const pick = (a: number, rank: number) => {
    const full = a < 0 ? a + rank + 1 : a;
    return full >= 1 && full <= rank ? full - 1 : -1;
  };
  return [pick(axes[0]!, shapes[0]!.length), pick(axes[1]!, shapes[1]!.length)];
}

function dotShape(attrs: Attrs, inputs: readonly Shape[]): ShapeResult {
  const [a, b] = contracted(attrs, inputs);
  const [x, y] = inputs as [Shape, Shape];
  if (a < 0 || b < 0) return { ok: false, code: "merge_axis_invalid", holes: { axis: `${ints(attrs, "axes").join(", ")}`, shape: `${shapeText(x)} and ${shapeText(y)}` } };
  if (x[a] !== y[b]) return { ok: false, code: "dot_shape_mismatch", holes: { a: shapeText(x), b: shapeText(y), da: x[a]!, db: y[b]!, axisA: a + 1, axisB: b + 1 } };
  const out = [...x.filter((_, k) => k !== a), ...y.filter((_, k) => k !== b)];
  return { ok: true, shape: out.length ? out : [1] };
}

/** Row-major flat index of sample `lead` (the batch index), element `idx` of `dims`. */
function flat(dims: readonly number[], idx: readonly Expr[], lead: Expr): Expr {
  return idx.reduce<Expr>((acc, i, k) => add(mul(acc, num(dims[k]!)), i), lead);
}

function nest(prefix: string, dims: readonly number[], body: (idx: Expr[]) => Stmt[]): Stmt[] {
  const go = (k: number, idx: Expr[]): Stmt[] => (k === dims.length ? body(idx) : [loop(`${prefix}${k}`, dims[k]!, (i) => go(k + 1, [...idx, i]))]);
  return go(0, []);
}

interface Side {
  readonly buf: string;
  readonly shape: Shape;
  readonly axis: number;
  /** The free (non-contracted) dimensions. */
  readonly free: number[];
  /** Inverse-norm scratch (normalize only). */
  readonly inv: string;
}

function sides(ctx: KernelContext): [Side, Side] {
  const [a, b] = contracted(ctx.attrs, ctx.inShapes);
  const norm = bool(ctx.attrs, "normalize");
  const side = (k: number, axis: number): Side => {
    const shape = ctx.inShapes[k]!;
    return { buf: ctx.xs[k]!.name, shape, axis, free: shape.filter((_, d) => d !== axis), inv: norm ? ctx.scratch(`inv${k}`).name : "" };
  };
  return [side(0, a), side(1, b)];
}

/** x[b, free indices with c inserted at the axis] */
function at(s: Side, b: Expr, free: readonly Expr[], c: Expr, buf = s.buf): Expr {
  const idx = [...free.slice(0, s.axis), c, ...free.slice(s.axis)];
  return { k: "load", buf, index: flat(s.shape, idx, b) };
}

const invAt = (s: Side, b: Expr, free: readonly Expr[]): Expr => ({ k: "load", buf: s.inv, index: flat(s.free, free, b) });

/** Inverse L2 norms along the axis, clipped at 1/ε, into the side's scratch. */
function norms(s: Side, p: string): Stmt {
  const n = s.shape[s.axis]!;
  return loop("b", BATCH, (b) =>
    nest(p, s.free, (f) => [
      letVar("ss", num(0)),
      loop("c", n, (c) => [setVar("ss", mul(at(s, b, f, c), at(s, b, f, c)), true)]),
      { k: "store", buf: s.inv, index: flat(s.free, f, b), value: call("min", div(num(1), call("sqrt", ref("ss"))), num(1 / EPS)), acc: false },
    ]),
  );
}

export const dot: LayerDef = {
  kind: "Dot",
  // Keras 3: supports_masking with compute_mask None — the mask is taken without a warning and ends here
  masking: { ignores: true },
  description: "Dot product of two tensors along `axes` (cosine similarity with `normalize=True`).",
  defaultName: "dot",
  args: [
    { name: "axes", type: { t: "ints", rank: 2, min: -8 }, required: true, positional: true },
    { name: "normalize", type: { t: "bool" }, default: false },
  ],
  outputShape: (_attrs, input) => ({ ok: true, shape: input }),
  merge: { minInputs: 2, maxInputs: 2, outputShape: dotShape },
  params: () => [],
  scratch(attrs, _input, _output, _training, inputs = []) {
    if (!bool(attrs, "normalize")) return [];
    const axes = contracted(attrs, inputs);
    return inputs.map((s, k) => ({ name: `inv${k}`, size: prod(s.filter((_, d) => d !== axes[k])) }));
  },

  forward(ctx) {
    const [x, y] = sides(ctx);
    const norm = x.inv !== "";
    const n = x.shape[x.axis]!;
    const out: Stmt[] = norm ? [norms(x, "p"), norms(y, "q")] : [];
    const outDims = [...x.free, ...y.free];
    out.push(
      loop("b", BATCH, (b) =>
        nest("p", x.free, (fx) =>
          nest("q", y.free, (fy) => {
            const scale = norm ? mul(invAt(x, b, fx), invAt(y, b, fy)) : num(1);
            return [
              letVar("acc", num(0)),
              loop("c", n, (c) => [setVar("acc", mul(at(x, b, fx, c), at(y, b, fy, c)), true)]),
              { k: "store", buf: ctx.y.name, index: flat(outDims, [...fx, ...fy], b), value: mul(ref("acc"), scale), acc: false },
            ];
          }),
        ),
      ),
    );
    return out;
  },

  backward(ctx) {
    const [x, y] = sides(ctx);
    const outDims = [...x.free, ...y.free];
    const out: Stmt[] = [];
    if (ctx.dxs[0]!.name !== "") out.push(inputGrad(ctx, x, y, true, ctx.dxs[0]!.name, outDims));
    if (ctx.dxs[1]!.name !== "") out.push(inputGrad(ctx, y, x, false, ctx.dxs[1]!.name, outDims));
    return out;
  },
};

/**
 * d/d(self): g = Σ over the other's free indices of dy·other̂ (the normalized
 * other); without normalize that is the gradient; with it,
 * dself = inv·(g − ŝelf·(ŝelf·g)) unless the norm was clipped (then inv·g).
 */
function inputGrad(ctx: KernelContext, self: Side, other: Side, selfFirst: boolean, dx: string, outDims: readonly number[]): Stmt {
  const norm = self.inv !== "";
  const n = self.shape[self.axis]!;
  return loop("b", BATCH, (b) =>
    nest("p", self.free, (fs) => {
      const dxAt = (c: Expr) => flat(self.shape, [...fs.slice(0, self.axis), c, ...fs.slice(self.axis)], b);
      const inv = norm ? invAt(self, b, fs) : num(1);
      const body: Stmt[] = [];
      if (norm) body.push(letVar("s", num(0)));
      body.push(
        loop("c", n, (c) => {
          const sum = nest("q", other.free, (fo) => {
            const o = flat(outDims, selfFirst ? [...fs, ...fo] : [...fo, ...fs], b);
            const oth = norm ? mul(at(other, b, fo, c), invAt(other, b, fo)) : at(other, b, fo, c);
            return [setVar("g", mul({ k: "load", buf: ctx.dy.name, index: o }, oth), true)];
          });
          const stmts: Stmt[] = [letVar("g", num(0)), ...sum, { k: "store", buf: dx, index: dxAt(c), value: ref("g"), acc: false }];
          if (norm) stmts.push(setVar("s", mul(mul(at(self, b, fs, c), inv), ref("g")), true));
          return stmts;
        }),
      );
      if (norm) {
        const clipped = cmp(">=", inv, num(1 / EPS));
        body.push(
          loop("c", n, (c) => [
            {
              k: "store",
              buf: dx,
              index: dxAt(c),
              value: mul(inv, sub({ k: "load", buf: dx, index: dxAt(c) }, select(clipped, num(0), mul(mul(at(self, b, fs, c), inv), ref("s"))))),
              acc: false,
            },
          ]),
        );
      }
      return body;
    }),
  );
}
