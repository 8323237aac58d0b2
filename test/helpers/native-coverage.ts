/**
 * Which work of a model runs as native (WebAssembly) kernels and which as
 * TypeScript loops, read from the plan rather than guessed: every layer
 * call's kernels (inference forward, training forward, backward) are walked
 * for the statements a backend may run natively (matrix products, window
 * operations, elementwise maps: `gemm` statements of the kernel form); the
 * generated code says which of them the emitter took (`k.<layer>_<label>(`
 * calls). Any other statement that stores is TypeScript work.
 */
import { check, compile, formatDiagnostics } from "../../src/index.js";
import { planModel } from "../../src/plan/plan.js";
import { isMap, isWindow, type NativeSpec, type Stmt } from "../../src/kernel/expr.js";

export interface PhaseUse {
  /** Native kernels the generated code calls for this phase (`label: op`). */
  readonly native: readonly string[];
  /** Native-capable statements left as loops (below the threshold or not eligible). */
  readonly loops: readonly string[];
  /** Does the phase also run TypeScript statements of its own (outside the native-capable ones)? */
  readonly ts: boolean;
}

export interface LayerUse {
  readonly label: string;
  readonly kind: string;
  readonly forward: PhaseUse;
  readonly train: PhaseUse;
  readonly backward: PhaseUse;
}

const describe = (spec: NativeSpec): string => (isMap(spec) ? "map" : isWindow(spec) ? spec.op : "gemm");

const stores = (s: Stmt): boolean => {
  switch (s.k) {
    case "store":
      return true;
    case "for":
      return s.body.some(stores);
    case "if":
      return s.then.some(stores) || s.else.some(stores);
    case "gemm":
      return s.lowered.some(stores);
    default:
      return false;
  }
};

function phase(layer: string, kernel: readonly Stmt[], code: string): PhaseUse {
  const native: string[] = [];
  const loops: string[] = [];
  let ts = false;
  const walk = (stmts: readonly Stmt[]) => {
    for (const s of stmts) {
      if (s.k === "gemm") {
        const name = `${layer}_${s.spec.label}`;
        (code.includes(`k.${name}(`) ? native : loops).push(`${s.spec.label}: ${describe(s.spec)}`);
        // what runs around the operation natively (other native operations, or TypeScript)
        walk(s.prologue);
        walk(s.epilogue);
      } else if (s.k === "for" || s.k === "if") {
        const inner = s.k === "for" ? s.body : [...s.then, ...s.else];
        const before = native.length + loops.length;
        walk(inner);
        // a loop around native calls (a recurrent layer's steps) is TypeScript only if it stores itself
        if (native.length + loops.length === before && stores(s)) ts = true;
      } else if (s.k === "store") ts = true;
    }
  };
  walk(kernel);
  return { native, loops, ts };
}

/** Per layer call of the (first) model in `source`: its native kernels and TypeScript work, forward and backward. */
export async function nativeCoverage(source: string): Promise<LayerUse[]> {
  const r = await compile(source, { fileName: "coverage.nn" });
  if (r.code === undefined) throw new Error(`spec does not compile:\n${formatDiagnostics(r.diagnostics, source)}`);
  const ir = check(source).ir!.models[0]!;
  const plan = planModel(ir);
  return plan.layers.map((l) => ({
    label: l.label,
    kind: l.layer.kind,
    forward: phase(l.label, l.forward, r.code!),
    train: phase(l.label, l.forwardTrain, r.code!),
    backward: phase(l.label, l.backward, r.code!),
  }));
}

/** One line of a table: native kernels, loops a backend could take but did not, and TypeScript work. */
export function phaseText(p: PhaseUse): string {
  const parts = [...(p.native.length ? [`native ${p.native.join(", ")}`] : []), ...(p.loops.length ? [`loops ${p.loops.join(", ")}`] : []), ...(p.ts ? ["TS"] : [])];
  return parts.length ? parts.join("; ") : "—";
}
