/**
 * `exportModel`, checked on the far side:
 * - keras: the committed exports under test/keras/interop/exported/ are
 *   byte-identical to what the exporter writes now, and real Keras 3 opened
 *   them (make_fixtures.py --exports) and predicted what layerc predicts,
 *   to 1e-5 — for the `.keras` archive and for the Python script + weights;
 * - round trip: export → import gives back the same spec and weights;
 * - tfjs: tfjs-layers loads the model.json + shard and predicts the same.
 * `UPDATE_GOLDEN=1` rewrites the exports (then rerun the Python script).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { exportModel, type ExportTarget } from "../src/interop/export.js";
import { importModel } from "../src/interop/import.js";
import { readWeights } from "../src/runtime/index.js";
import { interpreted, prod } from "./helpers/models.js";

const ROOT = join(import.meta.dirname, "keras", "interop");
const EXPORTED = join(ROOT, "exported");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
const CASES = ["seed", "mlp", "cnn", "layers1d", "layers2d", "regularized", "two_input", "residual", "shared", "two_output", "lstm", "embedding", "masked", "encoder_decoder", "zoo_image", "zoo_vector", "zoo_sequence"] as const;
/** tfjs-layers 4.22 lacks gelu/relu6 activations (layers*), most zoo layers, the L1 / L2 regularizer classes and the Subtract layer. */
// tfjs-layers 4.22 lacks the L1 / L2 regularizers, Subtract, GRU's reset_after=True and the zoo's newer layers
const TFJS_LOADS = (c: string) => !/^(layers|zoo|masked)/.test(c) && c !== "regularized" && c !== "shared" && c !== "encoder_decoder";

const bytes = (path: string) => new Uint8Array(readFileSync(path));
const specOf = (c: string) =>
  readFileSync(join(ROOT, c, "expected.nn"), "utf8");
const weightsOf = (c: string) =>
  importModel(bytes(join(ROOT, c, "model.keras")), { fileName: `${c}.keras` })
    .weights!;
/** The case's inputs, one flat array per model input. */
const inputsOf = (c: string) => {
  const e = JSON.parse(readFileSync(join(ROOT, c, "expected.json"), "utf8")) as { x: number[]; inputs?: number[][] };
  return e.inputs ?? [e.x];
};
const body = (spec: string) => spec.replace(/^#.*\n/, "");

/** layerc's predictions for the case, one flat array per output. */
function layercPredict(c: string): Float32Array[] {
  const Model = Object.values(interpreted(specOf(c)))[0]!;
  const xs = inputsOf(c).map((x) => Float32Array.from(x));
  const n = xs[0]!.length / prod((Model as unknown as { inputShapes: number[][] }).inputShapes[0]!);
  const y = new Model({ weights: readWeights(weightsOf(c)) }).predictBatch((xs.length === 1 ? xs[0]! : xs) as Float32Array, n) as Float32Array | Float32Array[];
  return Array.isArray(y) ? y : [y];
}

function maxErrors(ys: readonly ArrayLike<number>[], wants: readonly ArrayLike<number>[]): number {
  expect(ys.length).toBe(wants.length);
  return Math.max(...ys.map((y, k) => maxError(y, wants[k]!)));
}

function maxError(y: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(y.length).toBe(want.length);
  let e = 0;
  for (let i = 0; i < y.length; i++)
    e = Math.max(e, Math.abs(y[i]! - want[i]!));
  return e;
}

const exported = (c: string, to: ExportTarget) => {
  const r = exportModel(specOf(c), { to, weights: weightsOf(c), stem: c });
  expect(r.diagnostics).toEqual([]);
  return r.files;
};

describe.each(CASES)("export %s", (c) => {
  it("to keras and python: the committed exports, which Keras 3 loaded and ran with layerc's predictions", () => {
    const files = [...exported(c, "keras"), ...exported(c, "python")];
    if (UPDATE) {
      mkdirSync(EXPORTED, { recursive: true });
      for (const f of files) writeFileSync(join(EXPORTED, f.name), f.data);
      const xs = inputsOf(c);
      writeFileSync(
        join(EXPORTED, `${c}.input.json`),
        JSON.stringify(xs.length === 1 ? { x: xs[0] } : { inputs: xs }) + "\n",
      );
    }
    for (const f of files)
      expect(
        Buffer.from(f.data).equals(readFileSync(join(EXPORTED, f.name))),
        f.name,
      ).toBe(true);
    const predictions = join(EXPORTED, `${c}.predictions.json`);
    expect(existsSync(predictions), "run make_fixtures.py --exports").toBe(
      true,
    );
    const keras = JSON.parse(readFileSync(predictions, "utf8")) as {
      y: number[];
      y_script: number[];
      ys?: number[][];
      ys_script?: number[][];
    };
    const ours = layercPredict(c);
    expect(maxErrors(keras.ys ?? [keras.y], ours)).toBeLessThan(1e-5);
    expect(maxErrors(keras.ys_script ?? [keras.y_script], ours)).toBeLessThan(1e-5);
  });

  it("round trip: export --to keras, then import, gives the same spec and weights", () => {
    const [archive] = exported(c, "keras");
    const back = importModel(archive!.data, { fileName: `${c}.keras` });
    expect(back.diagnostics).toEqual([]);
    expect(body(back.spec!)).toBe(body(specOf(c)));
    expect(readWeights(back.weights!)).toEqual(readWeights(weightsOf(c)));
  });

  if (TFJS_LOADS(c))
    it("to tfjs: tfjs-layers loads model.json + shard and predicts the same; import reads it back", async () => {
      const files = exported(c, "tfjs");
      const doc = JSON.parse(new TextDecoder().decode(files[0]!.data));
      const shard = files[1]!.data;
      const model = await tfl.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: doc.modelTopology,
          weightSpecs: doc.weightsManifest[0].weights,
          weightData: shard.slice().buffer,
        }),
      );
      const xs = inputsOf(c).map((x, k) => {
        const shape = model.inputs[k]!.shape.slice(1) as number[];
        return tf.tensor(x, [x.length / prod(shape), ...shape]);
      });
      const y = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
      expect(maxErrors((Array.isArray(y) ? y : [y]).map((t) => t.dataSync()), layercPredict(c))).toBeLessThan(1e-5);
      const back = importModel(files[0]!.data, {
        readFile: (p) => (p === files[1]!.name ? shard : undefined),
      });
      expect(back.diagnostics).toEqual([]);
      expect(body(back.spec!)).toBe(
        body(specOf(c)).replace(/^model \w+/m, "model Imported"),
      );
    });
});

describe("Keras read back what it was given", () => {
  const recorded = (c: string) =>
    JSON.parse(readFileSync(join(EXPORTED, `${c}.predictions.json`), "utf8")) as {
      compile: Record<string, unknown> & { optimizer: { config: Record<string, unknown> } };
      summary: [string, string, number[][]][];
    };

  it("per-output losses, loss weights and metrics of a two-output model", () => {
    const { compile } = recorded("two_output");
    expect(compile["loss"]).toEqual({ cls: "categorical_crossentropy", reg: "mean_squared_error" });
    expect(compile["loss_weights"]).toEqual({ cls: 1, reg: 0.5 });
    expect(compile["metrics"]).toEqual({ cls: ["accuracy"], reg: ["mae"] });
  });

  it("metrics with options and their own names", () => {
    const metrics = recorded("regularized").compile["metrics"] as (string | { class_name: string; config: Record<string, unknown> })[];
    expect(metrics[0]).toBe("accuracy");
    expect(metrics.slice(1)).toMatchObject([
      { class_name: "TopKCategoricalAccuracy", config: { name: "top_k_categorical_accuracy", k: 2 } },
      { class_name: "Precision", config: { name: "prec", thresholds: 0.7 } },
      { class_name: "AUC", config: { name: "auc", num_thresholds: 50 } },
    ]);
  });

  it("a learning-rate schedule", () => {
    const lr = recorded("regularized").compile.optimizer.config["learning_rate"];
    expect(lr).toMatchObject({
      class_name: "ExponentialDecay",
      config: { initial_learning_rate: 0.1, decay_steps: 100, decay_rate: 0.96, staircase: true },
    });
  });

  it("a shared layer once, with one set of weights", () => {
    const { summary } = recorded("shared");
    expect(summary.filter(([, name]) => name === "tower")).toEqual([["Dense", "tower", [[4, 5], [5]]]]);
    expect(summary.map(([cls]) => cls)).toEqual(["InputLayer", "InputLayer", "Dense", "Subtract", "Multiply", "Concatenate", "Dense"]);
  });
});

describe("export errors", () => {
  it("weights for another model, a spec with errors, an ambiguous model", () => {
    const other = weightsOf("seed");
    expect(
      exportModel(specOf("mlp"), { to: "keras", weights: other })
        .diagnostics[0],
    ).toMatchObject({ code: "import_weights_mismatch" });
    expect(
      exportModel("model A {\n  Dense(-1)\n}\n", { to: "keras" })
        .diagnostics[0],
    ).toMatchObject({ code: "import_spec_invalid" });
    expect(
      exportModel(
        `${specOf("seed")}\n${specOf("seed").replace("model Seed", "model Seed2")}`,
        { to: "tfjs" },
      ).diagnostics[0]?.message,
    ).toMatch(/2 models/);
  });
});
