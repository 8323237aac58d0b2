/**
 * Rescaling(scale, offset=0.0): y = x · scale + offset (e.g. scale=1./255
 * maps bytes to [0, 1]). `scale` and `offset` are numbers, or lists with one
 * value per channel (the last axis), as Keras broadcasts them. No weights.
 */
import { affine } from "./normalization.js";
import type { Attrs, KernelContext, LayerDef, ShapeResult } from "./types.js";

const values = (attrs: Attrs, name: string): readonly number[] => {
  const v = attrs[name];
  return typeof v === "number" ? [v] : (v as readonly number[]);
};

/** Per-channel when either list has more than one value. */
const perChannel = (attrs: Attrs) => values(attrs, "scale").length > 1 || values(attrs, "offset").length > 1;
const at = (v: readonly number[], i: number) => (v.length === 1 ? v[0]! : v[i]!);
const axes = (ctx: KernelContext) => (perChannel(ctx.attrs) ? [ctx.inShape.length - 1] : []);

function check(attrs: Attrs, input: readonly number[]): ShapeResult {
  const channels = input[input.length - 1]!;
  for (const name of ["scale", "offset"]) {
    const n = values(attrs, name).length;
    if (n !== 1 && n !== channels) return { ok: false, code: "arg_range", holes: { name, constraint: `a number or ${channels} values (one per channel)`, got: `${n} values` } };
  }
  return { ok: true, shape: input };
}

export const rescaling: LayerDef = {
  kind: "Rescaling",
  description: "Multiplies by `scale` and adds `offset` (no parameters).",
  defaultName: "rescaling",
  args: [
    { name: "scale", type: { t: "floats" }, required: true, positional: true },
    { name: "offset", type: { t: "floats" }, default: 0, positional: true },
  ],
  outputShape: check,
  params: () => [],
  forward: (ctx) => affine(ctx, axes(ctx), ctx.x.name, ctx.y.name, (i) => ({ scale: at(values(ctx.attrs, "scale"), i), shift: at(values(ctx.attrs, "offset"), i) })),
  backward: (ctx) => (ctx.needInputGrad ? affine(ctx, axes(ctx), ctx.dy.name, ctx.dx.name, (i) => ({ scale: at(values(ctx.attrs, "scale"), i), shift: 0 })) : []),
};
