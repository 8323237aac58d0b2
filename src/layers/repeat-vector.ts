/**
 * RepeatVector(n): (features,) → (n, features), the input copied n times.
 * Backward sums the n copies' gradients.
 */
import { Buf, letVar, loop, setVar } from "../kernel/buffer.js";
import { BATCH, num, ref, type Stmt } from "../kernel/expr.js";
import { int } from "./common.js";
import type { KernelContext, LayerDef } from "./types.js";

function views(ctx: KernelContext) {
  const n = int(ctx.attrs, "n");
  const f = ctx.inShape[0]!;
  return { n, f, x: new Buf(ctx.x.name, ["batch", f]), y: new Buf(ctx.y.name, ["batch", n, f]) };
}

export const repeatVector: LayerDef = {
  kind: "RepeatVector",
  description: "Repeats a vector `n` times, making a sequence.",
  defaultName: "repeat_vector",
  args: [{ name: "n", type: { t: "int", min: 1 }, required: true, positional: true }],
  inputRank: { min: 1, max: 1, describe: "1 (features)" },
  outputShape: (attrs, input) => ({ ok: true, shape: [int(attrs, "n"), input[0]!] }),
  params: () => [],

  forward(ctx: KernelContext): Stmt[] {
    const { n, f, x, y } = views(ctx);
    return [loop("b", BATCH, (b) => [loop("r", n, (r) => [loop("i", f, (i) => [y.store([b, r, i], x.at(b, i))])])])];
  },

  backward(ctx: KernelContext): Stmt[] {
    if (!ctx.needInputGrad) return [];
    const { n, f } = views(ctx);
    const dx = new Buf(ctx.dx.name, ["batch", f]);
    const dy = new Buf(ctx.dy.name, ["batch", n, f]);
    return [
      loop("b", BATCH, (b) => [
        loop("i", f, (i) => [letVar("sum", num(0)), loop("r", n, (r) => [setVar("sum", dy.at(b, r, i), true)]), dx.store([b, i], ref("sum"))]),
      ]),
    ];
  },
};
