/**
 * Residual-model benchmark (issue 11): a functional model with a skip
 * connection, side by side with TensorFlow.js layers (a functional
 * `tf.model`, cpu and wasm backends) and hand-written TypeScript:
 *
 *   x (64) → Dense 64 relu → Dense 64 → Add(x, ·) → relu → Dense 10 softmax
 *
 * Cells: predict one sample (µs per call) and one SGD step on a batch of 32
 * (samples/s), each the median of several rounds of timed windows
 * (bench/harness.ts), with the spread (min–max over rounds). Every
 * contender starts from the same weights, and the script first checks that
 * all of them compute the same predictions and the same step. Writes the
 * "Residual model" section of bench/RESULTS.md (between markers).
 *
 *   node --expose-gc --import tsx bench/residual.ts [--rounds N] [--window MS]
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tfl from "@tensorflow/tfjs-layers";
import { compile, interpret } from "../src/index.js";
import { measureWindow, median, prng, timer } from "./harness.js";
import { initTfjs, tf, useBackend, type Backend } from "./peers.js";

const SOURCE = `model Res(seed=1) {
  x = Input(shape=(64,))
  h = Dense(64, activation='relu')(x)
  h = Dense(64)(h)
  s = Add()([x, h])
  s = Activation('relu')(s)
  y = Dense(10, activation='softmax')(s)
  Model(inputs=x, outputs=y)
  compile(optimizer=SGD(learning_rate=0.01), loss='categorical_crossentropy')
}
`;
const IN = 64;
const OUT = 10;
const BATCH = 32;

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROUNDS = Number(arg("--rounds") ?? 5);
const WINDOW = Number(arg("--window") ?? 300);

interface Contender {
  readonly name: string;
  predict(x: Float32Array): unknown;
  /** One SGD step on the batch (async for tfjs). */
  train(): unknown;
  readonly async: boolean;
  /** The step's effect, for the agreement check: predictions on the batch after one step. */
  check(): Promise<Float32Array>;
}

interface Layerc {
  predict(x: Float32Array): Float32Array;
  predictBatch(x: Float32Array, n: number): Float32Array;
  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number;
  setWeights(w: { shape: number[]; data: Float32Array }[]): void;
  getWeights(): { shape: number[]; data: Float32Array }[];
}

/** Hand-written: the residual MLP in scalar loops over Float32Arrays, Keras layout, preallocated, SGD. */
class HandResidual {
  private readonly w: Float32Array[];
  private readonly h1 = new Float32Array(BATCH * IN);
  private readonly h2 = new Float32Array(BATCH * IN);
  private readonly s = new Float32Array(BATCH * IN);
  private readonly p = new Float32Array(BATCH * OUT);
  private readonly dz = new Float32Array(BATCH * OUT);
  private readonly ds = new Float32Array(BATCH * IN);
  private readonly dh = new Float32Array(BATCH * IN);

  constructor(weights: readonly Float32Array[]) {
    this.w = weights.map((w) => Float32Array.from(w));
  }

  private forward(x: Float32Array, n: number): Float32Array {
    const [k1, b1, k2, b2, k3, b3] = this.w as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const { h1, h2, s, p } = this;
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < IN; o++) {
        let a = b1[o]!;
        for (let i = 0; i < IN; i++) a += x[r * IN + i]! * k1[i * IN + o]!;
        h1[r * IN + o] = a > 0 ? a : 0;
      }
      for (let o = 0; o < IN; o++) {
        let a = b2[o]!;
        for (let i = 0; i < IN; i++) a += h1[r * IN + i]! * k2[i * IN + o]!;
        h2[r * IN + o] = a;
        const v = x[r * IN + o]! + a;
        s[r * IN + o] = v > 0 ? v : 0;
      }
      let max = -Infinity;
      for (let o = 0; o < OUT; o++) {
        let a = b3[o]!;
        for (let i = 0; i < IN; i++) a += s[r * IN + i]! * k3[i * OUT + o]!;
        p[r * OUT + o] = a;
        if (a > max) max = a;
      }
      let sum = 0;
      for (let o = 0; o < OUT; o++) sum += p[r * OUT + o] = Math.exp(p[r * OUT + o]! - max);
      for (let o = 0; o < OUT; o++) p[r * OUT + o] = p[r * OUT + o]! / sum;
    }
    return p;
  }

  predict(x: Float32Array): Float32Array {
    return this.forward(x, 1);
  }

  train(x: Float32Array, y: Float32Array, n: number, lr: number): void {
    const [k1, b1, k2, b2, k3, b3] = this.w as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const { h1, s, p, dz, ds, dh } = this;
    this.forward(x, n);
    for (let i = 0; i < n * OUT; i++) dz[i] = (p[i]! - y[i]!) / n;
    // head: ds = dz·k3ᵀ through the relu after the add; then update k3, b3
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < IN; i++) {
        let a = 0;
        for (let o = 0; o < OUT; o++) a += dz[r * OUT + o]! * k3[i * OUT + o]!;
        ds[r * IN + i] = s[r * IN + i]! > 0 ? a : 0;
      }
    }
    for (let i = 0; i < IN; i++) for (let o = 0; o < OUT; o++) {
      let g = 0;
      for (let r = 0; r < n; r++) g += s[r * IN + i]! * dz[r * OUT + o]!;
      k3[i * OUT + o] = k3[i * OUT + o]! - lr * g;
    }
    for (let o = 0; o < OUT; o++) {
      let g = 0;
      for (let r = 0; r < n; r++) g += dz[r * OUT + o]!;
      b3[o] = b3[o]! - lr * g;
    }
    // second Dense (linear): its output gradient is ds (the skip path ends at x, which needs none)
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < IN; i++) {
        let a = 0;
        for (let o = 0; o < IN; o++) a += ds[r * IN + o]! * k2[i * IN + o]!;
        dh[r * IN + i] = h1[r * IN + i]! > 0 ? a : 0;
      }
    }
    for (let i = 0; i < IN; i++) for (let o = 0; o < IN; o++) {
      let g = 0;
      for (let r = 0; r < n; r++) g += h1[r * IN + i]! * ds[r * IN + o]!;
      k2[i * IN + o] = k2[i * IN + o]! - lr * g;
    }
    for (let o = 0; o < IN; o++) {
      let g = 0;
      for (let r = 0; r < n; r++) g += ds[r * IN + o]!;
      b2[o] = b2[o]! - lr * g;
    }
    for (let i = 0; i < IN; i++) for (let o = 0; o < IN; o++) {
      let g = 0;
      for (let r = 0; r < n; r++) g += x[r * IN + i]! * dh[r * IN + o]!;
      k1[i * IN + o] = k1[i * IN + o]! - lr * g;
    }
    for (let o = 0; o < IN; o++) {
      let g = 0;
      for (let r = 0; r < n; r++) g += dh[r * IN + o]!;
      b1[o] = b1[o]! - lr * g;
    }
  }

  predictAll(x: Float32Array, n: number): Float32Array {
    return Float32Array.from(this.forward(x, n).subarray(0, n * OUT));
  }
}

function tfjsModel(): tfl.LayersModel {
  const x = tfl.input({ shape: [IN] });
  const h1 = tfl.layers.dense({ units: IN, activation: "relu" }).apply(x) as tfl.SymbolicTensor;
  const h2 = tfl.layers.dense({ units: IN }).apply(h1) as tfl.SymbolicTensor;
  const s = tfl.layers.add().apply([x, h2]) as tfl.SymbolicTensor;
  const r = tfl.layers.activation({ activation: "relu" }).apply(s) as tfl.SymbolicTensor;
  const y = tfl.layers.dense({ units: OUT, activation: "softmax" }).apply(r) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: x, outputs: y });
  m.compile({ optimizer: tf.train.sgd(0.01), loss: "categoricalCrossentropy" });
  return m;
}

async function main(): Promise<void> {
  await initTfjs();
  const rnd = prng(7);
  const shapes = [[IN, IN], [IN], [IN, IN], [IN], [IN, OUT], [OUT]];
  const weights = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (rnd() * 2 - 1) * 0.2));
  const kw = weights.map((data, k) => ({ shape: shapes[k]!, data }));
  const x = Float32Array.from({ length: BATCH * IN }, () => rnd() * 2 - 1);
  const y = new Float32Array(BATCH * OUT);
  for (let r = 0; r < BATCH; r++) y[r * OUT + Math.floor(rnd() * OUT)] = 1;
  const one = x.subarray(0, IN);

  const r = await compile(SOURCE, { fileName: "residual.nn" });
  if (!r.code) throw new Error("residual spec does not compile");
  const dir = join(import.meta.dirname, ".gen");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "residual.nn.ts"), r.code);
  const Generated = (await import(pathToFileURL(join(dir, "residual.nn.ts")).href))["Res"] as new () => Layerc;
  const Interpreted = interpret(SOURCE)["Res"] as unknown as new () => Layerc;

  const layerc = (name: string, M: new () => Layerc): Contender => {
    const m = new M();
    m.setWeights(kw);
    return {
      name,
      async: false,
      predict: (v) => m.predict(v),
      train: () => m.trainOnBatch(x, y, BATCH),
      check: async () => {
        const f = new M();
        f.setWeights(kw);
        f.trainOnBatch(x, y, BATCH);
        return f.predictBatch(x, BATCH);
      },
    };
  };
  const hand = (): Contender => {
    const h = new HandResidual(weights);
    return {
      name: "hand-written",
      async: false,
      predict: (v) => h.predict(v),
      train: () => h.train(x, y, BATCH, 0.01),
      check: async () => {
        const f = new HandResidual(weights);
        f.train(x, y, BATCH, 0.01);
        return f.predictAll(x, BATCH);
      },
    };
  };
  const tfjs = async (backend: Backend): Promise<Contender> => {
    await useBackend(backend);
    const m = tfjsModel();
    const set = (model: tfl.LayersModel) => {
      const ts = kw.map((w) => tf.tensor(w.data, w.shape));
      model.setWeights(ts);
      ts.forEach((t) => t.dispose());
    };
    set(m);
    const xt = tf.tensor(x, [BATCH, IN]);
    const yt = tf.tensor(y, [BATCH, OUT]);
    return {
      name: `tfjs-layers ${backend}`,
      async: true,
      predict: (v: Float32Array) => {
        const t = tf.tensor(v, [1, IN]);
        const p = m.predict(t) as tf.Tensor;
        const out = p.dataSync();
        t.dispose();
        p.dispose();
        return out;
      },
      train: async () => useBackend(backend).then(() => m.trainOnBatch(xt, yt)),
      check: async () => {
        await useBackend(backend);
        const f = tfjsModel();
        set(f);
        await f.trainOnBatch(xt, yt);
        const p = f.predict(xt) as tf.Tensor;
        const out = Float32Array.from(p.dataSync());
        p.dispose();
        return out;
      },
    };
  };

  const contenders = [layerc("layerc generated", Generated), layerc("layerc interpreter", Interpreted), hand(), await tfjs("cpu"), await tfjs("wasm")];
  // agreement first: every contender takes the same step from the same weights
  const reference = await contenders[0]!.check();
  for (const c of contenders.slice(1)) {
    const got = await c.check();
    const err = Math.max(...Array.from(got, (v, i) => Math.abs(v - reference[i]!)));
    if (!(err < 1e-4)) throw new Error(`${c.name} disagrees with layerc after one step (max |Δ| ${err})`);
  }

  const rows: string[] = [];
  for (const c of contenders) {
    const predict: number[] = [];
    const train: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (c.name.startsWith("tfjs")) await useBackend(c.name.endsWith("wasm") ? "wasm" : "cpu");
      predict.push((await measureWindow(timer(c.async ? async () => c.predict(one) : () => c.predict(one), c.async), WINDOW)).medianUs);
      const t = await measureWindow(timer(c.async ? (c.train as () => Promise<unknown>) : (c.train as () => unknown), c.async), WINDOW);
      train.push((BATCH * 1e6) / t.medianUs);
    }
    const spread = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
    rows.push(`| ${c.name} | ${median(predict).toFixed(2)} (${spread(predict, 2)}) | ${Math.round(median(train)).toLocaleString("en-US")} (${spread(train, 0)}) |`);
    console.log(rows[rows.length - 1]);
  }

  const section = [
    "<!-- residual:start (bench/residual.ts writes this section) -->",
    "## Residual model (functional, issue 11)",
    "",
    "`x (64) → Dense 64 relu → Dense 64 → Add(x, ·) → relu → Dense 10 softmax`, SGD(0.01), categorical crossentropy.",
    "All contenders start from the same weights and were checked to take the same training step (max |Δ| < 1e-4) before timing.",
    `Median of ${ROUNDS} rounds of ${WINDOW} ms windows (spread: min–max over rounds), \`node --expose-gc --import tsx bench/residual.ts\`, ${new Date().toISOString().slice(0, 10)}, on the shared 2-core machine.`,
    "",
    "| contender | predict B=1 (µs/call) | train B=32 (samples/s) |",
    "| --- | --- | --- |",
    ...rows,
    "<!-- residual:end -->",
  ].join("\n");
  const file = join(import.meta.dirname, "RESULTS.md");
  const old = readFileSync(file, "utf8");
  const marked = /<!-- residual:start[\s\S]*?<!-- residual:end -->/;
  writeFileSync(file, marked.test(old) ? old.replace(marked, section) : `${old.trimEnd()}\n\n${section}\n`);
  console.log(`wrote the residual section of ${file}`);
}

await main();
