/**
 * Trains the CNN of digits.nn on the synthetic digit data set of
 * digits-data.ts: 5×7 bitmap glyphs of 0–9, shifted up to 2 pixels from the
 * centre of a 12×12 image, with random stroke intensity and salt-and-pepper
 * noise. Seeded, so every
 * run prints the same numbers. Prints held-out accuracy and one example.
 *
 *   npx layerc build examples && npx tsx examples/digits.ts
 */
import { Rng } from "layerc/runtime";
import { Digits } from "./digits.nn.js";
import { dataset, show, SIZE } from "./digits-data.js";

const rng = new Rng(12);
const train = dataset(3000, rng);
const test = dataset(500, rng);

const model = new Digits();
console.log(model.summary());
// verbose 1: Keras's progress bar on a terminal, one line per epoch in a log
model.fit(train.x, train.y, { epochs: 10, batchSize: 32, verbose: 1 });

const sample = test.x.subarray(0, SIZE * SIZE);
const p = model.predict(sample);
const guess = p.indexOf(Math.max(...p));
console.log(`\n${show(sample)}\nlabel ${test.y[0]}, predicted ${guess} (p = ${p[guess]!.toFixed(3)})`);
const { loss, accuracy } = model.evaluate(test.x, test.y);
console.log(`held-out: ${test.y.length} images, loss ${loss.toFixed(4)}`);
console.log(`held-out accuracy: ${accuracy!.toFixed(3)}`);
