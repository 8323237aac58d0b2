/**
 * UpSampling2D with jax.image.resize's separable kernels (issue 12):
 * bicubic (Keys, a = −½), lanczos3 and lanczos5, taps renormalized at the
 * edges as JAX does — against real Keras 3 (test/keras/upsampling.json,
 * written by test/keras/gen_upsampling.py: predictions 1e-5, three SGD
 * steps 1e-4, interpreter and generated code); finite differences of the
 * backward pass; `area`, which for an integer upscale is nearest.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { near } from "./helpers/keras-fixture.js";
import { gradcheck } from "./helpers/gradcheck.js";
import { generated, interpreted, randomArray, type ModelClass } from "./helpers/models.js";

interface KerasCase {
  readonly name: string;
  readonly source: string;
  readonly weight_shapes: number[][];
  readonly weights_before: number[][];
  readonly x: number[][];
  readonly y: number[][];
  readonly predictions: number[][];
  readonly losses: number[];
  readonly weights_after: number[][];
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "keras", "upsampling.json"), "utf8")) as { cases: KerasCase[] };
const specOf = (c: KerasCase) => `model K {\n${c.source.split("\n").map((l) => `  ${l}`).join("\n")}\n}\n`;

function matchesKeras(c: KerasCase, cls: ModelClass) {
  const m = new cls({ weights: c.weights_before.map((data, k) => ({ shape: c.weight_shapes[k]!, data })) });
  const x = Float32Array.from(c.x[0]!);
  near(m.predictBatch(x, 4) as Float32Array, c.predictions[0]!, `${c.name} predictions`, 1e-5);
  const losses = [0, 1, 2].map(() => m.trainOnBatch(x, Float32Array.from(c.y[0]!), 4));
  near(losses, c.losses, `${c.name} losses`);
  m.getWeights().forEach((w, k) => near(w.data, c.weights_after[k]!, `${c.name} ${w.name} after 3 steps`));
}

describe("UpSampling2D interpolations against Keras 3", () => {
  const cases = fixture.cases.map((c) => [c.name, c] as const);
  it.each(cases)("%s: interpreter", (_n, c) => matchesKeras(c, interpreted(specOf(c))["K"]!));
  it.each(cases)("%s: generated code", async (_n, c) => matchesKeras(c, (await generated(specOf(c)))["K"]!));
});

describe("UpSampling2D interpolation gradients", () => {
  it.each(["bicubic", "lanczos3", "lanczos5"])("%s matches finite differences", async (interpolation) => {
    await gradcheck([3, 4, 2], [`UpSampling2D(size=(2, 3), interpolation='${interpolation}')`, "Flatten()", "Dense(2)"], ["interpreter", "loops"]);
  });

  it("area upsamples by an integer factor as nearest does", () => {
    const spec = (i: string) => `model U {\n  Input(shape=(3, 2, 2))\n  UpSampling2D(size=(2, 3), interpolation='${i}')\n}`;
    const x = randomArray(new Rng(2), 2 * 12);
    const area = new (interpreted(spec("area"))["U"]!)({ seed: 1 }).predictBatch(x, 2) as Float32Array;
    const nearest = new (interpreted(spec("nearest"))["U"]!)({ seed: 1 }).predictBatch(x, 2) as Float32Array;
    expect(Array.from(area)).toEqual(Array.from(nearest));
  });
});
