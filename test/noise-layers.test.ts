/**
 * The regularizing noise layers follow Keras 3's distributions in training
 * and are the identity at inference. Their draws cannot match Keras's own,
 * so the statistics are checked here, on the interpreter and on generated
 * code: a model `Input → layer` is run through its training forward (the
 * protected `forward(x, n, true)` every model class has, which draws fresh
 * noise as a training step does) over many values.
 */
import { describe, expect, it } from "vitest";
import { check } from "../src/index.js";
import { gradcheck } from "./helpers/gradcheck.js";
import { generated, interpreted, type ModelClass } from "./helpers/models.js";

const spec = (input: string, layer: string) => `model M(seed=5) {
  Input(shape=${input})
  ${layer}
  compile(optimizer='sgd', loss='mse')
}`;

type Forward = { ensure(n: number): void; forward(x: Float32Array, n: number, training: boolean): Float32Array | Float64Array };
/** The training forward's output (buffers sized for n first, as every public method does). */
function trainForward(m: object, x: Float32Array, n: number): Float64Array {
  const f = m as Forward;
  f.ensure(n);
  return Float64Array.from(f.forward(x, n, true).subarray(0, x.length));
}

/**
 * `v` is `want` as the backend stores it: the interpreter's float64 buffers
 * hold it to 1e-12, generated float32 models' Float32Array buffers to float32
 * rounding (a relative 2⁻²⁴, 1e-6 leaves room for the f64 arithmetic before it).
 */
const near32 = (v: number, want: number) => Math.abs(v - want) <= 1e-6 * Math.max(1, Math.abs(want));

const mean = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;
const variance = (v: ArrayLike<number>) => {
  const m = mean(v);
  return Array.from(v).reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
};

async function backends(source: string): Promise<[string, ModelClass][]> {
  return [
    ["interpreter", interpreted(source)["M"]!],
    ["generated", (await generated(source))["M"]!],
  ];
}

/** Standard normal inputs (deterministic). */
function normals(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const [u, v] = [(i * 0.618034 + 0.1) % 1, (i * 0.414214 + 0.3) % 1];
    const r = Math.sqrt(-2 * Math.log(1 - u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

describe("noise layers in training", () => {
  it("SpatialDropout1D drops whole channels with probability rate and scales the rest by 1/(1 − rate)", async () => {
    for (const [name, M] of await backends(spec("(5, 40)", "SpatialDropout1D(0.3)"))) {
      const batch = 50;
      const x = new Float32Array(batch * 5 * 40).fill(2);
      const y = trainForward(new M(), x, batch);
      let dropped = 0;
      for (let b = 0; b < batch; b++)
        for (let c = 0; c < 40; c++) {
          const col = Array.from({ length: 5 }, (_, s) => y[(b * 5 + s) * 40 + c]!);
          expect(new Set(col).size, `${name}: one decision per channel`).toBe(1);
          expect([0, 2 / 0.7].some((v) => near32(col[0]!, v))).toBe(true);
          if (col[0] === 0) dropped++;
        }
      expect(Math.abs(dropped / (batch * 40) - 0.3), name).toBeLessThan(0.04);
    }
  });

  it("SpatialDropout2D shares the decision over height and width", async () => {
    for (const [name, M] of await backends(spec("(2, 3, 4)", "SpatialDropout2D(0.5)"))) {
      const y = trainForward(new M(), new Float32Array(8 * 24).fill(1), 8);
      for (let b = 0; b < 8; b++)
        for (let c = 0; c < 4; c++) expect(new Set(Array.from({ length: 6 }, (_, p) => y[(b * 6 + p) * 4 + c])).size, name).toBe(1);
      expect(new Set(y).size, name).toBe(2);
    }
  });

  it("GaussianNoise adds N(0, stddev²)", async () => {
    for (const [name, M] of await backends(spec("(100,)", "GaussianNoise(0.5)"))) {
      const x = Float32Array.from({ length: 100 * 100 }, (_, i) => Math.sin(i));
      const y = trainForward(new M(), x, 100);
      const noise = y.map((v, i) => v - x[i]!);
      expect(Math.abs(mean(noise)), name).toBeLessThan(0.02);
      expect(Math.abs(variance(noise) - 0.25), name).toBeLessThan(0.02);
    }
  });

  it("GaussianDropout multiplies by N(1, rate/(1 − rate))", async () => {
    for (const [name, M] of await backends(spec("(100,)", "GaussianDropout(0.2)"))) {
      const y = trainForward(new M(), new Float32Array(100 * 100).fill(1), 100);
      expect(Math.abs(mean(y) - 1), name).toBeLessThan(0.02);
      expect(Math.abs(variance(y) - 0.25), name).toBeLessThan(0.02);
    }
  });

  it("AlphaDropout keeps zero mean and unit variance of standard normal inputs, dropping to a·α' + b", async () => {
    const rate = 0.2;
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const a = ((1 - rate) * (1 + rate * alphaP * alphaP)) ** -0.5;
    const b = -a * alphaP * rate;
    for (const [name, M] of await backends(spec("(100,)", `AlphaDropout(${rate})`))) {
      const x = normals(100 * 100);
      const y = trainForward(new M(), x, 100);
      let dropped = 0;
      y.forEach((v, i) => {
        if (near32(v, a * alphaP + b)) dropped++;
        else expect(near32(v, a * x[i]! + b), `${name}: ${v} at ${i}`).toBe(true);
      });
      expect(Math.abs(dropped / y.length - rate), name).toBeLessThan(0.02);
      expect(Math.abs(mean(y)), name).toBeLessThan(0.03);
      expect(Math.abs(variance(y) - 1), name).toBeLessThan(0.05);
    }
  });

  it("every noise layer is the identity at inference", async () => {
    const layers = ["SpatialDropout1D(0.5)", "GaussianNoise(0.9)", "GaussianDropout(0.5)", "AlphaDropout(0.5)"];
    const source = `model M(seed=5) {\n  Input(shape=(3, 4))\n${layers.map((l) => `  ${l}\n`).join("")}}`;
    for (const [name, M] of await backends(source)) {
      const x = Float32Array.from({ length: 2 * 12 }, (_, i) => i - 7.5);
      expect(Array.from(new M().predictBatch(x, 2)), name).toEqual(Array.from(x));
    }
  });
});

describe("AlphaDropout noise_shape", () => {
  it("(None, 1, F) shares one keep/drop pattern over the steps of a sample; (1, …) over the batch", async () => {
    const rate = 0.4;
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const a = ((1 - rate) * (1 + rate * alphaP * alphaP)) ** -0.5;
    const dropped = a * alphaP - a * alphaP * rate;
    for (const [noiseShape, shared] of [["(None, 1, 6)", false], ["(1, 5, None)", true]] as const) {
      for (const [name, M] of await backends(spec("(5, 6)", `AlphaDropout(${rate}, noise_shape=${noiseShape})`))) {
        const batch = 20;
        const y = trainForward(new M(), new Float32Array(batch * 30).fill(1), batch);
        const isDropped = (b: number, t: number, f: number) => near32(y[(b * 5 + t) * 6 + f]!, dropped);
        let count = 0;
        for (let b = 0; b < batch; b++)
          for (let t = 0; t < 5; t++)
            for (let f = 0; f < 6; f++) {
              if (isDropped(b, t, f)) count++;
              // (None, 1, F): the same across steps; (1, T, None): the same across samples
              const twin = shared ? isDropped(0, t, f) : isDropped(b, 0, f);
              expect(isDropped(b, t, f), `${name} ${noiseShape} at ${b},${t},${f}`).toBe(twin);
            }
        expect(count, `${name} ${noiseShape}: some values dropped`).toBeGreaterThan(0);
        expect(count, `${name} ${noiseShape}: some values kept`).toBeLessThan(batch * 30);
      }
    }
  });

  it("its gradient follows the same shared draws (finite differences, interpreter and generated loops)", async () => {
    await gradcheck([5, 3], ["AlphaDropout(0.3, noise_shape=(None, 1, 3), seed=2)", "Flatten()", "Dense(2)"], ["interpreter", "loops"]);
  });

  it("rejects a noise_shape that does not fit the input, as Keras would", () => {
    const codes = (ns: string) => check(spec("(5, 6)", `AlphaDropout(0.2, noise_shape=${ns})`)).diagnostics.map((d) => d.code);
    expect(codes("(None, 5)")).toContain("arg_range");
    expect(codes("(None, 3, 6)")).toContain("arg_range");
    expect(codes("(8, 1, 6)")).toContain("arg_range");
    expect(codes("(None, None, 1)")).toEqual([]);
  });
});
