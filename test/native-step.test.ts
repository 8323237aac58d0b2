/**
 * The training step of a model with native kernels (issue 15, stepfast):
 * its inputs are scanned for NaN/±Infinity by copying them into the native
 * memory and scanning with SIMD (step-guard.ts inputFinite), and fit without
 * shuffling steps on views of the caller's rows instead of gathering them.
 * Both must keep the all-or-nothing step exactly: the same rejection (input,
 * sample index) wherever the bad value sits (inside a SIMD block or in the
 * scalar rest), and the same weights as the path they replace.
 */
import { describe, expect, it } from "vitest";
import { NonFiniteError } from "../src/runtime/index.js";
import type { NativeScan } from "../src/runtime/native.js";
import { inputFinite } from "../src/runtime/step-guard.js";
import { generated, type ModelClass } from "./helpers/models.js";

// 33 inputs: a batch of 4 is 132 values, so the scan covers 128 with SIMD and 4 in the loop
const SPEC = `model M(seed=4) {
  Dense(40, input_shape=(33,), activation='relu')
  Dense(3, activation='softmax')
  compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy')
}
`;

const IN = 33;
const x = (n: number, shift = 0) => Float32Array.from({ length: n * IN }, (_, i) => Math.cos(i * 0.37 + shift) * 0.8);
const y = (n: number) => Float32Array.from({ length: n * 3 }, (_, i) => (Math.floor(i / 3) % 3 === i % 3 ? 1 : 0));

async function model(): Promise<ModelClass> {
  return (await generated(SPEC))["M"]!;
}

describe("native training step", () => {
  it("scans a staged input with SIMD: every position, both sides of the SIMD/loop boundary, longer inputs, stale scratch", async () => {
    const M = await model();
    const m = new M({ seed: 3 });
    m.trainOnBatch(x(8), y(8), 8);
    const { inputStage, scan: maybe } = m as unknown as { inputStage: Float32Array[]; scan: NativeScan | null };
    expect(maybe).not.toBeNull();
    const scan = maybe!;
    const stage = inputStage[0]!;
    expect(stage.buffer).toBe((m as unknown as { params: Float32Array }).params.buffer);
    for (const count of [1, 15, 16, 17, 99, 132, 264]) {
      const clean = x(8).subarray(0, count);
      expect(inputFinite(clean, count, stage, scan)).toBe(true);
      for (let at = 0; at < count; at++) {
        for (const v of [Number.NaN, Infinity, -Infinity]) {
          const bad = Float32Array.from(clean);
          bad[at] = v;
          expect(inputFinite(bad, count, stage, scan), `${v} at ${at} of ${count}`).toBe(false);
        }
      }
    }
    // only the first count values are the step's: a bad value after them (in a longer input, or left in the scratch) is not
    const longer = x(8);
    longer[100] = Number.NaN;
    expect(inputFinite(longer, 100, stage, scan)).toBe(true);
    expect(inputFinite(longer, 101, stage, scan)).toBe(false);
    expect(inputFinite(longer, 64, stage, scan)).toBe(true);
  });

  it("rejects a non-finite input wherever it sits in the SIMD scan, naming the sample, and leaves the model unchanged", async () => {
    const M = await model();
    const m = new M({ seed: 3 });
    const twin = new M({ seed: 3 });
    expect(m.usesWasm).toBe(true);
    // a larger batch first: later batches are shorter than the native scratch they are copied into
    m.trainOnBatch(x(8), y(8), 8);
    twin.trainOnBatch(x(8), y(8), 8);
    for (const [n, at, value] of [
      [4, 5, Number.NaN], // inside the first SIMD block
      [4, 127, Infinity], // last value the SIMD scan covers
      [4, 128, -Infinity], // first value of the scalar rest
      [4, 131, Number.NaN], // last value
      [3, 98, Number.NaN], // 99 values: 96 by SIMD, 3 in the loop
      [8, 200, Infinity],
    ] as const) {
      const bad = x(n, 1);
      bad[at] = value;
      let err: unknown;
      try {
        m.trainOnBatch(bad, y(n), n);
      } catch (e) {
        err = e;
      }
      expect(err, `value ${value} at ${at} of ${n} samples`).toBeInstanceOf(NonFiniteError);
      expect((err as NonFiniteError).tensor).toBe("input");
      expect((err as NonFiniteError).sample).toBe(Math.floor(at / IN));
      expect(m.getWeights()).toEqual(twin.getWeights());
    }
    // a finite batch after the rejections: same step as the twin's
    expect(m.trainOnBatch(x(4, 2), y(4), 4)).toBe(twin.trainOnBatch(x(4, 2), y(4), 4));
    expect(m.getWeights()).toEqual(twin.getWeights());
  });

  it("fit without shuffling steps on the caller's rows in order: the same weights as trainOnBatch on each batch, and rejects a bad input by its index", async () => {
    const M = await model();
    const a = new M({ seed: 5 });
    const b = new M({ seed: 5 });
    const n = 11; // batches of 4, 4, 3
    const xs = x(n, 0.5);
    const ys = y(n);
    a.fit(xs, ys, { epochs: 2, batchSize: 4, shuffle: false });
    for (let e = 0; e < 2; e++) {
      for (let s = 0; s < n; s += 4) {
        const k = Math.min(4, n - s);
        b.trainOnBatch(xs.subarray(s * IN, (s + k) * IN), ys.subarray(s * 3, (s + k) * 3), k);
      }
    }
    expect(a.getWeights()).toEqual(b.getWeights());
    const bad = Float32Array.from(xs);
    bad[9 * IN + 30] = Number.NaN;
    const before = a.getWeights();
    let err: NonFiniteError | undefined;
    try {
      a.fit(bad, ys, { epochs: 1, batchSize: 4, shuffle: false });
    } catch (e) {
      err = e as NonFiniteError;
    }
    expect(err?.message).toMatch(/^fit epoch 1 batch 3 step 9 rejected: input \(sample 9\) is NaN/);
    // batches 1 and 2 of that call stand; batch 3 did not change anything
    b.fit(xs.subarray(0, 8 * IN), ys.subarray(0, 8 * 3), { epochs: 1, batchSize: 4, shuffle: false });
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(a.getWeights()).not.toEqual(before);
  });

  it("a step's kernels read the input copy it scanned (one copy per step), with the same results as a model that copies the input again", async () => {
    const M = await model();
    type Internals = { x_native: Float32Array; inputStage: Float32Array[] };
    // a twin whose kernels read a buffer of their own, which forward fills (the layout before the scan and the kernels shared one)
    const Base = M as unknown as new (o: object) => object;
    class Twice extends Base {
      protected inputCopy(_k: number, size: number, store: { f32(size: number): Float32Array }): Float32Array {
        return store.f32(size);
      }
    }
    const a = new M({ seed: 5 });
    const b = new (Twice as unknown as typeof M)({ seed: 5 });
    // batches of 6 (the capacity), then smaller ones (the scratch then holds more than the batch: the caller's rows are read)
    for (const [n, shift] of [
      [6, 0.1],
      [6, 0.2],
      [2, 0.3],
      [5, 0.4],
      [6, 0.5],
    ] as const) {
      expect(a.trainOnBatch(x(n, shift), y(n), n)).toBe(b.trainOnBatch(x(n, shift), y(n), n));
      expect(a.getWeights()).toEqual(b.getWeights());
    }
    expect(a.predictBatch(x(3, 0.9), 3)).toEqual(b.predictBatch(x(3, 0.9), 3));
    // a shuffled fit gathers full batches into the scanned copy, a last partial one (13 = 6 + 6 + 1) beside it
    const ha = a.fit(x(13, 0.7), y(13), { epochs: 2, batchSize: 6 });
    const hb = b.fit(x(13, 0.7), y(13), { epochs: 2, batchSize: 6 });
    expect(ha.history).toEqual(hb.history);
    expect(a.getWeights()).toEqual(b.getWeights());
    const ia = a as unknown as Internals;
    const ib = b as unknown as Internals;
    expect(ia.x_native).toBe(ia.inputStage[0]);
    expect(ib.x_native).not.toBe(ib.inputStage[0]);
  });

  it("a shuffled fit names the caller's index of a bad sample wherever the shuffle put it", async () => {
    const M = await model();
    const m = new M({ seed: 8 });
    const xs = x(11, 0.25);
    xs[7 * IN + 3] = Infinity;
    let err: NonFiniteError | undefined;
    try {
      m.fit(xs, y(11), { epochs: 1, batchSize: 4, shuffle: true });
    } catch (e) {
      err = e as NonFiniteError;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect(err?.sample).toBe(7);
    expect(err?.message).toMatch(/^fit epoch 1 batch \d step \d+ rejected: input \(sample 7\) is Infinity/);
  });

  it("fit without shuffling weights each sample with its own sample weight", async () => {
    const M = await model();
    const n = 8;
    const xs = x(n, 1.5);
    const ys = y(n);
    // weight 0 on the second batch: its step changes nothing (plain SGD), so the result is batch 1's alone
    const w = Float64Array.from({ length: n }, (_, i) => (i < 4 ? 1 : 0));
    const a = new M({ seed: 6 });
    const b = new M({ seed: 6 });
    a.fit(xs, ys, { epochs: 1, batchSize: 4, shuffle: false, sampleWeight: w });
    b.trainOnBatch(xs.subarray(0, 4 * IN), ys.subarray(0, 12), 4);
    expect(a.getWeights()).toEqual(b.getWeights());
    // and the other way round: batch 2's step alone
    const c = new M({ seed: 6 });
    const d = new M({ seed: 6 });
    c.fit(xs, ys, { epochs: 1, batchSize: 4, shuffle: false, sampleWeight: w.map((v) => 1 - v) });
    d.trainOnBatch(xs.subarray(4 * IN), ys.subarray(12), 4);
    expect(c.getWeights()).toEqual(d.getWeights());
  });
});
