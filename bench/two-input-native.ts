/**
 * Native kernels on a second model input (issue 11): a two-input model
 * whose large products read the second input. Before, only the first input
 * was staged into WebAssembly memory, so those products kept their
 * TypeScript loops — which is what `wasm: false` runs here (the model's
 * other products are below the native threshold and are loops either way).
 * Now every input a kernel reads is staged.
 *
 *   a (8) → Dense 8 ─┐
 *   b (256) → Dense 128 relu ─ Concatenate → Dense 4 softmax
 *
 * Cells: predict one sample (µs per call), predictBatch of 32 and one SGD
 * step on 32 samples (µs per call); the median over rounds of timed windows
 * (bench/harness.ts), with the min–max spread of the rounds' medians. Both
 * contenders start from the same weights; the script checks they agree.
 *
 *   node --expose-gc --import tsx bench/two-input-native.ts [--rounds N] [--window MS]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compile } from "../src/index.js";
import { measureWindow, median, prng, timer } from "./harness.js";

const SOURCE = `model Two(seed=1) {
  a = Input(shape=(8,), name='a')
  b = Input(shape=(256,), name='b')
  ha = Dense(8)(a)
  hb = Dense(128, activation='relu')(b)
  y = Dense(4, activation='softmax')(Concatenate()([ha, hb]))
  Model(inputs=[a, b], outputs=y)
  compile(optimizer=SGD(learning_rate=0.01), loss='categorical_crossentropy')
}
`;
const BATCH = 32;
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROUNDS = Number(arg("--rounds") ?? 5);
const WINDOW = Number(arg("--window") ?? 300);

interface Model {
  readonly usesWasm: boolean;
  predict(x: Float32Array[]): Float32Array;
  predictBatch(x: Float32Array[], n: number): Float32Array;
  trainOnBatch(x: Float32Array[], y: Float32Array, n: number): number;
  getWeights(): { data: Float32Array }[];
  setWeights(w: { data: Float32Array }[]): void;
}

const r = await compile(SOURCE, { fileName: "two.nn" });
if (!r.code) throw new Error("spec does not compile");
if (!/k\.dense_1_forward\(\s*n,\s*x1_native\.byteOffset/.test(r.code)) throw new Error("the product on input b is not native");
const dir = join(import.meta.dirname, "..", "test", ".tmp");
mkdirSync(dir, { recursive: true });
const file = join(dir, "bench-two-input.ts");
writeFileSync(file, r.code);
const Two = (await import(pathToFileURL(file).href))["Two"] as new (o?: object) => Model;

const rnd = prng(7);
const fill = (n: number) => Float32Array.from({ length: n }, () => rnd() * 2 - 1);
const one = [fill(8), fill(256)];
const xs = [fill(BATCH * 8), fill(BATCH * 256)];
const ys = new Float32Array(BATCH * 4);
for (let i = 0; i < BATCH; i++) ys[i * 4 + Math.floor(rnd() * 4)] = 1;

const native = new Two();
const loops = new Two({ wasm: false });
loops.setWeights(native.getWeights());
if (!native.usesWasm || loops.usesWasm) throw new Error("expected one native and one TypeScript contender");
const p = native.predictBatch(xs, BATCH);
const q = loops.predictBatch(xs, BATCH);
for (let i = 0; i < p.length; i++) if (Math.abs(p[i]! - q[i]!) > 1e-5) throw new Error(`contenders disagree at ${i}: ${p[i]} vs ${q[i]}`);
const la = native.trainOnBatch(xs, ys, BATCH);
const lb = loops.trainOnBatch(xs, ys, BATCH);
if (Math.abs(la - lb) > 1e-5) throw new Error(`steps disagree: ${la} vs ${lb}`);

const cells = {
  "predict 1 sample": (m: Model) => () => m.predict(one),
  "predictBatch 32": (m: Model) => () => m.predictBatch(xs, BATCH),
  "train step, batch 32": (m: Model) => () => m.trainOnBatch(xs, ys, BATCH),
};
const contenders: [string, Model][] = [
  ["native (every input staged)", native],
  ["TypeScript loops (as before for input b)", loops],
];
const rows: string[] = ["| contender | " + Object.keys(cells).join(" µs | ") + " µs |", "| --- | " + Object.keys(cells).map(() => "---").join(" | ") + " |"];
for (const [name, m] of contenders) {
  const out: string[] = [];
  for (const make of Object.values(cells)) {
    const t = timer(make(m), false);
    const meds: number[] = [];
    for (let k = 0; k < ROUNDS; k++) meds.push((await measureWindow(t, WINDOW)).medianUs);
    out.push(`${median(meds).toFixed(1)} (${Math.min(...meds).toFixed(1)}–${Math.max(...meds).toFixed(1)})`);
  }
  rows.push(`| ${name} | ${out.join(" | ")} |`);
}
console.log(rows.join("\n"));
