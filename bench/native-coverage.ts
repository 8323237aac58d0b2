/**
 * Which layer kinds and configurations run as native (WebAssembly) kernels
 * and which as TypeScript loops, in float32 models with native kernels, read
 * from the plan and the generated code (test/helpers/native-coverage.ts).
 * Each case is one layer under test between an input and a small Dense head,
 * at the sizes Keras users write (MNIST-like images, 100-step sequences).
 *
 *   node --import tsx bench/native-coverage.ts [filter]
 *
 * Columns: inference forward, training forward, backward; "native a: op"
 * names the kernels called, "loops a: op" the native-capable statements left
 * as loops (below the threshold or not eligible), "TS" other TypeScript work.
 */
import { nativeCoverage, phaseText } from "../test/helpers/native-coverage.js";

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

export const CASES: Record<string, string> = {
  "Conv2D valid": model(img, "  Conv2D(16, 3, activation='relu')"),
  "Conv2D same": model(img, "  Conv2D(16, 3, padding='same', activation='relu')"),
  "Conv2D strides 2 same": model(img, "  Conv2D(16, 3, strides=2, padding='same')"),
  "Conv2D dilation 2": model(img, "  Conv2D(16, 3, dilation_rate=2)"),
  "Conv2D 1x1": model(img, "  Conv2D(16, 1)"),
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

const filter = process.argv[2];
console.log("| case | layer | forward (inference) | forward (training) | backward |\n| --- | --- | --- | --- | --- |");
for (const [name, source] of Object.entries(CASES)) {
  if (filter !== undefined && !name.includes(filter)) continue;
  const rows = await nativeCoverage(source);
  // the head (the last call) is the same Dense everywhere
  for (const r of rows.slice(source.includes(`Input(shape=${ids})`) ? 0 : 1, -1)) {
    if (r.kind === "Flatten") continue;
    console.log(`| ${name} | ${r.label} (${r.kind}) | ${phaseText(r.forward)} | ${phaseText(r.train)} | ${phaseText(r.backward)} |`);
  }
}
