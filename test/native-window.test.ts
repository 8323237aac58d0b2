/**
 * Native window kernels (src/phases/3-emit/wasm-window.ts): for random
 * geometries (1 or 2 spatial axes, padding before and after, strides,
 * dilation, channel counts around the vector widths), element types and
 * batch sizes, the generated WebAssembly function computes what the
 * operation's own loop nest (src/kernel/window.ts) computes when the
 * interpreter runs it: bit for bit for copies, scatters, max and its
 * gradient (ties and NaN included: the first maximum wins, NaN never does),
 * and for averages in float32 within (taps + 3)·2⁻²⁴·Σ|x| (float64 ones exactly),
 * with or without a mask (0/1 per position: a masked average; NaN where a
 * window has nothing unmasked, on both sides).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BATCH, mul, num } from "../src/kernel/expr.js";
import { windowOp, type Window, type WindowAxis, type WindowOpName } from "../src/kernel/window.js";
import { compileKernel } from "../src/interpreter/exec.js";
import { kernelModule, type ElemType } from "../src/phases/3-emit/wasm.js";
import { windowBody } from "../src/phases/3-emit/wasm-window.js";
import { Rng } from "../src/runtime/random.js";
import { host } from "./helpers/wasm-api.js";

const WebAssembly = host.WebAssembly!;

interface AxisCase {
  readonly L: number;
  readonly k: number;
  readonly s: number;
  readonly d: number;
  readonly before: number;
  readonly after: number;
}

interface Case {
  readonly op: WindowOpName;
  readonly axes: readonly AxisCase[];
  readonly channels: number;
  readonly batch: number;
  /** Samples per batch element (TimeDistributed scales the batch). */
  readonly per: number;
  readonly types: { readonly image: ElemType; readonly windows: ElemType; readonly source: ElemType; readonly weights: ElemType };
  /** Depthwise operations: the depth multiplier and whether the forward has a bias. */
  readonly dm: number;
  readonly bias: boolean;
  /** The depthwise forward's fused relu: none, into the windows (in place), or into a buffer beside them. */
  readonly relu: "none" | "inplace" | "beside";
  /** Draw values from a few integers (ties), with some NaN and −∞. */
  readonly ties: boolean;
  /** Averages: weigh positions by a 0/1 mask (in the source's slot and type). */
  readonly masked: boolean;
  readonly seed: number;
}

const axisArb = fc.record({
  L: fc.integer({ min: 1, max: 8 }),
  k: fc.integer({ min: 1, max: 3 }),
  s: fc.integer({ min: 1, max: 3 }),
  d: fc.integer({ min: 1, max: 2 }),
  before: fc.integer({ min: 0, max: 2 }),
  after: fc.integer({ min: 0, max: 2 }),
});
const typeArb = fc.constantFrom("f32" as const, "f64" as const);
const caseArb: fc.Arbitrary<Case> = fc.record({
  op: fc.constantFrom(
    "gather" as const,
    "scatter" as const,
    "max" as const,
    "avg" as const,
    "max_grad" as const,
    "avg_grad" as const,
    "depthwise" as const,
    "depthwise_kernel_grad" as const,
    "depthwise_input_grad" as const,
  ),
  axes: fc.array(axisArb, { minLength: 1, maxLength: 2 }),
  channels: fc.integer({ min: 1, max: 11 }),
  batch: fc.integer({ min: 1, max: 3 }),
  per: fc.constantFrom(1, 2),
  types: fc.record({ image: typeArb, windows: typeArb, source: typeArb, weights: typeArb }),
  dm: fc.integer({ min: 1, max: 3 }),
  bias: fc.boolean(),
  relu: fc.constantFrom("none" as const, "inplace" as const, "beside" as const),
  ties: fc.boolean(),
  masked: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/** The case's geometry: padding below k_eff (so every window has a tap inside), dilation 1 for averages. */
function geometry(c: Case): WindowAxis[] | null {
  const axes = c.axes.map((a) => {
    const d = c.op === "avg" || c.op === "avg_grad" ? 1 : a.d;
    const kEff = d * (a.k - 1) + 1;
    const before = Math.min(a.before, kEff - 1);
    const after = Math.min(a.after, kEff - 1);
    const out = Math.floor((a.L + before + after - kEff) / a.s) + 1;
    return { L: a.L, k: a.k, s: a.s, d, before, out };
  });
  return axes.every((a) => a.out >= 1) ? axes : null;
}

const U32 = 2 ** -24;

/** Runs one operation both ways on the same random memory; returns the worst error (0 = bit for bit), relative to the float32 bound for float32 averages. */
function runCase(c: Case): number {
  const axes = geometry(c);
  if (axes === null) return 0;
  const C = c.channels;
  const samples = c.batch * c.per;
  const depthwise = c.op.startsWith("depthwise");
  const pool = !(c.op === "gather" || c.op === "scatter");
  const taps = axes.reduce((n, a) => n * a.k, 1);
  const imageSize = samples * axes.reduce((n, a) => n * a.L, 1) * C;
  const windowsSize = samples * axes.reduce((n, a) => n * a.out * (pool ? 1 : a.k), 1) * C * (depthwise ? c.dm : 1);
  // the kernel and bias sit at an element offset inside their arrays, as parameters do
  const bases = { weights: 3, bias: 2 };
  const weightsSize = bases.weights + taps * C * c.dm;
  const biasSize = bases.bias + C * c.dm;
  const bias = depthwise && c.op === "depthwise" && c.bias;
  const relu = c.op === "depthwise" ? c.relu : "none";
  const masked = c.masked && (c.op === "avg" || c.op === "avg_grad");
  const spec: Window = {
    kind: "window",
    label: "w",
    op: c.op,
    batch: c.per === 1 ? BATCH : mul(BATCH, num(c.per)),
    axes,
    channels: C,
    image: "I",
    windows: "W",
    ...(c.op === "max_grad" ? { source: "S" } : {}),
    ...(masked ? { mask: "S" } : {}),
    ...(depthwise ? { weights: "K", multiplier: c.dm } : {}),
    ...(bias ? { bias: "B" } : {}),
    ...(relu !== "none" ? { relu: relu === "inplace" ? "W" : "R" } : {}),
  };
  const types = {
    image: c.types.image,
    windows: c.types.windows,
    ...(c.op === "max_grad" ? { source: c.types.source } : {}),
    ...(masked ? { mask: c.types.source } : {}),
    ...(depthwise ? { weights: c.types.weights } : {}),
    ...(bias ? { bias: c.types.source } : {}),
    ...(relu !== "none" ? { relu: c.types.windows } : {}),
  };
  const bytes = kernelModule([{ name: "w", body: () => windowBody({ name: "w", spec, types, bases }) }]);
  expect(WebAssembly.validate(bytes)).toBe(true);
  const pages = Math.ceil((8 * (2 * imageSize + 2 * windowsSize + weightsSize + biasSize) + 6 * 64) / 65536) + 1;
  const memory = new WebAssembly.Memory({ initial: pages });
  const kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports["w"] as (n: number, a: number, b: number, c: number, d: number, e: number) => void;
  const view = (t: ElemType, at: number, size: number) => (t === "f64" ? new Float64Array(memory.buffer, at, size) : new Float32Array(memory.buffer, at, size));
  // operands at unaligned-to-16 offsets, as activations inside a shared store can be
  const I = view(c.types.image, 8, imageSize);
  const W = view(c.types.windows, 8 + 8 * imageSize + 24, windowsSize);
  const S = view(c.types.source, 8 + 8 * (imageSize + windowsSize) + 56, imageSize);
  const K = view(c.types.weights, 8 + 8 * (2 * imageSize + windowsSize) + 64, weightsSize);
  const B = view(c.types.source, 8 + 8 * (2 * imageSize + windowsSize + weightsSize) + 96, biasSize);
  const R = view(c.types.windows, 8 + 8 * (2 * imageSize + windowsSize + weightsSize + biasSize) + 128, windowsSize);
  const rng = new Rng(c.seed);
  const draw = () => {
    if (!c.ties) return rng.uniform() * 2 - 1;
    const r = rng.uniform();
    return r < 0.05 ? NaN : r < 0.1 ? -Infinity : Math.floor(r * 4) - 2;
  };
  for (const arr of [I, W, S, K, B, R]) for (let i = 0; i < arr.length; i++) arr[i] = depthwise && c.ties ? Math.floor(rng.uniform() * 5) - 2 : draw();
  if (masked) for (let i = 0; i < S.length; i++) S[i] = rng.uniform() < 0.3 ? 0 : 1;

  const arrays: (Float32Array | Float64Array)[] = [I.slice(), W.slice(), S.slice(), K.slice(), B.slice(), R.slice()];
  const slot = { I: 0, W: 1, S: 2, K: 3, B: 4, R: 5 } as const;
  const stmt = windowOp({ ...spec });
  const base = (buf: string) => (buf === "K" ? bases.weights : buf === "B" ? bases.bias : 0);
  const run = compileKernel([stmt], (buf) => ({ slot: slot[buf as keyof typeof slot], base: base(buf) }));
  run({ arrays, batch: c.batch });
  kernel(c.batch, I.byteOffset, W.byteOffset, depthwise ? K.byteOffset : S.byteOffset, B.byteOffset, relu === "inplace" ? W.byteOffset : R.byteOffset);
  if (relu === "beside") {
    // beside the windows (compared below), the relu buffer holds exactly relu of what the kernel stored there
    for (let i = 0; i < R.length; i++) if (!Object.is(R[i], W[i]! > 0 ? W[i] : 0)) return 1e300;
  }

  const written = c.op === "depthwise_kernel_grad" ? 3 : c.op === "gather" || c.op === "max" || c.op === "avg" || c.op === "depthwise" ? 1 : 0;
  const got = [I, W, S, K][written]!;
  const want = arrays[written]!;
  const f32avg = (c.op === "avg" || c.op === "avg_grad") && c.types.image === "f32" && c.types.windows === "f32";
  if (depthwise) {
    // products: within (terms + 3)·u·Σ|terms| of the float64 loops; u of float32 when an operand is stored in float32 (rounded on every store)
    const f32 = [c.types.image, c.types.windows, c.types.weights, ...(bias ? [c.types.source] : [])].some((t) => t === "f32");
    const abs = [I, W, S, K, B, R].map((arr) => arr.map(Math.abs));
    run({ arrays: abs, batch: c.batch });
    const terms = taps * c.dm * samples * axes.reduce((n, a) => n * a.out, 1) + 1;
    let worst = 0;
    for (let i = 0; i < got.length; i++) {
      if (Object.is(got[i], want[i])) continue;
      worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / ((terms + 3) * (f32 ? U32 : 2 ** -53) * abs[written]![i]! + 1e-300));
    }
    return worst;
  }
  if (!f32avg) {
    let bad = 0;
    for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) bad = Math.max(bad, Math.abs(got[i]! - want[i]!) || 1);
    return bad;
  }
  const abs = [I, W, S, K, B, R].map((arr) => arr.map(Math.abs));
  run({ arrays: abs, batch: c.batch });
  const bound = abs[written]!;
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    if (Object.is(got[i], want[i])) continue;
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / ((taps + 3) * U32 * bound[i]! + 1e-300));
  }
  return worst;
}

describe("native window kernels", () => {
  it("compute what the operation's loop nest computes, for random geometries, types and batch sizes", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const limit = c.op.startsWith("depthwise") || ((c.op === "avg" || c.op === "avg_grad") && c.types.image === "f32" && c.types.windows === "f32") ? 1 : 0;
        expect(runCase(c)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 400, seed: 20261130 },
    );
  });

  it("cover long channel runs (a vector loop), every op and type mix, depth multipliers 1–4", () => {
    const ops = ["gather", "scatter", "max", "avg", "max_grad", "avg_grad", "depthwise", "depthwise_kernel_grad", "depthwise_input_grad"] as const;
    for (const op of ops) {
      for (const channels of [1, 3, 4, 17, 40, 64]) {
        for (const image of ["f32", "f64"] as const) {
          const dm = 1 + (channels % 4);
          const c: Case = {
            op,
            axes: [
              { L: 5, k: 3, s: 2, d: 1, before: 1, after: 1 },
              { L: 4, k: 2, s: 1, d: 1, before: 0, after: 1 },
            ],
            channels,
            batch: 2,
            per: 1,
            types: { image, windows: image === "f32" ? "f32" : "f64", source: image, weights: "f32" },
            dm,
            bias: channels % 3 !== 0,
            relu: (["none", "inplace", "beside"] as const)[channels % 3]!,
            ties: channels % 2 === 1,
            masked: channels % 4 !== 3,
            seed: channels * 13 + op.length,
          };
          const bounded = op.startsWith("depthwise") || ((op === "avg" || op === "avg_grad") && image === "f32");
          expect(runCase(c), `${op} ${channels} ${image}`).toBeLessThanOrEqual(bounded ? 1 : 0);
        }
      }
    }
  });
});
