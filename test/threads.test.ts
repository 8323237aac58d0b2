/**
 * Batch-parallel threads (`new Model({ threads: n })`, src/runtime/threads.ts):
 * large native product calls split across worker threads over a shared
 * WebAssembly memory. What users rely on: results bit-identical to the
 * single-thread path (predictBatch, trainOnBatch, fit, evaluate), whichever
 * thread computed which part; validated options; a kernel failing in a
 * worker surfaces as an error of the call; dispose() and process exit; the
 * single-thread fallback where threads cannot run.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { compile } from "../src/index.js";
import { BATCH, mul, num } from "../src/kernel/expr.js";
import type { Gemm } from "../src/kernel/gemm.js";
import { gemmModule, productWork, WORK_SECTION } from "../src/phases/3-emit/wasm.js";
import { describe, expect, it } from "vitest";
import { LayercError, NonFiniteError } from "../src/runtime/index.js";
import { readSplits, sharedMemoryImport, SPLIT_MIN_WORK, threadsAvailable, type ThreadPool } from "../src/runtime/threads.js";
import { decodeBase64 } from "../src/runtime/native.js";
import { Rng } from "../src/runtime/random.js";
import { generated, interpreted, randomArray, randomTargets, type ModelClass } from "./helpers/models.js";

/** Products large enough to be split at batch 16 (≥ 2^17 multiply-adds per call), relu epilogues, dropout, Adam. */
const MLP = `model T(seed=3) {
  Input(shape=(160,))
  Dense(128, activation='relu')
  Dropout(0.2)
  Dense(72, activation='relu')
  Dense(10, activation='softmax')
  compile(optimizer=Adam(learning_rate=0.01), loss='categorical_crossentropy', metrics=['accuracy'])
}
`;

/**
 * Convolutions (products over im2col windows, kernel and input gradients),
 * pooling, a float64 model; at batch 32 its im2col, col2im and pooling
 * kernels are large enough to be split over samples too.
 */
const CNN = `model T(seed=5, dtype=float64) {
  Input(shape=(12, 12, 8))
  Conv2D(32, 3, padding='same', activation='relu')
  MaxPooling2D(2)
  Conv2D(16, 3, padding='same', activation='relu')
  Flatten()
  Dense(6)
  compile(optimizer=SGD(learning_rate=0.05, momentum=0.9), loss='mse')
}
`;

type Threaded = InstanceType<ModelClass> & { readonly threads: number; dispose(): void };
const poolOf = (m: object): ThreadPool | null => (m as unknown as { pool: ThreadPool | null }).pool;
const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));
const weightsOf = (m: Threaded) => m.getWeights().map((w) => w.data);

const canThread = threadsAvailable();
const wasmApi = (globalThis as unknown as { WebAssembly: { Module: { new (b: Uint8Array): object; customSections(m: object, name: string): ArrayBuffer[] } } }).WebAssembly;

/** Compiled once per source for the whole file. */
const classes = new Map<string, Promise<ModelClass>>();
const compiled = (source: string): Promise<ModelClass> => {
  if (!classes.has(source)) classes.set(source, generated(source).then((m) => m["T"]!));
  return classes.get(source)!;
};

describe.runIf(canThread)("threads: results bit-identical to one thread", () => {
  for (const [name, source, batch] of [
    ["mlp (float32, dropout, Adam)", MLP, 16],
    ["cnn (float64, convolutions, pooling)", CNN, 32],
  ] as const) {
    it(`${name}: trainOnBatch, predictBatch, fit, evaluate — with parts computed by a worker`, async () => {
      const G = await compiled(source);
      const one = new G() as Threaded;
      const two = new G({ threads: 2 }) as Threaded;
      const three = new G({ threads: 3 }) as Threaded;
      expect([one.threads, two.threads, three.threads]).toEqual([1, 2, 3]);
      // which kernels split how at this batch size: products by rows, window operations (CNN) by samples
      const splits = readSplits(new Uint8Array(wasmApi.Module.customSections(new wasmApi.Module(decodeBase64((one as unknown as { meta: { wasm: string } }).meta.wasm)), WORK_SECTION)[0]!));
      const split = (rows: boolean) => splits.filter((sp) => sp !== null && (sp.strides === null) === rows && sp.work * batch >= SPLIT_MIN_WORK).length;
      expect(split(true)).toBeGreaterThan(2);
      if (source === CNN) expect(split(false)).toBeGreaterThanOrEqual(4);
      const rng = new Rng(11);
      const inSize = G.inputShape.reduce((a, b) => a * b, 1);
      const x = randomArray(rng, batch * inSize, 1);
      const y = randomTargets(rng, source === MLP ? "categorical_crossentropy" : "mse", batch, G.outputShape);
      // step until a worker has computed parts (workers start asynchronously); each step must agree exactly
      const deadline = Date.now() + 4000;
      let steps = 0;
      while (steps < 3 || (poolOf(two)!.parts().workers === 0 && Date.now() < deadline)) {
        const l1 = one.trainOnBatch(x, y, batch);
        expect(two.trainOnBatch(x, y, batch)).toBe(l1);
        expect(three.trainOnBatch(x, y, batch)).toBe(l1);
        steps++;
      }
      expect(poolOf(two)!.parts().workers).toBeGreaterThan(0);
      for (const m of [two, three]) expect(weightsOf(m).every((w, i) => sameBits(w, weightsOf(one)[i]!))).toBe(true);
      const out = (m: Threaded) => m.predictBatch(x, batch);
      expect(sameBits(out(two), out(one))).toBe(true);
      expect(sameBits(out(three), out(one))).toBe(true);
      // fit: shuffled, validation split, a last partial batch
      const n = batch * 3 + 3;
      const fx = randomArray(rng, n * inSize, 1);
      const fy = randomTargets(rng, source === MLP ? "categorical_crossentropy" : "mse", n, G.outputShape);
      const fit = (m: Threaded) => m.fit(fx, fy, { epochs: 2, batchSize: batch, validationSplit: 0.2 }).history;
      const h1 = fit(one);
      expect(fit(two)).toEqual(h1);
      expect(fit(three)).toEqual(h1);
      expect(two.evaluate(fx, fy, { batchSize: batch })).toEqual(one.evaluate(fx, fy, { batchSize: batch }));
      for (const m of [two, three]) expect(weightsOf(m).every((w, i) => sameBits(w, weightsOf(one)[i]!))).toBe(true);
      two.dispose();
      three.dispose();
    });
  }

  it("a rejected step (NonFiniteError) leaves the threaded model unchanged, as the single-thread one", async () => {
    const G = await compiled(MLP.replace("Adam(learning_rate=0.01)", "SGD(learning_rate=1e30)"));
    const one = new G() as Threaded;
    const two = new G({ threads: 2 }) as Threaded;
    const rng = new Rng(2);
    const x = randomArray(rng, 16 * 160, 1e3);
    const y = randomTargets(rng, "categorical_crossentropy", 16, G.outputShape);
    const before = weightsOf(two);
    let e1: unknown;
    let e2: unknown;
    for (let i = 0; i < 3 && e1 === undefined; i++) {
      try {
        one.trainOnBatch(x, y, 16);
      } catch (e) {
        e1 = e;
      }
      try {
        two.trainOnBatch(x, y, 16);
      } catch (e) {
        e2 = e;
      }
    }
    expect(e1).toBeInstanceOf(NonFiniteError);
    expect(e2).toBeInstanceOf(NonFiniteError);
    expect((e2 as Error).message).toBe((e1 as Error).message);
    expect(weightsOf(two).every((w, i) => sameBits(w, weightsOf(one)[i]!))).toBe(true);
    expect(weightsOf(two).some((w, i) => !sameBits(w, before[i]!))).toBe(true);
    two.dispose();
  });
});

describe.runIf(canThread)("threads: errors, dispose, exit", () => {
  it("a kernel failing in a worker thread throws in the caller; the pool keeps working", async () => {
    const G = await compiled(MLP);
    const m = new G({ threads: 2 }) as Threaded;
    const rng = new Rng(5);
    const x = randomArray(rng, 16 * 160, 1);
    const good = m.predictBatch(x, 16);
    const kernels = (m as unknown as { kernels: Record<string, (n: number, a: number, b: number, c: number) => void> }).kernels;
    const memory = (m as unknown as { nativeMemory: ArrayBuffer }).nativeMemory;
    // rows 0–7 of A inside the memory, rows 8–15 past its end: part 0 computes, part 1 traps
    const a = memory.byteLength - 8 * 160 * 4;
    const errors: unknown[] = [];
    const deadline = Date.now() + 4000;
    while (!errors.some((e) => e instanceof LayercError) && Date.now() < deadline) {
      try {
        kernels["dense_forward"]!(16, a, 0, 0);
      } catch (e) {
        errors.push(e);
      }
    }
    const fromWorker = errors.find((e) => e instanceof LayercError) as LayercError | undefined;
    expect(fromWorker?.message).toMatch(/^native kernel dense_forward failed in a worker thread: .*out of bounds/);
    // every call failed one way or the other (the main thread traps when it computed part 1 itself)
    expect(errors.length).toBeGreaterThan(0);
    expect(sameBits(m.predictBatch(x, 16), good)).toBe(true);
    m.dispose();
  });

  it("dispose() ends the workers; the model keeps working on one thread", async () => {
    const G = await compiled(MLP);
    const m = new G({ threads: 2 }) as Threaded;
    const ref = new G() as Threaded;
    const rng = new Rng(8);
    const x = randomArray(rng, 16 * 160, 1);
    const y = randomTargets(rng, "categorical_crossentropy", 16, G.outputShape);
    expect(m.trainOnBatch(x, y, 16)).toBe(ref.trainOnBatch(x, y, 16));
    m.dispose();
    m.dispose();
    expect(m.threads).toBe(1);
    expect(m.trainOnBatch(x, y, 16)).toBe(ref.trainOnBatch(x, y, 16));
    // a larger batch lays the memory out again: no new workers after dispose()
    const x40 = randomArray(rng, 40 * 160, 1);
    expect(sameBits(m.predictBatch(x40, 40), ref.predictBatch(x40, 40))).toBe(true);
    expect(m.threads).toBe(1);
    expect(poolOf(m)).toBe(null);
  });

  it("a Node process with undisposed threaded models exits on its own", async () => {
    // the generated module and the runtime bundled into one script (esbuild), run by a plain node
    const r = await compile(MLP);
    const root = join(import.meta.dirname, "..");
    const entry = `${r.code!.replace('from "layerc/runtime"', `from ${JSON.stringify(join(root, "src/runtime/index.ts"))}`)}
      const m = new T({ threads: 2 });
      m.trainOnBatch(new Float32Array(16 * 160).fill(0.5), new Float32Array(160).fill(0.1), 16);
      console.log("threads", m.threads);`;
    const bundle = buildSync({ stdin: { contents: entry, loader: "ts", resolveDir: root }, bundle: true, format: "esm", platform: "node", write: false });
    mkdirSync(join(root, "test/.tmp"), { recursive: true });
    const file = join(root, "test/.tmp/threads-exit.mjs");
    writeFileSync(file, bundle.outputFiles[0]!.text);
    const out = execFileSync(process.execPath, [file], { timeout: 15000, encoding: "utf8" });
    expect(out.trim()).toBe("threads 2");
  });
});

describe("threads: options and fallback", () => {
  it("validates the option before building anything", async () => {
    const G = await compiled(MLP);
    for (const bad of [0, 1.5, -1, 65, "2", null, NaN]) {
      expect(() => new G({ threads: bad as number })).toThrow(/new T option threads must be an integer in \[1, 64\]/);
    }
  });

  it("runs on one thread, with the same results, where threads cannot run: threads 1, no native kernels, the interpreter, no SharedArrayBuffer", async () => {
    const G = await compiled(MLP);
    const rng = new Rng(9);
    const x = randomArray(rng, 16 * 160, 1);
    const y = randomTargets(rng, "categorical_crossentropy", 16, G.outputShape);
    const ref = new G() as Threaded;
    const expected = ref.trainOnBatch(x, y, 16);
    expect(ref.threads).toBe(1);
    expect(poolOf(ref)).toBe(null);
    const loops = new G({ threads: 2, wasm: false }) as Threaded;
    expect(loops.threads).toBe(1);
    const I = interpreted(MLP)["T"]!;
    const interp = new I({ threads: 2 }) as Threaded;
    expect(interp.threads).toBe(1);
    const host = globalThis as { SharedArrayBuffer?: unknown };
    const saved = host.SharedArrayBuffer;
    host.SharedArrayBuffer = undefined;
    try {
      expect(threadsAvailable()).toBe(false);
      const m = new G({ threads: 2 }) as Threaded;
      expect(m.threads).toBe(1);
      expect(m.trainOnBatch(x, y, 16)).toBe(expected);
    } finally {
      host.SharedArrayBuffer = saved;
    }
  });

  it("marks in the module which products may be split by rows, with their work per sample; not where outer blocks of C overlap", () => {
    const spec = (outerC: number): Gemm => ({
      label: "p",
      outer: [{ name: "u", size: mul(BATCH, num(3)), a: 40, c: outerC }],
      m: num(8),
      n: num(5),
      k: num(4),
      a: { buf: "A", offset: 0, rows: 4, cols: 1 },
      b: { buf: "B", offset: 0, rows: 5, cols: 1 },
      c: { buf: "C", offset: 0, rows: 5, cols: 1 },
      accumulate: true,
    });
    const types = { a: "f64", b: "f64", c: "f64" } as const;
    const bases = { a: 0, b: 0, c: 0 };
    // C blocks of 8 rows × 5: 40 elements apart they are disjoint, 0 apart they accumulate into the same rows, 20 apart rows overlap
    const bytes = gemmModule([40, 0, 20].map((c, i) => ({ name: `p${i}`, spec: spec(c), types, bases })));
    const wasm = (globalThis as unknown as { WebAssembly: { Module: { new (b: Uint8Array): object; customSections(m: object, name: string): ArrayBuffer[] } } }).WebAssembly;
    const section = new Uint8Array(wasm.Module.customSections(new wasm.Module(bytes), WORK_SECTION)[0]!);
    const work = productWork(spec(40));
    expect(work).toBe(3 * 8 * 5 * 4);
    // per kernel: 1 (by rows), uleb(480) = [0xe0, 0x03]; or 0 (never split)
    expect([...section]).toEqual([1, 0xe0, 0x03, 1, 0xe0, 0x03, 0]);
  });

  it("rewrites a module's memory import as shared (what a shared memory needs), and nothing else", async () => {
    const G = await compiled(MLP);
    const meta = (new G() as unknown as { meta?: { wasm: string } }).meta;
    const source = (await import("../src/runtime/native.js")).decodeBase64(meta!.wasm);
    const shared = sharedMemoryImport(source)!;
    const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean; Module: { new (b: Uint8Array): object; imports(m: object): { kind: string }[] } } }).WebAssembly;
    expect(wasm.validate(shared)).toBe(true);
    expect(shared.length).toBe(source.length + 3);
    const Memory = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => object; Instance: new (m: object, i: object) => object } }).WebAssembly;
    // the shared variant takes a shared memory; the original refuses it
    const memory = new Memory.Memory({ initial: 1, maximum: 1, shared: true });
    expect(() => new Memory.Instance(new wasm.Module(shared), { env: { memory } })).not.toThrow();
    expect(() => new Memory.Instance(new wasm.Module(source), { env: { memory } })).toThrow();
    expect(sharedMemoryImport(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toBe(null);
  });
});
