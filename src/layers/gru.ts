/**
 * GRU (Keras 3, reset_after=True): gates in Keras's kernel order z, r, h —
 *   z = σ(x·W_z + b_z + h·U_z + b'_z),  r = σ(x·W_r + b_r + h·U_r + b'_r)
 *   ĥ = act(x·W_h + b_h + r·(h·U_h + b'_h)),  h' = z·h + (1 − z)·ĥ
 * Weights kernel (features, 3u), recurrent_kernel (u, 3u), bias (2, 3u):
 * row 0 is added to x·W, row 1 to h·U. reset_after=False (reset before the
 * product, one bias row) is refused with a diagnostic. The time loop is
 * recurrent.ts.
 */
import { letVar } from "../kernel/buffer.js";
import { add, mul, num, ref, sub } from "../kernel/expr.js";
import { bool, init } from "./common.js";
import { activate, activationGrad, activationOfArg as act, cellArgs, cellParams, type Cell } from "./recurrent-cell.js";
import { recurrentLayer } from "./recurrent.js";
import { described } from "./types.js";

const Z = 0;
const R = 1;
const H = 2;

const cell: Cell = {
  kind: "GRU",
  defaultName: "gru",
  gates: 3,
  carry: false,
  keepsActs: true,
  keepsExtra: true,
  args: cellArgs([{ name: "reset_after", type: { t: "bool" }, default: true }]),
  params: (attrs, features, units) => cellParams(attrs, features, units, 3, { shape: [2, 3 * units], initializer: init(attrs, "bias_initializer") }),
  validate: (attrs) => (bool(attrs, "reset_after") ? undefined : { ok: false, code: "gru_reset_before", holes: {} }),
  recurrentBias: () => true,

  step(io) {
    const a = act(io.attrs, "activation");
    const ra = act(io.attrs, "recurrent_activation");
    return [
      letVar("pz", add(io.xz(Z), io.zr(Z))),
      letVar("pr", add(io.xz(R), io.zr(R))),
      letVar("zg", activate(ra, ref("pz"))),
      letVar("rg", activate(ra, ref("pr"))),
      letVar("rh", io.zr(H)),
      letVar("ph", add(io.xz(H), mul(ref("rg"), ref("rh")))),
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

export const gru = described(recurrentLayer(cell), "Gated recurrent unit layer (update and reset gates; Keras's `reset_after=True` form).");
