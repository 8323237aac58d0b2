/**
 * Activation-buffer reuse by liveness (src/plan/liveness.ts) must change
 * no number: every golden spec, every example and random functional graphs
 * run in the interpreter with and without sharing, from the same weights
 * and data, give identical predictions, losses and weights after training
 * steps (bit for bit: the kernels are the same, only storage differs). And
 * sharing does save memory where lifetimes allow it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check } from "../src/index.js";
import { interpretModel } from "../src/interpreter/interpret.js";
import { planModel } from "../src/plan/plan.js";
import type { ModelIR } from "../src/ir/model-ir.js";
import type { ModelMeta } from "../src/runtime/model.js";
import { Rng } from "../src/runtime/random.js";
import { prod, randomArray, randomTargets, type ModelClass } from "./helpers/models.js";
import { graphSpec } from "./helpers/graph-arbitrary.js";

const ROOT = join(import.meta.dirname, "..");
const specs: [string, string][] = [
  ...readdirSync(join(ROOT, "test", "golden")).map((d) => [`golden/${d}`, join(ROOT, "test", "golden", d, "input.nn")] as [string, string]),
  ...readdirSync(join(ROOT, "examples"))
    .filter((f) => f.endsWith(".nn"))
    .map((f) => [`examples/${f}`, join(ROOT, "examples", f)] as [string, string]),
].filter(([, file]) => {
  try {
    return readFileSync(file, "utf8").length > 0;
  } catch {
    return false;
  }
});

const modelsOf = (source: string): readonly ModelIR[] => check(source).ir?.models ?? [];
/** Models small enough for the interpreter to run twice here (the pasted MNIST convnets are not; the examples test runs them). */
const small = (m: ModelIR) => m.paramCount <= 50_000 && planModel(m, { reuseBuffers: false }).activationValues <= 20_000;

type Many = Float32Array | Float32Array[];
const list = (v: Many) => (Array.isArray(v) ? v : [v]);
const arg = (vs: Float32Array[]) => (vs.length === 1 ? vs[0]! : vs) as unknown as Float32Array;

/** Inputs that suit the model: token ids below the vocabulary where a token-id layer reads them. */
function inputsFor(meta: ModelMeta, rng: Rng, n: number): Float32Array[] {
  const ports = meta.inputs ?? [{ name: "", shape: meta.inputShape, ...(meta.tokenIds ? { tokenIds: meta.tokenIds } : {}) }];
  return ports.map((p) => {
    const ids = p.tokenIds;
    return ids ? Float32Array.from({ length: n * prod(p.shape) }, () => rng.int(ids.limit)) : randomArray(rng, n * prod(p.shape));
  });
}

/** Runs both and requires identical results; returns nothing (expectations inside). */
function sameWithAndWithout(model: ModelIR, seed: number, what: string) {
  const A = interpretModel(model) as unknown as ModelClass;
  const B = interpretModel(model, { reuseBuffers: false }) as unknown as ModelClass;
  const a = new A({ seed: 1 });
  const b = new B({ seed: 1 });
  const meta = (a as unknown as { meta: ModelMeta }).meta;
  const rng = new Rng(seed);
  const n = 2;
  const xs = inputsFor(meta, rng, n);
  const eq = (x: Many, y: Many, label: string) => list(x).forEach((v, k) => expect(Array.from(v), `${what}: ${label}`).toEqual(Array.from(list(y)[k]!)));
  eq(a.predictBatch(arg(xs), n) as Many, b.predictBatch(arg(xs), n) as Many, "predictBatch");
  if (!model.training) return;
  const outs = meta.outputs ?? [{ name: "", shape: meta.outputShape, loss: meta.training!.loss }];
  const ys = outs.map((o) => randomTargets(rng, (o.loss ?? meta.training!.loss).name, n, o.shape));
  for (let step = 0; step < 2; step++) expect(a.trainOnBatch(arg(xs), arg(ys), n), `${what}: loss ${step}`).toBe(b.trainOnBatch(arg(xs), arg(ys), n));
  const wb = b.getWeights();
  a.getWeights().forEach((w, k) => expect(Array.from(w.data), `${what}: ${w.name}`).toEqual(Array.from(wb[k]!.data)));
  eq(a.predictBatch(arg(xs), n) as Many, b.predictBatch(arg(xs), n) as Many, "predictBatch after training");
  expect(a.evaluate(arg(xs), arg(ys)), `${what}: evaluate`).toEqual(b.evaluate(arg(xs), arg(ys)));
}

describe("buffer reuse changes no result", () => {
  it.each(specs)("%s", (name, file) => {
    const models = modelsOf(readFileSync(file, "utf8"));
    expect(models.length).toBeGreaterThan(0);
    models.filter(small).forEach((m, k) => sameWithAndWithout(m, 7 + k, `${name} ${m.name}`));
  });

  it("on random functional graphs", () => {
    fc.assert(
      fc.property(graphSpec, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (spec, seed) => {
        for (const m of modelsOf(spec.source)) sameWithAndWithout(m, seed, spec.source);
      }),
      { numRuns: 15, seed: 4242 },
    );
  });
});

describe("buffer reuse saves memory", () => {
  const values = (src: string, reuseBuffers: boolean) => planModel(modelsOf(src)[0]!, { reuseBuffers }).activationValues;

  it("an inference chain needs two activation buffers' worth, not one per layer", () => {
    const src = "model C {\n  Input(shape=(8,))\n  Dense(32, activation='relu')\n  Dense(32, activation='relu')\n  Dense(32, activation='relu')\n  Dense(32, activation='relu')\n  Dense(4)\n}";
    expect(values(src, false)).toBeGreaterThan(values(src, true));
    // the output keeps its own buffer; the hidden activations and their scratch fit in little more than two of 32
    expect(values(src, true)).toBeLessThanOrEqual(4 + 3 * 32);
  });

  it("training keeps what backward reads (every hidden activation) but reuses gradient buffers", () => {
    const src =
      "model T {\n  Input(shape=(8,))\n  Dense(32, activation='relu')\n  Dense(32, activation='relu')\n  Dense(32, activation='relu')\n  Dense(32, activation='relu')\n  Dense(4)\n  compile(optimizer='sgd', loss='mse')\n}";
    const before = values(src, false);
    const after = values(src, true);
    expect(after).toBeLessThan(before);
    // four hidden activations stay alive through backward
    expect(after).toBeGreaterThanOrEqual(4 * 32 + 4);
  });

  it("a sharing buffer names an earlier one that allocates", () => {
    const plan = planModel(modelsOf(readFileSync(join(ROOT, "examples", "residual.nn"), "utf8"))[0]!);
    const names = [...plan.buffers.keys()];
    let shared = 0;
    for (const [name, s] of plan.buffers) {
      if (s.kind !== "act" || s.shares === undefined) continue;
      shared++;
      const owner = plan.buffers.get(s.shares);
      expect(owner?.kind === "act" && owner.shares === undefined && owner.perSample >= s.perSample).toBe(true);
      expect(names.indexOf(s.shares)).toBeLessThan(names.indexOf(name));
    }
    expect(shared).toBeGreaterThan(0);
  });
});
