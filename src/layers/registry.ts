/**
 * The layer registry: every layer kind the language knows, keyed by its
 * Keras class name. Exhaustive at type level: adding a kind to LayerKind
 * without registering it is a compile error.
 */
import type { ArgSpec, LayerDef } from "./types.js";
import { activityRegularizerArg } from "./common.js";
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
import { relu } from "./relu.js";
import { leakyRelu } from "./leaky-relu.js";
import { prelu } from "./prelu.js";
import { elu } from "./elu.js";
import { softmax } from "./softmax.js";
import { rescaling } from "./rescaling.js";
import { normalization } from "./normalization.js";
import { layerNormalization } from "./layer-normalization.js";
import { unitNormalization } from "./unit-normalization.js";
import { zeroPadding1d, zeroPadding2d } from "./zero-padding.js";
import { cropping1d, cropping2d } from "./cropping.js";
import { upSampling1d, upSampling2d } from "./up-sampling.js";
import { conv1dTranspose, conv2dTranspose } from "./conv-transpose.js";
import { depthwiseConv2d } from "./depthwise-conv2d.js";
import { separableConv1d, separableConv2d } from "./separable-conv.js";
import { spatialDropout1d, spatialDropout2d } from "./spatial-dropout.js";
import { gaussianNoise } from "./gaussian-noise.js";
import { gaussianDropout } from "./gaussian-dropout.js";
import { alphaDropout } from "./alpha-dropout.js";
import { addLayer, averageLayer, maximumLayer, minimumLayer, multiplyLayer, subtractLayer } from "./merge.js";
import { concatenate } from "./concatenate.js";
import { dot } from "./dot.js";
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
  | "ReLU"
  | "LeakyReLU"
  | "PReLU"
  | "ELU"
  | "Softmax"
  | "Rescaling"
  | "Normalization"
  | "LayerNormalization"
  | "UnitNormalization"
  | "ZeroPadding1D"
  | "ZeroPadding2D"
  | "Cropping1D"
  | "Cropping2D"
  | "UpSampling1D"
  | "UpSampling2D"
  | "Conv1DTranspose"
  | "Conv2DTranspose"
  | "DepthwiseConv2D"
  | "SeparableConv1D"
  | "SeparableConv2D"
  | "SpatialDropout1D"
  | "SpatialDropout2D"
  | "GaussianNoise"
  | "GaussianDropout"
  | "AlphaDropout"
  | "Add"
  | "Subtract"
  | "Multiply"
  | "Average"
  | "Maximum"
  | "Minimum"
  | "Concatenate"
  | "Dot"
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
  ReLU: relu,
  LeakyReLU: leakyRelu,
  PReLU: prelu,
  ELU: elu,
  Softmax: softmax,
  Rescaling: rescaling,
  Normalization: normalization,
  LayerNormalization: layerNormalization,
  UnitNormalization: unitNormalization,
  ZeroPadding1D: zeroPadding1d,
  ZeroPadding2D: zeroPadding2d,
  Cropping1D: cropping1d,
  Cropping2D: cropping2d,
  UpSampling1D: upSampling1d,
  UpSampling2D: upSampling2d,
  Conv1DTranspose: conv1dTranspose,
  Conv2DTranspose: conv2dTranspose,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv1D: separableConv1d,
  SeparableConv2D: separableConv2d,
  SpatialDropout1D: spatialDropout1d,
  SpatialDropout2D: spatialDropout2d,
  GaussianNoise: gaussianNoise,
  GaussianDropout: gaussianDropout,
  AlphaDropout: alphaDropout,
  Add: addLayer,
  Subtract: subtractLayer,
  Multiply: multiplyLayer,
  Average: averageLayer,
  Maximum: maximumLayer,
  Minimum: minimumLayer,
  Concatenate: concatenate,
  Dot: dot,
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

/** Arguments every layer accepts (Keras's base Layer): name and input_shape are the checker's, activity_regularizer the plan's. */
export const commonArgs: readonly ArgSpec[] = [
  { name: "name", type: { t: "nullable", inner: { t: "string" } }, default: null },
  { name: "input_shape", type: { t: "nullable", inner: { t: "shape" } }, default: null },
  activityRegularizerArg,
];
