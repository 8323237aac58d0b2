/**
 * SeparableConv1D and SeparableConv2D(filters, kernel_size, strides=1,
 * padding='valid', dilation_rate=1, depth_multiplier=1, activation,
 * use_bias=True, depthwise_initializer, pointwise_initializer,
 * bias_initializer): a depthwise convolution (depthwise-common.ts) into a
 * per-sample scratch `dw`, then a 1×1 pointwise convolution — a matrix
 * product over positions, written with gemm() as Dense does, so it can run
 * natively — plus bias and activation.
 * Weights, Keras order: depthwise_kernel (k…, cin, dm), pointwise_kernel
 * (1…, cin·dm, filters), bias (filters,) if use_bias.
 */
import { Buf, loop } from "../kernel/buffer.js";
import { BATCH, elementwise, mul, num, type Stmt } from "../kernel/expr.js";
import { gemm, type Gemm } from "../kernel/gemm.js";
import { activationOf, bool, init, int, ints, GLOROT_UNIFORM } from "./common.js";
import { keepsZ, stridedDilationError } from "./conv-common.js";
import { depthwiseBackward, depthwiseForward, depthwiseGeometry } from "./depthwise-common.js";
import { activate, activationScratch, depthwiseArgs, preActivationGrad } from "./depthwise-conv2d.js";
import { type LayerBody, described, prod, type ArgSpec, type LayerDef } from "./types.js";

function separableArgs(rank: number): ArgSpec[] {
  const dw = depthwiseArgs(rank).filter((a) => a.name !== "bias_initializer");
  return [
    { name: "filters", type: { t: "int", min: 1 }, required: true, positional: true },
    ...dw,
    { name: "pointwise_initializer", type: { t: "initializer" }, default: GLOROT_UNIFORM },
    { name: "bias_initializer", type: { t: "initializer" }, default: { name: "zeros" } },
  ];
}

function separableLayer(kind: string, defaultName: string, rank: 1 | 2, describeInput: string): LayerBody {
  return {
    kind,
    defaultName,
    args: separableArgs(rank),
    inputRank: { min: rank + 1, max: rank + 1, describe: describeInput },
    outputShape(attrs, input) {
      const err = stridedDilationError(attrs);
      if (err) return err;
      const g = depthwiseGeometry(attrs, input);
      const shape = [...g.axes.map((a) => a.out), int(attrs, "filters")];
      if (g.axes.some((a) => a.out <= 0)) return { ok: false, code: "shape_nonpositive", holes: { shape: `(None, ${shape.join(", ")})` } };
      return { ok: true, shape };
    },
    params(attrs, input) {
      const cin = input[input.length - 1]!;
      const dm = attrs["depth_multiplier"] as number;
      const filters = int(attrs, "filters");
      const ones = Array.from({ length: rank }, () => 1);
      const out = [
        { name: "depthwise_kernel", shape: [...ints(attrs, "kernel_size"), cin, dm], initializer: init(attrs, "depthwise_initializer"), trainable: true, initializerArg: "depthwise_initializer" },
        { name: "pointwise_kernel", shape: [...ones, cin * dm, filters], initializer: init(attrs, "pointwise_initializer"), trainable: true, initializerArg: "pointwise_initializer" },
      ];
      if (bool(attrs, "use_bias")) out.push({ name: "bias", shape: [filters], initializer: init(attrs, "bias_initializer"), trainable: true, initializerArg: "bias_initializer" });
      return out;
    },
    scratch(attrs, input, output, training) {
      const g = depthwiseGeometry(attrs, input);
      const dw = [{ name: "dw", size: g.positions * g.cin * g.dm }];
      if (training) dw.push({ name: "ddw", size: g.positions * g.cin * g.dm });
      return [...dw, ...activationScratch(attrs, prod(output), training)];
    },
    forward(ctx) {
      const g = depthwiseGeometry(ctx.attrs, ctx.inShape);
      const filters = int(ctx.attrs, "filters");
      const ch = g.cin * g.dm;
      const dw = ctx.scratch("dw").name;
      const z = keepsZ(ctx.attrs, ctx.modelTrains) ? ctx.scratch("z").name : ctx.y.name;
      const zb = new Buf(z, ["batch", g.positions, filters]);
      const useBias = bool(ctx.attrs, "use_bias");
      const spec: Gemm = {
        label: "pointwise",
        m: mul(BATCH, num(g.positions)),
        n: num(filters),
        k: num(ch),
        a: { buf: dw, offset: 0, rows: ch, cols: 1 },
        b: { buf: ctx.param("pointwise_kernel").name, offset: 0, rows: filters, cols: 1 },
        c: { buf: z, offset: 0, rows: filters, cols: 1 },
        accumulate: true,
      };
      const biasFill = loop("b", BATCH, (b) => [loop("q", g.positions, (q) => [loop("f", filters, (f) => [zb.store([b, q, f], useBias ? ctx.param("bias").at(f) : num(0))])])]);
      const pointwise = gemm(spec, "kij", { names: { i: "q", j: "f", k: "c", local: "v" } });
      const depthwise = depthwiseForward(g, { x: ctx.x.name, kernel: ctx.param("depthwise_kernel"), out: dw });
      const act = activationOf(ctx.attrs);
      // z starts at the bias: an elementwise loop over the batch, native where the model has native kernels
      if (act !== "relu" && act !== "linear") return [...depthwise, elementwise("bias", g.positions * filters, biasFill, true), pointwise, ...activate(ctx, z, g.positions, filters)];
      // as Dense: a native kernel starts at the bias and applies relu as it stores (fused epilogue)
      const fused: Gemm = { ...spec, accumulate: false, ...(useBias ? { bias: { buf: ctx.param("bias").name, offset: 0 } } : {}), ...(act === "relu" ? { relu: { buf: ctx.y.name } } : {}) };
      const loops = pointwise.k === "gemm" ? pointwise.lowered : [pointwise];
      return [...depthwise, gemm(fused, "kij", { fused: { lowered: [biasFill, ...loops, ...activate(ctx, z, g.positions, filters)], prologue: [], epilogue: [] } })];
    },
    backward(ctx) {
      const g = depthwiseGeometry(ctx.attrs, ctx.inShape);
      const filters = int(ctx.attrs, "filters");
      const ch = g.cin * g.dm;
      const dz = preActivationGrad(ctx, g.positions, filters);
      const dzb = new Buf(dz.name, ["batch", g.positions, filters]);
      const stmts: Stmt[] = [...dz.stmts];
      if (bool(ctx.attrs, "use_bias")) {
        stmts.push(elementwise("bias_grad", g.positions * filters, loop("b", BATCH, (b) => [loop("q", g.positions, (q) => [loop("f", filters, (f) => [ctx.grad("bias").accumulate([f], dzb.at(b, q, f))])])]), true));
      }
      const ddw = ctx.scratch("ddw").name;
      stmts.push(
        // pointwise kernel gradient dwᵀ·dz and the depthwise output's gradient dz·pointwiseᵀ
        gemm(
          {
            label: "pointwise_grad",
            m: num(ch),
            n: num(filters),
            k: mul(BATCH, num(g.positions)),
            a: { buf: ctx.scratch("dw").name, offset: 0, rows: 1, cols: ch },
            b: { buf: dz.name, offset: 0, rows: filters, cols: 1 },
            c: { buf: ctx.grad("pointwise_kernel").name, offset: 0, rows: filters, cols: 1 },
            accumulate: true,
          },
          "ikj",
          { names: { i: "c", j: "f", k: "q", local: "v" } },
        ),
        gemm(
          {
            label: "depthwise_out_grad",
            m: mul(BATCH, num(g.positions)),
            n: num(ch),
            k: num(filters),
            a: { buf: dz.name, offset: 0, rows: filters, cols: 1 },
            b: { buf: ctx.param("pointwise_kernel").name, offset: 0, rows: 1, cols: filters },
            c: { buf: ddw, offset: 0, rows: ch, cols: 1 },
            accumulate: false,
          },
          "ijk",
          { names: { i: "q", j: "c", k: "f", local: "s" } },
        ),
        ...depthwiseBackward(g, {
          x: ctx.x.name,
          kernel: ctx.param("depthwise_kernel"),
          gkernel: ctx.grad("depthwise_kernel"),
          dout: ddw,
          ...(ctx.needInputGrad ? { dx: ctx.dx.name } : {}),
        }),
      );
      return stmts;
    },
    outputActivation: (attrs) => activationOf(attrs),
    preActivation: (ctx) => (activationOf(ctx.attrs) === "linear" ? ctx.y : ctx.scratch("z")),
  };
}

export const separableConv1d = described(separableLayer("SeparableConv1D", "separable_conv1d", 1, "2 (steps, channels)"), "Depthwise 1-D convolution per channel followed by a pointwise (1x1) convolution mixing channels.");
export const separableConv2d = described(separableLayer("SeparableConv2D", "separable_conv2d", 2, "3 (height, width, channels)"), "Depthwise 2-D convolution per channel followed by a pointwise (1x1) convolution mixing channels.");
