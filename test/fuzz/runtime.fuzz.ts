/**
 * Fuzz and soak of the runtime: (1) every option and size argument of
 * every method with every bad value kind must throw a LayercError and change
 * nothing; (2) a training soak on models with BatchNormalization, dropout
 * and momentum where random batches carry NaN/±Infinity (in inputs or
 * labels) or a diverging learning rate: every rejected step must throw a
 * NonFiniteError and leave the model equal to a twin that never saw it,
 * and every accepted step must leave every weight finite.
 */
import { interpret } from "../../src/index.js";
import { LayercError, NonFiniteError, type TrainableModel } from "../../src/runtime/index.js";
import { Rng } from "../../src/runtime/random.js";
import { generated, type ModelClass } from "../helpers/models.js";
import type { FuzzReport } from "./report.js";

const SPEC = `model Bn(seed=3) {
  Dense(6, input_shape=(4,))
  BatchNormalization()
  Dropout(0.3)
  Dense(3, activation='softmax')
  compile(optimizer=SGD(learning_rate=0.05, momentum=0.9), loss='categorical_crossentropy', metrics=['accuracy'])
}
model Reg(seed=4) {
  Dense(8, input_shape=(4,), activation='relu')
  Dense(1)
  compile(optimizer=Adam(learning_rate=0.01), loss='mse')
}
`;

const badValues: unknown[] = [0, -1, 1.5, Number.NaN, Infinity, -Infinity, "2", "", null, true, {}, [], [1], () => 1, 2 ** 60, -0.5, Symbol("s")];

function badCalls(m: TrainableModel, x: Float32Array, y: Float32Array): number {
  let tried = 0;
  const same = JSON.stringify(m.getWeights());
  const expectThrow = (what: string, f: () => unknown) => {
    tried++;
    try {
      f();
    } catch (e) {
      if (!(e instanceof LayercError)) throw new Error(`${what}: threw ${String(e)} instead of a LayercError`);
      return;
    }
    throw new Error(`${what}: accepted`);
  };
  for (const v of badValues) {
    const ok = (rule: (v: unknown) => boolean) => rule(v);
    const posInt = (u: unknown) => typeof u === "number" && Number.isInteger(u) && u >= 1 && u <= Number.MAX_SAFE_INTEGER;
    if (!posInt(v)) {
      expectThrow(`fit batchSize ${String(v)}`, () => m.fit(x, y, { batchSize: v as number }));
      expectThrow(`evaluate batchSize ${String(v)}`, () => m.evaluate(x, y, { batchSize: v as number }));
      expectThrow(`trainOnBatch batchSize ${String(v)}`, () => m.trainOnBatch(x, y, v as number));
      expectThrow(`predictBatch batchSize ${String(v)}`, () => m.predictBatch(x, v as number));
    }
    if (!ok((u) => typeof u === "number" && Number.isInteger(u) && u >= 0)) expectThrow(`fit epochs ${String(v)}`, () => m.fit(x, y, { epochs: v as number }));
    if (!ok((u) => typeof u === "number" && u >= 0 && u < 1)) expectThrow(`fit validationSplit ${String(v)}`, () => m.fit(x, y, { validationSplit: v as number }));
    if (typeof v !== "boolean") expectThrow(`fit shuffle ${String(v)}`, () => m.fit(x, y, { shuffle: v as boolean }));
    if (typeof v !== "function") expectThrow(`fit onEpochEnd ${String(v)}`, () => m.fit(x, y, { onEpochEnd: v as never }));
    if (typeof v !== "function") expectThrow(`fit onBatchEnd ${String(v)}`, () => m.fit(x, y, { onBatchEnd: v as never }));
    if (!(typeof v === "object" && v !== null && !Array.isArray(v))) expectThrow(`fit options ${String(v)}`, () => m.fit(x, y, v as never));
    expectThrow(`predictBatch out ${String(v)}`, () => m.predictBatch(x, 2, v as never));
    if (!(Array.isArray(v) && v.length === 0)) expectThrow(`predict ${String(v)}`, () => m.predict(v as never));
    expectThrow(`setWeights ${String(v)}`, () => m.setWeights(v as never));
    const ws = m.getWeights();
    if (typeof v !== "number" || !Number.isFinite(v)) expectThrow(`setWeights value ${String(v)}`, () => m.setWeights(ws.map((w, i) => (i === 0 ? { ...w, data: [v, ...Array.from(w.data).slice(1)] as never } : w))));
  }
  if (JSON.stringify(m.getWeights()) !== same) throw new Error("a rejected call changed the weights");
  return tried;
}

export async function fuzzRuntime(steps: number): Promise<FuzzReport> {
  const failures: string[] = [];
  let calls = 0;
  let accepted = 0;
  let rejected = 0;
  for (const [kind, classes] of [
    ["generated", await generated(SPEC)],
    ["interpreted", interpret(SPEC) as unknown as Record<string, ModelClass>],
  ] as const) {
    for (const name of ["Bn", "Reg"]) {
      const Model = classes[name]!;
      const inSize = 4;
      const outSize = name === "Bn" ? 3 : 1;
      const rng = new Rng(name === "Bn" ? 11 : 12);
      const x = Float32Array.from({ length: 2 * inSize }, () => rng.uniform());
      const y = new Float32Array(2 * outSize).fill(name === "Bn" ? 0 : 0.5);
      if (name === "Bn") (y[0] = 1), (y[outSize + 1] = 1);
      try {
        calls += badCalls(new Model({ seed: 1 }), x, y);
      } catch (e) {
        failures.push(`${kind} ${name}: ${(e as Error).message}`);
      }
      const m = new Model({ seed: 5 });
      const twin = new Model({ seed: 5 });
      for (let s = 0; s < steps; s++) {
        const n = 1 + (s % 4);
        const xs = Float32Array.from({ length: n * inSize }, () => rng.uniform() * 2 - 1);
        const ys = new Float32Array(n * outSize);
        for (let b = 0; b < n; b++) {
          if (name === "Bn") ys[b * outSize + Math.floor(rng.uniform() * outSize)] = 1;
          else ys[b] = rng.uniform();
        }
        const fault = rng.uniform();
        const bad = [Number.NaN, Infinity, -Infinity][Math.floor(rng.uniform() * 3)]!;
        if (fault < 0.15) xs[Math.floor(rng.uniform() * xs.length)] = bad;
        else if (fault < 0.3) ys[Math.floor(rng.uniform() * ys.length)] = bad;
        else if (fault < 0.35) xs.fill(1e30);
        const faulty = fault < 0.35;
        try {
          m.trainOnBatch(xs, ys, n);
          twin.trainOnBatch(xs, ys, n);
          accepted++;
          if (m.getWeights().some((w) => w.data.some((v) => !Number.isFinite(v)))) failures.push(`${kind} ${name} step ${s}: accepted with a non-finite weight`);
        } catch (e) {
          rejected++;
          if (!(e instanceof NonFiniteError)) failures.push(`${kind} ${name} step ${s}: ${(e as Error).message}`);
          if (!faulty && !(e instanceof NonFiniteError)) failures.push(`${kind} ${name} step ${s}: rejected a clean batch`);
          if (JSON.stringify(m.getWeights()) !== JSON.stringify(twin.getWeights())) failures.push(`${kind} ${name} step ${s}: a rejected step changed the model`);
        }
      }
      if (JSON.stringify(m.getWeights()) !== JSON.stringify(twin.getWeights())) failures.push(`${kind} ${name}: model and twin diverged`);
    }
  }
  return { name: "runtime", tried: `${calls} bad calls; ${accepted + rejected} training steps (${accepted} accepted, ${rejected} rejected: NaN/±Infinity in inputs or labels, or inputs of 1e30)`, failures };
}
