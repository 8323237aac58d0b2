/**
 * Generated classes of models with one input and one output carry their own
 * predictBatch direct path (emit.ts directPredictBatch), and those training
 * with TypeScript kernels their own trainOnBatch step (templates/model.ts):
 * they must compute exactly what the runtime's methods compute, and leave
 * every other call — wrong lengths, wrong types, a batch the buffers do not
 * hold yet — to the runtime, whose errors are thrown before anything is
 * written. (Rejected steps on the direct path: runtime-hardening.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { LayercError } from "../src/runtime/index.js";
import { flat, generated, interpreted } from "./helpers/models.js";

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

  it("trainOnBatch: the class's own step equals the interpreter's, step by step, and counts its steps", async () => {
    const spec = SPEC.replace("optimizer='sgd'", "optimizer=Adam(learning_rate=0.05)").replace("Dense(2,", "Dropout(0.3, seed=9)\n  Dense(2,");
    const { Two: Gen } = await generated(spec);
    const { Two: Ref } = interpreted(spec);
    expect(Object.prototype.hasOwnProperty.call(Gen!.prototype, "trainOnBatch")).toBe(true);
    const m = new Gen!({ seed: 4 });
    const ref = new Ref!({ seed: 4 });
    const y = new Float32Array(16);
    for (let b = 0; b < 8; b++) y[b * 2 + (b % 3 === 0 ? 1 : 0)] = 1;
    for (let step = 0; step < 6; step++) {
      const a = m.trainOnBatch(x(8), y, 8);
      const b = ref.trainOnBatch(x(8), y, 8);
      expect(a).toBeCloseTo(b, 5);
    }
    expect(m.optimizerIterations).toBe(6);
    const got = flat(m.getWeights());
    const want = flat(ref.getWeights());
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
    // a label array of the wrong length still gets the runtime's error, and changes nothing
    const before = flat(m.getWeights());
    expect(() => m.trainOnBatch(x(8), y.subarray(0, 15), 8)).toThrow(/labels has 15 values, expected 16/);
    expect(flat(m.getWeights())).toEqual(before);
    expect(m.optimizerIterations).toBe(6);
  });

  it("trainOnBatch: EMA overwrites and L2 penalties on the direct path equal the interpreter's", async () => {
    const spec = SPEC.replace("optimizer='sgd'", "optimizer=SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)").replace(
      "Dense(5, input_shape=(3,), activation='relu')",
      "Dense(5, input_shape=(3,), activation='relu', kernel_regularizer=L2(0.01))",
    );
    const { Two: Gen } = await generated(spec);
    const { Two: Ref } = interpreted(spec);
    expect(Object.prototype.hasOwnProperty.call(Gen!.prototype, "trainOnBatch")).toBe(true);
    const m = new Gen!({ seed: 6 });
    const ref = new Ref!({ seed: 6 });
    const y = new Float32Array(8);
    for (let b = 0; b < 4; b++) y[b * 2 + (b % 2)] = 1;
    for (let step = 0; step < 5; step++) expect(m.trainOnBatch(x(4), y, 4)).toBeCloseTo(ref.trainOnBatch(x(4), y, 4), 5);
    const got = flat(m.getWeights());
    const want = flat(ref.getWeights());
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
  });
});
