/**
 * Property test over the sequence layers: for random recurrent stacks
 * (SimpleRNN / LSTM / GRU with random units, steps, features,
 * return_sequences, go_backwards, activations, bias, dropout and
 * recurrent_dropout), random Embedding front ends and the reshaping layers,
 * under every unroll style, generated code and the interpreter agree on
 * initial weights, predictions, one training step and a short fit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check } from "../src/index.js";
import { Rng } from "../src/runtime/random.js";
import { generated, interpreted, maxRelError, prod, randomArray, randomTargets } from "./helpers/models.js";

const recurrent = fc.record({
  kind: fc.constantFrom("SimpleRNN", "LSTM", "GRU"),
  units: fc.integer({ min: 1, max: 5 }),
  sequences: fc.boolean(),
  backwards: fc.boolean(),
  bias: fc.boolean(),
  activation: fc.constantFrom("tanh", "relu", "sigmoid", "linear"),
  recurrentActivation: fc.constantFrom("sigmoid", "hard_sigmoid", "tanh"),
  dropout: fc.constantFrom(0, 0, 0.25),
  recurrentDropout: fc.constantFrom(0, 0, 0.3),
});

const spec = fc.record({
  steps: fc.integer({ min: 1, max: 5 }),
  features: fc.integer({ min: 1, max: 4 }),
  embed: fc.option(fc.integer({ min: 2, max: 6 }), { nil: null }),
  layers: fc.array(recurrent, { minLength: 1, maxLength: 2 }),
  head: fc.constantFrom("Flatten()", "GlobalAveragePooling1D()", "GlobalMaxPooling1D()", "RepeatVector(2)"),
  unroll: fc.constantFrom("auto", "full", "loops"),
});

type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;

function source(s: Spec): string {
  const lines = [s.embed !== null ? `Input(shape=(${s.steps},))` : `Input(shape=(${s.steps}, ${s.features}))`];
  if (s.embed !== null) lines.push(`Embedding(${s.embed}, ${s.features})`);
  s.layers.forEach((l, i) => {
    // every recurrent layer but the last returns sequences, so the next one gets a sequence
    const sequences = i < s.layers.length - 1 || l.sequences;
    const args = [
      String(l.units),
      `activation='${l.activation}'`,
      ...(l.kind !== "SimpleRNN" ? [`recurrent_activation='${l.recurrentActivation}'`] : []),
      `use_bias=${l.bias ? "True" : "False"}`,
      `dropout=${l.dropout}`,
      `recurrent_dropout=${l.recurrentDropout}`,
      `return_sequences=${sequences ? "True" : "False"}`,
      `go_backwards=${l.backwards ? "True" : "False"}`,
    ];
    lines.push(`${l.kind}(${args.join(", ")})`);
  });
  const last = s.layers[s.layers.length - 1]!;
  if (last.sequences) lines.push(s.head === "RepeatVector(2)" ? "Flatten()" : s.head);
  else if (s.head === "RepeatVector(2)") lines.push("RepeatVector(2)", "Permute((2, 1))", "Flatten()");
  lines.push("Dense(2)", "compile(optimizer=Adam(learning_rate=0.05), loss='mse')");
  return `model L(seed=3, unroll=${s.unroll}) {\n  ${lines.join("\n  ")}\n}\n`;
}

describe("generated code agrees with the interpreter on the sequence layers", () => {
  it("random recurrent stacks: weights, predictions, a step and a short fit", async () => {
    await fc.assert(
      fc.asyncProperty(spec, fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (s, dataSeed) => {
        const src = source(s);
        const checked = check(src);
        expect(checked.diagnostics, src).toEqual([]);
        const ir = checked.models[0]!;
        const I = interpreted(src)["L"]!;
        const G = (await generated(src))["L"]!;
        const a = new I();
        const b = new G();
        a.getWeights().forEach((w, i) => expect(Array.from(b.getWeights()[i]!.data)).toEqual(Array.from(w.data)));
        const rng = new Rng(dataSeed);
        const n = 1 + rng.int(3);
        const xs = s.embed !== null ? Float32Array.from({ length: n * s.steps }, () => rng.int(s.embed!)) : randomArray(rng, n * prod(ir.inputShape), 2);
        expect(maxRelError(b.predictBatch(xs, n), a.predictBatch(xs, n))[0], src).toBeLessThan(1e-6);
        const ys = randomTargets(rng, "mse", n, ir.outputShape);
        const la = a.trainOnBatch(xs, ys, n);
        const lb = b.trainOnBatch(xs, ys, n);
        expect(Math.abs(la - lb) / Math.max(1, Math.abs(la)), src).toBeLessThan(1e-6);
        const after = a.getWeights();
        b.getWeights().forEach((w, i) => expect(maxRelError(w.data, after[i]!.data)[0], src).toBeLessThan(1e-5));
        const ha = a.fit(xs, ys, { epochs: 2, batchSize: 2 });
        const hb = b.fit(xs, ys, { epochs: 2, batchSize: 2 });
        expect(maxRelError(hb.history.loss, ha.history.loss)[0], src).toBeLessThan(1e-5);
      }),
      { numRuns: 10, seed: 1212 },
    );
  });
});
