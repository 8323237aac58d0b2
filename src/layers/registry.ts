/**
 * The layer registry: every layer kind the language knows, keyed by its
 * Keras class name. Exhaustive at type level: adding a kind to LayerKind
 * without registering it is a compile error.
 */
import type { ArgSpec, LayerDef } from "./types.js";
import { activation } from "./activation.js";
import { dense } from "./dense.js";
import { flatten } from "./flatten.js";

export type LayerKind = "Dense" | "Activation" | "Flatten";

export const layers: Readonly<Record<LayerKind, LayerDef>> = {
  Dense: dense,
  Activation: activation,
  Flatten: flatten,
};

export function lookupLayer(kind: string): LayerDef | undefined {
  return Object.prototype.hasOwnProperty.call(layers, kind) ? layers[kind as LayerKind] : undefined;
}

/** `Input(shape=..., name=...)`: declares the input; produces no layer. */
export const inputArgs: readonly ArgSpec[] = [
  { name: "shape", type: { t: "shape" }, required: true, positional: true },
  { name: "name", type: { t: "string" }, default: null },
];

/** Arguments every layer accepts, handled by the checker itself. */
export const commonArgs: readonly ArgSpec[] = [
  { name: "name", type: { t: "nullable", inner: { t: "string" } }, default: null },
  { name: "input_shape", type: { t: "nullable", inner: { t: "shape" } }, default: null },
];
