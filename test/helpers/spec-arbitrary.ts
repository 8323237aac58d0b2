/**
 * fast-check arbitraries for valid `.nn` specs: random Dense stacks with
 * random activations, initializers, bias flags and (optionally) a training
 * configuration. Used by the cross-backend property tests.
 */
import fc from "fast-check";

export const activations = [
  "linear", "relu", "relu6", "leaky_relu", "sigmoid", "hard_sigmoid", "tanh", "softmax", "log_softmax",
  "elu", "selu", "softplus", "softsign", "silu", "gelu", "mish",
] as const;

const initializers = [
  "zeros", "ones", "Constant(0.3)", "random_normal", "RandomUniform(-0.5, 0.5)", "truncated_normal", "glorot_uniform",
  "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "orthogonal",
  "VarianceScaling(scale=2.0, mode='fan_avg', distribution='uniform')", "RandomNormal(stddev=0.2, seed=7)",
];

export interface DenseSpec {
  readonly source: string;
  readonly inputSize: number;
  readonly outputShape: number[];
  readonly loss: string | null;
  readonly unroll: "auto" | "full" | "loops";
}

const optimizers = ["SGD(learning_rate=0.1)", "SGD(learning_rate=0.05, momentum=0.9)", "SGD(0.05, momentum=0.5, nesterov=True)", "Adam(learning_rate=0.01)", "RMSprop(learning_rate=0.01)", "RMSprop(0.01, momentum=0.5)", "'adam'"];

export const denseSpec: fc.Arbitrary<DenseSpec> = fc
  .record({
    inputSize: fc.integer({ min: 1, max: 8 }),
    layers: fc.array(
      fc.record({
        // widths past 32 push some layers over SMALL_WORK, into the row-streaming schedule
        units: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 16 }) }, { weight: 1, arbitrary: fc.integer({ min: 33, max: 48 }) }),
        activation: fc.constantFrom(...activations),
        useBias: fc.boolean(),
        kernel: fc.constantFrom(...initializers),
        bias: fc.constantFrom(...initializers.filter((i) => !i.startsWith("orthogonal"))),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    training: fc.option(fc.record({ optimizer: fc.constantFrom(...optimizers), loss: fc.constantFrom("mse", "mae", "ce", "sparse", "bce") }), { nil: null }),
    unroll: fc.constantFrom("auto" as const, "full" as const, "loops" as const),
    inputStyle: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1000 }),
  })
  .map(({ inputSize, layers: drawn, training, unroll, inputStyle, seed }) => {
    // fully unrolled wide layers are slow to compile and add nothing the loops form does not cover
    const layers = unroll === "full" ? drawn.map((l) => ({ ...l, units: Math.min(l.units, 16) })) : drawn;
    const lines = layers.map((l, i) => {
      const args = [
        String(l.units),
        `activation='${l.activation}'`,
        `use_bias=${l.useBias ? "True" : "False"}`,
        `kernel_initializer=${l.kernel}`,
        `bias_initializer=${l.bias}`,
      ];
      if (i === 0 && !inputStyle) args.splice(1, 0, `input_shape=(${inputSize},)`);
      return `  Dense(${args.join(", ")})`;
    });
    if (inputStyle) lines.unshift(`  Input(shape=(${inputSize},))`);
    let loss: string | null = null;
    if (training) {
      const last = layers[layers.length - 1]!;
      // pair losses with outputs Keras users would write (no mismatch warnings needed)
      const lossText = { mse: "'mse'", mae: "'mae'", ce: "CategoricalCrossentropy(from_logits=True)", sparse: "SparseCategoricalCrossentropy(from_logits=True)", bce: "BinaryCrossentropy(from_logits=True)" }[training.loss];
      loss = training.loss === "ce" ? "categorical_crossentropy" : training.loss === "sparse" ? "sparse_categorical_crossentropy" : training.loss === "bce" ? "binary_crossentropy" : training.loss;
      // a softmax (sigmoid) output takes the probability form, which the plan fuses into p − y
      let text = lossText;
      if (loss.endsWith("categorical_crossentropy") && last.activation === "softmax") text = `'${loss}'`;
      else if (loss === "binary_crossentropy" && last.activation === "sigmoid") text = "'binary_crossentropy'";
      else if (loss !== "mse" && loss !== "mae" && ["softmax", "sigmoid"].includes(last.activation)) [loss, text] = ["mse", "'mse'"];
      lines.push(`  compile(optimizer=${training.optimizer}, loss=${text})`);
    }
    const source = `model P(seed=${seed}, unroll=${unroll}) {\n${lines.join("\n")}\n}\n`;
    return { source, inputSize, outputShape: [layers[layers.length - 1]!.units], loss, unroll };
  });
