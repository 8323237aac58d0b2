/**
 * Measures from which size a matrix product pays for a native kernel: for
 * Dense layers of growing per-sample work (n·units multiply-adds), compiles
 * the same spec under unroll=auto with every product native (threshold 0)
 * and with TypeScript only (`wasm: false`), and times predictBatch(x, 1,
 * out), predictBatch at B=32 and a B=32 training step, alternating the two
 * builds round by round. Prints medians and the native/TypeScript ratio per
 * size (< 1: native is faster). Run by hand: `npx tsx bench/native-threshold.ts`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compile } from "../src/index.js";

type Model = {
  predictBatch(x: Float32Array, n: number, out: Float32Array): Float32Array;
  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number;
  readonly usesWasm: boolean;
};

const dir = join(import.meta.dirname, ".gen");
mkdirSync(dir, { recursive: true });

async function load(n: number, units: number, wasm: boolean) {
  const src = `model U(seed=1) {\n  Input(shape=(${n},))\n  Dense(${units}, activation='relu')\n  Dense(2, activation='softmax')\n  compile(optimizer=SGD(learning_rate=0.01), loss='categorical_crossentropy')\n}\n`;
  const r = await compile(src, { wasm, wasmThreshold: n * units });
  const file = join(dir, `native-${n}x${units}-${wasm ? "wasm" : "ts"}.ts`);
  writeFileSync(file, r.code!.replace(/from "layerc\/runtime"/, `from "../../src/runtime/index.js"`));
  const mod = (await import(pathToFileURL(file).href)) as { U: new () => Model };
  return new mod.U();
}

function time(fn: () => void, windowMs = 60): number {
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < windowMs) {
    for (let i = 0; i < 10; i++) fn();
    calls += 10;
    t = performance.now();
  }
  return ((t - t0) * 1000) / calls;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

const sizes = [
  [12, 12],
  [10, 20],
  [8, 32],
  [16, 32],
  [32, 32],
  [32, 64],
  [64, 64],
  [128, 128],
  [256, 256],
];
console.log("| work (n·units) | predict B=1 native / TS µs | ratio | predict B=32 native / TS µs | ratio | train B=32 native / TS µs | ratio |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const [n, units] of sizes) {
  const native = await load(n!, units!, true);
  const ts = await load(n!, units!, false);
  const x1 = Float32Array.from({ length: n! }, (_, i) => Math.sin(i));
  const x32 = Float32Array.from({ length: 32 * n! }, (_, i) => Math.cos(i));
  const y32 = new Float32Array(64);
  for (let b = 0; b < 32; b++) y32[b * 2 + (b % 2)] = 1;
  const out1 = new Float32Array(2);
  const out32 = new Float32Array(64);
  native.predictBatch(x1, 1, out1);
  if (!native.usesWasm || ts.usesWasm) throw new Error("expected one native and one TypeScript build");
  const rounds: Record<string, number[]> = { p1n: [], p1t: [], p32n: [], p32t: [], tn: [], tt: [] };
  for (let r = 0; r < 9; r++) {
    rounds.p1n!.push(time(() => native.predictBatch(x1, 1, out1)));
    rounds.p1t!.push(time(() => ts.predictBatch(x1, 1, out1)));
    rounds.p32n!.push(time(() => native.predictBatch(x32, 32, out32)));
    rounds.p32t!.push(time(() => ts.predictBatch(x32, 32, out32)));
    rounds.tn!.push(time(() => native.trainOnBatch(x32, y32, 32)));
    rounds.tt!.push(time(() => ts.trainOnBatch(x32, y32, 32)));
  }
  const m = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, median(v)])) as Record<string, number>;
  const cell = (a: number, b: number) => `${a.toFixed(2)} / ${b.toFixed(2)} | ${(a / b).toFixed(2)}`;
  console.log(`| ${n! * units!} (${n}→${units}) | ${cell(m.p1n!, m.p1t!)} | ${cell(m.p32n!, m.p32t!)} | ${cell(m.tn!, m.tt!)} |`);
}
