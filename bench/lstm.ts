/**
 * The LSTM row (issue #12): Input(20, 8) → LSTM(64) → Dense(1), MSE, SGD.
 * layerc's generated code (default options: unroll=auto, native products)
 * against TensorFlow.js layers on the cpu and wasm backends, on identical
 * weights (checked: predictions agree to 1e-4 before anything is timed).
 * Cells: predict one sample (B=1) and one training step at B=32; contenders
 * alternate round by round; medians over rounds with min–max spread.
 *
 *   node --expose-gc --import tsx bench/lstm.ts [--rounds N] [--window MS]
 *
 * writes bench/LSTM-RESULTS.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tfl from "@tensorflow/tfjs-layers";
import { compile } from "../src/index.js";
import { median, measureWindow, timer } from "./harness.js";
import { initTfjs, tf, useBackend, type Backend } from "./peers.js";

const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROUNDS = Number(flag("--rounds") ?? 7);
const WINDOW = Number(flag("--window") ?? 150);
const T = 20;
const F = 8;
const B = 32;

type Model = {
  predict(x: Float32Array): Float32Array;
  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number;
  getWeights(): { shape: number[]; data: Float32Array }[];
  readonly usesWasm: boolean;
};

const SPEC = `model Lstm(seed=1) {\n  Input(shape=(${T}, ${F}))\n  LSTM(64)\n  Dense(1)\n  compile(optimizer=SGD(learning_rate=0.01), loss='mse')\n}\n`;

async function layerc(): Promise<Model> {
  const dir = join(import.meta.dirname, ".gen");
  mkdirSync(dir, { recursive: true });
  const r = await compile(SPEC, { fileName: "lstm.nn" });
  if (!r.code) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  const file = join(dir, "lstm.nn.ts");
  writeFileSync(file, r.code.replace(/from "layerc\/runtime"/, `from "../../src/runtime/index.js"`));
  const mod = (await import(pathToFileURL(file).href)) as { Lstm: new () => Model };
  return new mod.Lstm();
}

function tfjsModel(weights: { shape: number[]; data: Float32Array }[]): tfl.Sequential {
  const m = tfl.sequential({
    layers: [tfl.layers.lstm({ units: 64, inputShape: [T, F], recurrentActivation: "sigmoid", kernelInitializer: "zeros", recurrentInitializer: "zeros" }), tfl.layers.dense({ units: 1 })],
  });
  m.compile({ optimizer: tf.train.sgd(0.01), loss: "meanSquaredError" });
  m.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
  return m;
}

interface Cell {
  readonly name: string;
  readonly p1: () => unknown;
  readonly t32: () => unknown;
  readonly isAsync: boolean;
  readonly backend?: Backend;
}

async function main() {
  await initTfjs();
  const rnd = (() => {
    let s = 7;
    return () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  })();
  const x1 = Float32Array.from({ length: T * F }, rnd);
  const xb = Float32Array.from({ length: B * T * F }, rnd);
  const yb = Float32Array.from({ length: B }, rnd);
  const gen = await layerc();
  const w0 = gen.getWeights();
  const cells: Cell[] = [{ name: "layerc generated", p1: () => gen.predict(x1), t32: () => gen.trainOnBatch(xb, yb, B), isAsync: false }];
  for (const backend of ["cpu", "wasm"] as const) {
    await useBackend(backend);
    const m = tfjsModel(w0);
    const tx = tf.tensor(xb, [B, T, F]);
    const ty = tf.tensor(yb, [B, 1]);
    const ours = gen.predict(x1)[0]!;
    const theirs = tf.tidy(() => (m.predict(tf.tensor(x1, [1, T, F])) as tf.Tensor).dataSync()[0]!);
    if (Math.abs(ours - theirs) > 1e-4 * Math.max(1, Math.abs(theirs))) throw new Error(`tfjs ${backend} predicts ${theirs}, layerc ${ours}`);
    cells.push({
      name: `tfjs-layers ${backend}`,
      backend,
      isAsync: true,
      p1: () => {
        const t = tf.tensor(x1, [1, T, F]);
        const y = m.predict(t) as tf.Tensor;
        y.dataSync();
        t.dispose();
        y.dispose();
      },
      t32: () => m.trainOnBatch(tx, ty),
    });
  }
  const results = new Map<string, { p1: number[]; t32: number[] }>(cells.map((c) => [c.name, { p1: [], t32: [] }]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of cells) {
      if (c.backend) await useBackend(c.backend);
      const res = results.get(c.name)!;
      res.p1.push((await measureWindow(timer(c.p1, false), WINDOW)).medianUs);
      res.t32.push((await measureWindow(timer(c.t32, c.isAsync), WINDOW)).medianUs);
    }
    process.stdout.write(`round ${r + 1}/${ROUNDS}\n`);
  }
  const fmt = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  const base = results.get(cells[0]!.name)!;
  const rows = cells.map((c) => {
    const r = results.get(c.name)!;
    const ratio = (k: "p1" | "t32") => (c === cells[0] ? "1×" : `${(median(r[k]) / median(base[k])).toFixed(1)}×`);
    return `| ${c.name} | ${fmt(r.p1)} | ${ratio("p1")} | ${fmt(r.t32)} | ${ratio("t32")} |`;
  });
  const md = [
    "# LSTM benchmark",
    "",
    `Input(${T}, ${F}) → LSTM(64) → Dense(1), MSE, SGD(0.01); identical weights. Median µs per call over ${ROUNDS} rounds (min–max of the round medians), ${WINDOW} ms windows; contenders alternate each round. "× layerc" is the contender's time over layerc's (higher: layerc faster). Generated by \`node --expose-gc --import tsx bench/lstm.ts\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(" / ")} on a 2-core machine shared with other jobs (absolute times move with the load; the ratios come from alternating rounds).`,
    "",
    "| contender | predict B=1 µs | × layerc | train step B=32 µs | × layerc |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
  writeFileSync(join(import.meta.dirname, "LSTM-RESULTS.md"), md);
  console.log(md);
}

await main();
