/**
 * GRU (Keras 3): gates in Keras's kernel order z, r, h —
 *   z = σ(x·W_z + b_z + h·U_z + b'_z),  r = σ(x·W_r + b_r + h·U_r + b'_r)
 *   ĥ = act(x·W_h + b_h + r·(h·U_h + b'_h)),  h' = z·h + (1 − z)·ĥ
 * Weights kernel (features, 3u), recurrent_kernel (u, 3u), bias (2, 3u):
 * row 0 is added to x·W, row 1 to h·U. With reset_after=False (Keras 2's
 * default, "reset before") the bias is one (3u) row added to x·W and
 *   ĥ = act(x·W_h + b_h + (r ⊙ h)·U_h),
 * a gated product (recurrent-cell.ts: the loop computes r for every unit
 * before that product). The time loop is recurrent.ts.
 */
import { letVar } from "../kernel/buffer.js";
import { add, mul, num, ref, sub } from "../kernel/expr.js";
import { bool, init } from "./common.js";
import { activate, activationGrad, activationOfArg as act, cellArgs, cellParams, type Cell, type GatedProduct } from "./recurrent-cell.js";
import { recurrentLayer } from "./recurrent.js";
import { described } from "./types.js";

const Z = 0;
const R = 1;
const H = 2;

/** reset_after=False: h_h = (r ⊙ h)·U_h, r = σ(x·W_r + b_r + h·U_r). */
const resetBefore: GatedProduct = {
  gate: H,
  by: R,
  scale: (io) => activate(act(io.attrs, "recurrent_activation"), add(io.xz(R), io.zr(R))),
  scaleBack(io) {
    const dpr = activationGrad(act(io.attrs, "recurrent_activation"), io.pre(R), io.act(R), io.d);
    return [letVar("dpr", dpr), io.setDz(R, ref("dpr")), io.setDzr(R, ref("dpr"))];
  },
};

const cell: Cell = {
  kind: "GRU",
  defaultName: "gru",
  gates: 3,
  carry: false,
  keepsActs: true,
  keepsExtra: true,
  args: cellArgs([{ name: "reset_after", type: { t: "bool" }, default: true }]),
  params: (attrs, features, units) =>
    cellParams(attrs, features, units, 3, { shape: bool(attrs, "reset_after") ? [2, 3 * units] : [3 * units], initializer: init(attrs, "bias_initializer") }),
  recurrentBias: (attrs) => bool(attrs, "reset_after"),
  gatedProduct: (attrs) => (bool(attrs, "reset_after") ? null : resetBefore),

  step(io) {
    const a = act(io.attrs, "activation");
    const ra = act(io.attrs, "recurrent_activation");
    return [
      letVar("pz", add(io.xz(Z), io.zr(Z))),
      letVar("pr", add(io.xz(R), io.zr(R))),
      letVar("zg", activate(ra, ref("pz"))),
      letVar("rg", activate(ra, ref("pr"))),
      letVar("rh", io.zr(H)),
      // reset after: r scales h·U_h here; before: zr(H) already is (r ⊙ h)·U_h
      letVar("ph", bool(io.attrs, "reset_after") ? add(io.xz(H), mul(ref("rg"), ref("rh"))) : add(io.xz(H), ref("rh"))),
      letVar("hh", activate(a, ref("ph"))),
      io.setH(add(mul(ref("zg"), io.hPrev), mul(sub(num(1), ref("zg")), ref("hh")))),
      ...io.setPre(Z, ref("pz")),
      ...io.setPre(R, ref("pr")),
      ...io.setPre(H, ref("ph")),
      ...io.setAct(Z, ref("zg")),
      ...io.setAct(R, ref("rg")),
      ...io.setAct(H, ref("hh")),
      ...io.setExtra(ref("rh")),
    ];
  },

  stepBack(io) {
    const a = act(io.attrs, "activation");
    const ra = act(io.attrs, "recurrent_activation");
    if (!bool(io.attrs, "reset_after")) {
      // reset before: r's gradient comes back through the gated product (resetBefore.scaleBack)
      return [
        letVar("dh", io.dh),
        letVar("zg", io.act(Z)),
        letVar("hh", io.act(H)),
        letVar("dpz", activationGrad(ra, io.pre(Z), ref("zg"), mul(ref("dh"), sub(io.hPrev, ref("hh"))))),
        letVar("dph", activationGrad(a, io.pre(H), ref("hh"), mul(ref("dh"), sub(num(1), ref("zg"))))),
        io.setDz(Z, ref("dpz")),
        io.setDz(H, ref("dph")),
        io.setDzr(Z, ref("dpz")),
        io.setDzr(H, ref("dph")),
        io.setDh(mul(ref("dh"), ref("zg"))),
      ];
    }
    return [
      letVar("dh", io.dh),
      letVar("zg", io.act(Z)),
      letVar("rg", io.act(R)),
      letVar("hh", io.act(H)),
      letVar("dpz", activationGrad(ra, io.pre(Z), ref("zg"), mul(ref("dh"), sub(io.hPrev, ref("hh"))))),
      letVar("dph", activationGrad(a, io.pre(H), ref("hh"), mul(ref("dh"), sub(num(1), ref("zg"))))),
      letVar("dpr", activationGrad(ra, io.pre(R), ref("rg"), mul(ref("dph"), io.extra))),
      io.setDz(Z, ref("dpz")),
      io.setDz(R, ref("dpr")),
      io.setDz(H, ref("dph")),
      io.setDzr(Z, ref("dpz")),
      io.setDzr(R, ref("dpr")),
      io.setDzr(H, mul(ref("dph"), ref("rg"))),
      // h_s also reaches h' directly, through z·h
      io.setDh(mul(ref("dh"), ref("zg"))),
    ];
  },
};

export const gru = described(recurrentLayer(cell), "Gated recurrent unit layer (update and reset gates; `reset_after=True`, Keras 3's default, or `False`, Keras 2's).");
