/**
 * Which array a generated model keeps its parameter gradients in: float32
 * (as Keras) in a float32 model with native kernels, where it halves the
 * bytes a step moves; float64 in a model on TypeScript loops alone (they add
 * into it once per sample, and a float32 array would convert on every
 * addition), in a float64 model, and in the interpreter. Both kinds train
 * to the same weights within float32 rounding of the reference.
 */
import { describe, expect, it } from "vitest";
import { generated, interpreted, randomArray, randomTargets, type ModelClass } from "./helpers/models.js";
import { Rng } from "../src/runtime/random.js";

const spec = (units: number, inputs: number, dtype = "") => `model M(seed=3${dtype}) {
  Dense(${units}, input_shape=(${inputs},), activation='relu')
  Dense(4, activation='softmax')
  compile(optimizer=Adam(learning_rate=0.01), loss='categorical_crossentropy')
}`;

const gradsOf = (m: object): unknown => (m as { grads: unknown }).grads;

/** Trains `n` steps on fixed data and returns the weights. */
function train(G: ModelClass, options: object, inputs: number, steps = 3): Float32Array[] {
  const m = new G(options);
  const rng = new Rng(5);
  const x = randomArray(rng, 16 * inputs);
  const y = randomTargets(rng, "categorical_crossentropy", 16, [4]);
  for (let i = 0; i < steps; i++) m.trainOnBatch(x, y, 16);
  return m.getWeights().map((w) => w.data);
}

describe("parameter gradient precision", () => {
  it("float32 with native kernels, float64 on TypeScript loops, in float64 models and in the interpreter", async () => {
    const big = spec(64, 256);
    const Big = (await generated(big))["M"]!;
    const native = new Big();
    expect(native.usesWasm).toBe(true);
    expect(gradsOf(native)).toBeInstanceOf(Float32Array);
    // the same class without WebAssembly keeps the layout its code was generated for
    expect(gradsOf(new Big({ wasm: false }))).toBeInstanceOf(Float32Array);

    const Small = (await generated(spec(4, 2)))["M"]!;
    const small = new Small();
    expect(small.usesWasm).toBe(false);
    expect(gradsOf(small)).toBeInstanceOf(Float64Array);

    const Wide = (await generated(spec(64, 256, ", dtype=float64")))["M"]!;
    const wide = new Wide();
    expect(wide.usesWasm).toBe(true);
    expect(gradsOf(wide)).toBeInstanceOf(Float64Array);

    expect(gradsOf(new (interpreted(big)["M"]!)())).toBeInstanceOf(Float64Array);
  });

  it("float32 gradients train to the float64 reference's weights within float32 rounding", async () => {
    const big = spec(64, 256);
    const G = (await generated(big))["M"]!;
    const I = interpreted(big)["M"]!;
    const [got, ref] = [train(G, {}, 256), train(I, {}, 256)];
    for (let k = 0; k < ref.length; k++) {
      const scale = Math.max(...ref[k]!.map(Math.abs));
      for (let i = 0; i < ref[k]!.length; i++) expect(Math.abs(got[k]![i]! - ref[k]![i]!)).toBeLessThanOrEqual(1e-5 * scale + 1e-6);
    }
  });
});
