/**
 * A generated model with native kernels clears its own gradients
 * (src/phases/3-emit/grad-init.ts): kernel-gradient products that come
 * first write their gradient, every other trainable gradient is zeroed at
 * the start of backward, and the runtime no longer clears the whole array
 * before each step. Whatever the gradient array held before a step must
 * then make no difference: a twin whose gradients are filled with garbage
 * before every step trains to the very same bits — for shared layers (two
 * calls adding into one gradient), regularizers (the update adds into the
 * gradients), convolutions and recurrent layers (gradients summed in loops).
 * And the gradients are still the right ones: the float64 interpreter (which
 * the runtime clears for) trains to the same weights within float32 rounding.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { generated, interpreted } from "./helpers/models.js";
import { BATCH, mul, num } from "../src/kernel/expr.js";
import type { Gemm } from "../src/kernel/gemm.js";
import { gemmModule, type ElemType } from "../src/phases/3-emit/wasm.js";

/** The part of the WebAssembly API used here (the tests' types include no DOM lib). */
const Wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
      Module: new (b: Uint8Array) => object;
      Instance: new (m: object, i: object) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

const MODELS: Record<string, { source: string; inputs: number[]; outputs: number }> = {
  mlp: {
    source: `model M(seed=4) {
  Dense(48, input_shape=(40,), activation='relu', kernel_regularizer=L2(0.01))
  Dense(24, activation='tanh')
  Dense(5, activation='softmax')
  compile(optimizer=SGD(learning_rate=0.1, momentum=0.5), loss='categorical_crossentropy')
}
`,
    inputs: [40],
    outputs: 5,
  },
  shared: {
    source: `model M(seed=3) {
  a = Input(shape=(40,))
  b = Input(shape=(40,))
  shared = Dense(48, activation='relu')
  ha = shared(a)
  hb = shared(b)
  h = Concatenate()([ha, hb])
  out = Dense(5, activation='softmax')(h)
  Model(inputs=[a, b], outputs=out)
  compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy')
}
`,
    inputs: [40, 40],
    outputs: 5,
  },
  conv: {
    source: `model M(seed=2) {
  Conv2D(8, (3, 3), input_shape=(10, 10, 2), activation='relu', bias_regularizer=L1(0.01))
  Flatten()
  Dense(4, activation='softmax')
  compile(optimizer=Adam(learning_rate=0.01), loss='categorical_crossentropy')
}
`,
    inputs: [200],
    outputs: 4,
  },
  lstm: {
    source: `model M(seed=5) {
  LSTM(16, input_shape=(5, 8))
  Dense(40, activation='relu')
  Dense(3, activation='softmax')
  compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy')
}
`,
    inputs: [40],
    outputs: 3,
  },
};

type Internals = {
  grads: Float64Array;
  meta: { gradients?: string };
  usesWasm: boolean;
  trainOnBatch(x: Float32Array | Float32Array[], y: Float32Array, n: number): number;
  getWeights(): { data: Float32Array }[];
};

describe("gradients cleared by the generated backward", () => {
  for (const [name, { source, inputs, outputs }] of Object.entries(MODELS)) {
    it(`${name}: garbage in the gradients before a step changes nothing, and training matches the interpreter`, async () => {
      const M = (await generated(source))["M"]!;
      const a = new M() as unknown as Internals;
      const b = new M() as unknown as Internals;
      const ref = new (interpreted(source)["M"]!)() as unknown as Internals;
      const n = 6;
      const batch = (step: number) => {
        const xs = inputs.map((size, k) => Float32Array.from({ length: n * size }, (_, i) => Math.sin(i * 0.37 + step + k)));
        const y = Float32Array.from({ length: n * outputs }, (_, i) => (Math.floor(i / outputs) % outputs === i % outputs ? 1 : 0));
        return { x: xs.length === 1 ? xs[0]! : xs, y };
      };
      for (let step = 0; step < 3; step++) {
        const { x, y } = batch(step);
        const la = a.trainOnBatch(x, y, n);
        b.grads.forEach((_, i) => (b.grads[i] = 1e20 * ((i % 7) - 3)));
        const lb = b.trainOnBatch(x, y, n);
        expect(Object.is(la, lb), `loss of step ${step}`).toBe(true);
        expect(Math.abs(la - ref.trainOnBatch(x, y, n))).toBeLessThan(1e-5 * (1 + Math.abs(la)));
        const wa = a.getWeights();
        const wb = b.getWeights();
        wa.forEach((w, k) => expect([...wb[k]!.data], `weight ${k} after step ${step}`).toEqual([...w.data]));
      }
      const wr = ref.getWeights();
      a.getWeights().forEach((w, k) => w.data.forEach((v, i) => expect(Math.abs(v - wr[k]!.data[i]!), `weight ${k}[${i}]`).toBeLessThan(1e-4)));
      expect(a.usesWasm).toBe(true);
      expect(a.meta.gradients).toBe("backward");
    });
  }

  it("an overwriting kernel-gradient product equals accumulating into a zeroed C, in chunks of a long reduction too, whatever C held", () => {
    for (const [precision, k, batch] of [
      ["f32", 7, 3],
      ["f32", 100, 5], // 500 reduction steps: chunked
      ["f64", 100, 5],
    ] as const) {
      const [m, n] = [9, 13];
      const K = k * batch;
      const spec: Gemm = {
        label: "kernel_grad",
        m: num(m),
        n: num(n),
        k: mul(BATCH, num(k)),
        a: { buf: "A", offset: 0, rows: 1, cols: m },
        b: { buf: "B", offset: 0, rows: n, cols: 1 },
        c: { buf: "C", offset: 0, rows: n, cols: 1 },
        accumulate: true,
      };
      const run = (overwrite: boolean, garbage: number) => {
        const bytes = gemmModule([{ name: "p", spec: { ...spec, overwrite }, types: { a: precision as ElemType, b: precision as ElemType, c: "f64" }, bases: { a: 0, b: 0, c: 3 }, precision }]);
        const memory = new Wasm.Memory({ initial: 4 });
        const kernel = new Wasm.Instance(new Wasm.Module(bytes), { env: { memory } }).exports["p"] as (...a: number[]) => void;
        const arr = (at: number, size: number) => (precision === "f64" ? new Float64Array(memory.buffer, at, size) : new Float32Array(memory.buffer, at, size));
        const A = arr(0, m * K);
        const B = arr(65536, n * K);
        const C = new Float64Array(memory.buffer, 131072, 3 + m * n);
        A.forEach((_, i) => (A[i] = Math.sin(i * 0.7)));
        B.forEach((_, i) => (B[i] = Math.cos(i * 0.3)));
        C.fill(garbage);
        kernel(batch, A.byteOffset, B.byteOffset, C.byteOffset);
        return [...C.subarray(3)];
      };
      const zeroed = run(false, 0);
      expect(run(true, Number.NaN), `${precision}, K = ${K}`).toEqual(zeroed);
      expect(run(true, 1e30)).toEqual(zeroed);
    }
  });

  it("a model without native kernels leaves clearing to the runtime", async () => {
    const code = (await compile(`model S {\n  Dense(4, input_shape=(3,), activation='relu')\n  Dense(1)\n  compile(optimizer='sgd', loss='mse')\n}\n`)).code!;
    expect(code).not.toContain('gradients: "backward"');
  });
});
