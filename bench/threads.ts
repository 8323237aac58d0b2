/**
 * Batch-parallel threads (`new Model({ threads: n })`, src/runtime/threads.ts):
 * the same generated model with threads 1 and 2, side by side in one process —
 * train step B=32, fit samples/s (batch 32), predict B=32 — on M2 (MLP) and
 * M4 (MNIST CNN). Rounds run the cells in shuffled order; each round's
 * ratio (1 thread ÷ 2 threads) is taken within the round, so machine load
 * shifts both sides alike; the 1-minute load average is recorded per round.
 *
 *   node --expose-gc --import tsx bench/threads.ts [--quick] [--models mlp,mnist] [--threads 2]
 *
 * Writes bench/threads-results.json (raw) and prints a Markdown table.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build, transform, type Plugin } from "esbuild";
import { compile } from "../src/index.js";
import { WORKER_SOURCE } from "../src/runtime/threads.js";
import { median, measureWindow, prng, shuffle, timer } from "./harness.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GEN = path.join(HERE, ".gen");
const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const quick = argv.includes("--quick");
const ROUNDS = quick ? 3 : 9;
const WINDOW_MS = quick ? 200 : 400;
const THREADS = Number(arg("--threads") ?? 2);
type Key = "mlp" | "mnist";
const MODELS = (arg("--models")?.split(",") ?? ["mlp", "mnist"]) as Key[];
const SPEC: Record<Key, { file: string; cls: string; inSize: number; fitSamples: number; title: string }> = {
  mlp: { file: "mlp.nn", cls: "Mlp", inSize: 784, fitSamples: 512, title: "M2 MLP (784 → 128 → 64 → 10)" },
  mnist: { file: "mnist.nn", cls: "Mnist", inSize: 784, fitSamples: 128, title: "M4 MNIST CNN (Conv2D 32 same → pool → Conv2D 64 same → pool → Dense 10)" },
};
type Row = "t32" | "fit" | "p32";
const ROWS: Row[] = ["t32", "fit", "p32"];
const ROW_TITLE: Record<Row, string> = { t32: "train step B=32 (µs)", fit: "fit, batch 32 (µs per sample)", p32: "predict B=32 (µs)" };

interface Model {
  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number;
  fit(x: Float32Array, y: Float32Array, o: object): unknown;
  predictBatch(x: Float32Array, n: number, out: Float32Array): Float32Array;
  getWeights(): { data: Float32Array }[];
  setWeights(w: { data: Float32Array }[]): void;
  readonly threads: number;
  dispose(): void;
}

interface Cell {
  readonly key: Key;
  readonly row: Row;
  readonly threads: number;
  /** Samples per call (per-sample figures for fit). */
  readonly per: number;
  readonly call: () => unknown;
  readonly us: number[];
  readonly cpu: number[];
}

const load1 = () => os.loadavg()[0]!;

/** min and min+gzip (-9) bytes of some code. */
const sized = (code: string | Uint8Array) => ({ min: typeof code === "string" ? Buffer.byteLength(code) : code.length, gzip: gzipSync(code, { level: 9 }).length });

/**
 * What threads cost in bytes: the worker's program (minified), and the
 * runtime bundle (every export, minified) with threads.ts and with it
 * replaced by a stub that never starts threads.
 */
async function sizes(): Promise<string[]> {
  const worker = sized((await transform(WORKER_SOURCE, { minify: true })).code);
  const stub: Plugin = {
    name: "no-threads",
    setup(b) {
      b.onResolve({ filter: /\/threads\.js$/ }, () => ({ path: "threads-stub", namespace: "stub" }));
      b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export const instantiateThreaded = () => null;", loader: "js" }));
    },
  };
  const runtime = async (plugins: Plugin[]) => {
    const r = await build({ entryPoints: [path.join(HERE, "../src/runtime/index.ts")], bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022", write: false, logLevel: "silent", plugins });
    return sized(r.outputFiles[0]!.contents);
  };
  const withThreads = await runtime([]);
  const without = await runtime([stub]);
  return [
    `worker program (WORKER_SOURCE, minified): ${worker.min} B min, ${worker.gzip} B min+gzip`,
    `runtime bundle (src/runtime/index.ts, every export): ${withThreads.min} B min, ${withThreads.gzip} B min+gzip with threads; ${without.min} B min, ${without.gzip} B min+gzip with threads.ts stubbed out (threads add ${withThreads.gzip - without.gzip} B min+gzip, the worker program included)`,
  ];
}

async function main(): Promise<void> {
  mkdirSync(GEN, { recursive: true });
  const startLoad = os.loadavg();
  console.log(`threads bench — ${new Date().toISOString()}, ${os.cpus().length} CPUs, load ${startLoad.map((l) => l.toFixed(2)).join(" ")}`);
  const cells: Cell[] = [];
  const models: Model[] = [];
  for (const key of MODELS) {
    const spec = SPEC[key];
    const r = await compile(readFileSync(path.join(HERE, "models", spec.file), "utf8"), { fileName: spec.file });
    if (!r.code) throw new Error(`${spec.file} does not compile`);
    const file = path.join(GEN, `threads-${key}.nn.ts`);
    writeFileSync(file, r.code.replace(/from "layerc\/runtime"/, `from "../../src/runtime/index.js"`));
    const Cls = ((await import(pathToFileURL(file).href)) as Record<string, new (o?: object) => Model>)[spec.cls]!;
    const rnd = prng(17);
    const n = spec.fitSamples;
    const x = Float32Array.from({ length: n * spec.inSize }, () => rnd());
    const y = new Float32Array(n * 10);
    for (let i = 0; i < n; i++) y[i * 10 + Math.floor(rnd() * 10)] = 1;
    const x32 = x.subarray(0, 32 * spec.inSize);
    const y32 = y.subarray(0, 320);
    for (const threads of [1, THREADS]) {
      const m = new Cls({ seed: 42, threads });
      models.push(m);
      if (m.threads !== threads) throw new Error(`${key}: asked for ${threads} threads, runs ${m.threads}`);
      const w0 = m.getWeights();
      const out = new Float32Array(320);
      const cell = (row: Row, per: number, call: () => unknown): Cell => ({ key, row, threads, per, call, us: [], cpu: [] });
      cells.push(
        // training cells start each window from the same weights (SGD steps on random labels drift slowly, but drift)
        cell("t32", 1, () => m.trainOnBatch(x32, y32, 32)),
        cell("fit", n, () => m.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false })),
        cell("p32", 1, () => m.predictBatch(x32, 32, out)),
      );
      m.setWeights(w0);
    }
  }
  const loads: number[] = [];
  const rnd = prng(7);
  for (let round = 0; round < ROUNDS; round++) {
    loads.push(load1());
    for (const c of shuffle([...cells], rnd)) {
      const w = await measureWindow(timer(c.call, false), c.row === "fit" ? WINDOW_MS * 2 : WINDOW_MS, c.row === "fit" ? 20 : 2);
      c.us.push(w.medianUs / c.per);
      c.cpu.push(w.medianCpuUs / c.per);
    }
    console.log(`round ${round + 1}/${ROUNDS} done, load ${load1().toFixed(2)}`);
  }
  for (const m of models) m.dispose();
  const get = (key: Key, row: Row, threads: number) => cells.find((c) => c.key === key && c.row === row && c.threads === threads)!;
  const lines = [
    `threads ${THREADS} vs 1, ${ROUNDS} rounds, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (median ${median(loads).toFixed(1)})`,
    "",
    `| model | row | 1 thread | ${THREADS} threads | speedup (median of same-round ratios) | ratio spread | CPU time ${THREADS} ÷ 1 |`,
    "|---|---|---|---|---|---|---|",
  ];
  const results: object[] = [];
  for (const key of MODELS) {
    for (const row of ROWS) {
      const one = get(key, row, 1);
      const many = get(key, row, THREADS);
      const ratios = one.us.map((u, i) => u / many.us[i]!);
      const cpu = median(many.cpu) / median(one.cpu);
      lines.push(
        `| ${key} | ${ROW_TITLE[row]} | ${median(one.us).toFixed(1)} | ${median(many.us).toFixed(1)} | **${median(ratios).toFixed(2)}×** | ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} | ${cpu.toFixed(2)} |`,
      );
      results.push({ key, row, threads: THREADS, one: one.us, many: many.us, ratios, cpuOne: one.cpu, cpuMany: many.cpu });
    }
  }
  lines.push("", ...(await sizes()));
  console.log(lines.join("\n"));
  if (!quick) writeFileSync(path.join(HERE, "threads-results.json"), JSON.stringify({ date: new Date().toISOString(), loads, startLoad, results }, null, 1) + "\n");
}

await main();
