/**
 * The layer registry: every layer kind the language knows, keyed by its
 * Keras class name. Exhaustive at type level: adding a kind to LayerKind
 * without registering it is a compile error.
 */
import type { ArgSpec, LayerDef } from "./types.js";
import { activation } from "./activation.js";
import { dense } from "./dense.js";
import { flatten } from "./flatten.js";
import { conv1d } from "./conv1d.js";
import { conv2d } from "./conv2d.js";
import { reshape } from "./reshape.js";
import { globalAveragePooling2d, globalMaxPooling2d } from "./global-pooling.js";
import { averagePooling1d, averagePooling2d, maxPooling1d, maxPooling2d } from "./pooling.js";
import { dropout } from "./dropout.js";
import { batchNormalization } from "./batch-normalization.js";
import { sequenceLayers, type SequenceLayerKind } from "./sequence-registry.js";

export type LayerKind =
  | "Dense"
  | "Activation"
  | "Flatten"
  | "Conv1D"
  | "Conv2D"
  | "Reshape"
  | "GlobalAveragePooling2D"
  | "GlobalMaxPooling2D"
  | "MaxPooling1D"
  | "MaxPooling2D"
  | "AveragePooling1D"
  | "AveragePooling2D"
  | "Dropout"
  | "BatchNormalization"
  | SequenceLayerKind;

export const layers: Readonly<Record<LayerKind, LayerDef>> = {
  Dense: dense,
  Activation: activation,
  Flatten: flatten,
  Conv1D: conv1d,
  Conv2D: conv2d,
  Reshape: reshape,
  GlobalAveragePooling2D: globalAveragePooling2d,
  GlobalMaxPooling2D: globalMaxPooling2d,
  MaxPooling1D: maxPooling1d,
  MaxPooling2D: maxPooling2d,
  AveragePooling1D: averagePooling1d,
  AveragePooling2D: averagePooling2d,
  Dropout: dropout,
  BatchNormalization: batchNormalization,
  ...sequenceLayers,
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
