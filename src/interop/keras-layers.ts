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
  /** Keys Keras's constructor rejects although other layers take them (SpatialDropout: `trainable`). */
  readonly omit?: readonly string[];
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

/** Bidirectional's `backward_layer` is dropped when it is `layer` run backwards (what Keras builds by itself). */
function mirroredBackward(c: Record<string, Json>): Record<string, Json> {
  // Keras's object ids and build shapes say nothing about the layer
  const clean = (v: Json): Json =>
    Array.isArray(v)
      ? v.map(clean)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== "shared_object_id" && k !== "build_config").map(([k, x]) => [k, clean(x)]))
        : v;
  const strip = (l: Json | undefined): Json => {
    if (l === null || typeof l !== "object" || Array.isArray(l)) return l ?? null;
    const config = l["config"];
    if (config === null || typeof config !== "object" || Array.isArray(config)) return clean(l);
    const { name: _n, go_backwards: _g, ...rest } = config;
    return clean({ class_name: l["class_name"] ?? null, config: rest });
  };
  const backwards = (l: Json | undefined): Json =>
    l !== null && typeof l === "object" && !Array.isArray(l) && l["config"] !== null && typeof l["config"] === "object" && !Array.isArray(l["config"]) ? (l["config"]["go_backwards"] ?? false) : null;
  const { backward_layer: back, ...rest } = c;
  if (back === undefined) return c;
  const mirrors = JSON.stringify(strip(back)) === JSON.stringify(strip(c["layer"])) && backwards(back) === !backwards(c["layer"]);
  return mirrors ? rest : c;
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
  SimpleRNN: { benign: { zero_output_for_mask: [false, true] }, varsAt: "cell" },
  LSTM: { benign: { zero_output_for_mask: [false, true] }, varsAt: "cell" },
  GRU: { benign: { zero_output_for_mask: [false, true] }, varsAt: "cell" },
  // Keras 3 always writes the backward copy; when it mirrors `layer` it says nothing more
  Bidirectional: { adapt: mirroredBackward },
  AlphaDropout: { benign: { noise_shape: [null] } },
  SpatialDropout1D: { omit: ["trainable"] },
  SpatialDropout2D: { omit: ["trainable"] },
  LayerNormalization: { benign: { rms_scaling: [false] } },
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

/**
 * Where Keras 3's weights file keeps a layer's variables, in
 * `get_weights()` order, the layer's parameters split evenly among them:
 * `""` (its own `vars`), `cell` for a recurrent layer, `forward_layer/cell`
 * and `backward_layer/cell` for Bidirectional, `layer` for TimeDistributed.
 */
export function kerasVarGroups(kind: string, attrs: Readonly<Record<string, unknown>>): string[] {
  const inner = attrs["layer"] as { layer?: string; attrs?: Record<string, unknown> } | undefined;
  const at = (k: string, a: Readonly<Record<string, unknown>>) => kerasVarGroups(k, a)[0]!;
  const join = (head: string, tail: string) => (tail === "" ? head : `${head}/${tail}`);
  if (kind === "Bidirectional" && inner?.layer) {
    const tail = at(inner.layer, inner.attrs ?? {});
    return [join("forward_layer", tail), join("backward_layer", tail)];
  }
  if (kind === "TimeDistributed" && inner?.layer) return [join("layer", at(inner.layer, inner.attrs ?? {}))];
  return [kerasLayers[kerasClassOf(kind)]?.varsAt ?? ""];
}

/** The Keras class that a layerc layer kind exports as. */
export function kerasClassOf(kind: string): string {
  for (const [cls, row] of Object.entries(kerasLayers))
    if (row.kind === kind) return cls;
  return kind;
}
