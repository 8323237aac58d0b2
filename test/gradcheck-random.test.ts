/**
 * Finite differences on whole random models: random Dense stacks and random
 * spatial specs (every layer kind), in float64 with SGD(learning_rate=1) so
 * the analytic gradient can be read from one step. The interpreter is
 * checked here; generated code is held to the interpreter by the
 * backends-agree property tests.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { flat, gradient, interpreted, maxRelError, numericGradient, prod, randomArray, randomTargets } from "./helpers/models.js";
import { layerSpec } from "./helpers/layer-arbitrary.js";
import { denseSpec } from "./helpers/spec-arbitrary.js";

/** Rewrites a spec for gradient reading: float64, SGD(1.0), no dropout noise, no constant kernels. */
const forGradients = (source: string, name: string) =>
  source
    .replace(new RegExp(`model ${name}\\(seed=(\\d+)`), `model ${name}(seed=$1, dtype=float64`)
    .replace(/compile\(optimizer=(\w+\([^)]*\)|'[^']*'|\w+),/, "compile(optimizer=SGD(learning_rate=1.0),")
    .replace(/Dropout\([^)]*\)/g, "Dropout(0)")
    // constant kernels put every pre-activation exactly on an activation's kink, where
    // a central difference averages the two one-sided slopes: draw kernels at random
    .replace(/kernel_initializer=(zeros|ones|Constant\([^)]*\))/g, "kernel_initializer=glorot_uniform");

/** Weights that BatchNormalization updates by its momentum rule are not gradients. */
const nonTrainable = (cls: ReturnType<typeof interpreted>[string]) => {
  const m = new cls!({ seed: 1 });
  const mask: boolean[] = [];
  for (const w of m.getWeights()) for (let i = 0; i < w.data.length; i++) mask.push(w.name.includes("moving_"));
  return mask;
};

function compare(source: string, name: string, inShape: number[], outShape: number[], loss: string, dataSeed: number) {
  const cls = interpreted(source)[name]!;
  const rng = new Rng(dataSeed);
  const batch = 2;
  const x = randomArray(rng, batch * prod(inShape), 1.5);
  const y = randomTargets(rng, loss, batch, outShape);
  const theta = flat(new cls({ seed: 1 }).getWeights());
  const { grad } = gradient(cls, 1, theta, x, y, batch);
  const numeric = numericGradient(cls, 1, theta, x, y, batch);
  const skip = nonTrainable(cls);
  const a = Array.from(grad).filter((_, i) => !skip[i]);
  const b = Array.from(numeric).filter((_, i) => !skip[i]);
  const [err, at] = maxRelError(a, b, 1e-3);
  expect(err, `${source}\ncomponent ${at}: analytic ${a[at]} numeric ${b[at]}`).toBeLessThan(1e-4);
}

describe("whole random models: gradients match central finite differences", () => {
  it("random Dense stacks", () => {
    fc.assert(
      fc.property(denseSpec.filter((s) => s.loss !== null && s.loss !== "mae"), fc.nat(), (spec, seed) => {
        compare(forGradients(spec.source, "P"), "P", [spec.inputSize], spec.outputShape, spec.loss!, seed);
      }),
      { numRuns: 12, seed: 77 },
    );
    // about 45 s alone; the shared 2-core machine under a full parallel run can more than double that
  }, 180_000);

  it("random spatial specs over every layer kind", () => {
    fc.assert(
      fc.property(layerSpec, fc.nat(), (spec, seed) => {
        compare(forGradients(spec.source, "L"), "L", spec.inShape, spec.outShape, spec.loss, seed);
      }),
      { numRuns: 12, seed: 78 },
    );
  });
});
