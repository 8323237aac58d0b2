/**
 * Conv1D, Conv2D, Reshape and the global poolings: finite-difference
 * gradient checks (float64, central differences, gradients read from one
 * SGD(learning_rate=1) step) on the interpreter and on generated code both
 * fully unrolled and with loops kept — the padding guards fold away in one
 * and stay as run-time branches in the other. Layers under test follow a
 * Dense on the last axis, so their dx is checked through its weights.
 * Forward passes are also compared with a naive convolution written here
 * with explicit zero padding, and max-pooling ties with the first-maximum
 * rule.
 */
import { describe, expect, it } from "vitest";
import type { ModelClass } from "../src/index.js";
import { Rng } from "../src/runtime/random.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, prod, randomArray, randomTargets } from "./helpers/models.js";

const tuple = (s: readonly number[]) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`);

async function backends(source: string): Promise<[string, ModelClass][]> {
  return [
    ["interpreter", interpreted(source)["M"]!],
    ["generated (unrolled)", (await generated(source, "full"))["M"]!],
    ["generated (loops)", (await generated(source, "loops"))["M"]!],
  ];
}

/** Input(shape) → Dense(channels', tanh) on the last axis → `layers`; mse on random targets. */
async function gradcheck(input: readonly number[], layers: readonly string[], seed = 7) {
  const source = `model M(seed=3, dtype=float64) {
  Input(shape=${tuple(input)})
  Dense(3, activation='tanh', bias_initializer=RandomNormal(stddev=0.3))
${layers.map((l) => `  ${l}\n`).join("")}  compile(optimizer=SGD(learning_rate=1.0), loss='mse')
}`;
  const rng = new Rng(seed);
  const batch = 2;
  const x = randomArray(rng, batch * prod(input), 1.5);
  const all = await backends(source);
  const y = randomTargets(rng, "mse", batch, all[0]![1].outputShape);
  for (const [name, cls] of all) {
    const theta = flat(new cls({ seed: 3 }).getWeights());
    const { grad } = gradient(cls, 3, theta, x, y, batch);
    const numeric = numericGradient(cls, 3, theta, x, y, batch);
    const [err, at] = maxRelError(grad, numeric, 1e-3);
    expect(err, `${name}, component ${at}: analytic ${grad[at]} numeric ${numeric[at]}\n${source}`).toBeLessThan(1e-5);
  }
}

const BIAS = "bias_initializer=RandomNormal(stddev=0.3)";

describe("Conv1D gradients match central finite differences", () => {
  it.each([
    ["valid", `Conv1D(2, 3, activation='tanh', ${BIAS})`],
    ["same, even kernel (asymmetric padding)", `Conv1D(2, 4, padding='same', activation='sigmoid', ${BIAS})`],
    ["causal", `Conv1D(2, 3, padding='causal', activation='elu', ${BIAS})`],
    ["causal, dilation 2", `Conv1D(2, 3, padding='causal', dilation_rate=2, ${BIAS})`],
    ["strides 2, valid", `Conv1D(2, 2, strides=2, ${BIAS})`],
    ["strides 2, same", `Conv1D(2, 3, strides=2, padding='same', activation='tanh', ${BIAS})`],
    ["dilation 2, same", `Conv1D(2, 2, dilation_rate=2, padding='same', activation='softplus', ${BIAS})`],
    ["without bias", "Conv1D(2, 3, padding='same', use_bias=False, activation='tanh')"],
    ["softmax over filters", `Conv1D(3, 2, activation='softmax', ${BIAS})`],
  ])("%s", async (_name, layer) => {
    await gradcheck([7, 2], [layer]);
  });
});

describe("Conv2D gradients match central finite differences", () => {
  it.each([
    ["valid, non-square kernel", `Conv2D(2, (2, 3), activation='tanh', ${BIAS})`],
    ["same, odd sizes", `Conv2D(2, 3, padding='same', activation='sigmoid', ${BIAS})`],
    ["same, even kernel (odd pixel after)", `Conv2D(2, 2, padding='same', ${BIAS})`],
    ["strides (2, 1), same", `Conv2D(2, (3, 2), strides=(2, 1), padding='same', activation='tanh', ${BIAS})`],
    ["strides 2, valid", `Conv2D(2, 2, strides=2, ${BIAS})`],
    ["dilation (2, 2), same", `Conv2D(2, 2, dilation_rate=(2, 2), padding='same', activation='tanh', ${BIAS})`],
    ["dilation (2, 1), valid", `Conv2D(2, 2, dilation_rate=(2, 1), ${BIAS})`],
    ["without bias", "Conv2D(2, 3, padding='same', use_bias=False, activation='tanh')"],
    ["softmax over channels", `Conv2D(3, 2, activation='softmax', ${BIAS})`],
  ])("%s", async (_name, layer) => {
    await gradcheck([5, 4, 2], [layer]);
  });

  it("two stacked convolutions", async () => {
    await gradcheck([5, 5, 1], [`Conv2D(2, 2, padding='same', activation='tanh', ${BIAS})`, `Conv2D(2, 3, strides=2, ${BIAS})`]);
  });
});

describe("Reshape and global pooling gradients match central finite differences", () => {
  it("Reshape with -1 between Dense and Conv1D", async () => {
    await gradcheck([4, 2], ["Reshape((-1, 2))", `Conv1D(2, 3, ${BIAS})`]);
  });
  it("Reshape to rank 3 before a Conv2D", async () => {
    await gradcheck([6, 1], ["Reshape((3, 2, 3))", `Conv2D(2, 2, padding='same', ${BIAS})`]);
  });
  it("GlobalAveragePooling2D", async () => {
    await gradcheck([3, 4, 2], ["GlobalAveragePooling2D()", "Dense(2)"]);
  });
  it("GlobalMaxPooling2D", async () => {
    await gradcheck([3, 4, 2], ["GlobalMaxPooling2D()", "Dense(2)"]);
  });
  it("GlobalMaxPooling2D(keepdims=True) after a Conv2D", async () => {
    await gradcheck([4, 3, 1], [`Conv2D(2, 2, padding='same', activation='tanh', ${BIAS})`, "GlobalMaxPooling2D(keepdims=True)"]);
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
  it("on every backend", async () => {
    for (const [name, cls] of await backends(source)) {
      const theta = Float64Array.from([1, 0, 0, 0]);
      const { grad, loss } = gradient(cls, 1, theta, Float32Array.from([3, 3, 1, 2]), Float32Array.from([0]), 1);
      expect(loss, name).toBeCloseTo(9, 12);
      expect(Array.from(grad), name).toEqual([18, 18, 6, 12]);
    }
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
  for (const c of cases) {
    const name = `${c.padding}, ${c.h}×${c.w}×${c.cin}, kernel ${c.k}, strides ${c.s}, dilation ${c.d}`;
    it(name, async () => {
      const source = `model M(dtype=float64) {
  Input(shape=(${c.h}, ${c.w}, ${c.cin}))
  Conv2D(${c.filters}, (${c.k}), strides=(${c.s}), dilation_rate=(${c.d}), padding='${c.padding}')
}`;
      const rng = new Rng(c.h * 100 + c.w * 10 + c.k[0]);
      const batch = 3;
      const x = randomArray(rng, batch * c.h * c.w * c.cin, 2);
      const kernel = Float64Array.from(randomArray(rng, c.k[0] * c.k[1] * c.cin * c.filters));
      const bias = Float64Array.from(randomArray(rng, c.filters));
      const want = naiveConv2D(c, Float64Array.from(x), kernel, bias, batch);
      for (const [backend, cls] of await backends(source)) {
        expect(cls.outputShape, backend).toEqual(want.shape);
        const m = new cls();
        m.setWeights([
          { shape: [c.k[0], c.k[1], c.cin, c.filters], data: kernel },
          { shape: [c.filters], data: bias },
        ]);
        const got = m.predictBatch(x, batch);
        const [err, at] = maxRelError(got, want.y, 1);
        expect(err, `${backend}: at ${at}: ${got[at]} vs ${want.y[at]}`).toBeLessThan(1e-6);
      }
    });
  }
});
