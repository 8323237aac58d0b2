/**
 * Recurrent layers (SimpleRNN, LSTM, GRU) against central finite
 * differences, on the interpreter and on generated code in every unroll
 * style: last output and whole sequences, go_backwards, other activations,
 * no bias, and dropout / recurrent_dropout in training (one seed, one mask
 * per evaluation).
 */
import { describe, expect, it } from "vitest";
import { check } from "../src/index.js";
import { Rng } from "../src/runtime/random.js";
import { gradcheckWith } from "./helpers/gradcheck-with.js";
import { generated, interpreted, prod, randomArray, randomTargets, type ModelClass } from "./helpers/models.js";

const model = (input: string, layers: string[]) => `model M(seed=5, dtype=float64) {
  Input(shape=${input})
  ${layers.join("\n  ")}
  compile(optimizer=SGD(learning_rate=1.0), loss=mse)
}`;

type Load = [string, (s: string) => Promise<ModelClass>];
const INTERPRETER: Load = ["interpreter", async (s) => interpreted(s)["M"]!];
const AUTO: Load = ["generated/auto", async (s) => (await generated(s))["M"]!];
const LOOPS: Load = ["generated/loops", async (s) => (await generated(s, "loops"))["M"]!];

// each case runs on the interpreter and generated/auto; the `true` ones also with forced loops
const cases: [string, string, string[], boolean?][] = [
  ["SimpleRNN last output", "(4, 3)", ["SimpleRNN(3)", "Dense(1)"]],
  ["SimpleRNN sequences, backwards, relu, first layer", "(4, 2)", ["SimpleRNN(3, activation=relu, return_sequences=True, go_backwards=True)", "Flatten()", "Dense(2)"]],
  ["LSTM last output", "(4, 3)", ["Dense(3, activation=tanh)", "LSTM(3)", "Dense(1)"], true],
  ["LSTM sequences, backwards, no bias", "(3, 2)", ["Dense(2, activation=tanh)", "LSTM(2, return_sequences=True, go_backwards=True, use_bias=False)", "Flatten()", "Dense(1)"]],
  ["LSTM hard_sigmoid and relu", "(3, 2)", ["Dense(2)", "LSTM(3, activation=relu, recurrent_activation=hard_sigmoid)", "Dense(1)"]],
  ["LSTM dropout (one input mask)", "(3, 3)", ["Dense(3, activation=tanh)", "LSTM(3, dropout=0.3, return_sequences=True)", "Flatten()", "Dense(1)"]],
  ["LSTM dropout and recurrent_dropout (a mask per gate)", "(3, 3)", ["Dense(3, activation=tanh)", "LSTM(3, dropout=0.3, recurrent_dropout=0.4)", "Dense(1)"], true],
  ["GRU last output", "(4, 3)", ["Dense(3, activation=tanh)", "GRU(3)", "Dense(1)"]],
  ["GRU sequences, backwards", "(3, 2)", ["Dense(2, activation=tanh)", "GRU(2, return_sequences=True, go_backwards=True)", "Flatten()", "Dense(1)"], true],
  ["GRU recurrent_dropout, no bias", "(3, 2)", ["Dense(2, activation=tanh)", "GRU(3, recurrent_dropout=0.4, use_bias=False)", "Dense(1)"]],
  ["stacked LSTM → GRU", "(3, 2)", ["LSTM(3, return_sequences=True)", "GRU(2)", "Dense(1)"]],
  ["Bidirectional LSTM concat, sequences", "(3, 2)", ["Dense(2, activation=tanh)", "Bidirectional(LSTM(2, return_sequences=True))", "Flatten()", "Dense(1)"]],
  ["Bidirectional GRU mul", "(3, 2)", ["Dense(2, activation=tanh)", "Bidirectional(GRU(2), merge_mode='mul')", "Dense(1)"]],
  ["Bidirectional SimpleRNN ave, sequences, first layer", "(3, 2)", ["Bidirectional(SimpleRNN(2, return_sequences=True), 'ave')", "Flatten()", "Dense(1)"]],
];

describe("recurrent gradients match finite differences", () => {
  cases.forEach(([title, input, layers, loops], k) => {
    it(title, async () => {
      const src = model(input, layers);
      const ir = check(src).models[0]!;
      const rng = new Rng(700 + k);
      const batch = 2;
      const x = randomArray(rng, batch * prod(ir.inputShape), 1.5);
      const y = randomTargets(rng, "mse", batch, ir.outputShape);
      for (const [name, load] of loops ? [INTERPRETER, AUTO, LOOPS] : [INTERPRETER, AUTO]) await gradcheckWith(await load(src), `${title} (${name})`, x, y, batch);
    });
  });
});

describe("recurrent initial weights follow Keras 3", () => {
  it("LSTM: glorot kernel, orthogonal recurrent kernel (orthonormal rows), unit_forget_bias; GRU's (2, 3u) zero bias", async () => {
    const src = `model R(seed=9) {\n  Input(shape=(5, 3))\n  LSTM(4, return_sequences=True)\n  GRU(2)\n}\nmodel N(seed=9) {\n  Input(shape=(5, 3))\n  LSTM(4, unit_forget_bias=False, bias_initializer='ones')\n}`;
    const { R, N } = interpreted(src);
    const [kernel, recurrent, bias, gk, gr, gb] = new R!().getWeights();
    expect(kernel!.shape).toEqual([3, 16]);
    expect(recurrent!.shape).toEqual([4, 16]);
    // rows of the (4, 16) recurrent kernel are orthonormal: U·Uᵀ = I
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let dot = 0;
        for (let k = 0; k < 16; k++) dot += recurrent!.data[i * 16 + k]! * recurrent!.data[j * 16 + k]!;
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
      }
    }
    expect(Array.from(bias!.data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([gk!.shape, gr!.shape, gb!.shape]).toEqual([[4, 6], [2, 6], [2, 6]]);
    expect(Array.from(gb!.data).every((v) => v === 0)).toBe(true);
    const limit = Math.sqrt(6 / (3 + 16));
    expect(Array.from(kernel!.data).every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(Array.from(new N!().getWeights()[2]!.data).every((v) => v === 1)).toBe(true);
  });
});
