/**
 * Regularizers and constraints against real Keras 3
 * (test/keras/training.json, from test/keras/gen_training.py): the reported
 * loss includes the penalties (in fit and evaluate), the weights follow the
 * penalties' gradients, and constraints project the weights after each
 * update; three epochs of batch 3, to 1e-4, in both backends.
 */
import { describe, expect, it } from "vitest";
import { check, formatDiagnostics } from "../../src/index.js";
import { generated, interpreted, type ModelClass } from "../helpers/models.js";
import { near, trainingFixture } from "../helpers/keras-fixture.js";

interface Case {
  readonly first: string;
  readonly second: string;
  readonly optimizer: string;
  readonly weights: number[][];
  readonly history: number[];
  readonly after: number[][];
  readonly evaluate: number;
}
const fixture = trainingFixture<{ x: number[][]; y: number[][]; weightOptions: Case[] }>();

const source = fixture.weightOptions
  .map(
    (c, k) => `model W${k} {
  Input(shape=(3,))
  Dense(4, activation='tanh', ${c.first})
  Dense(2, ${c.second})
  compile(optimizer=${c.optimizer}, loss='mse')
}`,
  )
  .join("\n");

describe("regularizers and constraints against Keras 3", async () => {
  const backends: [string, Record<string, ModelClass>][] = [
    ["interpreter", interpreted(source)],
    ["generated", await generated(source)],
  ];
  fixture.weightOptions.forEach((c, k) => {
    it(`${c.first} | ${c.second}`, () => {
      for (const [backend, classes] of backends) {
        const m = new classes[`W${k}`]!({ weights: c.weights.map((data) => ({ data })) });
        const h = m.fit(fixture.x, fixture.y, { epochs: 3, batchSize: 3, shuffle: false });
        near(h.history.loss, c.history, `${backend} loss`);
        m.getWeights().forEach((w, j) => near(w.data, c.after[j]!, `${backend} ${w.name}`));
        near([m.evaluate(fixture.x, fixture.y).loss], [c.evaluate], `${backend} evaluate`);
      }
    });
  });
});

describe("regularizer and constraint diagnostics", () => {
  const errors = (layer: string) => {
    const src = `model M {\n  Input(shape=(3,))\n  ${layer}\n}`;
    return formatDiagnostics(check(src).diagnostics, src);
  };
  it("an unsupported Keras regularizer or constraint is named, with the supported list", () => {
    expect(errors("Dense(2, kernel_regularizer=OrthogonalRegularizer())")).toContain(
      "layerc does not support the Keras regularizer `OrthogonalRegularizer`; supported: L1, L2, L1L2",
    );
    expect(errors("Dense(2, kernel_constraint='max')")).toContain("layerc does not support the Keras constraint `max`; supported: MaxNorm, MinMaxNorm, NonNeg, UnitNorm");
  });
  it("a constraint axis the weight does not have is an error", () => {
    expect(errors("Dense(2, bias_constraint=MaxNorm(1, axis=1))")).toContain("error[arg_range]");
  });
});

describe("weight options a layer does not take", () => {
  it("are unsupported, never a did-you-mean to another argument", () => {
    const src = "model M {\n  Input(shape=(3,))\n  Dense(2, recurrent_regularizer='l2')\n  BatchNormalization(gamma_regularizer='l2')\n}";
    const text = formatDiagnostics(check(src).diagnostics, src);
    expect(text).toContain("layerc does not support the Keras Dense argument `recurrent_regularizer`; supported: kernel_regularizer, kernel_constraint, bias_regularizer, bias_constraint, activity_regularizer");
    expect(text).toContain("layerc does not support the Keras BatchNormalization argument `gamma_regularizer`; supported: activity_regularizer");
    expect(text).not.toContain("did you mean");
  });
});
