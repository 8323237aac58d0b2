/**
 * Every convolution kind natively, forward and both gradients: pointwise
 * (1×1, in place of im2col), transposed
 * (1D, 2D; valid/same, strides, dilation, output_padding), depthwise
 * (depth_multiplier 1 and >1, padding, strides, dilation), separable (1D,
 * 2D) and pooling with padding. Float64 models: the native kernels named in
 * the generated code run, and the loss and exact gradients equal the
 * interpreter's (1e-10; summation order is the only difference). Float32
 * models: predictions and a training step agree with the interpreter and
 * with their own TypeScript fallback (`wasm: false`).
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { Rng } from "../src/runtime/random.js";
import { flat, generated, interpreted, maxRelError, randomArray, randomTargets } from "./helpers/models.js";
import { expectSameGradients } from "./helpers/gradients.js";

interface Case {
  readonly source: string;
  /** Native kernels the generated code must call. */
  readonly kernels: readonly string[];
  /** Kernels it must not have. */
  readonly absent?: readonly string[];
}

const model = (body: string, dtype = "float64") => `model N(seed=5, dtype=${dtype}) {
${body}
  Flatten()
  Dense(3)
  compile(optimizer=SGD(learning_rate=0.1), loss='mse')
}
`;

const CASES: Record<string, Case> = {
  transposed2d: {
    source: model(`  Input(shape=(4, 4, 4))
  Conv2DTranspose(8, 3, strides=2, padding='same', activation='tanh')
  Conv2DTranspose(6, (2, 3), padding='valid', output_padding=(0, 1), strides=(1, 2))
  Conv2DTranspose(4, 3, dilation_rate=2, padding='same', use_bias=False)`),
    // (bias, bias gradient and the input gradient's zero fill: elementwise loops, native too)
    kernels: ["conv2d_transpose_kernel_grad", "conv2d_transpose_1_dz_cols", "conv2d_transpose_2_kernel_grad", "conv2d_transpose_1_bias", "conv2d_transpose_bias_grad", "conv2d_transpose_1_input_grad_zero"],
  },
  transposed1d: {
    source: model(`  Input(shape=(24, 6))
  Conv1DTranspose(8, 4, strides=3, padding='valid', activation='relu')
  Conv1DTranspose(5, 3, padding='same')`),
    kernels: ["conv1d_transpose_kernel_grad", "conv1d_transpose_1_dz_cols"],
  },
  depthwise: {
    source: model(`  Input(shape=(9, 8, 3))
  DepthwiseConv2D(3, padding='same', activation='relu')
  DepthwiseConv2D((2, 3), depth_multiplier=3, strides=(2, 1), use_bias=False)
  DepthwiseConv2D(2, depth_multiplier=2, dilation_rate=2, padding='same', activation='tanh')`),
    kernels: ["depthwise_conv2d_depthwise", "depthwise_conv2d_depthwise_kernel_grad", "depthwise_conv2d_1_depthwise_input_grad", "depthwise_conv2d_2_depthwise", "depthwise_conv2d_bias_grad"],
  },
  separable: {
    source: model(`  Input(shape=(10, 9, 4))
  SeparableConv2D(8, 3, padding='same', depth_multiplier=2, activation='relu')
  SeparableConv2D(6, (3, 2), strides=(2, 2))`),
    kernels: ["separable_conv2d_depthwise", "separable_conv2d_depthwise_kernel_grad", "separable_conv2d_1_depthwise_input_grad", "separable_conv2d_bias_grad"],
  },
  separable1d: {
    source: model(`  Input(shape=(30, 5))
  SeparableConv1D(8, 5, padding='same', dilation_rate=2, activation='relu')
  SeparableConv1D(6, 3, strides=2, depth_multiplier=3)`),
    kernels: ["separable_conv1d_depthwise", "separable_conv1d_1_depthwise_input_grad"],
  },
  globalAverage: {
    source: model(`  Input(shape=(9, 7, 3))
  Conv2D(16, 1)
  GlobalAveragePooling2D(keepdims=True)`),
    kernels: ["global_average_pooling2d_pool", "global_average_pooling2d_pool_grad"],
  },
  globalMax: {
    source: model(`  Input(shape=(9, 7, 3))
  Conv2D(16, 1)
  GlobalMaxPooling2D(keepdims=True)`),
    kernels: ["global_max_pooling2d_pool", "global_max_pooling2d_pool_grad"],
  },
  globalMax1d: {
    source: model(`  Input(shape=(40, 6))
  Conv1D(12, 3, padding='same', activation='relu')
  GlobalMaxPooling1D(keepdims=True)`),
    kernels: ["global_max_pooling1d_pool", "global_max_pooling1d_pool_grad"],
  },
  timeDistributed: {
    // the window kernels see batch × steps samples
    source: model(`  Input(shape=(3, 8, 8, 4))
  TimeDistributed(Conv2D(8, 3, padding='same', activation='relu'))
  TimeDistributed(MaxPooling2D(2))
  TimeDistributed(DepthwiseConv2D(3, padding='same'))
  TimeDistributed(AveragePooling2D(2, padding='same'))`),
    kernels: ["time_distributed_im2col", "time_distributed_1_pool_grad", "time_distributed_2_depthwise_input_grad", "time_distributed_2_depthwise_kernel_grad"],
  },
  pointwise: {
    // 1×1 convolutions read x and write dx in place (no im2col, no col2im): from the model input, in the middle, one input channel
    source: model(`  Input(shape=(9, 8, 6))
  Conv2D(16, 1, activation='relu')
  Conv2D(12, (1, 1), dilation_rate=2)
  Conv2D(1, 3, padding='same')
  Conv2D(64, 1, activation='tanh')`),
    kernels: ["conv2d_forward", "conv2d_kernel_grad", "conv2d_1_forward", "conv2d_1_input_grad", "conv2d_3_forward", "conv2d_3_kernel_grad", "conv2d_3_input_grad"],
    absent: ["conv2d_im2col", "conv2d_1_im2col", "conv2d_1_col2im", "conv2d_3_im2col", "conv2d_3_col2im"],
  },
  pooling: {
    source: model(`  Input(shape=(9, 7, 3))
  Conv2D(6, 1)
  AveragePooling2D(3, strides=2, padding='same')
  MaxPooling2D(2, strides=1, padding='same')
  AveragePooling2D(2)`),
    kernels: ["average_pooling2d_pool", "average_pooling2d_pool_grad", "max_pooling2d_pool", "max_pooling2d_pool_grad"],
  },
};

describe("every convolution kind runs natively", () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: native kernels run and float64 gradients equal the interpreter's`, async () => {
      const r = await compile(c.source);
      for (const k of c.kernels) expect(r.code).toContain(`k.${k}(`);
      for (const k of c.absent ?? []) expect(r.code).not.toContain(`k.${k}(`);
      const G = (await generated(c.source))["N"]!;
      expect(new G().usesWasm).toBe(true);
      expectSameGradients(G, interpreted(c.source)["N"]!, 5, new Rng(name.length), 3);
    });
  }

  it("float32 models agree with the interpreter and with their TypeScript fallback", async () => {
    // (transposed2d, the slowest to compile, only in float64 above)
    for (const c of Object.entries(CASES).filter(([name]) => name !== "transposed2d").map(([, c]) => c)) {
      const source = c.source.replace("dtype=float64", "dtype=float32");
      const G = (await generated(source))["N"]!;
      const I = interpreted(source)["N"]!;
      const [native, loops, ref] = [new G(), new G({ wasm: false }), new I()];
      expect(native.usesWasm).toBe(true);
      const rng = new Rng(3);
      const inSize = G.inputShape.reduce((a, b) => a * b, 1);
      const x = randomArray(rng, 4 * inSize, 1);
      const y = randomTargets(rng, "mse", 4, G.outputShape);
      expect(maxRelError(native.predictBatch(x, 4), ref.predictBatch(x, 4))[0]).toBeLessThan(1e-5);
      expect(maxRelError(native.predictBatch(x, 4), loops.predictBatch(x, 4))[0]).toBeLessThan(1e-5);
      const losses = [native, loops, ref].map((m) => m.trainOnBatch!(x, y, 4));
      expect(Math.abs(losses[0]! - losses[2]!)).toBeLessThan(1e-5 * Math.max(1, losses[2]!));
      expect(maxRelError(flat(native.getWeights()), flat(ref.getWeights()))[0]).toBeLessThan(1e-5);
      expect(maxRelError(flat(loops.getWeights()), flat(ref.getWeights()))[0]).toBeLessThan(1e-5);
    }
  });
});
