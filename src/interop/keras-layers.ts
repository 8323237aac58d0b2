/**
 * The one table between Keras layer classes and layerc layers, used by
 * import (Keras config → spec) and export (IR → Keras config). A Keras class
 * whose name is a registered layerc layer kind and whose config keys are
 * the layerc argument names needs no row at all; a row only says what
 * differs: another kind, renamed keys, or Keras keys layerc does not model
 * that are harmless at their Keras default. Anything else in a config is
 * reported, so an import never silently builds a different model.
 */
import { lookupLayer } from "../layers/registry.js";

export type Json =
  null | boolean | number | string | Json[] | { [key: string]: Json };

export interface KerasLayerRow {
  /** The layerc layer kind (defaults to the Keras class name). */
  readonly kind?: string;
  /** Keras key → layerc argument name, where they differ. */
  readonly rename?: Readonly<Record<string, string>>;
  /** Keras keys layerc ignores, each with the only value(s) that mean "as layerc does". */
  readonly benign?: Readonly<Record<string, readonly Json[]>>;
  /** Where Keras 3's weights file keeps the layer's variables, under its group: `cell` for a recurrent layer (`lstm/cell/vars/0`). */
  readonly varsAt?: string;
  /** Rewrites a config before translation (older spellings Keras still loads). */
  readonly adapt?: (config: Record<string, Json>) => Record<string, Json>;
}

/** Keys every Keras layer config may carry that layerc reads elsewhere or ignores at these values. */
export const COMMON_BENIGN: Readonly<Record<string, readonly Json[]>> = {
  trainable: [true],
  data_format: ["channels_last", null],
  kernel_regularizer: [null],
  bias_regularizer: [null],
  activity_regularizer: [null],
  kernel_constraint: [null],
  bias_constraint: [null],
  recurrent_regularizer: [null],
  recurrent_constraint: [null],
  embeddings_regularizer: [null],
  embeddings_constraint: [null],
  quantization_config: [null],
  lora_rank: [null],
  lora_alpha: [null],
};

/** Keras writes `strides` even when it is the default, pool_size; layerc's default is None (= pool_size). */
function poolingStrides(c: Record<string, Json>): Record<string, Json> {
  if (JSON.stringify(c["strides"]) !== JSON.stringify(c["pool_size"])) return c;
  const { strides: _, ...rest } = c;
  return rest;
}

/** Keras classes with something to say; other classes map 1:1 when layerc has the kind. */
export const kerasLayers: Readonly<Record<string, KerasLayerRow>> = {
  Dense: {},
  Conv1D: { benign: { groups: [1] } },
  Conv2D: { benign: { groups: [1] } },
  Dropout: { benign: { noise_shape: [null] } },
  BatchNormalization: {
    benign: {
      beta_regularizer: [null],
      gamma_regularizer: [null],
      beta_constraint: [null],
      gamma_constraint: [null],
      synchronized: [false],
      renorm: [false],
      renorm_clipping: [null],
      renorm_momentum: [0.99],
      // Keras 2 only: fused kernels and virtual batches
      fused: [null, true, false],
      virtual_batch_size: [null],
      adjustment: [null],
    },
    // tf.keras wrote `axis: [3]`
    adapt: (c) =>
      Array.isArray(c["axis"]) && c["axis"].length === 1
        ? { ...c, axis: c["axis"][0]! }
        : c,
  },
  MaxPooling1D: { adapt: poolingStrides },
  MaxPooling2D: { adapt: poolingStrides },
  AveragePooling1D: { adapt: poolingStrides },
  AveragePooling2D: { adapt: poolingStrides },
  // a mask is never passed (import refuses masked calls), so masked steps' outputs never arise
  SimpleRNN: { benign: { zero_output_for_mask: [false] }, varsAt: "cell" },
  LSTM: { benign: { zero_output_for_mask: [false] }, varsAt: "cell" },
  GRU: { benign: { zero_output_for_mask: [false] }, varsAt: "cell" },
  GlobalAveragePooling2D: {},
  GlobalMaxPooling2D: {},
};

/** The row for a Keras class, or undefined when layerc has no such layer. */
export function kerasRow(
  className: string,
): (KerasLayerRow & { readonly kind: string }) | undefined {
  const row = Object.prototype.hasOwnProperty.call(kerasLayers, className)
    ? kerasLayers[className]!
    : {};
  const kind = row.kind ?? className;
  return lookupLayer(kind) ? { ...row, kind } : undefined;
}

/** The Keras class that a layerc layer kind exports as. */
export function kerasClassOf(kind: string): string {
  for (const [cls, row] of Object.entries(kerasLayers))
    if (row.kind === kind) return cls;
  return kind;
}
