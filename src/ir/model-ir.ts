/**
 * ModelIR: the output of check and the input of both backends (interpreter
 * and emitter). Plain, JSON-serialisable, versioned data. If check reports
 * no error the IR is complete and consistent; later phases may assume so.
 * Shapes never include the batch dimension.
 */
import type { ConstraintSpec, InitializerSpec, LossSpec, MetricSpec, OptimizerSpec, RegularizerSpec } from "../runtime/spec.js";

export const IR_VERSION = 1;

export type Shape = readonly number[];

export type ActivationName =
  | "linear"
  | "relu"
  | "relu6"
  | "leaky_relu"
  | "sigmoid"
  | "hard_sigmoid"
  | "tanh"
  | "softmax"
  | "log_softmax"
  | "elu"
  | "selu"
  | "softplus"
  | "softsign"
  | "silu"
  | "gelu"
  | "mish"
  | "exponential";

/** Resolved attribute values of a layer (after defaults and validation). */
export type AttrValue =
  | number
  | boolean
  | string
  | null
  | readonly number[]
  | InitializerSpec
  | RegularizerSpec
  | ConstraintSpec
  | LayerAttr;

/** A layer given as an argument of a wrapper (`Bidirectional(LSTM(8))`): its kind and resolved attributes. */
export interface LayerAttr {
  readonly layer: string;
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** One weight tensor of a layer, in Keras `get_weights()` order. */
export interface ParamIR {
  /** Keras weight name: `kernel`, `bias`, `gamma`, `moving_mean`, ... */
  readonly name: string;
  readonly shape: Shape;
  readonly initializer: InitializerSpec;
  readonly trainable: boolean;
  /** `<weight>_regularizer=` of its layer (kernel_regularizer, bias_regularizer), when given. */
  readonly regularizer?: RegularizerSpec;
  /** `<weight>_constraint=` of its layer, when given. */
  readonly constraint?: ConstraintSpec;
  /** Offset of this tensor in the model's flat parameter array. */
  readonly offset: number;
  readonly size: number;
}

/** One layer after checking: resolved attributes, shapes and parameters. */
export interface LayerIR {
  /** Registry key, the Keras class name: `Dense`, `Conv2D`, ... */
  readonly kind: string;
  /** Keras layer name: `dense`, `dense_1`, or the user's `name=`. */
  readonly name: string;
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly params: readonly ParamIR[];
  /** 1-based line of the statement in the spec, for comments in generated code. */
  readonly line: number;
}

export interface TrainingIR {
  readonly loss: LossSpec;
  readonly optimizer: OptimizerSpec;
  readonly metrics: readonly MetricSpec[];
}

/** One checked model: plain, JSON-serialisable data that the backends consume. */
export interface ModelIR {
  readonly name: string;
  readonly seed: number | null;
  readonly dtype: "float32" | "float64";
  readonly unroll: "auto" | "full" | "loops";
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** Layers in order; an `Input` statement produces no layer. */
  readonly layers: readonly LayerIR[];
  /** Total length of the flat parameter array. */
  readonly paramCount: number;
  readonly training: TrainingIR | null;
}

/** The checked models of one spec file (versioned: `version` is IR_VERSION). */
export interface ProgramIR {
  readonly version: typeof IR_VERSION;
  readonly fileName: string;
  readonly models: readonly ModelIR[];
}
