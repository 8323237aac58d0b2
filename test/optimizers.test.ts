/**
 * Optimizers (src/runtime/optimizers.ts) against hand-unrolled Keras 3
 * update rules (keras-semantics.md §4.3). The hand-unrolled references use
 * float64 like the implementation, so values agree to 1e-14 relative.
 */
import { describe, expect, it } from "vitest";
import { LayercError } from "../src/runtime/errors.js";
import { createOptimizer, type Optimizer } from "../src/runtime/optimizers.js";
import type { OptimizerSpec } from "../src/runtime/spec.js";

function closeAll(actual: ArrayLike<number>, expected: readonly number[], rel = 1e-14): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Math.abs(a - e) > 1e-300 + rel * Math.abs(e)) expect.fail(`[${i}] ${a} is not within ${rel} (relative) of ${e}`);
  }
}

const slots = (o: Optimizer): Float64Array[] => (o as unknown as { slots: Float64Array[] }).slots;
const ALL: (readonly [number, number])[] = [[0, 3]];
const W0 = [1, -2, 0.5];
/** Three gradient steps with changing signs and magnitudes. */
const G = [
  [0.5, -1, 2],
  [0.25, 0.5, -3],
  [-1, 0.125, 0.75],
];

/** Runs the three steps of G from W0 and returns the parameters. */
function run(spec: OptimizerSpec, steps = 3): Float64Array {
  const w = Float64Array.from(W0);
  const o = createOptimizer(spec, 3);
  for (let t = 0; t < steps; t++) o.step(w, Float64Array.from(G[t]!), ALL);
  expect(o.iterations).toBe(steps);
  return w;
}

/** Applies `f(state, w, g, t)` per coordinate over the first `steps` steps of G. */
function unroll(steps: number, f: (s: number[], w: number, g: number, t: number) => number): number[] {
  return W0.map((w0, i) => {
    const s: number[] = [0, 0];
    let w = w0;
    for (let t = 1; t <= steps; t++) w = f(s, w, G[t - 1]![i]!, t);
    return w;
  });
}

describe("SGD", () => {
  it("plain: w ← w − lr·g", () => {
    const w = run({ name: "sgd", learningRate: 0.1, momentum: 0, nesterov: false }, 1);
    closeAll(w, [1 - 0.05, -2 + 0.1, 0.5 - 0.2]);
    closeAll(run({ name: "sgd", learningRate: 0.1, momentum: 0, nesterov: false }), unroll(3, (_, w, g) => w - 0.1 * g));
  });

  it("momentum: v ← μv − lr·g; w ← w + v", () => {
    const spec: OptimizerSpec = { name: "sgd", learningRate: 0.1, momentum: 0.9, nesterov: false };
    closeAll(
      run(spec),
      unroll(3, (s, w, g) => {
        s[0] = 0.9 * s[0]! - 0.1 * g;
        return w + s[0];
      }),
    );
    // Step 2 of coordinate 0 by hand: v₁ = −0.05, v₂ = −0.045 − 0.025 = −0.07.
    closeAll(run(spec, 2).subarray(0, 1), [1 - 0.05 - 0.07]);
  });

  it("nesterov: v ← μv − lr·g; w ← w + μv − lr·g", () => {
    const spec: OptimizerSpec = { name: "sgd", learningRate: 0.1, momentum: 0.9, nesterov: true };
    closeAll(
      run(spec),
      unroll(3, (s, w, g) => {
        s[0] = 0.9 * s[0]! - 0.1 * g;
        return w + 0.9 * s[0] - 0.1 * g;
      }),
    );
    closeAll(run(spec, 1).subarray(0, 1), [1 + 0.9 * -0.05 - 0.05]);
  });
});

describe("Adam", () => {
  const spec: OptimizerSpec = { name: "adam", learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
  const keras = (s: number[], w: number, g: number, t: number): number => {
    s[0] = s[0]! + (g - s[0]!) * (1 - 0.9);
    s[1] = s[1]! + (g * g - s[1]!) * (1 - 0.999);
    const alpha = (0.01 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
    return w - (alpha * s[0]) / (Math.sqrt(s[1]) + 1e-7);
  };

  it("three steps follow the Keras formulas", () => {
    closeAll(run(spec), unroll(3, keras));
  });

  it("its first step moves each weight by ≈ lr·sign(g)", () => {
    closeAll(run(spec, 1), [1 - 0.01, -2 + 0.01, 0.5 - 0.01], 1e-6);
  });

  it("places ε as Keras's ε-hat, not as tfjs does (tiny gradients)", () => {
    const g = 1e-9;
    const o = createOptimizer(spec, 1);
    const w = Float64Array.of(0);
    o.step(w, Float64Array.of(g), [[0, 1]]);
    const m = 0.1 * g;
    const v = 0.001 * g * g;
    const kerasW = -((0.01 * Math.sqrt(0.001)) / 0.1) * (m / (Math.sqrt(v) + 1e-7));
    const tfjsW = -0.01 * ((m / 0.1) / (Math.sqrt(v / 0.001) + 1e-7));
    closeAll(w, [kerasW], 1e-12);
    expect(Math.abs(tfjsW / kerasW)).toBeGreaterThan(10); // ≈ 0.0099·lr vs ≈ 0.00031·lr
  });
});

describe("RMSprop", () => {
  it("without momentum: v ← ρv + (1−ρ)g²; w ← w − lr·g/√(v + ε)", () => {
    const spec: OptimizerSpec = { name: "rmsprop", learningRate: 0.01, rho: 0.9, momentum: 0, epsilon: 1e-7 };
    closeAll(
      run(spec),
      unroll(3, (s, w, g) => {
        s[0] = 0.9 * s[0]! + 0.1 * g * g;
        return w - (0.01 * g) / Math.sqrt(s[0] + 1e-7);
      }),
    );
    closeAll(run(spec, 1).subarray(0, 1), [1 - (0.01 * 0.5) / Math.sqrt(0.025 + 1e-7)]);
  });

  it("with momentum: mom ← μ·mom + Δ; w ← w − mom", () => {
    const spec: OptimizerSpec = { name: "rmsprop", learningRate: 0.01, rho: 0.8, momentum: 0.5, epsilon: 1e-6 };
    closeAll(
      run(spec),
      unroll(3, (s, w, g) => {
        s[0] = 0.8 * s[0]! + 0.2 * g * g;
        s[1] = 0.5 * s[1]! + (0.01 * g) / Math.sqrt(s[0] + 1e-6);
        return w - s[1];
      }),
    );
  });
});

describe("all optimizers", () => {
  const specs: OptimizerSpec[] = [
    { name: "sgd", learningRate: 0.1, momentum: 0, nesterov: false },
    { name: "sgd", learningRate: 0.1, momentum: 0.9, nesterov: false },
    { name: "sgd", learningRate: 0.1, momentum: 0.9, nesterov: true },
    { name: "adam", learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    { name: "rmsprop", learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7 },
    { name: "rmsprop", learningRate: 0.001, rho: 0.9, momentum: 0.9, epsilon: 1e-7 },
  ];
  const label = (s: OptimizerSpec): string => JSON.stringify(s);

  for (const spec of specs) {
    it(`touches only the given ranges and their state: ${label(spec)}`, () => {
      const o = createOptimizer(spec, 8);
      const w = Float64Array.from({ length: 8 }, (_, i) => i + 1);
      const g = new Float64Array(8).fill(0.5);
      for (let t = 0; t < 3; t++) o.step(w, g, [[1, 2], [6, 1]]);
      for (const i of [0, 3, 4, 5, 7]) expect(w[i]).toBe(i + 1);
      for (const i of [1, 2, 6]) expect(w[i]).not.toBe(i + 1);
      for (const s of slots(o)) for (const i of [0, 3, 4, 5, 7]) expect(s[i]).toBe(0);
      // The same update as running the optimizer over those coordinates alone.
      const ref = createOptimizer(spec, 1);
      const w1 = Float64Array.of(2);
      for (let t = 0; t < 3; t++) ref.step(w1, Float64Array.of(0.5), [[0, 1]]);
      expect(w[1]).toBe(w1[0]);
    });

    it(`counts iterations and never reallocates state: ${label(spec)}`, () => {
      const o = createOptimizer(spec, 4);
      const before = [...slots(o)];
      const expected = spec.name === "adam" ? 2 : spec.name === "sgd" ? (spec.momentum > 0 ? 1 : 0) : (spec as { momentum: number }).momentum > 0 ? 2 : 1;
      expect(before.length).toBe(expected);
      for (const s of before) expect(s.length).toBe(4);
      const w = new Float32Array(4);
      const g = Float64Array.of(1, -1, 0.5, 0);
      expect(o.iterations).toBe(0);
      for (let t = 0; t < 1000; t++) o.step(w, g, [[0, 4]]);
      expect(o.iterations).toBe(1000);
      expect(slots(o).length).toBe(before.length);
      slots(o).forEach((s, i) => expect(s).toBe(before[i]));
      o.step(w, g, []);
      expect(o.iterations).toBe(1001);
    });

    it(`computes in float64 and rounds once into Float32Array params: ${label(spec)}`, () => {
      const w32 = Float32Array.of(0.1, -0.7, 3.3);
      const w64 = Float64Array.from(w32);
      const a = createOptimizer(spec, 3);
      const b = createOptimizer(spec, 3);
      const g = Float64Array.of(0.3, -0.01, 1.7);
      a.step(w32, g, ALL);
      b.step(w64, g, ALL);
      for (let i = 0; i < 3; i++) expect(w32[i]).toBe(Math.fround(w64[i]!));
      expect(w32[0]).not.toBe(Math.fround(0.1)); // it moved
    });
  }

  it("rejects out-of-range ranges and unknown optimizers with LayercError", () => {
    const o = createOptimizer(specs[0]!, 4);
    const w = new Float64Array(4);
    expect(() => o.step(w, new Float64Array(4), [[2, 3]])).toThrow(LayercError);
    expect(() => o.step(w, new Float64Array(2), [[0, 3]])).toThrow(LayercError);
    expect(() => o.step(new Float64Array(8), new Float64Array(8), [[4, 2]])).toThrow(LayercError);
    expect(() => o.step(w, new Float64Array(4), [[-1, 2]])).toThrow(LayercError);
    expect(() => createOptimizer({ name: "adafactor" } as unknown as OptimizerSpec, 4)).toThrow(LayercError);
  });
});

// the optimizer kernel against this reference, bit for bit, for every optimizer and option: test/training/optimizer-kernel.test.ts
