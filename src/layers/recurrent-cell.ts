/**
 * What a recurrent cell is (the per-unit gate math of SimpleRNN, LSTM, GRU)
 * and what cells share: the Keras arguments, the weight layout, and
 * activations with their derivatives from the op table. The time loop that
 * runs a cell is recurrent.ts.
 */
import { applyElementwise, activationKinds } from "../kernel/activation.js";
import type { Expr, Stmt } from "../kernel/expr.js";
import { opDef } from "../kernel/ops.js";
import type { ActivationName } from "../ir/model-ir.js";
import type { InitializerSpec } from "../runtime/spec.js";
import { activationArg, bool, GLOROT_UNIFORM, init, ZEROS } from "./common.js";
import type { ArgSpec, Attrs, ParamDecl, ShapeResult } from "./types.js";

/** What a cell's step reads and writes for unit j of sample b at step s (input time t). */
export interface StepIO {
  readonly attrs: Attrs;
  /** x·W (+ input bias) of gate g. */
  xz(g: number): Expr;
  /** h·U (+ recurrent bias) of gate g. */
  zr(g: number): Expr;
  readonly hPrev: Expr;
  readonly cPrev: Expr;
  /** The new state (training models also keep pre-activations and gate values). */
  setH(v: Expr): Stmt;
  setC(v: Expr): Stmt;
  readonly keep: boolean;
  /** History for backward: stores in a training model, nothing otherwise. */
  setPre(g: number, v: Expr): Stmt[];
  setAct(g: number, v: Expr): Stmt[];
  setExtra(v: Expr): Stmt[];
}

/** What a cell's backward step reads and writes (after the forward kept its history). */
export interface StepBackIO {
  readonly attrs: Attrs;
  pre(g: number): Expr;
  act(g: number): Expr;
  readonly extra: Expr;
  readonly hPrev: Expr;
  readonly h: Expr;
  readonly cPrev: Expr;
  readonly c: Expr;
  /** dLoss/dh_{s+1} (all of it); setDh writes the part of dLoss/dh_s that bypasses U. */
  readonly dh: Expr;
  setDh(v: Expr): Stmt;
  readonly dc: Expr;
  setDc(v: Expr): Stmt;
  /** dLoss/d(x·W) of gate g, and dLoss/d(h·U) of gate g. */
  setDz(g: number, v: Expr): Stmt;
  setDzr(g: number, v: Expr): Stmt;
}

/** What a gated product's backward reads and writes for unit j (see Cell.gatedProduct). */
export interface GateBackIO {
  readonly attrs: Attrs;
  pre(g: number): Expr;
  act(g: number): Expr;
  /** dLoss/d(the scaling gate's value) of this unit. */
  readonly d: Expr;
  setDz(g: number, v: Expr): Stmt;
  setDzr(g: number, v: Expr): Stmt;
}

/**
 * A gate whose recurrent product reads h scaled unit by unit by another
 * gate's value (GRU reset_after=False: (r ⊙ h)·U_h). The loop computes the
 * other gates' products first, then `scale` per unit, then this product;
 * backward mirrors it (`scaleBack` gets dLoss/d(scale)).
 */
export interface GatedProduct {
  /** The gate whose product is gated: the last one, so the others' columns come first. */
  readonly gate: number;
  /** The gate whose activation scales h (kept in the history's acts for backward). */
  readonly by: number;
  /** The scaling value of unit j, from the other gates' x·W and h·U (io.xz, io.zr). */
  scale(io: Pick<StepIO, "attrs" | "xz" | "zr">): Expr;
  scaleBack(io: GateBackIO): Stmt[];
}

export interface Cell {
  readonly kind: string;
  readonly defaultName: string;
  readonly gates: number;
  /** The cell keeps a carry state c (LSTM). */
  readonly carry: boolean;
  /** The cell keeps gate activations / one extra value per unit for backward. */
  readonly keepsActs: boolean;
  readonly keepsExtra: boolean;
  /** Arguments in Keras order (the common recurrent ones come from recurrentArgs). */
  readonly args: readonly ArgSpec[];
  params(attrs: Attrs, features: number, units: number): ParamDecl[];
  /** Keras options this implementation refuses, as a shape problem. */
  validate?(attrs: Attrs): ShapeResult | undefined;
  /** The bias has a second row added to h·U (GRU reset_after). */
  recurrentBias(attrs: Attrs): boolean;
  /** A gate whose recurrent product reads a gated h (GRU reset_after=False), or null. */
  gatedProduct?(attrs: Attrs): GatedProduct | null;
  step(io: StepIO): Stmt[];
  stepBack(io: StepBackIO): Stmt[];
}

/** Arguments every recurrent layer takes after its own (Keras 3 names and defaults). */
export const sequenceArgs: readonly ArgSpec[] = [
  { name: "dropout", type: { t: "float", min: 0, max: 1 }, default: 0 },
  { name: "recurrent_dropout", type: { t: "float", min: 0, max: 1 }, default: 0 },
  { name: "seed", type: { t: "nullable", inner: { t: "int", min: 0 } }, default: null },
  { name: "return_sequences", type: { t: "bool" }, default: false },
  { name: "return_state", type: { t: "bool" }, default: false },
  { name: "go_backwards", type: { t: "bool" }, default: false },
  { name: "stateful", type: { t: "bool" }, default: false },
  // Keras's hint to unroll the time loop; layerc decides that itself (README: generated code)
  { name: "unroll", type: { t: "bool" }, default: false },
];

export const activationOfArg = (attrs: Attrs, name: string): ActivationName => (attrs[name] ?? "linear") as ActivationName;

/** y = act(z) as an expression. */
export const activate = (a: ActivationName, z: Expr): Expr => applyElementwise(a, z);

/** dy · act'(z), given y = act(z). */
export function activationGrad(a: ActivationName, z: Expr, y: Expr, dy: Expr): Expr {
  const k = activationKinds[a];
  if (k.kind === "identity") return dy;
  if (k.kind !== "elementwise") throw new Error(`activation ${a} is not elementwise`);
  return opDef(k.op).grad([z], y, dy)[0]!;
}

const ORTHOGONAL: InitializerSpec = { name: "orthogonal", gain: 1, seed: null };

/** units, activation, recurrent_activation, use_bias and the three initializers, in Keras order. */
export const cellArgs = (extra: readonly ArgSpec[] = [], recurrentActivation = true): ArgSpec[] => [
  { name: "units", type: { t: "int", min: 1 }, required: true, positional: true },
  { ...activationArg(), default: "tanh" },
  ...(recurrentActivation ? [{ ...activationArg(), name: "recurrent_activation", default: "sigmoid" }] : []),
  { name: "use_bias", type: { t: "bool" }, default: true },
  { name: "kernel_initializer", type: { t: "initializer" }, default: GLOROT_UNIFORM },
  { name: "recurrent_initializer", type: { t: "initializer" }, default: ORTHOGONAL },
  { name: "bias_initializer", type: { t: "initializer" }, default: ZEROS },
  ...extra,
];

/** kernel (features, G·u), recurrent_kernel (u, G·u), then the bias when use_bias. */
export function cellParams(attrs: Attrs, features: number, units: number, gates: number, bias: { shape: number[]; initializer: InitializerSpec } | null): ParamDecl[] {
  const out: ParamDecl[] = [
    { name: "kernel", shape: [features, gates * units], initializer: init(attrs, "kernel_initializer"), trainable: true, initializerArg: "kernel_initializer" },
    { name: "recurrent_kernel", shape: [units, gates * units], initializer: init(attrs, "recurrent_initializer"), trainable: true, initializerArg: "recurrent_initializer" },
  ];
  if (bool(attrs, "use_bias") && bias) out.push({ name: "bias", ...bias, trainable: true, initializerArg: "bias_initializer" });
  return out;
}
