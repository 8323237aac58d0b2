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
export function touches(stmts: readonly Stmt[], visit: (buf: string, read: boolean) => void): void {
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
    s.kind === "act" && s.random !== true && s.wide !== true && !pinned.has(name) && lives.some((l) => l.has(name)) && lives.every((l) => l.get(name)?.readFirst !== true);
  // groups of buffers that share one allocation (the first member names it), with each program's busy steps as sorted disjoint [first, last] pairs
  interface Group {
    readonly members: string[];
    size: number;
    readonly busy: number[][];
  }
  const groups: Group[] = [];
  const free = (busy: readonly number[], life: Life | undefined): boolean => {
    if (life === undefined) return true;
    // the first interval that ends at or after this one starts must start after it ends
    let lo = 0;
    let hi = busy.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (busy[2 * mid + 1]! < life.first) lo = mid + 1;
      else hi = mid;
    }
    return lo === busy.length / 2 || busy[2 * lo]! > life.last;
  };
  const occupy = (busy: number[], life: Life | undefined) => {
    if (life === undefined) return;
    let at = 0;
    while (at < busy.length && busy[at]! < life.first) at += 2;
    busy.splice(at, 0, life.first, life.last);
  };
  for (const [name, s] of buffers) {
    if (!candidate(name, s) || s.kind !== "act") continue;
    const own = lives.map((l) => l.get(name));
    // the fitting group that grows least, then the smallest; a huge model looks at its latest groups only
    let best: Group | undefined;
    for (let g = Math.max(0, groups.length - MAX_SCAN); g < groups.length; g++) {
      const group = groups[g]!;
      if (!own.every((life, p) => free(group.busy[p]!, life))) continue;
      const growth = Math.max(0, s.perSample - group.size);
      const bestGrowth = best === undefined ? Infinity : Math.max(0, s.perSample - best.size);
      if (growth < bestGrowth || (growth === bestGrowth && best !== undefined && group.size < best.size)) best = group;
    }
    if (best === undefined) {
      best = { members: [], size: s.perSample, busy: lives.map(() => []) };
      groups.push(best);
    }
    best.members.push(name);
    best.size = Math.max(best.size, s.perSample);
    own.forEach((life, p) => occupy(best!.busy[p]!, life));
  }
  const out = new Map(buffers);
  for (const g of groups) {
    const [head, ...rest] = g.members;
    out.set(head!, { kind: "act", perSample: g.size });
    for (const m of rest) out.set(m, { kind: "act", perSample: (buffers.get(m) as { perSample: number }).perSample, shares: head! });
  }
  return out;
}

/** Groups a buffer is matched against: all of them below this many (compile time stays linear for huge models). */
const MAX_SCAN = 256;

/** Values per sample that the activation buffers allocate (a sharing buffer allocates nothing). */
export function activationValues(buffers: ReadonlyMap<string, Storage>): number {
  let total = 0;
  for (const s of buffers.values()) if (s.kind === "act" && s.shares === undefined) total += s.perSample;
  return total;
}
