/**
 * Activity regularizers and constraint axes against real Keras 3
 * (test/keras/penalties.json, from test/keras/gen_penalties.py): the same
 * functional model text builds both. Keras adds each layer call's
 * `activity_regularizer(output) / batch size` to the loss, in fit,
 * train_on_batch and evaluate; constraints take an axis or a list of axes
 * (negatives from the end). Evaluate before training, one step, three
 * epochs of batch 4 over 6 samples (a smaller last batch), evaluate after:
 * to 1e-4, in the interpreter and in generated code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check, compile, formatDiagnostics } from "../../src/index.js";
import type { ModelInput } from "../../src/runtime/index.js";
import { generated, interpreted, type ModelClass } from "../helpers/models.js";
import { near } from "../helpers/keras-fixture.js";

interface Case {
  readonly name: string;
  readonly source: string;
  readonly weight_names: string[];
  readonly weights_before: number[][];
  readonly x: number[][];
  readonly y: number[];
  readonly evaluate_before: number;
  readonly step_loss: number;
  readonly step_after: number[][];
  readonly history: number[];
  readonly after: number[][];
  readonly evaluate_after: number;
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "..", "keras", "penalties.json"), "utf8")) as {
  samples: number;
  batch: number;
  epochs: number;
  cases: Case[];
};
const { batch, epochs, samples } = fixture;

const source = fixture.cases.map((c, k) => `model P${k} {\n${c.source.split("\n").map((l) => `  ${l}`).join("\n")}\n}`).join("\n");

const inputs = (c: Case, n: number): ModelInput => {
  const xs = c.x.map((x) => Float32Array.from(x.slice(0, (x.length / samples) * n)));
  return (xs.length === 1 ? xs[0]! : xs) as ModelInput;
};
const targets = (c: Case, n: number) => Float32Array.from(c.y.slice(0, (c.y.length / samples) * n));

describe("activity regularizers and constraint axes against Keras 3", async () => {
  const backends: [string, Record<string, ModelClass>][] = [
    ["interpreter", interpreted(source)],
    ["generated", await generated(source)],
  ];
  fixture.cases.forEach((c, k) => {
    it(c.name, () => {
      for (const [backend, classes] of backends) {
        const make = () => new classes[`P${k}`]!({ weights: c.weights_before.map((data) => ({ data })) });
        const m = make();
        expect(m.getWeights().map((w) => w.data.length), `${backend} weight sizes`).toEqual(c.weights_before.map((w) => w.length));
        near([m.evaluate(inputs(c, samples), targets(c, samples), { batchSize: batch }).loss], [c.evaluate_before], `${backend} evaluate before`);
        near([m.trainOnBatch(inputs(c, batch), targets(c, batch), batch)], [c.step_loss], `${backend} one step's loss`);
        m.getWeights().forEach((w, j) => near(w.data, c.step_after[j]!, `${backend} ${w.name} after one step`));
        const f = make();
        const h = f.fit(inputs(c, samples), targets(c, samples), { epochs, batchSize: batch, shuffle: false });
        near(h.history.loss, c.history, `${backend} fit loss`);
        f.getWeights().forEach((w, j) => near(w.data, c.after[j]!, `${backend} ${w.name} after fit`));
        near([f.evaluate(inputs(c, samples), targets(c, samples), { batchSize: batch }).loss], [c.evaluate_after], `${backend} evaluate after`);
      }
    });
  });
});

describe("activity regularizer and constraint axis diagnostics", () => {
  const errors = (body: string) => {
    const src = `model M {\n  Input(shape=(3, 4))\n  ${body}\n}`;
    return formatDiagnostics(check(src).diagnostics, src);
  };
  it("every layer takes activity_regularizer, as Keras's base Layer does", () => {
    for (const layer of ["Dense(2, ", "Conv1D(2, 2, ", "Conv1DTranspose(2, 2, ", "SeparableConv1D(2, 2, ", "SimpleRNN(2, ", "LSTM(2, ", "GRU(2, ", "LayerNormalization(", "Flatten(", "Dropout(0.5, ", "MaxPooling1D(", "Bidirectional(LSTM(2), "]) {
      expect(errors(`${layer}activity_regularizer=L1L2(l1=0.1, l2=0.1))`), layer).toBe("");
    }
    expect(errors("LayerNormalization(gamma_regularizer='l2')")).toContain("layerc does not support the Keras LayerNormalization argument `gamma_regularizer`; supported: activity_regularizer");
  });
  it("a wrapped layer's regularizers and constraints are refused rather than ignored", () => {
    expect(errors("TimeDistributed(Dense(2, kernel_regularizer='l2'))")).toContain("error[keras_unsupported]: layerc does not support the Keras argument of a wrapped Dense `kernel_regularizer`");
    expect(errors("Bidirectional(LSTM(2, activity_regularizer='l1'))")).toContain("error[keras_unsupported]: layerc does not support the Keras argument of a wrapped LSTM `activity_regularizer`");
  });
  it("constraint axes: a list or tuple, negatives from the end, each within the weight's rank and given once", () => {
    expect(errors("Dense(2, kernel_constraint=MaxNorm(1, axis=[0, 1]), bias_constraint=UnitNorm(axis=-1))")).toBe("");
    expect(errors("Dense(2, kernel_constraint=MaxNorm(1, axis=(0, 2)))")).toContain("`axis` must be an axis of dense/kernel, shape (4, 2), got 2");
    expect(errors("Dense(2, kernel_constraint=UnitNorm(axis=-3))")).toContain("`axis` must be an axis of dense/kernel, shape (4, 2), got -3");
    expect(errors("Dense(2, kernel_constraint=UnitNorm(axis=[1, -1]))")).toContain("`axis` must be axes that are all different, got -1");
  });
});

describe("activity penalties with native (WebAssembly) kernels", () => {
  it("a Dense large enough for a native product trains as the interpreter does", async () => {
    const src = `model Big(seed=3) {
  x = Input(shape=(24,))
  h = Dense(32, activation='relu', activity_regularizer=L1L2(l1=0.01, l2=0.02))(x)
  y = Dense(24, activity_regularizer='l2')(h)
  Model(inputs=x, outputs=y)
  compile(optimizer=SGD(learning_rate=0.05), loss='mse')
}`;
    expect((await compile(src)).code).toContain("WebAssembly");
    const x = Float32Array.from({ length: 10 * 24 }, (_, i) => Math.sin(i * 0.37));
    const y = Float32Array.from({ length: 10 * 24 }, (_, i) => Math.cos(i * 0.11));
    const run = (cls: ModelClass) => {
      const m = new cls();
      const h = m.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false });
      return { loss: [...h.history.loss, m.evaluate(x, y, { batchSize: 3 }).loss], weights: m.getWeights().flatMap((w) => [...w.data]) };
    };
    const a = run(interpreted(src)["Big"]!);
    const b = run((await generated(src))["Big"]!);
    near(b.loss, a.loss, "loss (generated vs interpreter)", 1e-6);
    near(b.weights, a.weights, "weights (generated vs interpreter)", 1e-5);
  });
});
