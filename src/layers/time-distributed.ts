/**
 * TimeDistributed(layer): applies the wrapped layer to every time slice of
 * a (steps, …) input with one set of weights. The wrapped layer's own
 * kernels run unchanged on a view in which each (sample, step) pair is one
 * sample: a batch of n sequences is a batch of n·steps slices, which is the
 * same memory (row-major, steps inside samples). So this file only scales
 * the batch extent of those kernels; weights are the wrapped layer's,
 * named under it as Keras 3 does (`time_distributed/dense_1/kernel`).
 */
import { add, BATCH, div, isLookup, isMap, isWindow, mul, num, sub, type Cond, type Expr, type Stmt } from "../kernel/expr.js";
import type { LayerAttr } from "../ir/model-ir.js";
import { lookupLayer } from "./registry.js";
import type { Attrs, KernelContext, LayerDef, ShapeResult } from "./types.js";
import { Buf } from "../kernel/buffer.js";
import { keepsMask } from "./mask-support.js";

function wrapped(attrs: Attrs) {
  const l = attrs["layer"] as LayerAttr;
  const def = lookupLayer(l.layer)!;
  const inner = Object.fromEntries(Object.entries(l.attrs).filter(([k]) => k !== "name"));
  return { def, attrs: inner, name: (l.attrs["name"] as string | null) ?? def.defaultName };
}

/** `batch` → `batch · steps` in an expression, keeping `batch · c` in the form the emitter recognizes. */
function scale(e: Expr, steps: number): Expr {
  switch (e.k) {
    case "batch":
      return mul(BATCH, num(steps));
    case "bin": {
      if (e.op === "*" && e.a.k === "batch" && e.b.k === "num") return mul(BATCH, num(steps * e.b.v));
      const [a, b] = [scale(e.a, steps), scale(e.b, steps)];
      return e.op === "+" ? add(a, b) : e.op === "-" ? sub(a, b) : e.op === "*" ? mul(a, b) : div(a, b);
    }
    case "load":
      return { ...e, index: scale(e.index, steps) };
    case "op":
      return { ...e, args: e.args.map((a) => scale(a, steps)) };
    case "select":
      return { ...e, test: scaleCond(e.test, steps), then: scale(e.then, steps), else: scale(e.else, steps) };
    default:
      return e;
  }
}

function scaleCond(c: Cond, steps: number): Cond {
  return c.k === "and" ? { ...c, a: scaleCond(c.a, steps), b: scaleCond(c.b, steps) } : { ...c, a: scale(c.a, steps), b: scale(c.b, steps) };
}

function scaleStmts(stmts: readonly Stmt[], steps: number): Stmt[] {
  const x = (e: Expr) => scale(e, steps);
  return stmts.map((s): Stmt => {
    switch (s.k) {
      case "for":
        return { ...s, from: x(s.from), to: x(s.to), body: scaleStmts(s.body, steps) };
      case "let":
      case "set":
        return { ...s, value: x(s.value) };
      case "store":
        return { ...s, index: x(s.index), value: x(s.value) };
      case "if":
        return { ...s, test: scaleCond(s.test, steps), then: scaleStmts(s.then, steps), else: scaleStmts(s.else, steps) };
      case "note":
        return s;
      case "gemm": {
        const sp = s.spec;
        // an elementwise loop (the optimizer's) has no batch extent
        const spec = isMap(sp) ? sp : isWindow(sp) || isLookup(sp) ? { ...sp, batch: x(sp.batch) } : { ...sp, m: x(sp.m), n: x(sp.n), k: x(sp.k), outer: sp.outer?.map((o) => ({ ...o, size: x(o.size) })) };
        return { ...s, spec, lowered: scaleStmts(s.lowered, steps), prologue: scaleStmts(s.prologue, steps), epilogue: scaleStmts(s.epilogue, steps) };
      }
    }
  });
}

/** The wrapped layer's context: one slice per sample, scratch buffers `steps` times larger per sequence. */
function sliceContext(ctx: KernelContext): KernelContext {
  const w = wrapped(ctx.attrs);
  const steps = ctx.inShape[0]!;
  const slice = (b: Buf) => new Buf(b.name, ["batch", ...b.dims.slice(2)]);
  return {
    ...ctx,
    attrs: w.attrs,
    inShape: ctx.inShape.slice(1),
    outShape: ctx.outShape.slice(1),
    x: slice(ctx.x),
    y: slice(ctx.y),
    dx: slice(ctx.dx),
    dy: slice(ctx.dy),
    outputGradIsPreActivation: false,
    param: (n) => ctx.param(`${w.name}/${n}`),
    grad: (n) => ctx.grad(`${w.name}/${n}`),
    scratch: (n) => {
      const s = ctx.scratch(n);
      return new Buf(s.name, ["batch", s.sampleSize / steps]);
    },
  };
}

export const timeDistributed: LayerDef = {
  kind: "TimeDistributed",
  masking: keepsMask,
  description: "Applies a layer to every step of a sequence, with the same weights.",
  defaultName: "time_distributed",
  args: [{ name: "layer", type: { t: "layer" }, required: true, positional: true }],
  inputRank: { min: 2, max: 8, describe: "at least 2 (timesteps, …)" },

  outputShape(attrs, input): ShapeResult {
    const w = wrapped(attrs);
    const rest = input.slice(1);
    const rank = w.def.inputRank;
    if (w.def.tokenIds) return { ok: false, code: "layer_not_wrappable", holes: { name: w.def.kind, reason: "it reads token ids, which only the model input can hold" } };
    if (rank && (rest.length < rank.min || rest.length > rank.max)) {
      return { ok: false, code: "shape_rank", holes: { layer: w.def.kind, expected: rank.describe, shape: `(None, ${rest.join(", ")})` } };
    }
    const r = w.def.outputShape(w.attrs, rest);
    return r.ok ? { ok: true, shape: [input[0]!, ...r.shape] } : r;
  },

  params: (attrs, input) => {
    const w = wrapped(attrs);
    return w.def.params(w.attrs, input.slice(1)).map((p) => ({ ...p, name: `${w.name}/${p.name}` }));
  },

  scratch(attrs, input, output, training) {
    const w = wrapped(attrs);
    const steps = input[0]!;
    return (w.def.scratch?.(w.attrs, input.slice(1), output.slice(1), training) ?? []).map((s) => ({ ...s, size: s.size * steps }));
  },

  forward: (ctx) => scaleStmts(wrapped(ctx.attrs).def.forward(sliceContext(ctx)), ctx.inShape[0]!),
  backward: (ctx) => scaleStmts(wrapped(ctx.attrs).def.backward(sliceContext(ctx)), ctx.inShape[0]!),
  outputActivation: (attrs) => {
    const w = wrapped(attrs);
    return w.def.outputActivation?.(w.attrs);
  },
};
