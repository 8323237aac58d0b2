/**
 * Cost of the all-or-nothing training step (issue #10) on the bench models:
 * per step, the guard scans the batch's inputs, copies the
 * parameters and optimizer state before the step, and scans them after it
 * (src/runtime/step-guard.ts, TrainableModel.step). This times exactly that
 * work, on the arrays of a generated model, against the model's whole
 * trainOnBatch (B=32, guard included), cells interleaved in shuffled order
 * each round; reported as medians over rounds with their range.
 *
 *   node --expose-gc --import tsx bench/step-guard.ts [--rounds N]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compile } from "../src/index.js";
import type { TrainableModel } from "../src/runtime/index.js";
import { firstNonFinite } from "../src/runtime/data.js";
import { Rng } from "../src/runtime/random.js";
import { stateFinite, StepGuard } from "../src/runtime/step-guard.js";
import type { NativeScan } from "../src/runtime/native.js";
import { forceGc, measureWindow, median, prng, shuffle, timer } from "./harness.js";

const ROOT = join(import.meta.dirname, "..");
const TMP = join(ROOT, "test", ".tmp", "bench-guard");
const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1] || 7);
const B = 32;

/** The model's internals the guard touches (protected/private in the class). */
interface Internals {
  params: Float32Array | Float64Array;
  slots: Float64Array[];
  rng: Rng;
  seededStreams: Map<number, Rng>;
  hyper: Float64Array;
  scan: NativeScan | null;
  nativeMemory: ArrayBuffer | null;
}

async function load(name: string): Promise<new (o?: object) => TrainableModel> {
  const source = readFileSync(join(ROOT, "bench", "models", `${name}.nn`), "utf8");
  const r = await compile(source, { fileName: `${name}.nn` });
  if (r.code === undefined) throw new Error(`${name}.nn does not compile`);
  mkdirSync(TMP, { recursive: true });
  const file = join(TMP, `${name}.nn.ts`);
  writeFileSync(file, r.code);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, new (o?: object) => TrainableModel>;
  return Object.values(mod)[0]!;
}

interface Row {
  model: string;
  params: number;
  step: number[];
  guard: number[];
  ratio: number[];
}

const rows: Row[] = [];
const cells: { row: Row; run: () => Promise<void> }[] = [];
for (const name of ["seed", "mlp", "cnn"]) {
  const Model = await load(name);
  const m = new Model({ seed: 1 });
  const initial = m.getWeights();
  const inSize = (Model as unknown as { inputShape: number[] }).inputShape.reduce((a, b) => a * b, 1);
  const outSize = (Model as unknown as { outputShape: number[] }).outputShape.reduce((a, b) => a * b, 1);
  const rnd = prng(7);
  const xs = Array.from({ length: 4 }, () => Float32Array.from({ length: B * inSize }, () => rnd() * 2 - 1));
  const ys = Array.from({ length: 4 }, () => {
    const y = new Float32Array(B * outSize);
    for (let b = 0; b < B; b++) y[b * outSize + Math.floor(rnd() * outSize)] = 1;
    return y;
  });
  let k = 0;
  const inner = m as unknown as Internals;
  const guard = new StepGuard();
  const row: Row = { model: name, params: m.countParams(), step: [], guard: [], ratio: [] };
  rows.push(row);
  let lastStep = 0;
  cells.push({
    row,
    run: async () => {
      m.setWeights(initial);
      const w = await measureWindow(timer(() => m.trainOnBatch(xs[k++ & 3]!, ys[k & 3]!, B), false), 150);
      lastStep = w.medianUs;
      row.step.push(w.medianUs);
    },
  });
  cells.push({
    row,
    run: async () => {
      const t = timer(() => {
        const x = xs[k++ & 3]!;
        const y = ys[k & 3]!;
        void y;
        let bad = firstNonFinite(x, 0, B * inSize);
        guard.save(inner.params, inner.slots, inner.rng, inner.seededStreams, inner.hyper);
        if (!stateFinite(inner.params, inner.slots, inner.scan, inner.nativeMemory)) bad++;
        return bad;
      }, false);
      const w = await measureWindow(t, 150);
      row.guard.push(w.medianUs);
      if (lastStep > 0) row.ratio.push(w.medianUs / lastStep);
    },
  });
}

const order = prng(11);
for (let r = 0; r <= rounds; r++) {
  // pairs stay together (guard right after its step) so each ratio is same-round; pairs shuffled
  const pairs = shuffle(Array.from({ length: cells.length / 2 }, (_, i) => i), order);
  for (const p of pairs) {
    for (const c of [cells[2 * p]!, cells[2 * p + 1]!]) {
      forceGc();
      await c.run();
    }
  }
  if (r === 0) for (const row of rows) (row.step.length = 0), (row.guard.length = 0), (row.ratio.length = 0); // warm-up round discarded
}

const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const range = (xs: number[]) => `[${f(Math.min(...xs))}–${f(Math.max(...xs))}]`;
console.log(`| model | params | trainOnBatch B=32, µs (median [range]) | guard work, µs | guard ÷ step |`);
console.log(`|---|---|---|---|---|`);
for (const r of rows) {
  const pct = r.ratio.map((x) => x * 100);
  console.log(`| ${r.model} | ${r.params} | ${f(median(r.step))} ${range(r.step)} | ${f(median(r.guard))} ${range(r.guard)} | ${f(median(pct))}% ${range(pct)}% |`);
}
console.log(`\n${rounds} rounds (+1 warm-up), 150 ms windows; node ${process.version}; load average ${(await import("node:os")).loadavg().map((x) => x.toFixed(2)).join(" / ")}`);
