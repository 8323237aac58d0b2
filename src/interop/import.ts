/**
 * `importModel`: a trained Keras or TensorFlow.js model → a `.nn` spec and
 * its `.weights.bin`. The format is recognised from the bytes; the config
 * is translated by from-keras.ts, the spec is checked by the real checker,
 * and the weights are taken layer by layer in the order the checked IR
 * lists them, each shape compared with the file's. Nothing is returned
 * unless all of that succeeded: on any error `spec` and `weights` are null
 * and the diagnostics say why.
 */
import { check } from "../api/api.js";
import type { ModelIR } from "../ir/model-ir.js";
import { formatSpec } from "../phases/fmt/format.js";
import { writeWeights, type NamedWeight } from "../runtime/weights.js";
import { Hdf5Error, openHdf5, type Hdf5Group } from "./hdf5/read.js";
import { readZip, ZipError } from "./zip.js";
import { translateCompile, translateModel } from "./from-keras.js";
import { translateFunctional } from "./from-keras-graph.js";
import { kerasClassOf, type Json } from "./keras-layers.js";
import {
  failImport,
  interopDiagnostic,
  InteropFailure,
  type InteropDiagnostic,
} from "./diagnostics.js";
import {
  kerasLayerWeights,
  legacyLayerWeights,
  listAttr,
  tfjsLayerWeights,
  type LayerWeights,
} from "./weight-sources.js";

/** What importModel reads: a Keras 3 archive, a legacy full-model HDF5, a weights-only HDF5, a TensorFlow.js model.json. */
export type ImportFormat = "keras" | "h5" | "weights.h5" | "tfjs";

/** Options of {@link importModel}. */
export interface ImportOptions {
  /** Skip detection. */
  readonly format?: ImportFormat;
  /** The model (class) name in the spec; default from `fileName`, else `Imported`. */
  readonly name?: string;
  /** Shown in the spec's header comment and used for the default name. */
  readonly fileName?: string;
  /** For a weights-only file: the spec text the weights belong to. */
  readonly spec?: string;
  /** For TensorFlow.js: the bytes of a weight shard named in model.json (relative path), or undefined when missing. */
  readonly readFile?: (path: string) => Uint8Array | undefined;
}

/** What {@link importModel} returns: the spec and weights, or null and the diagnostics saying why. */
export interface ImportResult {
  /** The formatted `.nn` text, or null on errors. */
  readonly spec: string | null;
  /** The `.weights.bin` bytes, or null on errors. */
  readonly weights: Uint8Array | null;
  readonly diagnostics: InteropDiagnostic[];
  /** The detected (or given) format. */
  readonly format: ImportFormat | null;
}

interface Source {
  readonly format: ImportFormat;
  readonly config: Json | null;
  readonly compile: { readonly value: Json; readonly path: string } | null;
  readonly kerasVersion: string | null;
  readonly weights: LayerWeights;
}

const decodeJson = (bytes: Uint8Array, what: string): Json => {
  try {
    return JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes),
    ) as Json;
  } catch (e) {
    failImport(
      "import_file_invalid",
      `${what} is not valid JSON (${(e as Error).message})`,
      what,
    );
  }
};

const isObj = (v: unknown): v is Record<string, Json> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

export function detectFormat(bytes: Uint8Array): ImportFormat | null {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return "keras";
  if (
    bytes[0] === 0x89 &&
    bytes[1] === 0x48 &&
    bytes[2] === 0x44 &&
    bytes[3] === 0x46
  )
    return "h5";
  let i = 0;
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 ||
      bytes[i] === 0x0a ||
      bytes[i] === 0x0d ||
      bytes[i] === 0x09 ||
      bytes[i] === 0xef ||
      bytes[i] === 0xbb ||
      bytes[i] === 0xbf)
  )
    i++;
  if (bytes[i] === 0x7b) return "tfjs";
  return null;
}

function fromKerasArchive(bytes: Uint8Array): Source {
  const entries = readZip(bytes);
  const entry = (name: string) =>
    entries.get(name) ??
    failImport(
      "import_file_invalid",
      `the archive has no ${name} (is it a Keras 3 .keras file?)`,
      name,
    );
  const config = decodeJson(entry("config.json").read(), "config.json");
  const metadata = entries.has("metadata.json")
    ? decodeJson(entries.get("metadata.json")!.read(), "metadata.json")
    : null;
  if (!entries.has("model.weights.h5") && entries.has("model.weights.npz")) {
    failImport(
      "import_file_invalid",
      "the archive stores its weights as model.weights.npz; save with the default (HDF5) weights",
      "model.weights.npz",
    );
  }
  const root = openHdf5(entry("model.weights.h5").read());
  return {
    format: "keras",
    config,
    compile:
      isObj(config) && isObj(config["compile_config"])
        ? { value: config["compile_config"], path: "compile_config" }
        : null,
    kerasVersion:
      isObj(metadata) && typeof metadata["keras_version"] === "string"
        ? metadata["keras_version"]
        : null,
    weights: kerasLayerWeights(root),
  };
}

function fromHdf5(bytes: Uint8Array): Source {
  const root = openHdf5(bytes);
  const version =
    typeof root.attrs["keras_version"] === "string"
      ? root.attrs["keras_version"]
      : null;
  const modelConfig = root.attrs["model_config"];
  if (typeof modelConfig === "string") {
    const training = root.attrs["training_config"];
    const compile =
      typeof training === "string"
        ? decodeJson(new TextEncoder().encode(training), "training_config")
        : null;
    const weightsRoot = root.get("model_weights");
    if (weightsRoot?.kind !== "group")
      failImport(
        "import_file_invalid",
        "the file has a model_config but no model_weights group",
        "model_weights",
      );
    return {
      format: "h5",
      config: decodeJson(new TextEncoder().encode(modelConfig), "model_config"),
      compile:
        compile !== null ? { value: compile, path: "training_config" } : null,
      kerasVersion: version,
      weights: legacyLayerWeights(weightsRoot),
    };
  }
  return {
    format: "weights.h5",
    config: null,
    compile: null,
    kerasVersion: version,
    weights: weightsOnly(root),
  };
}

function weightsOnly(root: Hdf5Group): LayerWeights {
  if (root.get("layers")?.kind === "group") return kerasLayerWeights(root);
  if (listAttr(root, "layer_names") !== undefined) return legacyLayerWeights(root);
  failImport(
    "import_file_invalid",
    "the HDF5 file holds neither a Keras model nor Keras weights",
    "/",
  );
}

function fromTfjs(
  bytes: Uint8Array,
  readFile: ImportOptions["readFile"],
): Source {
  const json = decodeJson(bytes, "model.json");
  if (
    !isObj(json) ||
    !isObj(json["modelTopology"]) ||
    !Array.isArray(json["weightsManifest"])
  ) {
    failImport(
      "import_file_invalid",
      "model.json has no modelTopology and weightsManifest (is it a TensorFlow.js layers model?)",
      "model.json",
    );
  }
  const topology = json["modelTopology"];
  const config = isObj(topology["model_config"])
    ? topology["model_config"]
    : topology;
  const training = topology["training_config"];
  return {
    format: "tfjs",
    config,
    compile: isObj(training)
      ? { value: training, path: "modelTopology.training_config" }
      : null,
    kerasVersion:
      typeof topology["keras_version"] === "string"
        ? topology["keras_version"]
        : null,
    weights: tfjsLayerWeights(
      json["weightsManifest"],
      readFile ?? (() => undefined),
    ),
  };
}

/** Checks spec text; errors (and warnings) become import_spec_invalid diagnostics; one model expected. */
function checkSource(
  text: string,
  fileName: string | undefined,
): { diagnostics: InteropDiagnostic[]; models: readonly ModelIR[] } {
  const r = check(text, fileName !== undefined ? { fileName } : {});
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  const diagnostics = errors.map((d) =>
    interopDiagnostic(
      "import_spec_invalid",
      `${d.code} at line ${d.line}: ${d.message}`,
      `line ${d.line}`,
    ),
  );
  if (!diagnostics.length && r.ir.models.length !== 1)
    diagnostics.push(
      interopDiagnostic(
        "import_spec_invalid",
        `the spec must hold exactly one model, it holds ${r.ir.models.length}`,
      ),
    );
  return { diagnostics, models: r.ir.models };
}

/** A spec-safe PascalCase class name from a file stem (`my_mlp` → `MyMlp`). */
export function modelNameFrom(stem: string | undefined): string {
  const words = (stem ?? "").split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  return name === "" ? "Imported" : /^[0-9]/.test(name) ? `Model${name}` : name;
}

const stemOf = (fileName: string | undefined) =>
  fileName
    ?.replace(/^.*[\\/]/, "")
    .replace(/(\.weights)?\.(keras|h5|json)$/i, "");

/** Imports a Keras `.keras` / `.h5` / `.weights.h5` (with `spec`) or a TensorFlow.js model.json. Never throws on bad input. */
export function importModel(
  bytes: Uint8Array,
  options: ImportOptions = {},
): ImportResult {
  let format: ImportFormat | null = options.format ?? detectFormat(bytes);
  const fail = (d: InteropDiagnostic[]): ImportResult => ({
    spec: null,
    weights: null,
    diagnostics: d,
    format,
  });
  try {
    if (format === null)
      return fail([
        interopDiagnostic(
          "import_format_unknown",
          "not a .keras archive, an HDF5 file or a TensorFlow.js model.json",
        ),
      ]);
    const source =
      format === "keras"
        ? fromKerasArchive(bytes)
        : format === "tfjs"
          ? fromTfjs(bytes, options.readFile)
          : fromHdf5(bytes);
    format = options.format === "weights.h5" ? "weights.h5" : source.format;
    let text: string;
    if (source.config === null) {
      if (options.spec === undefined)
        return fail([
          interopDiagnostic(
            "import_file_invalid",
            "this file holds only weights; give the spec they belong to (--spec model.nn)",
          ),
        ]);
      text = options.spec;
    } else {
      const name = options.name ?? modelNameFrom(stemOf(options.fileName));
      const model =
        isObj(source.config) &&
        (source.config["class_name"] === "Functional" ||
          source.config["class_name"] === "Model")
          ? translateFunctional(source.config)
          : translateModel(source.config);
      const compile = source.compile
        ? translateCompile(source.compile.value, source.compile.path, model.outputs ?? [])
        : { statement: null, diagnostics: [] };
      const diagnostics = [...model.diagnostics, ...compile.diagnostics];
      if (diagnostics.length) return fail(diagnostics);
      const from =
        options.fileName?.replace(/^.*[\\/]/, "") ?? `a ${format} file`;
      const header = `# Imported from ${from} (${source.kerasVersion ? `Keras ${source.kerasVersion}` : "Keras version not recorded"}) by layerc import`;
      const opts = model.options.length ? `(${model.options.join(", ")})` : "";
      const body = [
        ...model.statements,
        ...(compile.statement ? [compile.statement] : []),
      ]
        .map((s) => `  ${s}`)
        .join("\n");
      text =
        formatSpec(`${header}\nmodel ${name}${opts} {\n${body}\n}\n`).text ??
        `${header}\n`;
    }
    const checked = checkSource(text, options.fileName);
    if (checked.diagnostics.length) return fail(checked.diagnostics);
    const model = checked.models[0]!;
    const weights: NamedWeight[] = [];
    const perLayer = source.weights(
      model.layers.map((l) => ({
        name: l.name,
        kerasClass: kerasClassOf(l.kind),
      })),
    );
    for (const [i, layer] of model.layers.entries()) {
      const tensors = perLayer[i]!;
      if (tensors.length !== layer.params.length) {
        return fail([
          interopDiagnostic(
            "import_weights_mismatch",
            `layer ${layer.name} has ${layer.params.length} weights (${layer.params.map((p) => p.name).join(", ") || "none"}) but the file holds ${tensors.length} for it`,
            layer.name,
          ),
        ]);
      }
      for (const [k, p] of layer.params.entries()) {
        const t = tensors[k]!;
        if (
          t.shape.length !== p.shape.length ||
          t.shape.some((d, j) => d !== p.shape[j])
        ) {
          return fail([
            interopDiagnostic(
              "import_weights_mismatch",
              `weight ${layer.name}/${p.name} has shape [${t.shape.join(", ")}] in the file, the spec needs [${p.shape.join(", ")}]`,
              t.path,
            ),
          ]);
        }
        weights.push({
          name: `${layer.name}/${p.name}`,
          shape: p.shape,
          data: t.read(),
        });
      }
    }
    return {
      spec: text,
      weights: writeWeights(weights, { model: model.name }),
      diagnostics: [],
      format,
    };
  } catch (e) {
    if (e instanceof InteropFailure) return fail([e.diagnostic]);
    if (e instanceof Hdf5Error || e instanceof ZipError)
      return fail([interopDiagnostic("import_file_invalid", e.message)]);
    throw e;
  }
}
