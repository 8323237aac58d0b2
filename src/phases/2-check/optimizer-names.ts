/**
 * `compile(optimizer=…)`: every Keras 3 optimizer layerc supports, with its
 * spellings, argument schema and defaults (keras/src/optimizers), the
 * options all of them share, and the learning-rate schedules accepted as
 * `learning_rate=`. Resolution produces the runtime's OptimizerSpec; Keras's
 * own constructor checks become positioned diagnostics.
 */
import type { CallNode, ValueNode } from "../1-parse/ast.js";
import type { OptimizerSpec, ScheduleSpec } from "../../runtime/spec.js";
import { scheduleAt } from "../../runtime/schedules.js";
import { makeDiagnostic } from "../../diagnostics/diagnostic.js";
import type { ArgSpec } from "../../layers/types.js";
import type { Span } from "../../source.js";
import { resolveArgs, type Sink } from "./args.js";
import { has } from "./vocabulary.js";

type Values = Record<string, unknown>;

interface OptimizerEntry {
  readonly name: OptimizerSpec["name"];
  readonly args: readonly ArgSpec[];
  readonly build: (a: Values) => Omit<OptimizerSpec, keyof import("../../runtime/spec.js").OptimizerOptions> & { name: OptimizerSpec["name"] };
}

const positiveOrNull = (name: string): ArgSpec => ({ name, type: { t: "nullable", inner: { t: "float", min: 0, exclusiveMin: true } }, default: null });
const lr = (v: number): ArgSpec => ({ name: "learning_rate", type: { t: "float", min: 0, exclusiveMin: true }, default: v, positional: true });
const unit = (name: string, v: number): ArgSpec => ({ name, type: { t: "float", min: 0, max: 1 }, default: v });
const nonNegative = (name: string, v: number): ArgSpec => ({ name, type: { t: "float", min: 0 }, default: v });
const eps = nonNegative("epsilon", 1e-7);
const bool = (name: string): ArgSpec => ({ name, type: { t: "bool" }, default: false });

/** Keras base_optimizer arguments, after each optimizer's own (weight_decay first: AdamW overrides its default). */
const common = (weightDecay: number | null): ArgSpec[] => [
  { name: "weight_decay", type: { t: "nullable", inner: { t: "float", min: 0 } }, default: weightDecay },
  positiveOrNull("clipnorm"),
  positiveOrNull("clipvalue"),
  positiveOrNull("global_clipnorm"),
  bool("use_ema"),
  unit("ema_momentum", 0.99),
  { name: "ema_overwrite_frequency", type: { t: "nullable", inner: { t: "int", min: 1 } }, default: null },
  { name: "name", type: { t: "nullable", inner: { t: "string" } }, default: null },
];

const n = (a: Values, k: string) => a[k] as number;
const betas = (a: Values) => ({ beta1: n(a, "beta_1"), beta2: n(a, "beta_2"), epsilon: n(a, "epsilon") });

const entries: readonly (readonly [className: string, snake: string, entry: OptimizerEntry])[] = [
  ["SGD", "sgd", { name: "sgd", args: [lr(0.01), unit("momentum", 0), bool("nesterov"), ...common(null)], build: (a) => ({ name: "sgd", momentum: n(a, "momentum"), nesterov: a["nesterov"] === true }) }],
  ["Adam", "adam", { name: "adam", args: [lr(0.001), unit("beta_1", 0.9), unit("beta_2", 0.999), eps, bool("amsgrad"), ...common(null)], build: (a) => ({ name: "adam", ...betas(a), amsgrad: a["amsgrad"] === true }) }],
  ["AdamW", "adamw", { name: "adamw", args: [lr(0.001), unit("beta_1", 0.9), unit("beta_2", 0.999), eps, bool("amsgrad"), ...common(0.004)], build: (a) => ({ name: "adamw", ...betas(a), amsgrad: a["amsgrad"] === true }) }],
  [
    "RMSprop",
    "rmsprop",
    {
      name: "rmsprop",
      args: [lr(0.001), unit("rho", 0.9), unit("momentum", 0), eps, bool("centered"), ...common(null)],
      build: (a) => ({ name: "rmsprop", rho: n(a, "rho"), momentum: n(a, "momentum"), epsilon: n(a, "epsilon"), centered: a["centered"] === true }),
    },
  ],
  [
    "Adagrad",
    "adagrad",
    {
      name: "adagrad",
      args: [lr(0.001), nonNegative("initial_accumulator_value", 0.1), eps, ...common(null)],
      build: (a) => ({ name: "adagrad", initialAccumulatorValue: n(a, "initial_accumulator_value"), epsilon: n(a, "epsilon") }),
    },
  ],
  ["Adadelta", "adadelta", { name: "adadelta", args: [lr(0.001), unit("rho", 0.95), eps, ...common(null)], build: (a) => ({ name: "adadelta", rho: n(a, "rho"), epsilon: n(a, "epsilon") }) }],
  ["Adamax", "adamax", { name: "adamax", args: [lr(0.001), unit("beta_1", 0.9), unit("beta_2", 0.999), eps, ...common(null)], build: (a) => ({ name: "adamax", ...betas(a) }) }],
  ["Nadam", "nadam", { name: "nadam", args: [lr(0.001), unit("beta_1", 0.9), unit("beta_2", 0.999), eps, ...common(null)], build: (a) => ({ name: "nadam", ...betas(a) }) }],
  ["Lion", "lion", { name: "lion", args: [lr(0.001), unit("beta_1", 0.9), unit("beta_2", 0.99), ...common(null)], build: (a) => ({ name: "lion", beta1: n(a, "beta_1"), beta2: n(a, "beta_2") }) }],
  [
    "Ftrl",
    "ftrl",
    {
      name: "ftrl",
      args: [
        lr(0.001),
        { name: "learning_rate_power", type: { t: "float", max: 0 }, default: -0.5 },
        nonNegative("initial_accumulator_value", 0.1),
        nonNegative("l1_regularization_strength", 0),
        nonNegative("l2_regularization_strength", 0),
        nonNegative("l2_shrinkage_regularization_strength", 0),
        nonNegative("beta", 0),
        ...common(null),
      ],
      build: (a) => ({
        name: "ftrl",
        learningRatePower: n(a, "learning_rate_power"),
        initialAccumulatorValue: n(a, "initial_accumulator_value"),
        l1RegularizationStrength: n(a, "l1_regularization_strength"),
        l2RegularizationStrength: n(a, "l2_regularization_strength"),
        l2ShrinkageRegularizationStrength: n(a, "l2_shrinkage_regularization_strength"),
        beta: n(a, "beta"),
      }),
    },
  ],
];

/** Every accepted spelling (class name and snake_case string), as Keras's `optimizers.get`. */
export const optimizerNames: Readonly<Record<string, OptimizerEntry>> = Object.fromEntries(
  entries.flatMap(([cls, snake, e]) => [
    [cls, e],
    [snake, e],
  ]),
);

/** Keras 3 optimizers layerc does not implement: named as unsupported, never suggested as something else. */
export const unsupportedOptimizers: readonly string[] = ["Adafactor", "adafactor", "Lamb", "lamb", "Muon", "muon", "LossScaleOptimizer", "ScheduleFreeAdamW"];

// ---- learning-rate schedules ------------------------------------------------

interface ScheduleEntry {
  readonly args: readonly ArgSpec[];
  readonly build: (a: Values) => ScheduleSpec;
}

const initial: ArgSpec = { name: "initial_learning_rate", type: { t: "float", min: 0 }, required: true, positional: true };
const steps = (name: string): ArgSpec => ({ name, type: { t: "float", min: 0, exclusiveMin: true }, required: true, positional: true });
const decay = (name: "exponential_decay" | "inverse_time_decay"): ScheduleEntry => ({
  args: [initial, steps("decay_steps"), { name: "decay_rate", type: { t: "float" }, required: true, positional: true }, { ...bool("staircase"), positional: true }, scheduleName],
  build: (a) => ({ name, initialLearningRate: n(a, "initial_learning_rate"), decaySteps: n(a, "decay_steps"), decayRate: n(a, "decay_rate"), staircase: a["staircase"] === true }),
});
const scheduleName: ArgSpec = { name: "name", type: { t: "nullable", inner: { t: "string" } }, default: null };

const schedules: Readonly<Record<string, ScheduleEntry>> = {
  ExponentialDecay: decay("exponential_decay"),
  InverseTimeDecay: decay("inverse_time_decay"),
  PiecewiseConstantDecay: {
    args: [
      { name: "boundaries", type: { t: "string" }, required: true, positional: true },
      { name: "values", type: { t: "string" }, required: true, positional: true },
      scheduleName,
    ],
    build: (a) => ({ name: "piecewise_constant_decay", boundaries: a["boundaries"] as number[], values: a["values"] as number[] }),
  },
  PolynomialDecay: {
    args: [
      initial,
      steps("decay_steps"),
      { name: "end_learning_rate", type: { t: "float", min: 0 }, default: 0.0001, positional: true },
      { name: "power", type: { t: "float" }, default: 1, positional: true },
      { ...bool("cycle"), positional: true },
      scheduleName,
    ],
    build: (a) => ({
      name: "polynomial_decay",
      initialLearningRate: n(a, "initial_learning_rate"),
      decaySteps: n(a, "decay_steps"),
      endLearningRate: n(a, "end_learning_rate"),
      power: n(a, "power"),
      cycle: a["cycle"] === true,
    }),
  },
  CosineDecay: {
    args: [
      initial,
      steps("decay_steps"),
      { name: "alpha", type: { t: "float", min: 0, max: 1 }, default: 0, positional: true },
      { ...scheduleName, positional: true },
      { name: "warmup_target", type: { t: "nullable", inner: { t: "float", min: 0 } }, default: null, positional: true },
      { name: "warmup_steps", type: { t: "float", min: 0 }, default: 0, positional: true },
    ],
    build: (a) => ({
      name: "cosine_decay",
      initialLearningRate: n(a, "initial_learning_rate"),
      decaySteps: n(a, "decay_steps"),
      alpha: n(a, "alpha"),
      warmupTarget: a["warmup_target"] as number | null,
      warmupSteps: n(a, "warmup_steps"),
    }),
  },
  CosineDecayRestarts: {
    args: [
      initial,
      steps("first_decay_steps"),
      { name: "t_mul", type: { t: "float", min: 0, exclusiveMin: true }, default: 2, positional: true },
      { name: "m_mul", type: { t: "float", min: 0 }, default: 1, positional: true },
      { name: "alpha", type: { t: "float", min: 0, max: 1 }, default: 0, positional: true },
      scheduleName,
    ],
    build: (a) => ({
      name: "cosine_decay_restarts",
      initialLearningRate: n(a, "initial_learning_rate"),
      firstDecaySteps: n(a, "first_decay_steps"),
      tMul: n(a, "t_mul"),
      mMul: n(a, "m_mul"),
      alpha: n(a, "alpha"),
    }),
  },
};

/** A schedule class's argument schema (Keras's config keys), or undefined when layerc has no such schedule. */
export const scheduleArgs = (name: string): readonly ArgSpec[] | undefined => (has(schedules, name) ? schedules[name]!.args : undefined);

/** Schedule class names, for docs and diagnostics. */
export const scheduleNames: readonly string[] = Object.keys(schedules);

/** A list of numbers (PiecewiseConstantDecay's boundaries and values), or undefined. */
function numbers(v: ValueNode): number[] | undefined {
  if (v.kind !== "List" && v.kind !== "Tuple") return undefined;
  const out: number[] = [];
  for (const item of v.items) {
    if (item.kind !== "Number") return undefined;
    out.push(item.value);
  }
  return out;
}

/** `learning_rate=ExponentialDecay(…)`: the schedule, or undefined after reporting why not. */
export function resolveSchedule(v: CallNode | Extract<ValueNode, { kind: "Call" }>, sink: Sink): ScheduleSpec | undefined {
  const name = v.callee.name;
  if (!has(schedules, name)) {
    sink.diags.push(makeDiagnostic("keras_unsupported", v.callee.span, { what: "learning-rate schedule", name, supported: scheduleNames.join(", ") }));
    return undefined;
  }
  const entry = schedules[name]!;
  // the list arguments of PiecewiseConstantDecay are read here; the rest through the schema
  const lists = new Map<string, number[]>();
  const args = v.args.filter((a, k) => {
    const key = a.name?.name ?? (k === 0 ? "boundaries" : k === 1 ? "values" : "");
    if (name !== "PiecewiseConstantDecay" || (key !== "boundaries" && key !== "values")) return true;
    const list = numbers(a.value);
    if (list === undefined || list.length === 0) {
      sink.diags.push(makeDiagnostic("arg_type", a.value.span, { name: key, expected: "a list of numbers", got: a.value.kind }));
    } else lists.set(key, list);
    return false;
  });
  const before = sink.diags.length;
  const schema = name === "PiecewiseConstantDecay" ? [scheduleName] : entry.args;
  const { values, ok } = resolveArgs(name, v.span, args, schema, sink);
  if (!ok || sink.diags.length > before) return undefined;
  if (name === "PiecewiseConstantDecay") {
    const boundaries = lists.get("boundaries");
    const vals = lists.get("values");
    if (!boundaries || !vals) {
      if (!boundaries && !vals) sink.diags.push(makeDiagnostic("arg_missing", v.span, { callee: name, name: "boundaries" }));
      else if (!vals) sink.diags.push(makeDiagnostic("arg_missing", v.span, { callee: name, name: "values" }));
      else sink.diags.push(makeDiagnostic("arg_missing", v.span, { callee: name, name: "boundaries" }));
      return undefined;
    }
    if (vals.length !== boundaries.length + 1) {
      sink.diags.push(makeDiagnostic("arg_range", v.span, { name: "values", constraint: "one more value than boundaries", got: `${vals.length} values for ${boundaries.length} boundaries` }));
      return undefined;
    }
    return { name: "piecewise_constant_decay", boundaries, values: vals };
  }
  return entry.build(values);
}

/** The options every optimizer shares, from its resolved arguments (Keras: only one clipping option at a time). */
export function commonOptions(a: Values, span: Span, sink: Sink): Values | undefined {
  const clips = ["clipnorm", "clipvalue", "global_clipnorm"].filter((k) => a[k] !== null);
  if (clips.length > 1) {
    sink.diags.push(makeDiagnostic("arg_range", span, { name: clips[1]!, constraint: `not set together with ${clips[0]} (Keras allows one clipping option)`, got: String(a[clips[1]!]) }));
    return undefined;
  }
  return {
    weightDecay: a["weight_decay"],
    clipnorm: a["clipnorm"],
    clipvalue: a["clipvalue"],
    globalClipnorm: a["global_clipnorm"],
    useEma: a["use_ema"] === true,
    emaMomentum: a["ema_momentum"],
    emaOverwriteFrequency: a["ema_overwrite_frequency"],
  };
}

export { scheduleAt };
