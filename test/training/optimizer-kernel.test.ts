/**
 * The optimizer kernel (what models run, interpreted or emitted) equals the
 * runtime reference (src/runtime/optimizers.ts) bit for bit, for every
 * optimizer and option: four steps over several weight tensors, float32
 * parameters, one range left untrainable. Also: Keras's clipping order and
 * the EMA's first step.
 */
import { describe, expect, it } from "vitest";
import { compileKernel } from "../../src/interpreter/exec.js";
import { optimizerKernel } from "../../src/kernel/optimizer.js";
import { createOptimizer, HYPER, OPTIMIZERS, slotLayout, stepScalars } from "../../src/runtime/optimizers.js";
import { learningRateAt } from "../../src/runtime/schedules.js";
import type { OptimizerSpec } from "../../src/runtime/spec.js";

const base = { learningRate: 0.01 };
const adam = { ...base, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
const configs: OptimizerSpec[] = [
  { ...base, name: "sgd", momentum: 0, nesterov: false },
  { ...base, name: "sgd", momentum: 0.9, nesterov: true, weightDecay: 0.1 },
  { ...adam, name: "adam", amsgrad: true },
  { ...adam, name: "adamw", weightDecay: 0.004, clipnorm: 0.5 },
  { ...adam, name: "adam", globalClipnorm: 0.3, useEma: true, emaMomentum: 0.9 },
  { ...base, name: "rmsprop", rho: 0.9, momentum: 0.5, epsilon: 1e-7, centered: true },
  { ...base, name: "rmsprop", rho: 0.8, momentum: 0, epsilon: 1e-3, centered: true, clipvalue: 0.2 },
  { ...base, name: "adagrad", initialAccumulatorValue: 0.1, epsilon: 1e-7 },
  { ...base, name: "adadelta", rho: 0.95, epsilon: 1e-7 },
  { ...adam, name: "adamax" },
  { ...adam, name: "nadam", schedule: { name: "exponential_decay", initialLearningRate: 0.01, decaySteps: 2, decayRate: 0.5, staircase: false } },
  { ...base, name: "lion", beta1: 0.9, beta2: 0.99 },
  {
    ...base,
    name: "ftrl",
    learningRatePower: -0.5,
    initialAccumulatorValue: 0.1,
    l1RegularizationStrength: 0.01,
    l2RegularizationStrength: 0.02,
    l2ShrinkageRegularizationStrength: 0.03,
    beta: 0.5,
  },
  {
    ...base,
    name: "ftrl",
    learningRatePower: -0.7,
    initialAccumulatorValue: 0.2,
    l1RegularizationStrength: 0,
    l2RegularizationStrength: 0,
    l2ShrinkageRegularizationStrength: 0,
    beta: 0,
    schedule: { name: "cosine_decay", initialLearningRate: 0.001, decaySteps: 3, alpha: 0, warmupTarget: 0.02, warmupSteps: 2 },
  },
];

const slotsOf = (o: unknown): Float64Array[] => (o as { slots: Float64Array[] }).slots;

describe("the optimizer kernel equals the runtime reference bit for bit", () => {
  for (const spec of configs) {
    it(JSON.stringify(spec), () => {
      const size = 11;
      const ranges: [number, number][] = [
        [0, 4],
        [4, 3],
        [8, 3],
      ]; // [7, 8) is not trainable
      const layout = slotLayout(spec);
      const slotNames = layout.map((_, k) => `slot${k}`);
      const order = ["params", "grads", ...slotNames, "hyper"];
      const run = compileKernel(optimizerKernel(spec, ranges, { params: "params", grads: "grads", slots: slotNames, hyper: "hyper" }), (buf) => ({
        slot: order.indexOf(buf),
        base: 0,
      }));
      const p = Float32Array.from({ length: size }, (_, i) => Math.sin(i + 1));
      const ref = createOptimizer(spec, size);
      const pRef = p.slice();
      const state = layout.map((s) => new Float64Array(size).fill(s.init));
      const hyper = new Float64Array(HYPER.size);
      for (let t = 1; t <= 4; t++) {
        const g = Float64Array.from({ length: size }, (_, i) => Math.cos(i * t) * (t % 2 ? 1 : -0.5));
        ref.step(pRef, g, ranges);
        stepScalars(OPTIMIZERS[spec.name], spec, t, hyper, learningRateAt(spec, t - 1));
        run({ arrays: [p, g, ...state, hyper], batch: 0 });
      }
      expect(Array.from(p)).toEqual(Array.from(pRef));
      expect(p[7]).toBe(Math.fround(Math.sin(8)));
      expect(Array.from(p)).not.toEqual(Array.from({ length: size }, (_, i) => Math.fround(Math.sin(i + 1))));
      slotsOf(ref).forEach((s, i) => expect(Array.from(state[i]!)).toEqual(Array.from(s)));
    });
  }
});

describe("optimizer options", () => {
  const sgd: OptimizerSpec = { learningRate: 1, name: "sgd", momentum: 0, nesterov: false };
  const step = (spec: OptimizerSpec, g: number[], w = [0, 0]) => {
    const p = Float64Array.from(w);
    createOptimizer(spec, 2).step(p, Float64Array.from(g), [
      [0, 1],
      [1, 1],
    ]);
    return Array.from(p);
  };

  it("clipnorm clips each weight tensor's gradient on its own; global_clipnorm all together", () => {
    expect(step({ ...sgd, clipnorm: 1 }, [3, -0.5])).toEqual([-1, 0.5]);
    const [a, b] = step({ ...sgd, globalClipnorm: 1 }, [3, 4]);
    expect(a).toBeCloseTo(-0.6, 15);
    expect(b).toBeCloseTo(-0.8, 15);
    expect(step({ ...sgd, clipvalue: 0.5 }, [3, -0.25])).toEqual([-0.5, 0.25]);
  });

  it("weight decay shrinks the weight by wd·lr before the update", () => {
    expect(step({ ...sgd, learningRate: 0.5, weightDecay: 0.2 }, [0, 1], [2, 2])).toEqual([2 - 2 * 0.2 * 0.5, 2 - 2 * 0.2 * 0.5 - 0.5]);
  });

  it("the EMA takes the weights as they are after the first step (momentum 0 there)", () => {
    const spec: OptimizerSpec = { ...sgd, useEma: true, emaMomentum: 0.5 };
    const o = createOptimizer(spec, 1);
    const p = Float64Array.of(1);
    o.step(p, Float64Array.of(1), [[0, 1]]);
    expect(slotsOf(o).at(-1)![0]).toBe(0);
    o.step(p, Float64Array.of(1), [[0, 1]]);
    expect(slotsOf(o).at(-1)![0]).toBe(0.5 * 0 + 0.5 * -1);
  });
});
