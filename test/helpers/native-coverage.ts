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
import { isLookup, isMap, isWindow, type NativeSpec, type Stmt } from "../../src/kernel/expr.js";

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

const describe = (spec: NativeSpec): string => (isMap(spec) ? "map" : isWindow(spec) || isLookup(spec) ? spec.op : "gemm");

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

const img = "(28, 28, 3)";
const seq = "(100, 16)";
const ids = "(100,)";
/** A trainable first layer (left out of the table) so the layer under test computes its input gradient too. */
const first = (input: string) => {
  const rank = input.split(",").filter((d) => d.trim().replace(/[()]/g, "") !== "").length;
  return input === ids ? "" : rank === 3 ? "  Conv2D(3, 1)" : rank === 2 ? "  Conv1D(16, 1)" : "  Dense(8)";
};
const model = (input: string, layers: string, head = "  Flatten()\n  Dense(4)") => `model N(seed=1, dtype=float32) {
  Input(shape=${input})
${first(input)}
${layers}
${head}
  compile(optimizer=Adam(), loss='mse')
}
`;

/**
 * Layer configurations Keras users write, each between a trainable first
 * layer and a Dense head, at realistic sizes (MNIST-like images, 100-step
 * sequences): the layers under test are every call but the first (none for
 * token ids) and the last.
 */
export const COVERAGE_CASES: Record<string, string> = {
  "Conv2D valid": model(img, "  Conv2D(16, 3, activation='relu')"),
  "Conv2D same": model(img, "  Conv2D(16, 3, padding='same', activation='relu')"),
  "Conv2D strides 2 same": model(img, "  Conv2D(16, 3, strides=2, padding='same')"),
  "Conv2D dilation 2": model(img, "  Conv2D(16, 3, dilation_rate=2)"),
  "Conv2D 1x1": model(img, "  Conv2D(16, 1)"),
  "Conv2D tanh": model(img, "  Conv2D(16, 3, activation='tanh')"),
  "Conv1D small same (16 steps, 4 filters)": model("(16, 4)", "  Conv1D(4, 3, padding='same')"),
  "Conv1D valid": model(seq, "  Conv1D(32, 5, activation='relu')"),
  "Conv1D same": model(seq, "  Conv1D(32, 5, padding='same')"),
  "Conv1D causal dilation 2": model(seq, "  Conv1D(32, 3, padding='causal', dilation_rate=2)"),
  "Conv1D strides 2": model(seq, "  Conv1D(32, 4, strides=2)"),
  DepthwiseConv2D: model(img, "  DepthwiseConv2D(3, padding='same', activation='relu')"),
  "DepthwiseConv2D dm 2 strides 2": model(img, "  DepthwiseConv2D(3, depth_multiplier=2, strides=2)"),
  SeparableConv2D: model(img, "  SeparableConv2D(16, 3, padding='same', activation='relu')"),
  SeparableConv1D: model(seq, "  SeparableConv1D(32, 5, padding='same')"),
  Conv2DTranspose: model("(14, 14, 8)", "  Conv2DTranspose(8, 3, strides=2, padding='same')"),
  Conv1DTranspose: model("(50, 8)", "  Conv1DTranspose(8, 3, strides=2, padding='same')"),
  "MaxPooling2D 2": model(img, "  Conv2D(16, 1)\n  MaxPooling2D(2)"),
  "MaxPooling2D 3 s2 same": model(img, "  Conv2D(16, 1)\n  MaxPooling2D(3, strides=2, padding='same')"),
  "AveragePooling2D 2": model(img, "  Conv2D(16, 1)\n  AveragePooling2D(2)"),
  "AveragePooling2D 3 same": model(img, "  Conv2D(16, 1)\n  AveragePooling2D(3, strides=1, padding='same')"),
  "MaxPooling1D 2": model(seq, "  Conv1D(32, 1)\n  MaxPooling1D(2)"),
  "AveragePooling1D 3 same": model(seq, "  Conv1D(32, 1)\n  AveragePooling1D(3, padding='same')"),
  GlobalAveragePooling2D: model(img, "  Conv2D(16, 1)\n  GlobalAveragePooling2D()", "  Dense(4)"),
  GlobalMaxPooling2D: model(img, "  Conv2D(16, 1)\n  GlobalMaxPooling2D()", "  Dense(4)"),
  GlobalAveragePooling1D: model(seq, "  Conv1D(32, 1)\n  GlobalAveragePooling1D()", "  Dense(4)"),
  GlobalMaxPooling1D: model(seq, "  Conv1D(32, 1)\n  GlobalMaxPooling1D()", "  Dense(4)"),
  "GlobalAveragePooling1D masked (Embedding mask_zero)": model(ids, "  Embedding(1000, 32, mask_zero=True)\n  GlobalAveragePooling1D()", "  Dense(4)"),
  "GlobalAveragePooling1D masked (Masking)": model(seq, "  Masking()\n  GlobalAveragePooling1D()", "  Dense(4)"),
  "Embedding + GlobalAveragePooling1D": model(ids, "  Embedding(1000, 32)\n  GlobalAveragePooling1D()", "  Dense(4)"),
  UpSampling2D: model("(14, 14, 8)", "  UpSampling2D(2)"),
  ZeroPadding2D: model(img, "  ZeroPadding2D(2)"),
  Dense: model("(784,)", "  Dense(128, activation='relu')", "  Dense(4)"),
  "BatchNormalization after Conv2D": model(img, "  Conv2D(16, 3)\n  BatchNormalization()"),
  "BatchNormalization after Dense": model("(784,)", "  Dense(128)\n  BatchNormalization()", "  Dense(4)"),
  LayerNormalization: model("(784,)", "  Dense(128)\n  LayerNormalization()", "  Dense(4)"),
  Dropout: model("(784,)", "  Dense(128)\n  Dropout(0.5)", "  Dense(4)"),
  LSTM: model(seq, "  LSTM(32)", "  Dense(4)"),
  GRU: model(seq, "  GRU(32)", "  Dense(4)"),
  SimpleRNN: model(seq, "  SimpleRNN(32)", "  Dense(4)"),
};

/** The calls under test in a case's model (see COVERAGE_CASES). */
export const underTest = (source: string, rows: readonly LayerUse[]): readonly LayerUse[] => rows.slice(source.includes(`Input(shape=${ids})`) ? 0 : 1, -1);
