/**
 * LSTM (Keras 3): gates in Keras's kernel order i, f, c, o —
 *   i = σ(z_i), f = σ(z_f), g = act(z_c), o = σ(z_o),   z = x·W + h·U + b
 *   c' = f·c + i·g,  h' = o·act(c')
 * (σ is recurrent_activation). Weights kernel (features, 4u),
 * recurrent_kernel (u, 4u), bias (4u,); unit_forget_bias starts the
 * forget gate's bias at 1. The time loop is recurrent.ts.
 */
import { letVar } from "../kernel/buffer.js";
import { add, mul, num, ref, type Expr } from "../kernel/expr.js";
import type { InitializerSpec } from "../runtime/spec.js";
import { bool, init } from "./common.js";
import { activate, activationGrad, activationOfArg as act, cellArgs, cellParams, type Cell } from "./recurrent-cell.js";
import { recurrentLayer } from "./recurrent.js";
import { described } from "./types.js";

const I = 0;
const F = 1;
const C = 2;
const O = 3;

const cell: Cell = {
  kind: "LSTM",
  defaultName: "lstm",
  gates: 4,
  carry: true,
  keepsActs: true,
  keepsExtra: false,
  args: cellArgs([{ name: "unit_forget_bias", type: { t: "bool" }, default: true }]),
  params(attrs, features, units) {
    const inner = init(attrs, "bias_initializer");
    const initializer: InitializerSpec = bool(attrs, "unit_forget_bias") ? { name: "unit_forget_bias", inner, units } : inner;
    return cellParams(attrs, features, units, 4, { shape: [4 * units], initializer });
  },
  recurrentBias: () => false,

  step(io) {
    const a = act(io.attrs, "activation");
    const ra = act(io.attrs, "recurrent_activation");
    const z = (g: number) => `z${"ifco"[g]}`;
    const v = (g: number) => `${"ifco"[g]}g`;
    return [
      ...[I, F, C, O].map((g) => letVar(z(g), add(io.xz(g), io.zr(g)))),
      ...[I, F, C, O].map((g) => letVar(v(g), activate(g === C ? a : ra, ref(z(g))))),
      letVar("c", add(mul(ref(v(F)), io.cPrev), mul(ref(v(I)), ref(v(C))))),
      io.setC(ref("c")),
      io.setH(mul(ref(v(O)), activate(a, ref("c")))),
      ...[I, F, C, O].flatMap((g) => [...io.setPre(g, ref(z(g))), ...io.setAct(g, ref(v(g)))]),
    ];
  },

  stepBack(io) {
    const a = act(io.attrs, "activation");
    const ra = act(io.attrs, "recurrent_activation");
    const gate = (g: number) => io.act(g);
    const out = [
      letVar("c", io.c),
      letVar("tc", activate(a, ref("c"))),
      // dc' = dc(from step s+1) + dh · o · act'(c')
      letVar("dcs", add(io.dc, activationGrad(a, ref("c"), ref("tc"), mul(io.dh, gate(O))))),
      io.setDc(mul(ref("dcs"), gate(F))),
    ];
    const dGate: Record<number, Expr> = {
      [I]: mul(ref("dcs"), gate(C)),
      [F]: mul(ref("dcs"), io.cPrev),
      [C]: mul(ref("dcs"), gate(I)),
      [O]: mul(io.dh, ref("tc")),
    };
    for (const g of [I, F, C, O]) {
      const name = `dz${"ifco"[g]}`;
      out.push(letVar(name, activationGrad(g === C ? a : ra, io.pre(g), gate(g), dGate[g]!)), io.setDz(g, ref(name)), io.setDzr(g, ref(name)));
    }
    // h_s reaches the loss only through U here
    out.push(io.setDh(num(0)));
    return out;
  },
};

export const lstm = described(recurrentLayer(cell), "Long short-term memory recurrent layer (input, forget, cell and output gates).");
