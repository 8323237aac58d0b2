/**
 * Keras 3 learning-rate schedules (keras/src/optimizers/schedules), evaluated
 * in float64 at the optimizer's step count `step` (Keras passes
 * `optimizer.iterations`, the number of updates already applied, so the
 * first update uses step 0). Part of the shipped runtime.
 */
import type { OptimizerSpec, ScheduleSpec } from "./spec.js";

/** The learning rate of the update that follows `step` earlier updates. */
export function learningRateAt(spec: OptimizerSpec, step: number): number {
  return spec.schedule ? scheduleAt(spec.schedule, step) : spec.learningRate;
}

export function scheduleAt(s: ScheduleSpec, step: number): number {
  switch (s.name) {
    case "exponential_decay": {
      const p = step / s.decaySteps;
      return s.initialLearningRate * s.decayRate ** (s.staircase ? Math.floor(p) : p);
    }
    case "inverse_time_decay": {
      const p = step / s.decaySteps;
      return s.initialLearningRate / (1 + s.decayRate * (s.staircase ? Math.floor(p) : p));
    }
    case "piecewise_constant_decay": {
      const { boundaries: b, values: v } = s;
      if (step <= b[0]!) return v[0]!;
      for (let i = 1; i < b.length; i++) if (step > b[i - 1]! && step <= b[i]!) return v[i]!;
      return v[v.length - 1]!;
    }
    case "polynomial_decay": {
      let decaySteps = s.decaySteps;
      let t = step;
      if (s.cycle) decaySteps *= step === 0 ? 1 : Math.ceil(step / s.decaySteps);
      else t = Math.min(step, decaySteps);
      return (s.initialLearningRate - s.endLearningRate) * (1 - t / decaySteps) ** s.power + s.endLearningRate;
    }
    case "cosine_decay": {
      const decay = (t: number, from: number) => from * ((1 - s.alpha) * (0.5 * (1 + Math.cos(Math.PI * (t / s.decaySteps)))) + s.alpha);
      if (s.warmupTarget === null) return decay(Math.min(step, s.decaySteps), s.initialLearningRate);
      const t = Math.min(step, s.decaySteps + s.warmupSteps);
      if (t < s.warmupSteps) return (s.warmupTarget - s.initialLearningRate) * (t / s.warmupSteps) + s.initialLearningRate;
      return decay(t - s.warmupSteps, s.warmupTarget);
    }
    case "cosine_decay_restarts": {
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
    }
  }
}
