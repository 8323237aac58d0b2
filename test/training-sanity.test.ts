/**
 * Training sanity with fixed seeds: the seed network (1 → Dense 4 relu →
 * Dense 2 softmax) learns the sign of its input — loss falls below 0.1,
 * accuracy reaches 0.95 and its biases move away from their zero
 * initialization — on both backends.
 */
import { describe, expect, it } from "vitest";
import { generated, interpreted } from "./helpers/models.js";

const SEED = `model Seed(seed=42) {
  Dense(4, input_shape=(1,), activation='relu', use_bias=True, bias_initializer='zeros')
  Dense(2, activation='softmax')
  compile(optimizer=Adam(learning_rate=0.05), loss='categorical_crossentropy', metrics=['accuracy'])
}`;

describe("the seed network trains", () => {
  it("to low loss and high accuracy, and its biases leave zero", async () => {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 64; i++) {
      const v = -1 + (2 * i) / 63;
      x.push(v);
      y.push(v > 0 ? 0 : 1, v > 0 ? 1 : 0);
    }
    for (const backend of [interpreted(SEED), await generated(SEED)]) {
      const m = new backend["Seed"]!();
      const biasesBefore = m.getWeights().filter((w) => w.name.endsWith("bias"));
      expect(biasesBefore.every((b) => b.data.every((v) => v === 0))).toBe(true);
      const h = m.fit(x, y, { epochs: 30, batchSize: 16 });
      expect(h.history.loss.at(-1)!).toBeLessThan(0.1);
      expect(h.history.loss.at(-1)!).toBeLessThan(h.history.loss[0]! / 5);
      expect(h.history.accuracy!.at(-1)!).toBeGreaterThanOrEqual(0.95);
      const biasesAfter = m.getWeights().filter((w) => w.name.endsWith("bias"));
      expect(biasesAfter.every((b) => b.data.some((v) => Math.abs(v) > 1e-3))).toBe(true);
    }
  });
});
