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
import { formatSummary, type SummaryLayer } from "../runtime/summary.js";
import { hasActivityPenalty, outputLosses, type ModelPlan } from "./plan.js";
import { lookupLayer } from "../layers/registry.js";
import { kerasOrder } from "../ir/keras-order.js";

/**
 * What the runtime checks on model input `k` when token-id layers
 * (Embedding) read it: the checker lets such a layer read only a model
 * input, so each input's ids are validated where they enter. With several
 * readers, the smallest vocabulary bounds them all.
 */
function tokenIds(model: ModelIR, k: number): ModelMeta["tokenIds"] {
  const tensor = model.inputs[k]!.tensor;
  let best: ModelMeta["tokenIds"];
  for (const n of model.nodes) {
    const l = model.layers[n.layer]!;
    const limit = n.inputs[0] === tensor ? lookupLayer(l.kind)?.tokenIds?.(l.attrs) : undefined;
    if (limit !== undefined && (best === undefined || limit < best.limit)) best = { limit, layer: `\`${l.name}\` (${l.kind}, input_dim=${limit})` };
  }
  return best;
}

export function metaOf(model: ModelIR, plan: ModelPlan): ModelMeta {
  const ported = model.inputs.length > 1 || model.outputs.length > 1;
  const losses = outputLosses(model);
  const outputs: OutputMeta[] = model.outputs.map((t, k) => {
    const tensor = model.tensors[t]!;
    const o = model.training?.outputs?.[k];
    return { name: tensor.name, shape: tensor.shape, ...(losses[k] ? { loss: losses[k]!.loss, weight: losses[k]!.weight, metrics: o?.metrics ?? model.training!.metrics } : {}) };
  });
  const layers = model.functional ? functionalRows(model) : model.layers.map((l) => row(l.name, l.kind, l.outputShape, l.params));
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
    summary: formatSummary(model.name, layers, model.dtype === "float64" ? 8 : 4),
    layers,
    training: model.training ? { ...trainingOf(model.training), lossOnLogits: plan.fused?.loss ?? null, ...(hasActivityPenalty(model) ? { activityPenalty: true } : {}) } : null,
    ...(ported ? { inputs: model.inputs.map((i, k) => ({ name: i.name, shape: model.tensors[i.tensor]!.shape, ...(model.inputs.length > 1 && tokenIds(model, k) ? { tokenIds: tokenIds(model, k)! } : {}) })), outputs } : {}),
    ...(model.inputs.length === 1 && tokenIds(model, 0) ? { tokenIds: tokenIds(model, 0)! } : {}),
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
    [n.output, ...(n.extraOutputs ?? [])].forEach((t, j) => origin.set(t, `${model.layers[n.layer]!.name}[${k}][${j}]`));
  }
  const layerRow = (index: number): SummaryLayer => {
    const l = model.layers[index]!;
    const first = model.nodes.find((n) => n.layer === index);
    // a call with several outputs (return_state) shows every output's shape, as Keras does
    const several = first?.extraOutputs ? { outputShapes: [first.output, ...first.extraOutputs].map((t) => model.tensors[t]!.shape) } : {};
    return { ...row(l.name, l.kind, l.outputShape, l.params), ...several, connected: model.nodes.filter((n) => n.layer === index).flatMap((n) => n.inputs.map((t) => origin.get(t)!)) };
  };
  const inputRow = (tensor: number): SummaryLayer => {
    const i = model.inputs.find((x) => x.tensor === tensor)!;
    return { ...row(i.name, "InputLayer", model.tensors[tensor]!.shape, []), connected: [] };
  };
  // Keras's model.layers order places each InputLayer by its depth too
  const producer = new Map(model.nodes.flatMap((n, k) => [n.output, ...(n.extraOutputs ?? [])].map((t) => [t, k] as const)));
  const order = kerasOrder(model.nodes, (t) => producer.get(t) ?? -1, model.inputs.map((i) => i.tensor), model.outputs);
  return order.map((o) => (o.kind === "layer" ? layerRow(o.layer) : inputRow(o.tensor)));
}
