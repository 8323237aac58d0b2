/**
 * Generated classes link only the runtime pieces their spec decides
 * (emit/links.ts → runtime/model.ts `Links`): the initializers their weights
 * use, the optimizer, schedule and metrics they compile, and the WebAssembly
 * loader and threads module only with native kernels. Checked two ways: the
 * module imports exactly those, and the generated model computes what the
 * interpreted one (which links everything) computes — same initial weights,
 * same losses, same learning rates along a schedule. Every class saves and
 * loads every weights dtype (the codecs are a few hundred bytes).
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { generated, interpreted, randomArray, type ModelClass } from "./helpers/models.js";
import { Rng } from "../src/runtime/random.js";
import { readWeights, writeWeights } from "../src/runtime/weights.js";

const SGD = `model Plain {
  Input(shape=(3,))
  Dense(4, activation='relu')
  Dense(2)
  compile(optimizer=SGD(learning_rate=0.1), loss='mse')
}`;

const SCHEDULED = `model Scheduled {
  Input(shape=(5, 3))
  LSTM(4)
  Dense(2, kernel_initializer='he_normal', bias_initializer=RandomUniform(-0.1, 0.1))
  compile(optimizer=Adam(learning_rate=CosineDecay(0.001, decay_steps=3, warmup_target=0.02, warmup_steps=2)), loss='mse', metrics=['mae'])
}`;

const RMS = `model Rms {
  Input(shape=(3,))
  Dense(2, kernel_initializer=Orthogonal(gain=2.0), bias_initializer=Constant(0.5))
  compile(optimizer=RMSprop(learning_rate=ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5), momentum=0.9), loss='mse')
}`;

const imports = (code: string) => /import \{([^}]*)\} from "layerc\/runtime"/.exec(code)![1]!.split(",").map((s) => s.trim()).filter((s) => s !== "");

describe("generated classes link only what their spec decides", () => {
  it("SGD with glorot/zeros links sgdRule and those initializers, no schedule, loader or threads", async () => {
    const { code } = await compile(SGD, { fileName: "plain.nn" });
    const names = imports(code!);
    expect(names).toContain("sgdRule");
    expect(names).toContain("varianceScalingInit");
    expect(names).toContain("constantInit");
    for (const absent of ["adamRule", "rmspropRule", "orthogonalInit", "nativeLoader", "instantiateThreaded"]) expect(names).not.toContain(absent);
    expect(code).toContain("protected static override readonly optimizerKinds: OptimizerKinds = { sgd: sgdRule };");
    expect(code).not.toContain("scheduleKinds");
  });

  it("an LSTM with a schedule links its nested initializers and the schedule", async () => {
    const { code } = await compile(SCHEDULED, { fileName: "scheduled.nn" });
    const names = imports(code!);
    for (const present of ["adamRule", "cosineDecay", "orthogonalInit", "unitForgetBiasInit", "randomUniformInit", "varianceScalingInit", "constantInit", "meanAbsoluteError"]) {
      expect(names).toContain(present);
    }
    expect(names).not.toContain("exponentialDecay");
    expect(code).toContain("protected static override readonly scheduleKinds: ScheduleKinds = { cosine_decay: cosineDecay };");
  });

  for (const [label, source, inShape] of [
    ["SGD", SGD, 3],
    ["Adam + CosineDecay + LSTM", SCHEDULED, 15],
    ["RMSprop + ExponentialDecay + Orthogonal", RMS, 3],
  ] as const) {
    it(`${label}: the generated model trains as the interpreted one`, async () => {
      const name = /model (\w+)/.exec(source)![1]!;
      const G = (await generated(source))[name]!;
      const I = interpreted(source)[name]!;
      const g = new G({ seed: 5 });
      const i = new I({ seed: 5 });
      expect(g.getWeights().map((w) => Array.from(w.data))).toEqual(i.getWeights().map((w) => Array.from(w.data)));
      const rng = new Rng(3);
      for (let step = 0; step < 4; step++) {
        expect(g.learningRate).toBeCloseTo(i.learningRate, 12);
        const x = randomArray(rng, 4 * inShape);
        const y = randomArray(rng, 4 * 2);
        expect(g.trainOnBatch(x, y, 4)).toBeCloseTo(i.trainOnBatch(x, y, 4), 4);
      }
      expect(g.optimizerIterations).toBe(4);
    });
  }
});

describe("every model class saves and loads every weights dtype", () => {
  const X = Float32Array.from([0.5, -1, 2, 0.1, 0.2, -0.3, 0.7, 0.9, -2]);

  for (const dtype of ["float32", "float16", "int8"] as const) {
    it(`a generated class round-trips ${dtype} files through saveWeights / loadWeights / Model.loadWeights`, async () => {
      const G = (await generated(SGD))["Plain"]!;
      const model = new G({ seed: 1 });
      const copy = new G({ seed: 2 });
      const before = Array.from(copy.predictBatch(X, 3));
      const bytes = model.saveWeights({ dtype });
      expect(readWeights(bytes).dtype).toBe(dtype);
      copy.loadWeights(bytes);
      const loaded = Array.from(copy.predictBatch(X, 3));
      expect(loaded).not.toEqual(before);
      // the same file through writeWeights / readWeights gives the same weights
      const other = new G({ seed: 3 });
      other.setWeights(readWeights(writeWeights(model.getWeights(), { dtype })));
      expect(Array.from(other.predictBatch(X, 3))).toEqual(loaded);
      const fresh = (G as unknown as { loadWeights(bytes: Uint8Array): InstanceType<ModelClass> }).loadWeights(bytes);
      expect(Array.from(fresh.predictBatch(X, 3))).toEqual(loaded);
      if (dtype === "float32") expect(loaded).toEqual(Array.from(model.predictBatch(X, 3)));
    });
  }

  it("the interpreter's classes do the same", () => {
    const I = interpreted(SGD)["Plain"]!;
    expect(readWeights(new I({ seed: 1 }).saveWeights({ dtype: "int8" })).dtype).toBe("int8");
  });

  it("an unknown dtype is refused before anything is written", async () => {
    const G = (await generated(SGD))["Plain"]!;
    expect(() => new G({ seed: 1 }).saveWeights({ dtype: "bfloat16" as never })).toThrow(/dtype must be float32, float16 or int8/);
  });
});
