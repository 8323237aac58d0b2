/**
 * Issue 11: token-id layers (Embedding) on any input of a multi-input
 * model. Inputs that token-id layers read are validated where they enter
 * (each against the smallest vocabulary among its readers); the others are
 * plain floats. Agreement with Keras: functional-keras.test.ts
 * (embedding_on_second_input).
 */
import { describe, expect, it } from "vitest";
import { check } from "../src/index.js";
import { generated, interpreted, type ModelClass } from "./helpers/models.js";

const SRC = `model Tagged(seed=3) {
  f = Input(shape=(3,), name='f')
  t = Input(shape=(4,), name='t')
  u = Input(shape=(2,), name='u')
  et = Embedding(9, 2)(t)
  eu = Embedding(5, 2)(u)
  eu2 = Embedding(6, 2)(u)
  h = Concatenate()([Flatten()(et), Flatten()(eu), Flatten()(eu2), f])
  y = Dense(2, activation='softmax')(h)
  Model(inputs=[f, t, u], outputs=y)
  compile(optimizer='sgd', loss='categorical_crossentropy')
}`;

const f = Float32Array.from([0.5, -1.5, 2.25]);
const t = Float32Array.from([0, 8, 3, 1]);
const u = Float32Array.from([4, 0]);

function behaves(cls: ModelClass) {
  const m = new cls({ seed: 1 });
  expect((m.predict([f, t, u]) as Float32Array).length).toBe(2);
  // the float input is not token ids
  expect(() => m.predict([Float32Array.from([0.5, 99, -3]), t, u])).not.toThrow();
  expect(() => m.predict([f, Float32Array.from([0, 9, 3, 1]), u])).toThrow(/predict input 1 \(t\): sample 0, position 1 is 9, but `embedding` \(Embedding, input_dim=9\)/);
  // u is read by input_dim 5 and 6: the smaller bounds it
  expect(() => m.predict([f, t, Float32Array.from([5, 0])])).toThrow(/predict input 2 \(u\): sample 0, position 0 is 5, but `embedding_1` \(Embedding, input_dim=5\)/);
  expect(() => m.predict([f, Float32Array.from([0, 1.5, 3, 1]), u])).toThrow(/position 1 is 1.5/);
  // training validates before mutating anything
  const before = m.getWeights();
  const y = Float32Array.from([1, 0]);
  expect(() => m.trainOnBatch([f, t, Float32Array.from([0, -1])], y, 1)).toThrow(/input 2 \(u\)/);
  expect(() => m.fit([f, t, Float32Array.from([0, 7])], y, { epochs: 1, batchSize: 1 })).toThrow(/fit input 2 \(u\)/);
  expect(m.getWeights()).toEqual(before);
  expect(Number.isFinite(m.trainOnBatch([f, t, u], y, 1))).toBe(true);
}

describe("token-id layers on several inputs", () => {
  it("checks: an Embedding may read any model input", () => {
    expect(check(SRC).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("still requires the Embedding to read a model input directly", () => {
    const src = SRC.replace("et = Embedding(9, 2)(t)", "tt = Dense(4)(t)\n  et = Embedding(9, 2)(tt)");
    expect(check(src).diagnostics.map((d) => d.code)).toContain("embedding_not_first");
  });

  it("validates each token-id input in the interpreter", () => behaves(interpreted(SRC)["Tagged"]!));
  it("validates each token-id input in generated code", async () => behaves((await generated(SRC))["Tagged"]!));
});
