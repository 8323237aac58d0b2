/**
 * Native backend bench (issue 15): M2 MLP, M3 CNN and M4 MNIST CNN
 * (bench/models/mnist.nn), layerc generated code against tfjs-layers (cpu,
 * wasm) in the same process and Keras 3 on JAX/XLA (bench/keras.py, a
 * subprocess in the same run), with the arithmetic rate of every layerc
 * row next to this machine's measured f32x4 WebAssembly peak.
 *
 *   node --expose-gc --import tsx bench/native.ts [--quick] [--models mlp,cnn,mnist,mobile]
 *
 * Rows: predict B=1 and B=32 (`predictBatch(x, n, out)`), train step B=32
 * (`trainOnBatch`), and `fit` throughput (512 samples, batch 32, 1 epoch,
 * samples/s). Each JS cell is measured once per round in shuffled order;
 * ratios are peer ÷ layerc per round, then the median. The machine is
 * shared: the 1-minute load average is recorded beside every number.
 * Writes the "## Native backend" section of bench/RESULTS.md (replacing an
 * earlier one) and bench/native-results.json.
 */
import { execFileSync, spawn, type ChildProcessByStdio } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compile } from "../src/index.js";
import { median, measureWindow, prng, shuffle, timer } from "./harness.js";
import { initTfjs, TfjsPeer, useBackend, type Backend, type KerasWeight } from "./peers.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GEN = path.join(HERE, ".gen");
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const ROUNDS = quick ? 3 : 7;
const WINDOW_MS = quick ? 150 : 300;
const FIT_SAMPLES = 512;
type Key = "mlp" | "cnn" | "mnist" | "mobile";
const MODELS = (argv[argv.indexOf("--models") + 1] && argv.includes("--models") ? argv[argv.indexOf("--models") + 1]!.split(",") : ["mlp", "cnn", "mnist", "mobile"]) as Key[];
const SPEC: Record<Key, { file: string; cls: string; inShape: number[]; title: string }> = {
  mlp: {
    file: "mlp.nn",
    cls: "Mlp",
    inShape: [784],
    title: "M2 MLP (784 → 128 relu → 64 relu → 10 softmax)",
  },
  cnn: {
    file: "cnn.nn",
    cls: "Cnn",
    inShape: [28, 28, 1],
    title: "M3 CNN (Conv2D 8 3×3 valid → MaxPool → Dense 10)",
  },
  mnist: {
    file: "mnist.nn",
    cls: "Mnist",
    inShape: [28, 28, 1],
    title: "M4 MNIST CNN (Conv2D 32 same → MaxPool → Conv2D 64 same → MaxPool → Dropout 0.5 → Dense 10)",
  },
  mobile: {
    file: "mobile.nn",
    cls: "Mobile",
    inShape: [28, 28, 1],
    title: "M5 mobile CNN (Conv2D 16 s2 → DepthwiseConv2D → SeparableConv2D 32 → MaxPool → Conv2DTranspose 16 s2 → GAP → Dense 10)",
  },
};

/** Multiply-adds per sample of the forward pass (layer shapes above). */
const FORWARD_MACS: Record<Key, number> = {
  mlp: 784 * 128 + 128 * 64 + 64 * 10,
  cnn: 26 * 26 * 9 * 8 + 13 * 13 * 8 * 10,
  mnist: 28 * 28 * 9 * 32 + 14 * 14 * 9 * 32 * 64 + 7 * 7 * 64 * 10,
  mobile: 196 * 9 * 16 * 3 + 196 * 16 * 32 + 49 * 9 * 32 * 16 + 16 * 10,
};
/** Multiply-adds per sample of a training step: forward, kernel gradients, and input gradients of every layer but the first. */
const TRAIN_MACS: Record<Key, number> = {
  mlp: 3 * FORWARD_MACS.mlp - 784 * 128,
  cnn: 3 * FORWARD_MACS.cnn - 26 * 26 * 9 * 8,
  mnist: 3 * FORWARD_MACS.mnist - 28 * 28 * 9 * 32,
  mobile: 3 * FORWARD_MACS.mobile - 196 * 9 * 16,
};

type Row = "p1" | "p32" | "t32" | "fit";
type Who = "gen" | "gen2" | "tfcpu" | "tfwasm" | "keras";
interface Model {
  predictBatch(x: Float32Array, n: number, out?: Float32Array): Float32Array;
  trainOnBatch(x: Float32Array, y: Float32Array, n?: number): number;
  fit(x: Float32Array, y: Float32Array, o: object): unknown;
  getWeights(): { shape: readonly number[]; data: Float32Array }[];
  setWeights(w: readonly { shape: readonly number[]; data: Float32Array }[]): void;
  readonly usesWasm: boolean;
  dispose(): void;
}
interface Cell {
  key: Key;
  who: Who;
  row: Row;
  backend?: Backend;
  call: () => unknown;
  isAsync: boolean;
  /** µs per call for p1/p32/t32; µs per fit of FIT_SAMPLES for fit. */
  us: number[];
  load: number[];
  /** The round of each measurement. */
  rounds: number[];
  /** Seconds per call (tfjs cpu on M4): one timed call in each of the first SLOW_ROUNDS rounds only. */
  slow?: boolean;
}

const SLOW_ROUNDS = 2;

const load1 = () => os.loadavg()[0]!;
const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString("en-US") : v >= 10 ? v.toFixed(1) : v.toPrecision(3));

/** This machine's f32x4 rate in a register-bound loop: 12 independent chains of acc = acc·m + a (2 ops × 4 lanes each). */
function f32x4Peak(): number {
  const CHAINS = 12;
  const body: number[] = [];
  const leb = (v: number) => {
    const o: number[] = [];
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v) b |= 0x80;
      o.push(b);
    } while (v);
    return o;
  };
  const f32x4const = (f: number) => {
    const b = new Uint8Array(new Float32Array([f, f, f, f]).buffer);
    return [0xfd, 0x0c, ...b];
  };
  // locals: param 0 = iterations; v128 × (CHAINS + 2): m, a, accs
  body.push(1, CHAINS + 2, 0x7b);
  body.push(...f32x4const(0.999), 0x21, 1, ...f32x4const(0.001), 0x21, 2);
  for (let c = 0; c < CHAINS; c++) body.push(...f32x4const(1 + c / 16), 0x21, 3 + c);
  body.push(0x03, 0x40); // loop
  for (let c = 0; c < CHAINS; c++) body.push(0x20, 3 + c, 0x20, 1, 0xfd, 0xe6, 0x01, 0x20, 2, 0xfd, 0xe4, 0x01, 0x21, 3 + c);
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b); // n -= 1; br_if n
  // return lane 0 of the sum of the chains (keeps them live)
  body.push(0x20, 3);
  for (let c = 1; c < CHAINS; c++) body.push(0x20, 3 + c, 0xfd, 0xe4, 0x01);
  body.push(0xfd, 0x1f, 0, 0x0b);
  const code = [1, ...leb(body.length), ...body];
  const bytes = Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    0x01,
    0x06,
    0x01,
    0x60,
    0x01,
    0x7f,
    0x01,
    0x7d, // type (i32) -> f32
    0x03,
    0x02,
    0x01,
    0x00,
    0x07,
    0x05,
    0x01,
    0x01,
    0x66,
    0x00,
    0x00, // export "f"
    0x0a,
    ...leb(code.length),
    ...code,
  ]);
  const W = (
    globalThis as unknown as {
      WebAssembly: {
        Module: new (b: Uint8Array) => object;
        Instance: new (m: object) => { exports: { f: (n: number) => number } };
      };
    }
  ).WebAssembly;
  const f = new W.Instance(new W.Module(bytes)).exports.f;
  f(1000);
  const iters = 2_000_000;
  const rates: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    f(iters);
    const s = (performance.now() - t0) / 1000;
    rates.push((iters * CHAINS * 8) / s / 1e9);
  }
  return Math.max(...rates);
}

/** µs of one call (awaited). */
async function onceUs(call: () => unknown): Promise<number> {
  const t0 = performance.now();
  await call();
  return (performance.now() - t0) * 1000;
}

/** µs per fit: the median of 3 consecutive calls (the first after other cells runs colder). */
function fitUs(call: () => unknown): number {
  const us: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    call();
    us.push((performance.now() - t0) * 1000);
  }
  return median(us);
}

function data(key: Key) {
  const inSize = SPEC[key].inShape.reduce((a, b) => a * b, 1);
  const rnd = prng(17);
  const x = Float32Array.from({ length: FIT_SAMPLES * inSize }, () => rnd());
  const y = new Float32Array(FIT_SAMPLES * 10);
  for (let i = 0; i < FIT_SAMPLES; i++) y[i * 10 + Math.floor(rnd() * 10)] = 1;
  return {
    inSize,
    x,
    y,
    x1: x.subarray(0, inSize),
    x32: x.subarray(0, 32 * inSize),
    y32: y.subarray(0, 320),
  };
}

function kerasPython(): string | null {
  const candidates = [process.env["LAYERC_KERAS_PYTHON"], "/work/.venv-keras/bin/python", "python3"].filter((p): p is string => !!p);
  for (const py of candidates) {
    if (py.includes("/") && !existsSync(py)) continue;
    try {
      const v = execFileSync(py, ["-c", "import keras, jax; print(keras.__version__)"], {
        env: { ...process.env, KERAS_BACKEND: "jax" },
        stdio: ["ignore", "pipe", "ignore"],
      })
        .toString()
        .trim();
      if (v.startsWith("3.")) return py;
    } catch {
      // not this one
    }
  }
  return null;
}

/**
 * bench/keras.py --serve as a child process: one request per cell per round, so Keras's cells sit
 * in the same shuffled rounds as layerc's (same load) and its ratios are same-round pairs too.
 */
class KerasServer {
  private readonly waiting: ((line: string) => void)[] = [];
  private exited: string | null = null;
  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      // Keras or JAX may print other lines; every reply is one JSON object
      if (line.startsWith("{")) this.waiting.shift()?.(line);
    });
    child.on("exit", (code: number | null) => {
      this.exited = `bench/keras.py exited (${code ?? "signal"})`;
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: this.exited }));
    });
  }
  static async start(): Promise<{ server: KerasServer; keras: string; jax: string } | { absent: string }> {
    const py = kerasPython();
    if (py === null)
      return {
        absent:
          "no Python with Keras 3 and JAX found (tried $LAYERC_KERAS_PYTHON, /work/.venv-keras/bin/python, python3); install one with `python3 -m venv /work/.venv-keras && /work/.venv-keras/bin/pip install keras==3.15.1 'jax[cpu]'`, or point LAYERC_KERAS_PYTHON at one",
      };
    console.log(`keras: ${py} bench/keras.py --serve …`);
    const child = spawn(py, [path.join(HERE, "keras.py"), "--serve", "--models", MODELS.join(",")], {
      env: { ...process.env, KERAS_BACKEND: "jax" },
      stdio: ["pipe", "pipe", "inherit"],
    });
    const server = new KerasServer(child);
    const ready = JSON.parse(await server.next()) as { ready?: boolean; keras: string; jax: string; error?: string };
    if (!ready.ready) return { absent: `bench/keras.py did not start: ${ready.error ?? "no ready line"}` };
    return { server, keras: ready.keras, jax: ready.jax };
  }
  private next(): Promise<string> {
    if (this.exited) return Promise.resolve(JSON.stringify({ error: this.exited }));
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  /** µs per call (p1/p32/t32: one window) or per fit of FIT_SAMPLES (fit: the median of 3). */
  async measure(key: Key, row: Row): Promise<number> {
    const reply = this.next();
    this.child.stdin.write(`${JSON.stringify({ model: key, row, window: WINDOW_MS / 1000 })}\n`);
    const r = JSON.parse(await reply) as { us?: number; error?: string };
    if (r.us === undefined) throw new Error(r.error ?? "bench/keras.py: no measurement");
    return r.us;
  }
  close(): void {
    this.child.stdin.end(`${JSON.stringify({ quit: true })}\n`);
  }
}

type KerasInfo = { keras: string; jax: string } | { absent: string };

async function main() {
  mkdirSync(GEN, { recursive: true });
  const start = { date: new Date().toISOString(), load: os.loadavg() };
  console.log(`native bench — ${start.date}, load ${start.load.map((l) => l.toFixed(2)).join(" ")}`);
  // the peak is measured before every round too; the best one is reported (a loaded machine only lowers it)
  const peaks: { gflops: number; load: number }[] = [{ gflops: f32x4Peak(), load: load1() }];
  console.log(`f32x4 peak (register-bound loop): ${peaks[0]!.gflops.toFixed(1)} GFLOP/s, load ${peaks[0]!.load.toFixed(2)}`);
  await initTfjs();
  const kerasStart = await KerasServer.start();
  const kerasServer = "server" in kerasStart ? kerasStart.server : null;
  const keras: KerasInfo = "server" in kerasStart ? { keras: kerasStart.keras, jax: kerasStart.jax } : kerasStart;
  const cells: Cell[] = [];
  const models2: { dispose(): void }[] = [];
  for (const key of MODELS) {
    const spec = SPEC[key];
    const r = await compile(readFileSync(path.join(HERE, "models", spec.file), "utf8"), { fileName: spec.file });
    if (!r.code) throw new Error(`${spec.file} does not compile`);
    const file = path.join(GEN, `native-${key}.nn.ts`);
    writeFileSync(file, r.code.replace(/from "layerc\/runtime"/, `from "../../src/runtime/index.js"`));
    const Cls = ((await import(pathToFileURL(file).href)) as Record<string, new (o?: object) => Model>)[spec.cls]!;
    const gen = new Cls({ seed: 42 });
    const w0 = gen.getWeights();
    const d = data(key);
    const out1 = new Float32Array(10);
    const out32 = new Float32Array(320);
    const genCell = (row: Row, call: () => unknown): Cell => ({ key, who: "gen", row, call, isAsync: false, us: [], load: [], rounds: [] });
    cells.push(
      genCell("p1", () => gen.predictBatch(d.x1, 1, out1)),
      genCell("p32", () => gen.predictBatch(d.x32, 32, out32)),
      genCell("t32", () => gen.trainOnBatch(d.x32, d.y32, 32)),
      genCell("fit", () => gen.fit(d.x, d.y, { epochs: 1, batchSize: 32, shuffle: false })),
    );
    if (!gen.usesWasm) console.log(`WARNING: ${key} runs without native kernels`);
    // the same model on 2 threads (opt-in; they pay only with a free core): train step and fit, against Keras, which may use both cores
    const gen2 = new Cls({ seed: 42, threads: 2 });
    models2.push(gen2);
    const gen2Cell = (row: Row, call: () => unknown): Cell => ({ key, who: "gen2", row, call, isAsync: false, us: [], load: [], rounds: [] });
    cells.push(
      gen2Cell("t32", () => gen2.trainOnBatch(d.x32, d.y32, 32)),
      gen2Cell("fit", () => gen2.fit(d.x, d.y, { epochs: 1, batchSize: 32, shuffle: false })),
    );
    if (kerasServer) {
      for (const row of ["p1", "p32", "t32", "fit"] as Row[]) {
        cells.push({ key, who: "keras", row, call: () => kerasServer.measure(key, row), isAsync: true, us: [], load: [], rounds: [] });
      }
    }
    for (const backend of ["cpu", "wasm"] as const) {
      const weights: KerasWeight[] = w0.map((w) => ({
        shape: w.shape,
        data: w.data,
      }));
      const peer = await TfjsPeer.create(key, backend, spec.inShape, weights);
      const who: Who = backend === "cpu" ? "tfcpu" : "tfwasm";
      const t = peer.tensors(d.x32, d.y32, 32, 10);
      const canTrain = !(backend === "wasm" && key !== "mlp"); // tfjs wasm has no Conv2DBackpropFilter
      const slow = (key === "mnist" || key === "mobile") && backend === "cpu";
      const peerCell = (row: Row, call: () => unknown, isAsync: boolean, slowCell: boolean): Cell => ({
        key,
        who,
        row,
        backend,
        call,
        isAsync,
        us: [],
        load: [],
        rounds: [],
        slow: slowCell,
      });
      cells.push(
        peerCell("p1", () => peer.predict(d.x1, 1), false, false),
        peerCell("p32", () => peer.predict(d.x32, 32), false, slow),
      );
      if (canTrain) cells.push(peerCell("t32", () => peer.train(t.x, t.y), true, slow));
    }
  }
  const rnd = prng(15);
  for (let round = 0; round <= ROUNDS; round++) {
    peaks.push({ gflops: f32x4Peak(), load: load1() });
    for (const cell of shuffle([...cells], rnd)) {
      if (cell.slow && (round === 0 || cell.us.length >= SLOW_ROUNDS)) continue;
      if (cell.backend) await useBackend(cell.backend);
      const w = cell.who === "keras"
        ? { medianUs: (await cell.call()) as number }
        : cell.slow
          ? { medianUs: await onceUs(cell.call) }
          : cell.row === "fit"
            ? { medianUs: fitUs(cell.call) }
            : await measureWindow(timer(cell.call, cell.isAsync), WINDOW_MS);
      if (round === 0) continue; // warm-up
      cell.us.push(w.medianUs);
      cell.load.push(load1());
      cell.rounds.push(round);
    }
    console.log(`round ${round}${round === 0 ? " (warm-up)" : ""} done, load ${load1().toFixed(2)}`);
  }
  for (const m of models2) m.dispose();
  kerasServer?.close();
  const best = peaks.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const peak = best.gflops;
  const peakLoad = best.load;
  const end = { date: new Date().toISOString(), load: os.loadavg() };
  writeFileSync(
    path.join(HERE, "native-results.json"),
    JSON.stringify(
      {
        start,
        end,
        peak,
        peakLoad,
        peaks,
        rounds: ROUNDS,
        windowMs: WINDOW_MS,
        cells: cells.map(({ call: _c, ...c }) => c),
        keras,
      },
      null,
      1,
    ) + "\n",
  );
  const md = render(cells, keras, peak, peakLoad, start, end);
  const file = path.join(HERE, quick || argv.includes("--models") ? "RESULTS.partial.md" : "RESULTS.md");
  const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
  const at = previous.search(/^## Native backend/m);
  const before = at < 0 ? previous : previous.slice(0, at);
  const after = at < 0 ? "" : previous.slice(at).replace(/^## Native backend[^\n]*\n[\s\S]*?(?=^## |(?![\s\S]))/m, "");
  writeFileSync(file, `${before.trimEnd()}\n\n${md.trimEnd()}\n${after ? `\n${after.trimStart()}` : ""}`);
  console.log(`\nwrote ${path.relative(process.cwd(), file)} and bench/native-results.json\n`);
  console.log(md);
}

const ROW_LABEL: Record<Row, string> = {
  p1: "predict B=1, µs",
  p32: "predict B=32, µs",
  t32: "train step B=32, µs",
  fit: "fit (512 samples, B=32), samples/s",
};

function render(cells: Cell[], keras: KerasInfo, peak: number, peakLoad: number, start: { date: string; load: number[] }, end: { load: number[] }): string {
  const L: string[] = [];
  L.push("## Native backend (issue 15)");
  L.push("");
  L.push(
    `Generated by \`bench/native.ts\` (\`npm run bench:native\`; also run by \`npm run bench\`) — ${start.date}, ${ROUNDS} rounds × ${WINDOW_MS} ms windows + 1 warm-up, cells shuffled per round. Load average (1/5/15 min) at start ${start.load.map((l) => l.toFixed(2)).join(" / ")}, end ${end.load.map((l) => l.toFixed(2)).join(" / ")} on ${os.cpus().length} cores: the machine is shared, so every cell shows the median 1-minute load during its windows (⟨load⟩), absolute times are context, and ratios are taken within one round.`,
  );
  L.push("");
  L.push(
    `This machine's f32x4 WebAssembly peak, measured by a register-bound loop (12 independent chains of f32x4 mul + add): **${peak.toFixed(1)} GFLOP/s** ⟨load ${peakLoad.toFixed(1)}⟩ on one core (the best of one measurement per round; under load it is a lower bound, so a row's share of it can read high). A row's rate counts 2 FLOPs per multiply-add of its products (forward; a train step adds the kernel gradients and every input gradient but the first layer's).`,
  );
  L.push("");
  L.push(
    "keras" in keras
      ? `Keras ${keras.keras} on JAX ${keras.jax} (XLA CPU; may use both cores for one op): \`bench/keras.py --serve\`, a subprocess that measures one Keras cell per request, so Keras's cells are shuffled into the same rounds as layerc's and its ratios are same-round pairs like the others (fit: layerc samples/s ÷ Keras samples/s, each the median of 3 fits of 512 samples in that round).`
      : `Keras: **not measured** — ${keras.absent}.`,
  );
  L.push("");
  const get = (key: Key, who: Who, row: Row) => cells.find((c) => c.key === key && c.who === who && c.row === row);
  for (const key of MODELS) {
    L.push(`### ${SPEC[key].title}`);
    L.push("");
    L.push("| row | layerc generated | GFLOP/s (% of peak) | tfjs-layers cpu | tfjs-layers wasm | Keras 3 (JAX) | tfjs cpu ÷ layerc | tfjs wasm ÷ layerc | Keras ÷ layerc |");
    L.push("|---|---|---|---|---|---|---|---|---|");
    for (const [row, who] of [["p1", "gen"], ["p32", "gen"], ["t32", "gen"], ["fit", "gen"], ["t32", "gen2"], ["fit", "gen2"]] as [Row, Who][]) {
      const g = get(key, who, row)!;
      const peers = who === "gen";
      const value = (c: Cell | undefined) => {
        if (!c || c.us.length === 0) return "n/a";
        const v = row === "fit" ? (FIT_SAMPLES * 1e6) / median(c.us) : median(c.us);
        const lo = row === "fit" ? (FIT_SAMPLES * 1e6) / Math.max(...c.us) : Math.min(...c.us);
        const hi = row === "fit" ? (FIT_SAMPLES * 1e6) / Math.min(...c.us) : Math.max(...c.us);
        return `${fmt(v)} [${fmt(lo)}–${fmt(hi)}] ⟨${median(c.load).toFixed(1)}⟩`;
      };
      const samples = row === "p1" ? 1 : 32;
      const macs = row === "t32" || row === "fit" ? TRAIN_MACS[key] : FORWARD_MACS[key];
      const usPerSample = row === "fit" ? median(g.us) / FIT_SAMPLES : median(g.us) / samples;
      const gflops = (2 * macs) / usPerSample / 1000;
      const ratio = (c: Cell | undefined) => {
        // same-round pairs only
        const rs = (c?.rounds ?? []).flatMap((r, i) => (g.rounds.includes(r) ? [c!.us[i]! / g.us[g.rounds.indexOf(r)]!] : []));
        if (rs.length === 0) return "–";
        return `${median(rs).toFixed(2)}× [${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)}]`;
      };
      const k = get(key, "keras", row);
      const kerasCell = value(k);
      const kerasRatio = ratio(k);
      L.push(
        peers
          ? `| ${ROW_LABEL[row]} | ${value(g)} | ${gflops.toFixed(2)} (${((100 * gflops) / peak).toFixed(0)}%) | ${value(get(key, "tfcpu", row))} | ${value(get(key, "tfwasm", row))} | ${kerasCell} | ${ratio(get(key, "tfcpu", row))} | ${ratio(get(key, "tfwasm", row))} | ${kerasRatio} |`
          : `| ${ROW_LABEL[row]}, \`threads: 2\` | ${value(g)} | ${gflops.toFixed(2)} (of one core's peak: ${((100 * gflops) / peak).toFixed(0)}%) | – | – | ${kerasCell} | – | – | ${kerasRatio} |`,
      );
    }
    L.push("");
  }
  L.push(
    "Ratios > 1: layerc is faster (for fit: layerc samples/s ÷ Keras samples/s); [min–max] over rounds. " +
      `tfjs-layers cpu on M4 takes seconds per call, so its predict B=32 and train rows are one call in each of the first ${SLOW_ROUNDS} rounds. ` +
      "Rows marked `threads: 2` run the same model with `new Model({ threads: 2 })` (opt-in; both cores, as Keras's XLA may use); they pay only when a second core is free. " +
      "tfjs-layers wasm cannot train convolutions (`Conv2DBackpropFilter` is not registered for its backend); tfjs has no fit row here (`trainOnBatch` shows its step).",
  );
  return L.join("\n");
}

await main();
