/**
 * The optimizer's update as a native elementwise kernel (wasm-map.ts): in a
 * model with native kernels, a plain update rule over the parameters and
 * gradients runs as f64x2 WebAssembly and computes the TypeScript loop's
 * numbers bit for bit; rules reading optimizer state (momentum, Adam) or
 * per-tensor scalars (clipnorm) keep the loop.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { generated } from "./helpers/models.js";

type Internals = { params: Float32Array | Float64Array; grads: Float32Array | Float64Array; hyper: Float64Array; kernels: object | null; update(): void; usesWasm: boolean };

// 33·40 + 40 + 40·3 + 3 = 1483 parameters: an odd count, so the kernel's scalar last step runs too.
// Non-native rules are only checked for keeping the loop (their slots change on every update, so two updates differ).
const spec = (dtype: string, optimizer: string) => `model M(seed=4, dtype=${dtype}) {
  Dense(40, input_shape=(33,), activation='relu')
  Dense(3, activation='softmax')
  compile(optimizer=${optimizer}, loss='categorical_crossentropy')
}
`;

/** One update from the same parameters and gradients, natively and by the TypeScript loop: the parameters after each. */
function bothUpdates(m: Internals): { native: Float64Array; loops: Float64Array } {
  const p0 = m.params.slice();
  for (let i = 0; i < m.grads.length; i++) m.grads[i] = Math.sin(i * 1.7) * 0.3;
  m.hyper[0] = 0.0123;
  m.update();
  const native = Float64Array.from(m.params);
  m.params.set(p0);
  const kernels = m.kernels;
  m.kernels = null;
  m.update();
  m.kernels = kernels;
  return { native, loops: Float64Array.from(m.params) };
}

describe("native optimizer update", () => {
  for (const dtype of ["float32", "float64"]) {
    for (const [optimizer, native] of [
      ["SGD(learning_rate=0.1)", true],
      ["SGD(learning_rate=0.1, weight_decay=0.01)", true],
      ["SGD(learning_rate=0.1, momentum=0.9)", false],
      ["Adam(learning_rate=0.01)", false],
      ["SGD(learning_rate=0.1, clipnorm=1.0)", false],
    ] as const) {
      it(`${dtype} ${optimizer}: ${native ? "runs natively and equals the loop bit for bit" : "keeps its loop"}`, async () => {
        const source = spec(dtype, optimizer);
        const code = (await compile(source)).code!;
        expect(code.includes("k.optimizer_update0(")).toBe(native);
        const M = (await generated(source))["M"]!;
        const m = new M() as unknown as Internals;
        const x = Float32Array.from({ length: 4 * 33 }, (_, i) => Math.cos(i));
        const y = new Float32Array(12).map((_, i) => (i % 3 === i % 4 ? 1 : 0));
        (m as unknown as { trainOnBatch(x: Float32Array, y: Float32Array, n: number): number }).trainOnBatch(x, y, 4);
        expect(m.usesWasm).toBe(true);
        if (!native) return;
        const { native: a, loops: b } = bothUpdates(m);
        let differing = 0;
        for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differing++;
        expect(differing).toBe(0);
        // and the update did something
        expect(a.some((v, i) => v !== b[i] || v !== 0)).toBe(true);
      });
    }
  }

  it("a model without other native kernels keeps its TypeScript update", async () => {
    // 301 parameters, but products of 100 multiply-adds: below the native threshold
    const code = (await compile(`model S {\n  Dense(100, input_shape=(1,))\n  Dense(1)\n  compile(optimizer='sgd', loss='mse')\n}\n`)).code!;
    expect(code).not.toContain("optimizer_update");
    expect(code).not.toContain("NativeKernel");
  });
});
