/**
 * Embedding(input_dim, output_dim): looks up one row of `embeddings`
 * (input_dim, output_dim) per token id; the output appends output_dim to the
 * input shape. Ids arrive as numbers in the model input: the runtime
 * checks every one is an integer in [0, input_dim) before anything runs
 * (LayerDef.tokenIds), so the kernels index the table directly.
 *
 * Backward scatters dy into the rows that were read (a repeated id adds
 * twice); ids have no gradient, and the layer always reads the model input.
 * Both are row lookups (src/kernel/lookup.ts): native where the model has
 * native kernels, their loops elsewhere.
 * `mask_zero=True` makes a mask (Keras 3: id ≠ 0) that later layers honour
 * (see src/phases/2-check/masks.ts).
 */
import { Buf, loop } from "../kernel/buffer.js";
import { BATCH, cmp, num, select, type Stmt } from "../kernel/expr.js";
import { lookupOp } from "../kernel/lookup.js";
import { init, int } from "./common.js";
import { prod, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

function views(ctx: KernelContext) {
  return { positions: prod(ctx.inShape), dim: int(ctx.attrs, "output_dim") };
}

export const embedding: LayerDef = {
  kind: "Embedding",
  description: "Maps integer token ids in [0, `input_dim`) to learned vectors of size `output_dim`.",
  defaultName: "embedding",
  args: [
    { name: "input_dim", type: { t: "int", min: 1 }, required: true, positional: true },
    { name: "output_dim", type: { t: "int", min: 1 }, required: true, positional: true },
    { name: "embeddings_initializer", type: { t: "initializer" }, default: { name: "random_uniform", minval: -0.05, maxval: 0.05, seed: null } },
    { name: "mask_zero", type: { t: "bool" }, default: false },
    // Keras 2's argument, deprecated in Keras 3; accepted when it agrees with the input
    { name: "input_length", type: { t: "nullable", inner: { t: "int", min: 1 } }, default: null },
  ],
  inputRank: { min: 1, max: 8, describe: "at least 1 (token ids)" },
  tokenIds: (attrs) => int(attrs, "input_dim"),
  masking: { makes: (attrs) => attrs["mask_zero"] === true },

  outputShape(attrs, input): ShapeResult {
    const length = attrs["input_length"] as number | null;
    if (length !== null && (input.length !== 1 || input[0] !== length)) {
      return { ok: false, code: "embedding_input_length", holes: { length, shape: `(None, ${input.join(", ")})` } };
    }
    return { ok: true, shape: [...input, int(attrs, "output_dim")] };
  },

  params: (attrs) => [
    {
      name: "embeddings",
      shape: [int(attrs, "input_dim"), int(attrs, "output_dim")],
      initializer: init(attrs, "embeddings_initializer"),
      trainable: true,
      initializerArg: "embeddings_initializer",
    },
  ],

  forward(ctx: KernelContext): Stmt[] {
    const { positions, dim } = views(ctx);
    const out = [lookupOp({ label: "lookup", op: "gather", positions, width: dim, ids: ctx.x.name, table: ctx.param("embeddings").name, values: ctx.y.name })];
    if (ctx.maskOut) {
      // mask_zero: a step is kept when its id is not 0
      const ids = new Buf(ctx.x.name, ["batch", positions]);
      const mask = new Buf(ctx.maskOut.name, ["batch", positions]);
      out.push(loop("b", BATCH, (b) => [loop("pos", positions, (p) => [mask.store([b, p], select(cmp("!=", ids.at(b, p), num(0)), num(1), num(0)))])]));
    }
    return out;
  },

  backward(ctx: KernelContext): Stmt[] {
    const { positions, dim } = views(ctx);
    return [lookupOp({ label: "lookup_grad", op: "scatter_add", positions, width: dim, ids: ctx.x.name, table: ctx.grad("embeddings").name, values: ctx.dy.name })];
  },
};
