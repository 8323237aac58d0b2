/**
 * Trains the two-input model of match.nn: a synthetic digit image
 * (digits-data.ts) and a candidate digit (one-hot), half the time the
 * image's own digit; the model answers "does the image show it?". Inputs
 * go in as an array in `Model(inputs=[…])` order. Seeded; prints the
 * held-out accuracy, and the digit with the highest answer for one image.
 *
 *   npx layerc build examples && npx tsx examples/match.ts
 */
import { Rng } from "layerc/runtime";
import { Match } from "./match.nn.js";
import { dataset, SIZE } from "./digits-data.js";

/** `n` images, a candidate digit for each (one-hot), and 1 when it is the image's digit. */
function questions(n: number, rng: Rng) {
  const { x, y } = dataset(n, rng);
  const digit = new Float32Array(n * 10);
  const yes = new Float32Array(n);
  for (let s = 0; s < n; s++) {
    const asked = rng.uniform() < 0.5 ? y[s]! : Math.floor(rng.uniform() * 10);
    digit[s * 10 + asked] = 1;
    yes[s] = asked === y[s] ? 1 : 0;
  }
  return { image: x, digit, yes, labels: y };
}

const rng = new Rng(5);
const train = questions(4000, rng);
const test = questions(500, rng);

const model = new Match();
console.log(model.summary());
model.fit([train.image, train.digit], train.yes, {
  epochs: 8,
  batchSize: 32,
  onEpochEnd: (epoch, logs) => console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)}, accuracy ${logs.accuracy!.toFixed(3)}`),
});
const { accuracy } = model.evaluate([test.image, test.digit], test.yes);
console.log(`held-out: ${test.yes.length} questions`);
console.log(`held-out accuracy: ${accuracy!.toFixed(3)}`);

// ask every digit about the first test image
const image = test.image.subarray(0, SIZE * SIZE);
const answers = Array.from({ length: 10 }, (_, d) => model.predict([image, Array.from({ length: 10 }, (_, k) => (k === d ? 1 : 0))])[0]!);
const best = answers.indexOf(Math.max(...answers));
console.log(`first test image shows ${test.labels[0]}; the model says ${best} (p = ${answers[best]!.toFixed(3)})`);
