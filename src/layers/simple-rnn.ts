/**
 * SimpleRNN (Keras 3): h' = act(x·W + h·U + b). Weights kernel
 * (features, u), recurrent_kernel (u, u), bias (u,). The time loop is
 * recurrent.ts.
 */
import { letVar } from "../kernel/buffer.js";
import { add, num, ref } from "../kernel/expr.js";
import { init } from "./common.js";
import { activate, activationGrad, activationOfArg as act, cellArgs, cellParams, type Cell } from "./recurrent-cell.js";
import { recurrentLayer } from "./recurrent.js";
import { described } from "./types.js";

const cell: Cell = {
  kind: "SimpleRNN",
  defaultName: "simple_rnn",
  gates: 1,
  carry: false,
  keepsActs: false,
  keepsExtra: false,
  args: cellArgs([], false),
  params: (attrs, features, units) => cellParams(attrs, features, units, 1, { shape: [units], initializer: init(attrs, "bias_initializer") }),
  recurrentBias: () => false,

  step(io) {
    return [letVar("p", add(io.xz(0), io.zr(0))), io.setH(activate(act(io.attrs, "activation"), ref("p"))), ...io.setPre(0, ref("p"))];
  },

  stepBack(io) {
    const d = activationGrad(act(io.attrs, "activation"), io.pre(0), io.h, io.dh);
    return [letVar("dp", d), io.setDz(0, ref("dp")), io.setDzr(0, ref("dp")), io.setDh(num(0))];
  },
};

export const simpleRnn = described(recurrentLayer(cell), "Fully-connected recurrent layer: `h = activation(x·kernel + h·recurrent_kernel + bias)` per step.");
