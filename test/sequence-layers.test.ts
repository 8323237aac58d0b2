/**
 * Embedding, GlobalAveragePooling1D/GlobalMaxPooling1D, RepeatVector and
 * Permute: gradients against finite differences (interpreter and generated
 * code in every unroll style), hand-computed forwards, and Embedding's
 * token-id validation (a bad id names sample and position and changes no
 * state).
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

const backends: [string, (s: string) => Promise<ModelClass>][] = [
  ["interpreter", async (s) => interpreted(s)["M"]!],
  ["generated/auto", async (s) => (await generated(s))["M"]!],
  ["generated/loops", async (s) => (await generated(s, "loops"))["M"]!],
];

function ids(rng: Rng, n: number, vocab: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.int(vocab));
}

describe("sequence layer gradients match finite differences", () => {
  const cases: [string, string, string[], "ids" | "float"][] = [
    ["Embedding (repeated ids add up)", "(6,)", ["Embedding(4, 3)", "Flatten()", "Dense(2)"], "ids"],
    ["Embedding → GlobalAveragePooling1D", "(5,)", ["Embedding(7, 4)", "GlobalAveragePooling1D()", "Dense(1)"], "ids"],
    ["GlobalAveragePooling1D", "(5, 3)", ["Dense(4, activation=tanh)", "GlobalAveragePooling1D()", "Dense(2)"], "float"],
    ["GlobalMaxPooling1D keepdims", "(5, 3)", ["Dense(4, activation=tanh)", "GlobalMaxPooling1D(keepdims=True)", "Flatten()", "Dense(2)"], "float"],
    ["RepeatVector → Permute", "(3,)", ["Dense(2, activation=tanh)", "RepeatVector(4)", "Permute((2, 1))", "Dense(3)", "Flatten()", "Dense(1)"], "float"],
    ["Permute rank 3", "(2, 3, 4)", ["Dense(2, activation=tanh)", "Permute((3, 1, 2))", "Flatten()", "Dense(1)"], "float"],
    ["TimeDistributed(Dense)", "(3, 2)", ["Dense(3, activation=tanh)", "TimeDistributed(Dense(2, activation=tanh))", "Flatten()", "Dense(1)"], "float"],
    ["TimeDistributed(Conv1D) over steps of sequences", "(2, 5, 2)", ["TimeDistributed(Conv1D(2, 3, activation=relu))", "Flatten()", "Dense(1)"], "float"],
  ];
  cases.forEach(([title, input, layers, kind], k) => {
    it(title, async () => {
      const src = model(input, layers);
      const ir = check(src).models[0]!;
      const rng = new Rng(300 + k);
      const batch = 3;
      const x = kind === "ids" ? ids(rng, batch * prod(ir.inputShape), 3) : randomArray(rng, batch * prod(ir.inputShape), 1.5);
      const y = randomTargets(rng, "mse", batch, ir.outputShape);
      for (const [name, load] of backends) await gradcheckWith(await load(src), `${title} (${name})`, x, y, batch);
    });
  });
});

describe("sequence layer forwards", () => {
  it("Embedding looks rows up; RepeatVector and Permute move values as Keras does", async () => {
    const src = `model E {\n  Input(shape=(3,))\n  Embedding(3, 2)\n  Permute((2, 1))\n}\nmodel R {\n  Input(shape=(2,))\n  RepeatVector(3)\n}`;
    for (const load of [async () => interpreted(src), async () => generated(src)]) {
      const { E, R } = await load();
      const e = new E!({ weights: [{ shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }] });
      // ids (2, 0, 2) → rows (5,6), (1,2), (5,6) → permuted to (2, 3)
      expect(Array.from(e.predict([2, 0, 2]))).toEqual([5, 1, 5, 6, 2, 6]);
      expect(Array.from(new R!().predict([7, -1]))).toEqual([7, -1, 7, -1, 7, -1]);
    }
  });

  it("GlobalMaxPooling1D and GlobalAveragePooling1D reduce over steps", async () => {
    const src = `model A {\n  Input(shape=(3, 2))\n  GlobalAveragePooling1D()\n}\nmodel X {\n  Input(shape=(3, 2))\n  GlobalMaxPooling1D()\n}`;
    const { A, X } = await generated(src);
    expect(Array.from(new A!().predict([1, 2, 3, 4, 5, 9]))).toEqual([3, 5]);
    expect(Array.from(new X!().predict([1, 2, 7, 4, 5, 9]))).toEqual([7, 9]);
  });
});

describe("Embedding validates token ids at run time", () => {
  const src = `model T(seed=1) {\n  Input(shape=(4,))\n  Embedding(10, 3)\n  GlobalAveragePooling1D()\n  Dense(1)\n  compile(optimizer=Adam(), loss=mse)\n}`;
  for (const [name, load] of [
    ["interpreter", async () => interpreted(src)["T"]!],
    ["generated", async () => (await generated(src))["T"]!],
  ] as const) {
    it(`${name}: an id outside [0, input_dim) names sample and position and changes nothing`, async () => {
      const T = await load();
      const m = new T();
      const before = m.getWeights();
      const good = [1, 2, 3, 4, 5, 6, 7, 8];
      expect(() => m.predict([1, 2, 10, 0])).toThrow(/predict input: sample 0, position 2 is 10, but `embedding` \(Embedding, input_dim=10\) takes token ids that are integers in \[0, 10\)/);
      expect(() => m.predictBatch([1, 2, 3, 4, 5, 6, -1, 0], 2)).toThrow(/sample 1, position 2 is -1/);
      expect(() => m.predictBatch([1, 2, 3, 4, 5, 6, 1.5, 0], 2)).toThrow(/sample 1, position 2 is 1.5/);
      expect(() => (m as unknown as { trainOnBatch: (x: number[], y: number[], n: number) => number }).trainOnBatch([...good.slice(0, 7), 12], [0, 1], 2)).toThrow(
        /trainOnBatch input: sample 1, position 3 is 12/,
      );
      expect(() => (m as unknown as { fit: (x: number[], y: number[]) => unknown }).fit([...good, 99, 0, 0, 0], [0, 1, 2])).toThrow(/fit input: sample 2, position 0 is 99/);
      m.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(before[i]!.data)));
      // and good ids still train
      const loss = (m as unknown as { trainOnBatch: (x: number[], y: number[], n: number) => number }).trainOnBatch(good, [0, 1], 2);
      expect(Number.isFinite(loss)).toBe(true);
    });
  }
});
