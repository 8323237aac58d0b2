/**
 * Crossentropy on outputs of rank > 1 applies along the last axis and is
 * averaged over batch × positions (Keras "sum_over_batch_size"), both when
 * the final softmax is fused with the loss and when it is not (an explicit
 * Activation after a linear Dense is not fused into the Dense).
 */
import { describe, expect, it } from "vitest";
import { generated, interpreted } from "./helpers/models.js";

const spec = (fused: boolean) => `model M(seed=1) {
  Input(shape=(2, 3))
  ${fused ? "Dense(4, activation='softmax')" : "Dense(4)\n  Activation('softmax')\n  Activation('linear')"}
  compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy', metrics=['accuracy'])
}`;

function reference(p: Float32Array, y: Float32Array, rows: number, classes: number) {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < classes; j++) s += p[r * classes + j]!;
    for (let j = 0; j < classes; j++) total -= y[r * classes + j]! * Math.log(p[r * classes + j]! / s);
  }
  return total / rows;
}

describe("crossentropy over positions", () => {
  for (const fused of [true, false]) {
    it(`is the mean over batch × positions (${fused ? "fused" : "unfused"})`, async () => {
      for (const backend of [interpreted(spec(fused)), await generated(spec(fused))]) {
        const m = new backend["M"]!();
        const x = Float32Array.from({ length: 2 * 6 }, (_, i) => Math.sin(i + 1));
        const y = new Float32Array(2 * 8);
        [1, 0, 3, 2].forEach((c, r) => (y[r * 4 + c] = 1));
        const p = m.predictBatch(x, 2);
        const expected = reference(p, y, 4, 4);
        const { loss, accuracy } = m.evaluate(x, y);
        expect(loss).toBeCloseTo(expected, 5);
        expect(accuracy! * 4 % 1).toBeCloseTo(0, 6);
        expect(m.trainOnBatch(x, y, 2)).toBeCloseTo(expected, 5);
      }
    });
  }
});
