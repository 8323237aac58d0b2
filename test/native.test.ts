/**
 * Native (WebAssembly SIMD) kernels for large matrix products.
 *
 * - Kernel level: for random products (extents, strides, offsets, f32/f64
 *   operands, overwrite or accumulate, batch-dependent extents), the
 *   generated WebAssembly function computes what the kernel's own loop nest
 *   computes when the interpreter runs it.
 * - Model level: models whose Dense layers run natively agree with the
 *   interpreter and with their own TypeScript fallback (`wasm: false`) on
 *   predictions, exact gradients, optimizer steps and fit; buffers survive
 *   growing and shrinking batches; setWeights/getWeights see the native memory.
 * - Fallback: no WebAssembly, or a module that does not validate, means the
 *   TypeScript loops run and nothing else changes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BATCH, mul, num } from "../src/kernel/expr.js";
import { gemm, type Gemm, type LoopOrder } from "../src/kernel/gemm.js";
import { compileKernel } from "../src/interpreter/exec.js";
import { gemmModule, rowSplittable, type ElemType } from "../src/phases/3-emit/wasm.js";
import { decodeBase64, nativeModule } from "../src/runtime/native.js";
import { Rng } from "../src/runtime/random.js";
import { compile } from "../src/index.js";
import { flat, generated, interpreted, maxRelError, randomArray, randomTargets, type ModelClass } from "./helpers/models.js";
import { expectSameGradients } from "./helpers/gradients.js";
import { host } from "./helpers/wasm-api.js";

const WebAssembly = host.WebAssembly!;

interface Case {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Which extent (if any) is a multiple of the batch size. */
  readonly batched: "m" | "k" | "none";
  readonly batch: number;
  readonly ta: ElemType;
  readonly tb: ElemType;
  readonly aT: boolean;
  readonly bT: boolean;
  readonly order: LoopOrder;
  readonly accumulate: boolean;
  readonly seed: number;
  /** Outer dimensions (implicit-GEMM form): size, batch-dependent, A and C strides. */
  readonly outer: readonly { size: number; batch: boolean; a: number; c: number }[];
  /** Constant extra reduction dimensions: size, A and B strides. */
  readonly taps: readonly { size: number; a: number; b: number }[];
  /** Arithmetic of the kernel: f64x2, or f32x4 with operands rounded to float32 on load. */
  readonly precision: ElemType;
  /** C's element type: float32 (a float32 model's activations and their gradients) only under f32 arithmetic. */
  readonly tc?: ElemType;
  /** Parts the call is also split into (rows of C, as the thread pool splits it), which must give the same bits (default 3). */
  readonly parts?: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  m: fc.integer({ min: 1, max: 11 }),
  n: fc.integer({ min: 1, max: 13 }),
  k: fc.integer({ min: 1, max: 9 }),
  batched: fc.constantFrom("m" as const, "k" as const, "none" as const),
  batch: fc.integer({ min: 1, max: 6 }),
  ta: fc.constantFrom("f32" as const, "f64" as const),
  tb: fc.constantFrom("f32" as const, "f64" as const),
  aT: fc.boolean(),
  bT: fc.boolean(),
  order: fc.constantFrom("kij" as const, "ikj" as const, "ijk" as const),
  accumulate: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  outer: fc.array(fc.record({ size: fc.integer({ min: 1, max: 3 }), batch: fc.boolean(), a: fc.integer({ min: 0, max: 40 }), c: fc.integer({ min: 0, max: 200 }) }), { maxLength: 2 }),
  taps: fc.array(fc.record({ size: fc.integer({ min: 1, max: 3 }), a: fc.integer({ min: 0, max: 9 }), b: fc.integer({ min: 0, max: 30 }) }), { maxLength: 2 }),
  precision: fc.constantFrom("f32" as const, "f64" as const),
  tc: fc.constantFrom("f32" as const, "f64" as const),
  parts: fc.integer({ min: 2, max: 5 }),
}).map((c) => (c.precision === "f64" ? { ...c, tc: "f64" as const } : c));

/** Unit roundoff of float32. */
const U32 = 2 ** -24;

/**
 * Runs one product both ways on the same random memory. Returns the largest
 * difference in C for a float64 kernel; for a float32 kernel, the largest
 * ratio of the difference to the float32 error bound of a length-L
 * reduction, (L + 3)·u·(|C₀| + Σ|a·b|) with L = k × taps (one rounding per
 * add, plus rounding each float64 operand and C₀ to float32 on load; one
 * more for storing into a float32 C), so a result ≤ 1 is within the bound.
 * The reference runs on float64 copies, so it rounds nothing.
 */
let splitChecked = 0;

function runCase(c: Case): number {
  const M = c.m * (c.batched === "m" ? c.batch : 1);
  const K = c.k * (c.batched === "k" ? c.batch : 1);
  const N = c.n;
  const offsets = { a: 3, b: 1, c: 2 };
  // parameters-like bases: A and B sit at an element offset inside their arrays
  const bases = { a: 5, b: 0, c: 4 };
  const outerSize = (o: Case["outer"][number]) => o.size * (o.batch ? c.batch : 1);
  const spec: Gemm = {
    label: "p",
    outer: c.outer.map((o, d) => ({ name: `u${d}`, size: o.batch ? mul(BATCH, num(o.size)) : num(o.size), a: o.a, c: o.c })),
    taps: c.taps.map((t, d) => ({ name: `t${d}`, size: t.size, a: t.a, b: t.b })),
    m: c.batched === "m" ? mul(BATCH, num(c.m)) : num(c.m),
    n: num(N),
    k: c.batched === "k" ? mul(BATCH, num(c.k)) : num(c.k),
    a: { buf: "A", offset: offsets.a, rows: c.aT ? 1 : K, cols: c.aT ? M : 1 },
    b: { buf: "B", offset: offsets.b, rows: c.bT ? 1 : N, cols: c.bT ? K : 1 },
    c: { buf: "C", offset: offsets.c, rows: N, cols: 1 },
    accumulate: c.accumulate,
  };
  const tc = c.tc ?? "f64";
  const bytes = gemmModule([{ name: "p", spec, types: { a: c.ta, b: c.tb, c: tc }, bases, precision: c.precision }]);
  expect(WebAssembly.validate(bytes)).toBe(true);
  const memory = new WebAssembly.Memory({ initial: 4 });
  const kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports["p"] as (n: number, a: number, b: number, c: number, bias?: number, out?: number, part?: number, parts?: number) => void;
  const outerA = c.outer.reduce((s, o) => s + (outerSize(o) - 1) * o.a, 0);
  const outerC = c.outer.reduce((s, o) => s + (outerSize(o) - 1) * o.c, 0);
  const tapA = c.taps.reduce((s, t) => s + (t.size - 1) * t.a, 0);
  const tapB = c.taps.reduce((s, t) => s + (t.size - 1) * t.b, 0);
  const sizeA = bases.a + offsets.a + M * K + outerA + tapA + 1;
  const sizeB = bases.b + offsets.b + N * K + tapB + 1;
  const sizeC = bases.c + offsets.c + M * N + outerC + 1;
  const view = (t: ElemType, at: number, size: number) => (t === "f64" ? new Float64Array(memory.buffer, at, size) : new Float32Array(memory.buffer, at, size));
  const A = view(c.ta, 0, sizeA);
  const B = view(c.tb, 65536, sizeB);
  const C = view(tc, 131072, sizeC);
  const rng = new Rng(c.seed);
  for (const arr of [A, B, C]) for (let i = 0; i < arr.length; i++) arr[i] = rng.uniform() * 2 - 1;

  // the reference: the product's own loop nest, run by the interpreter on copies (C's in float64)
  const arrays: (Float32Array | Float64Array)[] = [A.slice(), B.slice(), Float64Array.from(C)];
  const slot = { A: 0, B: 1, C: 2 } as const;
  const run = compileKernel([gemm(spec, c.order)], (buf) => ({ slot: slot[buf as keyof typeof slot], base: bases[buf.toLowerCase() as "a" | "b" | "c"] }));
  run({ arrays, batch: c.batch });

  // a splittable call split into parts (in any order) computes exactly the bits of the whole call (threads.ts relies on it)
  const c0 = C.slice();
  const parts = c.parts ?? 3;
  for (let p = parts - 1; p >= 0; p--) kernel(c.batch, A.byteOffset, B.byteOffset, C.byteOffset, 0, 0, p, parts);
  const split = C.slice();
  C.set(c0);
  kernel(c.batch, A.byteOffset, B.byteOffset, C.byteOffset);
  if (rowSplittable(spec)) {
    splitChecked++;
    expect(split).toEqual(C);
  }
  if (c.precision === "f64") return maxRelError(C, arrays[2]!)[0];
  // the same nest on absolute values gives |C₀| + Σ|a·b| per element
  const abs = [A, B, Float64Array.from(C)].map((arr) => arr.map(Math.abs));
  run({ arrays: abs, batch: c.batch });
  const length = K * c.taps.reduce((s, t) => s * t.size, 1);
  let worst = 0;
  for (let i = 0; i < C.length; i++) {
    const bound = (length + (tc === "f32" ? 4 : 3)) * U32 * abs[2]![i]! + 1e-300;
    worst = Math.max(worst, Math.abs(C[i]! - arrays[2]![i]!) / bound);
  }
  return worst;
}

/** Arithmetic and C's element type: f64 into float64, f32 into float64 (parameter gradients) or float32 (activations). */
const PAIRS = [
  ["f64", "f64"],
  ["f32", "f64"],
  ["f32", "f32"],
] as const;

/** The largest error a case may have: float64 kernels match to 1e-12; float32 ones stay within their bound. */
const limit = (c: Case) => (c.precision === "f64" ? 1e-12 : 1);

describe("native matrix-product kernels", () => {
  it("compute what the kernel's loop nest computes, for random extents, strides, types and batch sizes", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        expect(runCase(c)).toBeLessThan(limit(c));
      }),
      { numRuns: 300, seed: 20261129 },
    );
    // most cases have no overlapping outer blocks, so the split check ran on them
    expect(splitChecked).toBeGreaterThan(150);
  });

  it("cover the register block edges: full blocks, a one-vector and a 1-column tail, leftover rows", () => {
    for (const [m, n] of [
      [4, 4],
      [5, 6],
      [7, 7],
      [8, 9],
      [3, 2],
      [1, 1],
      [4, 8],
      [6, 13],
      [9, 20],
    ] as const) {
      for (const aT of [false, true]) {
        for (const [precision, tc] of PAIRS) {
          const c: Case = { m, n, k: 5, batched: "none", batch: 1, ta: "f32", tb: "f64", aT, bT: false, order: "kij", accumulate: true, seed: m * 31 + n, outer: [], taps: [], precision, tc };
          expect(runCase(c)).toBeLessThan(limit(c));
        }
      }
      // long accumulating reductions run in chunks of 128 steps (one partial chunk here)
      for (const [k, batched] of [
        [300, "none"],
        [70, "k"],
      ] as const) {
        for (const [precision, tc] of PAIRS) {
          const c: Case = { m, n, k, batched, batch: 3, ta: "f64", tb: "f32", aT: true, bT: false, order: "ikj", accumulate: true, seed: m + n + k, outer: [], taps: [], precision, tc };
          expect(runCase(c)).toBeLessThan(limit(c));
        }
      }
      // the dot form (transposed B): vector steps along k, a scalar k remainder, an odd column
      for (const k of [1, 3, 4, 9, 16]) {
        for (const [precision, tc] of PAIRS) {
          for (const accumulate of [false, true]) {
            const c: Case = { m, n, k, batched: "m", batch: 2, ta: "f64", tb: "f32", aT: false, bT: true, order: "ijk", accumulate, seed: m * 7 + n * 3 + k, outer: [], taps: [], precision, tc };
            expect(runCase(c)).toBeLessThan(limit(c));
          }
        }
      }
    }
  });
});

describe("native kernels with a fused epilogue (bias, relu, per-column affine)", () => {
  it("start C at the bias row, store relu(C) in place or beside C, and map the final value by v·scale + shift, in both precisions", () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 9 }),
          n: fc.integer({ min: 1, max: 19 }),
          k: fc.integer({ min: 1, max: 7 }),
          batch: fc.integer({ min: 1, max: 3 }),
          bias: fc.boolean(),
          affine: fc.boolean(),
          reluLast: fc.boolean(),
          relu: fc.constantFrom("none" as const, "inPlace" as const, "beside" as const),
          tb: fc.constantFrom("f32" as const, "f64" as const),
          precision: fc.constantFrom("f32" as const, "f64" as const),
          tc: fc.constantFrom("f32" as const, "f64" as const),
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        }),
        (drawn) => {
          // a float32 C (and relu output) only under f32 arithmetic, as the emitter pairs them
          // an affine epilogue reads its scale and shift after the bias row (a folded BatchNormalization always has one)
          const d = drawn.affine ? { ...drawn, bias: true } : drawn;
          const c = d.precision === "f64" ? { ...d, tc: "f64" as const } : d;
          const M = c.m * c.batch;
          const spec: Gemm = {
            label: "p",
            m: mul(BATCH, num(c.m)),
            n: num(c.n),
            k: num(c.k),
            a: { buf: "A", offset: 1, rows: c.k, cols: 1 },
            b: { buf: "B", offset: 2, rows: c.n, cols: 1 },
            c: { buf: "C", offset: 0, rows: c.n, cols: 1 },
            accumulate: false,
            ...(c.bias ? { bias: { buf: "W", offset: 3 } } : {}),
            ...(c.relu === "none" ? {} : { relu: { buf: c.relu === "inPlace" ? "C" : "Y" } }),
            ...(c.affine ? { affine: true } : {}),
            ...(c.affine && c.reluLast ? { reluLast: true } : {}),
          };
          const bytes = gemmModule([{ name: "p", spec, types: { a: c.tc, b: c.tb, c: c.tc, bias: c.tb }, bases: { a: 0, b: 0, c: 0, bias: 2 }, precision: c.precision }]);
          expect(WebAssembly.validate(bytes)).toBe(true);
          const memory = new WebAssembly.Memory({ initial: 4 });
          const kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports["p"] as (...args: number[]) => void;
          const view = (t: ElemType, at: number, size: number) => (t === "f64" ? new Float64Array(memory.buffer, at, size) : new Float32Array(memory.buffer, at, size));
          const A = view(c.tc, 0, 1 + M * c.k);
          const B = view(c.tb, 65536, 2 + c.k * c.n);
          const W = view(c.tb, 98304, 5 + 3 * c.n);
          const C = view(c.tc, 131072, M * c.n);
          const Y = view(c.tc, 196608, M * c.n);
          const rng = new Rng(c.seed);
          for (const arr of [A, B, W, C, Y]) for (let i = 0; i < arr.length; i++) arr[i] = rng.uniform() * 2 - 1;
          const before = { C: C.slice(), Y: Y.slice() };
          const z = new Float64Array(M * c.n);
          const bound = new Float64Array(M * c.n);
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < c.n; j++) {
              let s = c.bias ? W[5 + j]! : 0;
              let abs = Math.abs(s);
              for (let q = 0; q < c.k; q++) {
                s += A[1 + i * c.k + q]! * B[2 + q * c.n + j]!;
                abs += Math.abs(A[1 + i * c.k + q]! * B[2 + q * c.n + j]!);
              }
              z[i * c.n + j] = s;
              bound[i * c.n + j] = c.precision === "f64" ? 1e-12 * Math.max(1, abs) : (c.k + (c.tc === "f32" ? 4 : 3)) * U32 * abs + 1e-300;
            }
          }
          kernel(c.batch, A.byteOffset, B.byteOffset, C.byteOffset, c.bias ? W.byteOffset : 0, c.relu === "beside" ? Y.byteOffset : 0);
          const relu = (v: number) => (v > 0 ? v : 0);
          // the final value mapped by column j's scale and shift; its bound grows by |scale| and two more roundings
          const mapped = (v: number, i: number, b: number): [number, number] => {
            if (!c.affine) return [v, b];
            const j = i % c.n;
            const [scale, shift] = [W[5 + c.n + j]!, W[5 + 2 * c.n + j]!];
            const u = c.precision === "f64" ? 1e-12 : 2 * U32;
            return [v * scale + shift, b * Math.abs(scale) + u * (Math.abs(v * scale) + Math.abs(shift))];
          };
          // relu then the map, or (reluLast) the map then relu
          const last = c.affine && c.reluLast;
          const finalOf = (i: number): [number, number] => {
            if (!last) return mapped(relu(z[i]!), i, bound[i]!);
            const [v, b] = mapped(z[i]!, i, bound[i]!);
            return [relu(v), b];
          };
          for (let i = 0; i < M * c.n; i++) {
            const [zc, bc] = c.relu === "beside" ? [z[i]!, bound[i]!] : c.relu === "inPlace" ? finalOf(i) : mapped(z[i]!, i, bound[i]!);
            expect(Math.abs(C[i]! - zc)).toBeLessThanOrEqual(bc);
            if (c.relu === "beside") {
              const [yv, yb] = finalOf(i);
              expect(Math.abs(Y[i]! - yv)).toBeLessThanOrEqual(yb);
            } else expect(Y[i]).toBe(before.Y[i]);
          }
        },
      ),
      { numRuns: 150, seed: 20261130 },
    );
  });
});

/** Specs whose large products run natively: rank-3 inputs (several rows per sample), no-bias layers, float64. */
const NATIVE_SPECS: Record<string, string> = {
  conv2d: `model N(seed=6) {
  Input(shape=(11, 10, 3))
  Conv2D(6, (3, 2), strides=(2, 1), activation='relu')
  Conv2D(5, 2, dilation_rate=(2, 1), activation='softmax', use_bias=False)
  Flatten()
  Dense(40, activation='selu')
  Dense(4, activation='softmax')
  compile(optimizer=SGD(learning_rate=0.05), loss='categorical_crossentropy')
}
`,
  conv1d: `model N(seed=2) {
  Input(shape=(30, 4))
  Conv1D(7, 5, activation='tanh')
  Conv1D(6, 3, strides=2, padding='same')
  Flatten()
  Dense(36, activation='relu')
  Dense(3)
  compile(optimizer='adam', loss='mse')
}
`,
  conv2dSame: `model N(seed=7) {
  Input(shape=(12, 10, 2))
  Conv2D(8, 3, padding='same', activation='relu')
  MaxPooling2D(2)
  Conv2D(8, (3, 2), strides=(2, 1), padding='same', activation='tanh')
  Conv2D(9, 2, dilation_rate=2, padding='same')
  Flatten()
  Dense(3, activation='softmax')
  compile(optimizer=Adam(learning_rate=0.01), loss='categorical_crossentropy')
}
`,
  conv1dCausal: `model N(seed=9) {
  Input(shape=(32, 4))
  Conv1D(12, 4, padding='causal', dilation_rate=2, activation='relu')
  Conv1D(8, 3, padding='causal', activation='elu')
  Conv1D(8, 5, strides=2, padding='same')
  Flatten()
  Dense(2)
  compile(optimizer='sgd', loss='mse')
}
`,
  mlp: `model N(seed=3) {
  Input(shape=(40,))
  Dense(48, activation='relu')
  Dense(33, activation='tanh', use_bias=False)
  Dense(5, activation='softmax')
  compile(optimizer=SGD(learning_rate=0.1, momentum=0.9), loss='categorical_crossentropy')
}
`,
  rows: `model N(seed=4) {
  Input(shape=(3, 36))
  Dense(40, activation='gelu')
  Dense(30, activation='linear')
  compile(optimizer=Adam(learning_rate=0.01), loss='mse')
}
`,
  float64: `model N(seed=5, dtype=float64) {
  Input(shape=(50,))
  Dense(45, activation='sigmoid', use_bias=False)
  Dense(41, activation='softmax')
  compile(optimizer=RMSprop(learning_rate=0.01), loss='categorical_crossentropy')
}
`,
};

async function nativeClass(source: string): Promise<ModelClass> {
  const r = await compile(source);
  expect(r.code).toMatch(/k\.(dense_1|conv[12]d)_forward\(/);
  return (await generated(source))["N"]!;
}

/** One SGD(1) step's exact loss and gradients, native model vs interpreter, from the same random weights (float64 models, mse). */
describe("models with native kernels", () => {
  for (const [name, source] of Object.entries(NATIVE_SPECS)) {
    it(`${name}: agree with the interpreter and with their TypeScript fallback`, async () => {
      const G = await nativeClass(source);
      const I = interpreted(source)["N"]!;
      const native = new G();
      const loops = new G({ wasm: false });
      // known as soon as the instance exists, before any call
      expect(new G().usesWasm).toBe(true);
      const ref = new I();
      const rng = new Rng(11);
      const inSize = G.inputShape.reduce((a, b) => a * b, 1);
      const x1 = randomArray(rng, inSize, 2);
      expect(maxRelError(native.predict(x1), ref.predict(x1))[0]).toBeLessThan(1e-6);
      expect(native.usesWasm).toBe(true);
      expect(loops.usesWasm).toBe(false);
      for (const n of [7, 1, 40]) {
        const xs = randomArray(rng, n * inSize, 2);
        expect(maxRelError(native.predictBatch(xs, n), ref.predictBatch(xs, n))[0]).toBeLessThan(1e-6);
        expect(maxRelError(native.predictBatch(xs, n), loops.predictBatch(xs, n))[0]).toBeLessThan(1e-6);
      }
      const loss = source.includes("mse") ? "mse" : "categorical_crossentropy";
      const n = 9;
      const xs = randomArray(rng, n * inSize, 2);
      const ys = randomTargets(rng, loss, n, G.outputShape);
      for (let step = 0; step < 3; step++) {
        const [a, b, c] = [native.trainOnBatch(xs, ys, n), loops.trainOnBatch(xs, ys, n), ref.trainOnBatch(xs, ys, n)];
        expect(Math.abs(a - c) / Math.max(1, Math.abs(c))).toBeLessThan(1e-6);
        expect(Math.abs(a - b) / Math.max(1, Math.abs(b))).toBeLessThan(1e-6);
      }
      expect(maxRelError(flat(native.getWeights()), flat(ref.getWeights()))[0]).toBeLessThan(1e-5);
      const hn = native.fit(xs, ys, { epochs: 2, batchSize: 4 });
      const hr = ref.fit(xs, ys, { epochs: 2, batchSize: 4 });
      expect(maxRelError(hn.history.loss, hr.history.loss)[0]).toBeLessThan(1e-5);
    });
  }

  it("exact gradients equal the interpreter's (float64, one SGD(1) step)", async () => {
    const source = `model N(seed=8, dtype=float64) {
  Input(shape=(2, 40))
  Dense(36, activation='elu')
  Dense(32, activation='softplus', use_bias=False)
  Dense(3)
  compile(optimizer=SGD(learning_rate=1.0), loss='mse')
}
`;
    expectSameGradients(await nativeClass(source), interpreted(source)["N"]!, 8, new Rng(5), 6, 0.4);
  });

  it("padded, strided and dilated convolutions: native forward and both gradients equal the interpreter's (float64)", async () => {
    const source = `model N(seed=4, dtype=float64) {
  Input(shape=(8, 7, 2))
  Conv2D(8, 3, padding='same', activation='tanh')
  Conv2D(8, (2, 3), strides=(2, 2), padding='same', activation='sigmoid')
  Conv2D(8, 2, dilation_rate=(2, 1), padding='same', use_bias=False)
  Flatten()
  Dense(2)
  compile(optimizer=SGD(learning_rate=1.0), loss='mse')
}
`;
    const r = await compile(source);
    for (const label of ["conv2d_forward", "conv2d_kernel_grad", "conv2d_1_forward", "conv2d_1_kernel_grad", "conv2d_1_input_grad", "conv2d_2_forward", "conv2d_2_input_grad"]) {
      expect(r.code).toContain(`k.${label}(`);
    }
    expectSameGradients((await generated(source))["N"]!, interpreted(source)["N"]!, 4, new Rng(12), 5, 1);
  });

  it("stage the input for a native backward when the forward stays TypeScript", async () => {
    // Dense(3) on (5, 5, 2): the forward is small (unrolled), its kernel gradient (25 rows) is native
    const source = `model N(seed=3, dtype=float64) {
  Input(shape=(5, 5, 2))
  Dense(3, activation='tanh')
  Flatten()
  Dense(1)
  compile(optimizer=SGD(learning_rate=1.0), loss='mse')
}
`;
    const r = await compile(source);
    expect(r.code).toContain("k.dense_kernel_grad(");
    expect(r.code).not.toContain("k.dense_forward(");
    expectSameGradients((await generated(source))["N"]!, interpreted(source)["N"]!, 3, new Rng(9), 3, 1);
  });

  it("stage every model input a native kernel reads: products on a second and third input run natively too", async () => {
    // the two towers' first Dense read inputs 1 and 2 in forward and in their kernel gradients
    const source = `model N(seed=6) {
  a = Input(shape=(4,), name='a')
  b = Input(shape=(48,), name='b')
  c = Input(shape=(2, 40), name='c')
  hb = Dense(40, activation='relu')(b)
  hc = Flatten()(Dense(36, activation='tanh')(c))
  h = Concatenate()([Dense(8)(a), hb, hc])
  y = Dense(3, activation='softmax')(h)
  Model(inputs=[a, b, c], outputs=y)
  compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy')
}
`;
    const r = await compile(source);
    for (const call of ["const from = this.inputs[1]!;", "if (from !== x1_native) x1_native.set(from);", "k.dense_kernel_grad(n, x1_native.byteOffset", "k.dense_1_forward(n, x2_native.byteOffset", "k.dense_1_kernel_grad(n, x2_native.byteOffset"]) expect(r.code).toContain(call);
    expect(r.code).toMatch(/k\.dense_forward\(\s*n,\s*x1_native\.byteOffset/);
    const G = (await generated(source))["N"]!;
    const I = interpreted(source)["N"]!;
    const native = new G();
    const loops = new G({ wasm: false });
    const ref = new I();
    expect(native.usesWasm).toBe(true);
    const rng = new Rng(21);
    const inputs = (n: number) => [4, 48, 80].map((s) => randomArray(rng, n * s, 2)) as unknown as Float32Array;
    for (const n of [5, 1, 17]) {
      const xs = inputs(n);
      expect(maxRelError(native.predictBatch(xs, n), ref.predictBatch(xs, n))[0]).toBeLessThan(1e-6);
      expect(maxRelError(native.predictBatch(xs, n), loops.predictBatch(xs, n))[0]).toBeLessThan(1e-6);
    }
    const n = 6;
    const xs = inputs(n);
    const ys = randomTargets(rng, "categorical_crossentropy", n, [3]);
    for (let step = 0; step < 3; step++) {
      const [a, b, c] = [native.trainOnBatch(xs, ys, n), loops.trainOnBatch(xs, ys, n), ref.trainOnBatch(xs, ys, n)];
      expect(Math.abs(a - c) / Math.max(1, Math.abs(c))).toBeLessThan(1e-6);
      expect(Math.abs(a - b) / Math.max(1, Math.abs(b))).toBeLessThan(1e-6);
    }
    expect(maxRelError(flat(native.getWeights()), flat(ref.getWeights()))[0]).toBeLessThan(1e-5);
  });

  it("keep weights through layout changes, and setWeights/getWeights use the native memory", async () => {
    const G = await nativeClass(NATIVE_SPECS["mlp"]!);
    const m = new G({ seed: 1 });
    const w0 = m.getWeights();
    const rng = new Rng(2);
    const x = randomArray(rng, 40, 1);
    const before = m.predict(x);
    m.predictBatch(randomArray(rng, 300 * 40, 1), 300); // grows the memory (chunks of 256)
    expect(Array.from(m.predict(x))).toEqual(Array.from(before));
    m.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(w0[i]!.data)));
    const other = new G({ seed: 2 });
    other.predict(x);
    other.setWeights(w0);
    expect(Array.from(other.predict(x))).toEqual(Array.from(before));
    // a rejected setWeights changes nothing
    expect(() => other.setWeights(w0.slice(1))).toThrow(/setWeights expects/);
    expect(Array.from(other.predict(x))).toEqual(Array.from(before));
  });
});

describe("fallback to the TypeScript loops", () => {
  it("without WebAssembly, or with a module that does not validate", async () => {
    const r = await compile(NATIVE_SPECS["mlp"]!);
    const wasm = /wasm: "([^"]+)"/.exec(r.code!)![1]!;
    expect(nativeModule({ wasm })).not.toBeNull();
    expect(nativeModule({})).toBeNull();
    const broken = Buffer.from(decodeBase64(wasm)).subarray(0, 40).toString("base64");
    expect(nativeModule({ wasm: broken })).toBeNull();
    try {
      host.WebAssembly = undefined;
      expect(nativeModule({ wasm })).toBeNull();
    } finally {
      host.WebAssembly = WebAssembly;
    }
  });

  it("`wasm: false` at compile time emits no native kernels, and neither do `full`/`loops`", async () => {
    const source = NATIVE_SPECS["mlp"]!;
    for (const opts of [{ wasm: false }, { unroll: "loops" as const }]) {
      const r = await compile(source, opts);
      expect(r.code).not.toContain("wasm:");
      expect(r.code).not.toContain("k !== null");
    }
  });
});
