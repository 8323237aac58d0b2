/**
 * layerc benchmark (DESIGN.md §5, issue 5). Run by hand, never in `npm test`:
 *
 *   node --expose-gc --import tsx bench/run.ts [--quick] [--rounds N] [--window MS] [--models seed,mlp,cnn,lstm]
 *
 * (`npx tsx bench/run.ts …` re-runs itself that way, since the heap rows need
 * --expose-gc.) Full: ~6 min on an idle 2-core box, longer under load; --quick: ~2 min.
 * Writes bench/RESULTS.md and bench/results.json (a quick or partial run:
 * RESULTS.partial.md and results.partial.json; `--models lstm` alone also
 * refreshes the "LSTM row, measured alone" section at the end of RESULTS.md,
 * which a full run, whose tables include the LSTM, drops).
 *
 * 1. compiles bench/models/*.nn through the public `compile()` (timed: cold,
 *    then the median of warm compiles), writes bench/.gen/*.nn.ts, imports it;
 * 2. sizes: generated modules, and the runtime as users ship it (esbuild
 *    bundle+minify, gzip -9) for src/runtime/index.ts and for an entry that
 *    imports the generated seed model;
 * 3. builds every contender with IDENTICAL weights (the generated model's
 *    getWeights()), and checks predictions and the weights after one SGD step
 *    against the generated model before timing; a contender that disagrees
 *    loses its rows;
 * 4. rounds: 1 discarded warm-up + N rounds; in each, every (model,
 *    contender, row) cell runs once, in a freshly shuffled order, for a window
 *    of W ms of ~1 ms batches (rotating inputs: 32 samples, 4 batches of 32);
 *    reports the median of round medians [min–max], the best round, and
 *    layerc-generated vs each peer as the median of same-round ratios;
 * 5. heap: JS heap allocated and retained per call after a forced GC;
 * 6. targets of issue 5, marked met / missed.
 */
import { execSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { compile, interpret, formatDiagnostics } from "../src/index.js";
import type { TrainableModel } from "../src/runtime/model.js";
import { HandCnn, HandMlp, HandSeed, type HandModel } from "./hand.js";
import { runtimeSizes, type BundleSize } from "./sizes.js";
import { forceGc, hasGc, heapFloor as measureHeapFloor, measureHeap, measureWindow, median, prng, shuffle, timer, type HeapResult, type Timer } from "./harness.js";
import { BrainPeer, initTfjs, reluEverywhere, TfjsPeer, tf, useBackend, type Backend, type KerasWeight, type ModelKey } from "./peers.js";

// ───────────────────────────────────────── configuration ─────────────────────────────────────────

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..");
const GEN = path.join(HERE, ".gen");
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes("--quick");
const CFG = {
  quick,
  warmupRounds: 1,
  rounds: Number(flag("--rounds") ?? (quick ? 3 : 10)),
  windowMs: Number(flag("--window") ?? (quick ? 40 : 150)),
  heapMs: quick ? 60 : 200,
  heapMaxCalls: quick ? 5000 : 20000,
  compileReps: quick ? 3 : 10,
  batch: 32,
  /** normwise relative tolerance (max|a−b| / max|ref| per tensor) for predictions and weights */
  tol: 1e-5,
  /** normwise relative tolerance for the weight change of one SGD step (catches gradient bugs the weight check cannot see at lr 0.01) */
  tolDelta: 1e-3,
};
const MODELS: readonly ModelKey[] = (flag("--models")?.split(",") as ModelKey[] | undefined) ?? ["seed", "mlp", "cnn", "lstm"];

const SPECS: Record<ModelKey, { file: string; cls: string; inShape: number[]; out: number; brainSizes: number[] | null }> = {
  seed: { file: "seed.nn", cls: "Seed", inShape: [1], out: 2, brainSizes: [1, 4, 2] },
  mlp: { file: "mlp.nn", cls: "Mlp", inShape: [784], out: 10, brainSizes: [784, 128, 64, 10] },
  cnn: { file: "cnn.nn", cls: "Cnn", inShape: [28, 28, 1], out: 10, brainSizes: null },
  // issue 12: no hand-written contender (bench/hand.ts has none) and no brain.js (no recurrent layers)
  lstm: { file: "lstm.nn", cls: "Lstm", inShape: [20, 8], out: 1, brainSizes: null },
};
const TITLE: Record<ModelKey, string> = {
  seed: "M1 seed (1 → Dense 4 relu → Dense 2 softmax)",
  mlp: "M2 MLP (784 → 128 relu → 64 relu → 10 softmax)",
  cnn: "M3 CNN (28×28×1 → Conv2D 8 3×3 valid relu → MaxPool 2 → Flatten → Dense 10 softmax)",
  lstm: "M5 LSTM (20×8 → LSTM 64 → Dense 1, MSE; issue 12)",
};

type ContenderId = "gen" | "interp" | "hand" | "tfcpu" | "tfwasm" | "brain";
const CONTENDERS: readonly ContenderId[] = ["gen", "interp", "hand", "tfcpu", "tfwasm", "brain"];
const LABEL: Record<ContenderId, string> = {
  gen: "layerc generated",
  interp: "layerc interpreter",
  hand: "hand-written",
  tfcpu: "tfjs-layers cpu",
  tfwasm: "tfjs-layers wasm",
  brain: "brain.js 1.6.1¹",
};
type Kind = "p1" | "p1o" | "p32" | "t32";
const KINDS: readonly Kind[] = ["p1", "p1o", "p32", "t32"];
const KIND_LABEL: Record<Kind, string> = {
  p1: "predict B=1, µs/sample (`predict(x)`)",
  p1o: "predict B=1, µs/sample (`predictBatch(x, 1, out)`)",
  p32: "predict B=32, samples/s",
  t32: "train step B=32, µs/step",
};

const log = (...a: unknown[]) => console.log(...a);
const fmtNum = (v: number, digits = 3): string => {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e4) return Math.round(v).toLocaleString("en-US");
  if (a === 0) return "0";
  const d = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  return v.toFixed(Math.min(d, 6));
};

// ───────────────────────────────────────── machine facts ─────────────────────────────────────────

function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const cpuModel = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? "unknown";
  const flags = /flags\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? "";
  const sh = (c: string) => {
    try {
      return execSync(c, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "";
    }
  };
  return {
    date: new Date().toISOString(),
    nproc: sh("nproc") || String(os.availableParallelism()),
    cpuModel,
    avx512: flags.includes("avx512f"),
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    v8: process.versions.v8,
    loadavgStart: os.loadavg(),
    command: `node ${process.execArgv.map((a) => (a.startsWith("file:") ? "tsx" : a)).join(" ")} ${path.relative(ROOT, process.argv[1] ?? "bench/run.ts")} ${argv.join(" ")}`.replace(/\s+/g, " ").trim(),
    gitHead: sh("git rev-parse --short HEAD"),
    gitDirtySrcFiles: sh("git status --porcelain -- src templates").split("\n").filter(Boolean).length,
  };
}

// ───────────────────────────────────────── compile + sizes ─────────────────────────────────────────

interface CompileStats {
  coldMs: number;
  warmMs: number[];
  warmMedianMs: number;
  bytes: number;
  gzipBytes: number;
  sha256: string;
  deterministic: boolean;
}

/**
 * Cold: the first compile of each model in the process (the first one also
 * loads the emitter's dependencies). Warm: then `compileReps` rounds that
 * compile every model once, round-robin, so no model is measured on a
 * colder JIT than another; each model reports the median of its warm runs.
 */
async function compileAll(): Promise<Record<string, CompileStats>> {
  mkdirSync(GEN, { recursive: true });
  writeFileSync(path.join(GEN, ".gitignore"), "*\n"); // build output of the bench, never committed
  const jobs = MODELS.map((key) => {
    const spec = SPECS[key];
    return { key, spec, source: readFileSync(path.join(HERE, "models", spec.file), "utf8"), opts: { fileName: spec.file, runtimeImport: "../../src/runtime/index.js" } };
  });
  const firsts = new Map<ModelKey, { code: string; coldMs: number }>();
  for (const j of jobs) {
    const t0 = performance.now();
    const r = await compile(j.source, j.opts);
    const coldMs = performance.now() - t0;
    if (r.code === undefined) {
      throw new Error(`bench/models/${j.spec.file} does not compile:\n${formatDiagnostics(r.diagnostics, j.source, { fileName: j.spec.file })}`);
    }
    firsts.set(j.key, { code: r.code, coldMs });
  }
  const warm = new Map<ModelKey, number[]>(MODELS.map((k) => [k, []]));
  const deterministic = new Map<ModelKey, boolean>(MODELS.map((k) => [k, true]));
  for (let i = 0; i < CFG.compileReps; i++) {
    for (const j of jobs) {
      const t = performance.now();
      const r = await compile(j.source, j.opts);
      warm.get(j.key)!.push(performance.now() - t);
      if (r.code !== firsts.get(j.key)!.code) deterministic.set(j.key, false);
    }
  }
  const out: Record<string, CompileStats> = {};
  for (const j of jobs) {
    const { code, coldMs } = firsts.get(j.key)!;
    const w = warm.get(j.key)!;
    writeFileSync(path.join(GEN, `${j.key}.nn.ts`), code);
    out[j.key] = {
      coldMs,
      warmMs: w,
      warmMedianMs: median(w),
      bytes: Buffer.byteLength(code),
      gzipBytes: gzipSync(code, { level: 9 }).length,
      sha256: createHash("sha256").update(code).digest("hex").slice(0, 16),
      deterministic: deterministic.get(j.key)!,
    };
    log(`compile ${j.key}: cold ${coldMs.toFixed(1)} ms, warm median ${median(w).toFixed(1)} ms [${w.map((x) => x.toFixed(1)).join(", ")}], ${out[j.key]!.bytes} B`);
  }
  return out;
}

async function bundleSizes(): Promise<BundleSize[]> {
  // every export, then each bench model's runtime and runtime + generated code (bench/sizes.ts)
  const sizes = await runtimeSizes(
    MODELS.map((k) => path.join(HERE, "models", SPECS[k].file)),
    path.join(GEN, "sizes"),
  );
  for (const s of sizes) log(`bundle ${s.entry}: ${s.minBytes} B min, ${s.gzipBytes} B min+gzip${s.error ? ` (${s.error})` : ""}`);
  return sizes;
}

// ───────────────────────────────────────── data ─────────────────────────────────────────

interface Data {
  x1: Float32Array[]; // 32 single samples
  xb: Float32Array[]; // 4 batches of 32
  yb: Float32Array[]; // 4 one-hot label batches
}

function makeData(key: ModelKey): Data {
  const spec = SPECS[key];
  const inSize = spec.inShape.reduce((a, b) => a * b, 1);
  const rnd = prng(0x5eed + inSize);
  const value = key === "seed" ? () => rnd() * 4 - 2 : () => rnd();
  const x1 = Array.from({ length: 32 }, () => Float32Array.from({ length: inSize }, value));
  const xb = Array.from({ length: 4 }, () => Float32Array.from({ length: CFG.batch * inSize }, value));
  const yb = Array.from({ length: 4 }, () => {
    const y = new Float32Array(CFG.batch * spec.out);
    // regression targets for the LSTM (MSE), one-hot labels for the classifiers
    if (key === "lstm") y.forEach((_, i) => (y[i] = rnd() * 2 - 1));
    else for (let b = 0; b < CFG.batch; b++) y[b * spec.out + Math.floor(rnd() * spec.out)] = 1;
    return y;
  });
  return { x1, xb, yb };
}

// ───────────────────────────────────────── contenders ─────────────────────────────────────────

interface Contender {
  readonly id: ContenderId;
  readonly backend?: Backend;
  /** why a row is not available, per kind */
  readonly na: Partial<Record<Kind, string>>;
  readonly calls: Partial<Record<Kind, { fn: () => unknown; isAsync: boolean }>>;
  /** one-sample prediction (correctness) */
  predictOne(x: Float32Array): Promise<ArrayLike<number>> | ArrayLike<number>;
  /** batch prediction (correctness) */
  predictBatch(x: Float32Array, n: number): Promise<ArrayLike<number>> | ArrayLike<number>;
  /** one SGD step on batch j; returns the loss (correctness) */
  trainOnce?(x: Float32Array, y: Float32Array, n: number): Promise<number> | number;
  weights?(): Promise<ArrayLike<number>[]> | ArrayLike<number>[];
  reset(): Promise<void> | void;
}

function rotate<T>(items: readonly T[]): () => T {
  let i = 0;
  const mask = items.length - 1; // 32 or 4
  return () => items[(i = (i + 1) & mask)]!;
}

function layercContender(id: "gen" | "interp", model: TrainableModel, w0: KerasWeight[], d: Data, outSize: number): Contender {
  const nextX = rotate(d.x1);
  const nextB = rotate([0, 1, 2, 3]);
  const out32 = new Float32Array(CFG.batch * outSize);
  const out1 = new Float32Array(outSize);
  const nextX2 = rotate(d.x1);
  return {
    id,
    na: {},
    calls: {
      p1: { fn: () => model.predict(nextX()), isAsync: false },
      p1o: { fn: () => model.predictBatch(nextX2(), 1, out1), isAsync: false },
      p32: { fn: () => model.predictBatch(d.xb[nextB()]!, CFG.batch, out32), isAsync: false },
      t32: {
        fn: (() => {
          const nb = rotate([0, 1, 2, 3]);
          return () => {
            const j = nb();
            return model.trainOnBatch(d.xb[j]!, d.yb[j]!, CFG.batch);
          };
        })(),
        isAsync: false,
      },
    },
    predictOne: (x) => model.predict(x),
    predictBatch: (x, n) => model.predictBatch(x, n),
    trainOnce: (x, y, n) => model.trainOnBatch(x, y, n),
    weights: () => model.getWeights().map((w) => w.data),
    reset: () => model.setWeights(w0),
  };
}

function handContender(model: HandModel, w0: KerasWeight[], d: Data, outSize: number): Contender {
  const nextX = rotate(d.x1);
  const nextB = rotate([0, 1, 2, 3]);
  const out32 = new Float32Array(CFG.batch * outSize);
  const out1 = new Float32Array(outSize);
  const nextX2 = rotate(d.x1);
  const nb = rotate([0, 1, 2, 3]);
  return {
    id: "hand",
    na: {},
    calls: {
      p1: { fn: () => model.predict(nextX()), isAsync: false },
      p1o: { fn: () => model.predictBatch(nextX2(), 1, out1), isAsync: false },
      p32: { fn: () => model.predictBatch(d.xb[nextB()]!, CFG.batch, out32), isAsync: false },
      t32: {
        fn: () => {
          const j = nb();
          return model.trainOnBatch(d.xb[j]!, d.yb[j]!, CFG.batch);
        },
        isAsync: false,
      },
    },
    predictOne: (x) => model.predict(x).slice(),
    predictBatch: (x, n) => model.predictBatch(x, n, new Float32Array(n * outSize)),
    trainOnce: (x, y, n) => model.trainOnBatch(x, y, n),
    weights: () => model.getWeights(),
    reset: () => model.setWeights(w0.map((w) => w.data)),
  };
}

async function tfjsContender(key: ModelKey, backend: Backend, w0: KerasWeight[], d: Data): Promise<Contender> {
  const spec = SPECS[key];
  const peer = await TfjsPeer.create(key, backend, spec.inShape, w0);
  await useBackend(backend);
  const batches = d.xb.map((x, j) => peer.tensors(x, d.yb[j]!, CFG.batch, spec.out));
  const nextX = rotate(d.x1);
  const nextB = rotate([0, 1, 2, 3]);
  const nb = rotate(batches);
  const c: Contender = {
    id: backend === "cpu" ? "tfcpu" : "tfwasm",
    backend,
    na: { p1o: "same as predict(x)" },
    calls: {
      p1: { fn: () => peer.predict(nextX(), 1), isAsync: false },
      p32: { fn: () => peer.predict(d.xb[nextB()]!, CFG.batch), isAsync: false },
      t32: {
        fn: () => {
          const b = nb();
          return peer.train(b.x, b.y);
        },
        isAsync: true,
      },
    },
    predictOne: async (x) => (await useBackend(backend), peer.predict(x, 1)),
    predictBatch: async (x, n) => (await useBackend(backend), peer.predict(x, n)),
    trainOnce: async (x, y, n) => {
      await useBackend(backend);
      const t = peer.tensors(x, y, n, spec.out);
      try {
        return await peer.train(t.x, t.y);
      } finally {
        t.x.dispose();
        t.y.dispose();
      }
    },
    weights: async () => (await useBackend(backend), peer.getWeights()),
    reset: async () => {
      await useBackend(backend);
      peer.setWeights(w0);
    },
  };
  return c;
}

function brainContender(sizes: number[], w0: KerasWeight[], d: Data): Contender {
  const peer = new BrainPeer(sizes, w0);
  const inSize = sizes[0]!;
  const outSize = sizes[sizes.length - 1]!;
  // views of the 4 batches, and {input, output} patterns, built once (no allocation in timed calls)
  const rows = d.xb.map((x) => Array.from({ length: CFG.batch }, (_, b) => x.subarray(b * inSize, (b + 1) * inSize)));
  const pats = d.xb.map((x, j) =>
    Array.from({ length: CFG.batch }, (_, b) => ({ input: x.subarray(b * inSize, (b + 1) * inSize), output: d.yb[j]!.subarray(b * outSize, (b + 1) * outSize) })),
  );
  const nextX = rotate(d.x1);
  const nextB = rotate([0, 1, 2, 3]);
  const nb = rotate([0, 1, 2, 3]);
  const net = peer.net;
  return {
    id: "brain",
    na: { p1o: "same as run(x)" },
    calls: {
      p1: { fn: () => net.run(nextX()), isAsync: false },
      p32: {
        fn: () => {
          const r = rows[nextB()]!;
          let last: unknown;
          for (let b = 0; b < r.length; b++) last = net.run(r[b]!);
          return last;
        },
        isAsync: false,
      },
      t32: {
        fn: () => {
          const ps = pats[nb()]!;
          for (let b = 0; b < ps.length; b++) net.trainPattern(ps[b]!);
          return null;
        },
        isAsync: false,
      },
    },
    predictOne: (x) => net.run(x),
    predictBatch: (x, n) => {
      const out = new Float32Array(n * outSize);
      for (let b = 0; b < n; b++) out.set(net.run(x.subarray(b * inSize, (b + 1) * inSize)), b * outSize);
      return out;
    },
    reset: () => peer.setWeights(w0),
  };
}

// ───────────────────────────────────────── correctness ─────────────────────────────────────────

/** normwise relative difference: max|a−b| / max|ref| (ref = b), and max|a−b| */
function diff(a: ArrayLike<number>, b: ArrayLike<number>): { rel: number; abs: number } {
  if (a.length !== b.length) return { rel: Infinity, abs: Infinity };
  let md = 0;
  let mr = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= md)) md = d; // NaN propagates
    mr = Math.max(mr, Math.abs(b[i]!));
  }
  return { rel: md / (mr || 1), abs: md };
}

interface Check {
  contender: ContenderId;
  predictRel: number;
  predictAbs: number;
  trainWeightsRel: number | null;
  trainDeltaRel: number | null;
  lossDiff: number | null;
  ok: boolean;
  trainOk: boolean;
  note: string;
}

async function checkModel(key: ModelKey, cs: Contender[], w0: KerasWeight[], d: Data): Promise<Check[]> {
  const gen = cs.find((c) => c.id === "gen")!;
  const refBatch = Float32Array.from(await gen.predictBatch(d.xb[0]!, CFG.batch));
  const refOnes = await Promise.all(d.x1.slice(0, 4).map(async (x) => Float32Array.from(await gen.predictOne(x))));
  // one SGD step on batch 0 from W0
  await gen.reset();
  const refLoss = await gen.trainOnce!(d.xb[0]!, d.yb[0]!, CFG.batch);
  const refW = (await gen.weights!()).map((w) => Float32Array.from(w));
  await gen.reset();
  const checks: Check[] = [];
  for (const c of cs) {
    if (c.id === "brain") {
      const sizes = SPECS[key].brainSizes!;
      let worst = { rel: 0, abs: 0 };
      for (const x of d.x1.slice(0, 8)) {
        const r = diff(await c.predictOne(x), reluEverywhere(sizes, w0, x));
        if (!(r.rel <= worst.rel)) worst = r;
      }
      const ok = worst.rel <= CFG.tol;
      checks.push({ contender: c.id, predictRel: worst.rel, predictAbs: worst.abs, trainWeightsRel: null, trainDeltaRel: null, lossDiff: null, ok, trainOk: false, note: "vs a float64 relu-everywhere forward on the same weights (brain has no softmax/CE); training not compared" });
      continue;
    }
    let p = diff(await c.predictBatch(d.xb[0]!, CFG.batch), refBatch);
    for (let i = 0; i < refOnes.length; i++) {
      const q = diff(await c.predictOne(d.x1[i]!), refOnes[i]!);
      if (!(q.rel <= p.rel)) p = q;
    }
    let trainWeightsRel: number | null = null;
    let trainDeltaRel: number | null = null;
    let lossDiff: number | null = null;
    let trainOk = true;
    let note = "";
    if (c.trainOnce) {
      try {
        await c.reset();
        const loss = await c.trainOnce(d.xb[0]!, d.yb[0]!, CFG.batch);
        const ws = await c.weights!();
        trainWeightsRel = 0;
        trainDeltaRel = 0;
        ws.forEach((w, i) => {
          const r = diff(w, refW[i]!);
          trainWeightsRel = Math.max(trainWeightsRel!, Number.isNaN(r.rel) ? Infinity : r.rel);
          const w0i = w0[i]!.data;
          const da = Float64Array.from(w, (v, j) => v - w0i[j]!);
          const db = Float64Array.from(refW[i]!, (v, j) => v - w0i[j]!);
          const rd = diff(da, db);
          trainDeltaRel = Math.max(trainDeltaRel!, Number.isNaN(rd.rel) ? Infinity : rd.rel);
        });
        if (ws.length !== refW.length) trainWeightsRel = Infinity;
        lossDiff = Math.abs(loss - refLoss);
        trainOk = trainWeightsRel <= CFG.tol && trainDeltaRel <= CFG.tolDelta;
      } catch (e) {
        trainOk = false;
        note = `throws: ${String((e as Error).message).split("\n")[0]!.slice(0, 160)}`;
        c.na.t32 = note;
        delete c.calls.t32;
      } finally {
        await c.reset();
      }
    }
    const ok = p.rel <= CFG.tol;
    checks.push({ contender: c.id, predictRel: p.rel, predictAbs: p.abs, trainWeightsRel, trainDeltaRel, lossDiff, ok, trainOk, note });
  }
  return checks;
}

// ───────────────────────────────────────── main ─────────────────────────────────────────

interface Cell {
  model: ModelKey | "probe";
  contender: ContenderId | "probe";
  kind: Kind | "probe";
  backend?: Backend;
  timer: Timer;
  reset?: () => Promise<void> | void;
  rounds: { medianUs: number; minUs: number; medianCpuUs: number; batches: number; callsPerBatch: number }[];
  warmup: { medianUs: number; minUs: number; medianCpuUs: number; batches: number; callsPerBatch: number }[];
  heap?: HeapResult & { tensorsBefore?: number; tensorsAfter?: number };
}

function probeFn(): () => number {
  // fixed scalar work (~0.3 ms): tracks the VM's fast/slow state per round
  return () => {
    let s = 0;
    for (let i = 0; i < 100_000; i++) s = s * 0.999 + (i & 7);
    return s;
  };
}

async function main() {
  const M = machine();
  log(`layerc bench — ${M.date}, ${M.cpuModel}, nproc ${M.nproc}, node ${M.node}, load ${M.loadavgStart.map((l) => l.toFixed(2)).join(" ")}`);
  log(`config: ${JSON.stringify(CFG)}${hasGc ? "" : " — WARNING: no --expose-gc: heap rows skipped"}`);

  const compileStats = await compileAll();
  const bundles = await bundleSizes();

  await initTfjs();
  const contenders: Partial<Record<ModelKey, Contender[]>> = {};
  const checks: Partial<Record<ModelKey, Check[]>> = {};
  const disabled: { model: ModelKey; contender: ContenderId; kind: Kind | "all"; reason: string }[] = [];
  const datasets: Partial<Record<ModelKey, Data>> = {};

  for (const key of MODELS) {
    const spec = SPECS[key];
    const source = readFileSync(path.join(HERE, "models", spec.file), "utf8");
    const genMod = (await import(pathToFileURL(path.join(GEN, `${key}.nn.ts`)).href)) as Record<string, new (o?: object) => TrainableModel>;
    const Gen = genMod[spec.cls]!;
    const Interp = interpret(source, { fileName: spec.file })[spec.cls]!;
    const gen = new Gen({ seed: 42 });
    const w0: KerasWeight[] = gen.getWeights().map((w) => ({ shape: w.shape, data: w.data }));
    const d = makeData(key);
    datasets[key] = d;
    const hand: HandModel | null = key === "seed" ? new HandSeed() : key === "mlp" ? new HandMlp() : key === "cnn" ? new HandCnn() : null;
    hand?.setWeights(w0.map((w) => w.data));
    const cs: Contender[] = [
      layercContender("gen", gen, w0, d, spec.out),
      layercContender("interp", new Interp({ weights: w0 }) as TrainableModel, w0, d, spec.out),
      ...(hand ? [handContender(hand, w0, d, spec.out)] : []),
      await tfjsContender(key, "cpu", w0, d),
      await tfjsContender(key, "wasm", w0, d),
    ];
    if (spec.brainSizes) cs.push(brainContender(spec.brainSizes, w0, d));
    const ck = await checkModel(key, cs, w0, d);
    checks[key] = ck;
    log(`\ncorrectness ${key} (vs layerc generated; normwise relative max|a−b|/max|ref|):`);
    for (const c of ck) {
      log(
        `  ${LABEL[c.contender].padEnd(20)} predict ${c.predictRel.toExponential(2)} (abs ${c.predictAbs.toExponential(2)})` +
          (c.trainWeightsRel !== null ? `  weights after 1 SGD step ${c.trainWeightsRel.toExponential(2)}, Δweights ${c.trainDeltaRel!.toExponential(2)}, |Δloss| ${c.lossDiff!.toExponential(2)}` : "") +
          `  ${c.ok ? "ok" : "DISAGREES"}` +
          (c.contender === "brain" ? `  (${c.note})` : c.trainWeightsRel !== null || c.note ? (c.trainOk ? "" : " / train " + (c.note || "DISAGREES")) : ""),
      );
    }
    // abort rows of contenders that disagree
    const kept: Contender[] = [];
    const genSuspect = ck.filter((c) => c.contender !== "gen" && c.contender !== "brain").every((c) => !c.ok);
    for (const c of cs) {
      const r = ck.find((x) => x.contender === c.id)!;
      if (c.id === "gen" && genSuspect) {
        disabled.push({ model: key, contender: "gen", kind: "all", reason: "every other contender disagrees with the generated code" });
        continue;
      }
      if (!r.ok) {
        disabled.push({ model: key, contender: c.id, kind: "all", reason: `predictions differ by ${r.predictRel.toExponential(2)}` });
        continue;
      }
      if (c.id !== "brain" && !r.trainOk && c.calls.t32) {
        disabled.push({ model: key, contender: c.id, kind: "t32", reason: `weights after one SGD step differ by ${r.trainWeightsRel?.toExponential(2)} (Δ ${r.trainDeltaRel?.toExponential(2)})` });
        c.na.t32 = "disagrees after one SGD step";
        delete c.calls.t32;
      }
      kept.push(c);
    }
    contenders[key] = kept;
  }
  for (const x of disabled) log(`ABORTED ${x.model} ${LABEL[x.contender]} ${x.kind}: ${x.reason}`);

  // ── cells
  const cells: Cell[] = [];
  for (const key of MODELS) {
    for (const c of contenders[key] ?? []) {
      for (const kind of KINDS) {
        const call = c.calls[kind];
        if (!call) continue;
        cells.push({
          model: key,
          contender: c.id,
          kind,
          ...(c.backend ? { backend: c.backend } : {}),
          timer: timer(call.fn, call.isAsync),
          ...(kind === "t32" ? { reset: () => c.reset() } : {}),
          rounds: [],
          warmup: [],
        });
      }
    }
  }
  cells.push({ model: "probe", contender: "probe", kind: "probe", timer: timer(probeFn(), false), rounds: [], warmup: [] });

  const roundInfo: RoundInfo[] = [];
  const total = CFG.warmupRounds + CFG.rounds;
  log(`\n${cells.length} cells × ${total} rounds (${CFG.warmupRounds} warm-up), window ${CFG.windowMs} ms`);
  const rnd = prng(20261129);
  for (let r = 0; r < total; r++) {
    const warm = r < CFG.warmupRounds;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const cell of shuffle([...cells], rnd)) {
      if (cell.backend) await useBackend(cell.backend);
      if (cell.reset) await cell.reset();
      forceGc();
      const w = await measureWindow(cell.timer, CFG.windowMs);
      const rec = { medianUs: w.medianUs, minUs: w.minUs, medianCpuUs: w.medianCpuUs, batches: w.batches, callsPerBatch: w.callsPerBatch };
      (warm ? cell.warmup : cell.rounds).push(rec);
    }
    const probe = cells[cells.length - 1]!;
    const probeUs = (warm ? probe.warmup : probe.rounds).at(-1)!.medianUs;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuShare = (cpu.user + cpu.system) / 1000 / ms;
    roundInfo.push({ round: r, warmup: warm, ms, loadavg1: os.loadavg()[0]!, probeUs, cpuShare });
    log(`round ${r}${warm ? " (warm-up)" : ""}: ${(ms / 1000).toFixed(1)} s, load ${os.loadavg()[0]!.toFixed(2)}, process CPU/wall ${cpuShare.toFixed(2)}, probe ${probeUs.toFixed(1)} µs`);
  }

  // ── heap
  if (hasGc) {
    const f = await measureHeapFloor();
    log(`\nheap per call (window floor: sync ${f.sync.allocBytes} B, async ${f.async.allocBytes} B):`);
    for (const cell of cells) {
      if (cell.model === "probe") continue;
      if (cell.backend) await useBackend(cell.backend);
      if (cell.reset) await cell.reset();
      const us = median(cell.rounds.map((x) => x.medianUs));
      // short window ≈ heapMs/4 (the long one is 3×); at least 20 calls unless a call takes > 200 ms
      const n = Math.max(us < 200_000 ? 20 : 3, Math.min(CFG.heapMaxCalls, Math.round((CFG.heapMs * 250) / us)));
      const before = cell.backend ? tf.memory().numTensors : undefined;
      const h = await measureHeap(cell.timer, n);
      const after = cell.backend ? tf.memory().numTensors : undefined;
      cell.heap = { ...h, ...(before !== undefined ? { tensorsBefore: before, tensorsAfter: after } : {}) };
      log(`  ${cell.model} ${cell.contender} ${cell.kind}: alloc ${h.allocPerCall.toFixed(1)} B/call, retained ${h.retainedPerCall.toFixed(1)} B/call, ${h.gcs} GCs, ${n} calls${before !== undefined ? `, tensors ${before}→${after}` : ""}`);
    }
  }

  let heapFloor: HeapResult | null = null;
  if (hasGc) {
    heapFloor = await measureHeap(timer(() => 0, false), 5000);
    log(`  check (no-op call, floor subtracted): alloc ${heapFloor.allocPerCall.toFixed(2)} B/call, retained ${heapFloor.retainedPerCall.toFixed(2)} B/call`);
  }

  const loadEnd = os.loadavg();
  const report = analyse(cells, roundInfo);
  const md = renderMarkdown(M, loadEnd, compileStats, bundles, checks, disabled, contenders, cells, report, roundInfo, heapFloor);
  // a quick or partial run must not replace the recorded full run; and the sections other scripts
  // append (unroll threshold, watch mode) survive a full rerun
  const partial = quick || flag("--models") !== undefined || flag("--rounds") !== undefined || flag("--window") !== undefined;
  const resultsFile = partial ? "RESULTS.partial.md" : "RESULTS.md";
  const jsonFile = partial ? "results.partial.json" : "results.json";
  const previous = existsSync(path.join(HERE, "RESULTS.md")) ? readFileSync(path.join(HERE, "RESULTS.md"), "utf8") : "";
  const at = previous.search(/^## (Unroll threshold|Watch mode)/m);
  const keep = partial || at < 0 ? "" : withoutSection(previous.slice(at), LSTM_ALONE);
  writeFileSync(path.join(HERE, resultsFile), keep ? `${md.trimEnd()}\n\n${keep}` : md);
  if (partial && MODELS.length === 1 && MODELS[0] === "lstm") {
    // the LSTM row measured alone: its table, targets and conditions, at the end of RESULTS.md
    const table = md.slice(md.indexOf(`## ${TITLE.lstm}`), md.indexOf("## Compile time"));
    const lines = md.split("\n");
    const head = lines.findIndex((l) => l.startsWith("| target | measured"));
    const targetRows = [...lines.slice(head, head + 2), ...lines.filter((l) => l.startsWith("| LSTM "))];
    const section = [
      `## ${LSTM_ALONE}`,
      "",
      `Measured alone by \`${M.command}\` on ${M.date} (git ${M.gitHead}), load average start ${M.loadavgStart.map((x) => x.toFixed(2)).join(" / ")}, end ${loadEnd.map((x) => x.toFixed(2)).join(" / ")} on the shared 2-core machine; protocol as above but ${CFG.rounds} rounds of ${CFG.windowMs} ms windows. A full run includes this model in the tables above and drops this section.`,
      "",
      ...targetRows,
      "",
      table.replace(/^## .*$/m, `### ${TITLE.lstm}`).trim(),
      "",
    ].join("\n");
    writeFileSync(path.join(HERE, "RESULTS.md"), `${withoutSection(previous, LSTM_ALONE).trimEnd()}\n\n${section}`);
  }
  const json = {
    machine: { ...M, loadavgEnd: loadEnd },
    config: CFG,
    models: MODELS,
    compile: compileStats,
    bundles,
    correctness: checks,
    disabled,
    rounds: roundInfo,
    heapFloor,
    cells: cells.map((c) => ({ model: c.model, contender: c.contender, kind: c.kind, backend: c.backend ?? null, warmup: c.warmup, rounds: c.rounds, heap: c.heap ?? null })),
    ratios: report.ratios,
    targets: report.targets,
  };
  writeFileSync(path.join(HERE, jsonFile), JSON.stringify(json, null, 1) + "\n");
  log(`\nwrote bench/${resultsFile} and bench/${jsonFile}`);
  log("\n" + report.targets.map((t) => `${t.met === null ? "n/a   " : t.met ? "MET   " : "MISSED"} ${t.name}: ${t.measured}`).join("\n"));
}

/** The heading of RESULTS.md's section for the LSTM row measured alone (`--models lstm`). */
const LSTM_ALONE = "LSTM row, measured alone";

/** `md` without its `## heading` section (up to the next `## ` heading). */
function withoutSection(md: string, heading: string): string {
  const start = md.indexOf(`## ${heading}`);
  if (start < 0) return md;
  const next = md.indexOf("\n## ", start + 3);
  return md.slice(0, start) + (next < 0 ? "" : md.slice(next + 1));
}

// ───────────────────────────────────────── analysis ─────────────────────────────────────────

interface RoundInfo {
  round: number;
  warmup: boolean;
  ms: number;
  loadavg1: number;
  probeUs: number;
  /** process CPU time / wall time over the round: ≈1 (or a bit more, GC threads) when the process is not starved */
  cpuShare: number;
}

interface Summary {
  medianUs: number;
  minUs: number;
  maxUs: number;
  bestUs: number;
  n: number;
}

function summarize(cell: Cell | undefined, field: "medianUs" | "medianCpuUs" = "medianUs"): Summary | null {
  if (!cell || cell.rounds.length === 0) return null;
  const v = cell.rounds.map((r) => r[field]);
  return { medianUs: median(v), minUs: Math.min(...v), maxUs: Math.max(...v), bestUs: Math.min(...v), n: v.length };
}

interface Ratio {
  model: ModelKey;
  kind: Kind;
  peer: ContenderId;
  /** peer time / generated time, per round (>1: generated is faster) */
  perRound: number[];
  median: number;
  min: number;
  max: number;
  /** peer best round / generated best round */
  bestVsBest: number;
  /** the same by process CPU time per call */
  cpuPerRound: number[];
  cpuMedian: number;
  cpuMin: number;
  cpuMax: number;
}

interface Target {
  name: string;
  measured: string;
  met: boolean | null;
  /** the same criterion on CPU-time ratios (null where not a timing target) */
  cpu?: string;
  metCpu?: boolean | null;
}

function analyse(cells: Cell[], _rounds: unknown) {
  const find = (m: ModelKey, c: ContenderId, k: Kind) => cells.find((x) => x.model === m && x.contender === c && x.kind === k);
  const ratios: Ratio[] = [];
  for (const m of MODELS) {
    for (const k of KINDS) {
      const g = find(m, "gen", k);
      if (!g) continue;
      for (const p of CONTENDERS) {
        if (p === "gen") continue;
        const pc = find(m, p, k) ?? (k === "p1o" ? find(m, p, "p1") : undefined);
        if (!pc) continue;
        const n = Math.min(g.rounds.length, pc.rounds.length);
        const per = Array.from({ length: n }, (_, i) => pc.rounds[i]!.medianUs / g.rounds[i]!.medianUs);
        const cpu = Array.from({ length: n }, (_, i) => pc.rounds[i]!.medianCpuUs / g.rounds[i]!.medianCpuUs);
        const gs = summarize(g)!;
        const ps = summarize(pc)!;
        ratios.push({
          model: m,
          kind: k,
          peer: p,
          perRound: per,
          median: median(per),
          min: Math.min(...per),
          max: Math.max(...per),
          bestVsBest: ps.bestUs / gs.bestUs,
          cpuPerRound: cpu,
          cpuMedian: median(cpu),
          cpuMin: Math.min(...cpu),
          cpuMax: Math.max(...cpu),
        });
      }
    }
  }
  const R = (m: ModelKey, k: Kind, p: ContenderId) => ratios.find((r) => r.model === m && r.kind === k && r.peer === p);
  const targets: Target[] = [];
  const ratioTarget = (name: string, m: ModelKey, k: Kind, p: ContenderId, atLeast: number, strict = false) => {
    const r = R(m, k, p);
    if (!MODELS.includes(m)) return;
    if (!r) {
      targets.push({ name, measured: "n/a (no measurement)", met: null });
      return;
    }
    const ok = (v: number) => (strict ? v > atLeast : v >= atLeast);
    targets.push({
      name,
      measured: `${fmtNum(r.median)}× (same-round median; range ${fmtNum(r.min)}–${fmtNum(r.max)}×, best/best ${fmtNum(r.bestVsBest)}×)`,
      met: ok(r.median),
      cpu: `${fmtNum(r.cpuMedian)}× [${fmtNum(r.cpuMin)}–${fmtNum(r.cpuMax)}]`,
      metCpu: ok(r.cpuMedian),
    });
  };
  ratioTarget("seed predict B=1 ≥ 1000× tfjs-layers cpu", "seed", "p1", "tfcpu", 1000);
  ratioTarget("seed predict B=1 ≥ 3× brain.js", "seed", "p1", "brain", 3);
  ratioTarget("seed train B=32 ≥ 300× tfjs-layers cpu", "seed", "t32", "tfcpu", 300);
  ratioTarget("MLP predict B=1 faster than tfjs-layers wasm", "mlp", "p1", "tfwasm", 1, true);
  ratioTarget("MLP train B=32 ≥ 5× tfjs-layers cpu", "mlp", "t32", "tfcpu", 5);
  ratioTarget("MLP train B=32 not slower than tfjs-layers wasm", "mlp", "t32", "tfwasm", 1);
  ratioTarget("CNN predict B=1 faster than tfjs-layers wasm", "cnn", "p1", "tfwasm", 1, true);
  ratioTarget("CNN train B=32 ≥ 50× tfjs-layers cpu", "cnn", "t32", "tfcpu", 50);
  // issue 12: the LSTM row faster than both tfjs-layers backends
  ratioTarget("LSTM predict B=1 faster than tfjs-layers cpu", "lstm", "p1", "tfcpu", 1, true);
  ratioTarget("LSTM predict B=1 faster than tfjs-layers wasm", "lstm", "p1", "tfwasm", 1, true);
  ratioTarget("LSTM train B=32 faster than tfjs-layers cpu", "lstm", "t32", "tfcpu", 1, true);
  ratioTarget("LSTM train B=32 faster than tfjs-layers wasm", "lstm", "t32", "tfwasm", 1, true);
  // within 1.3× of hand-written on every row: generated time ≤ 1.3 × hand time ⇔ hand/gen ≥ 1/1.3
  for (const m of MODELS) {
    for (const k of ["p1", "p1o", "p32", "t32"] as const) {
      const r = R(m, k, "hand");
      if (!r) continue;
      const genOverHand = 1 / r.median;
      targets.push({
        name: `generated within 1.3× of hand-written: ${m} ${KIND_LABEL[k].split(",")[0]}${k === "p1" ? " (predict(x))" : k === "p1o" ? " (predictBatch(x,1,out))" : ""}`,
        measured: `generated/hand = ${fmtNum(genOverHand)}× (same-round median; range ${fmtNum(1 / r.max)}–${fmtNum(1 / r.min)}×, best/best ${fmtNum(1 / r.bestVsBest)}×)`,
        met: genOverHand <= 1.3,
        cpu: `${fmtNum(1 / r.cpuMedian)}× [${fmtNum(1 / r.cpuMax)}–${fmtNum(1 / r.cpuMin)}]`,
        metCpu: 1 / r.cpuMedian <= 1.3,
      });
    }
  }
  // heap
  const genHeap = cells.filter((c) => c.contender === "gen" && c.heap);
  if (genHeap.length > 0) {
    const worstAlloc = genHeap.reduce((a, b) => (b.heap!.allocPerCall > a.heap!.allocPerCall ? b : a));
    const worstRet = genHeap.reduce((a, b) => (b.heap!.retainedPerCall > a.heap!.retainedPerCall ? b : a));
    const noP1 = genHeap.filter((c) => c.kind !== "p1");
    const worstNoP1 = noP1.length ? noP1.reduce((a, b) => (b.heap!.allocPerCall > a.heap!.allocPerCall ? b : a)) : null;
    targets.push({
      name: "heap growth < 0.1 KiB per call — retained after GC (generated, every row)",
      measured: `worst ${fmtNum(worstRet.heap!.retainedPerCall)} B/call (${worstRet.model} ${worstRet.kind})`,
      met: worstRet.heap!.retainedPerCall < 102.4,
    });
    targets.push({
      name: "heap growth < 0.1 KiB per call — allocated (generated, every row incl. predict(x), which returns a fresh array)",
      measured: `worst ${fmtNum(worstAlloc.heap!.allocPerCall)} B/call (${worstAlloc.model} ${worstAlloc.kind})`,
      met: worstAlloc.heap!.allocPerCall < 102.4,
    });
    if (worstNoP1) {
      targets.push({
        name: "heap growth < 0.1 KiB per call — allocated (generated, predictBatch(…, out) and trainOnBatch rows)",
        measured: `worst ${fmtNum(worstNoP1.heap!.allocPerCall)} B/call (${worstNoP1.model} ${worstNoP1.kind})`,
        met: worstNoP1.heap!.allocPerCall < 102.4,
      });
    }
  } else targets.push({ name: "heap growth < 0.1 KiB per call", measured: "n/a (run with --expose-gc)", met: null });
  return { ratios, targets, summarize, find };
}

// ───────────────────────────────────────── report ─────────────────────────────────────────

function renderMarkdown(
  M: ReturnType<typeof machine>,
  loadEnd: number[],
  compileStats: Record<string, CompileStats>,
  bundles: BundleSize[],
  checks: Partial<Record<ModelKey, Check[]>>,
  disabled: { model: ModelKey; contender: ContenderId; kind: Kind | "all"; reason: string }[],
  contenders: Partial<Record<ModelKey, Contender[]>>,
  cells: Cell[],
  report: ReturnType<typeof analyse>,
  roundInfo: RoundInfo[],
  heapFloor: HeapResult | null,
): string {
  const L: string[] = [];
  const { find, ratios } = report;
  // size + compile targets need the numbers here
  const targets = [...report.targets];
  const rt = bundles[0];
  if (rt && Number.isFinite(rt.gzipBytes)) targets.push({ name: "runtime ≤ 10 KB min+gzip", measured: `${rt.gzipBytes} B min+gzip (${(rt.gzipBytes / 1024).toFixed(2)} KiB), ${rt.minBytes} B min — src/runtime/index.ts, every export`, met: rt.gzipBytes <= 10_000 });
  // what a model ships: the runtime its generated module imports, tree-shaken (bench/sizes.ts)
  for (const b of bundles.filter((x) => x.entry.includes("runtime it imports") && Number.isFinite(x.gzipBytes))) {
    targets.push({ name: `runtime ≤ 10 KB min+gzip — ${b.entry.split(":")[0]}`, measured: `${b.gzipBytes} B min+gzip, ${b.minBytes} B min (the runtime it imports, tree-shaken)`, met: b.gzipBytes <= 10_000 });
  }
  if (compileStats["mlp"]) targets.push({ name: "compile MLP < 200 ms (warm median)", measured: `${fmtNum(compileStats["mlp"].warmMedianMs)} ms (cold ${fmtNum(compileStats["mlp"].coldMs)} ms)`, met: compileStats["mlp"].warmMedianMs < 200 });
  if (compileStats["seed"]) targets.push({ name: "compile seed < 30 ms (warm median)", measured: `${fmtNum(compileStats["seed"].warmMedianMs)} ms (cold ${fmtNum(compileStats["seed"].coldMs)} ms, first compile in the process)`, met: compileStats["seed"].warmMedianMs < 30 });
  report.targets.splice(0, report.targets.length, ...targets);

  const probes = roundInfo.filter((r) => !r.warmup).map((r) => r.probeUs);
  L.push(`# layerc benchmark results`);
  L.push(``);
  L.push(`Generated by \`bench/run.ts\` — do not edit by hand; rerun instead. Raw per-round data: \`bench/results.json\`.`);
  L.push(``);
  L.push(`## Setup`);
  L.push(``);
  L.push(`| | |`);
  L.push(`|---|---|`);
  L.push(`| date | ${M.date} |`);
  L.push(`| command | \`${M.command}\` |`);
  L.push(`| machine | ${M.cpuModel}${M.avx512 ? " (AVX-512)" : ""}, nproc ${M.nproc}, ${M.memGiB} GiB |`);
  L.push(`| node / V8 | ${M.node} / ${M.v8} |`);
  L.push(`| load average (1/5/15 min) | start ${M.loadavgStart.map((x) => x.toFixed(2)).join(" / ")}, end ${loadEnd.map((x) => x.toFixed(2)).join(" / ")} — the machine was shared with other work |`);
  L.push(`| source | git ${M.gitHead}, ${M.gitDirtySrcFiles} uncommitted files under src/ and templates/ (generated-code hashes below) |`);
  L.push(`| protocol | ${CFG.warmupRounds} warm-up round (discarded) + ${CFG.rounds} rounds; every cell once per round in shuffled order; window ${CFG.windowMs} ms of ~1 ms batches per cell; forced GC before each cell; rotating inputs (32 samples, 4 batches of 32); train cells reset to the initial weights before each window |`);
  L.push(`| machine-state probe | fixed scalar loop timed each round: median ${fmtNum(median(probes))} µs, range ${fmtNum(Math.min(...probes))}–${fmtNum(Math.max(...probes))} µs (×${fmtNum(Math.max(...probes) / Math.min(...probes))}); the VM has a ~2× slow state, so compare same-round ratios and best rounds |`);
  L.push(``);
  L.push(`Cells show **median of round medians** [min–max over rounds] · best round (wall clock); the *CPU time* rows give the same statistic for process CPU time per call. Ratios are *peer ÷ generated* time, computed within each round, then the median [min–max] (>1 means the generated code is faster).`);
  L.push(``);
  L.push(`¹ brain.js computes a different function: relu on every layer including the output, no softmax, an MSE-style output error, and one update per sample (“train B=32” = 32 \`trainPattern\` calls, lr 0.01, momentum 0). Its forward pass was checked against a float64 relu-everywhere forward on the same weights. It has no conv layers.`);
  L.push(``);

  // targets
  L.push(`## Issue 5 targets`);
  L.push(``);
  const mark = (v: boolean | null | undefined) => (v === null || v === undefined ? "–" : v ? "**met**" : "**missed**");
  L.push(`Verdict on the protocol's statistic (wall clock, median of same-round ratios). Because the machine was shared, the same ratio by process CPU time per call (immune to preemption, but it includes V8's GC/compiler threads) is shown too; where the two verdicts differ, treat the target as undecided on this run.`);
  L.push(``);
  L.push(`| target | measured (wall clock) | verdict | by CPU time | verdict |`);
  L.push(`|---|---|---|---|---|`);
  for (const t of targets) L.push(`| ${t.name} | ${t.measured} | ${mark(t.met)} | ${t.cpu ?? "–"} | ${t.cpu ? mark(t.metCpu) : "–"} |`);
  L.push(``);

  // per model tables
  for (const m of MODELS) {
    const present = CONTENDERS.filter((c) => (contenders[m] ?? []).some((x) => x.id === c) || disabled.some((d) => d.model === m && d.contender === c));
    const cols = present.length ? present : CONTENDERS;
    L.push(`## ${TITLE[m]}`);
    L.push(``);
    L.push(`| row | ${cols.map((c) => LABEL[c]).join(" | ")} |`);
    L.push(`|---|${cols.map(() => "---").join("|")}|`);
    const na = (c: ContenderId, k: Kind): string => {
      const dis = disabled.find((d) => d.model === m && d.contender === c && (d.kind === "all" || d.kind === k));
      if (dis) return `aborted: ${dis.reason}`;
      const ct = (contenders[m] ?? []).find((x) => x.id === c);
      if (!ct) return m === "cnn" && c === "brain" ? "n/a (no conv)" : m === "lstm" && c === "brain" ? "n/a (no recurrent layers)" : m === "lstm" && c === "hand" ? "n/a (none written)" : "n/a";
      return `n/a${ct.na[k] ? ` (${ct.na[k]})` : ""}`;
    };
    for (const k of KINDS) {
      const row = cols.map((c) => {
        const s = summarize(find(m, c, k));
        if (!s) return na(c, k);
        if (k === "p32") {
          const sps = (us: number) => (CFG.batch * 1e6) / us;
          return `${fmtNum(sps(s.medianUs))} [${fmtNum(sps(s.maxUs))}–${fmtNum(sps(s.minUs))}] · ${fmtNum(sps(s.bestUs))}`;
        }
        return `${fmtNum(s.medianUs)} [${fmtNum(s.minUs)}–${fmtNum(s.maxUs)}] · ${fmtNum(s.bestUs)}`;
      });
      L.push(`| ${KIND_LABEL[k]} | ${row.join(" | ")} |`);
    }
    for (const k of KINDS) {
      if (!cols.some((c) => find(m, c, k))) continue;
      const row = cols.map((c) => {
        const s = summarize(find(m, c, k), "medianCpuUs");
        if (!s) return "–";
        return `${fmtNum(s.medianUs)} [${fmtNum(s.minUs)}–${fmtNum(s.maxUs)}]`;
      });
      L.push(`| *CPU time* ${k === "p1" ? "predict B=1 (`predict(x)`)" : k === "p1o" ? "predict B=1 (out)" : k === "p32" ? "predict B=32" : "train B=32"}, µs/call | ${row.join(" | ")} |`);
    }
    for (const k of ["p1", "p32", "t32"] as const) {
      const row = cols.map((c) => {
        const cell = find(m, c, k);
        if (!cell?.heap) return "–";
        const h = cell.heap;
        const t = h.tensorsBefore !== undefined ? (h.tensorsAfter === h.tensorsBefore ? "" : `, tensors ${h.tensorsBefore}→${h.tensorsAfter}`) : "";
        // retained can come out slightly negative (noise of a few bytes): shown as 0
        return `${fmtNum(Math.max(0, h.allocPerCall))} / ${fmtNum(Math.max(0, h.retainedPerCall))}${t}`;
      });
      L.push(`| heap per call ${k === "p1" ? "predict B=1" : k === "p32" ? "predict B=32" : "train B=32"}: allocated / retained bytes | ${row.join(" | ")} |`);
    }
    L.push(``);
    L.push(`Generated vs each peer (peer ÷ generated: wall-clock same-round median [min–max] · best ÷ best · by CPU time):`);
    L.push(``);
    const peers = cols.filter((c) => c !== "gen");
    L.push(`| row | ${peers.map((c) => LABEL[c]).join(" | ")} |`);
    L.push(`|---|${peers.map(() => "---").join("|")}|`);
    for (const k of KINDS) {
      const row = peers.map((p) => {
        const r = ratios.find((x) => x.model === m && x.kind === k && x.peer === p);
        return r ? `${fmtNum(r.median)}× [${fmtNum(r.min)}–${fmtNum(r.max)}] · ${fmtNum(r.bestVsBest)}× · cpu ${fmtNum(r.cpuMedian)}×` : "–";
      });
      L.push(`| ${KIND_LABEL[k].split(",")[0]}${k === "p1o" ? " (out)" : ""} | ${row.join(" | ")} |`);
    }
    L.push(``);
    const ck = checks[m] ?? [];
    L.push(`Correctness before timing (vs layerc generated; normwise relative difference max|a−b| / max|ref| per tensor, tolerance ${CFG.tol.toExponential(0)} for predictions and weights, ${CFG.tolDelta.toExponential(0)} for the weight change Δ of one SGD step):`);
    L.push(``);
    L.push(`| contender | predictions | weights after 1 SGD step | Δweights | abs loss difference | verdict |`);
    L.push(`|---|---|---|---|---|---|`);
    for (const c of ck) {
      const e = (v: number | null) => (v === null ? "–" : v.toExponential(2));
      L.push(`| ${LABEL[c.contender]} | ${e(c.predictRel)} (abs ${e(c.predictAbs)}) | ${e(c.trainWeightsRel)} | ${e(c.trainDeltaRel)} | ${e(c.lossDiff)} | ${c.ok ? (c.contender === "brain" ? "forward ok (relu everywhere); train not compared" : c.trainOk ? "ok" : `predict ok; train: ${c.note || "DISAGREES"}`) : "**DISAGREES — rows aborted**"} |`);
    }
    L.push(``);
  }

  // compile + sizes
  L.push(`## Compile time and sizes`);
  L.push(``);
  L.push(`| model | compile cold (first in process) | compile warm: median [min–max] of ${CFG.compileReps}, round-robin over the models after the cold ones | generated .ts bytes | gzip -9 | sha256 (16) | deterministic |`);
  L.push(`|---|---|---|---|---|---|---|`);
  for (const m of MODELS) {
    const c = compileStats[m];
    if (!c) continue;
    L.push(`| ${m} | ${fmtNum(c.coldMs)} ms | ${fmtNum(c.warmMedianMs)} ms [${fmtNum(Math.min(...c.warmMs))}–${fmtNum(Math.max(...c.warmMs))}] | ${c.bytes} | ${c.gzipBytes} | ${c.sha256} | ${c.deterministic ? "yes" : "**no**"} |`);
  }
  L.push(``);
  L.push(`Runtime as users ship it (esbuild ${"0.28"} bundle + minify, ESM, platform browser; gzip level 9):`);
  L.push(``);
  L.push(`| entry | min bytes | min+gzip bytes |`);
  L.push(`|---|---|---|`);
  for (const b of bundles) L.push(`| ${b.entry} | ${b.minBytes} | ${b.gzipBytes}${b.error ? ` (${b.error})` : ""} |`);
  L.push(``);
  L.push(`## Per-round machine state`);
  L.push(``);
  L.push(`| round | seconds | load (1 min) | process CPU / wall | probe µs |`);
  L.push(`|---|---|---|---|---|`);
  for (const r of roundInfo) L.push(`| ${r.round}${r.warmup ? " (warm-up)" : ""} | ${(r.ms / 1000).toFixed(1)} | ${r.loadavg1.toFixed(2)} | ${r.cpuShare.toFixed(2)} | ${fmtNum(r.probeUs)} |`);
  L.push(``);
  L.push(`## Method notes`);
  L.push(``);
  L.push(`- **Contenders.** *layerc generated*: \`compile()\` output for \`bench/models/*.nn\` with default options (\`unroll=auto\`: the MLP's and CNN's matrix products run as the embedded WebAssembly SIMD kernels, the seed is unrolled TypeScript), written to \`bench/.gen/\` and imported (tsx), public API only. *layerc interpreter*: \`interpret()\` on the same source. *hand-written*: \`bench/hand.ts\` (scalar TypeScript, constant sizes, Keras layout, Float32Array, preallocated, fused bias+activation, (p−y)/n, SGD; its \`predict\` returns a reused buffer, so it allocates nothing). *tfjs-layers*: one \`tf.sequential\` per backend, compiled with \`sgd(0.01)\` and \`categoricalCrossentropy\`, prod mode; predict = \`tf.tensor\` → \`predict\` → \`dataSync\` → dispose; train = \`await trainOnBatch\` on batch tensors created once; the engine's backend is switched (\`tf.setBackend\`) before each tfjs cell, outside the timed window, and an untimed warm call follows. wasm: SIMD, 1 thread.`);
  L.push(`- **Identical weights.** The generated model (seed 42) provides \`getWeights()\`; every other contender loads them, and train cells reset to them before each window.`);
  L.push(`- **Heap.** After the timed rounds (warm JIT): forced GC, then calls inside a \`v8.GCProfiler\` window; allocated = heapUsed delta + bytes freed by the GCs in the window; retained = heapUsed after another forced GC − before. One untimed window of n calls, then windows of n and 3n calls (n ≥ 20 unless a call takes > 200 ms): allocated per call = the 3n window minus what a window of no-op calls allocates, over 3n; retained per call = (3n window − n window) / 2n, a leak slope in which constant effects (JIT code, lazy buffers) cancel${heapFloor ? ` (a no-op call measured this way: ${fmtNum(heapFloor.allocPerCall)} B allocated, ${fmtNum(heapFloor.retainedPerCall)} B retained per call)` : ""}. JS heap only (typed-array backing stores above 64 bytes live outside it).`);
  L.push(`- **p1 rows.** \`predict(x)\` is the public one-sample call and returns a fresh \`Float32Array\` (contract); \`predictBatch(x, 1, out)\` is the allocation-free form. For tfjs and brain.js there is only one form.`);
  L.push(``);
  return L.join("\n");
}

if (!hasGc && process.env["LAYERC_BENCH_CHILD"] === undefined) {
  // `npx tsx bench/run.ts`: rerun under `node --expose-gc --import tsx` so the heap rows are measured
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", import.meta.resolve("tsx"), fileURLToPath(import.meta.url), ...argv], {
    stdio: "inherit",
    env: { ...process.env, LAYERC_BENCH_CHILD: "1" },
  });
  process.exit(r.status ?? 1);
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
