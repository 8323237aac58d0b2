/**
 * BatchNormalization at inference folded into the epilogue of the product
 * before it, and a relu layer after either (src/kernel/affine.ts, the plan's
 * fusion): the product's native kernel stores v·scale + shift (then relu)
 * straight into the last folded layer's output. Against real Keras 3 too
 * (test/keras/bn-fold.json, written by test/keras/gen_bn_fold.py):
 * predictions 1e-5, before and after three SGD steps (which move the moving
 * statistics the folded epilogue reads).
 * Predictions of the generated model (native, and its TypeScript fallback)
 * are held to the interpreter's with a float32 bound derived from the
 * longest reduction; training forwards keep both layers' own kernels.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { near } from "./helpers/keras-fixture.js";
import { Rng } from "../src/runtime/random.js";
import { generated, interpreted, type ModelClass } from "./helpers/models.js";

const body = (dtype: string, trains: boolean) => `model Bn(seed=3, dtype=${dtype}) {
  Input(shape=(10, 10, 3))
  Conv2D(16, (3, 3), padding='same')
  BatchNormalization()
  Activation('relu')
  Conv2D(8, (3, 3), activation='relu', use_bias=False)
  BatchNormalization(epsilon=0.01, scale=False)
  Flatten()
  Dense(40, activation='relu')
  BatchNormalization(center=False)
  Dense(40)
  BatchNormalization()
  ReLU()
  Dense(24)
  Activation('relu')
  Dense(5, activation='softmax')
${trains ? "  compile(optimizer=Adam(), loss='categorical_crossentropy')\n" : ""}}
`;

/** The longest reduction in the model (Dense 40 over 8·8·8 inputs), for the float32 bound. */
const LONGEST = 512;
const U32 = 2 ** -24;

/** The interpreter's weights with every BatchNormalization statistic and scale drawn away from its initial value. */
function weightsFor(I: ModelClass, seed: number) {
  const rng = new Rng(seed);
  return new I().getWeights().map((w) => {
    const data = Float32Array.from(w.data, (v) => v);
    const kind = w.name.split("/").pop()!;
    if (kind === "moving_variance") data.forEach((_, i) => (data[i] = 0.3 + 2 * rng.uniform()));
    else if (kind === "moving_mean" || kind === "beta") data.forEach((_, i) => (data[i] = rng.uniform() - 0.5));
    else if (kind === "gamma") data.forEach((_, i) => (data[i] = 0.5 + rng.uniform()));
    return w.name.includes("batch_normalization") ? { ...w, data } : w;
  });
}

describe("BatchNormalization folded into a product's epilogue at inference", () => {
  for (const dtype of ["float32", "float64"]) {
    for (const trains of [false, true]) {
      it(`${dtype}, ${trains ? "trainable" : "inference-only"}: every normalization folds, and predictions equal the interpreter's and the fallback's`, async () => {
        const source = body(dtype, trains);
        if (dtype === "float32" && trains) {
          const code = (await compile(source)).code!;
          // each of the four normalizations hands its scale/shift buffer to a product kernel in place of the bias
          for (const bn of ["batch_normalization", "batch_normalization_1", "batch_normalization_2", "batch_normalization_3"]) {
            expect(code).toMatch(new RegExp(`k\\.\\w+_forward_affine\\([^;]*${bn}_affine\\.byteOffset`, "s"));
          }
          expect(code).toContain(`// at inference, folded into the product of conv2d (its epilogue applies the per-channel scale and shift)`);
          expect(code).toContain(`// at inference, folded into the product of conv2d (its epilogue applies relu)`);
          expect(code).toContain(`// at inference, folded into the product of dense_1 (its epilogue applies relu)`);
          expect(code).toContain(`// at inference, folded into the product of dense_2 (its epilogue applies relu)`);
        }
        const G = (await generated(source))["Bn"]!;
        const I = interpreted(source)["Bn"]!;
        const weights = weightsFor(I, 11);
        const native = new G({ weights });
        const loops = new G({ weights, wasm: false });
        const ref = new I({ weights });
        expect(native.usesWasm).toBe(true);
        expect(loops.usesWasm).toBe(false);
        // the four products with a folded normalization (two of them with the relu after it) and the one with a folded
        // Activation('relu') are native kernels of their own
        const kernels = Object.keys((native as unknown as { kernels: object }).kernels).filter((k) => /_forward_(affine|relu)$/.test(k));
        expect(kernels.sort()).toEqual(["conv2d_1_forward_affine", "conv2d_forward_affine", "dense_1_forward_affine", "dense_2_forward_relu", "dense_forward_affine"]);
        const rng = new Rng(5);
        for (const n of [1, 5]) {
          const x = Float32Array.from({ length: n * 10 * 10 * 3 }, () => rng.uniform() * 2 - 1);
          const want = ref.predictBatch(x, n);
          // softmax outputs: an error of u per multiply-add of the longest reduction, a few times over the layers
          const bound = dtype === "float64" ? 1e-12 : 8 * (LONGEST + 4) * U32;
          for (const got of [native.predictBatch(x, n), loops.predictBatch(x, n)]) for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(bound);
        }
        if (!trains) return;
        // training keeps the unfused path: a step from the same state gives the interpreter's loss
        const x = Float32Array.from({ length: 4 * 10 * 10 * 3 }, () => rng.uniform() * 2 - 1);
        const y = new Float32Array(20).map((_, i) => (i % 5 === i % 4 ? 1 : 0));
        const [a, b] = [native.trainOnBatch(x, y, 4), ref.trainOnBatch(x, y, 4)];
        expect(Math.abs(a - b)).toBeLessThanOrEqual(dtype === "float64" ? 1e-10 : 1e-4);
        const after = ref.predict(x.subarray(0, 10 * 10 * 3));
        const got = native.predict(x.subarray(0, 10 * 10 * 3));
        for (let i = 0; i < after.length; i++) expect(Math.abs(got[i]! - after[i]!)).toBeLessThanOrEqual(dtype === "float64" ? 1e-10 : 1e-4);
      });
    }
  }

  it("does not fold when the product's output is read by another layer too, or is a model output", async () => {
    const shared = `model S {
  x = Input(shape=(64,))
  h = Dense(48, activation='relu')(x)
  a = BatchNormalization()(h)
  out = Concatenate()([a, h])
}
`;
    const last = `model L {
  x = Input(shape=(64,))
  h = Dense(48)(x)
  out = BatchNormalization()(h)
}
`;
    expect((await compile(shared)).code!).not.toContain("_affine");
    expect((await compile(last)).code!).toContain("_affine.byteOffset");
  });
});

interface KerasCase {
  readonly name: string;
  readonly source: string;
  readonly weight_shapes: number[][];
  readonly weights_before: number[][];
  readonly x: number[];
  readonly y: number[];
  readonly predictions: number[];
  readonly losses: number[];
  readonly predictions_after: number[];
  readonly moving_after: number[][];
}

describe("folded BatchNormalization and relu against Keras 3", () => {
  const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "keras", "bn-fold.json"), "utf8")) as { cases: KerasCase[] };
  const specOf = (c: KerasCase) => `model K {\n${c.source.split("\n").map((l) => `  ${l}`).join("\n")}\n}\n`;
  for (const c of fixture.cases) {
    it(`${c.name}: interpreter, native kernels and their TypeScript fallback`, async () => {
      const code = (await compile(specOf(c))).code!;
      expect(code).toContain("_affine.byteOffset");
      const G = (await generated(specOf(c)))["K"]!;
      const I = interpreted(specOf(c))["K"]!;
      const weights = c.weights_before.map((data, k) => ({ shape: c.weight_shapes[k]!, data }));
      for (const [who, m] of [
        ["interpreter", new I({ weights })],
        ["native", new G({ weights })],
        ["fallback", new G({ weights, wasm: false })],
      ] as const) {
        const x = Float32Array.from(c.x);
        near(m.predictBatch(x, 4), c.predictions, `${c.name} ${who} predictions`, 1e-5);
        const losses = [0, 1, 2].map(() => m.trainOnBatch(x, Float32Array.from(c.y), 4));
        near(losses, c.losses, `${c.name} ${who} losses`);
        near(m.predictBatch(x, 4), c.predictions_after, `${c.name} ${who} predictions after 3 steps`, 1e-4);
        const moving = m.getWeights().filter((w) => /moving_(mean|variance)$/.test(w.name));
        moving.forEach((w, k) => near(w.data, c.moving_after[k]!, `${c.name} ${who} ${w.name} after 3 steps`));
      }
    });
  }
});
