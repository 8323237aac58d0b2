/**
 * Argument specs and helpers shared by several layer kinds.
 */
import type { ActivationName } from "../ir/model-ir.js";
import type { InitializerSpec } from "../runtime/spec.js";
import type { ArgSpec, Attrs } from "./types.js";

export const GLOROT_UNIFORM: InitializerSpec = { name: "glorot_uniform", seed: null };
export const ZEROS: InitializerSpec = { name: "zeros" };
export const ONES: InitializerSpec = { name: "ones" };

export const activationArg = (positional = false): ArgSpec => ({
  name: "activation",
  type: { t: "nullable", inner: { t: "activation" } },
  default: "linear",
  positional,
});

/**
 * `<weight>_regularizer` and `<weight>_constraint` for each named weight; the
 * checker attaches them to the weight of that name (kernel, bias, …).
 */
export const weightOptionArgs = (...weights: string[]): ArgSpec[] =>
  weights.flatMap((w) => [
    { name: `${w}_regularizer`, type: { t: "nullable", inner: { t: "regularizer" } }, default: null },
    { name: `${w}_constraint`, type: { t: "nullable", inner: { t: "constraint" } }, default: null },
  ]);

/**
 * Keras 3 `activity_regularizer=`: a penalty on the layer's output, divided
 * by the batch size and added to the loss (the plan adds it and its
 * gradient). Keras's base Layer takes it, so every layer does (registry.ts
 * commonArgs).
 */
export const activityRegularizerArg: ArgSpec = { name: "activity_regularizer", type: { t: "nullable", inner: { t: "regularizer" } }, default: null };

export const biasArgs: readonly ArgSpec[] = [
  { name: "use_bias", type: { t: "bool" }, default: true },
  { name: "kernel_initializer", type: { t: "initializer" }, default: GLOROT_UNIFORM },
  { name: "bias_initializer", type: { t: "initializer" }, default: ZEROS },
  ...weightOptionArgs("kernel", "bias"),
];

export const activationOf = (attrs: Attrs): ActivationName => (attrs["activation"] ?? "linear") as ActivationName;
export const int = (attrs: Attrs, name: string): number => attrs[name] as number;
export const ints = (attrs: Attrs, name: string): readonly number[] => attrs[name] as readonly number[];
export const bool = (attrs: Attrs, name: string): boolean => attrs[name] as boolean;
export const init = (attrs: Attrs, name: string): InitializerSpec => attrs[name] as InitializerSpec;
