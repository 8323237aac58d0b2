/**
 * Finite-difference gradient checks (float64, central differences) through
 * pooling, Dropout and BatchNormalization, on the interpreter and on the
 * generated code (auto unrolling, and forced loops where the bounds checks
 * of same padding stay run-time tests), plus behaviour checks against hand
 * computations: dropout modes, BN moving statistics, average pooling's
 * in-bounds divisor and max pooling's first-maximum rule.
 */
import { describe, expect, it } from "vitest";
import { check } from "../src/index.js";
import type { ModelClass } from "./helpers/models.js";
import { Rng } from "../src/runtime/random.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, params, randomArray, randomTargets, type Unroll } from "./helpers/models.js";

type Backend = { name: string; load: (src: string) => Promise<Record<string, ModelClass>> };

const INTERPRETED: Backend = { name: "interpreter", load: async (s) => interpreted(s) };
const GENERATED: Backend = { name: "generated", load: (s) => generated(s) };
const gen = (unroll: Unroll): Backend => ({ name: `generated/${unroll}`, load: (s) => generated(s, unroll) });
const ALL = [INTERPRETED, GENERATED];

const model = (input: string, layers: string[], loss = "mse") => `model M(seed=5, dtype=float64) {
  Input(shape=${input})
  ${layers.join("\n  ")}
  compile(optimizer=SGD(learning_rate=1.0), loss=${loss})
}`;

/**
 * Compares the exact gradient (one SGD(1) step) with central differences
 * over every trainable weight. Non-trainable weights (BN moving stats) are
 * skipped: the step moves them by the momentum rule, not by a gradient.
 */
async function gradcheck(source: string, inShape: number[], outShape: number[], seed: number, backends: Backend[] = ALL, batch = 3) {
  const rng = new Rng(seed);
  const inSize = inShape.reduce((a, b) => a * b, 1);
  const x = randomArray(rng, batch * inSize, 1.5);
  const y = randomTargets(rng, "mse", batch, outShape);
  for (const backend of backends) {
    const cls = (await backend.load(source))["M"]!;
    const proto = new cls({ seed: 5 });
    const theta = flat(proto.getWeights());
    const trainable: boolean[] = [];
    for (const w of proto.getWeights()) for (let i = 0; i < w.data.length; i++) trainable.push(!/moving_(mean|variance)$/.test(w.name));
    const { grad } = gradient(cls, 5, theta, x, y, batch);
    const numeric = numericGradient(cls, 5, theta, x, y, batch);
    const pick = (a: Float64Array) => a.filter((_, i) => trainable[i]);
    const [g, n] = [pick(grad), pick(numeric)];
    expect(g.length).toBeGreaterThan(0);
    expect(g.some((v) => Math.abs(v) > 1e-6), `${backend.name}: gradient is not trivially zero`).toBe(true);
    const [err, at] = maxRelError(g, n, 1e-3);
    expect(err, `${backend.name} component ${at}: analytic ${g[at]} numeric ${n[at]}`).toBeLessThan(1e-5);
  }
}

describe("pooling gradients match finite differences", () => {
  const cases: [string, string, string][] = [
    ["MaxPooling1D valid", "(7, 2)", "MaxPooling1D()"],
    ["MaxPooling1D same, odd, strided", "(7, 2)", "MaxPooling1D(3, strides=2, padding='same')"],
    ["MaxPooling2D valid", "(5, 4, 2)", "MaxPooling2D()"],
    ["MaxPooling2D same, odd", "(5, 5, 2)", "MaxPooling2D((3, 2), strides=(2, 1), padding='same')"],
    ["AveragePooling1D valid, overlapping", "(7, 2)", "AveragePooling1D(3, strides=2)"],
    ["AveragePooling1D same, odd", "(7, 2)", "AveragePooling1D(4, strides=3, padding='same')"],
    ["AveragePooling2D valid", "(5, 4, 2)", "AveragePooling2D(2)"],
    ["AveragePooling2D same, odd", "(5, 5, 2)", "AveragePooling2D(3, strides=2, padding='same')"],
  ];
  cases.forEach(([title, input, layer], k) => {
    it(title, async () => {
      // a Dense before the pool feeds its gradient back into weights; one after mixes the channels
      const src = model(input, ["Dense(3, activation=tanh)", layer, "Dense(1)"]);
      const inShape = JSON.parse(input.replace("(", "[").replace(")", "]")) as number[];
      const outShape = check(src).models[0]!.outputShape;
      await gradcheck(src, inShape, [...outShape], 100 + k, [...ALL, gen("loops")]);
    });
  });
});

describe("Dropout and BatchNormalization gradients match finite differences", () => {
  it("Dropout(0.3): same seed, same mask in every evaluation", async () => {
    await gradcheck(model("(4,)", ["Dense(6, activation=tanh)", "Dropout(0.3)", "Dense(3)"]), [4], [3], 21, ALL, 4);
  });
  it("Dropout(0): identity", async () => {
    await gradcheck(model("(4,)", ["Dense(5, activation=tanh)", "Dropout(0)", "Dense(3)"]), [4], [3], 22);
  });
  for (const [flags, title] of [
    ["", "center and scale"],
    ["center=False", "no center"],
    ["scale=False", "no scale"],
    ["center=False, scale=False", "neither center nor scale"],
  ] as const) {
    it(`BatchNormalization training mode, ${title}, rank-3 input`, async () => {
      const src = model("(3, 2, 2)", [
        "Dense(3, activation=tanh)",
        `BatchNormalization(${flags}${flags ? ", " : ""}gamma_initializer=RandomNormal(mean=1.0, stddev=0.3), beta_initializer=RandomNormal(stddev=0.3))`,
        "Activation(tanh)",
        "Flatten()",
        "Dense(2)",
      ]);
      await gradcheck(src, [3, 2, 2], [2], 31);
    });
  }
  it("BatchNormalization on rank-1 input after Dense, batch 4", async () => {
    const src = model("(3,)", ["Dense(4)", "BatchNormalization(momentum=0.5, epsilon=0.01)", "Dense(2, activation=sigmoid)"]);
    await gradcheck(src, [3], [2], 32, ALL, 4);
  });
});

// ---- behaviour -----------------------------------------------------------------

const both = async (src: string) => [interpreted(src)["M"]!, (await generated(src))["M"]!];
const close = (a: ArrayLike<number>, b: ArrayLike<number>, digits = 6) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i]!, `index ${i}`).toBeCloseTo(b[i]!, digits);
};

describe("Dropout behaviour", () => {
  it("is the identity at inference, whatever the rate", async () => {
    for (const rate of ["0.5", "1.0", "0"]) {
      const src = `model M(seed=2) {\n Input(shape=(2, 3))\n Dropout(${rate})\n Dense(2)\n compile(optimizer=SGD(), loss=mse)\n}`;
      const plain = `model M(seed=2) {\n Input(shape=(2, 3))\n Dense(2)\n}`;
      const x = Float32Array.from([0.5, -1, 2, 3, -0.25, 0.125]);
      const want = new (interpreted(plain)["M"]!)({ seed: 2 }).predict(x);
      for (const M of await both(src)) {
        const m = new M({ seed: 2 });
        close(m.predict(x), want, 7);
        expect(m.evaluate(x, Float32Array.from([0, 0, 0, 0]), {}).loss).toBeCloseTo(Array.from(want).reduce((s, v) => s + v * v, 0) / 4, 5);
      }
    }
  });

  it("rate 1 gives zeros in training: loss is mean(y²) and nothing before it learns", async () => {
    const src = `model M(seed=3, dtype=float64) {\n Input(shape=(3,))\n Dense(2)\n Dropout(1.0)\n compile(optimizer=SGD(learning_rate=0.5), loss=mse)\n}`;
    const x = Float32Array.from([1, 2, 3, -1, 0.5, 4]);
    const y = Float32Array.from([1, -2, 0.5, 3]);
    for (const M of await both(src)) {
      const m = new M({ seed: 3 });
      const before = Float64Array.from(params(m));
      expect(m.trainOnBatch(x, y, 2)).toBeCloseTo((1 + 4 + 0.25 + 9) / 4, 12);
      expect(Array.from(params(m))).toEqual(Array.from(before));
    }
  });

  it("training applies an inverted mask: kept units are scaled by 1/(1−rate), dropped ones get no gradient", async () => {
    const rate = 0.5;
    const src = `model M(seed=4, dtype=float64) {\n Input(shape=(40,))\n Dropout(${rate})\n Dense(1, use_bias=False, kernel_initializer=ones)\n compile(optimizer=SGD(learning_rate=1.0), loss=mse)\n}`;
    const x = Float32Array.from({ length: 40 }, (_, i) => 0.25 + (i % 7) * 0.5);
    const y = Float32Array.from([1]);
    for (const M of await both(src)) {
      const m = new M({ seed: 4 });
      const theta = flat(m.getWeights());
      const { grad, loss } = gradient(M, 4, theta, x, y, 1);
      // grad_i = 2·err·xd_i where xd_i ∈ {0, x_i/(1−rate)} and ŷ = Σ xd_i
      const kept = Array.from(grad).map((g) => g !== 0);
      const count = kept.filter(Boolean).length;
      expect(count).toBeGreaterThan(8);
      expect(count).toBeLessThan(32);
      const yhat = x.reduce((s, v, i) => s + (kept[i] ? v / (1 - rate) : 0), 0);
      const err = yhat - 1;
      expect(loss).toBeCloseTo(err * err, 9);
      grad.forEach((g, i) => expect(g).toBeCloseTo(kept[i] ? (2 * err * x[i]!) / (1 - rate) : 0, 9));
      // a fresh instance with the same seed draws the same mask (what the finite differences rely on)
      expect(Array.from(gradient(M, 4, theta, x, y, 1).grad)).toEqual(Array.from(grad));
    }
  });
});

describe("BatchNormalization behaviour", () => {
  const weights = [
    { shape: [3], data: [1, 2, -0.5] }, // gamma
    { shape: [3], data: [0.5, -1, 0] }, // beta
    { shape: [3], data: [1, 0, -1] }, // moving_mean
    { shape: [3], data: [4, 1, 0.25] }, // moving_variance
  ];

  it("inference uses the moving statistics", async () => {
    const src = `model M(seed=1) {\n Input(shape=(2, 3))\n BatchNormalization(epsilon=0.01)\n compile(optimizer=SGD(), loss=mse)\n}`;
    const x = Float32Array.from([0.5, -1, 2, 3, -0.25, 0.125]);
    const want = Array.from(x, (v, i) => {
      const c = i % 3;
      return (weights[0]!.data[c]! * (v - weights[2]!.data[c]!)) / Math.sqrt(weights[3]!.data[c]! + 0.01) + weights[1]!.data[c]!;
    });
    for (const M of await both(src)) {
      close(new M({ weights }).predict(x), want, 5);
    }
  });

  it("trainOnBatch normalises with batch statistics and moves the moving stats by the momentum rule", async () => {
    const src = `model M(seed=1, dtype=float64) {\n Input(shape=(2, 3))\n BatchNormalization(momentum=0.9, epsilon=0.01)\n compile(optimizer=SGD(learning_rate=0.1), loss=mse)\n}`;
    const batch = 3;
    const rng = new Rng(77);
    const x = randomArray(rng, batch * 6, 2);
    const y = randomArray(rng, batch * 6, 1);
    // hand computation: statistics over the batch and the 2 rows → 6 values per channel
    const mean = [0, 1, 2].map((c) => Array.from(x).filter((_, i) => i % 3 === c).reduce((s, v) => s + v, 0) / 6);
    const variance = [0, 1, 2].map((c) => Array.from(x).filter((_, i) => i % 3 === c).reduce((s, v) => s + (v - mean[c]!) ** 2, 0) / 6);
    const out = Array.from(x, (v, i) => {
      const c = i % 3;
      return (weights[0]!.data[c]! * (v - mean[c]!)) / Math.sqrt(variance[c]! + 0.01) + weights[1]!.data[c]!;
    });
    const loss = out.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / out.length;
    for (const M of await both(src)) {
      const m = new M({ weights });
      expect(m.trainOnBatch(x, y, batch)).toBeCloseTo(loss, 6);
      const w = m.getWeights();
      close(w[2]!.data, [0, 1, 2].map((c) => weights[2]!.data[c]! * 0.9 + mean[c]! * 0.1), 6);
      close(w[3]!.data, [0, 1, 2].map((c) => weights[3]!.data[c]! * 0.9 + variance[c]! * 0.1), 6);
      // trainable weights moved by SGD
      expect(Array.from(w[0]!.data)).not.toEqual(weights[0]!.data);
    }
  });

  it("moving statistics are never touched by the optimizer", async () => {
    // momentum=1 keeps the moving stats by the momentum rule, so any change would be an optimizer step
    const src = `model M(seed=1) {\n Input(shape=(4, 3))\n Dense(3)\n BatchNormalization(momentum=1.0)\n Dense(2)\n compile(optimizer=Adam(learning_rate=0.5), loss=mse)\n}`;
    const rng = new Rng(78);
    const x = randomArray(rng, 5 * 12, 2);
    const y = randomArray(rng, 5 * 8, 1);
    for (const M of await both(src)) {
      const m = new M({ seed: 1 });
      const before = m.getWeights();
      for (let s = 0; s < 3; s++) m.trainOnBatch(x, y, 5);
      const after = m.getWeights();
      for (let i = 0; i < before.length; i++) {
        const name = before[i]!.name;
        if (/moving_(mean|variance)$/.test(name)) expect(Array.from(after[i]!.data), name).toEqual(Array.from(before[i]!.data));
        else expect(Array.from(after[i]!.data), name).not.toEqual(Array.from(before[i]!.data));
      }
      expect(after[4]!.name).toBe("batch_normalization/moving_mean");
    }
  });
});

describe("pooling behaviour", () => {
  it("average pooling with same padding divides by the in-bounds count", async () => {
    // 3×3 input, pool 2, stride 1, same: total padding 1, all of it after
    const src = `model M {\n Input(shape=(3, 3, 1))\n AveragePooling2D(2, strides=1, padding="same")\n}`;
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const want = [(1 + 2 + 4 + 5) / 4, (2 + 3 + 5 + 6) / 4, (3 + 6) / 2, (4 + 5 + 7 + 8) / 4, (5 + 6 + 8 + 9) / 4, (6 + 9) / 2, (7 + 8) / 2, (8 + 9) / 2, 9];
    const src1 = `model M {\n Input(shape=(5, 2))\n AveragePooling1D(3, strides=2, padding="same")\n}`;
    // L=5, p=3, s=2: out 3, total padding 2 → 1 before, 1 after
    const x1 = Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40, 5, 50]);
    const want1 = [(1 + 2) / 2, (10 + 20) / 2, (2 + 3 + 4) / 3, (20 + 30 + 40) / 3, (4 + 5) / 2, (40 + 50) / 2];
    for (const M of await both(src)) close(new M().predict(x), want, 6);
    for (const M of await both(src1)) close(new M().predict(x1), want1, 6);
    for (const M of [(await generated(src, "loops"))["M"]!, (await generated(src1, "loops"))["M"]!]) {
      close(new M().predict(M.inputShape.length === 3 ? x : x1), M.inputShape.length === 3 ? want : want1, 6);
    }
  });

  it("max pooling ignores padded cells", async () => {
    const src = `model M {\n Input(shape=(3, 1))\n MaxPooling1D(2, padding="same")\n}`;
    for (const M of await both(src)) close(new M().predict(Float32Array.from([-3, -2, -1])), [-2, -1], 7);
    const src2 = `model M {\n Input(shape=(3, 3, 1))\n MaxPooling2D(2, strides=2, padding="same")\n}`;
    for (const M of [...(await both(src2)), (await generated(src2, "loops"))["M"]!]) {
      close(new M().predict(Float32Array.from([-9, -8, -7, -6, -5, -4, -3, -2, -1])), [-5, -4, -2, -1], 7);
    }
  });

  it("max pooling sends the gradient to the first of tied maxima (row-major)", async () => {
    // Dense(1, no bias, kernel ones) sums the two features of each cell; all four cells tie at 3
    const src2 = `model M(dtype=float64) {\n Input(shape=(2, 2, 2))\n Dense(1, use_bias=False, kernel_initializer=ones)\n MaxPooling2D()\n Flatten()\n compile(optimizer=SGD(learning_rate=1.0), loss=mse)\n}`;
    const cells = [
      [3, 0],
      [1, 2],
      [2, 1],
      [0, 3],
    ];
    const x = Float32Array.from(cells.flat());
    // loss (3 − 0)², dL/dy = 6, so the kernel gradient is 6·(features of the chosen cell)
    for (const M of [...(await both(src2)), (await generated(src2, "loops"))["M"]!]) {
      const { grad } = gradient(M, 1, Float64Array.from([1, 1]), x, Float32Array.from([0]), 1);
      expect(Array.from(grad)).toEqual([18, 0]);
    }
    const src1 = `model M(dtype=float64) {\n Input(shape=(3, 2))\n Dense(1, use_bias=False, kernel_initializer=ones)\n MaxPooling1D(3)\n Flatten()\n compile(optimizer=SGD(learning_rate=1.0), loss=mse)\n}`;
    const x1 = Float32Array.from([1, 2, 3, 0, 2, 1]);
    for (const M of [...(await both(src1)), (await generated(src1, "loops"))["M"]!]) {
      const { grad } = gradient(M, 1, Float64Array.from([1, 1]), x1, Float32Array.from([0]), 1);
      expect(Array.from(grad)).toEqual([6, 12]);
    }
  });
});
