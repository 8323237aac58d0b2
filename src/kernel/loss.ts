/**
 * The training loss and its gradient in the kernel form, so generated code
 * computes them specialized (sizes, loss variant, label encoding and
 * constants fixed at compile time) and the interpreter runs the same
 * program. Keras 3 semantics. MSE, MAE and the crossentropies are
 * transcribed operation for operation from the runtime's reference
 * `computeLoss` (src/runtime/losses.ts, which documents the conventions);
 * tests hold this kernel to it bit for bit. The other losses (loss-element.ts,
 * loss-rows.ts) are checked against real Keras 3 fixtures and finite
 * differences.
 *
 * Buffers: `pred` (the output, or the logits when the final activation is
 * fused), `probs` (the fused softmax's output, or null), `labels` (targets,
 * or class ids for sparse labels), `dOut` (written: dLoss/dpred, already
 * divided by the reduction size), `result` ([0] ← the batch mean loss) and
 * `weights` (per-sample weights, or absent: every sample weighs 1). With
 * weights, the loss is Σ w·l / n (Keras's class_weight / sample_weight:
 * divided by the batch size, not by the sum of the weights).
 */
import { add, and, BATCH, call, cmp, div, mul, num, ref, select, sub, type Expr, type Stmt } from "./expr.js";
import { letVar, load, loop, setVar, storeAt as store } from "./buffer.js";
import { clip, elementLoss, elementwiseLosses, inClip, power, type ElementwiseName } from "./loss-element.js";
import { rowLoss, rowLosses, type RowName } from "./loss-rows.js";
import type { LossSpec } from "../runtime/spec.js";

export interface LossBuffers {
  readonly pred: string;
  readonly probs: string | null;
  readonly labels: string;
  readonly dOut: string;
  readonly result: string;
  readonly weights?: string;
  /**
   * `weights` holds one weight per row (a timestep: the output's values along
   * its last axis) instead of per sample: a masked output's loss (Keras 3
   * weights each timestep by its mask).
   */
  readonly weightsPerRow?: boolean;
}

const when = (test: ReturnType<typeof cmp> | ReturnType<typeof and>, then: Stmt[], otherwise: Stmt[] = []): Stmt => ({ k: "if", test, then, else: otherwise });

/** Per-sample (or per-row) weighting: `sw` is the current weight (1, folded away, without a weights buffer). */
export interface Weighting {
  readonly sw: Expr;
  /** Binds `sw` for sample b at the top of its loop. */
  readonly bind: (b: Expr) => Stmt[];
  /** Binds `sw` for row r (a global row index) at the top of its loop; per-row weights only. */
  readonly bindRow: (r: Expr) => Stmt[];
  readonly perRow: boolean;
}

function weighting(b: LossBuffers): Weighting {
  if (b.weights === undefined) return { sw: num(1), bind: () => [], bindRow: () => [], perRow: false };
  const w = b.weights;
  const bind = (i: Expr) => [letVar("sw", load(w, i))];
  return b.weightsPerRow ? { sw: ref("sw"), bind: () => [], bindRow: bind, perRow: true } : { sw: ref("sw"), bind, bindRow: () => [], perRow: false };
}

export function lossKernel(spec: LossSpec, outSize: number, classes: number, b: LossBuffers): Stmt[] {
  const { name } = spec;
  const sparse = name === "sparse_categorical_crossentropy";
  const wt = weighting(b);
  // sparse labels: one class id per row of the last axis (per sample for a vector output, per timestep for a sequence)
  if (sparse || name === "categorical_crossentropy") return categorical(spec, sparse, outSize, classes, b, wt);
  if ((rowLosses as readonly string[]).includes(name)) return rowLoss(spec as LossSpec & { name: RowName }, outSize, classes, b, wt);
  return elementwise(spec, outSize, classes, b, wt);
}

/** Keras's label smoothing of binary targets: y·(1 − s) + s/2. */
const smoothBinary = (spec: LossSpec, y: Expr): Expr => (spec.labelSmoothing ? add(mul(y, num(1 - spec.labelSmoothing)), num(0.5 * spec.labelSmoothing)) : y);

/** Losses averaged over the last axis element by element: the regression losses, hinge, and the binary crossentropies. */
function elementwise(spec: LossSpec, outSize: number, classes: number, b: LossBuffers, wt: Weighting): Stmt[] {
  const { name } = spec;
  const scale = ref("scale");
  const hinge = name === "hinge" || name === "squared_hinge";
  const perElement = (i: Expr): Stmt[] => {
    const pv = ref("p");
    const y = ref("y");
    const head = [letVar("p", load(b.pred, i)), letVar("y", hinge ? select(cmp("==", ref("bin"), num(1)), sub(mul(num(2), load(b.labels, i)), num(1)), load(b.labels, i)) : smoothBinary(spec, load(b.labels, i)))];
    const emit = (pre: Stmt[], value: Expr, grad: Expr): Stmt[] => [...head, ...pre, setVar("total", mul(wt.sw, value), true), store(b.dOut, i, mul(mul(wt.sw, grad), scale))];
    if (name === "binary_crossentropy") return binary(spec, pv, y, emit);
    if (name === "binary_focal_crossentropy") return binaryFocal(spec, pv, y, emit);
    if (!(elementwiseLosses as readonly string[]).includes(name)) throw new Error(`layerc internal error: no loss kernel for ${name}`);
    const { pre, value, grad } = elementLoss(spec as LossSpec & { name: ElementwiseName }, pv, y);
    return emit(pre, value, grad);
  };
  // hinge: Keras converts 0/1 targets to −1/1 when every target of the batch is 0 or 1
  const binaryFlag: Stmt[] = hinge
    ? [
        letVar("bin", num(1)),
        loop("i", mul(BATCH, num(outSize)), (i) => [
          letVar("t", load(b.labels, i)),
          when(and(cmp("!=", ref("t"), num(0)), cmp("!=", ref("t"), num(1))), [setVar("bin", num(0))]),
        ]),
      ]
    : [];
  return [
    letVar("scale", div(num(1), mul(BATCH, num(outSize)))),
    letVar("total", num(0)),
    ...binaryFlag,
    wt.perRow
      ? // per-row weights: rows of `classes` values, each bound to its weight
        loop("r", mul(BATCH, num(outSize / classes)), (r) => [...wt.bindRow(r), loop("j", classes, (j) => perElement(add(mul(r, num(classes)), j)))])
      : loop("b", BATCH, (s) => [...wt.bind(s), loop("j", outSize, (j) => perElement(add(mul(s, num(outSize)), j)))]),
    store(b.result, num(0), mul(ref("total"), scale)),
  ];
}

type Emit = (pre: Stmt[], value: Expr, grad: Expr) => Stmt[];

/** Binary crossentropy, from logits (stable, unclipped) or from clipped probabilities. */
function binary(spec: LossSpec, pv: Expr, y: Expr, emit: Emit): Stmt[] {
  if (spec.fromLogits) {
    const e = ref("e");
    return emit(
      [letVar("e", call("exp", sub(num(0), call("abs", pv))))],
      add(sub(call("max", pv, num(0)), mul(pv, y)), call("log1p", e)),
      sub(div(select(cmp(">=", pv, num(0)), num(1), e), add(num(1), e)), y),
    );
  }
  const c = ref("c");
  return emit(
    [letVar("c", clip(pv))],
    sub(num(0), add(mul(y, call("log", c)), mul(sub(num(1), y), call("log", sub(num(1), c))))),
    select(inClip(pv), sub(div(sub(num(1), y), sub(num(1), c)), div(y, c)), num(0)),
  );
}

/**
 * Binary focal crossentropy (Keras: focal factor (1 − p_t)^γ on the clipped
 * BCE, p_t = y·p + (1 − y)(1 − p), optional class balancing α / 1 − α);
 * from logits, p = sigmoid(z) and the gradient goes through it.
 */
function binaryFocal(spec: LossSpec, pv: Expr, y: Expr, emit: Emit): Stmt[] {
  const gamma = spec.gamma ?? 2;
  const alpha = spec.alpha ?? 0.25;
  const q = ref("q");
  const c = ref("c");
  const pt = ref("pt");
  const pre: Stmt[] = [
    letVar("q", spec.fromLogits ? call("sigmoid", pv) : pv),
    letVar("c", clip(q)),
    letVar("bce", sub(num(0), add(mul(y, call("log", c)), mul(sub(num(1), y), call("log", sub(num(1), c)))))),
    letVar("pt", add(mul(y, q), mul(sub(num(1), y), sub(num(1), q)))),
    letVar("ff", power(sub(num(1), pt), gamma)),
    letVar("wb", spec.applyClassBalancing ? add(mul(y, num(alpha)), mul(sub(num(1), y), num(1 - alpha))) : num(1)),
  ];
  const dBce = select(inClip(q), sub(div(sub(num(1), y), sub(num(1), c)), div(y, c)), num(0));
  const dFf = mul(mul(num(-gamma), power(sub(num(1), pt), gamma - 1)), sub(mul(num(2), y), num(1)));
  let grad = mul(ref("wb"), add(mul(ref("ff"), dBce), mul(ref("bce"), dFf)));
  if (spec.fromLogits) grad = mul(grad, mul(q, sub(num(1), q)));
  return emit(pre, mul(ref("wb"), mul(ref("ff"), ref("bce"))), grad);
}

/** (Sparse) categorical crossentropy along the last axis, `width` wide, outSize/width rows per sample. */
function categorical(spec: LossSpec, sparse: boolean, outSize: number, width: number, b: LossBuffers, wt: Weighting): Stmt[] {
  const rowsPer = outSize / width;
  const scale = ref("scale");
  const sw = wt.sw;
  const ls = sparse ? 0 : (spec.labelSmoothing ?? 0);
  const row = (r: Expr): Stmt[] => [...wt.bindRow(r), ...rowBody(r)];
  const rowBody = (r: Expr): Stmt[] => {
    const o = mul(r, num(width));
    const at = (j: Expr) => add(o, j);
    const raw = (j: Expr): Expr => (sparse ? select(cmp("==", j, load(b.labels, r)), num(1), num(0)) : load(b.labels, at(j)));
    // label smoothing: y·(1 − s) + s/classes
    const label = (j: Expr): Expr => (ls ? add(mul(raw(j), num(1 - ls)), num(ls / width)) : raw(j));
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
        when(cmp("!=", ref("y"), num(0)), [setVar("total", mul(sw, mul(ref("y"), sub(ref("lse"), pred(j)))), true)]),
        setVar("ys", ref("y"), true),
      ]),
      letVar("ratio", div(ref("ys"), ref("se"))),
      loop("j", width, (j) => [store(b.dOut, at(j), mul(mul(sw, sub(mul(load(b.dOut, at(j)), ref("ratio")), label(j))), scale))]),
    ];
    if (spec.fromLogits && b.probs !== null) {
      // the fused softmax already holds p: no exp, one log per labelled class, unless a labelled p underflowed
      const probs = b.probs;
      const p = (j: Expr) => load(probs, at(j));
      return [
        letVar("usable", num(1)),
        loop("j", width, (j) => {
          const check = when(cmp(">", p(j), num(1e-290)), [], [setVar("usable", num(0))]);
          // smoothed labels are never 0: every class is labelled
          return [ls ? check : when(labelled(j), [check])];
        }),
        when(
          cmp("==", ref("usable"), num(1)),
          [
            letVar("ys", num(0)),
            loop("j", width, (j) => [
              letVar("y", label(j)),
              when(cmp("!=", ref("y"), num(0)), [setVar("total", sub(ref("total"), mul(sw, mul(ref("y"), call("log", p(j))))))]),
              setVar("ys", ref("y"), true),
            ]),
            loop("j", width, (j) => [store(b.dOut, at(j), mul(mul(sw, sub(mul(p(j), ref("ys")), label(j))), scale))]),
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
        when(cmp("!=", ref("y"), num(0)), [setVar("total", sub(ref("total"), mul(sw, mul(ref("y"), call("log", ref("c"))))))]),
        letVar("g", select(and(cmp("!=", ref("y"), num(0)), inClip(ref("q"))), div(sub(num(0), ref("y")), ref("c")), num(0))),
        setVar("gq", mul(ref("g"), ref("q")), true),
        store(b.dOut, at(j), ref("g")),
      ]),
      loop("j", width, (j) => [store(b.dOut, at(j), mul(mul(sw, div(sub(load(b.dOut, at(j)), ref("gq")), ref("s"))), scale))]),
    ];
  };
  return [
    letVar("scale", div(num(1), mul(BATCH, num(rowsPer)))),
    letVar("total", num(0)),
    loop("b", BATCH, (s) => [...wt.bind(s), ...(rowsPer === 1 ? row(s) : [loop("rr", rowsPer, (rr) => row(add(mul(s, num(rowsPer)), rr)))])]),
    store(b.result, num(0), mul(ref("total"), scale)),
  ];
}
