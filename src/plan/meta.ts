/**
 * The runtime description of a model (ModelMeta) derived from its IR: the
 * same plain object is embedded in generated code and handed to the
 * interpreter's classes, so both report identical weights and summaries.
 * A model with several inputs or outputs also lists them (with each
 * output's loss, weight and metrics); a functional model's summary rows
 * include its inputs and each layer's inbound tensors ("Connected to").
 */
import type { ModelIR } from "../ir/model-ir.js";
import type { ModelMeta, OutputMeta } from "../runtime/model.js";
import type { SummaryLayer } from "../runtime/summary.js";
import { hasActivityPenalty, outputLosses, type ModelPlan } from "./plan.js";
import { lookupLayer } from "../layers/registry.js";

/**
 * The layer that reads token ids (the first of a Sequential model; in a functional model the
 * checker allows one only on the single model input): the runtime validates the input against its vocabulary.
 */
function tokenIds(model: ModelIR): ModelMeta["tokenIds"] {
  for (const l of model.layers) {
    const limit = lookupLayer(l.kind)?.tokenIds?.(l.attrs);
    if (limit !== undefined) return { limit, layer: `\`${l.name}\` (${l.kind}, input_dim=${limit})` };
  }
  return undefined;
}

export function metaOf(model: ModelIR, plan: ModelPlan): ModelMeta {
  const ported = model.inputs.length > 1 || model.outputs.length > 1;
  const losses = outputLosses(model);
  const outputs: OutputMeta[] = model.outputs.map((t, k) => {
    const tensor = model.tensors[t]!;
    const o = model.training?.outputs?.[k];
    return { name: tensor.name, shape: tensor.shape, ...(losses[k] ? { loss: losses[k]!.loss, weight: losses[k]!.weight, metrics: o?.metrics ?? model.training!.metrics } : {}) };
  });
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
    layers: model.functional ? functionalRows(model) : model.layers.map((l) => row(l.name, l.kind, l.outputShape, l.params)),
    training: model.training ? { ...trainingOf(model.training), lossOnLogits: plan.fused?.loss ?? null, ...(hasActivityPenalty(model) ? { activityPenalty: true } : {}) } : null,
    ...(ported ? { inputs: model.inputs.map((i) => ({ name: i.name, shape: model.tensors[i.tensor]!.shape })), outputs } : {}),
    ...(tokenIds(model) ? { tokenIds: tokenIds(model)! } : {}),
  };
}

/** The training config without the per-output list, which the meta carries in `outputs`. */
function trainingOf({ outputs: _outputs, ...rest }: NonNullable<ModelIR["training"]>) {
  return rest;
}

function row(name: string, kind: string, outputShape: readonly number[], params: ModelIR["layers"][number]["params"]): SummaryLayer {
  return {
    name,
    kind,
    outputShape,
    params: params.reduce((s, p) => s + p.size, 0),
    trainable: params.reduce((s, p) => s + (p.trainable ? p.size : 0), 0),
  };
}

/** Keras 3's functional summary rows: the InputLayers, then each layer with `producer[call][0]` for every inbound tensor. */
function functionalRows(model: ModelIR): SummaryLayer[] {
  // which call of which layer produced each tensor (inputs: call 0 of their InputLayer)
  const origin = new Map<number, string>();
  for (const i of model.inputs) origin.set(i.tensor, `${i.name}[0][0]`);
  const calls = new Map<number, number>();
  for (const n of model.nodes) {
    const k = calls.get(n.layer) ?? 0;
    calls.set(n.layer, k + 1);
    origin.set(n.output, `${model.layers[n.layer]!.name}[${k}][0]`);
  }
  const inputs = model.inputs.map((i) => ({ ...row(i.name, "InputLayer", model.tensors[i.tensor]!.shape, []), connected: [] }));
  const layers = model.layers.map((l, index) => ({
    ...row(l.name, l.kind, l.outputShape, l.params),
    connected: model.nodes.filter((n) => n.layer === index).flatMap((n) => n.inputs.map((t) => origin.get(t)!)),
  }));
  return [...inputs, ...layers];
}
