/**
 * Dropout(seed=s) draws its masks from its own stream: two models with
 * different model seeds but the same weights train identically; without a
 * layer seed their masks (and so their steps) differ. Both backends.
 */
import { describe, expect, it } from "vitest";
import { generated, interpreted } from "./helpers/models.js";

const spec = (dropout: string) => `model D {
  Input(shape=(6,))
  Dense(16, activation='relu')
  ${dropout}
  Dense(2)
  compile(optimizer=SGD(learning_rate=0.1), loss='mse')
}`;

describe("Dropout seed", () => {
  it("makes masks independent of the model seed", async () => {
    for (const [dropout, same] of [
      ["Dropout(0.5, seed=11)", true],
      ["Dropout(0.5)", false],
    ] as const) {
      for (const backend of [interpreted(spec(dropout)), await generated(spec(dropout))]) {
        const a = new backend["D"]!({ seed: 1 });
        const b = new backend["D"]!({ seed: 2, weights: a.getWeights() });
        const x = Float32Array.from({ length: 4 * 6 }, (_, i) => Math.cos(i));
        const y = Float32Array.from({ length: 4 * 2 }, (_, i) => Math.sin(i));
        const la = [a.trainOnBatch(x, y, 4), a.trainOnBatch(x, y, 4)];
        const lb = [b.trainOnBatch(x, y, 4), b.trainOnBatch(x, y, 4)];
        if (same) expect(lb).toEqual(la);
        else expect(lb).not.toEqual(la);
      }
    }
  });
});
