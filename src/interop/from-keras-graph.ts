/**
 * A Keras functional model config (`class_name: "Functional"`, or `"Model"`
 * in Keras 2 and TensorFlow.js) → `.nn` statements in the functional
 * syntax: `x = Input(…)`, `h = Dense(4)(x)`, a shared layer bound once and
 * called per node (`tower = Dense(5)`, `tower_1 = tower(left)`), and
 * `Model(inputs=…, outputs=…)`. Both node formats are read:
 *
 * - Keras 3: `inbound_nodes: [{args: [tensor | [tensors]], kwargs}]`, a
 *   tensor being `{class_name: "__keras_tensor__", config: {keras_history: [layer, node, index]}}`;
 * - Keras 2 / tfjs: `inbound_nodes: [[[layer, node, index, kwargs], …]]`.
 *
 * Calls are written in a topological order (config order where it is
 * free), so each tensor is named before it is used. Layers are translated
 * by the same Translator as a Sequential stack; anything without a faithful
 * translation is a diagnostic with its config path.
 */
import { lookupLayer } from "../layers/registry.js";
import type { Json } from "./keras-layers.js";
import { kerasRow } from "./keras-layers.js";
import {
  dtypeOf,
  inputShapeOf,
  isObj,
  quote,
  same,
  Translator,
  tuple,
  type Obj,
  type TranslatedModel,
} from "./from-keras.js";
import { uniqueIdentifiers } from "./names.js";

/** A tensor reference: the producing layer, which of its calls, which of that call's outputs. */
interface Ref {
  readonly layer: string;
  readonly node: number;
  readonly index: number;
}

interface Call {
  readonly layer: string;
  readonly node: number;
  readonly inputs: Ref[];
  /** Called on a list (`Add()([a, b])`) rather than on one tensor. */
  readonly list: boolean;
  /** A recurrent layer's `initial_state=[…]`: Keras 3 records it as a keyword, Keras 2 as further inputs. */
  readonly initialState: Ref[];
}

/** Keras's recurrent layers and the number of states each returns with `return_state=True`. */
const RNN_STATES: Readonly<Record<string, number>> = { LSTM: 2, GRU: 1, SimpleRNN: 1 };

/**
 * How many tensors one call of a layer returns, from its Keras config: a
 * recurrent layer with `return_state` adds its states, a Bidirectional adds
 * both directions' states and, with `merge_mode=None`, returns each
 * direction's output apart.
 */
function outputCount(entry: Obj): number {
  const cls = entry["class_name"];
  const config = isObj(entry["config"]) ? entry["config"] : {};
  if (typeof cls === "string" && RNN_STATES[cls] !== undefined) return config["return_state"] === true ? 1 + RNN_STATES[cls]! : 1;
  if (cls === "Bidirectional") {
    const inner = isObj(config["layer"]) ? config["layer"] : {};
    const innerConfig = isObj(inner["config"]) ? inner["config"] : {};
    const states = typeof inner["class_name"] === "string" ? (RNN_STATES[inner["class_name"]] ?? 0) : 0;
    const outputs = config["merge_mode"] === null ? 2 : 1;
    return outputs + (innerConfig["return_state"] === true ? 2 * states : 0);
  }
  return 1;
}

const key = (r: { layer: string; node: number; index?: number }) =>
  `${r.layer}\u0000${r.node}\u0000${r.index ?? 0}`;

/** kwargs Keras records for a call that mean "as layerc computes": inference mode, no mask. */
const BENIGN_KWARGS: Readonly<Record<string, readonly Json[]>> = {
  training: [false, null],
  mask: [null],
};

function refOf(v: Json): Ref | null {
  // Keras 3: {class_name: "__keras_tensor__", config: {keras_history: [...]}}; Keras 2: [layer, node, index, kwargs?]
  const h =
    isObj(v) && isObj(v["config"]) ? v["config"]["keras_history"] : v;
  if (
    Array.isArray(h) &&
    h.length >= 3 &&
    typeof h[0] === "string" &&
    typeof h[1] === "number" &&
    typeof h[2] === "number"
  )
    return { layer: h[0], node: h[1], index: h[2] };
  return null;
}

/** input_layers / output_layers: one ref, a list of refs, or (Keras 3) a dict of refs by name. */
function refsOf(v: Json | undefined): Ref[] | null {
  if (v === undefined || v === null) return null;
  const one = refOf(v);
  if (one !== null) return [one];
  const items = Array.isArray(v) ? v : isObj(v) ? Object.values(v) : null;
  if (items === null) return null;
  const refs = items.map(refOf);
  return refs.every((r) => r !== null) ? (refs as Ref[]) : null;
}

export function translateFunctional(
  model: Obj,
  path = "config",
): TranslatedModel {
  const t = new Translator();
  const out: TranslatedModel = {
    options: [],
    statements: [],
    layers: [],
    diagnostics: t.diagnostics,
  };
  const config = isObj(model["config"]) ? model["config"] : {};
  const entries = Array.isArray(config["layers"]) ? config["layers"] : [];
  const inputShapes = new Map<string, number[]>();
  const entryOf = new Map<string, { entry: Obj; path: string }>();
  const calls: Call[] = [];
  const dtypes = new Set<string>();

  // Keras 3 records Embedding(mask_zero=True)'s mask as an op, `not_equal(ids, 0)`, passed to later calls as
  // mask=; layerc carries that mask implicitly from the Embedding, so the op is dropped and the mask= accepted
  const maskOps = new Map<string, Ref>();
  entries.forEach((entry) => {
    if (!isObj(entry) || entry["class_name"] !== "NotEqual" || typeof entry["name"] !== "string") return;
    const node = Array.isArray(entry["inbound_nodes"]) ? entry["inbound_nodes"][0] : undefined;
    const args = isObj(node) && Array.isArray(node["args"]) ? node["args"] : [];
    const source = args.length === 2 && args[1] === 0 ? refOf(args[0]!) : null;
    if (source !== null) maskOps.set(entry["name"], source);
  });
  const masksUsed = new Set<string>();

  entries.forEach((entry, i) => {
    const lp = `${path}.config.layers[${i}]`;
    if (isObj(entry) && typeof entry["name"] === "string" && maskOps.has(entry["name"])) return;
    if (!isObj(entry) || !isObj(entry["config"]) || typeof entry["class_name"] !== "string") {
      t.report("import_model_unsupported", "a layer entry without class_name and config", lp);
      return;
    }
    const name =
      typeof entry["name"] === "string"
        ? entry["name"]
        : typeof entry["config"]["name"] === "string"
          ? entry["config"]["name"]
          : null;
    if (name === null || entryOf.has(name)) {
      t.report("import_model_unsupported", name === null ? "a layer without a name" : `two layers are named ${name}`, lp);
      return;
    }
    entryOf.set(name, { entry, path: lp });
    const cls = entry["class_name"];
    const dtype = dtypeOf(entry["config"]);
    if (cls === "InputLayer") {
      const shape = inputShapeOf(entry["config"]);
      if (shape === null) t.report("import_model_unsupported", `input ${name} has no fixed shape`, `${lp}.config`);
      else inputShapes.set(name, shape);
      // token ids arrive as integers in Keras; layerc feeds them as numbers, so an integer input dtype is fine
      if (dtype !== null && !/^u?int/.test(dtype)) dtypes.add(dtype);
      return;
    }
    if (dtype !== null) dtypes.add(dtype);
    if (cls === "Functional" || cls === "Sequential" || cls === "Model") {
      t.report("import_model_unsupported", `layer ${name} is a nested ${cls} model; layerc imports one flat graph (build the model from the inner model's layers)`, lp);
      return;
    }
    const nodes = Array.isArray(entry["inbound_nodes"]) ? entry["inbound_nodes"] : [];
    nodes.forEach((node, k) => {
      const np = `${lp}.inbound_nodes[${k}]`;
      const recurrent = RNN_STATES[cls] !== undefined || cls === "Bidirectional";
      const call = parseNode(t, name, k, node, np, maskOps, masksUsed, recurrent);
      if (call) calls.push(call);
    });
  });

  for (const op of masksUsed) {
    const source = maskOps.get(op)!;
    const fromEmbedding = calls.some((c) => {
      const e = entryOf.get(c.layer)?.entry;
      return e?.["class_name"] === "Embedding" && isObj(e["config"]) && e["config"]["mask_zero"] === true && c.inputs.length === 1 && key(c.inputs[0]!) === key(source);
    });
    if (!fromEmbedding)
      t.report("import_model_unsupported", `the mask ${op} is not the one an Embedding(mask_zero=True) computes from its ids; layerc passes only that mask`, `${path}.config.layers`);
  }
  const inputs = refsOf(config["input_layers"]);
  const outputs = refsOf(config["output_layers"]);
  if (inputs === null || outputs === null || inputs.length === 0 || outputs.length === 0) {
    t.report("import_model_unsupported", "the functional config has no input_layers and output_layers", `${path}.config`);
    return out;
  }
  for (const r of inputs)
    if (r.index !== 0)
      t.report("import_model_unsupported", `model input ${r.layer} is output ${r.index} of its layer`, `${path}.config.input_layers`);
  for (const r of inputs)
    if (!inputShapes.has(r.layer))
      t.report("import_model_unsupported", `model input ${r.layer} is not an InputLayer`, `${path}.config.input_layers`);
  if (t.diagnostics.length) return out;

  // names: each tensor and each shared layer gets a spec identifier, unique and valid
  const callsOf = new Map<string, Call[]>();
  for (const c of calls) callsOf.set(c.layer, [...(callsOf.get(c.layer) ?? []), c]);
  const wanted: string[] = [];
  const inputNames = [...inputShapes.keys()];
  wanted.push(...inputNames);
  const counts = calls.map((c) => outputCount(entryOf.get(c.layer)!.entry));
  calls.forEach((c, i) => {
    const n = callsOf.get(c.layer)!.length;
    const base = n === 1 ? c.layer : `${c.layer}_${c.node + 1}`;
    wanted.push(base);
    // a call's further results (an RNN's states): `seq, seq_state_1, seq_state_2 = LSTM(…)(x)`
    for (let k = 1; k < counts[i]!; k++) wanted.push(`${base}_state_${k}`);
  });
  const shared = [...callsOf].filter(([, cs]) => cs.length > 1).map(([l]) => l);
  wanted.push(...shared);
  const ids = uniqueIdentifiers(wanted);
  const variable = new Map<string, string>();
  inputNames.forEach((n, i) => variable.set(key({ layer: n, node: 0 }), ids[i]!));
  let next = inputNames.length;
  calls.forEach((c, i) => {
    for (let k = 0; k < counts[i]!; k++) variable.set(key({ ...c, index: k }), ids[next++]!);
  });
  const layerVariable = new Map(shared.map((l, i) => [l, ids[next + i]!]));

  // inputs first, in input_layers order; Keras names an unnamed input input_layer, input_layer_1, …
  // (layerc numbers every Input, named or not)
  for (const [i, r] of inputs.entries()) {
    const expected = i === 0 ? "input_layer" : `input_layer_${i}`;
    const name = r.layer === expected ? "" : `, name=${quote(r.layer)}`;
    out.statements.push(`${variable.get(key(r))} = Input(shape=${tuple(inputShapes.get(r.layer)!)}${name})`);
  }
  const available = new Set(inputs.map((r) => key(r)));
  // an InputLayer the outputs do not use is still declared, as Keras keeps it in the config
  for (const n of inputNames)
    if (!available.has(key({ layer: n, node: 0 })))
      t.report("import_model_unsupported", `InputLayer ${n} is not among the model's input_layers`, `${path}.config.input_layers`);

  const pending = [...calls];
  const declared = new Set<string>();
  while (pending.length) {
    const at = pending.findIndex((c) => [...c.inputs, ...c.initialState].every((r) => available.has(key(r))));
    if (at < 0) {
      const c = pending[0]!;
      const missing = [...c.inputs, ...c.initialState].find((r) => !available.has(key(r)))!;
      t.report(
        "import_model_unsupported",
        `layer ${c.layer} (call ${c.node}) reads ${missing.layer}[${missing.node}][${missing.index}], which no layer call of the config produces`,
        `${entryOf.get(c.layer)!.path}.inbound_nodes[${c.node}]`,
      );
      return out;
    }
    const c = pending.splice(at, 1)[0]!;
    const { entry, path: lp } = entryOf.get(c.layer)!;
    const args = c.inputs.map((r) => variable.get(key(r))!);
    const row = kerasRow(entry["class_name"] as string);
    const merge = row !== undefined && lookupLayer(row.kind)?.merge !== undefined;
    const states = c.initialState.map((r) => variable.get(key(r))!);
    const applied = (c.list || merge ? `[${args.join(", ")}]` : args[0]!) + (states.length ? `, initial_state=[${states.join(", ")}]` : "");
    const count = outputCount(entry);
    const results = Array.from({ length: count }, (_, k) => ({ ...c, index: k }));
    const target = results.map((r) => variable.get(key(r))!).join(", ");
    const produced = () => results.forEach((r) => available.add(key(r)));
    const layerVar = layerVariable.get(c.layer);
    if (!declared.has(c.layer)) {
      declared.add(c.layer);
      const r = t.layer(entry, lp);
      if (r === null) {
        produced(); // reported; its readers are not reported again
        continue;
      }
      out.layers.push({ name: r.name, className: r.className });
      if (layerVar === undefined) {
        out.statements.push(`${target} = ${r.statement}(${applied})`);
        produced();
        continue;
      }
      out.statements.push(`${layerVar} = ${r.statement}`);
    }
    if (layerVar !== undefined) out.statements.push(`${target} = ${layerVar}(${applied})`);
    produced();
  }
  for (const r of outputs)
    if (!available.has(key(r)))
      t.report("import_model_unsupported", `model output ${r.layer}[${r.node}][${r.index}] is not produced by any layer call`, `${path}.config.output_layers`);
  const list = (refs: Ref[]) =>
    refs.length === 1
      ? variable.get(key(refs[0]!))!
      : `[${refs.map((r) => variable.get(key(r))!).join(", ")}]`;
  out.statements.push(`Model(inputs=${list(inputs)}, outputs=${list(outputs)})`);
  out.outputs = outputs.map((r) => r.layer);

  const kinds = [...dtypes];
  if (kinds.length > 1 || (kinds.length === 1 && kinds[0] !== "float32" && kinds[0] !== "float64"))
    t.report("import_model_unsupported", `the model computes in ${kinds.join(" and ")}; layerc models use one of float32 and float64`, `${path}.config.layers`);
  else if (kinds[0] === "float64") out.options.push("dtype='float64'");
  return out;
}

/** One inbound node (either format) → the call it records, or null after reporting. */
function parseNode(
  t: Translator,
  layer: string,
  node: number,
  v: Json,
  path: string,
  maskOps: ReadonlyMap<string, Ref>,
  masksUsed: Set<string>,
  recurrent: boolean,
): Call | null {
  let tensors: Json[];
  let list: boolean;
  let kwargs: Json = null;
  if (isObj(v) && Array.isArray(v["args"])) {
    const args = v["args"];
    if (args.length !== 1)
      return t.report("import_model_unsupported", `layer ${layer} is called with ${args.length} positional arguments; layerc calls a layer on one tensor or one list`, `${path}.args`);
    list = Array.isArray(args[0]);
    tensors = list ? (args[0] as Json[]) : [args[0]!];
    kwargs = v["kwargs"] ?? null;
  } else if (Array.isArray(v)) {
    tensors = v;
    list = v.length > 1;
    for (const item of v) if (Array.isArray(item) && item.length > 3 && isObj(item[3]!) && Object.keys(item[3]).length) kwargs = item[3]!;
  } else return t.report("import_model_unsupported", `layer ${layer} has an inbound node layerc cannot read`, path);
  let initialState: Ref[] = [];
  if (isObj(kwargs))
    for (const [k, x] of Object.entries(kwargs)) {
      if (k === "initial_state" && recurrent && x !== null) {
        const states = Array.isArray(x) ? x.map(refOf) : [refOf(x)];
        if (states.some((r) => r === null))
          return t.report("import_model_unsupported", `layer ${layer} is called with an initial_state that is not tensors of the model`, `${path}.kwargs.initial_state`);
        initialState = states as Ref[];
        continue;
      }
      const mask = k === "mask" ? refOf(x) : null;
      if (mask !== null && maskOps.has(mask.layer)) {
        masksUsed.add(mask.layer);
        continue;
      }
      if (!BENIGN_KWARGS[k]?.some((b) => same(b, x)))
        return t.report("import_model_unsupported", `layer ${layer} is called with ${k}=${JSON.stringify(x)}, which layerc does not support`, `${path}.kwargs.${k}`);
    }
  const refs = tensors.map(refOf);
  if (refs.some((r) => r === null) || refs.length === 0)
    return t.report("import_model_unsupported", `layer ${layer} is called on something other than tensors of the model`, `${path}.args`);
  // Keras 2 / tfjs record a recurrent layer's initial states as further inputs of its node
  if (recurrent && !isObj(v) && refs.length > 1) return { layer, node, inputs: [refs[0]!], list: false, initialState: refs.slice(1) as Ref[] };
  return { layer, node, inputs: refs as Ref[], list, initialState };
}
