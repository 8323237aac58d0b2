/**
 * Test harness over the public API: load a spec through the interpreter or
 * through generated code (compiled, written under test/.tmp by content hash,
 * imported), extract exact parameter gradients, and estimate them by
 * central finite differences. Everything goes through the same public class
 * interface users have, so these helpers test what users get.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compile, formatDiagnostics, interpret } from "../../src/index.js";
import type { ModelOptions, TrainableModel } from "../../src/runtime/index.js";

/**
 * Model classes as the tests use them: typed with the training methods, which
 * exist at run time only for specs with compile(...) (tests of inference-only
 * models check that they are absent).
 */
export interface ModelClass {
  new (options?: ModelOptions): TrainableModel;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
}
import { Rng } from "../../src/runtime/random.js";

export type Unroll = "auto" | "full" | "loops";

const TMP = join(import.meta.dirname, "..", ".tmp");

export function interpreted(source: string): Record<string, ModelClass> {
  return interpret(source) as unknown as Record<string, ModelClass>;
}

/** Compiles `source` and imports the generated module. */
export async function generated(source: string, unroll?: Unroll): Promise<Record<string, ModelClass>> {
  const r = await compile(source, { fileName: "test.nn", ...(unroll ? { unroll } : {}) });
  if (r.code === undefined) throw new Error(`spec does not compile:\n${formatDiagnostics(r.diagnostics, source)}\n${source}`);
  mkdirSync(TMP, { recursive: true });
  const file = join(TMP, `gen-${createHash("sha1").update(r.code).digest("hex").slice(0, 16)}.ts`);
  if (!existsSync(file)) writeFileSync(file, r.code);
  return (await import(pathToFileURL(file).href)) as Record<string, ModelClass>;
}

export function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * scale;
  return a;
}

export const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Random targets that suit `loss`: one-hot rows, class ids, 0/1 or reals. */
export function randomTargets(rng: Rng, loss: string, batch: number, outShape: readonly number[]): Float32Array {
  const size = prod(outShape);
  const classes = outShape[outShape.length - 1]!;
  if (loss.startsWith("sparse")) return Float32Array.from({ length: batch }, () => rng.int(classes));
  if (loss.startsWith("categorical")) {
    const y = new Float32Array(batch * size);
    for (let r = 0; r < (batch * size) / classes; r++) y[r * classes + rng.int(classes)] = 1;
    return y;
  }
  if (loss.startsWith("binary")) return Float32Array.from({ length: batch * size }, () => rng.int(2));
  return randomArray(rng, batch * size);
}

export interface Weights {
  readonly shape: number[];
  readonly data: Float32Array | Float64Array;
}

/** Flattens getWeights() into one float64 vector (Keras order). */
export function flat(ws: readonly { data: ArrayLike<number> }[]): Float64Array {
  const out: number[] = [];
  for (const w of ws) for (let i = 0; i < w.data.length; i++) out.push(w.data[i]!);
  return Float64Array.from(out);
}

export function unflat(v: Float64Array, like: readonly { shape: readonly number[] }[]): { shape: number[]; data: Float64Array }[] {
  let o = 0;
  return like.map((w) => {
    const size = prod(w.shape);
    const data = v.slice(o, o + size);
    o += size;
    return { shape: [...w.shape], data };
  });
}

/**
 * The exact gradient of the batch loss w.r.t. every weight, read from one
 * SGD(learning_rate=1) step: g = θ − θ'. The spec must compile with
 * SGD(learning_rate=1.0) and dtype=float64 for full precision.
 */
export function gradient(cls: ModelClass, seed: number, theta: Float64Array, x: Float32Array, y: Float32Array, batch: number) {
  const m = new cls({ seed });
  m.setWeights(unflat(theta, m.getWeights()));
  const before = Float64Array.from(params(m));
  const loss = m.trainOnBatch(x, y, batch);
  const after = params(m);
  return { loss, grad: before.map((b, i) => b - after[i]!), after: Float64Array.from(after) };
}

/**
 * The flat parameter array in the model's own dtype (float64 for
 * dtype=float64 specs); getWeights() reports float32 copies, which would
 * hide gradient precision.
 */
export function params(m: object): Float32Array | Float64Array {
  return (m as unknown as { params: Float32Array | Float64Array }).params;
}

/** Training-mode batch loss at θ, from a fresh instance (same seed, so the same dropout noise). */
export function lossAt(cls: ModelClass, seed: number, theta: Float64Array, x: Float32Array, y: Float32Array, batch: number): number {
  const m = new cls({ seed });
  m.setWeights(unflat(theta, m.getWeights()));
  return m.trainOnBatch(x, y, batch);
}

/** Central finite differences of lossAt over every component of θ. */
export function numericGradient(cls: ModelClass, seed: number, theta: Float64Array, x: Float32Array, y: Float32Array, batch: number, h = 1e-5) {
  const g = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) {
    const plus = theta.slice();
    const minus = theta.slice();
    plus[i] = theta[i]! + h;
    minus[i] = theta[i]! - h;
    g[i] = (lossAt(cls, seed, plus, x, y, batch) - lossAt(cls, seed, minus, x, y, batch)) / (2 * h);
  }
  return g;
}

/** max |a−b| / max(1, |a|, |b|) over components; returns [error, index]. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1): [number, number] {
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / Math.max(floor, Math.abs(a[i]!), Math.abs(b[i]!));
    if (e > worst || Number.isNaN(e)) {
      worst = Number.isNaN(e) ? Infinity : e;
      at = i;
    }
  }
  return [worst, at];
}
