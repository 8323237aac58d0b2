/**
 * The runtime reference for Keras 3 optimizers (keras/src/optimizers): SGD
 * (momentum, Nesterov), Adam / AdamW (amsgrad), RMSprop (momentum,
 * centered), Adagrad, Adadelta, Adamax, Nadam, Lion and Ftrl, with the
 * options every Keras optimizer takes — gradient clipping (clipnorm per
 * weight tensor, global_clipnorm, clipvalue; only the first one set applies,
 * in that order, as Keras), decoupled weight decay (w ← w − w·wd·lr before
 * the update), learning-rate schedules, and an exponential moving average
 * of the weights (use_ema). Part of the shipped runtime: imports only
 * runtime files.
 *
 * Models do not run this code: they run the optimizer kernel
 * (src/kernel/optimizer.ts), specialized by the emitter. This reference is
 * written op for op in the same order, and tests hold the two equal bit for
 * bit; both are checked against real Keras 3 fixtures.
 *
 * Arithmetic is float64 from float64 state and rounds once when stored into
 * float32 parameters. Adam uses Keras's ε-hat form, w ← w − α_t·m/(√v + ε)
 * with α_t = lr·√(1−β2ᵗ)/(1−β1ᵗ) (keras-semantics.md §7 row 20).
 */
import { LayercError } from "./errors.js";
import { learningRateAt } from "./schedules.js";
import type { OptimizerSpec } from "./spec.js";

export interface Optimizer {
  /** Apply one update to params[offset..offset+size) for each trainable range (one per weight tensor), using grads at the same indices. */
  step(
    params: Float32Array | Float64Array,
    grads: Float32Array | Float64Array,
    ranges: readonly (readonly [offset: number, size: number])[],
  ): void;
  /** Number of `step` calls so far (Keras `optimizer.iterations`). */
  readonly iterations: number;
}

/** Per-step scalars the update reads (`hyper`), by index. */
export const HYPER = {
  /** The learning rate of this step (the schedule's value at iterations − 1). */
  lr: 0,
  /** Adam α_t; Adamax 1 − β1ᵗ; Nadam the momentum coefficient u_{t+1}/(1 − Πu_{t+1}). */
  a: 1,
  /** Nadam the gradient coefficient (1 − u_t)/(1 − Πu_t). */
  b: 2,
  /** Nadam 1 − β2ᵗ. */
  c: 3,
  /** The EMA momentum of this step (0 on the first step, as Keras). */
  ema: 4,
  /** Nadam's running product Π u_t (state carried between steps). */
  uProduct: 5,
  size: 6,
} as const;

/** The variant of OptimizerSpec whose name includes N. */
type Spec<N extends OptimizerSpec["name"]> = OptimizerSpec extends infer S ? (S extends { readonly name: infer M } ? (N extends M ? S : never) : never) : never;

/**
 * What the runtime needs of an optimizer besides its update rule (which the
 * model's generated update runs): its state arrays and its per-step scalars.
 */
export interface OptimizerRule {
  /** The state arrays (slots) besides use_ema's average, each mirroring the parameters, with the value each starts at (Keras's names). */
  slots(spec: OptimizerSpec): { readonly name: string; readonly init: number }[];
  /** Writes this optimizer's scalars of step t (1-based) into `out` (HYPER.a …; lr and ema are written already). */
  scalars?(spec: OptimizerSpec, t: number, out: Float64Array, lr: number): void;
}

/** The optimizer rules a model links, by name: a generated class only its own (so a bundle carries only that). */
export type OptimizerKinds = Readonly<Partial<Record<OptimizerSpec["name"], OptimizerRule>>>;

const zero = (...names: string[]) => names.map((name) => ({ name, init: 0 }));
const accumulator = (spec: OptimizerSpec) => [{ name: "accumulator", init: (spec as Spec<"adagrad" | "ftrl">).initialAccumulatorValue }];

// one export per optimizer: a generated model links the one it compiles

export const sgdRule: OptimizerRule = { slots: (spec) => ((spec as Spec<"sgd">).momentum > 0 ? zero("momentum") : []) };
/** adam and adamw. */
export const adamRule: OptimizerRule = {
  slots: (spec) => zero("momentum", "velocity", ...((spec as Spec<"adam">).amsgrad ? ["velocity_hat"] : [])),
  scalars: (spec, t, out, lr) => {
    const { beta1, beta2 } = spec as Spec<"adam">;
    out[HYPER.a] = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
  },
};
export const rmspropRule: OptimizerRule = {
  slots: (spec) => {
    const { momentum, centered } = spec as Spec<"rmsprop">;
    return zero("velocity", ...(momentum > 0 ? ["momentum"] : []), ...(centered ? ["average_gradient"] : []));
  },
};
export const adagradRule: OptimizerRule = { slots: accumulator };
export const adadeltaRule: OptimizerRule = { slots: () => zero("accumulated_grad", "accumulated_delta_var") };
export const adamaxRule: OptimizerRule = {
  slots: () => zero("momentum", "norm"),
  scalars: (spec, t, out) => {
    out[HYPER.a] = 1 - (spec as Spec<"adamax">).beta1 ** t;
  },
};
export const nadamRule: OptimizerRule = {
  slots: () => zero("momentum", "velocity"),
  scalars: (spec, t, out) => {
    const { beta1, beta2 } = spec as Spec<"nadam">;
    const ut = beta1 * (1 - 0.5 * 0.96 ** t);
    const ut1 = beta1 * (1 - 0.5 * 0.96 ** (t + 1));
    const product = (t === 1 ? 1 : out[HYPER.uProduct]!) * ut;
    out[HYPER.uProduct] = product;
    out[HYPER.a] = ut1 / (1 - product * ut1);
    out[HYPER.b] = (1 - ut) / (1 - product);
    out[HYPER.c] = 1 - beta2 ** t;
  },
};
export const lionRule: OptimizerRule = { slots: () => zero("momentum") };
export const ftrlRule: OptimizerRule = { slots: (spec) => [...accumulator(spec), ...zero("linear")] };

/** Every optimizer's rule (interpreted models, createOptimizer). */
export const OPTIMIZERS: Readonly<Record<OptimizerSpec["name"], OptimizerRule>> = {
  sgd: sgdRule,
  adam: adamRule,
  adamw: adamRule,
  rmsprop: rmspropRule,
  adagrad: adagradRule,
  adadelta: adadeltaRule,
  adamax: adamaxRule,
  nadam: nadamRule,
  lion: lionRule,
  ftrl: ftrlRule,
};

/** The runtime export of each optimizer's rule, for generated modules' imports (the emitter reads it). */
export const OPTIMIZER_EXPORTS: Readonly<Record<OptimizerSpec["name"], string>> = {
  sgd: "sgdRule",
  adam: "adamRule",
  adamw: "adamRule",
  rmsprop: "rmspropRule",
  adagrad: "adagradRule",
  adadelta: "adadeltaRule",
  adamax: "adamaxRule",
  nadam: "nadamRule",
  lion: "lionRule",
  ftrl: "ftrlRule",
};

/**
 * The optimizer's state arrays (slots), each mirroring the parameters, in
 * order, with the value each starts at (Keras's variable names).
 */
export function slotLayout(spec: OptimizerSpec): { readonly name: string; readonly init: number }[] {
  return slotsOf(OPTIMIZERS[spec.name], spec);
}

/** slotLayout by the optimizer's rule (what a model links). */
export function slotsOf(rule: OptimizerRule, spec: OptimizerSpec): { readonly name: string; readonly init: number }[] {
  const slots = rule.slots(spec);
  return spec.useEma ? [...slots, ...zero("average")] : slots;
}

/** Number of state arrays (slots) the optimizer keeps. */
export function slotCount(spec: OptimizerSpec): number {
  return slotLayout(spec).length;
}

/**
 * Fills `out` (length ≥ HYPER.size) with the scalars of step t (1-based) of
 * the optimizer whose rule is `rule`; out[HYPER.uProduct] carries Nadam's
 * product between calls. `lr` is the learning rate of the step (the spec's,
 * its schedule's at step t − 1, or one a callback set).
 */
export function stepScalars(rule: OptimizerRule, spec: OptimizerSpec, t: number, out: Float64Array, lr: number): void {
  out[HYPER.lr] = lr;
  out[HYPER.ema] = t === 1 ? 0 : (spec.emaMomentum ?? 0.99);
  out[HYPER.a] = 0;
  rule.scalars?.(spec, t, out, lr);
}

/** Keras's clip order: clipnorm, else global_clipnorm, else clipvalue. */
export function clipMode(spec: OptimizerSpec): "norm" | "global" | "value" | null {
  if (spec.clipnorm) return "norm";
  if (spec.globalClipnorm) return "global";
  if (spec.clipvalue) return "value";
  return null;
}

const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);
/** max and min as the kernel's op table computes them (NaN falls to the second argument). */
const max = (a: number, b: number): number => (a >= b ? a : b);
const min = (a: number, b: number): number => (a <= b ? a : b);

class KerasOptimizer implements Optimizer {
  iterations = 0;
  /** Per-parameter state, indexed like the parameters, in slotLayout order. */
  readonly slots: Float64Array[] = [];
  readonly hyper = new Float64Array(HYPER.size);

  constructor(
    readonly spec: OptimizerSpec,
    readonly size: number,
  ) {
    for (const s of slotLayout(spec)) this.slots.push(new Float64Array(size).fill(s.init));
  }

  step(
    params: Float32Array | Float64Array,
    grads: Float32Array | Float64Array,
    ranges: readonly (readonly [offset: number, size: number])[],
  ): void {
    const limit = Math.min(this.size, params.length, grads.length);
    for (const [off, len] of ranges) {
      if (off < 0 || len < 0 || off + len > limit) throw new LayercError(`optimizer range [${off}, ${off + len}) outside ${limit} parameters`);
    }
    const sp = this.spec;
    const h = this.hyper;
    const t = ++this.iterations;
    stepScalars(OPTIMIZERS[sp.name], sp, t, h, learningRateAt(sp, t - 1));
    const lr = h[HYPER.lr]!;
    const mode = clipMode(sp);
    let globalScale = 1;
    if (mode === "global") {
      const c = sp.globalClipnorm!;
      let ss = 0;
      for (const [off, len] of ranges) for (let i = off; i < off + len; i++) ss += grads[i]! * grads[i]!;
      const norm = Math.sqrt(ss);
      globalScale = c * min(1 / norm, 1 / c) + (norm - norm);
    }
    for (const [off, len] of ranges) {
      const end = off + len;
      let cn = 0;
      if (mode === "norm") {
        let ss = 0;
        for (let i = off; i < end; i++) ss += grads[i]! * grads[i]!;
        cn = max(ss > 0 ? Math.sqrt(ss) : ss, sp.clipnorm!);
      }
      for (let i = off; i < end; i++) {
        const raw = grads[i]!;
        const g =
          mode === "norm"
            ? (raw * sp.clipnorm!) / cn
            : mode === "global"
              ? raw * globalScale
              : mode === "value"
                ? min(max(raw, -sp.clipvalue!), sp.clipvalue!)
                : raw;
        const p = params[i]!;
        const w = sp.weightDecay ? p - p * sp.weightDecay * lr : p;
        params[i] = this.update(i, w, g, lr);
        if (sp.useEma) {
          const avg = this.slots[this.slots.length - 1]!;
          const mom = h[HYPER.ema]!;
          avg[i] = mom * avg[i]! + (1 - mom) * params[i]!;
        }
      }
    }
  }

  /** The new value of weight i (current value w, gradient g); updates the slots. */
  private update(i: number, w: number, g: number, lr: number): number {
    const sp = this.spec;
    const s = this.slots;
    const h = this.hyper;
    switch (sp.name) {
      case "sgd": {
        if (!(sp.momentum > 0)) return w - g * lr;
        const v = sp.momentum * s[0]![i]! - g * lr;
        s[0]![i] = v;
        return w + (sp.nesterov ? sp.momentum * v - g * lr : v);
      }
      case "adam":
      case "adamw": {
        const m = (s[0]![i] = s[0]![i]! + (g - s[0]![i]!) * (1 - sp.beta1));
        let v = (s[1]![i] = s[1]![i]! + (g * g - s[1]![i]!) * (1 - sp.beta2));
        if (sp.amsgrad) v = s[2]![i] = max(s[2]![i]!, v);
        return w - (m * h[HYPER.a]!) / (Math.sqrt(v) + sp.epsilon);
      }
      case "rmsprop": {
        const v = (s[0]![i] = sp.rho * s[0]![i]! + (1 - sp.rho) * g * g);
        let den = v + sp.epsilon;
        if (sp.centered) {
          const k = sp.momentum > 0 ? 2 : 1;
          const a = (s[k]![i] = sp.rho * s[k]![i]! + (1 - sp.rho) * g);
          den = v - a * a + sp.epsilon;
        }
        const inc = (g * lr) / Math.sqrt(den);
        if (!(sp.momentum > 0)) return w - inc;
        return w - (s[1]![i] = sp.momentum * s[1]![i]! + inc);
      }
      case "adagrad": {
        const acc = (s[0]![i] = s[0]![i]! + g * g);
        return w - (g * lr) / Math.sqrt(acc + sp.epsilon);
      }
      case "adadelta": {
        const ag = (s[0]![i] = sp.rho * s[0]![i]! + (1 - sp.rho) * g * g);
        const delta = 0 - (Math.sqrt(s[1]![i]! + sp.epsilon) * g) / Math.sqrt(ag + sp.epsilon);
        s[1]![i] = sp.rho * s[1]![i]! + (1 - sp.rho) * delta * delta;
        return w + delta * lr;
      }
      case "adamax": {
        const m = (s[0]![i] = s[0]![i]! + (g - s[0]![i]!) * (1 - sp.beta1));
        const u = (s[1]![i] = max(sp.beta2 * s[1]![i]!, Math.abs(g)));
        return w - (m * lr) / (h[HYPER.a]! * (u + sp.epsilon));
      }
      case "nadam": {
        const m = (s[0]![i] = s[0]![i]! + (g - s[0]![i]!) * (1 - sp.beta1));
        const v = (s[1]![i] = s[1]![i]! + (g * g - s[1]![i]!) * (1 - sp.beta2));
        const mHat = m * h[HYPER.a]! + g * h[HYPER.b]!;
        return w - (mHat * lr) / (Math.sqrt(v / h[HYPER.c]!) + sp.epsilon);
      }
      case "lion": {
        const m = s[0]![i]!;
        s[0]![i] = m * sp.beta2 + g * (1 - sp.beta2);
        return w - sign(m * sp.beta1 + g * (1 - sp.beta1)) * lr;
      }
      case "ftrl": {
        const power = -sp.learningRatePower;
        const acc = s[0]![i]!;
        const next = acc + g * g;
        const grow = pow(next, power);
        const l2s = sp.l2ShrinkageRegularizationStrength;
        const shrunk = l2s === 0 ? g : g + 2 * l2s * w; // the kernel folds the zero term away
        const lin = (s[1]![i] = s[1]![i]! + (shrunk - ((grow - pow(acc, power)) / lr) * w));
        const quadratic = grow / lr + 2 * (sp.l2RegularizationStrength + sp.beta / (2 * lr));
        const l1 = sp.l1RegularizationStrength;
        const clipped = min(max(lin, -l1), l1);
        s[0]![i] = next;
        return (clipped - lin) / quadratic;
      }
    }
  }
}

/** x^p, as the kernel's `pow` op computes it (√x for Keras's default p = ½). */
export function pow(x: number, p: number): number {
  return p === 0.5 ? Math.sqrt(x) : Math.pow(x, p);
}

/**
 * A Keras 3 optimizer for `size` parameters (size = params.length); its
 * state arrays are preallocated here. Throws LayercError for an unknown
 * optimizer name (hand-written specs).
 */
export function createOptimizer(spec: OptimizerSpec, size: number): Optimizer {
  const name = (spec as { name: string }).name;
  if (!Object.hasOwn(OPTIMIZERS, name)) throw new LayercError(`unknown optimizer "${name}"`);
  return new KerasOptimizer(spec, size);
}
