/**
 * Checked IR → Keras: the model config as Keras 3 writes it (config.json
 * of a `.keras`), the same in the Keras 2 form TensorFlow.js reads, and the
 * compile config. Generic over the registry: every layerc argument is a
 * Keras argument of the same name (keras-layers.ts maps the exceptions), so
 * a layer's config is its resolved attributes with initializers spelled as
 * Keras objects.
 */
import type {
  AttrValue,
  LayerIR,
  ModelIR,
  TrainingIR,
} from "../ir/model-ir.js";
import type { InitializerSpec, OptimizerSpec } from "../runtime/spec.js";
import { kerasClassOf, kerasLayers, type Json } from "./keras-layers.js";
import { failImport } from "./diagnostics.js";

type Obj = { [key: string]: Json };

const INITIALIZER_CLASSES: Readonly<Partial<Record<InitializerSpec["name"], string>>> = {
  zeros: "Zeros",
  ones: "Ones",
  constant: "Constant",
  random_normal: "RandomNormal",
  random_uniform: "RandomUniform",
  truncated_normal: "TruncatedNormal",
  variance_scaling: "VarianceScaling",
  glorot_uniform: "GlorotUniform",
  glorot_normal: "GlorotNormal",
  he_uniform: "HeUniform",
  he_normal: "HeNormal",
  lecun_uniform: "LecunUniform",
  lecun_normal: "LecunNormal",
  orthogonal: "Orthogonal",
  identity: "Identity",
};

const isInitializer = (v: AttrValue): v is InitializerSpec =>
  v !== null && typeof v === "object" && !Array.isArray(v) && "name" in v;

/** Keras 3 serializes objects with module and registered_name; Keras 2 / tfjs without. */
export type Flavor = "keras3" | "tfjs";

function wrap(
  flavor: Flavor,
  module: string,
  className: string,
  config: Obj,
): Obj {
  return flavor === "keras3"
    ? { module, class_name: className, config, registered_name: null }
    : { class_name: className, config };
}

export function initializerJson(spec: InitializerSpec, flavor: Flavor): Obj {
  const { name, ...rest } = spec as InitializerSpec & Record<string, Json>;
  const config: Obj = {};
  for (const [k, v] of Object.entries(rest)) config[k] = v ?? null;
  if ("seed" in spec && !("seed" in config)) config["seed"] = null;
  const className = INITIALIZER_CLASSES[name] ?? failImport("import_model_unsupported", `the ${name} initializer is not exported yet`);
  return wrap(flavor, "keras.initializers", className, config);
}

function attrJson(v: AttrValue, flavor: Flavor): Json {
  if (isInitializer(v)) return initializerJson(v, flavor);
  if (Array.isArray(v)) return [...(v as number[])];
  return v as Json;
}

const dtypePolicy = (dtype: string, flavor: Flavor): Json =>
  flavor === "keras3"
    ? {
        module: "keras",
        class_name: "DTypePolicy",
        config: { name: dtype },
        registered_name: null,
      }
    : dtype;

export function layerConfig(
  layer: LayerIR,
  dtype: string,
  flavor: Flavor,
): Obj {
  const className = kerasClassOf(layer.kind);
  const rename = Object.entries(kerasLayers[className]?.rename ?? {});
  const config: Obj = {
    name: layer.name,
    trainable: true,
    dtype: dtypePolicy(dtype, flavor),
  };
  for (const [key, value] of Object.entries(layer.attrs)) {
    // Keras's get_config writes activity_regularizer only when one is set
    if (key === "activity_regularizer" && value === null) continue;
    if ((key.endsWith("_regularizer") || key.endsWith("_constraint")) && value !== null) {
      failImport("import_model_unsupported", `layer ${layer.name}: ${key} is not exported yet`);
    }
    const kerasKey = rename.find(([, to]) => to === key)?.[0] ?? key;
    config[kerasKey] = attrJson(value, flavor);
  }
  // layerc's strides=None means pool_size, as in Keras; tfjs wants it spelled out
  if (flavor === "tfjs" && "pool_size" in config && config["strides"] === null)
    config["strides"] = config["pool_size"]!;
  return wrap(flavor, "keras.layers", className, config);
}

function inputLayer(model: ModelIR, flavor: Flavor): Obj {
  const batch = [null, ...model.inputShape];
  return flavor === "keras3"
    ? wrap(flavor, "keras.layers", "InputLayer", {
        batch_shape: batch,
        dtype: model.dtype,
        sparse: false,
        ragged: false,
        name: "input_layer",
      })
    : {
        class_name: "InputLayer",
        config: {
          batch_input_shape: batch,
          dtype: model.dtype,
          sparse: false,
          name: "input_layer",
        },
      };
}

/** The Sequential model config (Keras 3 `config.json`, or the tfjs `model_config`). */
export function modelConfig(model: ModelIR, flavor: Flavor): Obj {
  const layers = [
    inputLayer(model, flavor),
    ...model.layers.map((l) => layerConfig(l, model.dtype, flavor)),
  ];
  if (flavor === "tfjs")
    return { class_name: "Sequential", config: { name: "sequential", layers } };
  return {
    ...wrap(flavor, "keras", "Sequential", {
      name: "sequential",
      trainable: true,
      dtype: dtypePolicy(model.dtype, flavor),
      layers,
    }),
    build_config: { input_shape: [null, ...model.inputShape] },
  };
}

const OPTIMIZER_CLASSES: Readonly<Record<OptimizerSpec["name"], string>> = {
  sgd: "SGD",
  adam: "Adam",
  adamw: "AdamW",
  rmsprop: "RMSprop",
  adagrad: "Adagrad",
  adadelta: "Adadelta",
  adamax: "Adamax",
  nadam: "Nadam",
  lion: "Lion",
  ftrl: "Ftrl",
};

const OPTIMIZER_DEFAULTS: Readonly<Record<string, Json>> = { useEma: false, emaMomentum: 0.99, amsgrad: false, centered: false };

/** camelCase spec fields → Keras's snake_case arguments (beta1 → beta_1). */
const snake = (k: string) => k.replace(/([a-z])([A-Z0-9])/g, "$1_$2").toLowerCase();

export function optimizerJson(o: OptimizerSpec, flavor: Flavor): Obj {
  if (o.schedule !== undefined && o.schedule !== null) {
    failImport("import_compile_unsupported", "learning-rate schedules are not exported yet; export the model without compile(...) or with a constant learning_rate");
  }
  const config: Obj = { name: o.name, learning_rate: o.learningRate };
  for (const [k, v] of Object.entries(o)) {
    if (k === "name" || k === "schedule" || k === "learningRate" || v === undefined || v === null) continue;
    // options at Keras's default are left out (every optimizer takes them)
    if (OPTIMIZER_DEFAULTS[k] === v) continue;
    config[snake(k)] = v as Json;
  }
  return wrap(flavor, "keras.optimizers", OPTIMIZER_CLASSES[o.name], config);
}

const LOSS_CLASSES: Readonly<Record<string, string>> = {
  binary_crossentropy: "BinaryCrossentropy",
  categorical_crossentropy: "CategoricalCrossentropy",
  sparse_categorical_crossentropy: "SparseCategoricalCrossentropy",
};

/** Keras 3 `compile_config`. */
export function compileConfig(t: TrainingIR): Obj {
  const loss: Json = t.loss.fromLogits
    ? wrap("keras3", "keras.losses", LOSS_CLASSES[t.loss.name]!, {
        name: t.loss.name,
        reduction: "sum_over_batch_size",
        from_logits: true,
      })
    : t.loss.name;
  return {
    optimizer: optimizerJson(t.optimizer, "keras3"),
    loss,
    loss_weights: null,
    metrics: t.metrics.length ? t.metrics.map((m) => m.name) : null,
    weighted_metrics: null,
  };
}

/** The legacy `training_config` (tfjs `modelTopology.training_config`). */
export function trainingConfig(t: TrainingIR): Obj {
  const loss: Json = t.loss.fromLogits
    ? { class_name: LOSS_CLASSES[t.loss.name]!, config: { from_logits: true } }
    : t.loss.name;
  const opt = optimizerJson(t.optimizer, "tfjs");
  return { loss, metrics: t.metrics.map((m) => m.name), optimizer_config: opt };
}
