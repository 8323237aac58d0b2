/**
 * The sequence layers against real Keras 3 (fixtures written by
 * test/keras/gen_sequence_fixtures.py; no Python needed here): on Keras's
 * own weights and inputs, predictions agree to 1e-5 and the loss and every
 * weight after each of two train_on_batch steps to 1e-4, on the
 * interpreter and on generated code. Summary rows (names, kinds, output
 * shapes, parameter counts) are Keras's too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generated, interpreted, maxRelError, type ModelClass } from "./helpers/models.js";
import { summaryRows } from "./helpers/summary-rows.js";

interface Fixture {
  readonly name: string;
  readonly spec: string;
  readonly batch: number;
  readonly weights: { shape: number[]; data: number[] }[];
  readonly x: number[];
  readonly y: number[];
  readonly predict: number[];
  readonly steps: { loss: number; weights: number[][] }[];
  readonly summary: { name: string; kind: string; output: number[]; params: number }[];
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "keras", "sequence-fixtures.json"), "utf8")) as { keras: string; cases: Fixture[] };

type Trainable = ModelClass extends new (...a: never[]) => infer I ? I & { trainOnBatch(x: Float32Array, y: Float32Array, n: number): number } : never;

async function check(cls: ModelClass, f: Fixture, label: string) {
  const m = new cls({ weights: f.weights }) as Trainable;
  const x = Float32Array.from(f.x);
  const y = Float32Array.from(f.y);
  const [err, at] = maxRelError(m.predictBatch(x, f.batch), f.predict);
  expect(err, `${label} prediction ${at}`).toBeLessThan(1e-5);
  f.steps.forEach((step, k) => {
    const loss = m.trainOnBatch(x, y, f.batch);
    expect(Math.abs(loss - step.loss) / Math.max(1, Math.abs(step.loss)), `${label} loss of step ${k + 1}`).toBeLessThan(1e-4);
    m.getWeights().forEach((w, i) => {
      const [e, j] = maxRelError(w.data, step.weights[i]!);
      expect(e, `${label} step ${k + 1}, ${w.name}[${j}]`).toBeLessThan(1e-4);
    });
  });
  const rows = summaryRows(m.summary());
  for (const row of f.summary) {
    expect(rows, `${label} summary row of ${row.name}`).toContainEqual([`${row.name} (${row.kind})`, `(None, ${row.output.join(", ")})`, row.params.toLocaleString("en-US")]);
  }
}

describe(`sequence layers agree with Keras ${fixtures.keras}`, () => {
  it("has a fixture for every sequence layer kind", () => {
    const kinds = new Set(fixtures.cases.flatMap((c) => c.summary.map((r) => r.kind)));
    for (const k of ["Embedding", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "RepeatVector", "Permute"]) expect(kinds).toContain(k);
  });
  for (const f of fixtures.cases) {
    it(f.name, async () => {
      await check(interpreted(f.spec)["M"]!, f, `${f.name} (interpreter)`);
      await check((await generated(f.spec))["M"]!, f, `${f.name} (generated)`);
    });
  }
});
