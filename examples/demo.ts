/**
 * `npm run demo`: the story of bias in Keras, told with layerc-generated
 * code. Run after `layerc build examples` (the npm script does both).
 */
import { Seed } from "./seed.nn.js";
import { NoHiddenBias, OnesBias, SeedTrainable } from "./bias.nn.js";

interface Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * Formats numbers as NumPy prints an array (its default `floatmode='maxprec'`,
 * precision 8): each value with as few fraction digits as it needs (at most
 * 8), `1.` for whole numbers, all padded to one width so the points line up:
 * `[0.5       , 0.12345679, 1.        ]`.
 */
export function numpyFormat(values: ArrayLike<number>, precision = 8): string[] {
  const shortest = Array.from(values, (v) => {
    const s = v.toFixed(precision).replace(/0+$/, "");
    return s === "-0." ? "0." : s;
  });
  const frac = Math.max(...shortest.map((s) => s.length - s.indexOf(".") - 1));
  const int = Math.max(...shortest.map((s) => s.indexOf(".")));
  return shortest.map((s) => s.padStart(s.length + int - s.indexOf(".")).padEnd(int + 1 + frac));
}

/** Prints a weight the way numpy shows it in Keras's `model.get_weights()`. */
function numpy(t: Tensor): string {
  const all = numpyFormat(t.data);
  let k = 0;
  const row = (vals: Float32Array) => `[${Array.from(vals, () => all[k++]).join(", ")}]`;
  if (t.shape.length === 1) return `array(${row(t.data)}, dtype=float32)`;
  const cols = t.shape[1]!;
  const rows = Array.from({ length: t.shape[0]! }, (_, r) => row(t.data.subarray(r * cols, (r + 1) * cols)));
  return `array([${rows.join(",\n       ")}], dtype=float32)`;
}

function show(title: string, model: { getWeights(): Tensor[]; countParams(): number }): void {
  console.log(`\n== ${title}`);
  for (const w of model.getWeights()) console.log(`${w.name.padEnd(16)} shape [${w.shape.join(",")}]\n  ${numpy(w)}`);
  console.log(`params: ${model.countParams()}`);
}

console.log("layerc demo: Initializing and accessing bias with Keras, compiled to TypeScript.");
console.log("Spec: Dense(4, input_shape=(1,), activation='relu', use_bias=True, bias_initializer='zeros'), Dense(2, activation='softmax')");

const seed = new Seed({ seed: 42 });
console.log(`\n${seed.summary()}`);
show("model.getWeights(): kernels are glorot_uniform, biases start at zero", seed);
console.log(`predict([0.5]) = array([${numpyFormat(seed.predict([0.5])).join(", ")}], dtype=float32)`);

show("use_bias=False on the hidden layer: no bias array at all, 4 fewer params", new NoHiddenBias({ seed: 42 }));
show("bias_initializer='ones' on the hidden layer", new OnesBias({ seed: 42 }));

// A toy problem: class 1 when x > 0, else class 0.
const xs: number[] = [];
const ys: number[] = [];
for (let i = 0; i < 64; i++) {
  const x = -1 + (2 * i) / 63;
  xs.push(x);
  ys.push(x > 0 ? 0 : 1, x > 0 ? 1 : 0);
}
const trainable = new SeedTrainable();
show("before training (seed=42)", trainable);
console.log("\nfit(x, y, { epochs: 20, batchSize: 16 }) with Adam(0.05) and categorical_crossentropy:");
trainable.fit(xs, ys, {
  epochs: 20,
  batchSize: 16,
  onEpochEnd: (epoch, logs) => console.log(`  epoch ${String(epoch + 1).padStart(2)}  loss ${logs.loss.toFixed(4)}  accuracy ${logs.accuracy!.toFixed(3)}`),
});
show("after training: the biases have moved away from zero", trainable);
