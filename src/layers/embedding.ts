/**
 * Embedding(input_dim, output_dim): looks up one row of `embeddings`
 * (input_dim, output_dim) per token id; the output appends output_dim to the
 * input shape. Ids arrive as numbers in the model input: the runtime
 * checks every one is an integer in [0, input_dim) before anything runs
 * (LayerDef.tokenIds), so the kernels index the table directly.
 *
 * Backward scatters dy into the rows that were read (a repeated id adds
 * twice); ids have no gradient, and the layer always reads the model input.
 * `mask_zero=True` makes a mask (Keras 3: id ≠ 0) that later layers honour
 * (see src/phases/2-check/masks.ts).
 */
import { Buf, load, loop, storeAt } from "../kernel/buffer.js";
import { add, BATCH, cmp, mul, num, select, type Expr, type Stmt } from "../kernel/expr.js";
import { init, int } from "./common.js";
import { prod, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

function views(ctx: KernelContext) {
  const positions = prod(ctx.inShape);
  const dim = int(ctx.attrs, "output_dim");
  const ids = new Buf(ctx.x.name, ["batch", positions]);
  // row `id` of the table starts at id · dim
  const row = (b: Expr, p: Expr) => mul(ids.at(b, p), num(dim));
  return { positions, dim, row };
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
    const { positions, dim, row } = views(ctx);
    const table = ctx.param("embeddings").name;
    const y = new Buf(ctx.y.name, ["batch", positions, dim]);
    const out = [loop("b", BATCH, (b) => [loop("pos", positions, (p) => [loop("j", dim, (j) => [y.store([b, p, j], load(table, add(row(b, p), j)))])])])];
    if (ctx.maskOut) {
      // mask_zero: a step is kept when its id is not 0
      const ids = new Buf(ctx.x.name, ["batch", positions]);
      const mask = new Buf(ctx.maskOut.name, ["batch", positions]);
      out.push(loop("b", BATCH, (b) => [loop("pos", positions, (p) => [mask.store([b, p], select(cmp("!=", ids.at(b, p), num(0)), num(1), num(0)))])]));
    }
    return out;
  },

  backward(ctx: KernelContext): Stmt[] {
    const { positions, dim, row } = views(ctx);
    const grad = ctx.grad("embeddings").name;
    const dy = new Buf(ctx.dy.name, ["batch", positions, dim]);
    return [
      loop("b", BATCH, (b) => [
        loop("pos", positions, (p) => [loop("j", dim, (j) => [storeAt(grad, add(row(b, p), j), dy.at(b, p, j), true)])]),
      ]),
    ];
  },
};
