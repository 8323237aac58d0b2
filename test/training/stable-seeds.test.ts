/**
 * Initial weights follow from the model seed and each weight's identity
 * (layer name + weight name), not its position: removing one layer's bias or
 * inserting a layer leaves every other named layer's initial weights as they
 * were. And fit's validationSplit takes Keras's floor(N·(1 − split))
 * training samples, refusing a split that leaves either side empty.
 */
import { describe, expect, it } from "vitest";
import { generated, interpreted } from "../helpers/models.js";

const spec = (middle: string, name = "S") => `model ${name}(seed=9) {
  Input(shape=(3,))
  Dense(4, name='first')
  ${middle}
  Dense(2, activation='softmax', name='last')
  compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['accuracy'])
}`;

const byName = (m: { getWeights(): { name: string; data: Float32Array }[] }) => new Map(m.getWeights().map((w) => [w.name, Array.from(w.data)]));

describe("initializer streams by weight identity", () => {
  it("editing one layer leaves the others' initial weights unchanged, in both backends", async () => {
    const variants = ["Dense(5, name='mid')", "Dense(5, name='mid', use_bias=False)", "Dense(7, name='other', kernel_initializer='he_normal')", ""];
    // every variant in one file, so the generated code compiles once
    const source = variants.map((v, k) => spec(v, `S${k}`)).join("\n");
    for (const classes of [interpreted(source), await generated(source)]) {
      const weights = variants.map((_, k) => byName(new classes[`S${k}`]!()));
      const [base, noBias, other, none] = weights as Map<string, number[]>[];
      expect(noBias!.get("first/kernel")).toEqual(base!.get("first/kernel"));
      expect(noBias!.get("mid/kernel")).toEqual(base!.get("mid/kernel"));
      expect(noBias!.has("mid/bias")).toBe(false);
      // 'last' sees a different input width in each variant, so only 'first' is comparable there
      expect(other!.get("first/kernel")).toEqual(base!.get("first/kernel"));
      expect(none!.get("first/kernel")).toEqual(base!.get("first/kernel"));
      // distinct names get distinct streams
      expect(base!.get("first/kernel")!.slice(0, 3)).not.toEqual(base!.get("mid/kernel")!.slice(0, 3));
    }
  });

  it("the same names under a different model seed give different weights", () => {
    const S = interpreted(spec(""))["S"]!;
    expect(byName(new S({ seed: 1 })).get("first/kernel")).not.toEqual(byName(new S({ seed: 2 })).get("first/kernel"));
  });
});

describe("validationSplit as Keras", () => {
  const S = interpreted(spec(""))["S"]!;
  const data = (n: number) => ({
    x: Array.from({ length: n }, (_, i) => [i / n, 1 - i / n, 0.5]),
    y: Array.from({ length: n }, (_, i) => (i % 2 ? [1, 0] : [0, 1])),
  });

  it("trains on floor(N·(1 − split)) samples from the front and validates on the rest", () => {
    const { x, y } = data(10);
    const m = new S();
    const batches: number[] = [];
    const h = m.fit(x, y, { epochs: 1, batchSize: 1, shuffle: false, validationSplit: 0.25, onBatchEnd: (b) => batches.push(b) });
    expect(batches).toHaveLength(7); // Keras trains on 7 of 10 at 0.25 (ceil would give 8)
    expect(h.history.val_loss![0]).toBeCloseTo(m.evaluate(x.slice(7), y.slice(7)).loss, 6);
  });

  it("a split that leaves no training or no validation sample is a clear error and changes nothing", () => {
    const m = new S();
    const before = m.getWeights();
    expect(() => m.fit(data(3).x, data(3).y, { validationSplit: 1e-17 })).toThrow(/validationSplit 1e-17 of 3 samples leaves no validation samples/);
    expect(() => m.fit(data(1).x, data(1).y, { validationSplit: 0.5 })).toThrow(/leaves no training samples/);
    expect(m.getWeights()).toEqual(before);
  });
});
