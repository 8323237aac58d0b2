/**
 * Activation(activation): applies an activation to its whole input; softmax
 * and log_softmax along the last axis. No weights.
 */
import { activationBackward, activationForward } from "../kernel/activation.js";
import { activationOf } from "./common.js";
import { prod, type KernelContext, type LayerDef } from "./types.js";
import { keepsMask } from "./mask-support.js";

const rowsCols = (shape: readonly number[]) => ({ rows: prod(shape.slice(0, -1)), cols: shape[shape.length - 1] ?? 1 });

export const activation: LayerDef = {
  kind: "Activation",
  masking: keepsMask,
  description: "Applies an activation function to its input.",
  defaultName: "activation",
  args: [{ name: "activation", type: { t: "activation" }, required: true, positional: true }],
  outputShape: (_attrs, input) => ({ ok: true, shape: input }),
  params: () => [],
  forward(ctx: KernelContext) {
    const { rows, cols } = rowsCols(ctx.inShape);
    return activationForward(activationOf(ctx.attrs), ctx.x, ctx.y, rows, cols);
  },
  backward(ctx: KernelContext) {
    if (!ctx.needInputGrad) return [];
    const { rows, cols } = rowsCols(ctx.inShape);
    const act = ctx.outputGradIsPreActivation ? "linear" : activationOf(ctx.attrs);
    return activationBackward(act, ctx.x, ctx.y, ctx.dy, ctx.dx, rows, cols);
  },
  outputActivation: (attrs) => activationOf(attrs),
  inferenceElementwise: (attrs) => activationOf(attrs),
  preActivation: (ctx) => ctx.x,
};
