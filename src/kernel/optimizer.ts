/**
 * The optimizer step in the kernel form: Keras 3 update rules written once
 * over the flat parameter array, so the interpreter runs them and the
 * emitter specializes them (every coefficient folded; the learning rate is
 * read once per step, since schedules and callbacks change it; the trainable ranges as constant loop bounds, no branch on the
 * optimizer kind left). Transcribed op for op from the runtime reference
 * (src/runtime/optimizers.ts, which documents the rules); tests hold the
 * two equal bit for bit. Buffers:
 *
 *   params, grads    the flat arrays (storage "param"/"grad", base 0)
 *   slots            per-parameter state mirroring params (float64), in
 *                    slotLayout order (the EMA average last)
 *   hyper            per-step scalars from the runtime (HYPER): the
 *                    scheduled learning rate, Adam's α_t, Nadam's
 *                    coefficients, the EMA momentum
 *
 * Arithmetic is float64 and rounds once when stored into float32 params.
 */
import { add, call, cmp, div, elementwise, mul, num, ref, select, sub, type Expr, type Stmt } from "./expr.js";
import { letVar, load, loop, setVar, storeAt as store } from "./buffer.js";
import { clipMode, HYPER, slotLayout } from "../runtime/optimizers.js";
import type { OptimizerSpec } from "../runtime/spec.js";

/** Buffer names the kernel uses (the plan may rename them to stay unique). */
export interface OptimizerBuffers {
  readonly params: string;
  readonly grads: string;
  /** One name per slot of slotLayout(spec). */
  readonly slots: readonly string[];
  readonly hyper: string;
}

type Update = (i: Expr, w: Expr, g: Expr) => { readonly pre: Stmt[]; readonly value: Expr };

/** The rule of one optimizer: statements updating the slots of weight i, and its new value. */
function rule(spec: OptimizerSpec, lr: Expr, S: readonly string[], H: string): Update {
  const h = (k: number) => load(H, num(k));
  const slot = (k: number, i: Expr) => load(S[k]!, i);
  const keep = (name: string, k: number, i: Expr, value: Expr): Stmt[] => [letVar(name, value), store(S[k]!, i, ref(name))];
  const ema = (k: number, beta: number, i: Expr, g: Expr) => add(slot(k, i), mul(sub(g, slot(k, i)), num(1 - beta)));
  switch (spec.name) {
    case "sgd":
      if (!(spec.momentum > 0)) return (_i, w, g) => ({ pre: [], value: sub(w, mul(g, lr)) });
      return (i, w, g) => {
        const mu = num(spec.momentum);
        const value = add(w, spec.nesterov ? sub(mul(mu, ref("vel")), mul(g, lr)) : ref("vel"));
        return { pre: keep("vel", 0, i, sub(mul(mu, slot(0, i)), mul(g, lr))), value };
      };
    case "adam":
    case "adamw":
      return (i, w, g) => ({
        pre: [
          ...keep("m", 0, i, ema(0, spec.beta1, i, g)),
          ...keep("v", 1, i, ema(1, spec.beta2, i, mul(g, g))),
          ...(spec.amsgrad ? keep("vh", 2, i, call("max", slot(2, i), ref("v"))) : []),
        ],
        value: sub(w, div(mul(ref("m"), h(HYPER.a)), add(call("sqrt", ref(spec.amsgrad ? "vh" : "v")), num(spec.epsilon)))),
      });
    case "rmsprop": {
      const rho = spec.rho;
      const avg = spec.momentum > 0 ? 2 : 1;
      return (i, w, g) => {
        const pre = keep("v", 0, i, add(mul(num(rho), slot(0, i)), mul(mul(num(1 - rho), g), g)));
        if (spec.centered) pre.push(...keep("ag", avg, i, add(mul(num(rho), slot(avg, i)), mul(num(1 - rho), g))));
        const den = spec.centered ? add(sub(ref("v"), mul(ref("ag"), ref("ag"))), num(spec.epsilon)) : add(ref("v"), num(spec.epsilon));
        pre.push(letVar("inc", div(mul(g, lr), call("sqrt", den))));
        if (!(spec.momentum > 0)) return { pre, value: sub(w, ref("inc")) };
        pre.push(...keep("mo", 1, i, add(mul(num(spec.momentum), slot(1, i)), ref("inc"))));
        return { pre, value: sub(w, ref("mo")) };
      };
    }
    case "adagrad":
      return (i, w, g) => ({
        pre: keep("acc", 0, i, add(slot(0, i), mul(g, g))),
        value: sub(w, div(mul(g, lr), call("sqrt", add(ref("acc"), num(spec.epsilon))))),
      });
    case "adadelta": {
      const rho = spec.rho;
      const eps = num(spec.epsilon);
      return (i, w, g) => ({
        pre: [
          ...keep("ag", 0, i, add(mul(num(rho), slot(0, i)), mul(mul(num(1 - rho), g), g))),
          letVar("dv", sub(num(0), div(mul(call("sqrt", add(slot(1, i), eps)), g), call("sqrt", add(ref("ag"), eps))))),
          store(S[1]!, i, add(mul(num(rho), slot(1, i)), mul(mul(num(1 - rho), ref("dv")), ref("dv")))),
        ],
        value: add(w, mul(ref("dv"), lr)),
      });
    }
    case "adamax":
      return (i, w, g) => ({
        pre: [...keep("m", 0, i, ema(0, spec.beta1, i, g)), ...keep("u", 1, i, call("max", mul(num(spec.beta2), slot(1, i)), call("abs", g)))],
        value: sub(w, div(mul(ref("m"), lr), mul(h(HYPER.a), add(ref("u"), num(spec.epsilon))))),
      });
    case "nadam":
      return (i, w, g) => ({
        pre: [
          ...keep("m", 0, i, ema(0, spec.beta1, i, g)),
          ...keep("v", 1, i, ema(1, spec.beta2, i, mul(g, g))),
          letVar("mh", add(mul(ref("m"), h(HYPER.a)), mul(g, h(HYPER.b)))),
        ],
        value: sub(w, div(mul(ref("mh"), lr), add(call("sqrt", div(ref("v"), h(HYPER.c))), num(spec.epsilon)))),
      });
    case "lion":
      return (i, w, g) => {
        const c = add(mul(ref("m"), num(spec.beta1)), mul(g, num(1 - spec.beta1)));
        return {
          pre: [letVar("m", slot(0, i)), store(S[0]!, i, add(mul(ref("m"), num(spec.beta2)), mul(g, num(1 - spec.beta2)))), letVar("c", c)],
          value: sub(w, mul(select(cmp(">", ref("c"), num(0)), num(1), select(cmp("<", ref("c"), num(0)), num(-1), num(0))), lr)),
        };
      };
    case "ftrl": {
      const power = -spec.learningRatePower;
      const pow = (x: Expr) => (power === 0.5 ? call("sqrt", x) : call("pow", x, num(power)));
      const l1 = spec.l1RegularizationStrength;
      const quad2 = mul(num(2), add(num(spec.l2RegularizationStrength), div(num(spec.beta), mul(num(2), lr))));
      return (i, w, g) => ({
        pre: [
          letVar("acc", slot(0, i)),
          letVar("na", add(ref("acc"), mul(g, g))),
          letVar("grow", pow(ref("na"))),
          ...keep(
            "lin",
            1,
            i,
            add(slot(1, i), sub(add(g, mul(num(2 * spec.l2ShrinkageRegularizationStrength), w)), mul(div(sub(ref("grow"), pow(ref("acc"))), lr), w))),
          ),
          letVar("quad", add(div(ref("grow"), lr), quad2)),
          letVar("lc", call("min", call("max", ref("lin"), num(-l1)), num(l1))),
          store(S[0]!, i, ref("na")),
        ],
        value: div(sub(ref("lc"), ref("lin")), ref("quad")),
      });
    }
  }
}

/**
 * One update of every parameter in `ranges` ([offset, size] per weight
 * tensor; adjacent ones are merged unless clipnorm needs each tensor's norm).
 */
export function optimizerKernel(spec: OptimizerSpec, ranges: readonly (readonly [number, number])[], names: OptimizerBuffers): Stmt[] {
  const { params: P, grads: G, slots: S, hyper: H } = names;
  // the learning rate is read each step (a schedule, or a callback such as ReduceLROnPlateau, may change it)
  const lr = load(H, num(HYPER.lr));
  const update = rule(spec, lr, S, H);
  const mode = clipMode(spec);
  const pieces = mode === "norm" ? ranges.filter(([, size]) => size > 0).map(([o, s]) => [o, s] as [number, number]) : merge(ranges);
  const each = (body: (i: Expr) => Stmt[]) => pieces.map(([off, size], k) => elementwise(`update${k}`, size, { k: "for", v: "i", from: num(off), to: num(off + size), body: body(ref("i")) }));
  const sumSquares = (name: string, over: readonly (readonly [number, number])[]): Stmt[] => [
    letVar(name, num(0)),
    ...over.map(([off, size]) => ({ k: "for", v: "i", from: num(off), to: num(off + size), body: [setVar(name, mul(load(G, ref("i")), load(G, ref("i"))), true)] }) as Stmt),
  ];
  const head: Stmt[] = [];
  if (mode === "global") {
    const c = spec.globalClipnorm!;
    head.push(...sumSquares("ss", pieces), letVar("gn", call("sqrt", ref("ss"))));
    head.push(letVar("gs", add(mul(num(c), call("min", div(num(1), ref("gn")), num(1 / c))), sub(ref("gn"), ref("gn")))));
  }
  const clipped = (raw: Expr, cn: Expr): Expr => {
    if (mode === "norm") return div(mul(raw, num(spec.clipnorm!)), cn);
    if (mode === "global") return mul(raw, ref("gs"));
    if (mode === "value") return call("min", call("max", raw, num(-spec.clipvalue!)), num(spec.clipvalue!));
    return raw;
  };
  const wd = spec.weightDecay ? num(spec.weightDecay) : null;
  const body = (i: Expr, cn: Expr = num(1)): Stmt[] => {
    const out: Stmt[] = [letVar("gr", clipped(load(G, i), cn)), letVar("w", wd ? sub(load(P, i), mul(mul(load(P, i), wd), lr)) : load(P, i))];
    const { pre, value } = update(i, ref("w"), ref("gr"));
    out.push(...pre, store(P, i, value));
    if (spec.useEma) {
      const avg = S[S.length - 1]!;
      const mom = load(H, num(HYPER.ema));
      out.push(store(avg, i, add(mul(mom, load(avg, i)), mul(sub(num(1), mom), load(P, i)))));
    }
    return out;
  };
  if (mode !== "norm") return [...head, ...each(body)];
  // clipnorm: each weight tensor's gradient scaled by clipnorm / max(‖g‖, clipnorm)
  return pieces.flatMap(([off, size], k) => {
    const ss = ref(`ss${k}`);
    return [
      ...sumSquares(`ss${k}`, [[off, size]]),
      letVar(`cn${k}`, call("max", select(cmp(">", ss, num(0)), call("sqrt", ss), ss), num(spec.clipnorm!))),
      elementwise(`update${k}`, size, { k: "for", v: "i", from: num(off), to: num(off + size), body: body(ref("i"), ref(`cn${k}`)) }),
    ];
  });
}

function merge(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const merged: [number, number][] = [];
  for (const [off, size] of ranges) {
    const last = merged[merged.length - 1];
    if (last && last[0] + last[1] === off) last[1] += size;
    else if (size > 0) merged.push([off, size]);
  }
  return merged;
}

/** The slot count, for buffer declaration (re-exported so the plan needs no runtime import). */
export function optimizerSlots(spec: OptimizerSpec): number {
  return slotLayout(spec).length;
}
