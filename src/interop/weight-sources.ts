/**
 * Where a layer's trained weights live in each file format, as one
 * function: layer name → its tensors in Keras `get_weights()` order (the
 * order layerc's parameters follow). Data is read only when asked for.
 *
 * - Keras 3 (`model.weights.h5` in a `.keras`, or `*.weights.h5`):
 *   `layers/<name>/vars/0..n`, then nested objects (an RNN's `cell/vars`).
 * - Legacy HDF5 (Keras 2 / tf.keras `.h5`): `model_weights/<name>` with the
 *   attribute `weight_names` giving paths and order.
 * - TensorFlow.js: the weights manifest (`<layer>/<weight>` names, in
 *   order) over the concatenated shard bytes, little-endian float32.
 */
import type { Hdf5Dataset, Hdf5Group } from "./hdf5/read.js";
import type { Json } from "./keras-layers.js";
import { failImport } from "./diagnostics.js";

export interface FileTensor {
  readonly shape: number[];
  /** Where it is in the file, for messages. */
  readonly path: string;
  read(): Float32Array;
}

/** A layer as the file addresses it: its Keras name and class (Keras 3 files key layers by class). */
export interface LayerRef {
  readonly name: string;
  readonly kerasClass: string;
}

/** The tensors of each layer, given every layer of the model in order. */
export type LayerWeights = (layers: readonly LayerRef[]) => FileTensor[][];

/** Keras's naming.to_snake_case: `BatchNormalization` → `batch_normalization`, `Conv2D` → `conv2d`. */
export function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, "")
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

const tensor = (d: Hdf5Dataset): FileTensor => ({
  shape: d.shape,
  path: d.name,
  read: () => Float32Array.from(d.read()),
});

/**
 * Keras 3 addresses a model's layers by position, not name: the snake_case
 * class name, made unique in order (dense, dense_1, …; saving_lib's
 * _save_container_state).
 */
export function kerasLayerWeights(root: Hdf5Group): LayerWeights {
  const layers = root.get("layers");
  return (refs) => {
    const used = new Map<string, number>();
    return refs.map((ref) => {
      const stem = snakeCase(ref.kerasClass);
      const n = used.get(stem) ?? 0;
      used.set(stem, n + 1);
      return layers?.kind === "group"
        ? kerasLayerTensors(layers, n === 0 ? stem : `${stem}_${n}`)
        : [];
    });
  };
}

function kerasLayerTensors(layers: Hdf5Group, key: string): FileTensor[] {
  {
    const group = layers.get(key);
    if (group?.kind !== "group") return [];
    const out: FileTensor[] = [];
    const collect = (g: Hdf5Group) => {
      const vars = g.get("vars");
      if (vars?.kind === "group") {
        const keys = vars.keys().sort((a, b) => Number(a) - Number(b));
        for (const k of keys) {
          const d = vars.get(k);
          if (d?.kind === "dataset") out.push(tensor(d));
        }
      }
      // a Bidirectional layer's forward weights come before its backward ones, as in get_weights()
      const rank = (k: string) => (k === "forward_layer" ? 0 : k === "backward_layer" ? 2 : 1);
      for (const k of g.keys().sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))) {
        const child = k === "vars" ? undefined : g.get(k);
        if (child?.kind === "group") collect(child);
      }
    };
    collect(group);
    return out;
  }
}

/**
 * A list attribute of a legacy Keras HDF5 group. Keras splits one whose
 * bytes exceed HDF5's 64 KiB object-header limit (the `layer_names` of a
 * model with thousands of layers, the `weight_names` of a big layer) into
 * `name0`, `name1`, … (legacy_h5_format.save_attributes_to_hdf5_group);
 * they are joined back here.
 */
export function listAttr(group: Hdf5Group, name: string): unknown[] | undefined {
  const whole = group.attrs[name];
  if (Array.isArray(whole)) return whole;
  const parts: unknown[] = [];
  for (let i = 0; Array.isArray(group.attrs[`${name}${i}`]); i++) parts.push(...(group.attrs[`${name}${i}`] as unknown[]));
  return Array.isArray(group.attrs[`${name}0`]) ? parts : undefined;
}

export function legacyLayerWeights(root: Hdf5Group): LayerWeights {
  return (refs) => refs.map(({ name }) => legacyLayerTensors(root, name));
}

function legacyLayerTensors(root: Hdf5Group, name: string): FileTensor[] {
  {
    const group = root.get(name);
    if (group?.kind !== "group") return [];
    const names = listAttr(group, "weight_names");
    if (!Array.isArray(names)) return [];
    return names.map((path) => {
      let node: Hdf5Group | Hdf5Dataset | undefined = group;
      for (const part of String(path).split("/"))
        node = node?.kind === "group" ? node.get(part) : undefined;
      if (node?.kind !== "dataset")
        failImport(
          "import_file_invalid",
          `weight ${path} of layer ${name} is listed but missing`,
          `model_weights/${name}`,
        );
      return tensor(node);
    });
  }
}

interface ManifestEntry {
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4 };

/** Reads every shard (checking each exists and the byte counts add up), then serves tensors by layer. */
export function tfjsLayerWeights(
  manifest: Json[],
  readFile: (path: string) => Uint8Array | undefined,
): LayerWeights {
  const entries: ManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  let offset = 0;
  let need = 0;
  manifest.forEach((group, g) => {
    const at = `weightsManifest[${g}]`;
    if (
      group === null ||
      typeof group !== "object" ||
      Array.isArray(group) ||
      !Array.isArray(group["paths"]) ||
      !Array.isArray(group["weights"])
    ) {
      failImport("import_file_invalid", `${at} has no paths and weights`, at);
    }
    for (const p of group["paths"]) {
      if (typeof p !== "string")
        failImport("import_file_invalid", `${at}.paths holds a non-string`, at);
      const bytes =
        readFile(p) ??
        failImport(
          "import_file_invalid",
          `weight shard ${p} named in model.json is missing`,
          `${at}.paths`,
        );
      shards.push(bytes);
      offset += bytes.length;
    }
    for (const w of group["weights"]) {
      if (
        w === null ||
        typeof w !== "object" ||
        Array.isArray(w) ||
        typeof w["name"] !== "string" ||
        !Array.isArray(w["shape"])
      ) {
        failImport(
          "import_file_invalid",
          `${at}.weights has an entry without name and shape`,
          at,
        );
      }
      const dtype = typeof w["dtype"] === "string" ? w["dtype"] : "float32";
      if (dtype !== "float32")
        failImport(
          "import_file_invalid",
          `weight ${w["name"]} is ${dtype}; layerc imports float32 weights`,
          at,
        );
      if (w["quantization"] !== undefined)
        failImport(
          "import_file_invalid",
          `weight ${w["name"]} is quantized; convert the model without quantization`,
          at,
        );
      const shape = w["shape"] as number[];
      if (shape.some((d) => !Number.isInteger(d) || d < 0))
        failImport(
          "import_file_invalid",
          `weight ${w["name"]} has an invalid shape`,
          at,
        );
      entries.push({ name: w["name"], shape, offset: need });
      need += shape.reduce((a, d) => a * d, 1) * BYTES[dtype]!;
    }
  });
  if (need !== offset)
    failImport(
      "import_file_invalid",
      `the manifest describes ${need} bytes of weights but the shards hold ${offset}`,
      "weightsManifest",
    );
  const all = new Uint8Array(offset);
  let p = 0;
  for (const s of shards) {
    all.set(s, p);
    p += s.length;
  }
  const view = new DataView(all.buffer);
  // A weight belongs to the layer named by the first scope of its path that names a layer of the model:
  // `dense/kernel`, `sequential/dense/kernel` (an outer model scope), and `lstm/lstm_cell/kernel` (an RNN's
  // weights under its cell scope, as Keras 2 names them and layerc exports them) all address their layer.
  return (refs) => {
    const names = new Set(refs.map((r) => r.name));
    const owner = (entry: ManifestEntry) =>
      entry.name
        .split("/")
        .slice(0, -1)
        .find((scope) => names.has(scope));
    return refs.map(({ name: layer }) =>
      entries
        .filter((e) => owner(e) === layer)
        .map((e) => ({
          shape: e.shape,
          path: e.name,
          read: () =>
            Float32Array.from(
              { length: e.shape.reduce((a, d) => a * d, 1) },
              (_, i) => view.getFloat32(e.offset + 4 * i, true),
            ),
        })),
    );
  };
}
