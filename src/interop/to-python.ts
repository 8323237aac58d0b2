/**
 * Checked IR → a readable Keras 3 Python script that builds and compiles
 * the same model (arguments at their Keras default are left out, as a
 * person would write it), loads the exported weights when there are any,
 * and carries a commented `keras.distribution` block for data-parallel
 * training on several devices. Every value is printed as a Python literal
 * (strings through JSON escaping), so no spec text reaches the script raw.
 */
import type { AttrValue, LayerIR, ModelIR } from "../ir/model-ir.js";
import { lookupLayer } from "../layers/registry.js";
import { VERSION } from "../version.js";
import { kerasClassOf } from "./keras-layers.js";
import { attrJson, compileConfig, isLayerAttr, kerasForm, markedFloat, nodeIndices } from "./to-keras.js";
import { uniqueIdentifiers } from "./names.js";
import type { Json } from "./keras-layers.js";

const str = (s: string) => JSON.stringify(s);

/** Keras's own defaults for the objects the script constructs, left out as a person would. */
const OBJECT_DEFAULTS: Readonly<
  Record<string, Readonly<Record<string, Json>>>
> = {
  SGD: { learning_rate: 0.01, momentum: 0, nesterov: false },
  Adam: { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
  RMSprop: { learning_rate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7 },
};

function py(v: Json | AttrValue | undefined): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === "string") return markedFloat(v) ?? str(v);
  if (Array.isArray(v))
    return `(${v.map(py).join(", ")}${v.length === 1 ? "," : ""})`;
  const o = v as Record<string, Json>;
  if (typeof o["class_name"] === "string" && typeof o["module"] === "string") {
    const config = (o["config"] ?? {}) as Record<string, Json>;
    const defaults = OBJECT_DEFAULTS[o["class_name"]] ?? {};
    const args = Object.entries(config)
      .filter(
        ([k, x]) =>
          !(k === "seed" && x === null) &&
          k !== "name" &&
          defaults[k] !== (typeof x === "string" && markedFloat(x) !== null ? Number(markedFloat(x)) : x),
      )
      .map(([k, x]) => `${k}=${py(x)}`);
    return `${o["module"]}.${o["class_name"]}(${args.join(", ")})`;
  }
  return `{${Object.entries(o)
    .map(([k, x]) => `${str(k)}: ${py(x)}`)
    .join(", ")}}`;
}

/** Metrics as Python: lists stay lists (Keras wants a list or a dict of lists), metric objects become constructor calls. */
function pyMetrics(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(pyMetrics).join(", ")}]`;
  if (v !== null && typeof v === "object" && typeof v["class_name"] !== "string")
    return `{${Object.entries(v).map(([k, x]) => `${str(k)}: ${pyMetrics(x)}`).join(", ")}}`;
  if (v !== null && typeof v === "object" && !Array.isArray(v) && typeof v["module"] === "string") {
    // the metric's name is its history key (Precision(name="prec") logs `prec`), so it is kept
    const config = (v["config"] ?? {}) as Record<string, Json>;
    const args = Object.entries(config).filter(([k, x]) => !(k === "dtype" && x === "float32")).map(([k, x]) => `${k}=${py(x)}`);
    return `${v["module"]}.${v["class_name"] as string}(${args.join(", ")})`;
  }
  return py(v);
}

/** `keras.layers.Dense(4, activation="relu", name="dense")`: arguments at their Keras default left out. */
function layerCall(layer: Pick<LayerIR, "kind" | "attrs"> & { readonly name?: string }): string {
  const def = lookupLayer(layer.kind)!;
  const args: string[] = [];
  let positional = true;
  for (const spec of def.args) {
    const v = layer.attrs[spec.name];
    if (v === undefined) continue;
    const isDefault = JSON.stringify(v) === JSON.stringify(spec.default);
    if (isDefault && !spec.required) {
      positional = false;
      continue;
    }
    // a wrapped layer is its own constructor call, named by Keras (Bidirectional(LSTM(8)))
    const text = isLayerAttr(v) ? layerCall({ kind: v.layer, attrs: v.attrs }) : py(kerasForm(spec.type, attrJson(spec.name, v, "keras3")));
    positional =
      positional && spec.required === true && spec.positional === true;
    args.push(positional ? text : `${spec.name}=${text}`);
  }
  if (layer.name !== undefined) args.push(`name=${str(layer.name)}`);
  return `keras.layers.${kerasClassOf(layer.kind)}(${args.join(", ")})`;
}

/** A Sequential model as `keras.Sequential([...])`. */
function sequentialLines(model: ModelIR): string[] {
  return [
    `    model = keras.Sequential(`,
    `        [`,
    `            keras.Input(shape=${py([...model.inputShape])}${model.dtype === "float64" ? `, dtype="float64"` : ""}),`,
    ...model.layers.map((layer) => `            ${layerCall(layer)},`),
    `        ],`,
    `        name=${str(model.name)},`,
    `    )`,
  ];
}

/**
 * A functional model in Keras's functional API: one line per Input and per
 * layer call, a layer called several times bound once and then called by
 * name, and `keras.Model(inputs=…, outputs=…)`. Variables are the Keras
 * names (the scheme `layerc import` writes specs in).
 */
function functionalLines(model: ModelIR): string[] {
  const at = nodeIndices(model);
  const callCount = new Map<number, number>();
  for (const n of model.nodes) callCount.set(n.layer, (callCount.get(n.layer) ?? 0) + 1);
  const shared = [...callCount].filter(([, n]) => n > 1).map(([l]) => l);
  // every result of a call gets a variable: `seq, seq_state_1, seq_state_2 = layers.LSTM(…, return_state=True)(x)`
  const results = model.nodes.map((n) => [n.output, ...(n.extraOutputs ?? [])]);
  const ids = uniqueIdentifiers([
    ...model.inputs.map((i) => i.name),
    ...model.nodes.flatMap((n, i) => {
      const base = callCount.get(n.layer)! > 1 ? `${model.layers[n.layer]!.name}_${at[i]! + 1}` : model.layers[n.layer]!.name;
      return results[i]!.map((_, k) => (k === 0 ? base : `${base}_state_${k}`));
    }),
    ...shared.map((l) => model.layers[l]!.name),
  ]);
  const variable = new Map<number, string>();
  model.inputs.forEach((input, i) => variable.set(input.tensor, ids[i]!));
  let next = model.inputs.length;
  for (const r of results) for (const id of r) variable.set(id, ids[next++]!);
  const layerVariable = new Map(shared.map((l, i) => [l, ids[next + i]!]));
  const dtype = model.dtype === "float64" ? `, dtype="float64"` : "";
  const lines = model.inputs.map(
    (input) => `    ${variable.get(input.tensor)} = keras.Input(shape=${py([...model.tensors[input.tensor]!.shape])}${dtype}, name=${str(input.name)})`,
  );
  const declared = new Set<number>();
  model.nodes.forEach((n, i) => {
    const layer = model.layers[n.layer]!;
    const def = lookupLayer(layer.kind);
    const args = n.inputs.map((t) => variable.get(t)!);
    // tensors after the first of a non-merge call are its keyword inputs (an RNN's initial_state=[h, c])
    const keyword = def?.merge === undefined && args.length > 1 ? def?.extraInputs?.keyword : undefined;
    const applied = def?.merge !== undefined ? `[${args.join(", ")}]` : keyword !== undefined ? `${args[0]!}, ${keyword}=[${args.slice(1).join(", ")}]` : args[0]!;
    const target = results[i]!.map((id) => variable.get(id)!).join(", ");
    const name = layerVariable.get(n.layer);
    if (name === undefined) {
      lines.push(`    ${target} = ${layerCall(layer)}(${applied})`);
      return;
    }
    if (!declared.has(n.layer)) {
      declared.add(n.layer);
      lines.push(`    ${name} = ${layerCall(layer)}`);
    }
    lines.push(`    ${target} = ${name}(${applied})`);
  });
  const list = (tensors: readonly number[]) =>
    tensors.length === 1 ? variable.get(tensors[0]!)! : `[${tensors.map((id) => variable.get(id)!).join(", ")}]`;
  lines.push(
    `    model = keras.Model(inputs=${list(model.inputs.map((i) => i.tensor))}, outputs=${list(model.outputs)}, name=${str(model.name)})`,
  );
  return lines;
}

export function pythonScript(
  model: ModelIR,
  weightsFile: string | null,
): string {
  const compile = model.training ? compileConfig(model, model.training) : null;
  const compileLines = compile
    ? [
        `    model.compile(`,
        `        optimizer=${py(compile["optimizer"])},`,
        `        loss=${typeof compile["loss"] === "string" ? str(compile["loss"]) : py(compile["loss"])},`,
        ...(compile["loss_weights"] !== null
          ? [`        loss_weights=${py(compile["loss_weights"])},`]
          : []),
        ...(compile["metrics"]
          ? [`        metrics=${pyMetrics(compile["metrics"])},`]
          : []),
        `    )`,
      ]
    : [];
  const load = weightsFile
    ? [
        `    model.load_weights(pathlib.Path(__file__).with_name(${str(weightsFile)}))`,
      ]
    : [
        `    # no weights were exported: the model starts from Keras's initializers`,
      ];
  return [
    `"""${model.name}: a Keras 3 model exported by layerc ${VERSION}.`,
    ``,
    `Builds and compiles the same model as the spec${weightsFile ? ` and loads its weights from ${weightsFile}` : ""}.`,
    `Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python ${weightsFile ? weightsFile.replace(/\.weights\.h5$/, "") : "model"}.py`,
    `"""`,
    `import pathlib`,
    ``,
    `import keras`,
    ``,
    `# To train on several devices (data parallel: each batch is split across them,`,
    `# gradients are averaged), uncomment before the model is built:`,
    `#`,
    `# devices = keras.distribution.list_devices()`,
    `# keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))`,
    ``,
    ``,
    `def build_model():`,
    ...(model.functional ? functionalLines(model) : sequentialLines(model)),
    ...compileLines,
    `    return model`,
    ``,
    ``,
    `if __name__ == "__main__":`,
    `    model = build_model()`,
    ...load,
    `    model.summary()`,
    ``,
  ].join("\n");
}
