/**
 * The seed rows of bench/run.ts in the situation the full run creates:
 * several generated model classes (seed, MLP, CNN, LSTM) and their
 * interpreted twins live in one process and are called through the same
 * call sites, so the runtime's shared methods see many classes
 * (polymorphic property reads) — unlike a process that runs the seed alone.
 * Times the seed's `predict(x)`, `predictBatch(x, 1, out)` and
 * `trainOnBatch` B=32 against the hand-written model (bench/hand.ts),
 * cells interleaved in shuffled order each round; reports medians over
 * rounds with their range, and the per-round ratio to hand-written.
 *
 * `--old <dir>` (a copy of some commit's `src/`, e.g. `git archive <commit> src | tar -x -C bench/.ab/rec`)
 * adds that tree's compiler and runtime as a second contender in the same
 * process (each variant links its own runtime): a same-process A/B.
 *
 *   node --expose-gc --import tsx bench/seed-rows.ts [--rounds 9] [--window 200] [--old bench/.ab/rec/src] [--alone]
 *
 * `--alone` loads the seed only (the monomorphic situation).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { HandSeed, type HandModel } from "./hand.js";
import { forceGc, measureWindow, median, prng, shuffle, timer } from "./harness.js";

interface Model {
  predict(x: Float32Array): Float32Array;
  predictBatch(x: Float32Array, n: number, out: Float32Array): Float32Array;
  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number;
  getWeights(): { data: Float32Array }[];
  setWeights(w: readonly { data: ArrayLike<number> }[]): void;
}
type ModelClass = (new (o?: object) => Model) & { readonly inputShape?: readonly number[]; readonly outputShape?: readonly number[] };

const HERE = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const ROUNDS = Number(flag("--rounds") ?? 9);
const WINDOW_MS = Number(flag("--window") ?? 200);
const ALONE = argv.includes("--alone");
const MODELS: readonly string[] = ALONE ? ["seed"] : ["seed", "mlp", "cnn", "lstm"];

/** Compiles bench/models/<key>.nn with the compiler in `src` and imports it, linked to that tree's runtime; and its interpreted class. */
async function load(src: string, tag: string, key: string): Promise<[ModelClass, ModelClass] | null> {
  const api = (await import(pathToFileURL(path.join(src, "index.ts")).href)) as typeof import("../src/index.js");
  const source = readFileSync(path.join(HERE, "models", `${key}.nn`), "utf8");
  const r = await api.compile(source, { fileName: `${key}.nn` });
  if (!r.code) {
    if (key === "seed") throw new Error(`${key}.nn does not compile with ${src}`);
    console.log(`(${key}.nn does not compile with ${src}: left out of ${tag})`);
    return null;
  }
  const dir = path.join(HERE, ".ab");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, ".gitignore"), "*\n");
  const file = path.join(dir, `seed-rows-${tag}-${key}.nn.ts`);
  const runtime = path.relative(dir, path.join(src, "runtime", "index.js")).split(path.sep).join("/");
  writeFileSync(file, r.code.replace(/from "layerc\/runtime"/, `from "${runtime.startsWith(".") ? runtime : `./${runtime}`}"`));
  const mod = (await import(pathToFileURL(file).href)) as Record<string, ModelClass>;
  const name = Object.keys(mod).find((k) => typeof mod[k] === "function")!;
  return [mod[name]!, api.interpret(source, { fileName: `${key}.nn` })[name] as unknown as ModelClass];
}

const rnd = prng(0x5eed + 1);
const x1 = Array.from({ length: 32 }, () => Float32Array.of(rnd() * 4 - 2));
const xb = Array.from({ length: 4 }, () => Float32Array.from({ length: 32 }, () => rnd() * 4 - 2));
const yb = Array.from({ length: 4 }, () => {
  const y = new Float32Array(64);
  for (let b = 0; b < 32; b++) y[b * 2 + Math.floor(rnd() * 2)] = 1;
  return y;
});

interface Calls {
  p1: () => unknown;
  p1o: () => unknown;
  t32: () => unknown;
  reset: () => void;
}

function rotate<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[(i = (i + 1) % items.length)]!;
}

/** Every model's calls come from these closures (shared call sites, as bench/run.ts's layercContender). */
function calls(model: Model, xs: readonly Float32Array[], xbs: readonly Float32Array[], ybs: readonly Float32Array[], outSize: number): Calls {
  const w0 = model.getWeights().map((w) => ({ data: w.data }));
  const nextX = rotate(xs);
  const nextX2 = rotate(xs);
  const nextB = rotate([0, 1, 2, 3]);
  const out1 = new Float32Array(outSize);
  return {
    p1: () => model.predict(nextX()),
    p1o: () => model.predictBatch(nextX2(), 1, out1),
    t32: () => {
      const j = nextB();
      return model.trainOnBatch(xbs[j]!, ybs[j]!, 32);
    },
    reset: () => model.setWeights(w0),
  };
}

function handCalls(model: HandModel, w0: readonly Float32Array[]): Calls {
  const nextX = rotate(x1);
  const nextX2 = rotate(x1);
  const nextB = rotate([0, 1, 2, 3]);
  const out1 = new Float32Array(2);
  return {
    p1: () => model.predict(nextX()),
    p1o: () => model.predictBatch(nextX2(), 1, out1),
    t32: () => {
      const j = nextB();
      return model.trainOnBatch(xb[j]!, yb[j]!, 32);
    },
    reset: () => model.setWeights(w0),
  };
}

const variants: [string, string][] = [["new", path.resolve(HERE, "..", "src")]];
const old = flag("--old");
if (old !== undefined) variants.push(["old", path.resolve(old)]);

const contenders: { who: string; calls: Calls }[] = [];
/** The other models' calls (and the interpreted seed's), run before every round so the shared sites see every class. */
const others: Calls[] = [];
let seedWeights: Float32Array[] | null = null;
for (const [tag, src] of variants) {
  for (const key of MODELS) {
    const classes = await load(src, tag, key);
    if (classes === null) continue;
    const [Gen, Interp] = classes;
    if (key === "seed") {
      const m = new Gen({ seed: 42 });
      seedWeights ??= m.getWeights().map((w) => w.data);
      contenders.push({ who: tag, calls: calls(m, x1, xb, yb, 2) });
      if (!ALONE) others.push(calls(new Interp({ seed: 42 }), x1, xb, yb, 2));
      continue;
    }
    const inSize = Gen.inputShape!.reduce((a, b) => a * b, 1);
    const outSize = Gen.outputShape!.reduce((a, b) => a * b, 1);
    const r = prng(inSize);
    const xs = Array.from({ length: 4 }, () => Float32Array.from({ length: inSize }, () => r()));
    const xbs = Array.from({ length: 4 }, () => Float32Array.from({ length: 32 * inSize }, () => r()));
    const ybs = Array.from({ length: 4 }, () => {
      const y = new Float32Array(32 * outSize);
      for (let b = 0; b < 32; b++) y[b * outSize + (b % outSize)] = 1;
      return y;
    });
    for (const M of [Gen, Interp]) others.push(calls(new M({ seed: 42 }), xs, xbs, ybs, outSize));
  }
}
contenders.push({ who: "hand", calls: handCalls(new HandSeed(), seedWeights!) });

function exerciseOthers(): void {
  for (const c of others) {
    c.p1();
    c.p1o();
    c.t32();
    c.reset();
  }
}

const ROWS = [
  ["p1", "predict(x)"],
  ["p1o", "predictBatch(x, 1, out)"],
  ["t32", "trainOnBatch B=32"],
] as const;
const cells = contenders.flatMap((c) => ROWS.map(([kind]) => ({ who: c.who, kind, calls: c.calls, t: timer(c.calls[kind], false), us: [] as number[] })));
const loads: number[] = [];
exerciseOthers();
for (let round = 0; round < ROUNDS + 1; round++) {
  loads.push(os.loadavg()[0]!);
  exerciseOthers();
  for (const cell of shuffle([...cells], rnd)) {
    cell.calls.reset();
    forceGc();
    const w = await measureWindow(cell.t, WINDOW_MS);
    if (round > 0) cell.us.push(w.medianUs * 1000); // round 0 warms up
  }
}
const range = (xs: readonly number[], digits: number) => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;
console.log(`seed rows, ${ALONE ? "the seed alone" : `with ${MODELS.join(", ")} (generated and interpreted) in the process`}; ${ROUNDS} rounds × ${WINDOW_MS} ms windows, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
for (const [kind, label] of ROWS) {
  const hand = cells.find((c) => c.who === "hand" && c.kind === kind)!;
  for (const cell of cells.filter((c) => c.kind === kind)) {
    const ratio = cell.us.map((u, i) => u / hand.us[i]!);
    console.log(`${label.padEnd(24)} ${cell.who.padEnd(5)} ${range(cell.us, 1).padStart(22)} ns   ÷ hand ${range(ratio, 2)}`);
  }
  if (variants.length > 1) {
    const n = cells.find((c) => c.who === "new" && c.kind === kind)!;
    const o = cells.find((c) => c.who === "old" && c.kind === kind)!;
    console.log(`${"".padEnd(24)} new ÷ old ${range(n.us.map((u, i) => u / o.us[i]!), 2)}`);
  }
}
