/**
 * Finite differences through functional graphs: every merge layer, fan-out
 * (a tensor read by several calls), a shared layer (one set of weights,
 * gradients summed over its calls) and broadcasting merges, in float64
 * with SGD(learning_rate=1) so one step reveals the analytic gradient. The
 * generated code is held to the interpreter here as well (same step).
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/runtime/random.js";
import { flat, generated, gradient, interpreted, maxRelError, numericGradient, prod, randomArray, randomTargets } from "./helpers/models.js";

const model = (body: string, inShape: string, loss = "mse") => `model G(seed=3, dtype=float64) {
  x = Input(shape=${inShape})
${body
  .trim()
  .split("\n")
  .map((l) => `  ${l.trim()}`)
  .join("\n")}
  compile(optimizer=SGD(learning_rate=1.0), loss='${loss}')
}`;

const CASES: [string, string, string, number[], number[], string?][] = [
  ["Add of three with fan-out", "(5,)", "a = Dense(4, activation='tanh')(x)\nb = Dense(4)(x)\nc = Dense(4, activation='sigmoid')(a)\ns = Add()([a, b, c])\ny = Dense(2)(s)", [5], [2]],
  ["Subtract", "(5,)", "a = Dense(4, activation='tanh')(x)\nb = Dense(4)(x)\ny = Subtract()([a, b])", [5], [4]],
  ["Multiply", "(5,)", "a = Dense(4, activation='tanh')(x)\nb = Dense(4)(x)\nm = Multiply()([a, b, a])\ny = Dense(3)(m)", [5], [3]],
  ["Average", "(5,)", "a = Dense(4, activation='tanh')(x)\nb = Dense(4)(x)\nm = Average()([a, b])\ny = Dense(3, activation='softmax')(m)", [5], [3], "categorical_crossentropy"],
  ["Maximum", "(5,)", "a = Dense(4)(x)\nb = Dense(4)(x)\nc = Dense(4)(x)\nm = Maximum()([a, b, c])\ny = Dense(2)(m)", [5], [2]],
  ["Minimum", "(5,)", "a = Dense(4)(x)\nb = Dense(4)(x)\nm = Minimum()([a, b])\ny = Dense(2)(m)", [5], [2]],
  ["Concatenate last axis", "(3, 2)", "a = Dense(4)(x)\nb = Dense(1, activation='tanh')(x)\nc = Concatenate()([a, b, x])\nf = Flatten()(c)\ny = Dense(2)(f)", [3, 2], [2]],
  ["Concatenate axis=1", "(3, 2)", "a = Dense(2)(x)\nc = Concatenate(axis=1)([x, a])\nf = Flatten()(c)\ny = Dense(2)(f)", [3, 2], [2]],
  ["Dot of vectors", "(5,)", "a = Dense(4, activation='tanh')(x)\nb = Dense(4)(x)\nd = Dot(axes=1)([a, b])\nc = Concatenate()([a, d])\ny = Dense(2)(c)", [5], [2]],
  ["Dot normalized", "(5,)", "a = Dense(4, activation='tanh')(x)\nb = Dense(4)(x)\nd = Dot(axes=1, normalize=True)([a, b])\nc = Concatenate()([b, d])\ny = Dense(2)(c)", [5], [2]],
  ["Dot of matrices", "(3, 2)", "a = Dense(4)(x)\nb = Dense(4, activation='tanh')(x)\nd = Dot(axes=(2, 2))([a, b])\nf = Flatten()(d)\ny = Dense(2)(f)", [3, 2], [2]],
  ["Dot normalized, mixed ranks", "(3, 2)", "a = Dense(4)(x)\nv = Flatten()(x)\nb = Dense(4)(v)\nd = Dot(axes=(2, 1), normalize=True)([a, b])\ny = Dense(2)(d)", [3, 2], [2]],
  ["shared layer", "(4,)", "shared = Dense(4, activation='tanh')\na = shared(x)\nb = shared(a)\nc = Dense(4)(x)\nd = shared(c)\ns = Add()([a, b, d])\ny = Dense(2)(s)", [4], [2]],
  ["broadcast Multiply and Add", "(3, 4)", "h = Dense(4, activation='tanh')(x)\ng = Dense(1)(h)\ns = Multiply()([h, g])\nt = Add()([s, h, x])\nf = Flatten()(t)\ny = Dense(2)(f)", [3, 4], [2]],
  ["residual conv", "(4, 4, 2)", "c = Conv2D(2, 3, padding='same', activation='tanh')(x)\ns = Add()([x, c])\nf = Flatten()(s)\ny = Dense(2)(f)", [4, 4, 2], [2]],
];

describe("gradients through functional graphs match central finite differences", () => {
  it.each(CASES)("%s", async (_name, inShape, body, inDims, outDims, loss = "mse") => {
    const source = model(body, inShape, loss);
    const cls = interpreted(source)["G"]!;
    const rng = new Rng(11);
    const batch = 3;
    const x = randomArray(rng, batch * prod(inDims), 1.2);
    const y = randomTargets(rng, loss, batch, outDims);
    const theta = flat(new cls({ seed: 3 }).getWeights());
    const { grad, after } = gradient(cls, 3, theta, x, y, batch);
    const numeric = numericGradient(cls, 3, theta, x, y, batch);
    const [err, at] = maxRelError(grad, numeric, 1e-3);
    expect(err, `${source}\ncomponent ${at}: analytic ${grad[at]} numeric ${numeric[at]}`).toBeLessThan(1e-4);
    // the generated code takes the same step
    const gen = (await generated(source))["G"]!;
    const step = gradient(gen, 3, theta, x, y, batch);
    const [gerr] = maxRelError(step.after, after, 1);
    expect(gerr).toBeLessThan(1e-9);
  });
});
