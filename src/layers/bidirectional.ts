/**
 * Bidirectional(layer, merge_mode='concat'): the wrapped recurrent layer
 * runs twice over the sequence — as given ("forward_<name>") and with
 * go_backwards=True ("backward_<name>") — with its own weights each, and
 * the two outputs are merged: concatenated on the last axis, or summed,
 * multiplied or averaged — or, with merge_mode=None, returned as two
 * tensors (the backward one the call's first extra output, before any
 * states). With return_sequences the backward run's outputs
 * are flipped back into input order first, as Keras does.
 *
 * The wrapped layer's own kernels do the work: this file hands them a
 * context whose parameters, scratch buffers and output are the direction's
 * own, and writes only the merge and its gradient. Both directions add to
 * the input gradient (the backward one through a scratch buffer).
 * Weights: the forward layer's, then the backward layer's (Keras order).
 */
import { Buf, loop } from "../kernel/buffer.js";
import { add, BATCH, mul, num, sub, type Expr, type Stmt } from "../kernel/expr.js";
import type { LayerAttr, Shape } from "../ir/model-ir.js";
import { bool } from "./common.js";
import { lookupLayer } from "./registry.js";
import { prod, type Attrs, type KernelContext, type LayerDef, type ShapeResult } from "./types.js";

type Direction = "forward" | "backward";
const DIRECTIONS: readonly Direction[] = ["forward", "backward"];

/** One direction's layer: its definition, Keras name and attributes. */
interface DirectionLayer {
  readonly def: LayerDef;
  readonly name: string;
  readonly attrs: Attrs;
}

/**
 * A direction's layer. Keras 3 recreates the wrapped layer as
 * `forward_<name>` (and, without backward_layer=, `backward_<name>` with
 * go_backwards=True); a given backward_layer keeps its own name. Inside
 * Bidirectional a layer returning sequences outputs zeros at masked steps
 * (Keras forces zero_output_for_mask = return_sequences).
 */
function layerOf(l: LayerAttr, prefix: Direction | null, backwards?: boolean): DirectionLayer {
  const def = lookupLayer(l.layer)!;
  const attrs = Object.fromEntries(Object.entries(l.attrs).filter(([k]) => k !== "name"));
  const own = (l.attrs["name"] as string | null) ?? def.defaultName;
  const name = prefix === null ? own : `${prefix}_${own.startsWith(`${prefix}_`) ? own.slice(prefix.length + 1) : own}`;
  return { def, name, attrs: { ...attrs, ...(backwards ? { go_backwards: true } : {}), zero_output_for_mask: attrs["return_sequences"] === true } };
}

/**
 * The two directions: the wrapped layer, and `backward_layer=` when given
 * (Keras requires its go_backwards=True), else a copy of the wrapped layer
 * with go_backwards=True.
 */
function wrapped(attrs: Attrs) {
  const given = attrs["backward_layer"] as LayerAttr | null | undefined;
  const dirs: Record<Direction, DirectionLayer> = {
    forward: layerOf(attrs["layer"] as LayerAttr, "forward"),
    backward: given ? layerOf(given, null) : layerOf(attrs["layer"] as LayerAttr, "backward", true),
  };
  const layer = (dir: Direction) => dirs[dir];
  return { layer, def: dirs.forward.def, of: (dir: Direction) => dirs[dir].attrs };
}

/** A direction's states (return_state outputs, or initial_state inputs), forward's first. */
function statesOf(attrs: Attrs, input: readonly number[], which: "extraOutputs" | "extraInputs"): { forward: Shape[]; backward: Shape[] } {
  const w = wrapped(attrs);
  const of = (dir: Direction) => {
    const l = w.layer(dir);
    return which === "extraOutputs" ? (l.def.extraOutputs?.(l.attrs, input) ?? []) : (l.def.extraInputs?.shapes(l.attrs, input) ?? []);
  };
  return { forward: of("forward"), backward: of("backward") };
}

/**
 * Keras 3's checks of `backward_layer=`: go_backwards=True (the opposite of the
 * forward layer's), the same return_sequences and return_state; layerc also
 * needs both directions' outputs to have one shape (the merge reads them alike).
 */
function backwardLayerProblem(attrs: Attrs, input: readonly number[]): string | undefined {
  if (!attrs["backward_layer"]) return undefined;
  const w = wrapped(attrs);
  const [f, b] = [w.layer("forward"), w.layer("backward")];
  if (!bool(b.attrs, "go_backwards")) return `\`${b.name}\` must read the sequence backwards: give it \`go_backwards=True\``;
  for (const k of ["return_sequences", "return_state"]) {
    if (bool(f.attrs, k) !== bool(b.attrs, k)) return `\`${k}\` must be the same in both layers (${bool(f.attrs, k) ? "True" : "False"} in \`${f.name}\`)`;
  }
  // Keras 3 declares (and splits initial_state into) two equal halves of states
  const [fs, bs] = [f.def.extraInputs?.shapes(f.attrs, input) ?? [], b.def.extraInputs?.shapes(b.attrs, input) ?? []];
  if (bool(f.attrs, "return_state") && fs.map(String).join() !== bs.map(String).join()) return `with \`return_state=True\` both layers must have the same states (Keras returns them as two equal halves): \`${f.name}\` has ${fs.length}, \`${b.name}\` ${bs.length}`;
  const [fo, bo] = [f.def.outputShape(f.attrs, input), b.def.outputShape(b.attrs, input)];
  if (fo.ok && bo.ok && fo.shape.join() !== bo.shape.join()) return `both layers must output one shape (layerc merges them alike): (None, ${fo.shape.join(", ")}) and (None, ${bo.shape.join(", ")})`;
  return bo.ok ? undefined : `\`${b.name}\` itself is invalid on this input`;
}

/** merge_mode; "none" (Keras's None) returns the two directions' outputs as two tensors. */
const mode = (attrs: Attrs) => (attrs["merge_mode"] ?? "none") as "concat" | "sum" | "mul" | "ave" | "none";
/** With merge_mode=None the backward output is the first extra output, before the states. */
const lead = (attrs: Attrs) => (mode(attrs) === "none" ? 1 : 0);

/** Renames the products of a direction's kernels, so both directions' native kernels get names of their own. */
function relabel(stmts: readonly Stmt[], dir: Direction): Stmt[] {
  return stmts.map((s): Stmt => {
    switch (s.k) {
      case "for":
        return { ...s, body: relabel(s.body, dir) };
      case "if":
        return { ...s, then: relabel(s.then, dir), else: relabel(s.else, dir) };
      case "gemm":
        return { ...s, spec: { ...s.spec, label: `${dir}_${s.spec.label}` } };
      default:
        return s;
    }
  });
}

/** The wrapped layer's view of one direction: its own weights, scratch, output and gradients. */
function directionContext(ctx: KernelContext, dir: Direction, withGrads: boolean): KernelContext {
  const w = wrapped(ctx.attrs);
  const l = w.layer(dir);
  const innerOut = innerShape(ctx);
  const p = dir[0]!;
  const scratchBuf = (n: string, dims: number[]) => new Buf(ctx.scratch(n).name, ["batch", ...dims]);
  const y = scratchBuf(`${p}_y`, innerOut);
  const dy = withGrads ? scratchBuf(`${p}_dy`, innerOut) : ctx.dy;
  const dx = dir === "forward" || !withGrads || ctx.dx.name === "" ? ctx.dx : scratchBuf("dxb", [...ctx.inShape]);
  // states (initial_state= inputs, return_state outputs): the forward direction's first, then the backward's
  const part = (which: "extraOutputs" | "extraInputs") => <T>(all: readonly T[]): T[] => {
    const rest = all.slice(1 + (which === "extraOutputs" ? lead(ctx.attrs) : 0));
    const n = statesOf(ctx.attrs, ctx.inShape, which).forward.length;
    return dir === "forward" ? rest.slice(0, n) : rest.slice(n);
  };
  const ins = part("extraInputs");
  const outs = part("extraOutputs");
  return {
    ...ctx,
    attrs: l.attrs,
    outShape: innerOut,
    y,
    dy,
    dx,
    xs: [ctx.x, ...ins(ctx.xs)],
    dxs: [dx, ...ins(ctx.dxs)],
    inShapes: [ctx.inShape, ...ins(ctx.inShapes)],
    ys: [y, ...outs(ctx.ys)],
    dys: [dy, ...outs(ctx.dys)],
    outShapes: [innerOut, ...outs(ctx.outShapes)],
    outputGradIsPreActivation: false,
    param: (n) => ctx.param(`${l.name}/${n}`),
    grad: (n) => ctx.grad(`${l.name}/${n}`),
    scratch: (n) => ctx.scratch(`${p}_${n}`),
  };
}

function innerShape(ctx: { attrs: Attrs; inShape: readonly number[] }): number[] {
  const w = wrapped(ctx.attrs);
  const r = w.def.outputShape(w.of("forward"), ctx.inShape);
  if (!r.ok) throw new Error("Bidirectional reached planning with an invalid wrapped layer");
  return [...r.shape];
}

/** rows × units of one direction's output; rows = steps with return_sequences (the backward run's are reversed). */
function mergeViews(ctx: KernelContext) {
  const inner = innerShape(ctx);
  const units = inner[inner.length - 1]!;
  const rows = prod(inner) / units;
  const sequences = inner.length > 1;
  const flip = (r: Expr): Expr => (sequences ? sub(num(rows - 1), r) : r);
  const view = (name: string) => new Buf(name, ["batch", rows, units]);
  return { units, rows, flip, view, width: mode(ctx.attrs) === "concat" ? 2 * units : units };
}

function merge(ctx: KernelContext): Stmt[] {
  const { units, rows, flip, view, width } = mergeViews(ctx);
  const f = view(ctx.scratch("f_y").name);
  const b = view(ctx.scratch("b_y").name);
  const y = new Buf(ctx.y.name, ["batch", rows, width]);
  const m = mode(ctx.attrs);
  return [
    loop("b", BATCH, (n) => [
      loop("r", rows, (r) => [
        loop("j", units, (j) => {
          const a = f.at(n, r, j);
          const c = b.at(n, flip(r), j);
          if (m === "none") return [y.store([n, r, j], a), new Buf(ctx.ys[1]!.name, ["batch", rows, units]).store([n, r, j], c)];
          if (m === "concat") return [y.store([n, r, j], a), y.store([n, r, add(j, num(units))], c)];
          const v = m === "sum" ? add(a, c) : m === "mul" ? mul(a, c) : mul(add(a, c), num(0.5));
          return [y.store([n, r, j], v)];
        }),
      ]),
    ]),
  ];
}

function unmerge(ctx: KernelContext): Stmt[] {
  const { units, rows, flip, view, width } = mergeViews(ctx);
  const [f, b] = [view(ctx.scratch("f_y").name), view(ctx.scratch("b_y").name)];
  const [df, db] = [view(ctx.scratch("f_dy").name), view(ctx.scratch("b_dy").name)];
  const dy = new Buf(ctx.dy.name, ["batch", rows, width]);
  const m = mode(ctx.attrs);
  return [
    loop("b", BATCH, (n) => [
      loop("r", rows, (r) => [
        loop("j", units, (j) => {
          const g = dy.at(n, r, j);
          if (m === "none") return [df.store([n, r, j], g), db.store([n, flip(r), j], new Buf(ctx.dys[1]!.name, ["batch", rows, units]).at(n, r, j))];
          if (m === "concat") return [df.store([n, r, j], g), db.store([n, flip(r), j], dy.at(n, r, add(j, num(units))))];
          if (m === "mul") return [df.store([n, r, j], mul(g, b.at(n, flip(r), j))), db.store([n, flip(r), j], mul(g, f.at(n, r, j)))];
          const share = m === "ave" ? mul(g, num(0.5)) : g;
          return [df.store([n, r, j], share), db.store([n, flip(r), j], share)];
        }),
      ]),
    ]),
  ];
}

export const bidirectional: LayerDef = {
  kind: "Bidirectional",
  description: "Runs a recurrent layer forwards and backwards over the sequence and merges the results (`merge_mode`).",
  defaultName: "bidirectional",
  args: [
    { name: "layer", type: { t: "layer", recurrent: true }, required: true, positional: true },
    { name: "merge_mode", type: { t: "nullable", inner: { t: "enum", values: ["concat", "sum", "mul", "ave"] } }, default: "concat", positional: true },
    // Keras 3: (layer, merge_mode, weights, backward_layer); initial weights come from initializers here
    { name: "backward_layer", type: { t: "nullable", inner: { t: "layer", recurrent: true } }, default: null },
  ],
  inputRank: { min: 2, max: 2, describe: "2 (timesteps, features)" },

  outputShape(attrs, input): ShapeResult {
    const w = wrapped(attrs);
    // Keras builds the backward copy with go_backwards=True and requires the two to differ
    if (bool(w.of("forward"), "go_backwards")) return { ok: false, code: "bidirectional_go_backwards", holes: { name: w.def.kind } };
    const problem = backwardLayerProblem(attrs, input);
    if (problem) return { ok: false, code: "bidirectional_backward_layer", holes: { reason: problem } };
    const r = w.def.outputShape(w.of("forward"), input);
    if (!r.ok || mode(attrs) !== "concat") return r;
    return { ok: true, shape: [...r.shape.slice(0, -1), 2 * r.shape[r.shape.length - 1]!] };
  },

  // Keras masking: both directions skip masked steps; the output keeps the mask as a sequence
  // (with merge_mode=None both outputs carry it, as Keras's compute_mask returns [mask, mask]; states carry none)
  masking: { reads: true, keeps: (attrs) => bool(wrapped(attrs).of("forward"), "return_sequences"), keepsExtra: (attrs) => lead(attrs) },
  // Keras 3: return_state returns the output, the forward states, then the backward states;
  // initial_state=[…] is split in half the same way
  extraOutputs(attrs, input) {
    const s = statesOf(attrs, input, "extraOutputs");
    const w = wrapped(attrs);
    const inner = w.def.outputShape(w.of("forward"), input);
    const backwardOutput = mode(attrs) === "none" && inner.ok ? [inner.shape] : [];
    return [...backwardOutput, ...s.forward, ...s.backward];
  },
  extraInputs: {
    keyword: "initial_state",
    shapes(attrs, input) {
      const s = statesOf(attrs, input, "extraInputs");
      return [...s.forward, ...s.backward];
    },
  },

  params: (attrs, input) => {
    const w = wrapped(attrs);
    return DIRECTIONS.flatMap((dir) => {
      const l = w.layer(dir);
      return l.def.params(l.attrs, input).map((p) => ({ ...p, name: `${l.name}/${p.name}` }));
    });
  },

  scratch(attrs, input, _output, training) {
    const w = wrapped(attrs);
    const inner = w.def.outputShape(w.of("forward"), input);
    const size = inner.ok ? prod(inner.shape) : 0;
    const out = DIRECTIONS.flatMap((dir) => [
      ...(w.layer(dir).def.scratch?.(w.of(dir), input, inner.ok ? inner.shape : [], training) ?? []).map((s) => ({ ...s, name: `${dir[0]}_${s.name}` })),
      { name: `${dir[0]}_y`, size },
      ...(training ? [{ name: `${dir[0]}_dy`, size }] : []),
    ]);
    if (training) out.push({ name: "dxb", size: prod(input) });
    return out;
  },

  forward(ctx: KernelContext): Stmt[] {
    const w = wrapped(ctx.attrs);
    return [...DIRECTIONS.flatMap((dir) => relabel(w.layer(dir).def.forward(directionContext(ctx, dir, false)), dir)), ...merge(ctx)];
  },

  backward(ctx: KernelContext): Stmt[] {
    const w = wrapped(ctx.attrs);
    const out = [...unmerge(ctx), ...DIRECTIONS.flatMap((dir) => relabel(w.layer(dir).def.backward(directionContext(ctx, dir, true)), dir))];
    if (ctx.dx.name !== "") {
      const size = prod(ctx.inShape);
      const dx = new Buf(ctx.dx.name, ["batch", size]);
      const dxb = new Buf(ctx.scratch("dxb").name, ["batch", size]);
      out.push(loop("b", BATCH, (n) => [loop("i", size, (i) => [dx.accumulate([n, i], dxb.at(n, i))])]));
    }
    return out;
  },
};
