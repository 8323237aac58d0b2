/**
 * Generated classes of models with one input and one output carry their own
 * predictBatch direct path (emit.ts directPredictBatch): it must compute
 * exactly what the runtime's method computes, and leave every other call —
 * wrong lengths, wrong types, a batch the buffers do not hold yet — to the
 * runtime, whose errors are thrown before anything is written.
 */
import { describe, expect, it } from "vitest";
import { LayercError } from "../src/runtime/index.js";
import { generated, interpreted } from "./helpers/models.js";

const SPEC = `model Two(seed=3) {
  Dense(5, input_shape=(3,), activation='relu')
  Dense(2, activation='softmax')
  compile(optimizer='sgd', loss='categorical_crossentropy')
}`;

const x = (n: number) => Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i + 1));

describe("generated predictBatch direct path", async () => {
  const { Two } = await generated(SPEC);
  const { Two: Interp } = interpreted(SPEC);

  it("is the class's own method and equals the interpreter on every batch size", () => {
    expect(Object.prototype.hasOwnProperty.call(Two!.prototype, "predictBatch")).toBe(true);
    const m = new Two!({ seed: 1 });
    const ref = new Interp!({ weights: m.getWeights() });
    // 40 lays the buffers out; 1, 7 and 40 then run the direct path, 300 (over the capacity) the runtime's
    for (const n of [40, 1, 7, 40, 300, 2]) {
      const out = new Float32Array(n * 2);
      expect(m.predictBatch(x(n), n, out)).toBe(out);
      const want = ref.predictBatch(x(n), n);
      for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(want[i]!, 6);
      // and the same values as the call that allocates its output (runtime path)
      expect([...m.predictBatch(x(n), n)]).toEqual([...out]);
    }
  });

  it("leaves every wrong argument to the runtime, which throws before writing", () => {
    const m = new Two!({ seed: 1 });
    m.predictBatch(x(4), 4, new Float32Array(8)); // buffers for 4 samples
    const out = new Float32Array(8).fill(7);
    const untouched = () => expect([...out]).toEqual(Array(8).fill(7));
    expect(() => m.predictBatch(x(4), 4, new Float32Array(6))).toThrow(LayercError);
    expect(() => m.predictBatch(x(3), 4, out)).toThrow(/predictBatch input has 9 values, expected 12/);
    untouched();
    expect(() => m.predictBatch(x(4), 2.5, out)).toThrow(LayercError);
    untouched();
    expect(() => m.predictBatch(x(4), 0, out)).toThrow(LayercError);
    untouched();
    expect(() => m.predictBatch(x(4), 4, new Float64Array(8) as unknown as Float32Array)).toThrow(/out must be a Float32Array/);
    expect(() => m.predictBatch(x(4), 4, out.subarray(0, 7))).toThrow(/predictBatch output has 7 values, expected 8/);
    untouched();
    // other input forms still work through the runtime
    const fromArray = m.predictBatch(Array.from(x(4)), 4, new Float32Array(8));
    expect([...fromArray]).toEqual([...m.predictBatch(x(4), 4, new Float32Array(8))]);
  });
});
