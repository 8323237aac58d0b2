/**
 * The optimizer's update as a native elementwise kernel (wasm-map.ts): in a
 * model with native kernels, the update rule over the parameters, gradients
 * and optimizer state (slots, which the runtime keeps in the native memory)
 * runs as f64x2 WebAssembly and computes the TypeScript loop's numbers bit
 * for bit (Lion's sign is a selection; clipnorm's per-tensor and
 * global_clipnorm's scale, computed in TypeScript before the loop, are
 * arguments).
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { NonFiniteError } from "../src/runtime/errors.js";
import { generated } from "./helpers/models.js";
import { call, num, type Stmt } from "../src/kernel/expr.js";
import { load } from "../src/kernel/buffer.js";
import { opDef } from "../src/kernel/ops.js";
import { kernelModule } from "../src/phases/3-emit/wasm.js";
import { mapBody, mapParams, planMap } from "../src/phases/3-emit/wasm-map.js";
import { host } from "./helpers/wasm-api.js";

const WebAssembly = host.WebAssembly!;

type Internals = {
  params: Float32Array | Float64Array;
  grads: Float32Array | Float64Array;
  slots: Float64Array[];
  hyper: Float64Array;
  kernels: object | null;
  nativeMemory: ArrayBuffer | null;
  update(): void;
  ensure(n: number): void;
  usesWasm: boolean;
  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number;
};

// 33·40 + 40 + 40·3 + 3 = 1483 parameters: an odd count, so the kernel's scalar last step runs too.
const spec = (dtype: string, optimizer: string) => `model M(seed=4, dtype=${dtype}) {
  Dense(40, input_shape=(33,), activation='relu')
  Dense(3, activation='softmax')
  compile(optimizer=${optimizer}, loss='categorical_crossentropy')
}
`;

const x4 = Float32Array.from({ length: 4 * 33 }, (_, i) => Math.cos(i));
const y4 = new Float32Array(12).map((_, i) => (i % 3 === i % 4 ? 1 : 0));

/** The parameters and every optimizer slot, copied. */
const state = (m: Internals): Float64Array[] => [Float64Array.from(m.params), ...m.slots.map((s) => s.slice())];

/**
 * One update from the same parameters, gradients, optimizer state and
 * per-step scalars, natively and by the TypeScript loop: the state after each.
 */
function bothUpdates(m: Internals): { native: Float64Array[]; loops: Float64Array[] } {
  const p0 = m.params.slice();
  const s0 = m.slots.map((s) => s.slice());
  for (let i = 0; i < m.grads.length; i++) m.grads[i] = Math.sin(i * 1.7) * 0.3;
  // learning rate, α_t (Adam; Adamax's 1 − β1ᵗ), Nadam's coefficients, the EMA momentum: arbitrary but plausible
  m.hyper.set([0.0123, 0.0071, 0.013, 0.37, 0.6]);
  m.update();
  const native = state(m);
  m.params.set(p0);
  m.slots.forEach((s, i) => s.set(s0[i]!));
  const kernels = m.kernels;
  m.kernels = null;
  m.update();
  m.kernels = kernels;
  return { native, loops: state(m) };
}

const OPTIMIZERS: readonly (readonly [string, boolean])[] = [
  ["SGD(learning_rate=0.1)", true],
  ["SGD(learning_rate=0.1, weight_decay=0.01)", true],
  ["SGD(learning_rate=0.1, momentum=0.9)", true],
  ["SGD(learning_rate=0.1, momentum=0.9, nesterov=True)", true],
  ["SGD(learning_rate=0.1, clipvalue=0.2)", true],
  ["Adam(learning_rate=0.01)", true],
  ["Adam(learning_rate=0.01, amsgrad=True)", true],
  ["Adam(learning_rate=0.01, use_ema=True)", true],
  ["AdamW(learning_rate=0.01)", true],
  ["RMSprop(learning_rate=0.01)", true],
  ["RMSprop(learning_rate=0.01, momentum=0.5, centered=True)", true],
  ["Adagrad(learning_rate=0.01)", true],
  ["Adadelta(learning_rate=0.5)", true],
  ["Adamax(learning_rate=0.01)", true],
  ["Nadam(learning_rate=0.01)", true],
  ["SGD(learning_rate=0.1, clipnorm=0.05)", true],
  ["Adam(learning_rate=0.01, global_clipnorm=0.05)", true],
  ["Lion(learning_rate=0.01)", true],
  ["Ftrl(learning_rate=0.01, l1_regularization_strength=0.001)", true],
  // a learning-rate power other than −0.5 needs Math.pow, which the kernel does not compile
  ["Ftrl(learning_rate=0.01, learning_rate_power=-0.7)", false],
];

describe("native optimizer update", () => {
  for (const dtype of ["float32", "float64"]) {
    for (const [optimizer, native] of OPTIMIZERS) {
      it(`${dtype} ${optimizer}: ${native ? "runs natively and equals the loop bit for bit" : "keeps its loop"}`, async () => {
        const source = spec(dtype, optimizer);
        const code = (await compile(source)).code!;
        expect(code.includes("k.optimizer_update0(")).toBe(native);
        const M = (await generated(source))["M"]!;
        const m = new M() as unknown as Internals;
        // two steps first, so the state the update reads is not its initial value
        m.trainOnBatch(x4, y4, 4);
        m.trainOnBatch(x4, y4, 4);
        expect(m.usesWasm).toBe(true);
        // the optimizer state lives in the native memory
        for (const s of m.slots) expect(s.buffer).toBe(m.nativeMemory);
        if (!native) return;
        const { native: a, loops: b } = bothUpdates(m);
        for (let k = 0; k < a.length; k++) {
          let differing = 0;
          for (let i = 0; i < a[k]!.length; i++) if (!Object.is(a[k]![i], b[k]![i])) differing++;
          expect(differing, k === 0 ? "parameters" : `slot ${k - 1}`).toBe(0);
        }
        // and the update did something
        expect(a[0]!.some((v, i) => v !== b[0]![i] || v !== 0)).toBe(true);
      });
    }
  }

  it("the optimizer state survives a larger batch's new memory, and training equals the TypeScript fallback", async () => {
    const source = spec("float64", "Adam(learning_rate=0.01)");
    const M = (await generated(source))["M"]!;
    const m = new M() as unknown as Internals;
    const ts = new M({ wasm: false }) as unknown as Internals;
    expect(ts.usesWasm).toBe(false);
    for (const model of [m, ts]) {
      model.trainOnBatch(x4, y4, 4);
      model.trainOnBatch(x4, y4, 4);
    }
    const before = state(m);
    const memory = m.nativeMemory;
    m.ensure(64);
    expect(m.nativeMemory).not.toBe(memory);
    for (const s of m.slots) expect(s.buffer).toBe(m.nativeMemory);
    expect(state(m)).toEqual(before);
    // one more step on each (a batch of 8 relays nothing more): the native model tracks the fallback
    const x8 = Float32Array.from({ length: 8 * 33 }, (_, i) => Math.sin(i * 0.37));
    const y8 = new Float32Array(24).map((_, i) => (i % 3 === i % 5 % 3 ? 1 : 0));
    const la = m.trainOnBatch(x8, y8, 8);
    const lb = ts.trainOnBatch(x8, y8, 8);
    expect(la).toBeCloseTo(lb, 12);
    const [sa, sb] = [state(m), state(ts)];
    for (let k = 0; k < sa.length; k++) for (let i = 0; i < sa[k]!.length; i += 7) expect(Math.abs(sa[k]![i]! - sb[k]![i]!)).toBeLessThan(1e-12 + 1e-9 * Math.abs(sb[k]![i]!));
  });

  for (const optimizer of ["Adam(learning_rate=0.01)", "SGD(learning_rate=0.1, momentum=0.9)", "RMSprop(learning_rate=0.01, centered=True)"]) {
    it(`a step whose native update overflows (${optimizer}) is rejected whole, natively and in the fallback`, async () => {
      const M = (await generated(spec("float32", optimizer)))["M"]!;
      for (const wasm of [true, false]) {
        const m = new M({ wasm }) as unknown as Internals & { setLearningRate(lr: number): void };
        m.trainOnBatch(x4, y4, 4);
        m.trainOnBatch(x4, y4, 4);
        expect(m.usesWasm).toBe(wasm);
        const before = state(m);
        expect(before.every((a) => a.every((v) => Number.isFinite(v)))).toBe(true);
        expect(before.slice(1).some((a) => a.some((v) => v !== 0))).toBe(true);
        // a learning rate past float32's range puts parameters out of range (their slots are still finite)
        m.setLearningRate(1e300);
        expect(() => m.trainOnBatch(x4, y4, 4)).toThrow(NonFiniteError);
        expect(state(m)).toEqual(before);
      }
    });
  }

  it("max and min are the kernel form's a >= b ? a : b and a <= b ? a : b on NaN, signed zeros, infinities and ties (not f64.max)", () => {
    const special = [NaN, 0, -0, 1, -1, Infinity, -Infinity, 2.5, 2.5];
    const pairs = special.flatMap((a) => special.map((b) => [a, b] as const));
    const n = pairs.length; // 81: odd, so the scalar step runs too
    for (const op of ["max", "min"] as const) {
      // out[i] = op(a[i], op(b[i], 0.5) - 0.5 + a[i] * 0): nested, so the pair locals must not collide
      const inner = { k: "bin", op: "+", a: { k: "bin", op: "-", a: call(op, load("b", { k: "var", name: "i" }), num(0.5)), b: num(0.5) }, b: { k: "bin", op: "*", a: load("a", { k: "var", name: "i" }), b: num(0) } } as const;
      const body: Stmt[] = [
        { k: "store", buf: "out", index: { k: "var", name: "i" }, value: call(op, load("a", { k: "var", name: "i" }), inner) } as Stmt,
        { k: "store", buf: "out2", index: { k: "var", name: "i" }, value: call(op, load("a", { k: "var", name: "i" }), load("b", { k: "var", name: "i" })) } as Stmt,
      ];
      const loop = { k: "for", v: "i", from: num(0), to: num(n), body } as Extract<Stmt, { k: "for" }>;
      const m = planMap("k", loop, new Set(), () => ({ type: "f64", base: 0 }))!;
      expect(m).not.toBeNull();
      const memory = new WebAssembly.Memory({ initial: 1 });
      const instance = new WebAssembly.Instance(new WebAssembly.Module(kernelModule([{ name: "k", body: () => mapBody(m), params: mapParams(m) }])), { env: { memory } });
      const at = (k: number) => new Float64Array(memory.buffer, k * n * 8, n);
      const bufs = new Map(m.buffers.map((b, k) => [b.buf, at(k)]));
      pairs.forEach(([a, b], i) => {
        bufs.get("a")![i] = a;
        bufs.get("b")![i] = b;
      });
      (instance.exports["k"] as (...args: number[]) => void)(...m.buffers.map((_, k) => k * n * 8));
      const f = opDef(op).evaluate as (a: number, b: number) => number;
      pairs.forEach(([a, b], i) => {
        expect(Object.is(bufs.get("out2")![i], f(a, b)), `${op}(${a}, ${b})`).toBe(true);
        expect(Object.is(bufs.get("out")![i], f(a, f(b, 0.5) - 0.5 + a * 0)), `nested ${op}(${a}, ${b})`).toBe(true);
      });
    }
  });

  it("a model without other native kernels keeps its TypeScript update", async () => {
    // 301 parameters, but products of 100 multiply-adds: below the native threshold
    const code = (await compile(`model S {\n  Dense(100, input_shape=(1,))\n  Dense(1)\n  compile(optimizer='adam', loss='mse')\n}\n`)).code!;
    expect(code).not.toContain("optimizer_update");
    expect(code).not.toContain("NativeKernel");
  });
});
