/**
 * Convolutions and pooling in float32 models with native kernels run every
 * part of their forward and both gradients natively (read from the plan
 * and the generated code: test/helpers/native-coverage.ts), at the sizes
 * Keras users write: no native-capable statement left as loops and no
 * TypeScript work of their own. The known exceptions are named: an
 * activation WebAssembly has no instruction for (tanh: its loop stays
 * TypeScript), and convolutions below the im2col threshold (seed-sized,
 * kept on the unrolled TypeScript path). So do the elementwise layers that
 * sit between them (Dropout, a ReLU layer), agreeing with their fallback.
 */
import { describe, expect, it } from "vitest";
import { COVERAGE_CASES, nativeCoverage, underTest } from "./helpers/native-coverage.js";
import { flat, generated, maxRelError, randomArray } from "./helpers/models.js";
import { Rng } from "../src/runtime/random.js";

const CONVOLUTION_AND_POOLING = /^(Conv|Depthwise|Separable|MaxPooling|AveragePooling|Global)/;
/** Cases that keep TypeScript work, and why. */
const EXCEPTIONS: Record<string, string> = {
  "Conv2D tanh": "tanh has no WebAssembly instruction: the activation's loop and its gradient stay TypeScript",
  "Conv1D small same (16 steps, 4 filters)": "below the im2col threshold: fused TypeScript loops, unrolled",
};

describe("native coverage of convolutions and pooling (float32)", () => {
  const cases = Object.entries(COVERAGE_CASES).filter(([name]) => CONVOLUTION_AND_POOLING.test(name));
  it("lists the configurations it checks", () => expect(cases.length).toBeGreaterThan(25));
  it.each(cases)("%s", async (name, source) => {
    // the convolution or pooling calls (not the Embedding or Masking that makes a mask)
    const rows = underTest(source, await nativeCoverage(source)).filter((r) => /Conv|Pooling/.test(r.kind));
    expect(rows.length).toBeGreaterThan(0);
    const ts = rows.flatMap((r) => [r.forward, r.train, r.backward].filter((p) => p.ts || p.loops.length > 0).map(() => r.label));
    if (name in EXCEPTIONS) expect(ts.length, EXCEPTIONS[name]).toBeGreaterThan(0);
    else expect(ts, `${name}: TypeScript work left`).toEqual([]);
    // every phase that does work calls native kernels (BatchNormalization folded away at inference does none)
    for (const r of rows) for (const p of [r.forward, r.train, r.backward]) if (!(name in EXCEPTIONS)) expect(p.native.length, `${r.label}`).toBeGreaterThan(0);
  });

  it("the elementwise layers between them (Dropout, a ReLU layer) run natively too, and agree with their fallback", async () => {
    const source = `model D(seed=3) {
  Input(shape=(12, 12, 4))
  Conv2D(16, 3, padding='same')
  ReLU()
  MaxPooling2D(2)
  Flatten()
  Dropout(0.4)
  Dense(5)
  compile(optimizer=SGD(learning_rate=0.05), loss='mse')
}
`;
    const rows = await nativeCoverage(source);
    for (const kind of ["ReLU", "Dropout"]) {
      const r = rows.find((l) => l.kind === kind)!;
      for (const p of [r.train, r.backward]) expect({ kind, loops: p.loops, ts: p.ts, native: p.native.length > 0 }).toEqual({ kind, loops: [], ts: false, native: true });
    }
    const G = (await generated(source))["D"]!;
    const [native, loops] = [new G(), new G({ wasm: false })];
    const rng = new Rng(9);
    const x = randomArray(rng, 8 * 12 * 12 * 4, 1);
    const y = randomArray(rng, 8 * 5, 1);
    // the same dropout draws on both paths (same seed), so the same steps within float32 rounding
    const losses = [native, loops].map((m) => [0, 1].map(() => m.trainOnBatch(x, y, 8)));
    expect(maxRelError(Float32Array.from(losses[0]!), Float32Array.from(losses[1]!))[0]).toBeLessThan(1e-5);
    expect(maxRelError(flat(native.getWeights()), flat(loops.getWeights()))[0]).toBeLessThan(1e-5);
  });
});
