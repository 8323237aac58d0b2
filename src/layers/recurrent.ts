/**
 * The machinery shared by SimpleRNN, LSTM and GRU (Keras 3 semantics). A
 * cell file states only its per-unit gate math (Cell.step / stepBack, one
 * unit j of one sample b at one step); this file runs it over time:
 *
 *   xz  = x·W (+ input bias)               one product over every step (native when large)
 *   for s in 0..T-1 (t = s, or T-1-s with go_backwards):
 *     hp = h_s (· recurrent dropout mask)   a copy at a constant offset, so that
 *     zr = hp·U (+ recurrent bias)          this product is one fixed kernel per step
 *     h_{s+1}, c_{s+1} = cell(xz[t], zr, h_s, c_s)
 *
 * and backward through time in reverse, accumulating dU per step and dW,
 * the biases and dx once after the loop. Histories are kept per sample:
 * hs and cs hold T+1 states (slot 0 is the initial state: zeros, or the
 * call's `initial_state=[h, c]`, whose gradients are dh and dc after the
 * loop), and a training model keeps every gate's pre-activation and
 * activation. With `return_state=True` the call's further outputs are the
 * final states h (and c); their gradients join dh and dc before the loop.
 *
 * With go_backwards the sequence is read from its end and the outputs stay
 * in processing order (as Keras returns them). Dropout follows Keras 3:
 * masks are drawn once per sequence and reused at every step; with
 * recurrent_dropout = 0 one input mask serves every gate, otherwise
 * (Keras's implementation 1) every gate has its own input and recurrent
 * mask. A rate of exactly 0 or 1 disables that dropout, as in Keras.
 *
 * A cell with a gated product (GRU reset_after=False) has its last gate's
 * recurrent product read (scale ⊙ hp): the other gates' products come
 * first, then scale per unit (the reset gate), rh = scale ⊙ hp, and
 * zr_last = rh·U_last. Backward: after the cell's step, drh = dzr_last·U_lastᵀ,
 * dLoss/dscale = drh ⊙ hp (the cell's scaleBack) and dh += drh ⊙ scale ⊙ mask;
 * dU_last += rhᵀ·dzr_last.
 */
import { activationKinds } from "../kernel/activation.js";
import { Buf, loop } from "../kernel/buffer.js";
import { add, BATCH, cmp, mul, num, select, sub, type Expr, type Stmt } from "../kernel/expr.js";
import { gemm, type GemmOperand } from "../kernel/gemm.js";
import { SMALL_WORK } from "../kernel/schedule.js";
import { bool, int } from "./common.js";
import { activationOfArg as act, sequenceArgs, type Cell, type GatedProduct } from "./recurrent-cell.js";
import { type LayerBody, prod, type Attrs, type KernelContext, type LayerDef, type ScratchDecl, type ShapeResult } from "./types.js";

/** Masked steps of a returned sequence are zeros (Keras's zero_output_for_mask; Bidirectional sets it). */
const zeroOutput = (attrs: Attrs): boolean => attrs["zero_output_for_mask"] === true;

/** An active dropout rate (Keras applies dropout only for 0 < rate < 1). */
const active = (rate: number): boolean => rate > 0 && rate < 1;

interface Dims {
  readonly T: number;
  readonly F: number;
  readonly u: number;
  readonly G: number;
  /** Mask groups: 1 (one mask for every gate) or G (one per gate). */
  readonly groups: number;
  /** Input/recurrent masks in use (training only). */
  readonly xMask: boolean;
  readonly hMask: boolean;
  /** The cell's gated product (GRU reset_after=False), or null. */
  readonly gated: GatedProduct | null;
}

function dimsOf(cell: Cell, attrs: Attrs, input: readonly number[], training: boolean): Dims {
  const [T, F] = input as [number, number];
  const rec = attrs["recurrent_dropout"] as number;
  return {
    T,
    F,
    u: int(attrs, "units"),
    G: cell.gates,
    groups: rec !== 0 ? cell.gates : 1,
    xMask: training && active(attrs["dropout"] as number),
    hMask: training && active(rec),
    gated: cell.gatedProduct?.(attrs) ?? null,
  };
}

const seedOf = (attrs: Attrs) => attrs["seed"] as number | null;

function scratchOf(cell: Cell, attrs: Attrs, input: readonly number[], training: boolean): ScratchDecl[] {
  const d = dimsOf(cell, attrs, input, training);
  const { T, F, u, G, groups } = d;
  const out: ScratchDecl[] = [
    { name: "xz", size: T * G * u },
    { name: "hs", size: (T + 1) * u },
    { name: "zr", size: G * u },
  ];
  const hpCount = d.hMask ? groups : 1;
  for (let g = 0; g < hpCount; g++) out.push({ name: `hp${g}`, size: u });
  if (cell.carry) out.push({ name: "cs", size: (T + 1) * u });
  if (d.gated) out.push({ name: "rh", size: u });
  if (training && d.gated) out.push({ name: "drh", size: u });
  if (training) {
    out.push({ name: "pre", size: T * G * u });
    if (cell.keepsActs) out.push({ name: "acts", size: T * G * u });
    if (cell.keepsExtra) out.push({ name: "extra", size: T * u });
    out.push({ name: "dz", size: T * G * u }, { name: "dzr", size: G * u }, { name: "dh", size: u });
    if (cell.carry) out.push({ name: "dc", size: u });
  }
  if (d.xMask) {
    out.push({ name: "xnoise", size: groups * F, random: true, seed: seedOf(attrs) });
    for (let g = 0; g < groups; g++) out.push({ name: `xd${g}`, size: T * F });
    out.push({ name: "dxt", size: T * F });
  }
  if (d.hMask) out.push({ name: "hnoise", size: groups * u, random: true, seed: seedOf(attrs) }, { name: "dhr", size: u });
  return out;
}

/** The dropout multiplier for a uniform draw: 1/(1−rate) when kept, else 0. */
const keep = (noise: Expr, rate: number): Expr => select(cmp(">=", noise, num(rate)), num(1 / (1 - rate)), num(0));

/** Columns of gate group g: all gates in one group, or gate g alone. */
const groupCols = (d: Dims, g: number) => {
  const cols = (d.G * d.u) / d.groups;
  return { cols, c0: g * cols };
};

const operand = (buf: string, offset: number, rows: number, cols: number): GemmOperand => ({ buf, offset, rows, cols });

function forward(cell: Cell, ctx: KernelContext): Stmt[] {
  const a = ctx.attrs;
  const d = dimsOf(cell, a, ctx.inShape, ctx.training);
  const { T, F, u, G } = d;
  const Gu = G * u;
  const goBack = bool(a, "go_backwards");
  const sc = (n: string, dims: number[]) => new Buf(ctx.scratch(n).name, ["batch", ...dims]);
  const x = new Buf(ctx.x.name, ["batch", T, F]);
  const xz = sc("xz", [T, Gu]);
  const hs = sc("hs", [T + 1, u]);
  const zr = sc("zr", [Gu]);
  const cs = cell.carry ? sc("cs", [T + 1, u]) : hs;
  const useBias = bool(a, "use_bias");
  const recBias = useBias && cell.recurrentBias(a);
  const bias = useBias ? ctx.param("bias") : null;
  const W = ctx.param("kernel").name;
  const U = ctx.param("recurrent_kernel").name;
  const out: Stmt[] = [];

  // input projection of every step at once
  out.push(loop("b", BATCH, (b) => [loop("t", T, (t) => [loop("o", Gu, (o) => [xz.store([b, t, o], bias ? bias.at(o) : num(0))])])]));
  const rate = a["dropout"] as number;
  for (let g = 0; g < d.groups; g++) {
    const { cols, c0 } = groupCols(d, g);
    let src = ctx.x.name;
    if (d.xMask) {
      const noise = sc("xnoise", [d.groups, F]);
      const xd = sc(`xd${g}`, [T, F]);
      out.push(loop("b", BATCH, (b) => [loop("t", T, (t) => [loop("f", F, (f) => [xd.store([b, t, f], mul(x.at(b, t, f), keep(noise.at(b, num(g), f), rate)))])])]));
      src = xd.name;
    }
    out.push(
      gemm(
        { label: d.xMask ? `input_projection_dropout${g}` : `input_projection${d.groups > 1 ? g : ""}`, m: mul(BATCH, num(T)), n: num(cols), k: num(F), a: operand(src, 0, F, 1), b: operand(W, c0, Gu, 1), c: operand(xz.name, c0, Gu, 1), accumulate: true },
        "kij",
        { names: { i: "bt", j: "o", k: "f", local: "xv" } },
      ),
    );
  }
  // the initial states: zeros, or the call's `initial_state=[h, (c)]`
  const init = (k: number) => (ctx.xs.length > k ? new Buf(ctx.xs[k]!.name, ["batch", u]) : null);
  const [h0, c0] = [init(1), init(2)];
  out.push(
    loop("b", BATCH, (b) => [
      loop("j", u, (j) => [hs.store([b, num(0), j], h0 ? h0.at(b, j) : num(0)), ...(cell.carry ? [cs.store([b, num(0), j], c0 ? c0.at(b, j) : num(0))] : [])]),
    ]),
  );

  const keepHist = ctx.modelTrains;
  const pre = keepHist ? sc("pre", [T, Gu]) : null;
  const acts = keepHist && cell.keepsActs ? sc("acts", [T, Gu]) : null;
  const extra = keepHist && cell.keepsExtra ? sc("extra", [T, u]) : null;
  // Keras masking: a masked step carries h (and c) through unchanged; its output is the previous one
  const mask = ctx.mask ? new Buf(ctx.mask.name, ["batch", T]) : null;
  const steps = loop("s", T, (s) => {
    const t = goBack ? sub(num(T - 1), s) : s;
    const kept = (b: Expr, v: Expr, prev: Expr): Expr => (mask ? select(cmp(">", mask.at(b, t), num(0)), v, prev) : v);
    const body: Stmt[] = [];
    body.push(loop("b", BATCH, (b) => [loop("o", Gu, (o) => [zr.store([b, o], recBias ? bias!.at(num(1), o) : num(0))])]));
    body.push(...recurrentProducts(d, ctx, hs, s, U, zr.name));
    if (d.gated) {
      // the gated product: rh = scale ⊙ hp of the gate's group, then zr_gate += rh·U_gate
      const gated = d.gated;
      const rh = sc("rh", [u]);
      const hp = new Buf(ctx.scratch(`hp${d.hMask ? gated.gate : 0}`).name, ["batch", u]);
      const scale = (b: Expr, j: Expr) => gated.scale({ attrs: a, xz: (g) => xz.at(b, t, add(num(g * u), j)), zr: (g) => zr.at(b, add(num(g * u), j)) });
      body.push(loop("b", BATCH, (b) => [loop("j", u, (j) => [rh.store([b, j], mul(scale(b, j), hp.at(b, j)))])]));
      const c0 = gated.gate * u;
      body.push(
        gemm(
          { label: "recurrent_gated", m: BATCH, n: num(u), k: num(u), a: operand(rh.name, 0, u, 1), b: operand(U, c0, Gu, 1), c: operand(zr.name, c0, Gu, 1), accumulate: true },
          "kij",
          { names: { i: "b", j: "o", k: "i", local: "hv" } },
        ),
      );
    }
    body.push(
      loop("b", BATCH, (b) => [
        loop("j", u, (j) =>
          cell.step({
            attrs: a,
            xz: (g) => xz.at(b, t, add(num(g * u), j)),
            zr: (g) => zr.at(b, add(num(g * u), j)),
            hPrev: hs.at(b, s, j),
            cPrev: cs.at(b, s, j),
            setH: (v) => hs.store([b, add(s, num(1)), j], kept(b, v, hs.at(b, s, j))),
            setC: (v) => cs.store([b, add(s, num(1)), j], kept(b, v, cs.at(b, s, j))),
            keep: keepHist,
            setPre: (g, v) => (pre ? [pre.store([b, s, add(num(g * u), j)], v)] : []),
            setAct: (g, v) => (acts ? [acts.store([b, s, add(num(g * u), j)], v)] : []),
            setExtra: (v) => (extra ? [extra.store([b, s, j], v)] : []),
          }),
        ),
      ]),
    );
    return body;
  });
  out.push(steps);
  const y = new Buf(ctx.y.name, ["batch", prod(ctx.outShape)]);
  if (bool(a, "return_sequences")) {
    // zero_output_for_mask (set by Bidirectional, as Keras does): masked steps output zeros, not the carried h
    const zeroed = (b: Expr, s: Expr, v: Expr): Expr => (mask && zeroOutput(a) ? mul(v, mask.at(b, goBack ? sub(num(T - 1), s) : s)) : v);
    out.push(loop("b", BATCH, (b) => [loop("s", T, (s) => [loop("j", u, (j) => [y.store([b, add(mul(s, num(u)), j)], zeroed(b, s, hs.at(b, add(s, num(1)), j)))])])]));
  } else {
    out.push(loop("b", BATCH, (b) => [loop("j", u, (j) => [y.store([b, j], hs.at(b, num(T), j))])]));
  }
  // return_state: the final states h (and c) after the output
  const final = [hs, cs];
  for (let k = 1; k < ctx.ys.length; k++) {
    const state = new Buf(ctx.ys[k]!.name, ["batch", u]);
    out.push(loop("b", BATCH, (b) => [loop("j", u, (j) => [state.store([b, j], final[k - 1]!.at(b, num(T), j))])]));
  }
  return out;
}


/**
 * zr += hp·U, hp being h_s through the recurrent mask of each gate group:
 * one copy and one product per group, all at constant offsets. A gated
 * product's columns are left to the caller (its group's hp is still made).
 */
function recurrentProducts(d: Dims, ctx: KernelContext, hs: Buf, s: Expr, U: string, zr: string): Stmt[] {
  const { u, G } = d;
  const rate = ctx.attrs["recurrent_dropout"] as number;
  const out: Stmt[] = [];
  const groups = d.hMask ? d.groups : 1;
  for (let g = 0; g < groups; g++) {
    const hp = new Buf(ctx.scratch(`hp${g}`).name, ["batch", u]);
    const noise = d.hMask ? new Buf(ctx.scratch("hnoise").name, ["batch", d.groups, u]) : null;
    out.push(loop("b", BATCH, (b) => [loop("j", u, (j) => [hp.store([b, j], noise ? mul(hs.at(b, s, j), keep(noise.at(b, num(g), j), rate)) : hs.at(b, s, j))])]));
    const { cols, c0 } = plainCols(d, g);
    if (cols === 0) continue;
    out.push(
      gemm(
        { label: `recurrent${groups > 1 ? g : ""}`, m: BATCH, n: num(cols), k: num(u), a: operand(hp.name, 0, u, 1), b: operand(U, c0, G * u, 1), c: operand(zr, c0, G * u, 1), accumulate: true },
        "kij",
        { names: { i: "b", j: "o", k: "i", local: "hv" } },
      ),
    );
  }
  return out;
}

/** The columns group g's hp multiplies directly: its gates (or all), less a gated product's (the last gate's). */
function plainCols(d: Dims, g: number): { cols: number; c0: number } {
  const { cols, c0 } = d.hMask ? groupCols(d, g) : { cols: d.G * d.u, c0: 0 };
  if (!d.gated) return { cols, c0 };
  const end = Math.min(c0 + cols, d.gated.gate * d.u);
  return { cols: Math.max(0, end - c0), c0 };
}

function backward(cell: Cell, ctx: KernelContext): Stmt[] {
  const a = ctx.attrs;
  const d = dimsOf(cell, a, ctx.inShape, true);
  const { T, u, G } = d;
  const Gu = G * u;
  const goBack = bool(a, "go_backwards");
  const sc = (n: string, dims: number[]) => new Buf(ctx.scratch(n).name, ["batch", ...dims]);
  const hs = sc("hs", [T + 1, u]);
  const cs = cell.carry ? sc("cs", [T + 1, u]) : hs;
  const pre = sc("pre", [T, Gu]);
  const acts = cell.keepsActs ? sc("acts", [T, Gu]) : pre;
  const extra = cell.keepsExtra ? sc("extra", [T, u]) : hs;
  const dz = sc("dz", [T, Gu]);
  const dzr = sc("dzr", [Gu]);
  const dh = sc("dh", [u]);
  const dc = cell.carry ? sc("dc", [u]) : dh;
  const dy = new Buf(ctx.dy.name, ["batch", prod(ctx.outShape)]);
  const sequences = bool(a, "return_sequences");
  const useBias = bool(a, "use_bias");
  const recBias = useBias && cell.recurrentBias(a);
  const U = ctx.param("recurrent_kernel").name;
  const gU = ctx.grad("recurrent_kernel").name;
  const out: Stmt[] = [];

  // the final states' gradients: through the output (unless it is the sequence) and through return_state's outputs
  const stateGrad = (k: number) => (ctx.dys.length > k ? new Buf(ctx.dys[k]!.name, ["batch", u]) : null);
  const [dhT, dcT] = [stateGrad(1), stateGrad(2)];
  const plus = (v: Expr, g: Buf | null, b: Expr, j: Expr): Expr => (g ? add(v, g.at(b, j)) : v);
  out.push(
    loop("b", BATCH, (b) => [
      loop("j", u, (j) => [
        dh.store([b, j], sequences ? (dhT ? dhT.at(b, j) : num(0)) : plus(dy.at(b, j), dhT, b, j)),
        ...(cell.carry ? [dc.store([b, j], dcT ? dcT.at(b, j) : num(0))] : []),
      ]),
    ]),
  );
  // masked steps (h' = h, c' = c): the cell sees no gradient and dh, dc pass straight through
  const mask = ctx.mask ? new Buf(ctx.mask.name, ["batch", T]) : null;
  const steps = loop("r", T, (r) => {
    const s = sub(num(T - 1), r);
    const t = goBack ? r : s;
    const m = (b: Expr): Expr => mask!.at(b, t);
    const into = (b: Expr, g: Expr): Expr => (mask ? mul(m(b), g) : g);
    const past = (b: Expr, v: Expr, g: Expr): Expr => (mask ? add(v, mul(sub(num(1), m(b)), g)) : v);
    const body: Stmt[] = [];
    const dOut = (b: Expr, j: Expr): Expr => (mask && zeroOutput(a) ? mul(dy.at(b, add(mul(s, num(u)), j)), m(b)) : dy.at(b, add(mul(s, num(u)), j)));
    if (sequences) body.push(loop("b", BATCH, (b) => [loop("j", u, (j) => [dh.accumulate([b, j], dOut(b, j))])]));
    body.push(
      loop("b", BATCH, (b) => [
        loop("j", u, (j) =>
          cell.stepBack({
            attrs: a,
            pre: (g) => pre.at(b, s, add(num(g * u), j)),
            act: (g) => acts.at(b, s, add(num(g * u), j)),
            extra: extra.at(b, s, j),
            hPrev: hs.at(b, s, j),
            h: hs.at(b, add(s, num(1)), j),
            cPrev: cs.at(b, s, j),
            c: cs.at(b, add(s, num(1)), j),
            dh: into(b, dh.at(b, j)),
            setDh: (v) => dh.store([b, j], past(b, v, dh.at(b, j))),
            dc: into(b, dc.at(b, j)),
            setDc: (v) => dc.store([b, j], past(b, v, dc.at(b, j))),
            setDz: (g, v) => dz.store([b, t, add(num(g * u), j)], v),
            setDzr: (g, v) => dzr.store([b, add(num(g * u), j)], v),
          }),
        ),
      ]),
    );
    // masked steps: the cell saw dh = 0, so dzr is 0 and nothing flows here either
    if (d.gated) body.push(...gatedBack(d, ctx, hs, s, U, acts, pre, dz, dzr, dh, t));
    // GRU's second bias row is added to h·U: its gradient is dzr, step by step
    if (recBias) body.push(loop("b", BATCH, (b) => [loop("o", Gu, (o) => [ctx.grad("bias").accumulate([add(num(Gu), o)], dzr.at(b, o))])]));
    body.push(...stateGradients(d, ctx, hs, s, U, gU, dzr.name, dh.name));
    return body;
  });
  out.push(steps);

  if (useBias) out.push(loop("b", BATCH, (b) => [loop("t", T, (t) => [loop("o", Gu, (o) => [ctx.grad("bias").accumulate([o], dz.at(b, t, o))])])]));
  out.push(...inputGradients(d, ctx, dz.name));
  // initial_state: after the loop dh and dc hold dLoss/dh_0 and dLoss/dc_0
  [dh, dc].forEach((g, k) => {
    const target = ctx.dxs[k + 1];
    if (target === undefined || target.name === "") return;
    const dst = new Buf(target.name, ["batch", u]);
    out.push(loop("b", BATCH, (b) => [loop("j", u, (j) => [dst.store([b, j], g.at(b, j))])]));
  });
  return out;
}

/**
 * Back through a gated product at step s (after the cell's step wrote
 * dzr_gate): drh = dzr_gate·U_gateᵀ; the scale's gradient drh ⊙ hp goes to
 * the cell (scaleBack), and h_s gets drh ⊙ scale ⊙ (recurrent mask).
 */
function gatedBack(
  d: Dims,
  ctx: KernelContext,
  hs: Buf,
  s: Expr,
  U: string,
  acts: Buf,
  pre: Buf,
  dz: Buf,
  dzr: Buf,
  dh: Buf,
  t: Expr,
): Stmt[] {
  const gated = d.gated!;
  const { u, G } = d;
  const Gu = G * u;
  const c0 = gated.gate * u;
  const drh = new Buf(ctx.scratch("drh").name, ["batch", u]);
  const rate = ctx.attrs["recurrent_dropout"] as number;
  const noise = d.hMask ? new Buf(ctx.scratch("hnoise").name, ["batch", d.groups, u]) : null;
  const hMaskOf = (b: Expr, j: Expr): Expr | null => (noise ? keep(noise.at(b, num(gated.gate), j), rate) : null);
  const hp = (b: Expr, j: Expr): Expr => {
    const m = hMaskOf(b, j);
    return m ? mul(hs.at(b, s, j), m) : hs.at(b, s, j);
  };
  return [
    gemm(
      { label: "gated_grad", m: BATCH, n: num(u), k: num(u), a: operand(dzr.name, c0, Gu, 1), b: operand(U, c0, 1, Gu), c: operand(drh.name, 0, u, 1), accumulate: false },
      "ijk",
      { names: { i: "b", j: "i", k: "o", local: "sv" } },
    ),
    loop("b", BATCH, (b) => [
      loop("j", u, (j) => {
        const r = acts.at(b, s, add(num(gated.by * u), j));
        const m = hMaskOf(b, j);
        const toH = mul(drh.at(b, j), r);
        return [
          ...gated.scaleBack({
            attrs: ctx.attrs,
            pre: (g) => pre.at(b, s, add(num(g * u), j)),
            act: (g) => acts.at(b, s, add(num(g * u), j)),
            d: mul(drh.at(b, j), hp(b, j)),
            setDz: (g, v) => dz.store([b, t, add(num(g * u), j)], v),
            setDzr: (g, v) => dzr.store([b, add(num(g * u), j)], v),
          }),
          dh.accumulate([b, j], m ? mul(toH, m) : toH),
        ];
      }),
    ]),
  ];
}

/**
 * One step back through U: dU += hpᵀ·dzr, and the gradient reaching h_s
 * through the recurrent product, dh += (dzr·Uᵀ) · mask, per gate group.
 */
function stateGradients(d: Dims, ctx: KernelContext, hs: Buf, s: Expr, U: string, gU: string, dzr: string, dh: string): Stmt[] {
  const { u, G } = d;
  const Gu = G * u;
  const rate = ctx.attrs["recurrent_dropout"] as number;
  const groups = d.hMask ? d.groups : 1;
  const out: Stmt[] = [];
  for (let g = 0; g < groups; g++) {
    const hp = new Buf(ctx.scratch(`hp${g}`).name, ["batch", u]);
    const noise = d.hMask ? new Buf(ctx.scratch("hnoise").name, ["batch", d.groups, u]) : null;
    const mask = (b: Expr, j: Expr) => keep(noise!.at(b, num(g), j), rate);
    out.push(loop("b", BATCH, (b) => [loop("j", u, (j) => [hp.store([b, j], noise ? mul(hs.at(b, s, j), mask(b, j)) : hs.at(b, s, j))])]));
    if (d.gated && g === (d.hMask ? d.gated.gate : 0)) {
      // dU_gate += rhᵀ·dzr_gate, rh = scale ⊙ hp as in forward (the scale gate's value is kept in acts)
      const gated = d.gated;
      const rh = new Buf(ctx.scratch("rh").name, ["batch", u]);
      const r = new Buf(ctx.scratch("acts").name, ["batch", d.T, Gu]);
      out.push(loop("b", BATCH, (b) => [loop("j", u, (j) => [rh.store([b, j], mul(r.at(b, s, add(num(gated.by * u), j)), hp.at(b, j)))])]));
      const c = gated.gate * u;
      out.push(
        gemm(
          { label: "recurrent_kernel_grad_gated", m: num(u), n: num(u), k: BATCH, a: operand(rh.name, 0, 1, u), b: operand(dzr, c, Gu, 1), c: operand(gU, c, Gu, 1), accumulate: true },
          "kij",
          { names: { i: "i", j: "o", k: "b", local: "hv" } },
        ),
      );
    }
    const { cols, c0 } = plainCols(d, g);
    if (cols === 0) continue;
    const suffix = groups > 1 ? String(g) : "";
    out.push(
      gemm(
        { label: `recurrent_kernel_grad${suffix}`, m: num(u), n: num(cols), k: BATCH, a: operand(hp.name, 0, 1, u), b: operand(dzr, c0, Gu, 1), c: operand(gU, c0, Gu, 1), accumulate: true },
        "kij",
        { names: { i: "i", j: "o", k: "b", local: "hv" } },
      ),
    );
    const target = noise ? ctx.scratch("dhr").name : dh;
    out.push(
      gemm(
        { label: `state_grad${suffix}`, m: BATCH, n: num(u), k: num(cols), a: operand(dzr, c0, Gu, 1), b: operand(U, c0, 1, Gu), c: operand(target, 0, u, 1), accumulate: !noise },
        "ijk",
        { names: { i: "b", j: "i", k: "o", local: "sv" } },
      ),
    );
    if (noise) {
      const dhr = new Buf(target, ["batch", u]);
      const dhb = new Buf(dh, ["batch", u]);
      out.push(loop("b", BATCH, (b) => [loop("j", u, (j) => [dhb.accumulate([b, j], mul(dhr.at(b, j), mask(b, j)))])]));
    }
  }
  return out;
}

/** After the loop: dW += xᵀ·dz and dx = (dz·Wᵀ) · mask, per gate group of the input masks. */
function inputGradients(d: Dims, ctx: KernelContext, dz: string): Stmt[] {
  const { T, F, u, G } = d;
  const Gu = G * u;
  const W = ctx.param("kernel").name;
  const gW = ctx.grad("kernel").name;
  const rate = ctx.attrs["dropout"] as number;
  const groups = d.xMask ? d.groups : 1;
  const out: Stmt[] = [];
  const small = F * Gu <= SMALL_WORK;
  for (let g = 0; g < groups; g++) {
    const { cols, c0 } = d.xMask ? groupCols(d, g) : { cols: Gu, c0: 0 };
    const suffix = groups > 1 ? String(g) : "";
    const src = d.xMask ? ctx.scratch(`xd${g}`).name : ctx.x.name;
    out.push(
      gemm(
        { label: `kernel_grad${suffix}`, m: num(F), n: num(cols), k: mul(BATCH, num(T)), a: operand(src, 0, 1, F), b: operand(dz, c0, Gu, 1), c: operand(gW, c0, Gu, 1), accumulate: true },
        small ? "kij" : "ikj",
        { names: { i: "f", j: "o", k: "bt", local: "xv" } },
      ),
    );
  }
  if (ctx.dx.name === "") return out;
  const dx = new Buf(ctx.dx.name, ["batch", T, F]);
  for (let g = 0; g < groups; g++) {
    const { cols, c0 } = d.xMask ? groupCols(d, g) : { cols: Gu, c0: 0 };
    const suffix = groups > 1 ? String(g) : "";
    const target = d.xMask ? ctx.scratch("dxt").name : ctx.dx.name;
    out.push(
      gemm(
        { label: `input_grad${suffix}`, m: mul(BATCH, num(T)), n: num(F), k: num(cols), a: operand(dz, c0, Gu, 1), b: operand(W, c0, 1, Gu), c: operand(target, 0, F, 1), accumulate: false },
        "ijk",
        { names: { i: "bt", j: "f", k: "o", local: "sv" } },
      ),
    );
    if (d.xMask) {
      const noise = new Buf(ctx.scratch("xnoise").name, ["batch", d.groups, F]);
      const dxt = new Buf(target, ["batch", T, F]);
      const v = (b: Expr, t: Expr, f: Expr) => mul(dxt.at(b, t, f), keep(noise.at(b, num(g), f), rate));
      out.push(loop("b", BATCH, (b) => [loop("t", T, (t) => [loop("f", F, (f) => [g === 0 ? dx.store([b, t, f], v(b, t, f)) : dx.accumulate([b, t, f], v(b, t, f))])])]));
    }
  }
  return out;
}

/** Output shape: (units,), or (steps, units) with return_sequences; refuses what layerc does not implement. */
function outputShape(cell: Cell, attrs: Attrs, input: readonly number[]): ShapeResult {
  for (const name of ["activation", "recurrent_activation"]) {
    if (!(name in attrs)) continue;
    const k = activationKinds[act(attrs, name)].kind;
    if (k !== "identity" && k !== "elementwise") return { ok: false, code: "rnn_activation", holes: { name, activation: act(attrs, name) } };
  }
  if (bool(attrs, "stateful")) return { ok: false, code: "rnn_stateful", holes: {} };
  const problem = cell.validate?.(attrs);
  if (problem) return problem;
  const u = int(attrs, "units");
  return { ok: true, shape: bool(attrs, "return_sequences") ? [input[0]!, u] : [u] };
}

/** The shapes of the layer's states: h, and c for a cell with a carry (LSTM). */
const statesOf = (cell: Cell, attrs: Attrs): number[][] => (cell.carry ? [[int(attrs, "units")], [int(attrs, "units")]] : [[int(attrs, "units")]]);

/**
 * Keras 3 keeps a recurrent layer's weights in its cell: `lstm/lstm_cell/kernel`
 * (`model.weights` paths). The cell math names them `kernel`, … as usual.
 */
function inCell(cell: Cell, ctx: KernelContext): KernelContext {
  const prefix = `${cell.defaultName}_cell/`;
  return { ...ctx, param: (n) => ctx.param(prefix + n), grad: (n) => ctx.grad(prefix + n) };
}

/** A registry entry for a recurrent layer built from its cell. */
export function recurrentLayer(cell: Cell): LayerBody {
  return {
    kind: cell.kind,
    defaultName: cell.defaultName,
    recurrent: true,
    args: [...cell.args, ...sequenceArgs],
    inputRank: { min: 2, max: 2, describe: "2 (timesteps, features)" },
    outputShape: (attrs, input) => outputShape(cell, attrs, input),
    params: (attrs, input) => cell.params(attrs, input[1]!, int(attrs, "units")).map((p) => ({ ...p, name: `${cell.defaultName}_cell/${p.name}` })),
    extraOutputs: (attrs) => (bool(attrs, "return_state") ? statesOf(cell, attrs) : []),
    extraInputs: { keyword: "initial_state", shapes: (attrs) => statesOf(cell, attrs) },
    // Keras: the input's mask skips steps; the output keeps it only as a sequence
    masking: { reads: true, keeps: (attrs) => bool(attrs, "return_sequences") },
    scratch: (attrs, input, _output, training) => scratchOf(cell, attrs, input, training),
    forward: (ctx) => forward(cell, inCell(cell, ctx)),
    backward: (ctx) => backward(cell, inCell(cell, ctx)),
  };
}

