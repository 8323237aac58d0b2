/**
 * Keras 3 learning-rate schedules (keras/src/optimizers/schedules), evaluated
 * in float64 at the optimizer's step count `step` (Keras passes
 * `optimizer.iterations`, the number of updates already applied, so the
 * first update uses step 0). Part of the shipped runtime.
 */
import { LayercError } from "./errors.js";
import type { OptimizerSpec, ScheduleSpec } from "./spec.js";

/** One schedule's learning rate at `step` (the spec is of its kind). */
export type ScheduleRule = (s: ScheduleSpec, step: number) => number;

/** The schedules a model links, by name: a generated class only the one it compiles (so a bundle carries only that). */
export type ScheduleKinds = Readonly<Partial<Record<ScheduleSpec["name"], ScheduleRule>>>;

/** The variant of ScheduleSpec whose name includes N. */
type Spec<N extends ScheduleSpec["name"]> = ScheduleSpec extends infer S ? (S extends { readonly name: infer M } ? (N extends M ? S : never) : never) : never;

/** The learning rate of the update that follows `step` earlier updates. */
export function learningRateAt(spec: OptimizerSpec, step: number): number {
  return rateWith(SCHEDULES, spec, step);
}

/** learningRateAt with the schedules `kinds` links (a model's); a schedule it does not link throws. */
export function rateWith(kinds: ScheduleKinds, spec: OptimizerSpec, step: number): number {
  const s = spec.schedule;
  if (!s) return spec.learningRate;
  const rule = Object.hasOwn(kinds, s.name) ? kinds[s.name] : undefined;
  if (rule === undefined) throw new LayercError(`unknown learning-rate schedule "${(s as { name: string }).name}"`);
  return rule(s, step);
}

export function scheduleAt(s: ScheduleSpec, step: number): number {
  return SCHEDULES[s.name](s, step);
}

// one export per schedule: a generated model links the one it compiles

export const exponentialDecay: ScheduleRule = (spec, step) => {
  const s = spec as Spec<"exponential_decay">;
  const p = step / s.decaySteps;
  return s.initialLearningRate * s.decayRate ** (s.staircase ? Math.floor(p) : p);
};

export const inverseTimeDecay: ScheduleRule = (spec, step) => {
  const s = spec as Spec<"inverse_time_decay">;
  const p = step / s.decaySteps;
  return s.initialLearningRate / (1 + s.decayRate * (s.staircase ? Math.floor(p) : p));
};

export const piecewiseConstantDecay: ScheduleRule = (spec, step) => {
  const { boundaries: b, values: v } = spec as Spec<"piecewise_constant_decay">;
  if (step <= b[0]!) return v[0]!;
  for (let i = 1; i < b.length; i++) if (step > b[i - 1]! && step <= b[i]!) return v[i]!;
  return v[v.length - 1]!;
};

export const polynomialDecay: ScheduleRule = (spec, step) => {
  const s = spec as Spec<"polynomial_decay">;
  let decaySteps = s.decaySteps;
  let t = step;
  if (s.cycle) decaySteps *= step === 0 ? 1 : Math.ceil(step / s.decaySteps);
  else t = Math.min(step, decaySteps);
  return (s.initialLearningRate - s.endLearningRate) * (1 - t / decaySteps) ** s.power + s.endLearningRate;
};

export const cosineDecay: ScheduleRule = (spec, step) => {
  const s = spec as Spec<"cosine_decay">;
  const decay = (t: number, from: number) => from * ((1 - s.alpha) * (0.5 * (1 + Math.cos(Math.PI * (t / s.decaySteps)))) + s.alpha);
  if (s.warmupTarget === null) return decay(Math.min(step, s.decaySteps), s.initialLearningRate);
  const t = Math.min(step, s.decaySteps + s.warmupSteps);
  if (t < s.warmupSteps) return (s.warmupTarget - s.initialLearningRate) * (t / s.warmupSteps) + s.initialLearningRate;
  return decay(t - s.warmupSteps, s.warmupTarget);
};

export const cosineDecayRestarts: ScheduleRule = (spec, step) => {
  const s = spec as Spec<"cosine_decay_restarts">;
  let fraction = step / s.firstDecaySteps;
  let restart: number;
  if (s.tMul === 1) {
    restart = Math.floor(fraction);
    fraction -= restart;
  } else {
    restart = Math.floor(Math.log(1 - fraction * (1 - s.tMul)) / Math.log(s.tMul));
    const sum = (1 - s.tMul ** restart) / (1 - s.tMul);
    fraction = (fraction - sum) / s.tMul ** restart;
  }
  const cosine = 0.5 * s.mMul ** restart * (1 + Math.cos(Math.PI * fraction));
  return s.initialLearningRate * ((1 - s.alpha) * cosine + s.alpha);
};

/** Every schedule (interpreted models, scheduleAt). */
export const SCHEDULES: Readonly<Record<ScheduleSpec["name"], ScheduleRule>> = {
  exponential_decay: exponentialDecay,
  inverse_time_decay: inverseTimeDecay,
  piecewise_constant_decay: piecewiseConstantDecay,
  polynomial_decay: polynomialDecay,
  cosine_decay: cosineDecay,
  cosine_decay_restarts: cosineDecayRestarts,
};

/** The runtime export of each schedule, for generated modules' imports (the emitter reads it). */
export const SCHEDULE_EXPORTS: Readonly<Record<ScheduleSpec["name"], string>> = {
  exponential_decay: "exponentialDecay",
  inverse_time_decay: "inverseTimeDecay",
  piecewise_constant_decay: "piecewiseConstantDecay",
  polynomial_decay: "polynomialDecay",
  cosine_decay: "cosineDecay",
  cosine_decay_restarts: "cosineDecayRestarts",
};
