/**
 * Trains the CNN of digits.nn on a synthetic digit data set generated here:
 * 5×7 bitmap glyphs of 0–9, shifted up to 2 pixels from the centre of a 12×12
 * image,
 * with random stroke intensity and salt-and-pepper noise. Seeded, so every
 * run prints the same numbers. Prints held-out accuracy and one example.
 *
 *   npx layerc build examples && npx tsx examples/digits.ts
 */
import { Rng } from "layerc/runtime";
import { Digits } from "./digits.nn.js";

const SIZE = 12;
const GLYPHS = [
  ["01110", "10001", "10011", "10101", "11001", "10001", "01110"], // 0
  ["00100", "01100", "00100", "00100", "00100", "00100", "01110"], // 1
  ["01110", "10001", "00001", "00010", "00100", "01000", "11111"], // 2
  ["11111", "00010", "00100", "00010", "00001", "10001", "01110"], // 3
  ["00010", "00110", "01010", "10010", "11111", "00010", "00010"], // 4
  ["11111", "10000", "11110", "00001", "00001", "10001", "01110"], // 5
  ["00110", "01000", "10000", "11110", "10001", "10001", "01110"], // 6
  ["11111", "00001", "00010", "00100", "01000", "01000", "01000"], // 7
  ["01110", "10001", "10001", "01110", "10001", "10001", "01110"], // 8
  ["01110", "10001", "10001", "01111", "00001", "00010", "01100"], // 9
];

/** `n` images (flat, row-major 12×12×1) and their digits. */
function dataset(n: number, rng: Rng): { x: Float32Array; y: number[] } {
  const x = new Float32Array(n * SIZE * SIZE);
  const y: number[] = [];
  for (let s = 0; s < n; s++) {
    const digit = Math.floor(rng.uniform() * 10);
    // centred (at 3, 2), shifted by up to 2 pixels each way
    const dx = 1 + Math.floor(rng.uniform() * 5);
    const dy = Math.floor(rng.uniform() * 5);
    const ink = 0.6 + 0.4 * rng.uniform();
    const image = x.subarray(s * SIZE * SIZE, (s + 1) * SIZE * SIZE);
    GLYPHS[digit]!.forEach((line, r) => [...line].forEach((bit, c) => bit === "1" && (image[(dy + r) * SIZE + dx + c] = ink)));
    for (let p = 0; p < image.length; p++) if (rng.uniform() < 0.03) image[p] = 1 - image[p]!;
    y.push(digit);
  }
  return { x, y };
}

function show(image: Float32Array): string {
  const rows: string[] = [];
  for (let r = 0; r < SIZE; r++) rows.push(Array.from(image.subarray(r * SIZE, (r + 1) * SIZE), (v) => (v > 0.5 ? "█" : v > 0.2 ? "▒" : "·")).join(""));
  return rows.join("\n");
}

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
