/**
 * GlobalAveragePooling1D/2D and GlobalMaxPooling1D/2D: reduce (steps,
 * channels) or (height, width, channels) to (channels,) — or (1, channels)
 * / (1, 1, channels) with keepdims=True, which has the same memory layout.
 * Kernels view the input as [batch, positions, channels]. Max backward sends each gradient to the FIRST maximum in
 * row-major order (the tfjs/TF convention, reference §2.3); backward finds
 * it again from the input with a strict `>`, so forward keeps nothing. The
 * maximum and the average (masked or not) are window operations over one
 * window of every position (native where the model has native kernels).
 */
import { Buf, letVar, loop, setVar } from "../kernel/buffer.js";
import { BATCH, div, mul, num, ref, type Expr, type Stmt } from "../kernel/expr.js";
import { bool } from "./common.js";
import { windowOp } from "../kernel/window.js";
import { type LayerBody, described, prod, type ArgSpec, type KernelContext, type LayerDef } from "./types.js";

const args: readonly ArgSpec[] = [
  { name: "data_format", type: { t: "nullable", inner: { t: "enum", values: ["channels_last"] } }, default: null },
  { name: "keepdims", type: { t: "bool" }, default: false },
];

function views(ctx: KernelContext) {
  const c = ctx.inShape[ctx.inShape.length - 1]!;
  const positions = prod(ctx.inShape) / c;
  return {
    positions,
    c,
    x: new Buf(ctx.x.name, ["batch", positions, c]),
    dx: new Buf(ctx.dx.name, ["batch", positions, c]),
    y: new Buf(ctx.y.name, ["batch", c]),
    dy: new Buf(ctx.dy.name, ["batch", c]),
  };
}

const RANKS = {
  1: { min: 2, max: 2, describe: "2 (steps, channels)" },
  2: { min: 3, max: 3, describe: "3 (height, width, channels)" },
} as const;

function globalPooling(kind: string, defaultName: string, forward: LayerDef["forward"], backward: LayerDef["backward"], rank: 1 | 2 = 2, masking?: LayerDef["masking"]): LayerBody {
  return {
    kind,
    defaultName,
    ...(masking ? { masking } : {}),
    args,
    inputRank: RANKS[rank],
    outputShape: (attrs, input) => {
      const c = input[input.length - 1]!;
      return { ok: true, shape: bool(attrs, "keepdims") ? [...input.slice(0, -1).map(() => 1), c] : [c] };
    },
    params: () => [],
    forward,
    backward: (ctx) => (ctx.needInputGrad ? backward(ctx) : []),
  };
}

/**
 * With a mask (GlobalAveragePooling1D, Keras 3): the mean over unmasked steps,
 * Σ x·m / Σ m (NaN when every step is masked, as in Keras). `count` binds it.
 */
function maskedCount(ctx: KernelContext, positions: number, b: Expr): { bind: Stmt[]; count: Expr; weight: (p: Expr) => Expr | null } {
  if (!ctx.mask) return { bind: [], count: num(positions), weight: () => null };
  const mask = new Buf(ctx.mask.name, ["batch", positions]);
  return {
    bind: [letVar("count", num(0)), loop("pos", positions, (p) => [setVar("count", mask.at(b, p), true)])],
    count: ref("count"),
    weight: (p) => mask.at(b, p),
  };
}

/**
 * The average is one window over every position, weighted by the mask when
 * there is one: a window operation (src/kernel/window.ts), native where the
 * model has native kernels, with these loops as its lowering (they sum a
 * sample's mask once for all channels; the window's own nest would per channel).
 */
function averageWindow(ctx: KernelContext, op: "avg" | "avg_grad", loops: Stmt[]): Stmt[] {
  const { positions, c } = views(ctx);
  const [image, windows] = op === "avg" ? [ctx.x.name, ctx.y.name] : [ctx.dx.name, ctx.dy.name];
  const axes = [{ L: positions, out: 1, k: positions, s: 1, d: 1, before: 0 }];
  const mask = ctx.mask ? { mask: ctx.mask.name } : {};
  return [windowOp({ label: op === "avg" ? "pool" : "pool_grad", op, axes, channels: c, image, windows, ...mask }, { lowered: loops, prologue: [], epilogue: [] })];
}

const averageForward = (ctx: KernelContext): Stmt[] => {
  const { positions, c, x, y } = views(ctx);
  return averageWindow(ctx, "avg", [
    loop("b", BATCH, (b) => {
      const m = maskedCount(ctx, positions, b);
      const term = (p: Expr, ch: Expr) => (m.weight(p) ? mul(x.at(b, p, ch), m.weight(p)!) : x.at(b, p, ch));
      return [
        ...m.bind,
        loop("c", c, (ch) => [letVar("sum", num(0)), loop("pos", positions, (p) => [setVar("sum", term(p, ch), true)]), y.store([b, ch], div(ref("sum"), m.count))]),
      ];
    }),
  ]);
};

const averageBackward = (ctx: KernelContext): Stmt[] => {
  const { positions, c, dx, dy } = views(ctx);
  return averageWindow(ctx, "avg_grad", [
    loop("b", BATCH, (b) => {
      const m = maskedCount(ctx, positions, b);
      return [
        ...m.bind,
        loop("c", c, (ch) => [
          letVar("share", div(dy.at(b, ch), m.count)),
          loop("pos", positions, (p) => [dx.store([b, p, ch], m.weight(p) ? mul(ref("share"), m.weight(p)!) : ref("share"))]),
        ]),
      ];
    }),
  ]);
};

/**
 * The maximum is one max window over every position, and its gradient the
 * window's max_grad (src/kernel/window.ts: native where the model has native
 * kernels, the window's loops elsewhere): the FIRST maximum in position
 * order takes the gradient, and NaN is ignored (−∞ start, strict `>`), as in
 * MaxPooling; every value the same as Keras for finite inputs (Keras
 * propagates a NaN, which no training step here accepts as input).
 */
const wholeWindow = (positions: number) => [{ L: positions, out: 1, k: positions, s: 1, d: 1, before: 0 }];

const maxForward = (ctx: KernelContext): Stmt[] => {
  const { positions, c } = views(ctx);
  return [windowOp({ label: "pool", op: "max", axes: wholeWindow(positions), channels: c, image: ctx.x.name, windows: ctx.y.name })];
};

const maxBackward = (ctx: KernelContext): Stmt[] => {
  const { positions, c } = views(ctx);
  return [windowOp({ label: "pool_grad", op: "max_grad", axes: wholeWindow(positions), channels: c, image: ctx.dx.name, windows: ctx.dy.name, source: ctx.x.name })];
};

// Keras 3: GlobalAveragePooling1D averages over the unmasked steps and drops the mask
export const globalAveragePooling1d = described(
  globalPooling("GlobalAveragePooling1D", "global_average_pooling1d", averageForward, averageBackward, 1, { reads: true, keeps: () => false }),
  "Averages over the steps axis (the unmasked steps, given a mask), leaving one value per channel.",
);
export const globalMaxPooling1d = described(globalPooling("GlobalMaxPooling1D", "global_max_pooling1d", maxForward, maxBackward, 1), "Maximum over the steps axis, leaving one value per channel.");
export const globalAveragePooling2d = described(globalPooling("GlobalAveragePooling2D", "global_average_pooling2d", averageForward, averageBackward), "Averages over height and width, leaving one value per channel.");
export const globalMaxPooling2d = described(globalPooling("GlobalMaxPooling2D", "global_max_pooling2d", maxForward, maxBackward), "Maximum over height and width, leaving one value per channel.");
