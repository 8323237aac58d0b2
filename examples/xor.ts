/**
 * Trains the XOR network of xor.nn to 100% accuracy and prints its truth
 * table. Seeded (model seed=1), so every run prints the same numbers.
 *
 *   npx layerc build examples && npx tsx examples/xor.ts
 */
import { Xor } from "./xor.nn.js";

const x = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const y = [0, 1, 1, 0];

const model = new Xor();
const history = model.fit(x, y, { epochs: 300, batchSize: 4 });
const last = history.history.loss.length - 1;
console.log(`trained ${history.epoch.length} epochs: loss ${history.history.loss[last]!.toFixed(4)}`);

for (const [i, sample] of x.entries()) {
  const p = model.predict(sample)[0]!;
  console.log(`  ${sample.join(" xor ")} = ${y[i]}   predicted ${p.toFixed(3)} → ${p > 0.5 ? 1 : 0}`);
}
const { loss, accuracy } = model.evaluate(x, y);
console.log(`accuracy: ${accuracy!.toFixed(3)} (loss ${loss.toFixed(4)})`);
