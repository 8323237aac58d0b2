/**
 * Same-process A/B of two compilers' generated code on one model: the
 * "old" compiler is a copy of `src/` at some commit (extracted with
 * `git archive`), the "new" one this tree's `src/`. Both generated modules
 * link this tree's runtime, get the same seed and data, and are measured
 * interleaved (each round measures every cell once, in shuffled order);
 * the result per row is the median over rounds of old ÷ new (> 1: the new
 * code is faster), with the spread, and the load average beside it.
 *
 *   git archive <commit> src grammar templates | tar -x -C bench/.ab/old     (once)
 *   node --import tsx bench/ab.ts bench/models/mnist.nn Mnist [--rounds 9] [--old bench/.ab/old/src] [--ids N] [--own-runtime] [--fit 512]
 *
 * `--ids N`: the inputs are token ids in [1, N) for an Embedding, each
 * sample padded with zeros after a random length (a quarter to all of it).
 *
 * Rows: predict B=1 and B=32 (`predictBatch(x, n, out)`), train step B=32,
 * and with `--fit N` one epoch of `fit` on N samples (batch 32, shuffled,
 * as Keras's default). `--own-runtime`: each side links the runtime of its
 * own tree (for changes to the runtime, or to what it and the generated
 * code agree on). `--rows train,fit`: only those rows.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, measureWindow, prng, shuffle, timer } from "./harness.js";

interface Model {
  predictBatch(x: Float32Array, n: number, out: Float32Array): Float32Array;
  trainOnBatch?(x: Float32Array, y: Float32Array, n: number): number;
  fit?(x: Float32Array, y: Float32Array, options: { batchSize: number; epochs: number; verbose: number }): unknown;
  readonly usesWasm?: boolean;
}
type ModelClass = (new (o?: object) => Model) & { readonly inputShape: readonly number[]; readonly outputShape: readonly number[] };

const HERE = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback);
const [specFile, cls] = [argv[0]!, argv[1]!];
const ROUNDS = Number(flag("--rounds", "9"));
const OLD = path.resolve(flag("--old", path.join(HERE, ".ab", "old", "src")));
const NEW = path.resolve(HERE, "..", "src");
const WINDOW_MS = Number(flag("--window", "250"));
const OWN_RUNTIME = argv.includes("--own-runtime");
const FIT = Number(flag("--fit", "0"));
/** `--rows train,fit`: only the rows whose name starts with one of these. */
const ROWS = argv.includes("--rows") ? flag("--rows", "").split(",") : null;

async function build(src: string, tag: string): Promise<ModelClass> {
  const { compile } = (await import(pathToFileURL(path.join(src, "index.ts")).href)) as typeof import("../src/index.js");
  const r = await compile(readFileSync(specFile, "utf8"), { fileName: path.basename(specFile) });
  if (!r.code) throw new Error(`${specFile} does not compile with ${src}: ${JSON.stringify(r.diagnostics ?? r).slice(0, 600)}`);
  const dir = path.join(HERE, ".ab");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${tag}.nn.ts`);
  const runtime = path.relative(dir, path.join(OWN_RUNTIME ? src : NEW, "runtime", "index.js"));
  writeFileSync(file, r.code.replace(/from "layerc\/runtime"/, `from "${runtime.startsWith(".") ? runtime : `./${runtime}`}"`));
  return ((await import(pathToFileURL(file).href)) as Record<string, ModelClass>)[cls]!;
}

const Old = await build(OLD, "old");
const New = await build(NEW, "new");
const inSize = Old.inputShape.reduce((a, b) => a * b, 1);
const outSize = Old.outputShape.reduce((a, b) => a * b, 1);
const rnd = prng(7);
const IDS = argv.includes("--ids") ? Number(flag("--ids", "0")) : 0;
const x32 = Float32Array.from({ length: 32 * inSize }, () => rnd());
if (IDS > 0) {
  for (let b = 0; b < 32; b++) {
    const len = Math.ceil(inSize * (0.25 + 0.75 * rnd()));
    for (let t = 0; t < inSize; t++) x32[b * inSize + t] = t < len ? 1 + Math.floor(rnd() * (IDS - 1)) : 0;
  }
}
const y32 = new Float32Array(32 * outSize);
for (let i = 0; i < 32; i++) y32[i * outSize + (i % outSize)] = 1;
const xFit = Float32Array.from({ length: FIT * inSize }, (_, i) => x32[i % x32.length]!);
const yFit = new Float32Array(FIT * outSize);
for (let i = 0; i < FIT; i++) yFit[i * outSize + (i % outSize)] = 1;
const cells: { who: "old" | "new"; row: string; call: () => unknown; us: number[] }[] = [];
for (const [who, C] of [
  ["old", Old],
  ["new", New],
] as const) {
  const m = new C({ seed: 42 });
  if (m.usesWasm === false) console.log(`WARNING: ${who} runs without native kernels`);
  const out = new Float32Array(32 * outSize);
  cells.push({ who, row: "predict B=1", call: () => m.predictBatch(x32.subarray(0, inSize), 1, out.subarray(0, outSize)), us: [] });
  cells.push({ who, row: "predict B=32", call: () => m.predictBatch(x32, 32, out), us: [] });
  if (m.trainOnBatch) cells.push({ who, row: "train B=32", call: () => m.trainOnBatch!(x32, y32, 32), us: [] });
  if (m.fit && FIT > 0) cells.push({ who, row: `fit ${FIT}`, call: () => m.fit!(xFit, yFit, { batchSize: 32, epochs: 1, verbose: 0 }), us: [] });
}
if (ROWS !== null) cells.splice(0, cells.length, ...cells.filter((c) => ROWS.some((r) => c.row.startsWith(r))));
const loads: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  loads.push(os.loadavg()[0]!);
  for (const cell of shuffle([...cells], rnd)) cell.us.push((await measureWindow(timer(cell.call, false), WINDOW_MS)).medianUs);
}
console.log(`A/B ${path.basename(specFile)} ${cls}: old ${path.relative(process.cwd(), OLD)} vs new ${path.relative(process.cwd(), NEW)}, ${ROUNDS} rounds, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
for (const row of [...new Set(cells.map((c) => c.row))]) {
  const o = cells.find((c) => c.row === row && c.who === "old")!;
  const n = cells.find((c) => c.row === row && c.who === "new")!;
  const ratios = o.us.map((u, i) => u / n.us[i]!).sort((a, b) => a - b);
  console.log(
    `${row.padEnd(13)} old ${median(o.us).toFixed(0).padStart(7)} µs  new ${median(n.us).toFixed(0).padStart(7)} µs  old/new ${median(ratios).toFixed(2)}× [${ratios[0]!.toFixed(2)}–${ratios[ratios.length - 1]!.toFixed(2)}]`,
  );
}
