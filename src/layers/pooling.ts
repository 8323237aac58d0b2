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
 * The math is the kernel form's window operations (src/kernel/window.ts:
 * max, avg and their gradients), which backends run as loops over (batch,
 * out positions, channel, window offsets) or as native kernels. Backward
 * recomputes the arg-max from the layer input (still held in the previous
 * layer's output buffer) instead of keeping a scratch buffer.
 */
import type { Stmt } from "../kernel/expr.js";
import { windowOp, type WindowAxis } from "../kernel/window.js";
import { ints } from "./common.js";
import { type LayerBody, described, type ArgSpec, type Attrs, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

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
    } else {
      out.push(Math.floor((L - p) / s) + 1);
      padBefore.push(0);
    }
  }
  return { size, out, pool, strides, padBefore, channels: input[rank]! };
}

function outputShape(attrs: Attrs, input: readonly number[]): ShapeResult {
  const g = geometry(attrs, input);
  const shape = [...g.out, g.channels];
  if (g.out.some((o) => o <= 0)) return { ok: false, code: "shape_nonpositive", holes: { shape: `(None, ${shape.join(", ")})` } };
  return { ok: true, shape };
}

/** The pooling windows over an input of shape [spatial…, channels] (dilation 1). */
function windowAxes(g: Geometry): WindowAxis[] {
  return g.size.map((L, d) => ({ L, out: g.out[d]!, k: g.pool[d]!, s: g.strides[d]!, d: 1, before: g.padBefore[d]! }));
}

function forward(mode: Mode, ctx: KernelContext): Stmt[] {
  const g = geometry(ctx.attrs, ctx.inShape);
  return [windowOp({ label: "pool", op: mode, axes: windowAxes(g), channels: g.channels, image: ctx.x.name, windows: ctx.y.name })];
}

/** Backward recomputes the arg-max from the layer input (still held in the previous layer's output buffer). */
function backward(mode: Mode, ctx: KernelContext): Stmt[] {
  if (!ctx.needInputGrad) return [];
  const g = geometry(ctx.attrs, ctx.inShape);
  const op = mode === "max" ? "max_grad" : "avg_grad";
  return [windowOp({ label: "pool_grad", op, axes: windowAxes(g), channels: g.channels, image: ctx.dx.name, windows: ctx.dy.name, source: ctx.x.name })];
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
