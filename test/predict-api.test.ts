/**
 * predict()'s edges: a batch-sized array passed to predict() says to use
 * predictBatch; predict(x, { batchSize }) predicts every sample in x, as
 * Keras's model.predict(x, batch_size=…) does, and equals predictBatch.
 */
import { describe, expect, it } from "vitest";
import { interpreted } from "./helpers/models.js";

const SPEC = "model M(seed=3) {\n  Input(shape=(3,))\n  Dense(5, activation='relu')\n  Dense(2, activation='softmax')\n}\n";

describe("predict", () => {
  const M = interpreted(SPEC)["M"]!;
  const xs = Float32Array.from({ length: 7 * 3 }, (_, i) => Math.sin(i));

  it("points a batch-sized array at predictBatch", () => {
    const m = new M();
    expect(() => m.predict(xs)).toThrow(/that is 7 samples: use predictBatch\(x, 7\) or predict\(x, \{ batchSize: 32 \}\)/);
    expect(() => m.predict([1, 2])).toThrow(/has 2 values, expected 3/);
    expect(() => m.predict([1, 2])).not.toThrow(/predictBatch/);
  });

  it("predict(x, { batchSize }) predicts every sample, in chunks, equal to predictBatch", () => {
    const m = new M();
    const whole = m.predictBatch(xs, 7);
    for (const batchSize of [1, 2, 3, 7, 32]) expect(Array.from(m.predict(xs, { batchSize }))).toEqual(Array.from(whole));
    expect(Array.from(m.predict(xs, {}))).toEqual(Array.from(whole));
    expect(() => m.predict(xs.subarray(0, 5), { batchSize: 2 })).toThrow(/not a whole number of samples/);
    expect(() => m.predict(xs, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });
});
