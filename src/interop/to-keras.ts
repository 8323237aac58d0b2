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
  LayerAttr,
  LayerIR,
  ModelIR,
  TrainingIR,
} from "../ir/model-ir.js";
import type { ConstraintSpec, InitializerSpec, LossSpec, MetricSpec, OptimizerSpec, RegularizerSpec, ScheduleSpec } from "../runtime/spec.js";
import { lookupLayer } from "../layers/registry.js";
import { lossNames } from "../phases/2-check/loss-names.js";
import { metricNames } from "../phases/2-check/metric-names.js";
import type { ArgType } from "../layers/types.js";
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

/** A regularizer as Keras writes it: L1, L2, or L1L2 when both are set. */
export function regularizerJson(r: RegularizerSpec, flavor: Flavor): Obj {
  return r.l1 === 0 && r.l2 !== 0
    ? wrap(flavor, "keras.regularizers", "L2", { l2: r.l2 })
    : r.l2 === 0 && r.l1 !== 0
      ? wrap(flavor, "keras.regularizers", "L1", { l1: r.l1 })
      : wrap(flavor, "keras.regularizers", "L1L2", { l1: r.l1, l2: r.l2 });
}

/** A constraint as Keras writes it (`axis` an int when it is one axis, as Keras's default 0). */
export function constraintJson(c: ConstraintSpec, flavor: Flavor): Obj {
  const axis = (a: readonly number[]): Json => (a.length === 1 ? a[0]! : [...a]);
  switch (c.name) {
    case "max_norm":
      return wrap(flavor, "keras.constraints", "MaxNorm", { max_value: c.maxValue, axis: axis(c.axis) });
    case "min_max_norm":
      return wrap(flavor, "keras.constraints", "MinMaxNorm", { min_value: c.minValue, max_value: c.maxValue, rate: c.rate, axis: axis(c.axis) });
    case "non_neg":
      return wrap(flavor, "keras.constraints", "NonNeg", {});
    case "unit_norm":
      return wrap(flavor, "keras.constraints", "UnitNorm", { axis: axis(c.axis) });
  }
}

export const isLayerAttr = (v: AttrValue): v is LayerAttr =>
  v !== null && typeof v === "object" && !Array.isArray(v) && "layer" in v && "attrs" in v;

/** A resolved layer attribute as a Keras config value (`key` tells a regularizer from a constraint). */
export function attrJson(key: string, v: AttrValue, flavor: Flavor, dtype = "float32"): Json {
  // a wrapped layer (Bidirectional(LSTM(8))) is a whole layer config
  if (isLayerAttr(v)) {
    const { name, ...attrs } = v.attrs;
    return layerConfig({ kind: v.layer, name: typeof name === "string" ? name : v.layer.toLowerCase(), attrs } as LayerIR, dtype, flavor);
  }
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    if (key.endsWith("_regularizer")) return regularizerJson(v as RegularizerSpec, flavor);
    if (key.endsWith("_constraint")) return constraintJson(v as ConstraintSpec, flavor);
  }
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

/**
 * A resolved attribute in the form Keras's constructor takes: padding and
 * cropping amounts back from layerc's flat [before0, after0, …] to one
 * (before, after) pair per axis, a one-number list (Rescaling's scale,
 * UpSampling1D's size, which Keras insists be an int) to the number.
 */
export function kerasForm(type: ArgType | undefined, v: Json): Json {
  if (type?.t === "nullable") return v === null ? v : kerasForm(type.inner, v);
  if (!Array.isArray(v)) return v;
  if (type?.t === "pairs") {
    const pairs = Array.from({ length: v.length / 2 }, (_, i) => [v[2 * i]!, v[2 * i + 1]!]);
    return type.rank === 1 ? pairs[0]! : pairs;
  }
  if ((type?.t === "floats" || (type?.t === "ints" && type.rank === 1)) && v.length === 1) return v[0]!;
  return v;
}

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
  const argTypes = new Map((lookupLayer(layer.kind)?.args ?? []).map((a) => [a.name, a.type]));
  for (const [key, value] of Object.entries(layer.attrs)) {
    // Keras's get_config writes activity_regularizer only when one is set
    if (key === "activity_regularizer" && value === null) continue;
    const kerasKey = rename.find(([, to]) => to === key)?.[0] ?? key;
    config[kerasKey] = kerasForm(argTypes.get(key), attrJson(key, value, flavor, dtype));
  }
  for (const key of kerasLayers[className]?.omit ?? []) delete config[key];
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

/** Which call of its layer each node is (Keras's node index: a shared layer's calls count 0, 1, …). */
export function nodeIndices(model: ModelIR): number[] {
  const calls = new Map<number, number>();
  return model.nodes.map((n) => {
    const k = calls.get(n.layer) ?? 0;
    calls.set(n.layer, k + 1);
    return k;
  });
}

/** Each tensor's Keras history: [producing layer (or input) name, node index, which of the call's results]. */
export function tensorHistory(model: ModelIR): Map<number, [string, number, number]> {
  const at = nodeIndices(model);
  const history = new Map<number, [string, number, number]>();
  for (const input of model.inputs) history.set(input.tensor, [input.name, 0, 0]);
  model.nodes.forEach((n, i) => {
    const name = model.layers[n.layer]!.name;
    history.set(n.output, [name, at[i]!, 0]);
    // a call's further results (a recurrent layer's states) are its outputs 1, 2, …
    n.extraOutputs?.forEach((id, k) => history.set(id, [name, at[i]!, k + 1]));
  });
  return history;
}

/**
 * A functional model's config: InputLayers, then every layer once with its
 * inbound nodes (one per call, so a shared layer lists several), and the
 * input and output layers. Keras 3 writes a node as `{args, kwargs}` over
 * `__keras_tensor__` references; Keras 2 / tfjs as `[[layer, node, 0, {}], …]`.
 */
function functionalConfig(model: ModelIR, flavor: Flavor): Obj {
  const history = tensorHistory(model);
  const ref = (id: number): Json => {
    const h = history.get(id)!;
    return flavor === "keras3"
      ? {
          class_name: "__keras_tensor__",
          config: { shape: [null, ...model.tensors[id]!.shape], dtype: model.dtype, keras_history: [...h] },
        }
      : [...h, {}];
  };
  const inputs = model.inputs.map((input) => {
    const batch = [null, ...model.tensors[input.tensor]!.shape];
    const layer =
      flavor === "keras3"
        ? wrap(flavor, "keras.layers", "InputLayer", { batch_shape: batch, dtype: model.dtype, sparse: false, ragged: false, name: input.name })
        : { class_name: "InputLayer", config: { batch_input_shape: batch, dtype: model.dtype, sparse: false, name: input.name } };
    return { ...layer, name: input.name, inbound_nodes: [] };
  });
  const layers = model.layers.map((layer, li) => {
    const def = lookupLayer(layer.kind);
    const merge = def?.merge !== undefined;
    const nodes = model.nodes
      .filter((n) => n.layer === li)
      .map((n): Json => {
        const refs = n.inputs.map(ref);
        // the tensors after the first of a non-merge call are its keyword inputs (an RNN's initial_state=[h, c]):
        // Keras 3 records them as that keyword, Keras 2 and tfjs as further inputs of the node
        const keyword = !merge && refs.length > 1 ? def?.extraInputs?.keyword : undefined;
        if (flavor !== "keras3") return refs;
        return { args: [merge ? refs : refs[0]!], kwargs: keyword !== undefined ? { [keyword]: refs.slice(1) } : {} };
      });
    return { ...layerConfig(layer, model.dtype, flavor), name: layer.name, inbound_nodes: nodes };
  });
  // one input or output is written as one reference (Keras 3 then takes and returns a bare array), several as a list
  const refs = (ids: readonly number[]): Json => {
    const all = ids.map((id) => [...history.get(id)!] as Json);
    return flavor === "keras3" && all.length === 1 ? all[0]! : all;
  };
  const config: Obj = {
    name: snakeName(model.name),
    trainable: true,
    layers: [...inputs, ...layers],
    input_layers: refs(model.inputs.map((i) => i.tensor)),
    output_layers: refs(model.outputs),
  };
  if (flavor === "tfjs") return { class_name: "Model", config };
  return {
    module: "keras.src.models.functional",
    class_name: "Functional",
    config,
    registered_name: "Functional",
    build_config: { input_shape: null },
  };
}

/** The model's name as Keras would spell it (`TwoTower` → `two_tower`). */
const snakeName = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/** The model config (Keras 3 `config.json`, or the tfjs `model_config`): Sequential, or Functional for a graph. */
export function modelConfig(model: ModelIR, flavor: Flavor): Obj {
  if (model.functional) return functionalConfig(model, flavor);
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

export const OPTIMIZER_CLASSES: Readonly<Record<OptimizerSpec["name"], string>> = {
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

/**
 * A number Keras requires to be a Python float (SGD rejects `momentum: 0`).
 * JSON cannot tell 0 from 0.0, so a whole number is carried as a marked
 * string that the writers print as `0.0` ({@link jsonText}, and the Python
 * script's literal printer).
 */
const FLOAT = "__layerc_float__:";
export const floatJson = (x: number): Json => (Number.isInteger(x) ? `${FLOAT}${x}` : x);
/** The marked whole float in a string, if it is one. */
export const markedFloat = (s: string): string | null => (s.startsWith(FLOAT) ? `${s.slice(FLOAT.length)}.0` : null);
/** JSON text of a config, whole floats printed as `0.0`. */
export const jsonText = (v: unknown): string =>
  JSON.stringify(v, null, 2).replace(new RegExp(`"${FLOAT}(-?\\d+)"`, "g"), "$1.0");

/** camelCase spec fields → Keras's snake_case arguments (beta1 → beta_1). */
const snake = (k: string) => k.replace(/([a-z])([A-Z0-9])/g, "$1_$2").toLowerCase();

const SCHEDULE_CLASSES: Readonly<Record<ScheduleSpec["name"], string>> = {
  exponential_decay: "ExponentialDecay",
  inverse_time_decay: "InverseTimeDecay",
  piecewise_constant_decay: "PiecewiseConstantDecay",
  polynomial_decay: "PolynomialDecay",
  cosine_decay: "CosineDecay",
  cosine_decay_restarts: "CosineDecayRestarts",
};

/** A learning-rate schedule as Keras serializes it inside an optimizer config. */
export function scheduleJson(s: ScheduleSpec, flavor: Flavor): Obj {
  const className = SCHEDULE_CLASSES[s.name];
  const config: Obj = {};
  for (const [k, v] of Object.entries(s))
    if (k !== "name") config[snake(k)] = Array.isArray(v) ? [...(v as number[])] : (v as Json);
  config["name"] = className;
  return wrap(flavor, "keras.optimizers.schedules", className, config);
}

export function optimizerJson(o: OptimizerSpec, flavor: Flavor): Obj {
  const config: Obj = {
    name: o.name,
    learning_rate: o.schedule ? scheduleJson(o.schedule, flavor) : o.learningRate,
  };
  for (const [k, v] of Object.entries(o)) {
    if (k === "name" || k === "schedule" || k === "learningRate" || v === undefined || v === null) continue;
    // options at Keras's default are left out (every optimizer takes them)
    if (OPTIMIZER_DEFAULTS[k] === v) continue;
    config[snake(k)] = typeof v === "number" && k !== "emaOverwriteFrequency" ? floatJson(v) : (v as Json);
  }
  return wrap(flavor, "keras.optimizers", OPTIMIZER_CLASSES[o.name], config);
}

/**
 * A loss as Keras serializes it: its name when every option is Keras's
 * default, else the class with its options (from_logits, label_smoothing,
 * delta, alpha, gamma, apply_class_balancing — whichever the class takes).
 */
export function lossJson(loss: LossSpec, flavor: Flavor): Json {
  const className = Object.keys(lossNames).find((k) => /^[A-Z]/.test(k) && lossNames[k]!.name === loss.name)!;
  const takes = new Set(lossNames[className]!.args.map((a) => a.name));
  const options: Obj = {};
  for (const [k, v] of Object.entries(loss))
    if (k !== "name" && takes.has(snake(k)) && v !== undefined) options[snake(k)] = v as Json;
  const plain = Object.entries(options).every(([k, v]) => k === "from_logits" && v === false);
  if (plain) return loss.name;
  return flavor === "keras3"
    ? wrap(flavor, "keras.losses", className, { name: loss.name, reduction: "sum_over_batch_size", ...options })
    : wrap(flavor, "keras.losses", className, options);
}

/**
 * A metric as Keras serializes it: the string when Keras's `metrics.get`
 * resolves it to the same metric, else the class with its name and options
 * (`TopKCategoricalAccuracy(k=3)`, `Precision(thresholds=0.7, name='prec')`).
 */
export function metricJson(m: MetricSpec, flavor: Flavor): Json {
  const options: Obj = {};
  const classes = Object.keys(metricNames).filter((k) => /^[A-Z]/.test(k) && metricNames[k]!.kind === m.kind);
  const className = classes.find((k) => (m.beta !== undefined ? k === "FBetaScore" : k !== "FBetaScore")) ?? classes[0];
  const entry = className !== undefined ? metricNames[className]! : undefined;
  const takes = new Set(entry?.args.map((a) => a.name) ?? []);
  if (m.threshold !== undefined) options[takes.has("thresholds") ? "thresholds" : "threshold"] = m.threshold;
  if (m.k !== undefined && m.k !== 5) options["k"] = m.k;
  if (m.numThresholds !== undefined && m.numThresholds !== 200) options["num_thresholds"] = m.numThresholds;
  if (m.average !== undefined) options["average"] = m.average;
  if (m.beta !== undefined) options["beta"] = m.beta;
  const plain = m.name === "accuracy" || m.name === "acc" || (Object.prototype.hasOwnProperty.call(metricNames, m.name) && metricNames[m.name]!.kind === m.kind);
  if ((plain && Object.keys(options).length === 0) || entry === undefined) return m.name;
  return wrap(flavor, "keras.metrics", className!, { name: m.name, dtype: "float32", ...options });
}

/** The output names of a model with several outputs (the keys of per-output compile arguments), else null. */
function outputNames(model: ModelIR): string[] | null {
  return model.training?.outputs && model.outputs.length > 1 ? model.outputs.map((id) => model.tensors[id]!.name) : null;
}

/** loss, loss_weights and metrics: one each, or per output name for a model with several outputs. */
function perOutput(model: ModelIR, t: TrainingIR, flavor: Flavor): { loss: Json; loss_weights: Json; metrics: Json } {
  const names = outputNames(model);
  if (names === null)
    return { loss: lossJson(t.loss, flavor), loss_weights: null, metrics: t.metrics.length ? t.metrics.map((m) => metricJson(m, flavor)) : null };
  const by = (f: (o: NonNullable<TrainingIR["outputs"]>[number]) => Json): Obj =>
    Object.fromEntries(t.outputs!.map((o, k) => [names[k]!, f(o)]));
  return {
    loss: by((o) => lossJson(o.loss, flavor)),
    loss_weights: by((o) => o.weight),
    metrics: by((o) => o.metrics.map((m) => metricJson(m, flavor))),
  };
}

/** Keras 3 `compile_config`. */
export function compileConfig(model: ModelIR, t: TrainingIR): Obj {
  const { loss, loss_weights, metrics } = perOutput(model, t, "keras3");
  return {
    optimizer: optimizerJson(t.optimizer, "keras3"),
    loss,
    loss_weights,
    metrics,
    weighted_metrics: null,
  };
}

/** The legacy `training_config` (tfjs `modelTopology.training_config`). */
export function trainingConfig(model: ModelIR, t: TrainingIR): Obj {
  const { loss, loss_weights, metrics } = perOutput(model, t, "tfjs");
  const opt = optimizerJson(t.optimizer, "tfjs");
  return { loss, metrics: metrics ?? [], ...(loss_weights !== null ? { loss_weights } : {}), optimizer_config: opt };
}
