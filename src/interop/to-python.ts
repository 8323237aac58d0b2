/**
 * Checked IR → a readable Keras 3 Python script that builds and compiles
 * the same model (arguments at their Keras default are left out, as a
 * person would write it), loads the exported weights when there are any,
 * and carries a commented `keras.distribution` block for data-parallel
 * training on several devices. Every value is printed as a Python literal
 * (strings through JSON escaping), so no spec text reaches the script raw.
 */
import type { AttrValue, ModelIR } from "../ir/model-ir.js";
import { lookupLayer } from "../layers/registry.js";
import { VERSION } from "../version.js";
import { kerasClassOf } from "./keras-layers.js";
import { attrJson, compileConfig } from "./to-keras.js";
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
  if (typeof v === "string") return str(v);
  if (Array.isArray(v))
    return `(${v.map(py).join(", ")}${v.length === 1 ? "," : ""})`;
  const o = v as Record<string, Json>;
  if (typeof o["class_name"] === "string" && typeof o["module"] === "string") {
    const config = (o["config"] ?? {}) as Record<string, Json>;
    const defaults = OBJECT_DEFAULTS[o["class_name"]] ?? {};
    const args = Object.entries(config)
      .filter(
        ([k, x]) =>
          !(k === "seed" && x === null) && k !== "name" && defaults[k] !== x,
      )
      .map(([k, x]) => `${k}=${py(x)}`);
    return `${o["module"]}.${o["class_name"]}(${args.join(", ")})`;
  }
  return `{${Object.entries(o)
    .map(([k, x]) => `${str(k)}: ${py(x)}`)
    .join(", ")}}`;
}

export function pythonScript(
  model: ModelIR,
  weightsFile: string | null,
): string {
  const layers = model.layers.map((layer) => {
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
      const text = py(attrJson(spec.name, v, "keras3"));
      positional =
        positional && spec.required === true && spec.positional === true;
      args.push(positional ? text : `${spec.name}=${text}`);
    }
    args.push(`name=${str(layer.name)}`);
    return `            keras.layers.${kerasClassOf(layer.kind)}(${args.join(", ")}),`;
  });
  const compile = model.training ? compileConfig(model.training) : null;
  const compileLines = compile
    ? [
        `    model.compile(`,
        `        optimizer=${py(compile["optimizer"])},`,
        `        loss=${typeof compile["loss"] === "string" ? str(compile["loss"]) : py(compile["loss"])},`,
        ...(compile["metrics"]
          ? [`        metrics=${JSON.stringify(compile["metrics"])},`]
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
    `    model = keras.Sequential(`,
    `        [`,
    `            keras.Input(shape=${py([...model.inputShape])}${model.dtype === "float64" ? `, dtype="float64"` : ""}),`,
    ...layers,
    `        ],`,
    `        name=${str(model.name)},`,
    `    )`,
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
