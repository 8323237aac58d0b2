/**
 * Who clears the parameter gradients before a backward pass. Layers state
 * their gradients as accumulations (`+=`: a shared layer adds every call's
 * contribution), so something must zero them first; the runtime used to
 * clear the whole gradient array every step (0.9 MB for the bench MLP). A
 * generated backward does it itself, cheaper:
 *
 * - a gradient whose first mention in the backward (in the order the
 *   backward runs) is a top-level product accumulating into exactly that
 *   whole gradient (a kernel gradient xᵀ·dz) is written by that product
 *   instead (`overwrite`: its native kernel starts from zero, and a long
 *   reduction still runs in chunks, the first one not reading C): no
 *   clearing pass, and the old values are never read;
 * - every other trainable gradient (biases, gradients computed in loops,
 *   ones no layer touches) is zeroed by a loop at the start of backward.
 *
 * The result equals clearing everything first bit for bit (0 + x = x
 * exactly, and the product's lowered loops start from the zeroed values).
 * The model's metadata then says `gradients: "backward"`, and the runtime
 * skips its clear.
 */
import { elementwise, isProduct, num, type Stmt } from "../../kernel/expr.js";
import { loop, storeAt } from "../../kernel/buffer.js";
import { extent, type Gemm } from "../../kernel/gemm.js";
import type { ModelPlan } from "../../plan/plan.js";
import { touches } from "../../plan/liveness.js";

/** Every buffer statements read or write. */
function mentioned(stmts: readonly Stmt[]): Set<string> {
  const out = new Set<string>();
  touches(stmts, (buf) => out.add(buf));
  return out;
}

/** A product that adds into all of `grad` (size elements, contiguous from its start) and reads nothing else of it. */
function fillsWhole(s: Stmt, grad: string, size: number): s is Extract<Stmt, { k: "gemm" }> & { spec: Gemm } {
  if (s.k !== "gemm" || !isProduct(s.spec)) return false;
  const g = s.spec;
  if (!g.accumulate || g.c.buf !== grad || g.a.buf === grad || g.b.buf === grad || g.bias || g.relu || g.outer?.length || g.taps?.length) return false;
  if (mentioned(s.prologue).has(grad)) return false;
  const m = extent(g.m);
  const n = extent(g.n);
  return m !== null && n !== null && !m.batch && !n.batch && g.c.offset === 0 && g.c.cols === 1 && g.c.rows === n.per && m.per * n.per === size;
}

/**
 * The backward kernels of `layers` (in the order backward runs them) with
 * first products writing their gradients, and the loops zeroing every other
 * trainable gradient (run first).
 */
export function initializeGradients(plan: ModelPlan, layers: readonly { readonly backward: readonly Stmt[] }[]): { backward: Stmt[][]; zero: Stmt[] } {
  const grads = [...plan.buffers].flatMap(([name, s]) => (s.kind === "grad" && name !== "grads" ? [{ name, size: s.size }] : []));
  const seen = new Set<string>();
  const written = new Set<string>();
  const backward = layers.map((l) =>
    l.backward.map((s) => {
      const uses = mentioned([s]);
      let out = s;
      for (const g of grads) {
        if (!uses.has(g.name) || seen.has(g.name)) continue;
        if (fillsWhole(out, g.name, g.size)) {
          // overwrite: the native kernel starts from 0; its loops start from a zeroed gradient
          const zero = loop("i", g.size, (i) => [storeAt(g.name, i, num(0))]);
          out = { ...out, spec: { ...out.spec, overwrite: true }, lowered: [zero, ...out.lowered] };
          written.add(g.name);
        }
      }
      for (const b of uses) seen.add(b);
      return out;
    }),
  );
  const zero = grads.filter((g) => !written.has(g.name)).map((g, k) => elementwise(`zero${k}`, g.size, loop("i", g.size, (i) => [storeAt(g.name, i, num(0))])));
  return { backward, zero };
}
