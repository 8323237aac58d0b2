/**
 * fast-check arbitraries for valid specs over every layer kind: small
 * spatial models (Conv1D/Conv2D with padding, strides or dilation, max and
 * average pooling, BatchNormalization, Dropout, Activation, Reshape,
 * Flatten, global pooling) ending in Dense, with a random loss and
 * optimizer and a random unroll style. Shapes are tracked so every spec
 * checks without errors.
 */
import fc from "fast-check";

export interface LayerSpec {
  readonly source: string;
  readonly inShape: number[];
  readonly outShape: number[];
  readonly loss: string;
}

const acts = ["relu", "tanh", "sigmoid", "elu", "gelu", "softplus", "linear", "leaky_relu", "silu"] as const;

type Step = (shape: number[]) => { line: string; shape: number[] } | null;

const convOut = (l: number, k: number, s: number, d: number, padding: string) =>
  padding === "valid" ? Math.floor((l - (d * (k - 1) + 1)) / s) + 1 : Math.ceil(l / s);

const conv2d = (f: number, k: number, strided: boolean, padding: "valid" | "same", act: string, bias: boolean): Step => (sh) => {
  const [h, w] = sh as [number, number, number];
  const s = strided ? 2 : 1;
  const d = strided ? 1 : k > 1 ? 1 + (f % 2) : 1;
  const oh = convOut(h, k, s, d, padding);
  const ow = convOut(w, k, s, d, padding);
  if (sh.length !== 3 || oh < 1 || ow < 1) return null;
  const extra = strided ? "strides=2" : `dilation_rate=${d}`;
  return { line: `Conv2D(${f}, ${k}, ${extra}, padding='${padding}', activation='${act}', use_bias=${bias ? "True" : "False"})`, shape: [oh, ow, f] };
};

const conv1d = (f: number, k: number, strided: boolean, padding: "valid" | "same" | "causal", act: string, bias: boolean): Step => (sh) => {
  const [l] = sh as [number, number];
  const s = strided ? 2 : 1;
  const d = strided ? 1 : 2;
  const o = convOut(l, k, s, d, padding === "causal" ? "same" : padding);
  if (sh.length !== 2 || o < 1) return null;
  const extra = strided ? "strides=2" : `dilation_rate=${d}`;
  return { line: `Conv1D(${f}, ${k}, ${extra}, padding='${padding}', activation='${act}', use_bias=${bias ? "True" : "False"})`, shape: [o, f] };
};

const pool = (kind: "Max" | "Average", p: number, padding: "valid" | "same"): Step => (sh) => {
  const spatial = sh.length - 1;
  if (spatial < 1 || spatial > 2) return null;
  const outs = sh.slice(0, -1).map((l) => convOut(l, p, p, 1, padding));
  if (outs.some((o) => o < 1)) return null;
  return { line: `${kind}Pooling${spatial}D(${p}, padding='${padding}')`, shape: [...outs, sh[sh.length - 1]!] };
};

const simple = (line: string): Step => (sh) => ({ line, shape: sh });
const batchNorm = (center: boolean, scale: boolean): Step => simple(`BatchNormalization(center=${center ? "True" : "False"}, scale=${scale ? "True" : "False"}, momentum=0.9)`);

const stepArb = (rank: 1 | 2): fc.Arbitrary<Step> =>
  fc.oneof(
    rank === 2
      ? fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.constantFrom("valid" as const, "same" as const), fc.constantFrom(...acts), fc.boolean()).map((a) => conv2d(...a))
      : fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.constantFrom("valid" as const, "same" as const, "causal" as const), fc.constantFrom(...acts), fc.boolean()).map((a) => conv1d(...a)),
    fc.tuple(fc.constantFrom("Max" as const, "Average" as const), fc.integer({ min: 2, max: 3 }), fc.constantFrom("valid" as const, "same" as const)).map((a) => pool(...a)),
    fc.tuple(fc.boolean(), fc.boolean()).map(([c, s]) => batchNorm(c, s)),
    fc.constantFrom(0, 0.25).map((r) => simple(`Dropout(${r})`)),
    fc.constantFrom(...acts).map((a) => simple(`Activation('${a}')`)),
  );

const heads = (shape: number[]): string[] =>
  shape.length === 3 ? ["Flatten()", "GlobalAveragePooling2D()", "GlobalMaxPooling2D()"] : ["Flatten()"];

export const layerSpec: fc.Arbitrary<LayerSpec & { unroll: string }> = fc
  .record({
    rank: fc.constantFrom(1 as const, 2 as const),
    size: fc.integer({ min: 3, max: 6 }),
    channels: fc.integer({ min: 1, max: 2 }),
    steps: fc.array(fc.constant(null), { minLength: 1, maxLength: 3 }).chain((a) => fc.tuple(...a.map(() => stepArb(1)))),
    steps2: fc.array(fc.constant(null), { minLength: 1, maxLength: 3 }).chain((a) => fc.tuple(...a.map(() => stepArb(2)))),
    head: fc.nat(),
    units: fc.integer({ min: 2, max: 4 }),
    reshape: fc.boolean(),
    loss: fc.constantFrom("mse", "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy"),
    optimizer: fc.constantFrom("SGD(learning_rate=0.05)", "SGD(learning_rate=0.05, momentum=0.9)", "Adam(learning_rate=0.01)", "RMSprop(learning_rate=0.01)"),
    unroll: fc.constantFrom("auto", "loops", "full"),
    seed: fc.integer({ min: 0, max: 999 }),
  })
  .map((r) => {
    let shape = r.rank === 1 ? [r.size + 2, r.channels] : [r.size, r.size, r.channels];
    const inShape = [...shape];
    const lines: string[] = [];
    for (const step of r.rank === 1 ? r.steps : r.steps2) {
      const out = step(shape);
      if (out) {
        lines.push(out.line);
        shape = out.shape;
      }
    }
    const options = heads(shape);
    lines.push(options[r.head % options.length]!);
    const flat = shape.length === 3 && options[r.head % options.length]!.startsWith("Global") ? shape[2]! : shape.reduce((a, b) => a * b, 1);
    if (r.reshape && flat % 2 === 0) lines.push(`Reshape((2, -1))`, "Flatten()");
    const act = r.loss === "mse" ? "linear" : r.loss === "binary_crossentropy" ? "sigmoid" : "softmax";
    lines.push(`Dense(${r.units}, activation='${act}')`);
    const source = `model L(seed=${r.seed}, unroll=${r.unroll}) {\n  Input(shape=(${inShape.join(", ")},))\n${lines.map((l) => `  ${l}`).join("\n")}\n  compile(optimizer=${r.optimizer}, loss='${r.loss}')\n}\n`;
    return { source, inShape, outShape: [r.units], loss: r.loss, unroll: r.unroll };
  });
