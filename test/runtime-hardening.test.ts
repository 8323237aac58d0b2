/**
 * Runtime hardening (issue #10), on generated and interpreted classes alike:
 * one validator rejects every bad option value of every method; inputs to
 * predict, predictBatch(out=) and setWeights are checked the same way; a
 * training step is all-or-nothing — a non-finite input, label, loss,
 * gradient or updated weight (BatchNormalization's moving statistics
 * included) rejects the step with a NonFiniteError naming the tensor, the
 * sample and the step, and leaves the model exactly as it was.
 */
import { describe, expect, it } from "vitest";
import { LayercError, NonFiniteError } from "../src/runtime/index.js";
import { generated, interpreted, type ModelClass } from "./helpers/models.js";

const BN = `model Bn(seed=3) {
  Dense(4, input_shape=(3,))
  BatchNormalization()
  Dropout(0.5)
  Dense(2, activation='softmax')
  compile(optimizer=Adam(learning_rate=0.01), loss='categorical_crossentropy', metrics=['accuracy'])
}
model Pool(seed=4) {
  MaxPooling1D(2, input_shape=(4, 1))
  Flatten()
  Dense(1)
  compile(optimizer=SGD(learning_rate=0.1, momentum=0.9), loss='mse')
}
model Steep(seed=5) {
  Dense(1, input_shape=(1,), use_bias=False, kernel_initializer=Constant(1.0))
  compile(optimizer=SGD(learning_rate=1e30), loss='mse')
}
`;

const x = Float32Array.from([0.1, -0.2, 0.3, 0.5, 0.4, -0.1]);
const y = Float32Array.from([1, 0, 0, 1]);

describe.each([
  ["generated", () => generated(BN)],
  ["interpreted", async () => interpreted(BN)],
])("%s models", (_kind, load) => {
  it("reject every bad option value of every method with a LayercError naming it", async () => {
    const { Bn } = await load();
    const m = new Bn!({ seed: 1 });
    const bad: unknown[] = [0, -1, 1.5, Number.NaN, Infinity, "2", null, {}, [], true];
    for (const v of bad) {
      expect(() => m.fit(x, y, { batchSize: v as number }), `fit batchSize ${String(v)}`).toThrow(/fit option batchSize must be a positive integer/);
      expect(() => m.evaluate(x, y, { batchSize: v as number }), `evaluate batchSize ${String(v)}`).toThrow(/evaluate option batchSize/);
      expect(() => m.trainOnBatch(x, y, v as number)).toThrow(/trainOnBatch batchSize/);
      expect(() => m.predictBatch(x, v as number)).toThrow(/predictBatch batchSize/);
    }
    for (const v of [-1, 1.5, Number.NaN, "2", null, {}]) expect(() => m.fit(x, y, { epochs: v as number })).toThrow(/fit option epochs/);
    for (const v of [-0.1, 1, Number.NaN, "0.5", null]) expect(() => m.fit(x, y, { validationSplit: v as number })).toThrow(/fit option validationSplit/);
    for (const v of [1, "yes", null]) expect(() => m.fit(x, y, { shuffle: v as unknown as boolean })).toThrow(/fit option shuffle/);
    for (const v of [1, "f", {}]) expect(() => m.fit(x, y, { onEpochEnd: v as never })).toThrow(/fit option onEpochEnd/);
    expect(() => m.fit(x, y, { batchsize: 2 } as never)).toThrow(/fit has no option `batchsize`/);
    expect(() => m.fit(x, y, 3 as never)).toThrow(/fit options must be an object/);
    for (const v of [-1, 1.5, "1", null]) expect(() => new Bn!({ seed: v as number })).toThrow(/option seed/);
    expect(() => new Bn!({ wasm: "no" as never })).toThrow(/option wasm/);
    // evaluate with batchSize 0 used to loop forever; every rejection above changed nothing
    expect(m.getWeights()).toEqual(new Bn!({ seed: 1 }).getWeights());
  });

  it("check predict, predictBatch(out=) and setWeights inputs the same way", async () => {
    const { Bn } = await load();
    const m = new Bn!({ seed: 1 });
    expect(() => m.predict([[0.1, 0.2], [0.3]] as never)).toThrow(/ragged/);
    expect(() => m.predict([[0.1], [0.2, 0.3]] as never)).toThrow(/ragged/);
    expect(() => m.predict([0.1, [0.2, 0.3]] as never)).toThrow(/ragged/);
    expect(() => m.predictBatch([[0.1, 0.2, 0.3], [0.4, 0.5]] as never, 2)).toThrow(/ragged/);
    expect(() => m.predict([0.1, "0.2", 0.3] as never)).toThrow(/only numbers/);
    expect(() => m.predict("abc" as never)).toThrow(LayercError);
    expect(m.predict([[0.1, 0.2, 0.3]]).length).toBe(2);
    expect(() => m.predictBatch(x, 2, new Float64Array(4) as never)).toThrow(/out must be a Float32Array/);
    expect(() => m.predictBatch(x, 2, [0, 0, 0, 0] as never)).toThrow(/out must be a Float32Array/);
    expect(() => m.predictBatch(x, 2, new Float32Array(3))).toThrow(/output has 3 values/);
    const before = m.getWeights();
    for (const v of [Number.NaN, Infinity, -Infinity]) {
      const ws = m.getWeights();
      ws[1]!.data[2] = v;
      expect(() => m.setWeights(ws)).toThrow(/must be finite/);
    }
    expect(m.getWeights()).toEqual(before);
  });

  it("reject a step with a non-finite input, label, loss or update and leave the model exactly as before", async () => {
    const { Bn, Pool, Steep } = await load();
    const cases: [ModelClass, Float32Array, Float32Array, number, RegExp, string, number | null][] = [
      [Bn!, Float32Array.from([0.1, -0.2, 0.3, 0.5, Number.NaN, -0.1]), y, 2, /input \(sample 1\) is NaN/, "input", 1],
      [Bn!, x, Float32Array.from([1, 0, 0, Infinity]), 2, /labels \(sample 1\) is Infinity/, "labels", 1],
      // max pooling drops the NaN in the forward pass: only the input check sees it
      [Pool!, Float32Array.from([Number.NaN, 1, 0, 0]), Float32Array.from([1]), 1, /input \(sample 0\) is NaN/, "input", 0],
      // finite data, but the update overflows float32: the weight itself is named
      [Steep!, Float32Array.from([1e5]), Float32Array.from([-1e5]), 1, /dense\/kernel is -Infinity/, "dense/kernel", null],
    ];
    for (const [Model, xs, ys, n, message, tensor, sample] of cases) {
      const m = new Model({ seed: 7 });
      const twin = new Model({ seed: 7 });
      const good = Float32Array.from({ length: xs.length }, (_, i) => (i % 3) / 10);
      const goodY = Model === Bn ? y.subarray(0, 2 * n) : Float32Array.from({ length: ys.length }, () => 0.5);
      // one accepted step first, so optimizer state and step count are not at their initial values
      m.trainOnBatch(good, goodY, n);
      twin.trainOnBatch(good, goodY, n);
      let err: unknown;
      try {
        m.trainOnBatch(xs, ys, n);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NonFiniteError);
      const e = err as NonFiniteError;
      expect(e.message).toMatch(message);
      expect(e.tensor).toBe(tensor);
      expect(e.sample).toBe(sample);
      expect(e.step).toBe(2);
      expect(e.message).toContain("step 2 rejected");
      // exactly as before: same weights (moving statistics included), and the next step gives the same result
      expect(m.getWeights()).toEqual(twin.getWeights());
      expect(m.trainOnBatch(good, goodY, n)).toBe(twin.trainOnBatch(good, goodY, n));
      expect(m.getWeights()).toEqual(twin.getWeights());
    }
  });

  it("fit names the epoch, batch and the caller's sample index", async () => {
    const { Bn } = await load();
    const m = new Bn!({ seed: 2 });
    const twin = new Bn!({ seed: 2 });
    const xs = new Float32Array(8 * 3).map((_, i) => (i % 5) / 5);
    const ys = new Float32Array(8 * 2).map((_, i) => i % 2);
    m.fit(xs, ys, { epochs: 1, batchSize: 4 });
    twin.fit(xs, ys, { epochs: 1, batchSize: 4 });
    const bad = Float32Array.from(xs);
    bad[6 * 3 + 1] = -Infinity;
    let err: NonFiniteError | undefined;
    try {
      m.fit(bad, ys, { epochs: 1, batchSize: 4, shuffle: false });
    } catch (e) {
      err = e as NonFiniteError;
    }
    expect(err?.message).toMatch(/^fit epoch 1 batch 2 step 4 rejected: input \(sample 6\) is -Infinity/);
    expect(err?.sample).toBe(6);
    // batch 1 of that call was applied (each step is all-or-nothing, not the whole fit)
    twin.fit(xs.subarray(0, 12), ys.subarray(0, 8), { epochs: 1, batchSize: 4, shuffle: false });
    expect(m.getWeights()).toEqual(twin.getWeights());
  });
});
