/**
 * Trains the residual CNN of residual.nn (a functional model: the block's
 * input is added back to its output) on the synthetic digits of
 * digits-data.ts, and prints the summary with its "Connected to" column,
 * the training curve and the held-out accuracy. Seeded: every run prints
 * the same numbers.
 *
 *   npx layerc build examples && npx tsx examples/residual.ts
 */
import { Rng } from "layerc/runtime";
import { Residual } from "./residual.nn.js";
import { dataset } from "./digits-data.js";

const rng = new Rng(12);
const train = dataset(3000, rng);
const test = dataset(500, rng);

const model = new Residual();
console.log(model.summary());
model.fit(train.x, train.y, {
  epochs: 8,
  batchSize: 32,
  onEpochEnd: (epoch, logs) => console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)}, accuracy ${logs.accuracy!.toFixed(3)}`),
});
const { loss, accuracy } = model.evaluate(test.x, test.y);
console.log(`held-out: ${test.y.length} images, loss ${loss.toFixed(4)}`);
console.log(`held-out accuracy: ${accuracy!.toFixed(3)}`);
