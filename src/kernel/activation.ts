/**
 * Activations as kernels, shared by every layer that applies one (Dense,
 * Conv, Activation). Elementwise activations are single ops from the op
 * table (so their derivative comes from the op's gradient facet); softmax
 * and log_softmax work on rows of the last axis and are numerically stable
 * (max subtracted).
 */
import type { ActivationName } from "../ir/model-ir.js";
import { Buf, letVar, loop, setVar } from "./buffer.js";
import { add, BATCH, call, div, elementwise, mul, num, ref, sub, type Expr, type Stmt } from "./expr.js";
import { opDef, type OpName } from "./ops.js";

export type ActivationKind =
  | { readonly kind: "identity" }
  | { readonly kind: "elementwise"; readonly op: OpName }
  | { readonly kind: "softmax" }
  | { readonly kind: "log_softmax" };

export const activationKinds: Readonly<Record<ActivationName, ActivationKind>> = {
  linear: { kind: "identity" },
  relu: { kind: "elementwise", op: "relu" },
  relu6: { kind: "elementwise", op: "relu6" },
  leaky_relu: { kind: "elementwise", op: "leaky_relu" },
  sigmoid: { kind: "elementwise", op: "sigmoid" },
  hard_sigmoid: { kind: "elementwise", op: "hard_sigmoid" },
  tanh: { kind: "elementwise", op: "tanh" },
  softmax: { kind: "softmax" },
  log_softmax: { kind: "log_softmax" },
  elu: { kind: "elementwise", op: "elu" },
  selu: { kind: "elementwise", op: "selu" },
  softplus: { kind: "elementwise", op: "softplus" },
  softsign: { kind: "elementwise", op: "softsign" },
  silu: { kind: "elementwise", op: "silu" },
  gelu: { kind: "elementwise", op: "gelu" },
  mish: { kind: "elementwise", op: "mish" },
  exponential: { kind: "elementwise", op: "exp" },
};

/** The scalar form of an elementwise activation (identity for linear). */
export function applyElementwise(act: ActivationName, z: Expr): Expr {
  const k = activationKinds[act];
  if (k.kind === "identity") return z;
  if (k.kind === "elementwise") return call(k.op, z);
  throw new Error(`activation ${act} is not elementwise`);
}

export function isElementwise(act: ActivationName): boolean {
  const k = activationKinds[act].kind;
  return k === "identity" || k === "elementwise";
}

/**
 * y = act(z) over buffers viewed as [batch, rows, cols]; softmax runs along
 * cols (the last axis).
 */
export function activationForward(act: ActivationName, z: Buf, y: Buf, rows: number, cols: number): Stmt[] {
  const zz = new Buf(z.name, ["batch", rows, cols]);
  const yy = new Buf(y.name, ["batch", rows, cols]);
  const k = activationKinds[act];
  if (k.kind === "identity" || k.kind === "elementwise") {
    return [
      loop("ab", BATCH, (b) => [
        loop("ar", rows, (r) => [loop("aj", cols, (j) => [yy.store([b, r, j], applyElementwise(act, zz.at(b, r, j)))])]),
      ]),
    ];
  }
  // the scan starts at 1: element 0 seeds the max
  const rowMax = (b: Expr, r: Expr): Stmt[] => [
    letVar("amax", zz.at(b, r, num(0))),
    {
      k: "for",
      v: "aj",
      from: num(1),
      to: num(cols),
      body: [setVar("amax", call("max", ref("amax"), zz.at(b, r, ref("aj"))))],
    },
  ];
  if (k.kind === "softmax") {
    return [
      loop("ab", BATCH, (b) => [
        loop("ar", rows, (r) => [
          ...rowMax(b, r),
          letVar("asum", num(0)),
          loop("aj", cols, (j) => [
            yy.store([b, r, j], call("exp", sub(zz.at(b, r, j), ref("amax")))),
            setVar("asum", yy.at(b, r, j), true),
          ]),
          letVar("ainv", div(num(1), ref("asum"))),
          loop("aj", cols, (j) => [yy.store([b, r, j], mul(yy.at(b, r, j), ref("ainv")))]),
        ]),
      ]),
    ];
  }
  return [
    loop("ab", BATCH, (b) => [
      loop("ar", rows, (r) => [
        ...rowMax(b, r),
        letVar("asum", num(0)),
        loop("aj", cols, (j) => [setVar("asum", call("exp", sub(zz.at(b, r, j), ref("amax"))), true)]),
        letVar("alse", add(ref("amax"), call("log", ref("asum")))),
        loop("aj", cols, (j) => [yy.store([b, r, j], sub(zz.at(b, r, j), ref("alse")))]),
      ]),
    ]),
  ];
}

/** dz = dy · act'(z), with y = act(z) available. */
export function activationBackward(
  act: ActivationName,
  z: Buf,
  y: Buf,
  dy: Buf,
  dz: Buf,
  rows: number,
  cols: number,
): Stmt[] {
  const v = (buf: Buf) => new Buf(buf.name, ["batch", rows, cols]);
  const [zz, yy, ddy, ddz] = [v(z), v(y), v(dy), v(dz)];
  const k = activationKinds[act];
  if (k.kind === "identity" || k.kind === "elementwise") {
    return [
      elementwise(
        "activation_grad",
        rows * cols,
        loop("ab", BATCH, (b) => [
          loop("ar", rows, (r) => [
            loop("aj", cols, (j) => {
              const g =
                k.kind === "identity"
                  ? ddy.at(b, r, j)
                  : opDef(k.op).grad([zz.at(b, r, j)], yy.at(b, r, j), ddy.at(b, r, j))[0]!;
              return [ddz.store([b, r, j], g)];
            }),
          ]),
        ]),
        true,
      ),
    ];
  }
  if (k.kind === "softmax") {
    // dz_j = y_j (dy_j − Σ_k dy_k y_k)
    return [
      loop("ab", BATCH, (b) => [
        loop("ar", rows, (r) => [
          letVar("adot", num(0)),
          loop("aj", cols, (j) => [setVar("adot", mul(ddy.at(b, r, j), yy.at(b, r, j)), true)]),
          loop("aj", cols, (j) => [ddz.store([b, r, j], mul(yy.at(b, r, j), sub(ddy.at(b, r, j), ref("adot"))))]),
        ]),
      ]),
    ];
  }
  // log_softmax: dz_j = dy_j − exp(y_j) Σ_k dy_k
  return [
    loop("ab", BATCH, (b) => [
      loop("ar", rows, (r) => [
        letVar("asum", num(0)),
        loop("aj", cols, (j) => [setVar("asum", ddy.at(b, r, j), true)]),
        loop("aj", cols, (j) => [
          ddz.store([b, r, j], sub(ddy.at(b, r, j), mul(call("exp", yy.at(b, r, j)), ref("asum")))),
        ]),
      ]),
    ]),
  ];
}
