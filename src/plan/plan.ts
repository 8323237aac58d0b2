/**
 * Lowering ModelIR to kernel programs: names every buffer a model needs
 * (inputs, one activation per tensor, per-call scratch, activation
 * gradients, parameter and gradient tensors at constant offsets) and asks
 * each layer call for its forward and backward kernels. Both backends start
 * from this plan; it is the only place that walks the model graph, so
 * neither backend names a layer kind and both see a flat list of calls.
 *
 * The graph (see docs/graph-ir.md):
 * - calls run in the IR's topological node order; backward in reverse;
 * - a tensor read by several calls (fan-out) gets its gradient summed: the
 *   first call to run backward writes the gradient buffer, every other one
 *   writes a part buffer that is added in right after its backward (for a
 *   model output the loss writes first, so every reader adds);
 * - a shared layer's calls name the same parameter and gradient tensors;
 *   layers accumulate parameter gradients, so the calls' gradients sum;
 * - an aliasing call (Flatten, Reshape) shares its input's buffer when it
 *   is that tensor's only reader and its output is no model output;
 * - a layer with `activity_regularizer=` (any layer) adds its output's penalty to the
 *   loss (after the output losses, so evaluate has it too) and the
 *   penalty's gradient to its output gradient at the start of its
 *   backward, when every reader has written that gradient; such an output
 *   is never fused with its crossentropy (the penalty is on the
 *   activation's output, not on the logits). A shared layer's penalty is
 *   its last call's only: Keras 3 clears a layer's add_loss losses when it
 *   is called again, so only the last call's penalty reaches the loss;
 * - buffers whose lifetimes never overlap share storage (liveness.ts).
 * A Sequential model is the chain case and plans exactly as it always did.
 */
import { Buf, letVar, load, loop, setVar, storeAt } from "../kernel/buffer.js";
import { add, BATCH, cmp, div, mul, num, ref, select, type Stmt } from "../kernel/expr.js";
import type { LayerIR, ModelIR, NodeIR } from "../ir/model-ir.js";
import { lookupLayer } from "../layers/registry.js";
import { prod, type KernelContext, type LayerDef } from "../layers/types.js";
import { InternalError } from "../diagnostics/diagnostic.js";
import type { LossSpec } from "../runtime/spec.js";
import { optimizerKernel, optimizerSlots } from "../kernel/optimizer.js";
import { lossKernel } from "../kernel/loss.js";
import { activityGradKernel, activityPenaltyKernel, constraintKernel, hasRegularizers, penalizes, regularizerKernel } from "../kernel/weight-options.js";
import type { RegularizerSpec } from "../runtime/spec.js";
import { activationValues, shareBuffers } from "./liveness.js";
import { foldAffine, foldRelu, type ChannelAffine } from "../kernel/affine.js";

export type Storage =
  /** Model input `index` as the caller passed it (Float32Array, read-only). */
  | { readonly kind: "input"; readonly index: number }
  /** dLoss/d(output `index`), written by the loss kernel. */
  | { readonly kind: "dout"; readonly index: number }
  /**
   * A per-instance Float64Array of `perSample` values per sample; `random`: refilled with U[0,1) before each training forward;
   * `shares`: no allocation of its own, it uses that (earlier) buffer's, whose lifetime never overlaps its own (see liveness.ts);
   * `wide`: float64 in a float32 model too (a layer's running sums, ScratchDecl.wide), never shared.
   */
  | { readonly kind: "act"; readonly perSample: number; readonly random?: boolean; readonly seed?: number; readonly shares?: string; readonly wide?: boolean }
  /** A tensor in the flat parameter (or gradient) array at a constant offset. */
  | { readonly kind: "param" | "grad"; readonly base: number; readonly size: number }
  /** Optimizer state mirroring the parameters (float64), by slot index. */
  | { readonly kind: "slot"; readonly index: number }
  /** Per-step optimizer scalars computed by the runtime (Adam's α_t). */
  | { readonly kind: "hyper" }
  /** The caller's training targets for output `index` (Float32Array: values, or class ids for sparse labels). */
  | { readonly kind: "labels"; readonly index: number }
  /**
   * The loss kernels' scalar results: [batch mean loss of output 0, of output 1, ..., the
   * regularizers' penalty, the activity regularizers' penalty]; `index` is the output (the
   * regularizer kernel writes one past the last output's, the activity penalty two past).
   */
  | { readonly kind: "result"; readonly index: number }
  /** Per-sample loss weights from the runtime (1 unless class or sample weights are given), shared by every output's loss. */
  | { readonly kind: "sampleWeights" };

export interface LayerPlan {
  readonly layer: LayerIR;
  /** The call this plan runs (a shared layer has one LayerPlan per call). */
  readonly node: NodeIR;
  /** Unique per call: the layer name, then `<name>_call2`, ... for later calls of a shared layer. */
  readonly label: string;
  /** Inference forward (predict, evaluate). */
  readonly forward: readonly Stmt[];
  /** Training forward: batch statistics, dropout, and what backward needs (empty if inference-only). */
  readonly forwardTrain: readonly Stmt[];
  /** The call's backward, followed by the sums of its fan-out gradient parts. */
  readonly backward: readonly Stmt[];
}

/** How the loss reads one model output. */
export interface OutputPlan {
  /** Buffer holding the output. */
  readonly buffer: string;
  /** dLoss/d(output or logits), written by the loss kernel. */
  readonly dOut: string;
  /**
   * When the output's final softmax/sigmoid is fused with its crossentropy:
   * the pre-activation values, and the loss to compute on them (the same
   * loss with from_logits), whose gradient is exactly p − y.
   */
  readonly fused: { readonly logits: string; readonly loss: LossSpec } | null;
  /** The output's mask buffer (one 0/1 value per row of its last axis), when a mask reaches it: the runtime's metrics read it. */
  readonly mask: string | null;
}

export interface ModelPlan {
  readonly model: ModelIR;
  readonly training: boolean;
  /** Every buffer the kernels name, in declaration order. */
  readonly buffers: ReadonlyMap<string, Storage>;
  /** Layer calls in execution order. */
  readonly layers: readonly LayerPlan[];
  /** The optimizer step over the trainable parameters (empty without compile(...)). */
  readonly update: readonly Stmt[];
  /** Every output's batch loss into `result[k]` and its weighted gradient into its dOut (empty without compile(...)). */
  readonly loss: readonly Stmt[];
  /** The same per output (each its own scope in generated code). */
  readonly losses: readonly (readonly Stmt[])[];
  /** Input buffers in model input order (`x`, `x1`, ...). */
  readonly inputs: readonly string[];
  readonly outputs: readonly OutputPlan[];
  /** Buffer holding the first model output. */
  readonly output: string;
  /** The first output's fusion (see OutputPlan.fused). */
  readonly fused: OutputPlan["fused"];
  /** Activation values per sample the plan's buffers allocate (inputs excluded; after sharing), for compile stats. */
  readonly activationValues: number;
}

export interface PlanOptions {
  /** Let buffers with disjoint lifetimes share storage (liveness.ts); default true. Off only to test that sharing changes nothing. */
  readonly reuseBuffers?: boolean;
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

/** The loss and its weight for each output (one output: the compile loss, weight 1). */
export function outputLosses(model: ModelIR): { loss: LossSpec; weight: number }[] {
  const t = model.training;
  if (!t) return [];
  return model.outputs.map((_, k) => t.outputs?.[k] ?? { loss: t.loss, weight: 1 });
}

const defOf = (layer: LayerIR): LayerDef => {
  const def = lookupLayer(layer.kind);
  if (!def) throw new InternalError(`layer kind ${layer.kind} reached planning unregistered`);
  return def;
};

export function planModel(model: ModelIR, options: PlanOptions = {}): ModelPlan {
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
  const { nodes, tensors } = model;
  const inputBufs = model.inputs.map((inp, k) => declare(k === 0 ? "x" : `x${k}`, { kind: "input", index: k }));
  const dOuts = [declare("dOut", { kind: "dout", index: 0 })];

  // readers of each tensor: [node index, input slot], in node order
  const readers: [number, number][][] = tensors.map(() => []);
  nodes.forEach((n, i) => n.inputs.forEach((t, j) => readers[t]!.push([i, j])));
  const outputOf = new Map<number, number>();
  model.outputs.forEach((t, k) => {
    if (!outputOf.has(t)) outputOf.set(t, k);
  });
  const isInput = new Set(model.inputs.map((i) => i.tensor));
  // each call's label (a shared layer's later calls: `<name>_call2`, ...), which names its buffers
  const calls = new Map<number, number>();
  const labels = nodes.map((n) => {
    const call = calls.get(n.layer) ?? 0;
    calls.set(n.layer, call + 1);
    return call === 0 ? model.layers[n.layer]!.name : `${model.layers[n.layer]!.name}_call${call + 1}`;
  });
  // every output of a call: its result, then its extra outputs (a recurrent layer's states)
  const outputsOf = (n: NodeIR): readonly number[] => [n.output, ...(n.extraOutputs ?? [])];
  // the call and output slot that produced each tensor
  const producedBy = new Map<number, [number, number]>();
  nodes.forEach((n, i) => outputsOf(n).forEach((t, k) => producedBy.set(t, [i, k])));
  const tensorLabel = (t: number) => {
    const p = producedBy.get(t);
    return p === undefined ? tensors[t]!.name : p[1] === 0 ? labels[p[0]]! : `${labels[p[0]]!}_out${p[1]}`;
  };

  // the call whose output an activity regularizer penalizes: each layer's last (see above)
  const penalizedCall = (i: number) => !nodes.some((n, j) => j > i && n.layer === nodes[i]!.layer);
  // activation buffers, one per tensor (aliasing calls share their input's)
  const act: string[] = new Array<string>(tensors.length).fill("");
  model.inputs.forEach((inp, k) => (act[inp.tensor] = inputBufs[k]!));
  const aliases = nodes.map((n, i) => {
    const t = n.inputs[0]!;
    // a penalized call's output is its own buffer: its backward adds the penalty's gradient
    return defOf(model.layers[n.layer]!).aliasesInput === true && !(penalizedCall(i) && activityOf(model.layers[n.layer]!)) && n.inputs.length === 1 && !outputOf.has(n.output) && readers[t]!.length === 1 && !outputOf.has(t);
  });
  nodes.forEach((n, i) => {
    act[n.output] = aliases[i] ? act[n.inputs[0]!]! : declare(`${labels[i]}_out`, { kind: "act", perSample: prod(tensors[n.output]!.shape) });
    for (const t of n.extraOutputs ?? []) act[t] = declare(`${tensorLabel(t)}`, { kind: "act", perSample: prod(tensors[t]!.shape) });
    // a mask this call makes (Embedding(mask_zero=True), Masking): written by its forward, read by later calls
    if (n.maskOutput !== undefined) act[n.maskOutput] = declare(`${labels[i]}_mask`, { kind: "act", perSample: prod(tensors[n.maskOutput]!.shape) });
  });
  for (let k = 1; k < model.outputs.length; k++) dOuts.push(declare(`dOut${k}`, { kind: "dout", index: k }));

  // gradient buffers, one per tensor that needs one (every tensor but the model inputs)
  const grad: string[] = new Array<string>(tensors.length).fill("");
  if (training) {
    for (const [t, k] of outputOf) grad[t] = dOuts[k]!;
    for (let i = nodes.length - 1; i >= 0; i--) {
      for (const t of nodes[i]!.inputs) {
        if (grad[t] !== "" || isInput.has(t)) continue;
        const only = readers[t]!.length === 1 ? readers[t]![0]![0] : -1;
        grad[t] = only >= 0 && aliases[only] ? grad[nodes[only]!.output]! : declare(`${tensorLabel(t)}_dout`, { kind: "act", perSample: prod(tensors[t]!.shape) });
      }
    }
    // an output of a several-output call that nothing reads (`_, h = GRU(…)(x)` using only h):
    // its gradient is a buffer nothing writes, so it stays zero
    for (const n of nodes) {
      if (n.extraOutputs === undefined) continue;
      for (const t of outputsOf(n)) if (grad[t] === "") grad[t] = declare(`${tensorLabel(t)}_dout`, { kind: "act", perSample: prod(tensors[t]!.shape) });
    }
  }
  // the edge that writes a tensor's gradient first in backward order: the last reader, its first slot (none for outputs: the loss writes first)
  const firstWriter = (t: number): string => {
    if (outputOf.has(t)) return "";
    const last = readers[t]![readers[t]!.length - 1];
    return last ? `${last[0]}:${readers[t]!.find((r) => r[0] === last[0])![1]}` : "";
  };

  // fusion of each output's final softmax/sigmoid with its crossentropy
  const heads = outputLosses(model);
  const fuses = model.outputs.map((t, k) => {
    const producer = nodes.findIndex((n) => n.output === t);
    if (!model.training || producer < 0 || readers[t]!.length > 0 || model.outputs.indexOf(t) !== k) return null;
    const n = nodes[producer]!;
    const layer = model.layers[n.layer]!;
    const def = defOf(layer);
    if (activityOf(layer) && penalizedCall(producer)) return null;
    // an Activation layer straight on a model input: its pre-activation is the caller's input, nothing to fuse into
    if (!def.preActivation || (def.kind === "Activation" && isInput.has(n.inputs[0]!))) return null;
    const loss = fusedLoss(heads[k]!.loss, def.outputActivation?.(layer.attrs));
    return loss === null ? null : { node: producer, loss };
  });
  const logits: string[] = model.outputs.map(() => "");

  const paramBufs = new Map<number, Map<string, { value: string; grad: string; shape: readonly number[] }>>();
  // each call's inference form as a per-channel affine map, for the layers that state one (see the fusion below)
  const affines: (ChannelAffine | undefined)[] = [];
  const layers = nodes.map((node, i): LayerPlan => {
    const layer = model.layers[node.layer]!;
    const def = defOf(layer);
    const label = labels[i]!;
    const inShapes = node.inputs.map((t) => tensors[t]!.shape);
    const outShape = tensors[node.output]!.shape;
    const outShapes = outputsOf(node).map((t) => tensors[t]!.shape);
    const scratch = new Map<string, { name: string; size: number }>();
    for (const s of def.scratch?.(layer.attrs, inShapes[0]!, outShape, training, inShapes) ?? []) {
      const storage: Storage = !s.random
        ? { kind: "act", perSample: s.size, ...(s.wide ? { wide: true } : {}) }
        : s.seed === undefined || s.seed === null
          ? { kind: "act", perSample: s.size, random: true }
          : { kind: "act", perSample: s.size, random: true, seed: s.seed };
      scratch.set(s.name, { name: declare(`${label}_${s.name}`, storage), size: s.size });
    }
    let params = paramBufs.get(node.layer);
    if (!params) {
      params = new Map();
      for (const p of layer.params) {
        const value = declare(`${layer.name}_${p.name}`, { kind: "param", base: p.offset, size: p.size });
        const g = training && p.trainable ? declare(`${layer.name}_${p.name}_grad`, { kind: "grad", base: p.offset, size: p.size }) : "";
        params.set(p.name, { value, grad: g, shape: p.shape });
      }
      paramBufs.set(node.layer, params);
    }
    const need = <T>(v: T | undefined, what: string): T => {
      if (v === undefined || v === "") throw new InternalError(`layer ${layer.name} (${layer.kind}) asked for undeclared ${what}`);
      return v;
    };
    // each input's gradient: the tensor's own buffer for its first writer, else a part added in after this call's backward
    const sums: Stmt[] = [];
    const dxNames = node.inputs.map((t, j) => {
      if (!training || grad[t] === "") return "";
      if (firstWriter(t) === `${i}:${j}`) return grad[t]!;
      const part = declare(`${tensorLabel(t)}_dout_part`, { kind: "act", perSample: prod(tensors[t]!.shape) });
      const total = grad[t]!;
      sums.push(loop("i", mul(BATCH, num(prod(tensors[t]!.shape))), (e) => [storeAt(total, e, load(part, e), true)]));
      return part;
    });
    const xs = node.inputs.map((t, j) => new Buf(act[t]!, ["batch", ...inShapes[j]!]));
    const dxs = dxNames.map((d, j) => new Buf(d, ["batch", ...inShapes[j]!]));
    const fuse = fuses.find((f) => f?.node === i) ?? null;
    // the inputs' masks, for a layer that reads or combines masks
    const maskOf = (t: number) => (def.masking?.reads || def.masking?.combines ? tensors[t]!.mask : undefined);
    const masks = node.inputs.map((t) => {
      const m = maskOf(t);
      return m !== undefined ? new Buf(act[m]!, ["batch", ...tensors[m]!.shape]) : null;
    });
    const ys = outputsOf(node).map((t, k) => new Buf(act[t]!, ["batch", ...outShapes[k]!]));
    const dys = outputsOf(node).map((t, k) => new Buf(grad[t]!, ["batch", ...outShapes[k]!]));
    const ctx: KernelContext = {
      attrs: layer.attrs,
      inShape: inShapes[0]!,
      outShape,
      x: xs[0]!,
      y: ys[0]!,
      dx: dxs[0]!,
      dy: dys[0]!,
      xs,
      dxs,
      inShapes,
      ys,
      dys,
      outShapes,
      mask: masks[0]!,
      masks,
      maskOut: node.maskOutput !== undefined ? new Buf(act[node.maskOutput]!, ["batch", ...tensors[node.maskOutput]!.shape]) : null,
      needInputGrad: dxNames.some((d) => d !== ""),
      training,
      modelTrains: training,
      outputGradIsPreActivation: fuse !== null,
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
    if (aliases[i]) return { layer, node, label, forward: [], forwardTrain: [], backward: [] };
    affines[i] = def.inferenceAffine?.({ ...ctx, training: false });
    if (fuse !== null) {
      const k = fuses.indexOf(fuse);
      logits[k] = def.preActivation!(ctx).name;
      if (buffers.get(logits[k]!)?.kind === "input") throw new InternalError("fusion on a model input");
    }
    const forward = def.forward({ ...ctx, training: false });
    if (!training) return { layer, node, label, forward, forwardTrain: [], backward: [] };
    const activity = penalizedCall(i) ? activityOf(layer) : null;
    const penaltyGrad = activity && grad[node.output] !== "" ? activityGradKernel(activity, act[node.output]!, grad[node.output]!, prod(outShape)) : [];
    return { layer, node, label, forward, forwardTrain: def.forward(ctx), backward: [...penaltyGrad, ...def.backward(ctx), ...sums] };
  });

  // the product each folded layer went into, by call
  const folds: (number | undefined)[] = [];
  // the call whose first output is tensor t, when a fold may rewrite it: t is read by one layer only and is no model output
  const soleProducer = (t: number): number | undefined => {
    const from = producedBy.get(t);
    return from === undefined || from[1] !== 0 || aliases[from[0]] || readers[t]!.length !== 1 || outputOf.has(t) ? undefined : from[0];
  };
  // a per-channel affine layer at inference (BatchNormalization) folded into the epilogue of the product that makes
  // its input, when nothing else reads that input: the product stores v·scale + shift straight into the layer's output
  // and the layer's pass disappears (training forwards keep both layers' own kernels)
  nodes.forEach((node, i) => {
    const a = affines[i];
    const t = node.inputs[0]!;
    const p = soleProducer(t);
    if (a === undefined || node.inputs.length !== 1 || p === undefined) return;
    const forward = layers[p]!.forward;
    if (forward.length === 0) return;
    const declareAff = () => declare(`${labels[i]}_affine`, { kind: "act", perSample: 3 * a.channels });
    const folded = foldAffine(forward[forward.length - 1]!, a, act[t]!, act[node.output]!, declareAff, prod(tensors[t]!.shape));
    if (folded === null) return;
    layers[p] = { ...layers[p]!, forward: [...forward.slice(0, -1), ...folded] };
    layers[i] = { ...layers[i]!, forward: [{ k: "note", text: `at inference, folded into the product of ${labels[p]} (its epilogue applies the per-channel scale and shift)` }] };
    folds[i] = p;
  });
  // then a relu layer after such a product (or after a normalization folded into one): relu in the same epilogue
  nodes.forEach((node, i) => {
    const layer = model.layers[node.layer]!;
    if (aliases[i] || node.inputs.length !== 1 || defOf(layer).inferenceElementwise?.(layer.attrs) !== "relu") return;
    const t = node.inputs[0]!;
    const from = soleProducer(t);
    if (from === undefined) return;
    // the product that makes t: its own layer's, or the one a normalization making t was folded into
    const p = folds[from] ?? from;
    const forward = layers[p]!.forward;
    const shape = tensors[t]!.shape;
    if (forward.length === 0 || shape.length === 0) return;
    const folded = foldRelu(forward[forward.length - 1]!, act[t]!, act[node.output]!, shape[shape.length - 1]!, prod(shape));
    if (folded === null) return;
    layers[p] = { ...layers[p]!, forward: [...forward.slice(0, -1), ...folded] };
    layers[i] = { ...layers[i]!, forward: [{ k: "note", text: `at inference, folded into the product of ${labels[p]} (its epilogue applies relu)` }] };
  });

  const outputs: OutputPlan[] = model.outputs.map((t, k) => ({
    buffer: act[t]!,
    dOut: dOuts[k]!,
    fused: fuses[k] ? { logits: logits[k]!, loss: fuses[k]!.loss } : null,
    mask: model.tensors[t]!.mask === undefined ? null : act[model.tensors[t]!.mask!]!,
  }));
  let update: Stmt[] = [];
  let losses: Stmt[][] = [];
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
    // the penalty goes one past the last output's loss: the regularizer kernel writes element 1 of that output's result
    const last = outputs.length - 1;
    update = [
      ...(hasRegularizers(tensors) ? regularizerKernel(tensors, names.params, names.grads, declare(resultName(last), { kind: "result", index: last })) : []),
      ...optimizerKernel(model.training.optimizer, ranges, names),
      ...constraintKernel(tensors, names.params),
    ];
    losses = outputs.map((o, k) => outputLoss(model, o, k, heads[k]!, buffers, declare, o.mask));
    // every regularized call's activity penalty, after the last output's loss (in training and in evaluate)
    const penalized = nodes.flatMap((n, i) => {
      const r = penalizedCall(i) ? activityOf(model.layers[n.layer]!) : null;
      return r ? [{ r, y: act[n.output]!, size: prod(model.tensors[n.output]!.shape) }] : [];
    });
    if (penalized.length > 0) {
      const result = declare("activity", { kind: "result", index: outputs.length + 1 });
      losses[last] = [...losses[last]!, storeAt(result, num(0), num(0)), ...penalized.flatMap((p) => activityPenaltyKernel(p.r, p.y, p.size, result, 0))];
    }
  }
  // the runtime reads the outputs (and their masks, for metrics) after the kernels ran, so they keep their own storage
  const programs = {
    inference: [...layers.map((l) => l.forward), ...losses],
    training: training ? [...layers.map((l) => l.forwardTrain), ...losses, ...[...layers].reverse().map((l) => l.backward), update] : [],
  };
  const shared = options.reuseBuffers === false ? buffers : shareBuffers(buffers, programs, new Set(outputs.flatMap((o) => (o.mask === null ? [o.buffer] : [o.buffer, o.mask]))));
  return { model, training, buffers: shared, layers, update, loss: losses.flat(), losses, inputs: inputBufs, outputs, output: outputs[0]!.buffer, fused: outputs[0]!.fused, activationValues: activationValues(shared) };
}

/** A layer's `activity_regularizer=`, when it penalizes anything. */
const activityOf = (layer: LayerIR): RegularizerSpec | null => {
  const r = layer.attrs["activity_regularizer"] as RegularizerSpec | null | undefined;
  return penalizes(r) ? r : null;
};

/** Whether some call adds an activity penalty (the runtime then adds the result after the regularizers' to the loss). */
export const hasActivityPenalty = (model: ModelIR): boolean => model.training !== null && model.layers.some((l) => activityOf(l) !== null);

/**
 * A masked output's per-timestep loss weights, as Keras 3's apply_mask for
 * sum_over_batch_size: w = sample weight · mask · total / valid (total: the
 * batch's timesteps, valid: its unmasked ones; 0 when none is), so the loss
 * is Σ w·l / total = Σ sw·l over unmasked steps / valid.
 */
function maskedWeights(mask: string, rows: number, sampleWeights: string, weights: string): { stmts: Stmt[]; weights: string } {
  const total = mul(BATCH, num(rows));
  return {
    weights,
    stmts: [
      letVar("valid", num(0)),
      loop("i", total, (i) => [setVar("valid", load(mask, i), true)]),
      letVar("mw", select(cmp(">", ref("valid"), num(0)), div(total, ref("valid")), num(0))),
      loop("b", BATCH, (b) => [loop("r", rows, (r) => [storeAt(weights, add(mul(b, num(rows)), r), mul(mul(load(sampleWeights, b), load(mask, add(mul(b, num(rows)), r))), ref("mw")))])]),
    ],
  };
}

/** The loss kernel of output `k`, its gradient scaled by the output's loss weight. */
const resultName = (k: number) => (k === 0 ? "result" : `result${k}`);

function outputLoss(
  model: ModelIR,
  o: OutputPlan,
  k: number,
  { loss, weight }: { loss: LossSpec; weight: number },
  buffers: ReadonlyMap<string, Storage>,
  declare: (want: string, s: Storage) => string,
  mask: string | null,
): Stmt[] {
  const shape = model.tensors[model.outputs[k]!]!.shape;
  const lossSpec = o.fused?.loss ?? loss;
  const classes = shape[shape.length - 1] ?? 1;
  // a fused softmax's output already holds the probabilities the loss needs
  const probs = o.fused !== null && lossSpec.name !== "binary_crossentropy" ? o.buffer : null;
  const size = prod(shape);
  const sampleWeights = buffers.has("sampleWeights") ? "sampleWeights" : declare("sampleWeights", { kind: "sampleWeights" });
  const masked = mask === null ? null : maskedWeights(mask, size / classes, sampleWeights, declare(`lossWeights${k === 0 ? "" : k}`, { kind: "act", perSample: size / classes }));
  const stmts = [
    ...(masked?.stmts ?? []),
    ...lossKernel(lossSpec, size, classes, {
      pred: o.fused?.logits ?? o.buffer,
      probs,
      labels: declare(k === 0 ? "labels" : `labels${k}`, { kind: "labels", index: k }),
      dOut: o.dOut,
      result: buffers.has(resultName(k)) ? resultName(k) : declare(resultName(k), { kind: "result", index: k }),
      weights: masked?.weights ?? sampleWeights,
      ...(masked ? { weightsPerRow: true } : {}),
    }),
  ];
  if (weight === 1) return stmts;
  // Keras: total loss = Σ weight·loss, so each output's gradient carries its weight
  return [...stmts, loop("i", mul(BATCH, num(size)), (e) => [storeAt(o.dOut, e, mul(load(o.dOut, e), num(weight)))])];
}
