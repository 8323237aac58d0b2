/**
 * `importModel` against files written by real Keras 3 (fixtures made by
 * test/keras/interop/make_fixtures.py): every format of every case gives
 * the committed spec text and weights whose predictions match Keras's to
 * 1e-5; bad files are diagnostics with nothing produced. The tfjs fixture
 * itself is validated by loading it into tfjs-layers.
 * `UPDATE_GOLDEN=1` rewrites the expected spec texts.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { importModel, type ImportOptions } from "../src/interop/import.js";
import { readZip, writeZip } from "../src/interop/zip.js";
import { readWeights } from "../src/runtime/index.js";
import { generated, interpreted, prod } from "./helpers/models.js";

const ROOT = join(import.meta.dirname, "keras", "interop");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
/**
 * The seed model, an MLP with BatchNormalization and Dropout, a CNN with
 * padding='same', two cases covering every other layer, regularizers /
 * constraints / a learning-rate schedule, and the functional cases: two
 * inputs, a residual block, a shared layer, two outputs with per-output
 * losses, weights and metrics, LSTMs, and Embedding feeding two branches.
 */
const CASES = ["seed", "mlp", "cnn", "layers1d", "layers2d", "regularized", "two_input", "residual", "shared", "two_output", "lstm", "embedding", "masked", "encoder_decoder", "gru_reset_before", "zoo_image", "zoo_vector", "zoo_sequence"] as const;
const FORMATS = ["model.keras", "model.h5", "tfjs/model.json"] as const;
/** The layer-coverage cases use layers and activations tfjs-layers lacks, so they have no tfjs fixture. */
const formatsOf = (c: string) =>
  FORMATS.filter((f) => f !== "tfjs/model.json" || !/^(layers|zoo|masked)/.test(c));

interface Expected {
  keras_version: string;
  x: number[];
  y: number[];
  /** Cases with several inputs or outputs (or integer ids): every input and every output, flat. */
  inputs?: number[][];
  outputs?: number[][];
}

const expected = (c: string): Expected =>
  JSON.parse(readFileSync(join(ROOT, c, "expected.json"), "utf8")) as Expected;
const bytes = (path: string) => new Uint8Array(readFileSync(path));
const readBeside = (file: string) => (p: string) => {
  const q = join(dirname(file), p);
  return existsSync(q) ? bytes(q) : undefined;
};

function load(c: string, format: string, extra: ImportOptions = {}) {
  const file = join(ROOT, c, format);
  return importModel(bytes(file), {
    fileName: `${c}.keras`,
    readFile: readBeside(file),
    ...extra,
  });
}

/** The model's predictions on the case's inputs, one flat array per output. */
function predictions(Model: ReturnType<typeof interpreted>[string], weights: Uint8Array, want: Expected): Float32Array[] {
  const xs = (want.inputs ?? [want.x]).map((x) => Float32Array.from(x));
  const shapes = (Model as unknown as { inputShapes?: number[][] }).inputShapes ?? [Model.inputShape];
  const n = xs[0]!.length / prod(shapes[0]!);
  const m = new Model({ weights: readWeights(weights) });
  const y = m.predictBatch((xs.length === 1 ? xs[0]! : xs) as Float32Array, n) as Float32Array | Float32Array[];
  return Array.isArray(y) ? y : [y];
}

function expectPredictions(ys: Float32Array[], want: Expected): void {
  const wants = want.outputs ?? [want.y];
  expect(ys.length).toBe(wants.length);
  ys.forEach((y, k) => expect(maxError(y, wants[k]!)).toBeLessThan(1e-5));
}

function maxError(y: Float32Array, want: number[]): number {
  expect(y.length).toBe(want.length);
  let e = 0;
  y.forEach((v, i) => (e = Math.max(e, Math.abs(v - want[i]!))));
  return e;
}

describe.each(CASES)("import %s", (c) => {
  const want = expected(c);
  const golden = join(ROOT, c, "expected.nn");

  it.each(formatsOf(c))(
    "%s → the committed spec, and Keras's predictions to 1e-5",
    (format) => {
      const r = load(c, format);
      expect(r.diagnostics).toEqual([]);
      if (format === "model.keras" && UPDATE) writeFileSync(golden, r.spec!);
      expect(r.spec).toBe(readFileSync(golden, "utf8"));
      expect(r.spec).toContain(`Keras ${want.keras_version}`);
      const Model = Object.values(interpreted(r.spec!))[0]!;
      expectPredictions(predictions(Model, r.weights!, want), want);
    },
  );

  it("model.weights.h5 with the spec gives the same weights as the archive", () => {
    const archive = load(c, "model.keras");
    const r = load(c, "model.weights.h5", { spec: archive.spec! });
    expect(r.diagnostics).toEqual([]);
    expect(r.format).toBe("weights.h5");
    expect(readWeights(r.weights!)).toEqual(readWeights(archive.weights!));
  });

  // one case is enough to show generated code takes imported weights; compiling is the slow part
  if (c === "mlp" || c === "shared")
    it("the generated class predicts the same", async () => {
      const r = load(c, "model.keras");
      const Model = Object.values(await generated(r.spec!))[0]!;
      expectPredictions(predictions(Model, r.weights!, want), want);
    });

  // tfjs-layers 4.22 lacks the L1 / L2 regularizer classes (it has only L1L2), the Subtract layer and GRU's reset_after=True
  if (formatsOf(c).includes("tfjs/model.json") && c !== "regularized" && c !== "shared" && c !== "encoder_decoder")
    it("the tfjs fixture is a model tfjs-layers loads, with Keras's predictions", async () => {
      const dir = join(ROOT, c, "tfjs");
      const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
      const shard = readFileSync(join(dir, "group1-shard1of1.bin"));
      const handler = tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: shard.buffer.slice(
          shard.byteOffset,
          shard.byteOffset + shard.byteLength,
        ),
      });
      const model = await tfl.loadLayersModel(handler);
      const xs = (want.inputs ?? [want.x]).map((x, k) => {
        const shape = model.inputs[k]!.shape.slice(1) as number[];
        return tf.tensor(x, [x.length / prod(shape), ...shape]);
      });
      const y = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
      expectPredictions((Array.isArray(y) ? y : [y]).map((t) => t.dataSync() as Float32Array), want);
    });
});

describe("HDF5 layouts Keras writes", () => {
  it("a legacy .h5 whose layer_names / weight_names Keras split into name0, name1, … (its 64 KiB header limit)", () => {
    const whole = load("mlp", "model.h5");
    const chunked = load("mlp", "model.chunked.h5");
    expect(chunked.diagnostics).toEqual([]);
    expect(chunked.spec).toBe(whole.spec);
    expect(readWeights(chunked.weights!)).toEqual(readWeights(whole.weights!));
  });
});

describe("bad files are diagnostics, and nothing is produced", () => {
  const seedKeras = bytes(join(ROOT, "seed", "model.keras"));
  const rezip = (change: (name: string, data: Uint8Array) => Uint8Array) =>
    writeZip(
      [...readZip(seedKeras).values()].map((e) => ({
        name: e.name,
        data: change(e.name, e.read()),
      })),
    );
  const withConfig = (
    edit: (config: {
      config: {
        layers: { class_name: string; config: Record<string, unknown> }[];
      };
    }) => void,
  ) =>
    rezip((name, data) => {
      if (name !== "config.json") return data;
      const config = JSON.parse(new TextDecoder().decode(data));
      edit(config);
      return new TextEncoder().encode(JSON.stringify(config));
    });

  const expectFailure = (
    r: ReturnType<typeof importModel>,
    code: string,
    message: RegExp,
    path?: string,
  ) => {
    expect(r.spec).toBeNull();
    expect(r.weights).toBeNull();
    expect(r.diagnostics[0]?.code).toBe(code);
    expect(r.diagnostics[0]?.message).toMatch(message);
    if (path !== undefined) expect(r.diagnostics[0]?.path).toBe(path);
  };

  it("a truncated archive", () => {
    expectFailure(
      importModel(seedKeras.subarray(0, seedKeras.length - 100)),
      "import_file_invalid",
      /end-of-central-directory|truncated/,
    );
    expectFailure(
      importModel(seedKeras.subarray(0, 2000)),
      "import_file_invalid",
      /truncated/,
    );
  });

  it("a corrupt HDF5 file", () => {
    const h5 = bytes(join(ROOT, "mlp", "model.h5"));
    const cut = importModel(h5.subarray(0, 3000));
    expectFailure(cut, "import_file_invalid", /HDF5/);
    const scrambled = h5.slice();
    for (let i = 0x60; i < 0x400; i++) scrambled[i] = (i * 131) & 0xff;
    expectFailure(importModel(scrambled), "import_file_invalid", /HDF5/);
  });

  it("a model.json with a missing shard or a wrong byte length", () => {
    const file = join(ROOT, "mlp", "tfjs", "model.json");
    expectFailure(
      importModel(bytes(file), { readFile: () => undefined }),
      "import_file_invalid",
      /shard group1-shard1of1.bin named in model.json is missing/,
    );
    const short = importModel(bytes(file), {
      readFile: (p) => readBeside(file)(p)?.subarray(4),
    });
    expectFailure(
      short,
      "import_file_invalid",
      /describes 1036 bytes of weights but the shards hold 1032/,
    );
  });

  it("an unsupported layer, named with its config path", () => {
    const r = importModel(
      withConfig((c) => {
        c.config.layers[1]!.class_name = "MyCustomLayer";
      }),
    );
    expectFailure(
      r,
      "import_layer_unsupported",
      /layer dense is a MyCustomLayer, which layerc does not support/,
      "config.config.layers[1]",
    );
  });

  it("an unsupported argument value, named with its config path", () => {
    const r = importModel(
      withConfig((c) => {
        c.config.layers[2]!.config["lora_rank"] = 4;
      }),
    );
    expectFailure(
      r,
      "import_arg_unsupported",
      /layer dense_1 \(Dense\) sets lora_rank=4/,
      "config.config.layers[2].config.lora_rank",
    );
  });

  it("an integer Input (token ids) is no second dtype", () => {
    const r = importModel(
      withConfig((c) => {
        c.config.layers[0]!.config["dtype"] = "int32";
      }),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.spec).toContain("Input(shape=(1,))");
  });

  it("a 2 GiB size claim in an archive header", () => {
    const huge = seedKeras.slice();
    const view = new DataView(huge.buffer);
    // the first central directory entry's uncompressed size
    let at = huge.length - 22;
    while (view.getUint32(at, true) !== 0x06054b50) at--;
    const dir = view.getUint32(at + 16, true);
    view.setUint32(dir + 24, 0x80000000, true);
    expectFailure(
      importModel(huge),
      "import_file_invalid",
      /claims 2147483648 bytes/,
    );
  });

  it("weights that do not fit the spec", () => {
    const r = load("seed", "model.weights.h5", {
      spec: "model Seed {\n  Input(shape=(1,))\n  Dense(5, activation='relu')\n  Dense(2)\n}\n",
    });
    expectFailure(
      r,
      "import_weights_mismatch",
      /weight dense\/kernel has shape \[1, 4\] in the file, the spec needs \[1, 5\]/,
    );
    expectFailure(
      load("seed", "model.weights.h5"),
      "import_file_invalid",
      /only weights/,
    );
  });

  it("functional configs layerc cannot express: a nested model, a masked call, an output a layer does not have, a dangling node", () => {
    const archive = bytes(join(ROOT, "two_input", "model.keras"));
    type Layer = { class_name: string; name: string; inbound_nodes: { args: unknown[]; kwargs: Record<string, unknown> }[] };
    const edited = (edit: (layers: Layer[]) => void) =>
      writeZip(
        [...readZip(archive).values()].map((e) => {
          if (e.name !== "config.json") return { name: e.name, data: e.read() };
          const config = JSON.parse(new TextDecoder().decode(e.read()));
          edit(config.config.layers);
          return { name: e.name, data: new TextEncoder().encode(JSON.stringify(config)) };
        }),
      );
    const history = (layer: Layer, k = 0) => (layer.inbound_nodes[0]!.args[k] as { config: { keras_history: unknown[] } }).config.keras_history;
    expectFailure(
      importModel(edited((ls) => void (ls[2]!.class_name = "Functional"))),
      "import_model_unsupported",
      /layer dense is a nested Functional model/,
      "config.config.layers[2]",
    );
    expectFailure(
      importModel(edited((ls) => void (ls[2]!.inbound_nodes[0]!.kwargs = { mask: { class_name: "__keras_tensor__" } }))),
      "import_model_unsupported",
      /layer dense is called with mask=/,
      "config.config.layers[2].inbound_nodes[0].kwargs.mask",
    );
    expectFailure(
      importModel(edited((ls) => void (history(ls[2]!)[2] = 1))),
      "import_model_unsupported",
      /layer dense \(call 0\) reads a\[0\]\[1\], which no layer call of the config produces/,
    );
    expectFailure(
      importModel(edited((ls) => void (history(ls[2]!)[0] = "nowhere"))),
      "import_model_unsupported",
      /layer dense \(call 0\) reads nowhere\[0\]\[0\], which no layer call of the config produces/,
      "config.config.layers[2].inbound_nodes[0]",
    );
  });

  it("bytes that are no model at all", () => {
    expectFailure(
      importModel(new TextEncoder().encode("hello")),
      "import_format_unknown",
      /not a \.keras archive/,
    );
    expectFailure(
      importModel(new TextEncoder().encode("{ not json")),
      "import_file_invalid",
      /not valid JSON/,
    );
  });
});
