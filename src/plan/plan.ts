/**
 * Lowering ModelIR to kernel programs: names every buffer a model needs
 * (input, per-layer activations and scratch, activation gradients, parameter
 * and gradient tensors at constant offsets) and asks each layer for its
 * forward and backward kernels. Both backends start from this plan; it is
 * the only place that walks the layer list, so neither backend names a
 * layer kind.
 */
import { Buf } from "../kernel/buffer.js";
import type { Stmt } from "../kernel/expr.js";
import type { LayerIR, ModelIR } from "../ir/model-ir.js";
import { lookupLayer } from "../layers/registry.js";
import { prod, type KernelContext } from "../layers/types.js";
import { InternalError } from "../diagnostics/diagnostic.js";
import type { LossSpec } from "../runtime/spec.js";
import { optimizerKernel, optimizerSlots } from "../kernel/optimizer.js";
import { lossKernel } from "../kernel/loss.js";
import { constraintKernel, hasRegularizers, regularizerKernel } from "../kernel/weight-options.js";

export type Storage =
  /** The caller's input samples (Float32Array, read-only). */
  | { readonly kind: "input" }
  /** dLoss/dOutput, provided by the runtime's loss. */
  | { readonly kind: "dout" }
  /** A per-instance Float64Array of `perSample` values per sample; `random`: refilled with U[0,1) before each training forward. */
  | { readonly kind: "act"; readonly perSample: number; readonly random?: boolean; readonly seed?: number }
  /** A tensor in the flat parameter (or gradient) array at a constant offset. */
  | { readonly kind: "param" | "grad"; readonly base: number; readonly size: number }
  /** Optimizer state mirroring the parameters (float64), by slot index. */
  | { readonly kind: "slot"; readonly index: number }
  /** Per-step optimizer scalars computed by the runtime (Adam's α_t). */
  | { readonly kind: "hyper" }
  /** The caller's training targets (Float32Array: values, or class ids for sparse labels). */
  | { readonly kind: "labels" }
  /** The loss kernel's scalar result: [batch mean loss]. */
  | { readonly kind: "result" }
  /** Per-sample loss weights from the runtime (1 unless class or sample weights are given). */
  | { readonly kind: "sampleWeights" };

export interface LayerPlan {
  readonly layer: LayerIR;
  /** Inference forward (predict, evaluate). */
  readonly forward: readonly Stmt[];
  /** Training forward: batch statistics, dropout, and what backward needs (empty if inference-only). */
  readonly forwardTrain: readonly Stmt[];
  readonly backward: readonly Stmt[];
}

export interface ModelPlan {
  readonly model: ModelIR;
  readonly training: boolean;
  /** Every buffer the kernels name, in declaration order. */
  readonly buffers: ReadonlyMap<string, Storage>;
  readonly layers: readonly LayerPlan[];
  /** The optimizer step over the trainable parameters (empty without compile(...)). */
  readonly update: readonly Stmt[];
  /** The batch loss and dLoss/d(output or logits) into dOut (empty without compile(...)). */
  readonly loss: readonly Stmt[];
  /** Buffer holding the model output. */
  readonly output: string;
  /**
   * When the final softmax/sigmoid is fused with its crossentropy: the buffer
   * of the last layer's pre-activation values, and the loss to compute on
   * them (the same loss with from_logits), whose gradient is exactly p − y.
   */
  readonly fused: { readonly logits: string; readonly loss: LossSpec } | null;
}

/** softmax + (sparse) categorical crossentropy, sigmoid + binary crossentropy. */
export function fusedLoss(loss: LossSpec, activation: string | undefined): LossSpec | null {
  if (loss.fromLogits) return null;
  const categorical = loss.name === "categorical_crossentropy" || loss.name === "sparse_categorical_crossentropy";
  if ((categorical && activation === "softmax") || (loss.name === "binary_crossentropy" && activation === "sigmoid")) {
    return { ...loss, fromLogits: true };
  }
  return null;
}

export function planModel(model: ModelIR): ModelPlan {
  const training = model.training !== null;
  const buffers = new Map<string, Storage>();
  const unique = (want: string): string => {
    let name = want;
    for (let i = 1; buffers.has(name); i++) name = `${want}$${i}`;
    return name;
  };
  const declare = (want: string, storage: Storage): string => {
    const name = unique(want);
    buffers.set(name, storage);
    return name;
  };
  declare("x", { kind: "input" });
  declare("dOut", { kind: "dout" });

  const last = model.layers.length - 1;
  const aliases = model.layers.map((l, i) => i < last && lookupLayer(l.kind)?.aliasesInput === true);
  const outs: string[] = [];
  model.layers.forEach((l, i) => {
    outs.push(aliases[i] ? (i === 0 ? "x" : outs[i - 1]!) : declare(`${l.name}_out`, { kind: "act", perSample: prod(l.outputShape) }));
  });
  // the gradient w.r.t. an aliasing layer's output is the gradient w.r.t. its input
  const douts: string[] = new Array<string>(model.layers.length).fill("");
  douts[last] = "dOut";
  for (let i = last - 1; i >= 0 && training; i--) {
    douts[i] = aliases[i + 1] ? douts[i + 1]! : declare(`${model.layers[i]!.name}_dout`, { kind: "act", perSample: prod(model.layers[i]!.outputShape) });
  }

  const lastDef = lookupLayer(model.layers[last]!.kind);
  // a single Activation layer's pre-activation is the caller's input: nothing to fuse into
  const fuse =
    model.training && lastDef?.preActivation && !(last === 0 && lastDef.kind === "Activation")
      ? fusedLoss(model.training.loss, lastDef.outputActivation?.(model.layers[last]!.attrs))
      : null;
  let logits = "";
  const layers = model.layers.map((layer, i): LayerPlan => {
    const def = lookupLayer(layer.kind);
    if (!def) throw new InternalError(`layer kind ${layer.kind} reached planning unregistered`);
    const scratch = new Map<string, { name: string; size: number }>();
    for (const s of def.scratch?.(layer.attrs, layer.inputShape, layer.outputShape, training) ?? []) {
      const storage: Storage = !s.random
        ? { kind: "act", perSample: s.size }
        : s.seed === undefined || s.seed === null
          ? { kind: "act", perSample: s.size, random: true }
          : { kind: "act", perSample: s.size, random: true, seed: s.seed };
      scratch.set(s.name, { name: declare(`${layer.name}_${s.name}`, storage), size: s.size });
    }
    const params = new Map<string, { value: string; grad: string; shape: readonly number[] }>();
    for (const p of layer.params) {
      const value = declare(`${layer.name}_${p.name}`, { kind: "param", base: p.offset, size: p.size });
      const grad = training && p.trainable ? declare(`${layer.name}_${p.name}_grad`, { kind: "grad", base: p.offset, size: p.size }) : "";
      params.set(p.name, { value, grad, shape: p.shape });
    }
    const need = <T>(v: T | undefined, what: string): T => {
      if (v === undefined || v === "") throw new InternalError(`layer ${layer.name} (${layer.kind}) asked for undeclared ${what}`);
      return v;
    };
    const ctx: KernelContext = {
      attrs: layer.attrs,
      inShape: layer.inputShape,
      outShape: layer.outputShape,
      x: new Buf(i === 0 ? "x" : outs[i - 1]!, ["batch", ...layer.inputShape]),
      y: new Buf(outs[i]!, ["batch", ...layer.outputShape]),
      dx: new Buf(i === 0 ? "" : douts[i - 1]!, ["batch", ...layer.inputShape]),
      dy: new Buf(douts[i]!, ["batch", ...layer.outputShape]),
      needInputGrad: i > 0,
      training,
      modelTrains: training,
      outputGradIsPreActivation: fuse !== null && i === last,
      param: (name) => {
        const p = need(params.get(name), `parameter ${name}`);
        return new Buf(p.value, p.shape);
      },
      grad: (name) => {
        const p = need(params.get(name), `parameter ${name}`);
        return new Buf(need(p.grad, `gradient of ${name}`), p.shape);
      },
      scratch: (name) => {
        const s = need(scratch.get(name), `scratch buffer ${name}`);
        return new Buf(s.name, ["batch", s.size]);
      },
    };
    if (aliases[i]) return { layer, forward: [], forwardTrain: [], backward: [] };
    if (fuse !== null && i === last) logits = def.preActivation!(ctx).name;
    if (logits === "x") throw new InternalError("fusion on the model input");
    const forward = def.forward({ ...ctx, training: false });
    if (!training) return { layer, forward, forwardTrain: [], backward: [] };
    return { layer, forward, forwardTrain: def.forward(ctx), backward: def.backward(ctx) };
  });
  const fused = fuse !== null ? { logits, loss: fuse } : null;
  let update: Stmt[] = [];
  let loss: Stmt[] = [];
  if (model.training) {
    const names = {
      params: declare("params", { kind: "param", base: 0, size: model.paramCount }),
      grads: declare("grads", { kind: "grad", base: 0, size: model.paramCount }),
      slots: Array.from({ length: optimizerSlots(model.training.optimizer) }, (_, index) => declare(`slot${index}`, { kind: "slot", index })),
      hyper: declare("hyper", { kind: "hyper" }),
    };
    const ranges = model.layers.flatMap((l) => l.params.filter((p) => p.trainable).map((p) => [p.offset, p.size] as const));
    // Keras: the regularizers' gradient joins before the update; constraints project after it
    const tensors = model.layers.flatMap((l) => l.params.filter((p) => p.trainable));
    update = [
      ...(hasRegularizers(tensors) ? regularizerKernel(tensors, names.params, names.grads, declare("result", { kind: "result" })) : []),
      ...optimizerKernel(model.training.optimizer, ranges, names),
      ...constraintKernel(tensors, names.params),
    ];
    const output = outs[outs.length - 1]!;
    const lossSpec = fused?.loss ?? model.training.loss;
    const classes = model.outputShape[model.outputShape.length - 1] ?? 1;
    // a fused softmax's output already holds the probabilities the loss needs
    const probs = fused !== null && lossSpec.name !== "binary_crossentropy" ? output : null;
    loss = lossKernel(lossSpec, prod(model.outputShape), classes, {
      pred: fused?.logits ?? output,
      probs,
      labels: declare("labels", { kind: "labels" }),
      dOut: "dOut",
      result: buffers.has("result") ? "result" : declare("result", { kind: "result" }),
      weights: declare("sampleWeights", { kind: "sampleWeights" }),
    });
  }
  return { model, training, buffers, layers, update, loss, output: outs[outs.length - 1]!, fused };
}
