/**
 * DepthwiseConv2D(kernel_size, strides=(1, 1), padding='valid',
 * depth_multiplier=1, dilation_rate=(1, 1), activation, use_bias=True,
 * depthwise_initializer='glorot_uniform', bias_initializer='zeros'):
 * each input channel convolved on its own (depthwise-common.ts).
 * Weights: depthwise_kernel (kh, kw, cin, depth_multiplier), then bias
 * (cin·depth_multiplier,) if use_bias — Keras order.
 */
import { activationBackward, activationForward, applyElementwise, isElementwise } from "../kernel/activation.js";
import { Buf, loop } from "../kernel/buffer.js";
import { BATCH, type Stmt } from "../kernel/expr.js";
import { activationArg, activationOf, bool, init, ints, GLOROT_UNIFORM, ZEROS } from "./common.js";
import { keepsZ, stridedDilationError } from "./conv-common.js";
import { depthwiseBackward, depthwiseForward, depthwiseGeometry } from "./depthwise-common.js";
import { prod, type ArgSpec, type KernelContext, type LayerDef } from "./types.js";

export const depthwiseArgs = (rank: number): ArgSpec[] => {
  const ones = Array.from({ length: rank }, () => 1);
  const t = { t: "ints", rank, min: 1 } as const;
  return [
    { name: "kernel_size", type: t, required: true, positional: true },
    { name: "strides", type: t, default: ones },
    { name: "padding", type: { t: "enum", values: ["valid", "same"] }, default: "valid" },
    { name: "depth_multiplier", type: { t: "int", min: 1 }, default: 1 },
    { name: "data_format", type: { t: "nullable", inner: { t: "enum", values: ["channels_last"] } }, default: null },
    { name: "dilation_rate", type: t, default: ones },
    activationArg(),
    { name: "use_bias", type: { t: "bool" }, default: true },
    { name: "depthwise_initializer", type: { t: "initializer" }, default: GLOROT_UNIFORM },
    { name: "bias_initializer", type: { t: "initializer" }, default: ZEROS },
  ];
};

/** Applies the activation from `z` into `y` (viewed as [batch, positions, channels]). */
export function activate(ctx: KernelContext, z: string, positions: number, channels: number): Stmt[] {
  const act = activationOf(ctx.attrs);
  const y = new Buf(ctx.y.name, ["batch", positions, channels]);
  const zz = new Buf(z, y.dims);
  if (!isElementwise(act)) return activationForward(act, zz, y, positions, channels);
  if (act === "linear") return [];
  return [loop("b", BATCH, (b) => [loop("q", positions, (q) => [loop("c", channels, (c) => [y.store([b, q, c], applyElementwise(act, zz.at(b, q, c)))])])])];
}

/** dL/d(pre-activation): dy itself, or the activation's backward into the `dz` scratch. */
export function preActivationGrad(ctx: KernelContext, positions: number, channels: number): { name: string; stmts: Stmt[] } {
  const act = activationOf(ctx.attrs);
  if (act === "linear" || ctx.outputGradIsPreActivation) return { name: ctx.dy.name, stmts: [] };
  const dz = new Buf(ctx.scratch("dz").name, ["batch", positions, channels]);
  return { name: dz.name, stmts: activationBackward(act, ctx.scratch("z"), ctx.y, ctx.dy, dz, positions, channels) };
}

export const activationScratch = (attrs: Parameters<typeof keepsZ>[0], size: number, training: boolean) => {
  const out = [];
  if (keepsZ(attrs, training)) out.push({ name: "z", size });
  if (training && activationOf(attrs) !== "linear") out.push({ name: "dz", size });
  return out;
};

export const depthwiseConv2d: LayerDef = {
  kind: "DepthwiseConv2D",
  description: "Depthwise 2-D convolution: each input channel convolved with its own `depth_multiplier` filters.",
  defaultName: "depthwise_conv2d",
  args: depthwiseArgs(2),
  inputRank: { min: 3, max: 3, describe: "3 (height, width, channels)" },
  outputShape(attrs, input) {
    const err = stridedDilationError(attrs);
    if (err) return err;
    const g = depthwiseGeometry(attrs, input);
    const shape = [...g.axes.map((a) => a.out), g.cin * g.dm];
    if (g.axes.some((a) => a.out <= 0)) return { ok: false, code: "shape_nonpositive", holes: { shape: `(None, ${shape.join(", ")})` } };
    return { ok: true, shape };
  },
  params(attrs, input) {
    const cin = input[input.length - 1]!;
    const dm = attrs["depth_multiplier"] as number;
    const kernel = { name: "depthwise_kernel", shape: [...ints(attrs, "kernel_size"), cin, dm], initializer: init(attrs, "depthwise_initializer"), trainable: true, initializerArg: "depthwise_initializer" };
    if (!bool(attrs, "use_bias")) return [kernel];
    return [kernel, { name: "bias", shape: [cin * dm], initializer: init(attrs, "bias_initializer"), trainable: true, initializerArg: "bias_initializer" }];
  },
  scratch: (attrs, _input, output, training) => activationScratch(attrs, prod(output), training),
  forward(ctx) {
    const g = depthwiseGeometry(ctx.attrs, ctx.inShape);
    const z = keepsZ(ctx.attrs, ctx.modelTrains) ? ctx.scratch("z").name : ctx.y.name;
    const bias = bool(ctx.attrs, "use_bias") ? ctx.param("bias") : undefined;
    // relu is fused into the depthwise kernel; other activations are a pass of their own
    const relu = activationOf(ctx.attrs) === "relu";
    const forward = depthwiseForward(g, { x: ctx.x.name, kernel: ctx.param("depthwise_kernel"), out: z, ...(bias ? { bias } : {}), ...(relu ? { relu: ctx.y.name } : {}) });
    return relu ? forward : [...forward, ...activate(ctx, z, g.positions, g.cin * g.dm)];
  },
  backward(ctx) {
    const g = depthwiseGeometry(ctx.attrs, ctx.inShape);
    const dz = preActivationGrad(ctx, g.positions, g.cin * g.dm);
    return [
      ...dz.stmts,
      ...depthwiseBackward(g, {
        x: ctx.x.name,
        kernel: ctx.param("depthwise_kernel"),
        gkernel: ctx.grad("depthwise_kernel"),
        dout: dz.name,
        ...(ctx.needInputGrad ? { dx: ctx.dx.name } : {}),
        ...(bool(ctx.attrs, "use_bias") ? { gbias: ctx.grad("bias") } : {}),
      }),
    ];
  },
  outputActivation: (attrs) => activationOf(attrs),
  preActivation: (ctx) => (activationOf(ctx.attrs) === "linear" ? ctx.y : ctx.scratch("z")),
};
