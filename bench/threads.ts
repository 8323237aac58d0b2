/**
 * Batch-parallel threads (`new Model({ threads: n })`, src/runtime/threads.ts):
 * the same generated model with threads 1 and 2, side by side in one process —
 * train step B=32, fit samples/s (batch 32), predict B=32 — on M2 (MLP) and
 * M4 (MNIST CNN). The two models' calls alternate, so each ratio (1 thread ÷
 * 2 threads) compares two calls made a few ms apart and a change in the
 * shared machine's load hits both; rows run in shuffled order per round,
 * and the 1-minute load average is recorded per row and round.
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
import { median, prng, shuffle } from "./harness.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GEN = path.join(HERE, ".gen");
const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const quick = argv.includes("--quick");
const ROUNDS = quick ? 2 : 5;
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

/** One row of one model: the same call on the 1-thread and the n-thread model. */
interface Pair {
  readonly key: Key;
  readonly row: Row;
  /** Samples per call (per-sample figures for fit). */
  readonly per: number;
  readonly one: () => unknown;
  readonly many: () => unknown;
  readonly pool: () => { parts(): { all: number; workers: number } } | null;
  /** Per round: median µs (per sample) of each side, median of the pairs' ratios, CPU µs per call of each side, workers' share of parts. */
  readonly rounds: { one: number; many: number; ratio: number; cpuOne: number; cpuMany: number; workerShare: number; load: number; pairs: number }[];
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
  const pairs: Pair[] = [];
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
    const one = new Cls({ seed: 42 });
    const many = new Cls({ seed: 42, threads: THREADS });
    models.push(one, many);
    if (many.threads !== THREADS) throw new Error(`${key}: asked for ${THREADS} threads, runs ${many.threads}`);
    const out = [new Float32Array(320), new Float32Array(320)];
    const calls = (m: Model, o: Float32Array) => ({
      t32: () => m.trainOnBatch(x32, y32, 32),
      fit: () => m.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false }),
      p32: () => m.predictBatch(x32, 32, o),
    });
    const a = calls(one, out[0]!);
    const b = calls(many, out[1]!);
    const pool = () => (many as unknown as { pool: { parts(): { all: number; workers: number } } | null }).pool;
    for (const row of ROWS) pairs.push({ key, row, per: row === "fit" ? n : 1, one: a[row], many: b[row], pool, rounds: [] });
  }
  /**
   * Calls alternate (1 thread, n threads, n threads, 1 thread, …) for about
   * `budgetMs` per row and round; each pair's ratio is taken between two
   * calls a few ms apart, so a change in the machine's load hits both.
   */
  const budgetMs = (p: Pair) => (quick ? 1 : 2.5) * (p.key === "mnist" ? 4000 : 1500);
  const time = (f: () => unknown) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { us: ms * 1000, cpu: c.user + c.system };
  };
  const rnd = prng(7);
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of shuffle([...pairs], rnd)) {
      p.one();
      p.many();
      const load = load1();
      loads.push(load);
      const before = p.pool()?.parts() ?? { all: 0, workers: 0 };
      const t1: number[] = [];
      const tn: number[] = [];
      const ratios: number[] = [];
      let cpuOne = 0;
      let cpuMany = 0;
      const start = performance.now();
      for (let i = 0; i < 6 || performance.now() - start < budgetMs(p); i++) {
        const first = i % 2 === 0;
        const r1 = first ? time(p.one) : null;
        const rn = time(p.many);
        const r1b = r1 ?? time(p.one);
        t1.push(r1b.us / p.per);
        tn.push(rn.us / p.per);
        ratios.push(r1b.us / rn.us);
        cpuOne += r1b.cpu;
        cpuMany += rn.cpu;
      }
      const after = p.pool()?.parts() ?? { all: 0, workers: 0 };
      const parts = after.all - before.all;
      p.rounds.push({ one: median(t1), many: median(tn), ratio: median(ratios), cpuOne: cpuOne / t1.length, cpuMany: cpuMany / tn.length, workerShare: parts > 0 ? (after.workers - before.workers) / parts : 0, load, pairs: ratios.length });
    }
    console.log(`round ${round + 1}/${ROUNDS} done, load ${load1().toFixed(2)}`);
  }
  for (const m of models) m.dispose();
  const lines = [
    `threads ${THREADS} vs 1, ${ROUNDS} rounds of alternating calls, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (median ${median(loads).toFixed(1)})`,
    "",
    `| model | row | 1 thread | ${THREADS} threads | speedup: median over rounds of each round's median pair ratio [min–max] | CPU time ${THREADS} ÷ 1 | parts computed by the worker |`,
    "|---|---|---|---|---|---|---|",
  ];
  const results: object[] = [];
  for (const p of pairs) {
    const rs = p.rounds;
    const ratio = rs.map((r) => r.ratio);
    const cpu = median(rs.map((r) => r.cpuMany)) / median(rs.map((r) => r.cpuOne));
    lines.push(
      `| ${p.key} | ${ROW_TITLE[p.row]} | ${median(rs.map((r) => r.one)).toFixed(1)} | ${median(rs.map((r) => r.many)).toFixed(1)} | **${median(ratio).toFixed(2)}×** [${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)}] | ${cpu.toFixed(2)} | ${(median(rs.map((r) => r.workerShare)) * 100).toFixed(0)}% |`,
    );
    results.push({ key: p.key, row: p.row, threads: THREADS, rounds: rs });
  }
  lines.push("", ...(await sizes()));
  console.log(lines.join("\n"));
  if (!quick) writeFileSync(path.join(HERE, "threads-results.json"), JSON.stringify({ date: new Date().toISOString(), startLoad, endLoad: os.loadavg(), results }, null, 1) + "\n");
}

await main();
