import { it } from "vitest";
import { compile } from "../src/index.js";
import { Rng } from "../src/runtime/random.js";
import { flat, generated, gradient, interpreted, numericGradient, randomArray, randomTargets } from "./helpers/models.js";
it("prof", async () => {
  for (let i = 0; i < 4; i++) {
  const source = `model M(seed=3, dtype=float64) {
  Input(shape=(4, 3, 2))
  Dense(2, activation='tanh')
  Conv2D(2, 3, padding='same', activation='sigmoid', strides=${i + 1})
  compile(optimizer=SGD(learning_rate=1.0), loss='mse')
}`;
  let t = performance.now();
  await compile(source);
  console.log("compile", performance.now() - t); t = performance.now();
  const I = interpreted(source)["M"]!;
  const L = (await generated(source))["M"]!;
  console.log("gen auto", performance.now() - t); t = performance.now();
  const rng = new Rng(1);
  const x = randomArray(rng, 2 * 24);
  const y = randomTargets(rng, "mse", 2, L.outputShape);
  for (const [n, c] of [["I", I], ["L", L]] as const) {
    t = performance.now();
    const theta = flat(new c({ seed: 3 }).getWeights());
    gradient(c, 3, theta, x, y, 2);
    numericGradient(c, 3, theta, x, y, 2);
    console.log(n, theta.length, performance.now() - t);
  }
  }
});
