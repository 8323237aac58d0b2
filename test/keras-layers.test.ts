/**
 * Real Keras 3 as the oracle for the layers of issue 12: fixtures written by
 * test/keras/gen_layers.py (Keras itself, JAX backend) hold weights,
 * inputs, targets, predictions and the weights after two SGD steps. Each
 * case is rebuilt from the same layer lines through the interpreter, given
 * the same weights, and must predict within 1e-5 and train within 1e-4;
 * layer names, output shape and parameter count must be Keras's too.
 * Generated code is held to the interpreter by the property tests.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interpreted, maxRelError } from "./helpers/models.js";

interface Case {
  readonly name: string;
  readonly inputShape: number[];
  readonly dense: number | null;
  readonly layers: string[];
  readonly names: string[];
  readonly outputShape: number[];
  readonly params: number;
  readonly weights: { shape: number[]; data: number[] }[];
  readonly batch: number;
  readonly x: number[];
  readonly y: number[];
  readonly pred: number[];
  readonly steps: { loss: number; weights: number[][] }[];
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "keras", "layers.json"), "utf8")) as { cases: Case[] };

const tuple = (s: readonly number[]) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`);

export function specOf(c: Case): string {
  return `model M {
  Input(shape=${tuple(c.inputShape)})
${c.dense !== null ? `  Dense(${c.dense})\n` : ""}${c.layers.map((l) => `  ${l}\n`).join("")}  compile(optimizer=SGD(learning_rate=0.1), loss='mse')
}`;
}

describe("layers agree with Keras 3 (fixtures from test/keras/gen_layers.py)", () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const M = interpreted(specOf(c))["M"]!;
    expect([...M.outputShape]).toEqual(c.outputShape);
    const m = new M({ seed: 1 });
    expect(m.countParams()).toBe(c.params);
    for (const name of c.names) expect(m.summary()).toContain(name);
    m.setWeights(c.weights.map((w) => ({ shape: w.shape, data: Float32Array.from(w.data) })));
    const x = Float32Array.from(c.x);
    const y = Float32Array.from(c.y);
    const [predErr, at] = maxRelError(m.predictBatch(x, c.batch), c.pred);
    expect(predErr, `prediction ${at}`).toBeLessThan(1e-5);
    for (const [i, step] of c.steps.entries()) {
      const loss = m.trainOnBatch(x, y, c.batch);
      expect(Math.abs(loss - step.loss) / Math.max(1, Math.abs(step.loss)), `loss of step ${i + 1}`).toBeLessThan(1e-4);
      m.getWeights().forEach((w, k) => {
        const [err, where] = maxRelError(w.data, step.weights[k]!);
        expect(err, `weight ${k} after step ${i + 1}, value ${where}`).toBeLessThan(1e-4);
      });
    }
  });
});
