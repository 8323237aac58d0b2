/**
 * Dense: y = act(x·W + b) over the last axis (leading axes are rows).
 * Weights: kernel (in, units), then bias (units,) if use_bias — Keras order.
 */
import { activationBackward, activationForward, applyElementwise, isElementwise } from "../kernel/activation.js";
import { Buf, letVar, loop, setVar } from "../kernel/buffer.js";
import { BATCH, elementwise, mul, num, ref, type Expr, type Stmt } from "../kernel/expr.js";
import { SMALL_WORK } from "../kernel/schedule.js";
import { gemm, type Gemm } from "../kernel/gemm.js";
import { activationArg, activationOf, biasArgs, bool, init, int } from "./common.js";
import { prod, type Attrs, type KernelContext, type LayerDef } from "./types.js";
import { keepsMask } from "./mask-support.js";

function dims(ctx: { inShape: readonly number[]; attrs: Attrs }) {
  const n = ctx.inShape[ctx.inShape.length - 1]!;
  return { rows: prod(ctx.inShape.slice(0, -1)), n, units: int(ctx.attrs, "units") };
}

/** Does forward keep the pre-activation z (for backward, or for a row-wise activation)? */
const keepsZ = (attrs: Attrs, modelTrains: boolean) =>
  activationOf(attrs) !== "linear" && (modelTrains || !isElementwise(activationOf(attrs)));

export const dense: LayerDef = {
  kind: "Dense",
  masking: keepsMask,
  description: "Densely-connected layer: `activation(dot(x, kernel) + bias)` on the last axis.",
  defaultName: "dense",
  args: [{ name: "units", type: { t: "int", min: 1 }, required: true, positional: true }, activationArg(true), ...biasArgs],
  inputRank: { min: 1, max: 8, describe: "at least 1" },

  outputShape: (attrs, input) => ({ ok: true, shape: [...input.slice(0, -1), int(attrs, "units")] }),

  params(attrs, input) {
    const units = int(attrs, "units");
    const kernel = { name: "kernel", shape: [input[input.length - 1]!, units], initializer: init(attrs, "kernel_initializer"), trainable: true, initializerArg: "kernel_initializer" };
    if (!bool(attrs, "use_bias")) return [kernel];
    return [kernel, { name: "bias", shape: [units], initializer: init(attrs, "bias_initializer"), trainable: true, initializerArg: "bias_initializer" }];
  },

  scratch(attrs, _input, output, training) {
    const size = prod(output);
    const out = [];
    if (keepsZ(attrs, training)) out.push({ name: "z", size });
    if (training && activationOf(attrs) !== "linear") out.push({ name: "dz", size });
    return out;
  },

  forward(ctx: KernelContext): Stmt[] {
    const { rows, n, units } = dims(ctx);
    const act = activationOf(ctx.attrs);
    const x = new Buf(ctx.x.name, ["batch", rows, n]);
    const y = new Buf(ctx.y.name, ["batch", rows, units]);
    const kernel = ctx.param("kernel");
    const useBias = bool(ctx.attrs, "use_bias");
    const keepZ = keepsZ(ctx.attrs, ctx.modelTrains);
    const z = keepZ ? new Buf(ctx.scratch("z").name, ["batch", rows, units]) : y;
    const elementwise = isElementwise(act);
    const init = (o: Expr) => (useBias ? ctx.param("bias").at(o) : num(0));
    const body: Stmt[] = [];
    if (n * units <= SMALL_WORK) {
      // small: one dot product per output, which unrolls into one expression
      body.push(
        loop("b", BATCH, (b) => [
          loop("r", rows, (r) => [
            loop("o", units, (o) => {
              const stmts: Stmt[] = [letVar("acc", init(o)), loop("i", n, (i) => [setVar("acc", mul(x.at(b, r, i), kernel.at(i, o)), true)])];
              if (keepZ) stmts.push(z.store([b, r, o], ref("acc")));
              if (elementwise) stmts.push(y.store([b, r, o], applyElementwise(act, ref("acc"))));
              return stmts;
            }),
          ]),
        ]),
      );
    } else {
      // large: one matrix product after the bias; its loop nest streams row i of the kernel into every row of z
      const spec: Gemm = {
        label: "forward",
        m: mul(BATCH, num(rows)),
        n: num(units),
        k: num(n),
        a: { buf: x.name, offset: 0, rows: n, cols: 1 },
        b: { buf: kernel.name, offset: 0, rows: units, cols: 1 },
        c: { buf: z.name, offset: 0, rows: units, cols: 1 },
        accumulate: true,
      };
      const biasFill = loop("b", BATCH, (b) => [loop("r", rows, (r) => [loop("o", units, (o) => [z.store([b, r, o], init(o))])])]);
      const actLoops =
        elementwise && act !== "linear" ? [loop("b", BATCH, (b) => [loop("r", rows, (r) => [loop("o", units, (o) => [y.store([b, r, o], applyElementwise(act, z.at(b, r, o)))])])])] : [];
      const nest = gemm(spec, "kij", { names: { i: "b", j: "o", k: "i", local: "xv" } });
      if (act === "relu" || act === "linear") {
        // a native kernel starts at the bias and applies relu as it stores (fused epilogue)
        const fusedSpec: Gemm = { ...spec, accumulate: false, ...(useBias ? { bias: { buf: ctx.param("bias").name, offset: 0 } } : {}), ...(act === "relu" ? { relu: { buf: y.name } } : {}) };
        // the lowering is the plain loop nest (not a product statement the emitter could replace again)
        const loops = nest.k === "gemm" ? nest.lowered : [nest];
        body.push(gemm(fusedSpec, "kij", { fused: { lowered: [biasFill, ...loops, ...actLoops], prologue: [], epilogue: [] } }));
      } else {
        body.push(biasFill, nest, ...actLoops);
      }
    }
    if (!elementwise) body.push(...activationForward(act, z, y, rows, units));
    return body;
  },

  backward(ctx: KernelContext): Stmt[] {
    const { rows, n, units } = dims(ctx);
    const act = activationOf(ctx.attrs);
    const x = new Buf(ctx.x.name, ["batch", rows, n]);
    const out: Stmt[] = [];
    let dz = new Buf(ctx.dy.name, ["batch", rows, units]);
    if (act !== "linear" && !ctx.outputGradIsPreActivation) {
      const dzBuf = new Buf(ctx.scratch("dz").name, ["batch", rows, units]);
      out.push(...activationBackward(act, ctx.scratch("z"), ctx.y, ctx.dy, dzBuf, rows, units));
      dz = dzBuf;
    }
    const gk = ctx.grad("kernel");
    const kernel = ctx.param("kernel");
    const useBias = bool(ctx.attrs, "use_bias");
    if (useBias) {
      out.push(elementwise("bias_grad", rows * units, loop("b", BATCH, (b) => [loop("r", rows, (r) => [loop("o", units, (o) => [ctx.grad("bias").accumulate([o], dz.at(b, r, o))])])]), true));
    }
    // kernel gradient xᵀ·dz. Large: row i of it stays in cache while every sample adds to it.
    // Small (unrolled): one pass over the batch updating every entry, so no entry is
    // read-modified-written twice in a row (the in-memory accumulation chains stay independent).
    out.push(
      gemm(
        {
          label: "kernel_grad",
          m: num(n),
          n: num(units),
          k: mul(BATCH, num(rows)),
          a: { buf: x.name, offset: 0, rows: 1, cols: n },
          b: { buf: dz.name, offset: 0, rows: units, cols: 1 },
          c: { buf: gk.name, offset: 0, rows: units, cols: 1 },
          accumulate: true,
        },
        n * units <= SMALL_WORK ? "kij" : "ikj",
        { names: { i: "i", j: "o", k: "b", local: "xv" } },
      ),
    );
    if (ctx.needInputGrad) {
      // input gradient dz·kernelᵀ, one dot product per input
      out.push(
        gemm(
          {
            label: "input_grad",
            m: mul(BATCH, num(rows)),
            n: num(n),
            k: num(units),
            a: { buf: dz.name, offset: 0, rows: units, cols: 1 },
            b: { buf: kernel.name, offset: 0, rows: 1, cols: units },
            c: { buf: ctx.dx.name, offset: 0, rows: n, cols: 1 },
            accumulate: false,
          },
          "ijk",
          { names: { i: "b", j: "i", k: "o", local: "s" } },
        ),
      );
    }
    return out;
  },

  outputActivation: (attrs) => activationOf(attrs),
  preActivation: (ctx) => (activationOf(ctx.attrs) === "linear" ? ctx.y : ctx.scratch("z")),
};
