/**
 * What a layer kind is: its Keras argument schema, shape rule, parameters,
 * and forward/backward kernels. One file per layer kind implements this;
 * the registry (registry.ts) lists them all. Layers import the kernel form
 * and the IR types, never a phase or a backend.
 */
import type { Buf } from "../kernel/buffer.js";
import type { ChannelAffine } from "../kernel/affine.js";
import type { Stmt } from "../kernel/expr.js";
import type { ActivationName, AttrValue, Shape } from "../ir/model-ir.js";
import type { InitializerSpec } from "../runtime/spec.js";
import type { DiagnosticCode } from "../diagnostics/catalog.js";
import type { Holes } from "../diagnostics/diagnostic.js";

/** The kinds of value an argument accepts; the checker validates and converts. */
export type ArgType =
  | { readonly t: "int"; readonly min?: number; readonly max?: number }
  | { readonly t: "float"; readonly min?: number; readonly max?: number; readonly exclusiveMin?: boolean }
  | { readonly t: "bool" }
  | { readonly t: "enum"; readonly values: readonly string[] }
  | { readonly t: "string" }
  /** A shape: tuple/list of positive ints; `allowMinusOne` for Reshape; `allowNone`: None entries resolve to 0 ("the input's size", noise_shape). */
  | { readonly t: "shape"; readonly allowMinusOne?: boolean; readonly allowNone?: boolean }
  /** An int or a tuple of `rank` ints (kernel_size=3 ≡ (3, 3)). */
  | { readonly t: "ints"; readonly rank: number; readonly min: number }
  /** An axis or a tuple/list of axes (Keras counting: batch is 0, negatives from the end); resolved by the layer. */
  | { readonly t: "axes" }
  /** A number or a tuple/list of numbers (Normalization's statistics). */
  | { readonly t: "floats" }
  /**
   * Amounts before and after each of `rank` spatial axes (ZeroPadding, Cropping):
   * an int (everywhere), a tuple of `rank` ints (symmetric per axis; for rank 1 a
   * (before, after) pair), or `rank` (before, after) pairs; resolved to
   * [before0, after0, before1, after1, …].
   */
  | { readonly t: "pairs"; readonly rank: number }
  | { readonly t: "activation" }
  | { readonly t: "initializer" }
  /** L1 / L2 / L1L2, as a string or a call. */
  | { readonly t: "regularizer" }
  /** MaxNorm / MinMaxNorm / NonNeg / UnitNorm, as a string or a call. */
  | { readonly t: "constraint" }
  | { readonly t: "nullable"; readonly inner: ArgType }
  /** A layer call (`LSTM(8)`) resolved against its own schema; `recurrent`: only recurrent layers. */
  | { readonly t: "layer"; readonly recurrent?: boolean };

export interface ArgSpec {
  readonly name: string;
  readonly type: ArgType;
  /** Resolved default; `undefined` with `required` means Keras has no default. */
  readonly default?: AttrValue;
  readonly required?: boolean;
  /** May be given by position (in schema order). */
  readonly positional?: boolean;
}

export type Attrs = Readonly<Record<string, AttrValue>>;

export type ShapeResult =
  | { readonly ok: true; readonly shape: Shape }
  | { readonly ok: false; readonly code: DiagnosticCode; readonly holes: Holes };

export interface ParamDecl {
  readonly name: string;
  readonly shape: Shape;
  readonly initializer: InitializerSpec;
  readonly trainable: boolean;
  /** The argument that chose the initializer (`bias_initializer`), for diagnostics. */
  readonly initializerArg?: string;
}

export interface ScratchDecl {
  readonly name: string;
  /** Values per sample. */
  readonly size: number;
  /**
   * Filled with uniform [0, 1) draws from the model's seeded stream before
   * every training forward (dropout masks); kernels stay pure.
   */
  readonly random?: boolean;
  /** With `random`: draw from a stream seeded by this (the layer's own `seed=`) instead of the model's. */
  readonly seed?: number | null;
  /**
   * Kept float64 in a float32 model (and never sharing storage): running
   * sums and the statistics computed from them, which the kernels would
   * otherwise round to float32 at every step.
   */
  readonly wide?: boolean;
}

/** What a kernel is written against; buffer names are resolved by the backend. */
export interface KernelContext {
  readonly attrs: Attrs;
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** Input and output activations, shaped [batch, ...]. */
  readonly x: Buf;
  readonly y: Buf;
  /** Gradients w.r.t. input and output (backward only). */
  readonly dx: Buf;
  readonly dy: Buf;
  /**
   * Every input and its gradient, in call order (merge layers read these;
   * `x`/`dx`/`inShape` are the first). A gradient nobody needs (a model
   * input's) has the empty name.
   */
  readonly xs: readonly Buf[];
  readonly dxs: readonly Buf[];
  readonly inShapes: readonly Shape[];
  /**
   * Every output of the call and its gradient, in output order (`y`/`dy`/`outShape`
   * are the first). A layer with extraOutputs writes the others; an output no
   * one reads has a gradient buffer that stays zero.
   */
  readonly ys: readonly Buf[];
  readonly dys: readonly Buf[];
  readonly outShapes: readonly Shape[];
  /**
   * Keras masking (LayerDef.masking): the mask of this call's input, one 0/1
   * value per timestep ([batch, …input shape without its last axis]), for a
   * layer that reads it; null when the input has none.
   */
  readonly mask: Buf | null;
  /** Every input's mask (null for an unmasked input), for a layer that reads masks or combines them (merges). */
  readonly masks: readonly (Buf | null)[];
  /** Where a layer that makes a mask (Embedding(mask_zero=True), Masking) writes it; null otherwise. */
  readonly maskOut: Buf | null;
  /** Whether the backward kernel must produce dx (false when the input is a model input); for merges, any of dxs. */
  readonly needInputGrad: boolean;
  /**
   * This kernel runs in training mode: forward uses batch statistics and
   * dropout and keeps what backward needs. Backward kernels always see true.
   */
  readonly training: boolean;
  /** The model has a backward pass: forward (in either mode) keeps what backward needs. */
  readonly modelTrains: boolean;
  /**
   * Backward only: `dy` already holds dLoss/d(pre-activation) — the loss was
   * fused with this layer's softmax/sigmoid into p − y — so the activation's
   * own backward must be skipped.
   */
  readonly outputGradIsPreActivation: boolean;
  param(name: string): Buf;
  grad(name: string): Buf;
  scratch(name: string): Buf;
}

export interface LayerDef {
  /** Keras class name, the statement keyword: `Dense`. */
  readonly kind: string;
  /**
   * One line saying what the layer computes, for editors (hover, completion);
   * they add the Keras defaults from `args`.
   */
  readonly description: string;
  /** Keras default name stem: `dense` → dense, dense_1, ... */
  readonly defaultName: string;
  /** A recurrent layer (SimpleRNN, LSTM, GRU): what Bidirectional accepts. */
  readonly recurrent?: boolean;
  readonly args: readonly ArgSpec[];
  /** Accepted input ranks (without batch); undefined: any. */
  readonly inputRank?: { readonly min: number; readonly max: number; readonly describe: string };
  outputShape(attrs: Attrs, input: Shape): ShapeResult;
  /**
   * Merge layers (Add, Concatenate, ...) are called on a list of tensors:
   * their shape rule sees every input shape (`outputShape` then gets the
   * first one and is not used by the checker).
   */
  readonly merge?: { readonly minInputs: number; readonly maxInputs?: number; outputShape(attrs: Attrs, inputs: readonly Shape[]): ShapeResult };
  params(attrs: Attrs, input: Shape): ParamDecl[];
  /**
   * A call returns further tensors after its output (a recurrent layer's
   * `return_state=True`: its final states): their shapes. Only a functional
   * model can bind them (`seq, h, c = LSTM(…)(x)`); the kernels write them to
   * `ys[1…]` and read their gradients from `dys[1…]`.
   */
  extraOutputs?(attrs: Attrs, input: Shape): Shape[];
  /**
   * A call may take further tensors by keyword (a recurrent layer's
   * `initial_state=[h, c]`): the keyword and the shapes it takes, in order.
   * When given they are the call's inputs after the first (`xs[1…]`, `dxs[1…]`).
   */
  readonly extraInputs?: { readonly keyword: string; shapes(attrs: Attrs, input: Shape): Shape[] };
  /**
   * Keras 3 masking. A layer that `makes` a mask computes one for its output
   * (ctx.maskOut); one that `reads` it gets its input's mask (ctx.mask); the
   * output carries the input's mask on when `keeps` (Keras `supports_masking`
   * with the default compute_mask, or an RNN with return_sequences). Any other
   * layer drops a mask, as Keras does (with a warning) unless it `ignores`
   * it as Keras's Dot; `combines`: a merge's mask from its inputs' masks;
   * `refuses`: a mask cannot go there (an error saying why).
   */
  readonly masking?: {
    readonly reads?: boolean;
    keeps?(attrs: Attrs): boolean;
    /** How many of the call's extra outputs (in order) also carry the kept mask (Bidirectional merge_mode=None: the backward output). */
    keepsExtra?(attrs: Attrs): number;
    makes?(attrs: Attrs): boolean;
    /**
     * A merge that combines its inputs' masks (Keras's merge compute_mask): it
     * reads them as ctx.masks and, when this returns true for which inputs are
     * masked, writes the output's mask to ctx.maskOut; false: the output has
     * no mask; null: layerc does not implement this combination (an error).
     */
    combines?(attrs: Attrs, inShapes: readonly Shape[], masked: readonly boolean[]): boolean | null;
    /** Keras `supports_masking` with compute_mask None (Dot): takes a mask without a warning, the output has none. */
    readonly ignores?: boolean;
    /** A mask into this layer is an error; the text says why (Keras fails there too, or layerc does not implement it). */
    readonly refuses?: string;
  };
  /**
   * The output is the input's memory under another shape (Flatten, Reshape):
   * the plan makes both share one buffer and runs no kernel, except for the
   * model's last layer, whose output must be its own buffer.
   */
  readonly aliasesInput?: boolean;
  /**
   * The layer reads its input as token ids: integers in [0, returned value).
   * Such a layer must read the model input, which the runtime validates
   * before any kernel runs (so a bad id changes no state).
   */
  tokenIds?(attrs: Attrs): number;
  /** Per-sample scratch buffers; `training`: the model has a backward pass; `inputs`: every input shape (merge layers). */
  scratch?(attrs: Attrs, input: Shape, output: Shape, training: boolean, inputs?: readonly Shape[]): ScratchDecl[];
  forward(ctx: KernelContext): Stmt[];
  /** Accumulates parameter gradients and writes dx (when needInputGrad). */
  backward(ctx: KernelContext): Stmt[];
  /** The output activation applied by this layer, if any (for loss checks). */
  outputActivation?(attrs: Attrs): ActivationName | undefined;
  /**
   * The buffer that holds this layer's pre-activation values after any
   * forward of a training model. Declaring it lets the plan fuse a final
   * softmax/sigmoid with crossentropy (the layer must then honour
   * `outputGradIsPreActivation` in backward).
   */
  preActivation?(ctx: KernelContext): Buf;
  /**
   * At inference the layer is a per-channel affine map over the last axis
   * (y = x·scale + shift; BatchNormalization with its moving statistics),
   * stated once: its inference forward applies it (affineForward), and the
   * plan may fold it into the epilogue of the product that makes its input
   * (foldAffine, src/kernel/affine.ts).
   */
  inferenceAffine?(ctx: KernelContext): ChannelAffine;
  /**
   * At inference the layer is this elementwise activation of its input
   * (Activation('relu'), ReLU()): the plan may fold it into the epilogue of
   * the product that makes its input (foldRelu, src/kernel/affine.ts; relu
   * only, the one activation the product kernels apply).
   */
  inferenceElementwise?(attrs: Attrs): ActivationName | undefined;
}

/** A layer definition as a family builder (convLayer, poolLayer, …) makes it, before its description. */
export type LayerBody = Omit<LayerDef, "description">;

/** The registered definition: a family builder's result with its one-line description. */
export const described = (def: LayerBody, description: string): LayerDef => ({ ...def, description });

export const prod = (s: Shape): number => s.reduce((a, b) => a * b, 1);
