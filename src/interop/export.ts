/**
 * `exportModel`: a checked spec (and its weights, from a `.weights.bin` or
 * else the model's seeded initial weights) → files Keras or TensorFlow.js
 * open: a `.keras` archive, a tfjs `model.json` + shard, or a readable Keras
 * 3 Python script with the weights beside it as `.weights.h5`. Bytes are
 * deterministic (fixed zip timestamps, no dates in metadata), so a
 * committed export stays reproducible.
 */
import { check, interpret } from "../api/api.js";
import type { ModelIR } from "../ir/model-ir.js";
import { readWeights } from "../runtime/weights.js";
import { LayercError } from "../runtime/errors.js";
import { VERSION } from "../version.js";
import { writeHdf5, type Hdf5Tree } from "./hdf5/write.js";
import { writeZip } from "./zip.js";
import { compileConfig, jsonText, modelConfig, trainingConfig } from "./to-keras.js";
import { kerasClassOf, kerasVarGroups } from "./keras-layers.js";
import { snakeCase } from "./weight-sources.js";
import { pythonScript } from "./to-python.js";
import { interopDiagnostic, InteropFailure, type InteropDiagnostic } from "./diagnostics.js";

/** What exportModel writes: a `.keras` archive, a TensorFlow.js model.json + shard, or a Keras 3 Python script. */
export type ExportTarget = "keras" | "tfjs" | "python";

/** Options of {@link exportModel}. */
export interface ExportOptions {
  readonly to: ExportTarget;
  /** A `.weights.bin` for the model; default: the model's initial weights from its seed (0 when it has none). */
  readonly weights?: Uint8Array;
  /** Which model of the file (default: the only one). */
  readonly model?: string;
  /** Output file stem (default: the model name in snake_case). */
  readonly stem?: string;
  readonly fileName?: string;
}

/** What {@link exportModel} returns: the files to write (none on errors) and the diagnostics. */
export interface ExportResult {
  /** Files to write, by name relative to the output directory; empty on errors. */
  readonly files: { readonly name: string; readonly data: Uint8Array }[];
  readonly diagnostics: InteropDiagnostic[];
}

interface Tensor {
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array;
}

const text = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => text(jsonText(v) + "\n");

/** The Keras 3 weights file: layers/<snake class>[_n]/vars/<i>, as saving_lib writes it. */
export function kerasWeightsH5(
  model: ModelIR,
  tensors: readonly Tensor[],
): Uint8Array {
  const layers: Record<string, Hdf5Tree> = {};
  const used = new Map<string, number>();
  let k = 0;
  for (const layer of model.layers) {
    const stem = snakeCase(kerasClassOf(layer.kind));
    const n = used.get(stem) ?? 0;
    used.set(stem, n + 1);
    // the layer's own (empty) vars, and each sub-object's vars at its path, as saving_lib writes them
    type Group = { [name: string]: Group | { shape: number[]; data: Float32Array } };
    const group: Group = { vars: {} };
    const groups = kerasVarGroups(layer.kind, layer.attrs);
    // a Bidirectional layer's forward weights are named forward_<layer>/…; a given backward_layer's may differ in count
    const forward = layer.params.filter((p) => p.name.startsWith("forward_")).length;
    const counts =
      groups.length === 2 && forward > 0
        ? [forward, layer.params.length - forward]
        : groups.map(() => layer.params.length / groups.length);
    groups.forEach((path, g) => {
      const per = counts[g]!;
      let node = group;
      for (const part of path.split("/").filter(Boolean)) {
        node[part] ??= { vars: {} };
        node = node[part] as Group;
      }
      const vars = node["vars"] as Record<string, { shape: number[]; data: Float32Array }>;
      for (let i = 0; i < per; i++) {
        const t = tensors[k++]!;
        vars[String(i)] = { shape: t.shape, data: t.data };
      }
    });
    layers[n === 0 ? stem : `${stem}_${n}`] = group as Hdf5Tree;
  }
  return writeHdf5({ layers, vars: {} });
}

function tfjsFiles(
  model: ModelIR,
  tensors: readonly Tensor[],
  stem: string,
): { name: string; data: Uint8Array }[] {
  const total = tensors.reduce((s, t) => s + t.data.length, 0);
  const shard = new Uint8Array(total * 4);
  const view = new DataView(shard.buffer);
  let at = 0;
  for (const t of tensors)
    for (const x of t.data) view.setFloat32(at++ * 4, x, true);
  const shardName = `${stem}.weights.shard1of1.bin`;
  const doc = {
    format: "layers-model",
    generatedBy: `layerc ${VERSION}`,
    convertedBy: `layerc ${VERSION}`,
    modelTopology: {
      keras_version: "tfjs-layers 4.22.0",
      backend: "tensor_flow.js",
      model_config: modelConfig(model, "tfjs"),
      ...(model.training
        ? { training_config: trainingConfig(model, model.training) }
        : {}),
    },
    weightsManifest: [
      {
        paths: [shardName],
        weights: tensors.map((t) => ({
          name: t.name,
          shape: t.shape,
          dtype: "float32",
        })),
      },
    ],
  };
  return [
    { name: `${stem}.model.json`, data: json(doc) },
    { name: shardName, data: shard },
  ];
}

function modelWeights(
  source: string,
  model: ModelIR,
  bytes: Uint8Array | undefined,
): Tensor[] {
  const Model = interpret(source)[model.name]!;
  const instance = new Model(
    bytes === undefined
      ? { seed: model.seed ?? 0 }
      : { weights: readWeights(bytes) },
  );
  return instance.getWeights();
}

/** Exports one model of a spec to Keras, TensorFlow.js or a Python script. Never throws on bad input. */
export function exportModel(
  source: string,
  options: ExportOptions,
): ExportResult {
  const fail = (
    code: Parameters<typeof interopDiagnostic>[0],
    message: string,
  ): ExportResult => ({
    files: [],
    diagnostics: [interopDiagnostic(code, message)],
  });
  const r = check(
    source,
    options.fileName !== undefined ? { fileName: options.fileName } : {},
  );
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length)
    return {
      files: [],
      diagnostics: errors.map((d) =>
        interopDiagnostic(
          "import_spec_invalid",
          `${d.code} at line ${d.line}: ${d.message}`,
          `line ${d.line}`,
        ),
      ),
    };
  const models = r.ir.models.filter(
    (m) => options.model === undefined || m.name === options.model,
  );
  if (models.length !== 1) {
    return fail(
      "import_model_unsupported",
      options.model !== undefined
        ? `no model ${options.model} in the spec`
        : `the spec holds ${models.length} models; choose one (--model)`,
    );
  }
  const model = models[0]!;
  let tensors: Tensor[];
  try {
    tensors = modelWeights(source, model, options.weights);
  } catch (e) {
    if (e instanceof LayercError)
      return fail("import_weights_mismatch", e.message);
    throw e;
  }
  try {
    return exportFiles(model, tensors, options);
  } catch (e) {
    if (e instanceof InteropFailure) return { files: [], diagnostics: [e.diagnostic] };
    throw e;
  }
}

function exportFiles(model: ModelIR, tensors: Tensor[], options: ExportOptions): ExportResult {
  const stem = options.stem ?? snakeCase(model.name);
  switch (options.to) {
    case "keras": {
      const config = {
        ...modelConfig(model, "keras3"),
        ...(model.training
          ? { compile_config: compileConfig(model, model.training) }
          : {}),
      };
      const metadata = { keras_version: "3", saved_by: `layerc ${VERSION}` };
      const archive = writeZip([
        { name: "metadata.json", data: json(metadata) },
        { name: "config.json", data: json(config) },
        { name: "model.weights.h5", data: kerasWeightsH5(model, tensors) },
      ]);
      return {
        files: [{ name: `${stem}.keras`, data: archive }],
        diagnostics: [],
      };
    }
    case "tfjs":
      return { files: tfjsFiles(model, tensors, stem), diagnostics: [] };
    case "python": {
      const weightsFile =
        options.weights !== undefined ? `${stem}.weights.h5` : null;
      const files = [
        { name: `${stem}.py`, data: text(pythonScript(model, weightsFile)) },
      ];
      if (weightsFile !== null)
        files.push({ name: weightsFile, data: kerasWeightsH5(model, tensors) });
      return { files, diagnostics: [] };
    }
  }
}
