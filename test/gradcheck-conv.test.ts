/**
 * Conv1D, Conv2D, Reshape and the global poolings: finite-difference
 * gradient checks (float64, central differences, gradients read from one
 * SGD(learning_rate=1) step). Every configuration runs on the interpreter
 * as its own small model; generated code (whose compile dominates the run
 * time) runs the same configurations stacked into a few deep models, once
 * fully unrolled — where padding guards fold away at compile time — and
 * once with loops kept — where they stay run-time branches. Layers under
 * test follow a Dense on the last axis, so their dx is checked too. Forward
 * passes are also compared with a naive convolution written here with
 * explicit zero padding, and max-pooling ties with the first-maximum rule.
 */
import { describe, expect, it } from "vitest";
import type { ModelClass } from "./helpers/models.js";
import { Rng } from "../src/runtime/random.js";
import { generated, gradient, interpreted, maxRelError, randomArray } from "./helpers/models.js";
import { gradcheck, load, type Backend } from "./helpers/gradcheck.js";

const BIAS = "bias_initializer=RandomNormal(stddev=0.3)";

/** [title, layer]; the comments give the output size when the cases are stacked for generated code. */
const conv1dCases: [string, string][] = [
  ["valid", `Conv1D(2, 3, activation='tanh', ${BIAS})`], // 9 → 7
  ["same, even kernel (asymmetric padding)", `Conv1D(2, 4, padding='same', activation='sigmoid', ${BIAS})`], // 7
  ["causal", `Conv1D(2, 3, padding='causal', activation='elu', ${BIAS})`], // 7
  ["causal, dilation 2", `Conv1D(2, 3, padding='causal', dilation_rate=2, ${BIAS})`], // 7
  ["dilation 2, same", `Conv1D(2, 2, dilation_rate=2, padding='same', activation='softplus', ${BIAS})`], // 7
  ["without bias", "Conv1D(2, 3, padding='same', use_bias=False, activation='tanh')"], // 7
  ["strides 2, same", `Conv1D(2, 3, strides=2, padding='same', activation='tanh', ${BIAS})`], // 4
  ["softmax over filters", `Conv1D(3, 2, activation='softmax', ${BIAS})`], // 3
  ["strides 2, valid", `Conv1D(2, 2, strides=2, ${BIAS})`], // 1
];

const conv2dCases: [string, string][] = [
  ["valid, non-square kernel", `Conv2D(2, (2, 3), activation='tanh', ${BIAS})`], // (6, 5) → (5, 3)
  ["same, odd sizes", `Conv2D(2, 3, padding='same', activation='sigmoid', ${BIAS})`], // (5, 3)
  ["same, even kernel (odd pixel after)", `Conv2D(2, 2, padding='same', ${BIAS})`], // (5, 3)
  ["dilation (2, 2), same", `Conv2D(2, 2, dilation_rate=(2, 2), padding='same', activation='tanh', ${BIAS})`], // (5, 3)
  ["without bias", "Conv2D(2, 3, padding='same', use_bias=False, activation='tanh')"], // (5, 3)
  ["softmax over channels", `Conv2D(3, 2, padding='same', activation='softmax', ${BIAS})`], // (5, 3)
  ["strides (2, 1), same", `Conv2D(2, (3, 2), strides=(2, 1), padding='same', activation='tanh', ${BIAS})`], // (3, 3)
  ["dilation (2, 1), valid", `Conv2D(2, 2, dilation_rate=(2, 1), ${BIAS})`], // (1, 2)
  ["strides 2, valid", `Conv2D(2, (1, 2), strides=2, ${BIAS})`], // (1, 1)
];

describe("Conv1D gradients match central finite differences (interpreter)", () => {
  it.each(conv1dCases)("%s", async (_title, layer) => {
    await gradcheck([7, 2], [layer], ["interpreter"]);
  });
});

describe("Conv2D gradients match central finite differences (interpreter)", () => {
  it.each(conv2dCases)("%s", async (_title, layer) => {
    await gradcheck([5, 4, 2], [layer], ["interpreter"]);
  });
  it("two stacked convolutions", async () => {
    await gradcheck([5, 5, 1], [`Conv2D(2, 2, padding='same', activation='tanh', ${BIAS})`, `Conv2D(2, 3, strides=2, ${BIAS})`], ["interpreter"]);
  });
});

const poolingCases: [string, readonly number[], string[]][] = [
  ["Reshape with -1 between Dense and Conv1D", [4, 2], ["Reshape((-1, 2))", `Conv1D(2, 3, ${BIAS})`]],
  ["Reshape to rank 3 before a Conv2D", [6, 1], ["Reshape((3, 2, 3))", `Conv2D(2, 2, padding='same', ${BIAS})`]],
  ["GlobalAveragePooling2D", [3, 4, 2], ["GlobalAveragePooling2D()", "Dense(2)"]],
  ["GlobalMaxPooling2D", [3, 4, 2], ["GlobalMaxPooling2D()", "Dense(2)"]],
  ["GlobalMaxPooling2D(keepdims=True) after a Conv2D", [4, 3, 1], [`Conv2D(2, 2, padding='same', activation='tanh', ${BIAS})`, "GlobalMaxPooling2D(keepdims=True)"]],
];

describe("Reshape and global pooling gradients match central finite differences (interpreter)", () => {
  it.each(poolingCases)("%s", async (_title, input, layers) => {
    await gradcheck(input, layers, ["interpreter"]);
  });
});

describe("generated code: the same configurations, stacked", () => {
  // `auto` unrolls the small kernels and keeps loops in the larger ones
  const backends: Backend[] = ["auto", "loops"];
  it("Conv1D stack", async () => {
    await gradcheck([9, 2], conv1dCases.map(([, l]) => l), backends);
  });
  it("Conv2D stack", async () => {
    await gradcheck([6, 5, 2], conv2dCases.map(([, l]) => l), backends);
  });
  it("Reshape and global poolings", async () => {
    const layers = ["Reshape((2, 2, 3))", "GlobalMaxPooling2D()", "Dense(12, activation='tanh')", "Reshape((2, 3, 2))", "GlobalAveragePooling2D()", "Dense(2)"];
    await gradcheck([4, 2], layers, backends);
  });
  it("fully unrolled: padding on every side, strides and dilation, on a small input", async () => {
    const layers = [
      `Conv2D(2, 2, padding='same', activation='tanh', ${BIAS})`, // (3, 3): pads after
      `Conv2D(2, 3, padding='same', ${BIAS})`, // pads both sides
      `Conv2D(2, 2, dilation_rate=2, padding='same', activation='tanh', ${BIAS})`,
      `Conv2D(2, (2, 3), strides=(2, 1), padding='same', ${BIAS})`, // (2, 3)
      "Reshape((-1, 2))", // (6, 2)
      `Conv1D(2, 2, padding='causal', dilation_rate=2, ${BIAS})`,
      `Conv1D(2, 3, strides=2, padding='same', activation='tanh', ${BIAS})`, // (3, 2)
      "Reshape((3, 1, 2))",
      "GlobalMaxPooling2D()",
    ];
    await gradcheck([3, 3, 1], layers, ["full"]);
  });
});

describe("GlobalMaxPooling2D routes the gradient to the first maximum (row-major)", () => {
  // z = x through a 2×2 'same' kernel that keeps only its top-left tap, so
  // z = x = [[3, 3], [1, 2]] ties at (0, 0) and (0, 1). dL/dy = 2·3 = 6. With
  // the gradient at (0, 0), dkernel[t] = 6·x[t] = [18, 18, 6, 12]; at (0, 1)
  // it would be 6·[x01, 0, x11, 0] = [18, 0, 12, 0].
  const source = `model M(dtype=float64) {
  Input(shape=(2, 2, 1))
  Conv2D(1, 2, padding='same', use_bias=False)
  GlobalMaxPooling2D()
  compile(optimizer=SGD(learning_rate=1.0), loss='mse')
}`;
  it.each(["interpreter", "full", "loops"] as const)("%s", async (backend) => {
    const cls = await load(source, backend);
    const { grad, loss } = gradient(cls, 1, Float64Array.from([1, 0, 0, 0]), Float32Array.from([3, 3, 1, 2]), Float32Array.from([0]), 1);
    expect(loss).toBeCloseTo(9, 12);
    expect(Array.from(grad)).toEqual([18, 18, 6, 12]);
  });
});

// ---- forward against a naive reference ---------------------------------------

interface Conv2DCase {
  readonly h: number;
  readonly w: number;
  readonly cin: number;
  readonly filters: number;
  readonly k: [number, number];
  readonly s: [number, number];
  readonly d: [number, number];
  readonly padding: "valid" | "same";
}

/**
 * Direct NHWC cross-correlation: zero-pad into a new array (TF split, odd
 * pixel at the end), then slide the dilated window with no bounds checks.
 */
function naiveConv2D(c: Conv2DCase, x: Float64Array, kernel: Float64Array, bias: Float64Array, batch: number) {
  const eff = [0, 1].map((a) => c.d[a]! * (c.k[a]! - 1) + 1);
  const size = [c.h, c.w];
  const out = [0, 1].map((a) => (c.padding === "same" ? Math.ceil(size[a]! / c.s[a]!) : Math.floor((size[a]! - eff[a]!) / c.s[a]!) + 1));
  const total = [0, 1].map((a) => (c.padding === "same" ? Math.max(0, (out[a]! - 1) * c.s[a]! + eff[a]! - size[a]!) : 0));
  const top = Math.floor(total[0]! / 2);
  const left = Math.floor(total[1]! / 2);
  const [ph, pw] = [c.h + total[0]!, c.w + total[1]!];
  const y = new Float64Array(batch * out[0]! * out[1]! * c.filters);
  for (let b = 0; b < batch; b++) {
    const padded = new Float64Array(ph * pw * c.cin);
    for (let i = 0; i < c.h; i++)
      for (let j = 0; j < c.w; j++)
        for (let ch = 0; ch < c.cin; ch++) padded[((i + top) * pw + j + left) * c.cin + ch] = x[((b * c.h + i) * c.w + j) * c.cin + ch]!;
    for (let oi = 0; oi < out[0]!; oi++)
      for (let oj = 0; oj < out[1]!; oj++)
        for (let f = 0; f < c.filters; f++) {
          let sum = bias[f]!;
          for (let ki = 0; ki < c.k[0]; ki++)
            for (let kj = 0; kj < c.k[1]; kj++)
              for (let ch = 0; ch < c.cin; ch++) {
                const pi = oi * c.s[0] + ki * c.d[0];
                const pj = oj * c.s[1] + kj * c.d[1];
                sum += padded[(pi * pw + pj) * c.cin + ch]! * kernel[((ki * c.k[1] + kj) * c.cin + ch) * c.filters + f]!;
              }
          y[((b * out[0]! + oi) * out[1]! + oj) * c.filters + f] = sum;
        }
  }
  return { y, shape: [out[0]!, out[1]!, c.filters] };
}

const randomWeights = (rng: Rng, c: Conv2DCase) => ({
  kernel: Float64Array.from(randomArray(rng, c.k[0] * c.k[1] * c.cin * c.filters)),
  bias: Float64Array.from(randomArray(rng, c.filters)),
});

const conv2dLayer = (c: Conv2DCase) =>
  `Conv2D(${c.filters}, (${c.k}), strides=(${c.s}), dilation_rate=(${c.d}), padding='${c.padding}')`;

/** Predicts with the given weights and compares with the naive stack. */
function expectForward(cls: ModelClass, cases: readonly Conv2DCase[], x: Float32Array, batch: number, rng: Rng, label: string) {
  const weights = cases.map((c) => randomWeights(rng, c));
  let want = Float64Array.from(x);
  let shape: number[] = [];
  cases.forEach((c, i) => {
    ({ y: want, shape } = naiveConv2D(c, want, weights[i]!.kernel, weights[i]!.bias, batch));
  });
  expect(cls.outputShape, label).toEqual(shape);
  const m = new cls();
  m.setWeights(
    cases.flatMap((c, i) => [
      { shape: [c.k[0], c.k[1], c.cin, c.filters], data: weights[i]!.kernel },
      { shape: [c.filters], data: weights[i]!.bias },
    ]),
  );
  const got = m.predictBatch(x, batch);
  const [err, at] = maxRelError(got, want, 1);
  expect(err, `${label}: at ${at}: ${got[at]} vs ${want[at]}`).toBeLessThan(1e-6);
}

describe("Conv2D forward equals a naive convolution", () => {
  const cases: Conv2DCase[] = [
    { h: 5, w: 7, cin: 2, filters: 3, k: [3, 3], s: [1, 1], d: [1, 1], padding: "same" },
    { h: 6, w: 5, cin: 2, filters: 2, k: [2, 4], s: [1, 1], d: [1, 1], padding: "same" },
    { h: 5, w: 7, cin: 2, filters: 3, k: [2, 3], s: [1, 1], d: [1, 1], padding: "valid" },
    { h: 7, w: 6, cin: 1, filters: 2, k: [3, 2], s: [2, 3], d: [1, 1], padding: "same" },
    { h: 7, w: 8, cin: 3, filters: 2, k: [3, 3], s: [2, 2], d: [1, 1], padding: "valid" },
    { h: 7, w: 6, cin: 2, filters: 2, k: [3, 2], s: [1, 1], d: [2, 3], padding: "same" },
    { h: 8, w: 7, cin: 2, filters: 2, k: [2, 3], s: [1, 1], d: [3, 2], padding: "valid" },
    { h: 3, w: 3, cin: 1, filters: 1, k: [4, 5], s: [2, 2], d: [1, 1], padding: "same" },
  ];
  const source = (input: Conv2DCase, layers: readonly Conv2DCase[]) =>
    `model M(dtype=float64) {\n  Input(shape=(${input.h}, ${input.w}, ${input.cin}))\n${layers.map((c) => `  ${conv2dLayer(c)}\n`).join("")}}`;

  for (const c of cases) {
    it(`interpreter: ${c.padding}, ${c.h}×${c.w}×${c.cin}, kernel ${c.k}, strides ${c.s}, dilation ${c.d}`, () => {
      const rng = new Rng(c.h * 100 + c.w * 10 + c.k[0]);
      const x = randomArray(rng, 3 * c.h * c.w * c.cin, 2);
      expectForward(interpreted(source(c, [c]))["M"]!, [c], x, 3, rng, "interpreter");
    });
  }

  // One model chains the geometries (each layer's input is the previous output).
  const chain: Conv2DCase[] = [
    { h: 4, w: 5, cin: 2, filters: 2, k: [3, 3], s: [1, 1], d: [1, 1], padding: "same" },
    { h: 4, w: 5, cin: 2, filters: 2, k: [2, 4], s: [1, 1], d: [1, 1], padding: "same" },
    { h: 4, w: 5, cin: 2, filters: 2, k: [2, 2], s: [1, 1], d: [2, 3], padding: "same" },
    { h: 4, w: 5, cin: 2, filters: 2, k: [2, 2], s: [1, 1], d: [1, 2], padding: "valid" },
    { h: 3, w: 3, cin: 2, filters: 2, k: [2, 2], s: [2, 2], d: [1, 1], padding: "same" },
    { h: 2, w: 2, cin: 2, filters: 2, k: [2, 1], s: [2, 2], d: [1, 1], padding: "valid" },
    { h: 1, w: 1, cin: 2, filters: 1, k: [4, 5], s: [2, 2], d: [1, 1], padding: "same" },
  ];
  it.each(["full", "loops"] as const)("generated (%s): a chain of geometries", async (unroll) => {
    const rng = new Rng(99);
    const x = randomArray(rng, 2 * 4 * 5 * 2, 2);
    expectForward((await generated(source(chain[0]!, chain), unroll))["M"]!, chain, x, 2, rng, unroll);
  });
  it("the interpreter agrees on the same chain", () => {
    const rng = new Rng(99);
    const x = randomArray(rng, 2 * 4 * 5 * 2, 2);
    expectForward(interpreted(source(chain[0]!, chain))["M"]!, chain, x, 2, rng, "interpreter");
  });
});
