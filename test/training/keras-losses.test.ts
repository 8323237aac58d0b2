/**
 * Every loss against real Keras 3 (test/keras/training.json, from
 * test/keras/gen_training.py): the same weights, data and loss text, three
 * full-batch SGD epochs; the per-epoch losses and the final weights (which
 * follow from the gradients) to 1e-4, in both backends. Cases include
 * saturated outputs (weights ×16) and from_logits. Also: each new loss
 * kernel's gradient against central finite differences of its own value.
 */
import { describe, expect, it } from "vitest";
import { compileKernel } from "../../src/interpreter/exec.js";
import { lossKernel } from "../../src/kernel/loss.js";
import type { LossName, LossSpec } from "../../src/runtime/spec.js";
import { generated, interpreted, type ModelClass } from "../helpers/models.js";
import { fixtureModel, near, trainingFixture } from "../helpers/keras-fixture.js";

interface LossCase {
  readonly loss: string;
  readonly units: number;
  readonly activation: string;
  readonly lr: number;
  readonly y: (number | number[])[];
  readonly weights: number[][];
  readonly history: number[];
  readonly after: number[][];
}

const fixture = trainingFixture<{ x: number[][]; losses: LossCase[] }>();

const source = fixture.losses.map((c, k) => fixtureModel(`L${k}`, c.units, c.activation, `compile(optimizer=SGD(learning_rate=${c.lr}), loss=${c.loss})`)).join("\n");

describe("losses against Keras 3", async () => {
  const backends: [string, Record<string, ModelClass>][] = [
    ["interpreter", interpreted(source)],
    ["generated", await generated(source)],
  ];
  fixture.losses.forEach((c, k) => {
    it(`${c.loss} after ${c.activation}${Math.abs(c.weights[0]![0]!) > 1 ? " (saturated)" : ""}`, () => {
      for (const [backend, classes] of backends) {
        const m = new classes[`L${k}`]!({ weights: c.weights.map((data) => ({ data })) });
        const h = m.fit(fixture.x, c.y as number[][], { epochs: 3, batchSize: 6, shuffle: false });
        near(h.history.loss, c.history, `${backend} loss`);
        m.getWeights().forEach((w, j) => near(w.data, c.after[j]!, `${backend} ${w.name}`));
      }
    });
  });
});

describe("loss kernels: gradients match central finite differences", () => {
  const specs: LossSpec[] = [
    { name: "huber", fromLogits: false, delta: 0.7 },
    { name: "log_cosh", fromLogits: false },
    { name: "poisson", fromLogits: false },
    { name: "mean_absolute_percentage_error", fromLogits: false },
    { name: "mean_squared_logarithmic_error", fromLogits: false },
    { name: "hinge", fromLogits: false },
    { name: "squared_hinge", fromLogits: false },
    { name: "kl_divergence", fromLogits: false },
    { name: "cosine_similarity", fromLogits: false },
    { name: "categorical_hinge", fromLogits: false },
    { name: "binary_focal_crossentropy", fromLogits: false, gamma: 2, alpha: 0.25, labelSmoothing: 0.1 },
    { name: "binary_focal_crossentropy", fromLogits: true, gamma: 1.5, alpha: 0.3, applyClassBalancing: true },
    { name: "categorical_focal_crossentropy", fromLogits: false, gamma: 2, alpha: 0.25 },
    { name: "categorical_focal_crossentropy", fromLogits: true, gamma: 1.5, alpha: 0.5, labelSmoothing: 0.2 },
    { name: "categorical_crossentropy", fromLogits: true, labelSmoothing: 0.1 },
    { name: "binary_crossentropy", fromLogits: false, labelSmoothing: 0.2 },
  ];
  const batch = 2;
  const classes = 3;
  const outSize = 6; // two rows of three per sample
  for (const spec of specs) {
    it(JSON.stringify(spec), () => {
      const run = compileKernel(lossKernel(spec, outSize, classes, { pred: "pred", probs: null, labels: "labels", dOut: "dOut", result: "result", weights: "w" }), (buf) => ({
        slot: ["pred", "labels", "dOut", "result", "w"].indexOf(buf),
        base: 0,
      }));
      const n = batch * outSize;
      const positive = (["poisson", "kl_divergence", "mean_squared_logarithmic_error", "categorical_focal_crossentropy", "binary_focal_crossentropy", "binary_crossentropy"] as LossName[]).includes(spec.name) && !spec.fromLogits;
      const pred = Float64Array.from({ length: n }, (_, i) => (positive ? 0.15 + 0.7 * ((i * 0.37) % 1) : Math.sin(i * 1.7) * 1.3));
      // MAPE divides by max(|y|, ε): nonzero targets keep the loss (and the differences) at a sane scale
      const labels = Float32Array.from({ length: n }, (_, i) => (i % 3 === i % 2 ? 1 : 0) + (spec.name === "mean_absolute_percentage_error" ? 0.5 : 0));
      const weights = Float64Array.of(1.5, 0.5);
      const eval_ = (p: Float64Array, d: Float64Array) => {
        const result = new Float64Array(1);
        run({ arrays: [p, labels, d, result, weights], batch });
        return result[0]!;
      };
      const grad = new Float64Array(n);
      eval_(pred, grad);
      for (let i = 0; i < n; i++) {
        const h = 1e-6;
        const plus = Float64Array.from(pred);
        const minus = Float64Array.from(pred);
        plus[i] = plus[i]! + h;
        minus[i] = minus[i]! - h;
        const fd = (eval_(plus, new Float64Array(n)) - eval_(minus, new Float64Array(n))) / (2 * h);
        expect(Math.abs(grad[i]! - fd), `∂/∂p[${i}]: kernel ${grad[i]} vs finite difference ${fd}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
      }
    });
  }
});
