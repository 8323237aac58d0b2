/**
 * The training loss and its gradient in the kernel form, so generated code
 * computes them specialized (sizes, loss variant, label encoding and
 * constants fixed at compile time) and the interpreter runs the same
 * program. Keras 3 semantics, transcribed operation for operation from the
 * runtime's reference `computeLoss` (src/runtime/losses.ts, which documents
 * the conventions and is validated against tfjs); tests hold this kernel to
 * it bit for bit.
 *
 * Buffers: `pred` (the output, or the logits when the final activation is
 * fused), `probs` (the fused softmax's output, or null), `labels` (targets,
 * or class ids for sparse labels), `dOut` (written: dLoss/dpred, already
 * divided by the reduction size) and `result` ([0] ← the batch mean loss).
 */
import { add, and, BATCH, call, cmp, div, mul, num, ref, select, sub, type Expr, type Stmt } from "./expr.js";
import { letVar, load, loop, setVar, storeAt as store } from "./buffer.js";
import type { LossSpec } from "../runtime/spec.js";

export interface LossBuffers {
  readonly pred: string;
  readonly probs: string | null;
  readonly labels: string;
  readonly dOut: string;
  readonly result: string;
}

const EPS = 1e-7;
/** Math.fround(1 − 1e-7), as the runtime clips. */
const HI = 1 - 2 ** -23;

const when = (test: ReturnType<typeof cmp> | ReturnType<typeof and>, then: Stmt[], otherwise: Stmt[] = []): Stmt => ({ k: "if", test, then, else: otherwise });
const clip = (p: Expr): Expr => select(cmp("<", p, num(EPS)), num(EPS), select(cmp(">", p, num(HI)), num(HI), p));
const inClip = (p: Expr) => and(cmp(">=", p, num(EPS)), cmp("<=", p, num(HI)));
const subtract = (name: string, value: Expr): Stmt => setVar(name, sub(ref(name), value));

export function lossKernel(spec: LossSpec, outSize: number, classes: number, b: LossBuffers): Stmt[] {
  const { name, fromLogits } = spec;
  const sparse = name === "sparse_categorical_crossentropy";
  // sparse labels: one class id per sample, over the whole output (as the runtime reads them)
  if (sparse || name === "categorical_crossentropy") return categorical(spec, sparse, outSize, sparse ? outSize : classes, b);
  const scale = ref("scale");
  const perElement = (i: Expr): Stmt[] => {
    const p = load(b.pred, i);
    const y = ref("y");
    const residual = name === "mean_squared_error" || name === "mean_absolute_error";
    const head = [letVar("p", p), letVar("y", load(b.labels, i)), ...(residual ? [letVar("u", sub(ref("p"), y))] : [])];
    const u = ref("u");
    const pv = ref("p");
    if (name === "mean_squared_error") return [...head, setVar("total", mul(u, u), true), store(b.dOut, i, mul(mul(num(2), u), scale))];
    if (name === "mean_absolute_error") {
      return [...head, setVar("total", call("abs", u), true), store(b.dOut, i, mul(select(cmp(">", u, num(0)), num(1), num(-1)), scale))];
    }
    if (fromLogits) {
      return [
        ...head,
        letVar("e", call("exp", sub(num(0), call("abs", pv)))),
        setVar("total", add(sub(call("max", pv, num(0)), mul(pv, y)), call("log1p", ref("e"))), true),
        store(b.dOut, i, mul(sub(div(select(cmp(">=", pv, num(0)), num(1), ref("e")), add(num(1), ref("e"))), y), scale)),
      ];
    }
    return [
      ...head,
      letVar("c", clip(pv)),
      subtract("total", add(mul(y, call("log", ref("c"))), mul(sub(num(1), y), call("log", sub(num(1), ref("c")))))),
      store(b.dOut, i, mul(select(inClip(pv), sub(div(sub(num(1), y), sub(num(1), ref("c"))), div(y, ref("c"))), num(0)), scale)),
    ];
  };
  return [
    letVar("scale", div(num(1), mul(BATCH, num(outSize)))),
    letVar("total", num(0)),
    loop("i", mul(BATCH, num(outSize)), (i) => perElement(i)),
    store(b.result, num(0), mul(ref("total"), scale)),
  ];
}

/** (Sparse) categorical crossentropy along the last axis, `classes` wide, outSize/classes rows per sample. */
function categorical(spec: LossSpec, sparse: boolean, outSize: number, width: number, b: LossBuffers): Stmt[] {
  const rowsPer = outSize / width;
  const rows = mul(BATCH, num(sparse ? 1 : rowsPer));
  const scale = ref("scale");
  const row = (r: Expr): Stmt[] => {
    const o = mul(r, num(width));
    const at = (j: Expr) => add(o, j);
    const label = (j: Expr): Expr => (sparse ? select(cmp("==", j, load(b.labels, r)), num(1), num(0)) : load(b.labels, at(j)));
    const labelled = (j: Expr) => (sparse ? cmp("==", j, load(b.labels, r)) : cmp("!=", load(b.labels, at(j)), num(0)));
    const pred = (j: Expr) => load(b.pred, at(j));

    // from logits: loss = Σ y·(logsumexp(z) − z), gradient softmax(z)·Σy − y
    const logits: Stmt[] = [
      letVar("m", num(-Infinity)),
      loop("j", width, (j) => [setVar("m", call("max", ref("m"), pred(j)))]),
      letVar("se", num(0)),
      loop("j", width, (j) => [letVar("e", call("exp", sub(pred(j), ref("m")))), store(b.dOut, at(j), ref("e")), setVar("se", ref("e"), true)]),
      letVar("lse", add(ref("m"), call("log", ref("se")))),
      letVar("ys", num(0)),
      loop("j", width, (j) => [
        letVar("y", label(j)),
        when(cmp("!=", ref("y"), num(0)), [setVar("total", mul(ref("y"), sub(ref("lse"), pred(j))), true)]),
        setVar("ys", ref("y"), true),
      ]),
      letVar("ratio", div(ref("ys"), ref("se"))),
      loop("j", width, (j) => [store(b.dOut, at(j), mul(sub(mul(load(b.dOut, at(j)), ref("ratio")), label(j)), scale))]),
    ];
    if (spec.fromLogits && b.probs !== null) {
      // the fused softmax already holds p: no exp, one log per labelled class, unless a labelled p underflowed
      const probs = b.probs;
      const p = (j: Expr) => load(probs, at(j));
      return [
        letVar("usable", num(1)),
        loop("j", width, (j) => [when(labelled(j), [when(cmp(">", p(j), num(1e-290)), [], [setVar("usable", num(0))])])]),
        when(
          cmp("==", ref("usable"), num(1)),
          [
            letVar("ys", num(0)),
            loop("j", width, (j) => [
              letVar("y", label(j)),
              when(cmp("!=", ref("y"), num(0)), [subtract("total", mul(ref("y"), call("log", p(j))))]),
              setVar("ys", ref("y"), true),
            ]),
            loop("j", width, (j) => [store(b.dOut, at(j), mul(sub(mul(p(j), ref("ys")), label(j)), scale))]),
          ],
          logits,
        ),
      ];
    }
    if (spec.fromLogits) return logits;
    // probabilities: renormalise q = p/Σp, clip, −Σ y·log q; exact gradient through both
    return [
      letVar("s", num(0)),
      loop("j", width, (j) => [setVar("s", pred(j), true)]),
      letVar("gq", num(0)),
      loop("j", width, (j) => [
        letVar("q", div(pred(j), ref("s"))),
        letVar("y", label(j)),
        letVar("c", clip(ref("q"))),
        when(cmp("!=", ref("y"), num(0)), [subtract("total", mul(ref("y"), call("log", ref("c"))))]),
        letVar("g", select(and(cmp("!=", ref("y"), num(0)), inClip(ref("q"))), div(sub(num(0), ref("y")), ref("c")), num(0))),
        setVar("gq", mul(ref("g"), ref("q")), true),
        store(b.dOut, at(j), ref("g")),
      ]),
      loop("j", width, (j) => [store(b.dOut, at(j), mul(div(sub(load(b.dOut, at(j)), ref("gq")), ref("s")), scale))]),
    ];
  };
  return [letVar("scale", div(num(1), rows)), letVar("total", num(0)), loop("r", rows, (r) => row(r)), store(b.result, num(0), mul(ref("total"), scale))];
}
