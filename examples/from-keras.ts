/**
 * A model trained in Keras, shipped with layerc. `keras/keras_cnn.keras` is
 * a Keras 3 archive (written by test/keras/interop/make_fixtures.py); it was
 * imported once with
 *
 *   npx layerc import examples/keras/keras_cnn.keras --out-dir examples
 *
 * which wrote keras_cnn.nn (the spec) and keras_cnn.weights.bin (the
 * weights). This script loads the weights into the compiled class and checks
 * its predictions against the ones Keras made.
 *
 *   npx layerc build examples && npx tsx examples/from-keras.ts
 */
import { readFileSync } from "node:fs";
import { readWeights } from "layerc/runtime";
import { KerasCnn } from "./keras_cnn.nn.js";

const here = (file: string) => new URL(file, import.meta.url);
const model = new KerasCnn({ weights: readWeights(readFileSync(here("./keras_cnn.weights.bin"))) });
const keras = JSON.parse(readFileSync(here("./keras/keras_cnn.predictions.json"), "utf8")) as { keras_version: string; x: number[]; y: number[] };

const samples = keras.x.length / (8 * 8 * 2);
const y = model.predictBatch(keras.x, samples);
const worst = keras.y.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
console.log(model.summary());
console.log(`${samples} samples; class probabilities of the first: ${Array.from(y.subarray(0, 5), (p) => p.toFixed(4)).join(" ")}`);
console.log(`max |layerc - keras ${keras.keras_version}|: ${worst.toExponential(2)}`);
