/**
 * GlobalAveragePooling1D with a mask (Embedding(mask_zero=True), Masking)
 * runs natively in models with native kernels, and so do the Embedding's
 * row lookup and its gradient (src/kernel/lookup.ts): the masked average and its
 * gradient are one window operation with per-position weights
 * (src/kernel/window.ts), so the generated code calls WebAssembly kernels
 * for both, and the layer's loops stay the interpreter's form and the
 * TypeScript fallback.
 *
 * - real Keras 3 (test/keras/masked-pooling.json, gen_masked_pooling.py):
 *   float32 generated code, native and its fallback, predictions to 1e-5,
 *   three training steps to 1e-4;
 * - float64: the native average and its gradient are the loops' own
 *   arithmetic in the same order, so a model ending in the pooling gives the
 *   interpreter's predictions, loss and gradients bit for bit;
 * - float32: native, fallback and interpreter agree (1e-5), and a sample with
 *   every step masked gives NaN on every path, as Keras's 0/0;
 * - threads: split over samples (the mask moves by its own sample size), the
 *   same bits as one thread.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { Rng } from "../src/runtime/random.js";
import { matchesKerasSteps, stepsFixture, stepsSpec } from "./helpers/keras-fixture.js";
import { flat, generated, gradient, interpreted, maxRelError, randomArray } from "./helpers/models.js";
import { nativeCoverage } from "./helpers/native-coverage.js";
import { threadsAvailable, type ThreadPool } from "../src/runtime/threads.js";

const fixture = stepsFixture("masked-pooling.json");
const BATCH = 4;
const KERNELS = ["global_average_pooling1d_pool", "global_average_pooling1d_pool_grad"];

describe("masked GlobalAveragePooling1D against Keras 3, natively", () => {
  for (const c of fixture) {
    it(`${c.name}: native kernels and their fallback match Keras`, async () => {
      const r = await compile(stepsSpec(c));
      for (const k of KERNELS) expect(r.code).toContain(`k.${k}(`);
      const K = (await generated(stepsSpec(c)))["K"]!;
      matchesKerasSteps(c, K, true, BATCH);
      matchesKerasSteps(c, K, false, BATCH);
    });
  }
});

/** Token ids in [1, vocab) with padding zeros: at the end, the start, inside; `empty`: one sample all padding. */
function ids(rng: Rng, n: number, steps: number, vocab: number, empty = false): Float32Array {
  const x = new Float32Array(n * steps);
  for (let b = 0; b < n; b++) {
    const [lo, hi] = [b % 3 === 1 ? 1 + rng.int(steps - 1) : 0, b % 3 === 0 ? 1 + rng.int(steps - 1) : steps];
    for (let t = lo; t < hi; t++) x[b * steps + t] = rng.uniform() < 0.15 ? 0 : 1 + rng.int(vocab - 1);
    if (x.subarray(b * steps, (b + 1) * steps).every((v) => v === 0)) x[b * steps] = 1;
  }
  if (empty) x.fill(0, 0, steps);
  return x;
}

const spec = (dtype: string, head: string) => `model M(seed=3, dtype=${dtype}) {
  Input(shape=(30,))
  Embedding(50, 12, mask_zero=True)
  GlobalAveragePooling1D()
${head}  compile(optimizer=SGD(learning_rate=0.1), loss='mse')
}
`;

const maskingSpec = (dtype: string) => `model M(seed=3, dtype=${dtype}) {
  Input(shape=(25, 5))
  Masking()
  Dense(16, activation='tanh')
  GlobalAveragePooling1D(keepdims=True)
  Flatten()
  Dense(3)
  compile(optimizer=SGD(learning_rate=0.1), loss='mse')
}
`;

/** Float steps of which whole rows equal the mask value 0. */
function maskedSteps(rng: Rng, n: number): Float32Array {
  const x = randomArray(rng, n * 25 * 5, 1);
  for (let b = 0; b < n; b++) for (let t = 0; t < 25; t++) if ((t * 7 + b) % 5 === 0 || (b === 1 && t > 10)) x.fill(0, (b * 25 + t) * 5, (b * 25 + t + 1) * 5);
  return x;
}

describe("masked GlobalAveragePooling1D's native kernels", () => {
  it("the plan's pooling runs natively forward and backward (Embedding and Masking masks)", async () => {
    for (const source of [spec("float32", "  Dense(2)\n"), maskingSpec("float32")]) {
      const rows = await nativeCoverage(source);
      const pool = rows.find((l) => l.kind === "GlobalAveragePooling1D")!;
      for (const p of [pool.forward, pool.train]) expect(p).toEqual({ native: ["pool: avg"], loops: [], ts: false });
      expect(pool.backward).toEqual({ native: ["pool_grad: avg_grad"], loops: [], ts: false });
    }
  });

  it("Embedding's row lookup and its gradient run natively (the mask_zero mask stays a TypeScript loop)", async () => {
    const embedding = (await nativeCoverage(spec("float32", "  Dense(2)\n"))).find((l) => l.kind === "Embedding")!;
    for (const p of [embedding.forward, embedding.train]) expect(p).toEqual({ native: ["lookup: gather"], loops: [], ts: true });
    expect(embedding.backward).toEqual({ native: ["lookup_grad: scatter_add"], loops: [], ts: false });
  });

  it("float64: the same predictions, loss and gradients as the interpreter, bit for bit", async () => {
    // the pooling is the output, so every number passes through it and nothing else native
    const source = spec("float64", "");
    const G = (await generated(source))["M"]!;
    const I = interpreted(source)["M"]!;
    expect(new G().usesWasm).toBe(true);
    const rng = new Rng(8);
    const x = ids(rng, 5, 30, 50);
    const y = randomArray(rng, 5 * 12, 1);
    const theta = flat(new I({ seed: 3 }).getWeights()).map(() => rng.uniform() - 0.5);
    const [gn, gi] = [gradient(G, 3, theta, x, y, 5), gradient(I, 3, theta, x, y, 5)];
    expect(gn.loss).toBe(gi.loss);
    expect(Array.from(gn.grad)).toEqual(Array.from(gi.grad));
    const [pn, pi] = [new G({ seed: 3 }), new I({ seed: 3 })].map((m) => m.predictBatch(x, 5));
    expect(Array.from(pn as Float32Array)).toEqual(Array.from(pi as Float32Array));
  });

  it("float32: native, fallback and interpreter agree through training steps (Embedding and Masking masks)", async () => {
    const cases: [string, (rng: Rng) => Float32Array][] = [
      [spec("float32", "  Dense(8, activation='relu')\n  Dense(2)\n"), (rng) => ids(rng, 6, 30, 50)],
      [maskingSpec("float32"), (rng) => maskedSteps(rng, 6)],
    ];
    for (const [source, input] of cases) {
      const G = (await generated(source))["M"]!;
      const I = interpreted(source)["M"]!;
      const [native, loops, ref] = [new G(), new G({ wasm: false }), new I()];
      expect([native.usesWasm, loops.usesWasm]).toEqual([true, false]);
      const rng = new Rng(5);
      const x = input(rng);
      const y = randomArray(rng, 6 * G.outputShape.reduce((a, b) => a * b, 1), 1);
      for (const m of [native, loops]) expect(maxRelError(m.predictBatch(x, 6), ref.predictBatch(x, 6))[0]).toBeLessThan(1e-5);
      const losses = [native, loops, ref].map((m) => [0, 1, 2].map(() => m.trainOnBatch(x, y, 6)));
      for (const l of losses.slice(0, 2)) expect(maxRelError(Float32Array.from(l), Float32Array.from(losses[2]!))[0]).toBeLessThan(1e-5);
      for (const m of [native, loops]) expect(maxRelError(flat(m.getWeights()), flat(ref.getWeights()))[0]).toBeLessThan(1e-5);
    }
  });

  it("a sample with every step masked averages to NaN on every path (Keras: 0/0)", async () => {
    const source = spec("float32", "  Dense(2)\n");
    const G = (await generated(source))["M"]!;
    const I = interpreted(source)["M"]!;
    const x = ids(new Rng(2), 3, 30, 50, true);
    for (const m of [new G(), new G({ wasm: false }), new I()]) {
      const p = m.predictBatch(x, 3) as Float32Array;
      expect([Number.isNaN(p[0]!), Number.isNaN(p[1]!)]).toEqual([true, true]);
      expect(Array.from(p.subarray(2)).every(Number.isFinite)).toBe(true);
    }
  });
});

describe.runIf(threadsAvailable())("masked GlobalAveragePooling1D over threads", () => {
  it("split over samples, the same bits as one thread once a worker computed parts", async () => {
    // 100 steps × 64 channels × batch 32: large enough to split
    const source = `model T(seed=4) {
  Input(shape=(100,))
  Embedding(500, 64, mask_zero=True)
  GlobalAveragePooling1D()
  Dense(4)
  compile(optimizer=SGD(learning_rate=0.1), loss='mse')
}
`;
    const G = (await generated(source))["T"]!;
    const [one, two] = [new G(), new G({ threads: 2 })];
    const workers = () => (two as unknown as { pool: ThreadPool }).pool.parts().workers;
    const rng = new Rng(6);
    const x = ids(rng, 32, 100, 500);
    const y = randomArray(rng, 32 * 4, 1);
    const deadline = Date.now() + 4000;
    let steps = 0;
    while (steps < 3 || (workers() === 0 && Date.now() < deadline)) {
      expect(two.trainOnBatch(x, y, 32)).toBe(one.trainOnBatch(x, y, 32));
      steps++;
    }
    expect(workers()).toBeGreaterThan(0);
    expect(Array.from(two.predictBatch(x, 32) as Float32Array)).toEqual(Array.from(one.predictBatch(x, 32) as Float32Array));
    expect(flat(two.getWeights())).toEqual(flat(one.getWeights()));
    (two as unknown as { dispose(): void }).dispose();
  });
});
