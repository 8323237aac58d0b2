/**
 * Convolutions and pooling in float32 models with native kernels run every
 * part of their forward and both gradients natively (read from the plan
 * and the generated code: test/helpers/native-coverage.ts), at the sizes
 * Keras users write: no native-capable statement left as loops and no
 * TypeScript work of their own. The known exceptions are named: an
 * activation WebAssembly has no instruction for (tanh: its loop stays
 * TypeScript), and convolutions below the im2col threshold (seed-sized,
 * kept on the unrolled TypeScript path).
 */
import { describe, expect, it } from "vitest";
import { COVERAGE_CASES, nativeCoverage, underTest } from "./helpers/native-coverage.js";

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
});
