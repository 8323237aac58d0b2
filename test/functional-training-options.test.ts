/**
 * #13's training options on a model with several inputs and outputs (#11):
 * sample weights reach every output's loss, the regularizers' penalty is
 * reported once beside (not inside) the outputs' losses, and fit's
 * validationData takes one array per input and per output.
 */
import { describe, expect, it } from "vitest";
import { interpreted, randomArray } from "./helpers/models.js";
import { Rng } from "../src/runtime/random.js";
import type { Logs } from "../src/runtime/index.js";
import { readWeights } from "../src/runtime/index.js";
import { interpret } from "../src/index.js";

const SPEC = `
model TwoTower(seed=3) {
  a = Input(shape=(3,), name='a')
  b = Input(shape=(2,), name='b')
  shared = Dense(4, activation='tanh', kernel_regularizer=L2(0.05))
  ha = shared(a)
  hb = Dense(4, activation='tanh')(b)
  h = Concatenate()([ha, hb])
  cls = Dense(2, activation='softmax', name='cls')(h)
  reg = Dense(1, name='reg', bias_regularizer=L1(0.02))(h)
  Model(inputs=[a, b], outputs=[cls, reg])
  compile(optimizer=SGD(learning_rate=0.1), loss=['categorical_crossentropy', 'mse'], loss_weights=[1.0, 0.5], metrics=['accuracy'])
}
`;

// the test drives the multi-input/output signature through the untyped class of the interpreter
type Multi = {
  trainOnBatch(x: Float32Array[], y: Float32Array[], n: number): number;
  evaluate(x: Float32Array[], y: Float32Array[], o?: { batchSize?: number; sampleWeight?: ArrayLike<number> }): Logs;
  fit(x: Float32Array[], y: Float32Array[], o: object): { history: Record<string, number[] | undefined> };
  getWeights(): { name: string; data: Float32Array }[];
};

function data(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = [randomArray(rng, n * 3), randomArray(rng, n * 2)];
  const cls = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) cls[i * 2 + (rng.uniform() < 0.5 ? 0 : 1)] = 1;
  return { x, y: [cls, randomArray(rng, n)] };
}

function penalty(m: Multi): number {
  let p = 0;
  for (const w of m.getWeights()) {
    if (w.name === "dense/kernel") for (const v of w.data) p += 0.05 * v * v;
    if (w.name === "reg/bias") for (const v of w.data) p += 0.02 * Math.abs(v);
  }
  return p;
}

describe("functional models with #13's training options", () => {
  const Cls = interpreted(SPEC)["TwoTower"]!;
  const make = () => new Cls() as unknown as Multi;

  it("evaluate: loss = Σ weight·output loss + the penalty, and sample weights scale every output's loss", () => {
    const { x, y } = data(8, 1);
    const m = make();
    const plain = m.evaluate(x, y);
    const pen = penalty(m);
    expect(pen).toBeGreaterThan(0);
    expect(plain.loss).toBeCloseTo(plain["cls_loss"]! + 0.5 * plain["reg_loss"]! + pen, 5);
    const doubled = m.evaluate(x, y, { sampleWeight: new Array(8).fill(2) });
    expect(doubled["cls_loss"]).toBeCloseTo(2 * plain["cls_loss"]!, 5);
    expect(doubled["reg_loss"]).toBeCloseTo(2 * plain["reg_loss"]!, 5);
    // weight only the first half: each output's loss is Σ w·l / n over the batch (Keras's sum_over_batch_size)
    const half = m.evaluate(x, y, { sampleWeight: [1, 1, 1, 1, 0, 0, 0, 0] });
    const firstHalf = m.evaluate(
      x.map((a, k) => a.subarray(0, 4 * [3, 2][k]!)),
      y.map((a, k) => a.subarray(0, 4 * [2, 1][k]!)),
    );
    expect(half["cls_loss"]).toBeCloseTo(firstHalf["cls_loss"]! / 2, 5);
    expect(half["reg_loss"]).toBeCloseTo(firstHalf["reg_loss"]! / 2, 5);
  });

  it("trainOnBatch returns the loss evaluate reports at the weights it started from (penalty outside the outputs' slots)", () => {
    const { x, y } = data(6, 2);
    const m = make();
    const before = m.evaluate(x, y, { batchSize: 6 });
    const loss = m.trainOnBatch(x, y, 6);
    expect(loss).toBeCloseTo(before.loss, 5);
    const after = m.evaluate(x, y, { batchSize: 6 });
    expect(after.loss).not.toBeCloseTo(before.loss, 5);
  });

  it("fit with validationData (one array per input and output) reports val_ keys matching evaluate", () => {
    const train = data(12, 3);
    const val = data(5, 4);
    const m = make();
    const h = m.fit(train.x, train.y, { epochs: 2, batchSize: 4, validationData: [val.x, val.y], shuffle: false });
    for (const key of ["loss", "cls_loss", "reg_loss", "cls_accuracy", "val_loss", "val_cls_loss", "val_reg_loss", "val_cls_accuracy"]) {
      expect(h.history[key], key).toHaveLength(2);
    }
    const v = m.evaluate(val.x, val.y);
    expect(h.history["val_loss"]![1]).toBeCloseTo(v.loss, 5);
    expect(h.history["val_reg_loss"]![1]).toBeCloseTo(v["reg_loss"]!, 5);
    expect(h.history["val_cls_accuracy"]![1]).toBeCloseTo(v["cls_accuracy"]!, 5);
  });

  it("rejects classWeight with several outputs and a wrongly shaped validationData before training", () => {
    const { x, y } = data(4, 5);
    const m = make();
    const w = m.getWeights().map((t) => Float32Array.from(t.data));
    expect(() => m.fit(x, y, { classWeight: { 0: 2 } })).toThrow(/classWeight is not supported for a model with several outputs/);
    expect(() => m.fit(x, y, { validationData: [x[0]!, y] })).toThrow(/validationData x must be an array of 2 inputs/);
    m.getWeights().forEach((t, k) => expect(Array.from(t.data)).toEqual(Array.from(w[k]!)));
  });
});

describe("export of a functional model", () => {
  it("writes a Functional config (two inputs, two outputs, regularizers, per-output compile) that imports back to the same graph", async () => {
    const { exportModel } = await import("../src/interop/export.js");
    const { importModel } = await import("../src/interop/import.js");
    for (const to of ["keras", "tfjs", "python"] as const) expect(exportModel(SPEC, { to }).diagnostics).toEqual([]);
    const [archive] = exportModel(SPEC, { to: "keras" }).files;
    const back = importModel(archive!.data, { name: "TwoTower" });
    expect(back.diagnostics).toEqual([]);
    expect(back.spec).toContain("Model(inputs=[a, b], outputs=[cls, reg])");
    expect(back.spec).toContain("kernel_regularizer=L2(l2=0.05)");
    expect(back.spec).toContain("loss=dict(cls='categorical_crossentropy', reg='mean_squared_error'), loss_weights=dict(cls=1.0, reg=0.5)");
    const Back = interpret(back.spec!)["TwoTower"]!;
    const original = new (interpret(SPEC)["TwoTower"]!)({ seed: 3 });
    const imported = new Back({ weights: readWeights(back.weights!) });
    const x = [Float32Array.from([0.1, -0.2, 0.3]), Float32Array.from([0.5, -0.4])];
    expect(imported.predict(x)).toEqual(original.predict(x));
  });
});
