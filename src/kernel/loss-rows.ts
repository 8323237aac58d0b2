/**
 * Keras 3 losses whose per-sample value is a reduction along the last axis
 * (keras/src/losses/losses.py): kl_divergence, cosine_similarity,
 * categorical_hinge and categorical_focal_crossentropy, in the kernel form.
 * The output is read as rows of `classes` values (outSize/classes rows per
 * sample); the batch loss is the mean over rows of the row losses, each
 * weighted by its sample's weight. Gradients are exact for the expressions
 * Keras evaluates (clips and max(·, ε) pass no gradient on their flat side).
 */
import { add, BATCH, call, cmp, div, mul, num, ref, select, sub, type Expr, type Stmt } from "./expr.js";
import { letVar, load, loop, setVar, storeAt as store } from "./buffer.js";
import { clip, inClip, power } from "./loss-element.js";
import type { LossBuffers, Weighting } from "./loss.js";
import type { LossSpec } from "../runtime/spec.js";

export type RowName = "kl_divergence" | "cosine_similarity" | "categorical_hinge" | "categorical_focal_crossentropy";
export const rowLosses: readonly RowName[] = ["kl_divergence", "cosine_similarity", "categorical_hinge", "categorical_focal_crossentropy"];

const EPS = 1e-7;

export function rowLoss(spec: LossSpec & { name: RowName }, outSize: number, width: number, b: LossBuffers, wt: Weighting): Stmt[] {
  const rowsPer = outSize / width;
  const scale = ref("scale");
  const { sw, bind } = wt;
  const row = (r: Expr): Stmt[] => [...wt.bindRow(r), ...rowBody(r)];
  const rowBody = (r: Expr): Stmt[] => {
    const at = (j: Expr) => add(mul(r, num(width)), j);
    const pred = (j: Expr) => load(b.pred, at(j));
    const y = (j: Expr) => load(b.labels, at(j));
    const add1 = (v: Expr): Stmt => setVar("total", mul(sw, v), true);
    const grad = (j: Expr, g: Expr): Stmt => store(b.dOut, at(j), mul(mul(sw, g), scale));
    switch (spec.name) {
      case "kl_divergence": {
        // Σ yc·log(yc/pc) with yc, pc clipped to [ε, 1]
        const clip01 = (v: Expr) => call("min", call("max", v, num(EPS)), num(1));
        return [
          loop("j", width, (j) => [
            letVar("p", pred(j)),
            letVar("yc", clip01(y(j))),
            letVar("pc", clip01(ref("p"))),
            add1(mul(ref("yc"), call("log", div(ref("yc"), ref("pc"))))),
            grad(j, select(cmp(">=", ref("p"), num(EPS)), select(cmp("<=", ref("p"), num(1)), div(sub(num(0), ref("yc")), ref("pc")), num(0)), num(0))),
          ]),
        ];
      }
      case "cosine_similarity": {
        // −Σ ŷ·p̂, x̂ = x·min(1/‖x‖, 1/ε)
        const cap = 1 / EPS;
        return [
          letVar("sy", num(0)),
          letVar("sp", num(0)),
          letVar("dot", num(0)),
          loop("j", width, (j) => [setVar("sy", mul(y(j), y(j)), true), setVar("sp", mul(pred(j), pred(j)), true), setVar("dot", mul(y(j), pred(j)), true)]),
          letVar("iy", call("min", div(num(1), call("sqrt", ref("sy"))), num(cap))),
          letVar("ip0", div(num(1), call("sqrt", ref("sp")))),
          letVar("ip", call("min", ref("ip0"), num(cap))),
          letVar("cs", mul(mul(ref("dot"), ref("iy")), ref("ip"))),
          add1(sub(num(0), ref("cs"))),
          // the p-norm's own gradient only where it is not capped
          letVar("kp", select(cmp("<", ref("ip0"), num(cap)), mul(mul(ref("cs"), ref("ip")), ref("ip")), num(0))),
          loop("j", width, (j) => [grad(j, sub(mul(ref("kp"), pred(j)), mul(mul(ref("iy"), y(j)), ref("ip"))))]),
        ];
      }
      case "categorical_hinge": {
        // max(max_j (1 − y_j)·p_j − Σ y·p + 1, 0)
        return [
          letVar("pos", num(0)),
          letVar("neg", num(-Infinity)),
          letVar("am", num(0)),
          loop("j", width, (j) => [
            setVar("pos", mul(y(j), pred(j)), true),
            letVar("nv", mul(sub(num(1), y(j)), pred(j))),
            { k: "if", test: cmp(">", ref("nv"), ref("neg")), then: [setVar("neg", ref("nv")), setVar("am", j)], else: [] },
          ]),
          letVar("hl", call("max", add(sub(ref("neg"), ref("pos")), num(1)), num(0))),
          add1(ref("hl")),
          loop("j", width, (j) => [
            grad(j, select(cmp(">", ref("hl"), num(0)), sub(select(cmp("==", j, ref("am")), sub(num(1), y(j)), num(0)), y(j)), num(0))),
          ]),
        ];
      }
      case "categorical_focal_crossentropy":
        return focal(spec, width, at, pred, y, sw, add1, b);
    }
  };
  return [
    letVar("scale", div(num(1), mul(BATCH, num(rowsPer)))),
    letVar("total", num(0)),
    loop("b", BATCH, (s) => [...bind(s), ...(rowsPer === 1 ? row(s) : [loop("rr", rowsPer, (rr) => row(add(mul(s, num(rowsPer)), rr)))])]),
    store(b.result, num(0), mul(ref("total"), scale)),
  ];
}

/**
 * Categorical focal crossentropy: Σ −α·y·(1 − c)^γ·log c with c the clipped
 * renormalised probability (from logits: of the softmax). With g = ∂l/∂q,
 * the gradient is (g_k − Σ g·q)/s through the renormalisation, times p_k
 * through the softmax (whose other term vanishes because Σ p = 1).
 */
function focal(
  spec: LossSpec,
  width: number,
  at: (j: Expr) => Expr,
  pred: (j: Expr) => Expr,
  label: (j: Expr) => Expr,
  sw: Expr,
  add1: (v: Expr) => Stmt,
  b: LossBuffers,
): Stmt[] {
  const alpha = spec.alpha ?? 0.25;
  const gamma = spec.gamma ?? 2;
  const ls = spec.labelSmoothing ?? 0;
  const y = (j: Expr) => (ls ? add(mul(label(j), num(1 - ls)), num(ls / width)) : label(j));
  const P = (j: Expr) => (spec.fromLogits ? load(b.dOut, at(j)) : pred(j));
  const softmax: Stmt[] = spec.fromLogits
    ? [
        letVar("m", num(-Infinity)),
        loop("j", width, (j) => [setVar("m", call("max", ref("m"), pred(j)))]),
        letVar("se", num(0)),
        loop("j", width, (j) => [letVar("e", call("exp", sub(pred(j), ref("m")))), store(b.dOut, at(j), ref("e")), setVar("se", ref("e"), true)]),
        loop("j", width, (j) => [store(b.dOut, at(j), div(load(b.dOut, at(j)), ref("se")))]),
      ]
    : [];
  // the terms of class j; `v` names their locals apart, since the two loops below may be unrolled into one scope
  const terms = (j: Expr, v: string): Stmt[] => {
    const r = (name: string) => ref(name + v);
    return [
      letVar(`pj${v}`, P(j)),
      letVar(`q${v}`, div(r("pj"), ref("s"))),
      letVar(`c${v}`, clip(r("q"))),
      letVar(`yj${v}`, y(j)),
      letVar(`lc${v}`, call("log", r("c"))),
      letVar(`f1${v}`, power(sub(num(1), r("c")), gamma)),
      letVar(
        `g${v}`,
        select(
          inClip(r("q")),
          mul(mul(num(-alpha), r("yj")), sub(div(r("f1"), r("c")), mul(mul(num(gamma), power(sub(num(1), r("c")), gamma - 1)), r("lc")))),
          num(0),
        ),
      ),
    ];
  };
  const scale = ref("scale");
  return [
    ...softmax,
    letVar("s", num(0)),
    loop("j", width, (j) => [setVar("s", P(j), true)]),
    letVar("gq", num(0)),
    loop("j", width, (j) => [...terms(j, "a"), add1(mul(mul(num(-alpha), ref("yja")), mul(ref("f1a"), ref("lca")))), setVar("gq", mul(ref("ga"), ref("qa")), true)]),
    loop("j", width, (j) => {
      const dp = div(sub(ref("gb"), ref("gq")), ref("s"));
      return [...terms(j, "b"), store(b.dOut, at(j), mul(mul(sw, spec.fromLogits ? mul(ref("pjb"), dp) : dp), scale))];
    }),
  ];
}
