/**
 * MaxPooling1D/2D and AveragePooling1D/2D over channels-last inputs
 * (steps, channels) or (height, width, channels); no weights.
 * reference/keras-semantics.md §2.3:
 *   - valid: out = ⌊(L − p)/s⌋ + 1; same: out = ⌈L/s⌉ with total padding
 *     max((out − 1)·s + p − L, 0) split as ⌊total/2⌋ before, the rest after
 *     (the convolution split);
 *   - max ignores padded cells; its gradient goes to the FIRST maximum of the
 *     window in row-major order (strict `>` scan), so ties are deterministic;
 *   - average divides by the number of in-bounds cells of each window (the
 *     pool area for valid padding), and its gradient is consistent with that.
 *
 * Kernels loop over (batch, out positions, channel, window offsets) with
 * constant bounds; bounds checks are emitted only along axes where some
 * window really reaches into the padding, and they fold away when the
 * emitter unrolls. Backward recomputes the arg-max from the layer input
 * (still held in the previous layer's output buffer) instead of keeping a
 * scratch buffer, zeroes dx and scatters into it.
 */
import { Buf, letVar, loop, setVar } from "../kernel/buffer.js";
import { add, and, BATCH, call, cmp, div, isNum, mul, num, ref, sub, type Cond, type Expr, type Stmt } from "../kernel/expr.js";
import { ints } from "./common.js";
import { type LayerBody, described, prod, type ArgSpec, type Attrs, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

type Mode = "max" | "avg";

/** Static geometry of one pooling layer for a given input shape. */
interface Geometry {
  /** Input sizes of the spatial axes. */
  readonly size: readonly number[];
  readonly out: readonly number[];
  readonly pool: readonly number[];
  readonly strides: readonly number[];
  /** Padding before each spatial axis (0 for valid). */
  readonly padBefore: readonly number[];
  /** Some window along this axis starts before the input. */
  readonly checkLow: readonly boolean[];
  /** Some window along this axis ends after the input. */
  readonly checkHigh: readonly boolean[];
  readonly channels: number;
}

function geometry(attrs: Attrs, input: readonly number[]): Geometry {
  const rank = input.length - 1;
  const size = input.slice(0, rank);
  const pool = ints(attrs, "pool_size");
  const strides = (attrs["strides"] as readonly number[] | null) ?? pool;
  const same = attrs["padding"] === "same";
  const out: number[] = [];
  const padBefore: number[] = [];
  const checkLow: boolean[] = [];
  const checkHigh: boolean[] = [];
  for (let d = 0; d < rank; d++) {
    const L = size[d]!;
    const p = pool[d]!;
    const s = strides[d]!;
    if (same) {
      const o = Math.ceil(L / s);
      const total = Math.max((o - 1) * s + p - L, 0);
      const before = Math.floor(total / 2);
      out.push(o);
      padBefore.push(before);
      checkLow.push(before > 0);
      checkHigh.push(total - before > 0);
    } else {
      out.push(Math.floor((L - p) / s) + 1);
      padBefore.push(0);
      checkLow.push(false);
      checkHigh.push(false);
    }
  }
  return { size, out, pool, strides, padBefore, checkLow, checkHigh, channels: input[rank]! };
}

function outputShape(attrs: Attrs, input: readonly number[]): ShapeResult {
  const g = geometry(attrs, input);
  const shape = [...g.out, g.channels];
  if (g.out.some((o) => o <= 0)) return { ok: false, code: "shape_nonpositive", holes: { shape: `(None, ${shape.join(", ")})` } };
  return { ok: true, shape };
}

const fmin = (a: Expr, b: Expr): Expr => (isNum(a) && isNum(b) ? num(Math.min(a.v, b.v)) : call("min", a, b));
const fmax = (a: Expr, b: Expr): Expr => (isNum(a) && isNum(b) ? num(Math.max(a.v, b.v)) : call("max", a, b));

/** Nested constant-bound loops named `${prefix}${d}` over `bounds`. */
function nest(prefix: string, bounds: readonly number[], body: (idx: Expr[]) => Stmt[], acc: Expr[] = []): Stmt[] {
  const d = acc.length;
  if (d === bounds.length) return body(acc);
  return [loop(`${prefix}${d}`, bounds[d]!, (i) => nest(prefix, bounds, body, [...acc, i]))];
}

/** Input position along axis d of window offset k at output position o. */
const inputPos = (g: Geometry, d: number, o: Expr, k: Expr) => sub(add(mul(o, num(g.strides[d]!)), k), num(g.padBefore[d]!));

/** The in-bounds test for input positions `pos`, or undefined when every window is inside. */
function inBounds(g: Geometry, pos: readonly Expr[]): Cond | undefined {
  let c: Cond | undefined;
  const push = (t: Cond) => (c = c === undefined ? t : and(c, t));
  pos.forEach((p, d) => {
    if (g.checkLow[d]) push(cmp(">=", p, num(0)));
    if (g.checkHigh[d]) push(cmp("<", p, num(g.size[d]!)));
  });
  return c;
}

const guarded = (c: Cond | undefined, body: Stmt[]): Stmt[] => (c === undefined ? body : [{ k: "if", test: c, then: body, else: [] }]);

/** Number of in-bounds cells in the window at output position `o`. */
function windowCount(g: Geometry, o: readonly Expr[]): Expr {
  let n: Expr = num(1);
  o.forEach((od, d) => {
    const p = g.pool[d]!;
    if (!g.checkLow[d] && !g.checkHigh[d]) {
      n = mul(n, num(p));
      return;
    }
    const start = sub(mul(od, num(g.strides[d]!)), num(g.padBefore[d]!));
    n = mul(n, sub(fmin(num(g.size[d]!), add(start, num(p))), fmax(num(0), start)));
  });
  return n;
}

interface Views {
  readonly g: Geometry;
  /** [batch, ...spatial, channel] views of the input-side and output-side buffers. */
  readonly inView: (name: string) => Buf;
  readonly outView: (name: string) => Buf;
}

function views(ctx: KernelContext): Views {
  const g = geometry(ctx.attrs, ctx.inShape);
  return {
    g,
    inView: (name) => new Buf(name, ["batch", ...g.size, g.channels]),
    outView: (name) => new Buf(name, ["batch", ...g.out, g.channels]),
  };
}

/**
 * Visits every output cell (b, o, c) and, inside, every window offset with
 * its input position and in-bounds test.
 */
function overWindows(
  g: Geometry,
  perOutput: (b: Expr, o: Expr[], c: Expr, window: (body: (pos: Expr[]) => Stmt[]) => Stmt[]) => Stmt[],
): Stmt[] {
  return [
    loop("b", BATCH, (b) =>
      nest("o", g.out, (o) => [
        loop("c", g.channels, (c) =>
          perOutput(b, o, c, (body) =>
            nest("k", g.pool, (k) => {
              const pos = o.map((od, d) => inputPos(g, d, od, k[d]!));
              return guarded(inBounds(g, pos), body(pos));
            }),
          ),
        ),
      ]),
    ),
  ];
}

function forward(mode: Mode, ctx: KernelContext): Stmt[] {
  const { g, inView, outView } = views(ctx);
  const x = inView(ctx.x.name);
  const y = outView(ctx.y.name);
  return overWindows(g, (b, o, c, window) => {
    if (mode === "max") {
      return [
        letVar("m", num(-Infinity)),
        ...window((pos) => {
          const v = x.at(b, ...pos, c);
          return [{ k: "if", test: cmp(">", v, ref("m")), then: [setVar("m", v)], else: [] }];
        }),
        y.store([b, ...o, c], ref("m")),
      ];
    }
    return [letVar("s", num(0)), ...window((pos) => [setVar("s", x.at(b, ...pos, c), true)]), y.store([b, ...o, c], div(ref("s"), windowCount(g, o)))];
  });
}

function backward(mode: Mode, ctx: KernelContext): Stmt[] {
  if (!ctx.needInputGrad) return [];
  const { g, inView, outView } = views(ctx);
  const x = inView(ctx.x.name);
  const dx = inView(ctx.dx.name);
  const dy = outView(ctx.dy.name);
  const perSample = prod(ctx.inShape);
  const dxFlat = new Buf(ctx.dx.name, ["batch", perSample]);
  /** Offset of an input cell within its sample. */
  const sampleIndex = new Buf("", [...g.size, g.channels]);
  const zero = loop("b", BATCH, (b) => [loop("i", perSample, (i) => [dxFlat.store([b, i], num(0))])]);
  const scatter = overWindows(g, (b, o, c, window) => {
    if (mode === "max") {
      return [
        letVar("m", num(-Infinity)),
        letVar("at", num(0)),
        ...window((pos) => {
          const v = x.at(b, ...pos, c);
          return [{ k: "if", test: cmp(">", v, ref("m")), then: [setVar("m", v), setVar("at", sampleIndex.index(...pos, c))], else: [] }];
        }),
        dxFlat.accumulate([b, ref("at")], dy.at(b, ...o, c)),
      ];
    }
    return [letVar("gs", div(dy.at(b, ...o, c), windowCount(g, o))), ...window((pos) => [dx.accumulate([b, ...pos, c], ref("gs"))])];
  });
  return [zero, ...scatter];
}

function poolArgs(rank: number, poolDefault: readonly number[] | undefined): ArgSpec[] {
  const pool: ArgSpec =
    poolDefault === undefined
      ? { name: "pool_size", type: { t: "ints", rank, min: 1 }, required: true, positional: true }
      : { name: "pool_size", type: { t: "ints", rank, min: 1 }, default: poolDefault, positional: true };
  return [
    pool,
    { name: "strides", type: { t: "nullable", inner: { t: "ints", rank, min: 1 } }, default: null, positional: true },
    { name: "padding", type: { t: "enum", values: ["valid", "same"] }, default: "valid", positional: true },
  ];
}

function poolLayer(kind: string, defaultName: string, rank: 1 | 2, mode: Mode, poolDefault: readonly number[] | undefined): LayerBody {
  return {
    kind,
    defaultName,
    args: poolArgs(rank, poolDefault),
    inputRank:
      rank === 1
        ? { min: 2, max: 2, describe: "2 (steps, channels)" }
        : { min: 3, max: 3, describe: "3 (height, width, channels)" },
    outputShape,
    params: () => [],
    forward: (ctx) => forward(mode, ctx),
    backward: (ctx) => backward(mode, ctx),
  };
}

/** Keras 3: MaxPooling1D(pool_size=2, strides=None, padding="valid"). */
export const maxPooling1d = described(poolLayer("MaxPooling1D", "max_pooling1d", 1, "max", [2]), "Maximum over windows of `pool_size` steps.");
/** Keras 3: MaxPooling2D(pool_size=(2, 2), strides=None, padding="valid"). */
export const maxPooling2d = described(poolLayer("MaxPooling2D", "max_pooling2d", 2, "max", [2, 2]), "Maximum over `pool_size` windows of height and width.");
/** Keras 3: AveragePooling1D(pool_size, strides=None, padding="valid"); pool_size has no default. */
export const averagePooling1d = described(poolLayer("AveragePooling1D", "average_pooling1d", 1, "avg", undefined), "Average over windows of `pool_size` steps.");
/** Keras 3: AveragePooling2D(pool_size, strides=None, padding="valid"); pool_size has no default. */
export const averagePooling2d = described(poolLayer("AveragePooling2D", "average_pooling2d", 2, "avg", undefined), "Average over `pool_size` windows of height and width.");
