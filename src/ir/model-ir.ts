/**
 * ModelIR: the output of check and the input of both backends (interpreter
 * and emitter). Plain, JSON-serialisable, versioned data. If check reports
 * no error the IR is complete and consistent; later phases may assume so.
 * Shapes never include the batch dimension.
 */
import type { ConstraintSpec, InitializerSpec, LossSpec, MetricSpec, OptimizerSpec, RegularizerSpec } from "../runtime/spec.js";

/** 2: the model is a graph (tensors, nodes, inputs, outputs); 1 was a layer list. */
export const IR_VERSION = 2;

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

/**
 * One layer after checking: resolved attributes, shapes and parameters.
 * A layer owns its weights; it may be called several times (a shared
 * layer), each call being one NodeIR. `inputShape`/`outputShape` are those
 * of its first call.
 */
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

/** One tensor of the graph: a model input or the output of one layer call. */
export interface TensorIR {
  /** The input's name, or the name of the layer whose call produced it. */
  readonly name: string;
  readonly shape: Shape;
  /** The spec variable it was last bound to (`h` in `h = Dense(8)(x)`); absent in a Sequential model. */
  readonly variable?: string;
  /** 1-based line of the statement that produced it. */
  readonly line: number;
  /**
   * Keras masking: the tensor holding this tensor's mask (one 0/1 value per
   * timestep, the shape without the last axis), made by an
   * `Embedding(mask_zero=True)` or `Masking` call and carried on by layers
   * that keep masks; absent when it has none.
   */
  readonly mask?: number;
}

/** One call of a layer on tensors: a node of the graph. */
export interface NodeIR {
  /** Index into ModelIR.layers. */
  readonly layer: number;
  /** Tensor ids (indices into ModelIR.tensors), in call order; merge layers take several. */
  readonly inputs: readonly number[];
  /** Tensor id of the result (the first one when the call returns several). */
  readonly output: number;
  /** Tensor ids of the call's further results (LayerDef.extraOutputs: a recurrent layer's states); absent when none. */
  readonly extraOutputs?: readonly number[];
  /** The mask tensor this call makes (LayerDef.masking.makes); absent when none. */
  readonly maskOutput?: number;
  /** 1-based line of the call in the spec. */
  readonly line: number;
}

/** A model input (a Keras InputLayer). */
export interface InputIR {
  /** Keras name: the `name=` given to Input, else `input_layer`, `input_layer_1`, ... */
  readonly name: string;
  /** Tensor id. */
  readonly tensor: number;
}

export interface TrainingIR {
  /** The loss (of the first output, when there are several). */
  readonly loss: LossSpec;
  readonly optimizer: OptimizerSpec;
  /** The metrics (of the first output, when there are several). */
  readonly metrics: readonly MetricSpec[];
  /**
   * With several model outputs: each output's loss, loss weight and
   * metrics, in output order (Keras: total loss = Σ weight·loss).
   */
  readonly outputs?: readonly OutputTrainingIR[];
}

export interface OutputTrainingIR {
  readonly loss: LossSpec;
  readonly weight: number;
  readonly metrics: readonly MetricSpec[];
}

/** One checked model: plain, JSON-serialisable data that the backends consume. */
export interface ModelIR {
  readonly name: string;
  readonly seed: number | null;
  readonly dtype: "float32" | "float64";
  readonly unroll: "auto" | "full" | "loops";
  /** Shape of the first input and of the first output (the only ones of a Sequential model). */
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /**
   * Written as a functional graph (`y = Layer(...)(x)`) rather than a
   * Sequential stack; it decides the summary layout, nothing else.
   */
  readonly functional: boolean;
  /**
   * Layers in Keras `model.layers` order (which is also the order of
   * `model.weights`); an `Input` produces no layer. A Sequential model's
   * layers are its statements in order.
   */
  readonly layers: readonly LayerIR[];
  /** Every tensor of the graph; ids are indices. */
  readonly tensors: readonly TensorIR[];
  /** Layer calls in a topological order (each node after the producers of its inputs). */
  readonly nodes: readonly NodeIR[];
  /** Model inputs in `Model(inputs=[…])` order. */
  readonly inputs: readonly InputIR[];
  /** Tensor ids of the model outputs in `Model(outputs=[…])` order. */
  readonly outputs: readonly number[];
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
