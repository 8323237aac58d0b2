/**
 * F1Score / FBetaScore with Keras's default average=None: one value per
 * class in fit's logs and History (an array per epoch) and in evaluate,
 * the mean in the progress bar, against real Keras 3 (test/keras/per-class.json
 * from test/keras/gen_per_class.py) beside micro/macro/weighted and
 * thresholds, in the interpreter and in generated code. Callbacks that
 * monitor such a metric are refused before training (Keras fails on them
 * after the first epoch). And the types: a generated model's logs are exact
 * (`f1_score: number[]`, `accuracy: number`), so `logs.accuracy.toFixed(3)`
 * still compiles and `logs.f1_score.toFixed(3)` does not.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, formatDiagnostics } from "../../src/index.js";
import { EarlyStopping, ReduceLROnPlateau, type ProgressSink } from "../../src/runtime/index.js";
import { generated, interpreted, type ModelClass } from "../helpers/models.js";
import { fixtureModel, near } from "../helpers/keras-fixture.js";
import { typecheckFiles } from "../helpers/typecheck.js";

type Value = number | number[];
interface Case {
  readonly loss: string;
  readonly units: number;
  readonly activation: string;
  readonly metrics: string;
  readonly y: number[][];
  readonly yv: number[][];
  readonly weights: number[][];
  readonly evaluate: Record<string, Value>;
  readonly epoch: number[];
  readonly history: Record<string, Value[]>;
  readonly evaluateAfter: Record<string, Value>;
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "..", "keras", "per-class.json"), "utf8")) as {
  x: number[][];
  xv: number[][];
  cases: Case[];
  monitorError: Record<string, string | null>;
};

const source = fixture.cases
  .map((c, k) => fixtureModel(`P${k}`, c.units, c.activation, `compile(optimizer=SGD(learning_rate=0.5), loss='${c.loss}', metrics=${c.metrics})`))
  .join("\n");
const flat = (rows: readonly number[][]) => Float32Array.from(rows.flat());
const asList = (v: Value) => (typeof v === "number" ? [v] : v);

function expectLogs(actual: Record<string, unknown>, expected: Record<string, Value>, what: string): void {
  expect(Object.keys(actual).sort(), what).toEqual(Object.keys(expected).sort());
  for (const [k, v] of Object.entries(expected)) {
    const a = actual[k];
    // per-class values are arrays in layerc exactly where Keras's are
    expect(Array.isArray(a), `${what} ${k} is an array`).toBe(Array.isArray(v));
    near(asList(a as Value), asList(v), `${what} ${k}`);
  }
}

for (const backend of ["interpreter", "generated"] as const) {
  describe(`per-class metrics against Keras 3 (${backend})`, async () => {
    const classes = backend === "interpreter" ? interpreted(source) : await generated(source);
    fixture.cases.forEach((c, k) => {
      it(`${c.metrics}: evaluate, fit history (validation), evaluate after`, () => {
        const M = classes[`P${k}`] as ModelClass;
        const m = new M({ weights: c.weights.map((data) => ({ data })) });
        const x = flat(fixture.x);
        const y = flat(c.y);
        expectLogs(m.evaluate(x, y, { batchSize: 5 }), c.evaluate, "evaluate before");
        const h = m.fit(x, y, { batchSize: 5, epochs: 3, shuffle: false, validationData: [flat(fixture.xv), flat(c.yv)] });
        expect(h.epoch).toEqual(c.epoch);
        expect(Object.keys(h.history).sort()).toEqual(Object.keys(c.history).sort());
        for (const [key, values] of Object.entries(c.history)) {
          const got = h.history[key] as unknown as Value[];
          values.forEach((v, e) => {
            expect(Array.isArray(got[e]), `${key} epoch ${e} is an array`).toBe(Array.isArray(v));
            near(asList(got[e]!), asList(v), `history ${key} epoch ${e}`);
          });
        }
        expectLogs(m.evaluate(x, y, { batchSize: 5 }), c.evaluateAfter, "evaluate after");
      });
    });
  });
}

describe("per-class metrics in fit's output and callbacks", () => {
  const c = fixture.cases[0]!;
  const M = interpreted(source)["P0"] as ModelClass;
  const x = flat(fixture.x);
  const y = flat(c.y);

  it("the progress bar prints a per-class metric's mean, as Keras's does", () => {
    const m = new M({ weights: c.weights.map((data) => ({ data })) });
    let text = "";
    const sink: ProgressSink = { tty: false, write: (s) => void (text += s) };
    const h = m.fit(x, y, { batchSize: 5, epochs: 1, shuffle: false, verbose: 2, progress: sink });
    const f1 = h.history["f1_score"]![0] as unknown as number[];
    const mean = f1.reduce((a, b) => a + b, 0) / f1.length;
    expect(text).toContain(` - f1_score: ${mean.toFixed(4)}`);
    expect(text).not.toContain(",");
  });

  it("onBatchEnd and onEpochEnd get the per-class array", () => {
    const m = new M({ weights: c.weights.map((data) => ({ data })) });
    const seen: unknown[] = [];
    m.fit(x, y, { batchSize: 8, epochs: 1, onBatchEnd: (_b, logs) => seen.push(logs["f1_score"]), onEpochEnd: (_e, logs) => seen.push(logs["f1_score"]) });
    expect(seen).toHaveLength(3);
    for (const v of seen) expect(Array.isArray(v) && v.length === 4).toBe(true);
  });

  for (const [name, make] of [
    ["EarlyStopping", () => new EarlyStopping({ monitor: "f1_score", mode: "max" })],
    ["ReduceLROnPlateau", () => new ReduceLROnPlateau({ monitor: "val_fbeta_score" })],
  ] as const) {
    it(`${name} monitoring a per-class metric is refused before training, weights unchanged (Keras fails after an epoch)`, () => {
      // what Keras 3 does with it, recorded by the generator
      expect(fixture.monitorError[name]).toMatch(/truth value of an array/);
      const m = new M({ weights: c.weights.map((data) => ({ data })) });
      const before = m.getWeights();
      expect(() => m.fit(x, y, { epochs: 2, validationSplit: 0.25, callbacks: [make()] })).toThrow(/cannot monitor (val_)?f\w+: it logs one value per class/);
      expect(m.getWeights()).toEqual(before);
    });
  }
});

describe("per-model log types", () => {
  const TMP = join(import.meta.dirname, "..", ".tmp", "per-class-types");

  async function check(user: string): Promise<string[]> {
    mkdirSync(TMP, { recursive: true });
    const spec = `model Cls(seed=1) {
  Dense(8, input_shape=(4,), activation='relu')
  Dense(3, activation='softmax')
  compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy', F1Score(), FBetaScore(beta=2.0, average='macro')])
}
model Two {
  a = Input(shape=(4,), name='a')
  h = Dense(8, activation='relu')(a)
  p = Dense(3, activation='softmax', name='p')(h)
  q = Dense(1, name='q')(h)
  Model(inputs=a, outputs=[p, q])
  compile(optimizer='sgd', loss=['categorical_crossentropy', 'mse'], metrics=[[F1Score()], ['mae']])
}
model Plain {
  Dense(2, input_shape=(4,), activation='softmax')
  compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['accuracy'])
}`;
    const r = await compile(spec, { fileName: "cls.nn" });
    if (r.code === undefined) throw new Error(formatDiagnostics(r.diagnostics, spec));
    writeFileSync(join(TMP, "cls.nn.ts"), r.code);
    writeFileSync(join(TMP, "user.ts"), user);
    return typecheckFiles([join(TMP, "user.ts")]);
  }

  const header = `import { Cls, Two, Plain, type ClsLogs } from "./cls.nn.js";
import { EarlyStopping, type TrainableModel } from "layerc/runtime";
const m = new Cls();
const x = new Float32Array(8);
const y = new Float32Array(6);
`;

  it("logs.accuracy is a number, logs.f1_score a number[], in callbacks, history and evaluate", async () => {
    const errors = await check(`${header}
const h = m.fit(x, y, {
  callbacks: [new EarlyStopping({ monitor: "loss" })],
  onEpochEnd: (_epoch, logs) => {
    const a: string = logs.accuracy.toFixed(3);
    const f: number[] = logs.f1_score;
    const b: number = logs.fbeta_score;
    const v: number[] | undefined = logs.val_f1_score;
    void [a, f, b, v];
  },
  onBatchEnd: (_batch, logs: ClsLogs) => void logs.loss.toFixed(3),
});
const perEpoch: number[][] | undefined = h.history.f1_score;
const losses: number[] = h.history.loss;
const e = m.evaluate(x, y);
const classes: number[] = e.f1_score;
const t = new Two();
const two = t.evaluate(x, [y, new Float32Array(2)]);
const p: number[] = two.p_f1_score;
const q: number = two.q_mae + two.p_loss + two.q_loss;
// a model whose metrics are all numbers still fits the plain TrainableModel type
const plain: TrainableModel = new Plain();
void [perEpoch, losses, classes, p, q, plain];
`);
    expect(errors).toEqual([]);
  });

  it("logs.f1_score.toFixed is a type error, and so is an unknown name", async () => {
    const errors = await check(`import { Cls } from "./cls.nn.js";
const m = new Cls();
const x = new Float32Array(8);
const y = new Float32Array(6);
m.fit(x, y, { onEpochEnd: (_epoch, logs) => void logs.f1_score.toFixed(3) });
void m.evaluate(x, y).f1;
`);
    expect(errors.join("\n")).toMatch(/toFixed.*does not exist on type 'number\[\]'/);
    expect(errors.join("\n")).toMatch(/Property 'f1' does not exist on type 'ClsLogs'/);
    expect(errors).toHaveLength(2);
  });
});
