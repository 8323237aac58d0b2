/**
 * Activation-buffer reuse by liveness. The plan names one buffer per tensor,
 * per scratch and per activation gradient; many are dead long before a step
 * ends (a chain's activations in inference, most gradients in backward).
 * This pass reads what every kernel loads and stores — generic over the
 * kernel IR, it knows no layer — and lets buffers whose lifetimes never
 * overlap share one allocation (`Storage.shares`), sized for the largest.
 *
 * Lifetimes are taken over the two programs a model instance runs on the
 * same buffers, step by step (a step is one call's forward, one output's
 * loss, one call's backward, the update):
 * - inference (predict, evaluate): forward, then the losses;
 * - a training step: training forward, losses, backward (reverse), update.
 * A buffer lives from the first step that touches it to the last; two
 * buffers may share when their lifetimes are disjoint in both programs, so
 * backward keeps every activation it reads. Not shared: buffers the runtime
 * reads or fills outside the kernels (model outputs, random noise), and
 * buffers a program reads before writing (state carried between steps, or
 * an accumulation into an unwritten buffer), which must keep their values.
 * Kernels write every element of a buffer they produce (padding layers
 * write their zeros), so a shared buffer's previous contents never show.
 */
import type { Stmt } from "../kernel/expr.js";
import type { Storage } from "./plan.js";

/** Per buffer: the first and last step that touches it, and whether its first touch reads it. */
interface Life {
  first: number;
  last: number;
  readFirst: boolean;
}

/** Buffer accesses of one step, in execution order as far as a static walk tells. */
function touches(stmts: readonly Stmt[], visit: (buf: string, read: boolean) => void): void {
  const expr = (e: unknown): void => {
    if (e === null || typeof e !== "object") return;
    const node = e as { k?: string; buf?: string };
    if (node.k === "load") visit(node.buf!, true);
    for (const v of Object.values(e)) if (typeof v === "object") expr(v);
  };
  const stmt = (s: Stmt): void => {
    switch (s.k) {
      case "for":
        expr(s.from);
        expr(s.to);
        s.body.forEach(stmt);
        return;
      case "let":
      case "set":
        return expr(s.value);
      case "store":
        expr(s.index);
        expr(s.value);
        if (s.acc) visit(s.buf, true);
        return visit(s.buf, false);
      case "if":
        expr(s.test);
        s.then.forEach(stmt);
        s.else.forEach(stmt);
        return;
      case "gemm":
        // the loop nest it stands for
        return s.lowered.forEach(stmt);
      case "note":
        return;
    }
  };
  stmts.forEach(stmt);
}

function lifetimes(steps: readonly (readonly Stmt[])[]): Map<string, Life> {
  const lives = new Map<string, Life>();
  steps.forEach((step, k) => {
    touches(step, (buf, read) => {
      const life = lives.get(buf);
      if (life === undefined) lives.set(buf, { first: k, last: k, readFirst: read });
      else life.last = k;
    });
  });
  return lives;
}

/** The steps of the two programs (see the file comment). */
export interface Programs {
  readonly inference: readonly (readonly Stmt[])[];
  /** Empty for a model without compile(...). */
  readonly training: readonly (readonly Stmt[])[];
}

/**
 * `buffers` with activation storage shared where lifetimes allow: a
 * sharing buffer gets `shares` (the name of the buffer whose allocation it
 * uses, declared before it), and that buffer's `perSample` grows to the
 * largest of its group. `pinned` buffers (read by the runtime) keep their own.
 */
export function shareBuffers(buffers: ReadonlyMap<string, Storage>, programs: Programs, pinned: ReadonlySet<string>): Map<string, Storage> {
  const lives = [lifetimes(programs.inference), lifetimes(programs.training)];
  const candidate = (name: string, s: Storage): boolean =>
    s.kind === "act" && s.random !== true && !pinned.has(name) && lives.some((l) => l.has(name)) && lives.every((l) => l.get(name)?.readFirst !== true);
  const overlaps = (a: string, b: string) =>
    lives.some((l) => {
      const x = l.get(a);
      const y = l.get(b);
      return x !== undefined && y !== undefined && x.first <= y.last && y.first <= x.last;
    });
  // groups of buffers that share one allocation; the first member names it
  const groups: { members: string[]; size: number }[] = [];
  for (const [name, s] of buffers) {
    if (!candidate(name, s) || s.kind !== "act") continue;
    // the fitting group that grows least, then the smallest
    let best: (typeof groups)[number] | undefined;
    for (const g of groups) {
      if (g.members.some((m) => overlaps(m, name))) continue;
      const growth = Math.max(0, s.perSample - g.size);
      const bestGrowth = best === undefined ? Infinity : Math.max(0, s.perSample - best.size);
      if (growth < bestGrowth || (growth === bestGrowth && best !== undefined && g.size < best.size)) best = g;
    }
    if (best === undefined) groups.push({ members: [name], size: s.perSample });
    else {
      best.members.push(name);
      best.size = Math.max(best.size, s.perSample);
    }
  }
  const out = new Map(buffers);
  for (const g of groups) {
    const [head, ...rest] = g.members;
    out.set(head!, { kind: "act", perSample: g.size });
    for (const m of rest) out.set(m, { kind: "act", perSample: (buffers.get(m) as { perSample: number }).perSample, shares: head! });
  }
  return out;
}

/** Float64 values per sample that the activation buffers allocate (a sharing buffer allocates nothing). */
export function activationValues(buffers: ReadonlyMap<string, Storage>): number {
  let total = 0;
  for (const s of buffers.values()) if (s.kind === "act" && s.shares === undefined) total += s.perSample;
  return total;
}
