/**
 * The class contract shared by generated and interpreted models (DESIGN.md
 * §1, §6): every public method validates before it mutates, setWeights is
 * all-or-nothing, getWeights returns copies, and fit/evaluate follow Keras
 * (history per epoch, callbacks, validation split from the end, seeded
 * shuffling, NaN/Infinity reported with epoch and batch). Run on both
 * backends.
 */
import { describe, expect, it } from "vitest";
import { LayercError } from "../src/runtime/errors.js";
import type { ModelClass } from "./helpers/models.js";
import { generated, interpreted } from "./helpers/models.js";

const SPEC = `model Clf(seed=4) {
  Input(shape=(2,))
  Dense(8, activation='tanh')
  Dense(3, activation='softmax')
  compile(optimizer=Adam(learning_rate=0.05), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
}
model Plain {
  Dense(2, input_shape=(3,))
}
`;

const data = (n: number) => {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.cos(i * 2.399);
    const b = Math.sin(i * 2.399);
    x.push([a, b]);
    y.push(a > 0.3 ? 0 : b > 0 ? 1 : 2);
  }
  return { x, y };
};

const flatWeights = (m: InstanceType<ModelClass>) => m.getWeights().flatMap((w) => Array.from(w.data));

for (const [label, load] of [
  ["interpreter", async () => interpreted(SPEC)],
  ["generated", async () => generated(SPEC)],
] as const) {
  describe(`model API (${label})`, () => {
    it("setWeights validates every tensor first and changes nothing on error", async () => {
      const { Clf } = await load();
      const m = new Clf!();
      const before = flatWeights(m);
      const ws = m.getWeights().map((w) => ({ shape: w.shape, data: Float32Array.from(w.data, () => 1) }));
      const badShape = ws.map((w, i) => (i === 2 ? { ...w, shape: [3, 8] } : w));
      expect(() => m.setWeights(badShape)).toThrow(LayercError);
      expect(() => m.setWeights(badShape)).toThrow(/dense_1\/kernel.*\(8, 3\)/);
      const badLength = ws.map((w, i) => (i === 3 ? { ...w, data: new Float32Array(2) } : w));
      expect(() => m.setWeights(badLength)).toThrow(/dense_1\/bias has 2 values, expected 3/);
      expect(() => m.setWeights(ws.slice(1))).toThrow(/expects 4 tensors/);
      expect(flatWeights(m)).toEqual(before);
      m.setWeights(ws);
      expect(flatWeights(m).every((v) => v === 1)).toBe(true);
    });

    it("getWeights returns copies in Keras order and shapes", async () => {
      const { Clf } = await load();
      const m = new Clf!();
      const w = m.getWeights();
      expect(w.map((t) => [t.name, t.shape])).toEqual([
        ["dense/kernel", [2, 8]],
        ["dense/bias", [8]],
        ["dense_1/kernel", [8, 3]],
        ["dense_1/bias", [3]],
      ]);
      w[0]!.data.fill(42);
      expect(m.getWeights()[0]!.data[0]).not.toBe(42);
      expect(m.countParams()).toBe(2 * 8 + 8 + 8 * 3 + 3);
    });

    it("predict and predictBatch validate inputs and accept arrays, nested arrays and typed arrays", async () => {
      const { Clf } = await load();
      const m = new Clf!();
      expect(() => m.predict([1, 2, 3])).toThrow(/has 3 values, expected 2/);
      expect(() => m.predictBatch([[1, 2]], 2)).toThrow(LayercError);
      expect(() => m.predictBatch([[1, 2]], 0)).toThrow(/positive integer/);
      const p = m.predict([0.5, -0.5]);
      expect(p).toBeInstanceOf(Float32Array);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const batch = m.predictBatch([[0.5, -0.5], [0.1, 0.2]], 2);
      expect(Array.from(batch.subarray(0, 3))).toEqual(Array.from(p));
      const out = new Float32Array(6);
      expect(m.predictBatch(Float32Array.of(0.5, -0.5, 0.1, 0.2), 2, out)).toBe(out);
      expect(Array.from(out)).toEqual(Array.from(batch));
      expect(() => m.predict(["a" as unknown as number, 1])).toThrow(/only numbers/);
    });

    it("trainOnBatch validates labels before touching weights", async () => {
      const { Clf } = await load();
      const m = new Clf!();
      const before = flatWeights(m);
      expect(() => m.trainOnBatch([[0, 1]], [3], 1)).toThrow(/class ids in \[0, 3\)/);
      expect(() => m.trainOnBatch([[0, 1]], [0.5], 1)).toThrow(LayercError);
      expect(() => m.trainOnBatch([[0, 1]], [0, 1], 1)).toThrow(/labels has 2 values/);
      expect(flatWeights(m)).toEqual(before);
      const loss = m.trainOnBatch([[0, 1]], [1], 1);
      expect(loss).toBeGreaterThan(0);
      expect(flatWeights(m)).not.toEqual(before);
    });

    it("fit returns a Keras-like history, calls back, holds out the last samples, and learns", async () => {
      const { Clf } = await load();
      const m = new Clf!();
      const { x, y } = data(60);
      const epochs: number[] = [];
      let batches = 0;
      const h = m.fit(x, y, { epochs: 30, batchSize: 16, validationSplit: 0.25, onEpochEnd: (e) => epochs.push(e), onBatchEnd: () => batches++ });
      expect(h.epoch).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(epochs).toEqual(h.epoch);
      expect(batches).toBe(30 * 3); // 45 training samples in batches of 16
      expect(h.history.loss).toHaveLength(30);
      expect(h.history.val_loss).toHaveLength(30);
      expect(h.history.accuracy!.at(-1)).toBeGreaterThan(0.85);
      expect(h.history.loss.at(-1)!).toBeLessThan(h.history.loss[0]! * 0.5);
      const ev = m.evaluate(x.slice(45), y.slice(45));
      expect(ev.loss).toBeCloseTo(h.history.val_loss!.at(-1)!, 5);
      expect(ev.accuracy).toBeCloseTo(h.history.val_accuracy!.at(-1)!, 6);
    });

    it("fit is deterministic for a seed, and shuffle=false is independent of it", async () => {
      const { Clf } = await load();
      const { x, y } = data(40);
      const run = (seed: number, shuffle: boolean) => new Clf!({ seed }).fit(x, y, { epochs: 3, batchSize: 8, shuffle }).history.loss;
      expect(run(1, true)).toEqual(run(1, true));
      expect(run(1, true)).not.toEqual(run(2, true).map((v) => v));
      const a = new Clf!({ seed: 1 });
      const b = new Clf!({ seed: 1 });
      b.setWeights(a.getWeights());
      expect(a.fit(x, y, { epochs: 2, shuffle: false }).history.loss).toEqual(b.fit(x, y, { epochs: 2, shuffle: false }).history.loss);
    });

    it("a non-finite input stops fit with the epoch, batch, step and sample named", async () => {
      const { Clf } = await load();
      const m = new Clf!();
      const { x, y } = data(20);
      x[13] = [NaN, 0];
      expect(() => m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false })).toThrow(/^fit epoch 1 batch 2 step 2 rejected: input \(sample 13\) is NaN; the model is unchanged/);
    });

    it("fit validates its options and data", async () => {
      const { Clf } = await load();
      const m = new Clf!();
      const { x, y } = data(10);
      expect(() => m.fit(x, y.slice(1))).toThrow(/labels/);
      expect(() => m.fit(x, y, { batchSize: 0 })).toThrow(/batchSize/);
      expect(() => m.fit(x, y, { validationSplit: 1 })).toThrow(/validationSplit/);
      expect(() => m.fit(x, y, { epochs: -1 })).toThrow(/epochs/);
    });

    it("an inference-only model has no training methods", async () => {
      const { Plain } = await load();
      const m = new Plain!({ seed: 3 });
      for (const method of ["trainOnBatch", "fit", "evaluate"]) expect(method in m, method).toBe(false);
      expect(Array.from(m.predict([1, 2, 3]))).toHaveLength(2);
    });

    it("weights can be given at construction, and unseeded instances get fresh seeds", async () => {
      const { Plain } = await load();
      const a = new Plain!();
      const b = new Plain!();
      expect(a.seed).not.toBe(b.seed);
      const c = new Plain!({ weights: a.getWeights() });
      expect(flatWeights(c)).toEqual(flatWeights(a));
      expect(() => new Plain!({ seed: -1 })).toThrow(/seed/);
    });
  });
}
