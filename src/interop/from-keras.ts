/**
 * Keras model config (the JSON in `config.json`, a legacy `.h5`'s
 * `model_config` attribute, or a TensorFlow.js `modelTopology`) → `.nn`
 * statements. Generic over the layer registry: each config key is matched
 * to the layerc argument of the same name (keras-layers.ts lists the
 * exceptions) and converted by the argument's type; arguments at their
 * layerc default are left out, so the spec reads like hand-written Keras.
 * Anything without a faithful translation becomes a diagnostic with the
 * config path, and no statement is guessed.
 */
import { lookupLayer } from "../layers/registry.js";
import type { ArgSpec, ArgType } from "../layers/types.js";
import type { AttrValue } from "../ir/model-ir.js";
import type { InitializerSpec } from "../runtime/spec.js";
import {
  activationNames,
  has,
  initializerNames,
  lossNames,
  metricNames,
  optimizerNames,
} from "../phases/2-check/vocabulary.js";
import { constraints, regularizers } from "../phases/2-check/weight-options.js";
import { scheduleArgs, scheduleNames } from "../phases/2-check/optimizer-names.js";
import { COMMON_BENIGN, kerasRow, type Json } from "./keras-layers.js";
import { OPTIMIZER_CLASSES } from "./to-keras.js";
import { interopDiagnostic, type InteropDiagnostic } from "./diagnostics.js";

export type Obj = { [key: string]: Json };

export const isObj = (v: Json | undefined): v is Obj =>
  v !== null && typeof v === "object" && !Array.isArray(v);
export const same = (a: unknown, b: unknown): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** A spec string literal (the language's only escapes are `\\`, `\'`, `\"`). */
export const quote = (s: string): string =>
  `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
export const tuple = (a: readonly number[]): string =>
  `(${a.join(", ")}${a.length === 1 ? "," : ""})`;
/**
 * Shortest decimal for a config float. Keras keeps some hyperparameters in
 * float32 variables (learning_rate 0.01 is saved as 0.009999999776482582),
 * so a value that is exactly a float32 prints as the shortest decimal that
 * rounds to that float32.
 */
function float(x: number): string {
  if (Number.isInteger(x)) return `${x}.0`;
  const isF32 = Math.fround(x) === x;
  for (let p = 1; p <= 17; p++) {
    const y = Number(x.toPrecision(p));
    if (y === x || (isF32 && Math.fround(y) === x)) return String(y);
  }
  return String(x);
}

/** What a translated model consists of: statement lines and the layer names in order. */
export interface TranslatedModel {
  readonly options: string[];
  readonly statements: string[];
  readonly layers: { readonly name: string; readonly className: string }[];
  readonly diagnostics: InteropDiagnostic[];
  /** A functional model's output layer names, in order (the keys of per-output compile arguments). */
  outputs?: string[];
}

const RECURRENT = new Set(["SimpleRNN", "LSTM", "GRU"]);

export class Translator {
  readonly diagnostics: InteropDiagnostic[] = [];
  private readonly counts = new Map<string, number>();

  report(
    code: Parameters<typeof interopDiagnostic>[0],
    message: string,
    path: string,
  ): null {
    this.diagnostics.push(interopDiagnostic(code, message, path));
    return null;
  }

  /** The name layerc gives the next unnamed layer of `stem`. */
  nextName(stem: string): string {
    const n = this.counts.get(stem) ?? 0;
    return n === 0 ? stem : `${stem}_${n}`;
  }

  /**
   * Whether layerc would name the next layer of `stem` `name` by itself
   * (dense, dense_1, …); as in Keras, only an unnamed layer takes a number.
   */
  isDefaultName(stem: string, name: string): boolean {
    const n = this.counts.get(stem) ?? 0;
    if (name !== (n === 0 ? stem : `${stem}_${n}`)) return false;
    this.counts.set(stem, n + 1);
    return true;
  }

  /** The .nn text of a Keras value for an argument of type `type`, and whether it equals `def`. */
  value(
    type: ArgType,
    v: Json,
    def: AttrValue | undefined,
    where: string,
    path: string,
  ): { text: string; isDefault: boolean } | null {
    if (type.t === "nullable") {
      if (v === null) return { text: "None", isDefault: def === null };
      return this.value(type.inner, v, def, where, path);
    }
    const bad = () =>
      this.report(
        "import_value_unsupported",
        `${where} is ${JSON.stringify(v)}, which layerc cannot express`,
        path,
      );
    switch (type.t) {
      case "int":
        return typeof v === "number" && Number.isInteger(v)
          ? { text: String(v), isDefault: v === def }
          : bad();
      case "float":
        // Keras keeps hyperparameters as float32: 0.0010000000474974513 is Adam's default 0.001
        return typeof v === "number"
          ? { text: float(v), isDefault: v === def || (typeof def === "number" && Math.fround(def) === v) }
          : bad();
      case "bool":
        return typeof v === "boolean"
          ? { text: v ? "True" : "False", isDefault: v === def }
          : bad();
      case "enum":
        return typeof v === "string" && type.values.includes(v)
          ? { text: quote(v), isDefault: v === def }
          : bad();
      case "string":
        return typeof v === "string"
          ? { text: quote(v), isDefault: v === def }
          : bad();
      case "shape":
      case "ints": {
        const a = typeof v === "number" ? [v] : v;
        if (
          !Array.isArray(a) ||
          a.some((d) => typeof d !== "number" || !Number.isInteger(d))
        )
          return bad();
        const dims = a as number[];
        const expanded =
          type.t === "ints" && dims.length === 1 && type.rank > 1
            ? new Array<number>(type.rank).fill(dims[0]!)
            : dims;
        // a one-element size reads as Keras users write it: kernel_size=3, not (3,)
        const text =
          type.t === "ints" && expanded.length === 1
            ? String(expanded[0])
            : tuple(expanded);
        return { text, isDefault: same(expanded, def) };
      }
      case "axes":
      case "floats":
      case "pairs": {
        // an int/number or (nested) lists of them, printed as Keras users write them
        const ok = (x: Json): boolean => (typeof x === "number" && (type.t === "floats" || Number.isInteger(x))) || (Array.isArray(x) && x.every(ok));
        if (!ok(v)) return bad();
        const print = (x: Json): string => (Array.isArray(x) ? `(${x.map(print).join(", ")}${x.length === 1 ? "," : ""})` : type.t === "floats" ? float(x as number) : String(x));
        // one axis and a list of that axis mean the same (a constraint's default axis is [0]; Keras writes 0)
        const isDefault = same(v, def) || (type.t === "axes" && (same([v], def) || same(v, [def as Json])));
        return { text: print(v), isDefault };
      }
      case "layer": {
        // a wrapped layer (Bidirectional(LSTM(8)), TimeDistributed(Dense(4))): its own call, without a name
        const inner = isObj(v) ? this.layer(v, path, true) : null;
        if (inner === null) return isObj(v) ? null : bad();
        if (type.recurrent && !RECURRENT.has(inner.className))
          return this.report("import_value_unsupported", `${where} is a ${inner.className}; it must be a recurrent layer`, path);
        return { text: inner.statement, isDefault: false };
      }
      case "regularizer":
      case "constraint":
        return this.weightOption(type.t, v, def, where, path);
      case "activation": {
        const name =
          v === null
            ? "linear"
            : typeof v === "string"
              ? v
              : isObj(v) && typeof v["class_name"] === "string"
                ? v["class_name"]
                : null;
        if (name === null || !has(activationNames, name)) {
          return this.report(
            "import_value_unsupported",
            `${where} is the activation ${JSON.stringify(v)}, which layerc does not have`,
            path,
          );
        }
        const canonical = activationNames[name]!;
        return { text: quote(canonical), isDefault: canonical === def };
      }
      case "initializer":
        return this.initializer(
          v,
          def as InitializerSpec | undefined,
          where,
          path,
        );
    }
  }

  /** A Keras regularizer or constraint (`{class_name: 'L2', config: {l2: 0.01}}`, or a string) → `L2(l2=0.01)`. */
  weightOption(
    kind: "regularizer" | "constraint",
    v: Json,
    def: AttrValue | undefined,
    where: string,
    path: string,
  ): { text: string; isDefault: boolean } | null {
    if (v === null)
      return { text: "None", isDefault: def === null || def === undefined };
    const table: Readonly<Record<string, { args: readonly ArgSpec[] }>> =
      kind === "regularizer" ? regularizers : constraints;
    const cls =
      typeof v === "string"
        ? v
        : isObj(v) && typeof v["class_name"] === "string"
          ? v["class_name"]
          : null;
    if (cls === null || !has(table, cls))
      return this.report(
        "import_value_unsupported",
        `${where} is the ${kind} ${JSON.stringify(v)}, which layerc does not have`,
        path,
      );
    const entry = table[cls]!;
    const config = isObj(v) && isObj(v["config"]) ? v["config"] : {};
    for (const [key, value] of Object.entries(config)) {
      if (key !== "name" && !entry.args.some((a) => a.name === key))
        return this.report(
          "import_arg_unsupported",
          `${where}: ${kind} ${cls} has ${key}=${JSON.stringify(value)}, which layerc does not model`,
          `${path}.config.${key}`,
        );
    }
    // a regularizer's strengths are always written: L2() would hide the 0.01
    const args = this.configArgs(entry.args, config, where, path, kind === "regularizer");
    if (args === null) return null;
    // the class spelling of a string ('l2' → L2, 'max_norm' → MaxNorm)
    const className =
      Object.keys(table).find((k) => /^[A-Z]/.test(k) && table[k] === entry) ??
      cls;
    return { text: `${className}(${args.join(", ")})`, isDefault: false };
  }

  /** A Keras learning-rate schedule config → `ExponentialDecay(initial_learning_rate=…, …)`. */
  schedule(v: Json, where: string, path: string): string | null {
    const cls = isObj(v) && typeof v["class_name"] === "string" ? v["class_name"] : null;
    const args = cls === null ? undefined : scheduleArgs(cls);
    if (cls === null || args === undefined)
      return this.report(
        "import_compile_unsupported",
        `${where} is the learning-rate schedule ${JSON.stringify(cls ?? v)}, which layerc does not have (${scheduleNames.join(", ")})`,
        path,
      );
    const config = isObj(v) && isObj(v["config"]) ? v["config"] : {};
    const parts: string[] = [];
    for (const [key, value] of Object.entries(config)) {
      if (key === "name") continue;
      const spec = args.find((a) => a.name === key);
      if (!spec) {
        this.report(
          "import_compile_unsupported",
          `${where}: ${cls} sets ${key}=${JSON.stringify(value)}, which layerc does not support`,
          `${path}.config.${key}`,
        );
        continue;
      }
      // PiecewiseConstantDecay's lists are read by the checker itself (no schema type)
      const r =
        spec.type.t === "string"
          ? this.value({ t: "floats" }, value, undefined, `${where} ${key}`, `${path}.config.${key}`)
          : this.value(spec.type, value, spec.default, `${where} ${key}`, `${path}.config.${key}`);
      if (r === null) continue;
      const text = spec.type.t === "string" ? r.text.replace(/^\((.*?),?\)$/, "[$1]") : r.text;
      if (!r.isDefault || spec.required) parts.push(`${key}=${text}`);
    }
    return `${cls}(${parts.join(", ")})`;
  }

  /**
   * The keyword arguments of an initializer, regularizer or constraint config,
   * in the schema's order as a person writes them (`RandomNormal(mean, stddev, seed)`):
   * defaults left out unless `always`; null after reporting a value.
   */
  private configArgs(
    specs: readonly ArgSpec[],
    config: Obj,
    where: string,
    path: string,
    always: boolean,
  ): string[] | null {
    const args: string[] = [];
    for (const spec of specs) {
      if (!(spec.name in config)) continue;
      const r = this.value(
        spec.type,
        config[spec.name]!,
        spec.default,
        `${where} ${spec.name}`,
        `${path}.config.${spec.name}`,
      );
      if (r === null) return null;
      if (!r.isDefault || always) args.push(`${spec.name}=${r.text}`);
    }
    return args;
  }

  initializer(
    v: Json,
    def: InitializerSpec | undefined,
    where: string,
    path: string,
  ): { text: string; isDefault: boolean } | null {
    const cls =
      typeof v === "string"
        ? v
        : isObj(v) && typeof v["class_name"] === "string"
          ? v["class_name"]
          : null;
    if (cls === null || !has(initializerNames, cls)) {
      return this.report(
        "import_value_unsupported",
        `${where} is the initializer ${JSON.stringify(v)}, which layerc does not have`,
        path,
      );
    }
    const entry = initializerNames[cls]!;
    const config = isObj(v) && isObj(v["config"]) ? v["config"] : {};
    for (const [key, value] of Object.entries(config)) {
      if ((key === "input_axes" || key === "output_axes") && value === null)
        continue;
      if (!entry.args.some((a) => a.name === key)) {
        return this.report(
          "import_arg_unsupported",
          `${where}: initializer ${cls} has ${key}=${JSON.stringify(value)}, which layerc does not model`,
          `${path}.config.${key}`,
        );
      }
    }
    const args = this.configArgs(entry.args, config, where, path, false);
    if (args === null) return null;
    const isDefault =
      def !== undefined && def.name === entry.name && args.length === 0;
    return {
      text: args.length
        ? `${classNameOf(entry.name)}(${args.join(", ")})`
        : quote(entry.name),
      isDefault,
    };
  }

  /**
   * One layer config → its statement (null when it cannot be translated;
   * diagnostics say why). `inner`: a wrapped layer, written without a name
   * (layerc names it by its kind, as it does every unnamed layer).
   */
  layer(
    layer: Json,
    path: string,
    inner = false,
  ): { statement: string; name: string; className: string } | null {
    if (
      !isObj(layer) ||
      typeof layer["class_name"] !== "string" ||
      !isObj(layer["config"])
    ) {
      return this.report(
        "import_model_unsupported",
        "a layer entry without class_name and config",
        path,
      );
    }
    const cls = layer["class_name"];
    const kerasName =
      typeof layer["config"]["name"] === "string"
        ? layer["config"]["name"]
        : cls.toLowerCase();
    const row = kerasRow(cls);
    if (!row)
      return this.report(
        "import_layer_unsupported",
        `layer ${kerasName} is a ${cls}, which layerc does not support`,
        path,
      );
    const def = lookupLayer(row.kind)!;
    const config = row.adapt ? row.adapt(layer["config"]) : layer["config"];
    const given = new Map<string, string>();
    let ok = true;
    for (const [key, value] of Object.entries(config)) {
      if (
        key === "name" ||
        key === "dtype" ||
        key === "batch_input_shape" ||
        key === "batch_shape" ||
        key === "input_shape" ||
        key === "build_config"
      )
        continue;
      const argName = row.rename?.[key] ?? key;
      const spec = def.args.find((a) => a.name === argName);
      const keyPath = `${path}.config.${key}`;
      if (!spec) {
        const benign = row.benign?.[key] ?? COMMON_BENIGN[key];
        if (benign?.some((b) => same(b, value))) continue;
        // a regularizer or constraint layerc does not model (depthwise_, alpha_, gamma_, …) is harmless when unset
        if (value === null && /_(regularizer|constraint)$/.test(key)) continue;
        this.report(
          "import_arg_unsupported",
          `layer ${kerasName} (${cls}) sets ${key}=${JSON.stringify(value)}, which layerc does not support`,
          keyPath,
        );
        ok = false;
        continue;
      }
      // a key layerc models only to accept Keras's default (data_format='channels_last')
      if (
        COMMON_BENIGN[key]?.some((b) => same(b, value)) &&
        (spec.default === null ||
          COMMON_BENIGN[key]!.some((b) => same(b, spec.default)))
      )
        continue;
      const r = this.value(
        spec.type,
        value,
        spec.default,
        `layer ${kerasName} (${cls}) ${key}`,
        keyPath,
      );
      if (r === null) ok = false;
      else if (!r.isDefault || spec.required) given.set(argName, r.text);
    }
    for (const spec of def.args) {
      if (spec.required && !given.has(spec.name)) {
        this.report(
          "import_value_unsupported",
          `layer ${kerasName} (${cls}) has no ${spec.name}`,
          `${path}.config`,
        );
        ok = false;
      }
    }
    const isDefault = inner ? this.isDefaultName(def.defaultName, this.nextName(def.defaultName)) : this.isDefaultName(def.defaultName, kerasName);
    if (!ok) return null;
    return {
      statement: call(
        row.kind,
        def.args,
        given,
        isDefault ? null : kerasName,
      ),
      name: kerasName,
      className: cls,
    };
  }
}

/** Positional for leading required positional arguments (`Dense(4, …)`), keywords after, in schema order. */
function call(
  kind: string,
  args: readonly ArgSpec[],
  given: Map<string, string>,
  name: string | null,
): string {
  const parts: string[] = [];
  let positional = true;
  for (const a of args) {
    const text = given.get(a.name);
    if (text === undefined) {
      positional = false;
      continue;
    }
    positional = positional && a.required === true && a.positional === true;
    parts.push(positional ? text : `${a.name}=${text}`);
  }
  if (name !== null) parts.push(`name=${quote(name)}`);
  return `${kind}(${parts.join(", ")})`;
}

function classNameOf(name: string): string {
  for (const [key, entry] of Object.entries(initializerNames))
    if (entry.name === name && /^[A-Z]/.test(key)) return key;
  return name;
}

/** The shape without batch from a Keras batch shape ([null, 8, 8, 1] → [8, 8, 1]). */
export function inputShapeOf(config: Obj): number[] | null {
  const batch = config["batch_shape"] ?? config["batch_input_shape"];
  if (
    Array.isArray(batch) &&
    batch.length >= 2 &&
    batch.slice(1).every((d) => typeof d === "number")
  )
    return batch.slice(1) as number[];
  const shape = config["input_shape"];
  if (Array.isArray(shape) && shape.every((d) => typeof d === "number"))
    return shape as number[];
  return null;
}

export function dtypeOf(config: Obj): string | null {
  const d = config["dtype"];
  if (typeof d === "string") return d;
  if (isObj(d) && isObj(d["config"]) && typeof d["config"]["name"] === "string")
    return d["config"]["name"];
  return null;
}

/** A Sequential config → statements (functional configs go to translateFunctional; any other class is reported). */
export function translateModel(model: Json, path = "config"): TranslatedModel {
  const t = new Translator();
  const out: TranslatedModel = {
    options: [],
    statements: [],
    layers: [],
    diagnostics: t.diagnostics,
  };
  if (
    !isObj(model) ||
    typeof model["class_name"] !== "string" ||
    !isObj(model["config"])
  ) {
    t.report(
      "import_model_unsupported",
      "the model config has no class_name and config",
      path,
    );
    return out;
  }
  const cls = model["class_name"];
  if (cls !== "Sequential") {
    t.report(
      "import_model_unsupported",
      `the model is a ${cls}; layerc imports Sequential and functional models (a subclassed model's config does not list its layers)`,
      `${path}.class_name`,
    );
    return out;
  }
  const config = model["config"];
  const layers = Array.isArray(config["layers"]) ? config["layers"] : [];
  const dtypes = new Set<string>();
  let input: number[] | null = null;
  layers.forEach((layer, i) => {
    const lp = `${path}.config.layers[${i}]`;
    if (!isObj(layer) || !isObj(layer["config"])) return;
    const d = dtypeOf(layer["config"]);
    // token ids arrive as integers in Keras (Input(dtype='int32') before an Embedding); layerc feeds them as numbers
    if (d !== null && !(layer["class_name"] === "InputLayer" && /^u?int/.test(d))) dtypes.add(d);
    if (i === 0) input = inputShapeOf(layer["config"]);
    if (layer["class_name"] === "InputLayer") {
      if (i !== 0)
        t.report(
          "import_model_unsupported",
          "an InputLayer after the first layer",
          lp,
        );
      return;
    }
    const r = t.layer(layer, lp);
    if (r !== null) {
      out.statements.push(r.statement);
      out.layers.push({ name: r.name, className: r.className });
    }
  });
  if (input === null && Array.isArray(config["build_input_shape"]))
    input = inputShapeOf({ batch_shape: config["build_input_shape"] });
  if (input === null)
    t.report(
      "import_model_unsupported",
      "the config gives no input shape (build the model, or add an Input, before saving)",
      `${path}.config.layers[0]`,
    );
  else out.statements.unshift(`Input(shape=${tuple(input)})`);
  const kinds = [...dtypes];
  if (
    kinds.length > 1 ||
    (kinds.length === 1 && kinds[0] !== "float32" && kinds[0] !== "float64")
  ) {
    t.report(
      "import_model_unsupported",
      `the model computes in ${kinds.join(" and ")}; layerc models use one of float32 and float64`,
      `${path}.config.dtype`,
    );
  } else if (kinds[0] === "float64") out.options.push("dtype='float64'");
  return out;
}

const OPTIMIZER_BENIGN: Readonly<Record<string, readonly Json[]>> = {
  weight_decay: [null, 0],
  clipnorm: [null],
  global_clipnorm: [null],
  clipvalue: [null],
  use_ema: [false],
  loss_scale_factor: [null],
  gradient_accumulation_steps: [null],
  amsgrad: [false],
  centered: [false],
  decay: [0],
  is_legacy_optimizer: [false],
};
const OPTIMIZER_IGNORED = new Set([
  "name",
  "ema_momentum",
  "ema_overwrite_frequency",
  "jit_compile",
]);
/** Metric config keys layerc does not model, at the values that mean "as layerc computes". */
const METRIC_BENIGN: Readonly<Record<string, readonly Json[]>> = {
  top_k: [null],
  class_id: [null],
  multi_label: [false],
  num_labels: [null],
  label_weights: [null],
  from_logits: [false],
};
const LOSS_BENIGN: Readonly<Record<string, readonly Json[]>> = {
  reduction: ["sum_over_batch_size", "auto", null],
  label_smoothing: [0],
  axis: [-1],
  ignore_class: [null],
  dtype: [null, "float32"],
};

/**
 * `compile_config` (Keras 3) or `training_config` (legacy .h5) → a
 * `compile(...)` statement; `outputs` names the model's outputs in order,
 * so per-output losses, loss weights and metrics (lists or dicts) map.
 */
export function translateCompile(
  compile: Json,
  path: string,
  outputs: readonly string[] = [],
): { statement: string | null; diagnostics: InteropDiagnostic[] } {
  const t = new Translator();
  const done = (statement: string | null) => ({
    statement: t.diagnostics.length ? null : statement,
    diagnostics: t.diagnostics,
  });
  if (!isObj(compile) || Object.keys(compile).length === 0) return done(null);
  const parts: string[] = [];
  // optimizer: Keras 3 {class_name, config}; legacy training_config {optimizer_config: {class_name, config}}
  const opt = compile["optimizer"] ?? compile["optimizer_config"];
  const optPath = `${path}.${compile["optimizer"] !== undefined ? "optimizer" : "optimizer_config"}`;
  if (typeof opt === "string") {
    if (has(optimizerNames, opt)) parts.push(`optimizer=${quote(opt)}`);
    else
      t.report(
        "import_compile_unsupported",
        `optimizer ${opt} is not one layerc has (${Object.keys(OPTIMIZER_CLASSES).join(", ")})`,
        optPath,
      );
  } else if (isObj(opt) && typeof opt["class_name"] === "string") {
    const cls = opt["class_name"];
    const entry = has(optimizerNames, cls)
      ? optimizerNames[cls]!
      : has(optimizerNames, cls.toLowerCase())
        ? optimizerNames[cls.toLowerCase()]!
        : null;
    if (entry === null)
      t.report(
        "import_compile_unsupported",
        `optimizer ${cls} is not one layerc has (${Object.values(OPTIMIZER_CLASSES).join(", ")})`,
        `${optPath}.class_name`,
      );
    else {
      const args: string[] = [];
      const config = isObj(opt["config"]) ? opt["config"] : {};
      for (const [key, value] of Object.entries(config)) {
        if (OPTIMIZER_IGNORED.has(key) || entry.args.some((a) => a.name === (key === "lr" ? "learning_rate" : key))) continue;
        if (!OPTIMIZER_BENIGN[key]?.some((b) => same(b, value))) {
          t.report("import_compile_unsupported", `optimizer ${cls} sets ${key}=${JSON.stringify(value)}, which layerc does not support`, `${optPath}.config.${key}`);
        }
      }
      // in the schema's order, as a person writes them: SGD(learning_rate, momentum)
      for (const spec of entry.args) {
        if (spec.name === "name") continue; // Keras always writes the optimizer's default name
        const key = spec.name in config ? spec.name : spec.name === "learning_rate" && "lr" in config ? "lr" : null;
        if (key === null) continue;
        if (spec.name === "learning_rate" && isObj(config[key]!)) {
          const schedule = t.schedule(config[key]!, `optimizer ${cls} learning_rate`, `${optPath}.config.${key}`);
          if (schedule !== null) args.push(`learning_rate=${schedule}`);
          continue;
        }
        const r = t.value(spec.type, config[key]!, spec.default, `optimizer ${cls} ${key}`, `${optPath}.config.${key}`);
        if (r && !r.isDefault) args.push(`${spec.name}=${r.text}`);
      }
      parts.push(
        `optimizer=${classNameOfOptimizer(entry.name)}(${args.join(", ")})`,
      );
    }
  }
  const lossOf = (loss: Json, lp: string): string | null => {
    if (typeof loss === "string" && has(lossNames, loss))
      return quote(lossNames[loss]!.name);
    if (!isObj(loss) || typeof loss["class_name"] !== "string" || !has(lossNames, loss["class_name"]))
      return t.report("import_compile_unsupported", `loss ${JSON.stringify(loss)} is not one layerc has`, lp);
    const entry = lossNames[loss["class_name"]]!;
    const args: string[] = [];
    for (const [key, value] of Object.entries(isObj(loss["config"]) ? loss["config"] : {})) {
      if (key === "name" || key === "fn") continue;
      const spec = entry.args.find((a) => a.name === key);
      if (!spec) {
        if (!LOSS_BENIGN[key]?.some((b) => same(b, value)))
          t.report("import_compile_unsupported", `loss ${loss["class_name"]} sets ${key}=${JSON.stringify(value)}, which layerc does not support`, `${lp}.config.${key}`);
        continue;
      }
      const r = t.value(spec.type, value, spec.default, `loss ${key}`, `${lp}.config.${key}`);
      if (r && !r.isDefault) args.push(`${key}=${r.text}`);
    }
    return args.length ? `${loss["class_name"]}(${args.join(", ")})` : quote(entry.name);
  };
  const metricsOf = (v: Json, mp: string): string[] => {
    const items = Array.isArray(v) ? v : v === null || v === undefined ? [] : [v];
    const names: string[] = [];
    items.forEach((m, i) => {
      const at = Array.isArray(v) ? `${mp}[${i}]` : mp;
      if (typeof m === "string" && (m === "accuracy" || m === "acc" || has(metricNames, m))) names.push(quote(m));
      else if (isObj(m) && typeof m["class_name"] === "string" && has(metricNames, m["class_name"])) {
        // a metric object: its class with the options and the name that differ from the class's defaults
        const entry = metricNames[m["class_name"]]!;
        const config = isObj(m["config"]) ? m["config"] : {};
        const args: string[] = [];
        for (const [key, value] of Object.entries(config)) {
          const spec = entry.args.find((a) => a.name === key);
          if (key === "dtype" && (value === null || value === "float32")) continue;
          if (key === "name" && value === entry.defaultName) continue;
          if (!spec) {
            if (!METRIC_BENIGN[key]?.some((b) => same(b, value)))
              t.report("import_compile_unsupported", `metric ${m["class_name"]} sets ${key}=${JSON.stringify(value)}, which layerc does not support`, `${at}.config.${key}`);
            continue;
          }
          // AUC's get_config writes the curve in capitals ('ROC'); its constructor takes either
          const given = key === "curve" && typeof value === "string" ? value.toLowerCase() : value;
          const r = t.value(spec.type, given, spec.default, `metric ${key}`, `${at}.config.${key}`);
          if (r && !r.isDefault) args.push(`${key}=${r.text}`);
        }
        names.push(`${m["class_name"]}(${args.join(", ")})`);
      } else t.report("import_compile_unsupported", `metric ${JSON.stringify(m)} is not one layerc has`, at);
    });
    return [...new Set(names)];
  };
  const isPerOutput = (v: Json | undefined): v is Json[] | Obj =>
    outputs.length > 1 && (Array.isArray(v) || (isObj(v) && typeof v["class_name"] !== "string"));
  /** A per-output value as the spec writes it: a list in output order, or dict(name=…) when Keras gave a dict. */
  const perOutput = (v: Json[] | Obj, p: string, one: (x: Json, p: string) => string | null): string | null => {
    if (Array.isArray(v)) {
      const items = v.map((x, k) => one(x, `${p}[${k}]`));
      return items.every((x) => x !== null) ? `[${items.join(", ")}]` : null;
    }
    const keys = Object.keys(v);
    const unknown = keys.find((k) => !outputs.includes(k));
    if (unknown !== undefined)
      return t.report("import_compile_unsupported", `${p} names ${unknown}, which is not an output of the model (${outputs.join(", ")})`, `${p}.${unknown}`);
    // keys that are not identifiers cannot be keywords of dict(…): the list form says the same in output order
    const asList = keys.some((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
    const items = (asList ? outputs : outputs.filter((o) => o in v)).map((o) => [o, o in v ? one(v[o]!, `${p}.${o}`) : "None"] as const);
    if (items.some(([, x]) => x === null)) return null;
    return asList ? `[${items.map(([, x]) => x).join(", ")}]` : `dict(${items.map(([k, x]) => `${k}=${x}`).join(", ")})`;
  };
  const loss = compile["loss"];
  const lossText = isPerOutput(loss)
    ? perOutput(loss, `${path}.loss`, lossOf)
    : lossOf(Array.isArray(loss) && loss.length === 1 ? loss[0]! : (loss ?? null), `${path}.loss`);
  if (lossText !== null) parts.push(`loss=${lossText}`);
  const weights = compile["loss_weights"];
  if (weights !== undefined && weights !== null) {
    const weight = (w: Json, p: string) =>
      typeof w === "number" && w >= 0 ? float(w) : t.report("import_compile_unsupported", `loss weight ${JSON.stringify(w)} is not a non-negative number`, p);
    const text = isPerOutput(weights)
      ? perOutput(weights, `${path}.loss_weights`, weight)
      : weight(Array.isArray(weights) && weights.length === 1 ? weights[0]! : weights, `${path}.loss_weights`);
    if (text !== null && !(outputs.length <= 1 && text === "1.0")) parts.push(`loss_weights=${text}`);
  }
  const metrics = compile["metrics"];
  // a list of lists or a dict gives each output its own metrics; a flat list applies to every output
  const nested = isPerOutput(metrics) && (isObj(metrics) || metrics.some((m) => Array.isArray(m) || m === null));
  if (nested) {
    const text = perOutput(metrics as Json[] | Obj, `${path}.metrics`, (m, p) => `[${metricsOf(m, p).join(", ")}]`);
    if (text !== null) parts.push(`metrics=${text}`);
  } else {
    const names = metricsOf(Array.isArray(metrics) ? metrics.flat() : (metrics ?? null), `${path}.metrics`);
    if (names.length) parts.push(`metrics=[${names.join(", ")}]`);
  }
  if (compile["weighted_metrics"] !== undefined && compile["weighted_metrics"] !== null)
    t.report("import_compile_unsupported", "weighted_metrics is set, which layerc does not support", `${path}.weighted_metrics`);
  return done(`compile(${parts.join(", ")})`);
}

function classNameOfOptimizer(name: string): string {
  return OPTIMIZER_CLASSES[name as keyof typeof OPTIMIZER_CLASSES] ?? name;
}
