/**
 * Measures where full unrolling stops paying: for Dense layers of growing
 * per-sample work (n·units multiply-adds), compiles the same spec with
 * unroll=full and unroll=loops and times predictBatch(x, 1, out) and a
 * B=32 training step, alternating the two styles round by round. Prints
 * medians and the full/loops ratio per size, plus compile time and code
 * size. Run by hand: `npx tsx bench/unroll-threshold.ts` (results go into
 * bench/RESULTS.md by hand, with the date).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compile } from "../src/index.js";

type Model = {
  predictBatch(x: Float32Array, n: number, out: Float32Array): Float32Array;
  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number;
};

const dir = join(import.meta.dirname, ".gen");
mkdirSync(dir, { recursive: true });

async function load(n: number, units: number, unroll: string) {
  const src = `model U(seed=1, unroll=${unroll}) {\n  Input(shape=(${n},))\n  Dense(${units}, activation='relu')\n  Dense(2, activation='softmax')\n  compile(optimizer=SGD(learning_rate=0.01), loss='categorical_crossentropy')\n}\n`;
  const t = performance.now();
  const r = await compile(src, { limits: { maxStatements: 1e7 } });
  const ms = performance.now() - t;
  const file = join(dir, `unroll-${n}x${units}-${unroll}.ts`);
  writeFileSync(file, r.code!);
  const mod = (await import(pathToFileURL(file).href)) as { U: new () => Model };
  return { model: new mod.U(), ms, bytes: r.code!.length };
}

function time(fn: () => void, windowMs = 60): number {
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < windowMs) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
    t = performance.now();
  }
  return ((t - t0) * 1000) / calls;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

const sizes = [
  [2, 4],
  [4, 8],
  [8, 16],
  [16, 16],
  [16, 32],
  [32, 32],
  [32, 64],
  [64, 64],
];
console.log("| work (n·units) | predict B=1 full / loops µs | ratio | train B=32 full / loops µs | ratio | compile full / loops ms | size full / loops KB |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const [n, units] of sizes) {
  const full = await load(n!, units!, "full");
  const loops = await load(n!, units!, "loops");
  const x1 = Float32Array.from({ length: n! }, (_, i) => Math.sin(i));
  const x32 = Float32Array.from({ length: 32 * n! }, (_, i) => Math.cos(i));
  const y32 = new Float32Array(64);
  for (let b = 0; b < 32; b++) y32[b * 2 + (b % 2)] = 1;
  const out = new Float32Array(2);
  const rounds: Record<string, number[]> = { pf: [], pl: [], tf: [], tl: [] };
  for (let r = 0; r < 9; r++) {
    rounds.pf!.push(time(() => full.model.predictBatch(x1, 1, out)));
    rounds.pl!.push(time(() => loops.model.predictBatch(x1, 1, out)));
    rounds.tf!.push(time(() => full.model.trainOnBatch(x32, y32, 32)));
    rounds.tl!.push(time(() => loops.model.trainOnBatch(x32, y32, 32)));
  }
  const [pf, pl, tf, tl] = [median(rounds.pf!), median(rounds.pl!), median(rounds.tf!), median(rounds.tl!)];
  console.log(
    `| ${n! * units!} (${n}→${units}) | ${pf.toFixed(3)} / ${pl.toFixed(3)} | ${(pf / pl).toFixed(2)} | ${tf.toFixed(1)} / ${tl.toFixed(1)} | ${(tf / tl).toFixed(2)} | ${full.ms.toFixed(0)} / ${loops.ms.toFixed(0)} | ${(full.bytes / 1024).toFixed(1)} / ${(loops.bytes / 1024).toFixed(1)} |`,
  );
}
