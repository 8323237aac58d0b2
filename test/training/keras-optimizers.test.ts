/**
 * Every optimizer, option and schedule against real Keras 3
 * (test/keras/training.json, written by test/keras/gen_training.py): the
 * same weights, data and optimizer text; four full-batch epochs of fit; the
 * per-epoch losses and the final weights to 1e-4. One spec file holds every
 * case, so the generated code is compiled once; each case runs in both
 * backends. Schedules are compared value by value over 12 steps.
 */
import { describe, expect, it } from "vitest";
import { check } from "../../src/index.js";
import { scheduleAt } from "../../src/runtime/schedules.js";
import { generated, interpreted, type ModelClass } from "../helpers/models.js";
import { near, trainingFixture } from "../helpers/keras-fixture.js";

interface OptimizerCase {
  readonly optimizer: string;
  readonly weights: number[][];
  readonly loss: number[];
  readonly after: number[][];
}
interface Fixture {
  readonly x: number[][];
  readonly y: number[][];
  readonly optimizers: OptimizerCase[];
  readonly schedules: { schedule: string; values: number[] }[];
}

const fixture = trainingFixture<Fixture>();

const source = fixture.optimizers
  .map(
    (c, k) => `model O${k} {
  Input(shape=(3,))
  Dense(4, activation='tanh')
  Dense(2)
  compile(optimizer=${c.optimizer}, loss='mse')
}`,
  )
  .join("\n");

describe("optimizers against Keras 3", async () => {
  const backends: [string, Record<string, ModelClass>][] = [
    ["interpreter", interpreted(source)],
    ["generated", await generated(source)],
  ];
  fixture.optimizers.forEach((c, k) => {
    it(c.optimizer, () => {
      for (const [backend, classes] of backends) {
        const m = new classes[`O${k}`]!({ weights: c.weights.map((data) => ({ data })) });
        const h = m.fit(fixture.x, fixture.y, { epochs: 4, batchSize: 6, shuffle: false });
        near(h.history.loss, c.loss, `${backend} loss`);
        m.getWeights().forEach((w, j) => near(w.data, c.after[j]!, `${backend} ${w.name}`));
      }
    });
  });
});

describe("learning-rate schedules against Keras 3", () => {
  for (const s of fixture.schedules) {
    it(s.schedule, () => {
      const ir = check(`model S {\n  Dense(1, input_shape=(1,))\n  compile(optimizer=SGD(learning_rate=${s.schedule}), loss='mse')\n}`).ir;
      const spec = ir?.models[0]?.training?.optimizer;
      expect(spec?.schedule, "the schedule resolves").toBeTruthy();
      near(
        s.values.map((_, step) => scheduleAt(spec!.schedule!, step)),
        s.values,
        "learning rate",
        1e-6,
      );
    });
  }
});
