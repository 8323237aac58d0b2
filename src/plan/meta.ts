/**
 * The runtime description of a model (ModelMeta) derived from its IR: the
 * same plain object is embedded in generated code and handed to the
 * interpreter's classes, so both report identical weights and summaries.
 */
import type { ModelIR } from "../ir/model-ir.js";
import type { ModelMeta } from "../runtime/model.js";
import type { ModelPlan } from "./plan.js";
import { lookupLayer } from "../layers/registry.js";

/** The first layer reads token ids: the runtime validates the input against its vocabulary. */
function tokenIds(model: ModelIR): ModelMeta["tokenIds"] {
  const first = model.layers[0]!;
  const limit = lookupLayer(first.kind)?.tokenIds?.(first.attrs);
  return limit === undefined ? undefined : { limit, layer: `\`${first.name}\` (${first.kind}, input_dim=${limit})` };
}

export function metaOf(model: ModelIR, plan: ModelPlan): ModelMeta {
  return {
    name: model.name,
    inputShape: model.inputShape,
    outputShape: model.outputShape,
    seed: model.seed,
    dtype: model.dtype,
    paramCount: model.paramCount,
    weights: model.layers.flatMap((l) =>
      l.params.map((p) => ({
        name: `${l.name}/${p.name}`,
        shape: p.shape,
        offset: p.offset,
        size: p.size,
        trainable: p.trainable,
        init: p.initializer,
        ...(p.regularizer ? { regularizer: p.regularizer } : {}),
      })),
    ),
    layers: model.layers.map((l) => ({
      name: l.name,
      kind: l.kind,
      outputShape: l.outputShape,
      params: l.params.reduce((s, p) => s + p.size, 0),
      trainable: l.params.reduce((s, p) => s + (p.trainable ? p.size : 0), 0),
    })),
    training: model.training ? { ...model.training, lossOnLogits: plan.fused?.loss ?? null } : null,
    ...(tokenIds(model) ? { tokenIds: tokenIds(model)! } : {}),
  };
}
