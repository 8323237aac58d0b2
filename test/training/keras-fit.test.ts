/**
 * Metrics in evaluate, and fit's options, against real Keras 3
 * (test/keras/training.json, from test/keras/gen_training.py): evaluate
 * returns every compiled metric with Keras's value; fit with
 * validation_split, validation_data, class_weight, sample_weight,
 * EarlyStopping (restore_best_weights, start_from_epoch) and
 * ReduceLROnPlateau gives Keras's history (epochs, losses, metrics,
 * validation values, learning rates) and final weights, to 1e-4.
 *
 * Keras makes duplicate metric names unique with a process-wide counter
 * (`auc_2` in the second model of a run), so metrics are matched in order.
 */
import { describe, expect, it } from "vitest";
import { check, formatDiagnostics } from "../../src/index.js";
import { EarlyStopping, ReduceLROnPlateau, type Callback } from "../../src/runtime/index.js";
import { generated, interpreted, type ModelClass } from "../helpers/models.js";
import { fixtureModel as model, near, trainingFixture } from "../helpers/keras-fixture.js";

interface MetricsCase {
  readonly loss: string;
  readonly units: number;
  readonly activation: string;
  readonly metrics: string;
  readonly y: (number | number[])[];
  readonly weights: number[][];
  readonly result: Record<string, number>;
}
interface FitCase {
  readonly name: string;
  readonly loss: string;
  readonly units: number;
  readonly activation: string;
  readonly metrics: string;
  readonly optimizer: string;
  readonly y: (number | number[])[];
  readonly xv: number[][];
  readonly yv: (number | number[])[];
  readonly sw: number[];
  readonly weights: number[][];
  readonly epoch: number[];
  readonly history: Record<string, number[]>;
  readonly after: number[][];
}

const fixture = trainingFixture<{
  x16: number[][];
  metrics: MetricsCase[];
  fits: FitCase[];
}>();

const source = [
  ...fixture.metrics.map((c, k) => model(`M${k}`, c.units, c.activation, `compile(optimizer='sgd', loss=${c.loss}, metrics=${c.metrics})`)),
  ...fixture.fits.map((c, k) => model(`F${k}`, c.units, c.activation, `compile(optimizer=${c.optimizer}, loss=${c.loss}, metrics=${c.metrics})`)),
].join("\n");

/** The layerc fit options of each case (the Keras call is in the fixture's `fit` text). */
function options(c: FitCase): Record<string, unknown> {
  switch (c.name) {
    case "validation_split":
      return { validationSplit: 0.25, batchSize: 4, epochs: 3 };
    case "validation_data":
      return { validationData: [c.xv, c.yv], batchSize: 3, epochs: 2 };
    case "class_weight":
      return { classWeight: { 0: 2, 2: 0.5 }, batchSize: 5, epochs: 2 };
    case "sample_weight":
      return { sampleWeight: c.sw, validationSplit: 0.25, batchSize: 4, epochs: 2 };
    case "sparse_class_weight":
      return { classWeight: { 1: 3 }, validationSplit: 0.25, batchSize: 16, epochs: 2 };
    case "early_stopping_restore":
      return { callbacks: [new EarlyStopping({ monitor: "loss", patience: 1, restoreBestWeights: true })] satisfies Callback[], batchSize: 16, epochs: 12 };
    case "early_stopping_val":
      return {
        callbacks: [new EarlyStopping({ monitor: "val_loss", minDelta: 0.01, patience: 2, restoreBestWeights: true, startFromEpoch: 1 })],
        validationSplit: 0.25,
        batchSize: 4,
        epochs: 15,
      };
    case "reduce_lr":
      return { callbacks: [new ReduceLROnPlateau({ monitor: "loss", factor: 0.5, patience: 1, minDelta: 0.05, cooldown: 1 })], batchSize: 16, epochs: 8 };
  }
  throw new Error(`no layerc options for ${c.name}`);
}

describe("Keras 3 fixtures: evaluate and fit", async () => {
  const backends: [string, Record<string, ModelClass>][] = [
    ["interpreter", interpreted(source)],
    ["generated", await generated(source)],
  ];

  fixture.metrics.forEach((c, k) => {
    it(`evaluate: ${c.loss} with ${c.metrics}`, () => {
      for (const [backend, classes] of backends) {
        const m = new classes[`M${k}`]!({ weights: c.weights.map((data) => ({ data })) });
        const got = m.evaluate(fixture.x16, c.y as number[][], { batchSize: 5 });
        const keys = Object.keys(c.result).filter((n) => n !== "loss");
        expect(Object.keys(got).length, `${backend}: ${Object.keys(got).join(", ")}`).toBe(keys.length + 1);
        near([got.loss], [c.result["loss"]!], `${backend} loss`);
        // Keras's own order is alphabetical in return_dict; ours is compile order: match each Keras value to a layerc value of the same base name
        for (const key of keys) {
          const base = key.replace(/_\d+$/, "");
          const candidates = Object.entries(got).filter(([n]) => n === key || n.replace(/_\d+$/, "") === base);
          expect(candidates.length, `${backend}: no layerc metric for Keras's ${key}`).toBeGreaterThan(0);
          const expected = c.result[key]!;
          const hit = candidates.some(([, v]) => Math.abs(v - expected) <= 1e-4 * Math.max(1, Math.abs(expected)));
          expect(hit, `${backend} ${key}: Keras ${expected}, layerc ${candidates.map(([n, v]) => `${n}=${v}`).join(", ")}`).toBe(true);
        }
      }
    });
  });

  fixture.fits.forEach((c, k) => {
    it(`fit: ${c.name}`, () => {
      for (const [backend, classes] of backends) {
        const m = new classes[`F${k}`]!({ weights: c.weights.map((data) => ({ data })) });
        const h = m.fit(fixture.x16, c.y as number[][], { shuffle: false, ...options(c) });
        expect(h.epoch, backend).toEqual(c.epoch);
        expect(Object.keys(h.history).sort(), backend).toEqual(Object.keys(c.history).sort());
        for (const [key, values] of Object.entries(c.history)) near(h.history[key]!, values, `${backend} ${key}`);
        m.getWeights().forEach((w, j) => near(w.data, c.after[j]!, `${backend} ${w.name}`));
      }
    });
  });
});

describe("F-beta metrics without an average", () => {
  it("are accepted: Keras's default average=None logs one value per class (test/training/per-class-metrics.test.ts)", () => {
    const src = (metrics: string) => `model M {\n  Input(shape=(3,))\n  Dense(3, activation='softmax')\n  compile(optimizer='sgd', loss='categorical_crossentropy', metrics=${metrics})\n}`;
    for (const m of ["[F1Score()]", "[F1Score(average=None)]", "['f1_score']", "[FBetaScore(beta=2.0)]", "[FBetaScore('macro', 2.0), F1Score(average='micro', threshold=0.5)]"]) {
      expect(formatDiagnostics(check(src(m)).diagnostics, src(m)), m).toBe("");
    }
  });
});
