/**
 * The `.nn` abstract syntax tree: the boundary between parse and check.
 * Every node is readonly and carries a source span; nothing mutates the tree
 * after parsing (later phases keep side tables). Recovered (incomplete)
 * nodes are still well-formed: a missing name is an Ident with `missing`.
 */
import type { Span } from "../../source.js";

export interface Ident {
  readonly kind: "Ident";
  readonly name: string;
  readonly span: Span;
  /** True when the parser inserted this name during error recovery. */
  readonly missing?: boolean;
}

export interface NumberLit {
  readonly kind: "Number";
  readonly value: number;
  /** The text as written (`1e-3`, `-2.5`, `1./255`), for fmt and messages. */
  readonly raw: string;
  /** An integer as Python types it: `4`, `-2`, `28 * 28` (not `1.`, `1e3` or any `/`). */
  readonly isInteger: boolean;
  readonly span: Span;
}

export interface StringLit {
  readonly kind: "String";
  readonly value: string;
  readonly raw: string;
  readonly span: Span;
}

export interface BoolLit {
  readonly kind: "Bool";
  readonly value: boolean;
  readonly raw: string;
  readonly span: Span;
}

export interface NoneLit {
  readonly kind: "None";
  readonly raw: string;
  readonly span: Span;
}

/** A bare identifier used as a value: `relu`, `he_normal`, `tf.nn.relu`. */
export interface NameRef {
  readonly kind: "Name";
  readonly name: string;
  /** The dotted prefix as written (`tf`, `nn` of `tf.nn.relu`); absent when none. */
  readonly qualifier?: readonly Ident[];
  readonly span: Span;
}

export interface TupleNode {
  readonly kind: "Tuple";
  readonly items: readonly ValueNode[];
  readonly span: Span;
}

export interface ListNode {
  readonly kind: "List";
  readonly items: readonly ValueNode[];
  readonly span: Span;
}

/** `Name(args)` or a bare `Name` statement; `layers.Dense(4)` and `model.add(…)` carry a qualifier. */
export interface CallNode {
  readonly kind: "Call";
  /** The last name: `Dense` of `tf.keras.layers.Dense`. */
  readonly callee: Ident;
  /** The dotted prefix as written (`tf`, `keras`, `layers`); absent when none. */
  readonly qualifier?: readonly Ident[];
  readonly args: readonly ArgNode[];
  /** False for a bare `Flatten` statement written without parentheses. */
  readonly hasParens: boolean;
  readonly span: Span;
}

/** Calling a layer on tensors: `(x)` or `([a, b])` after a layer constructor. */
export interface ApplyNode {
  readonly kind: "Apply";
  readonly args: readonly ArgNode[];
  readonly span: Span;
}

/**
 * A layer call on tensors nested in a value, as Python allows anywhere:
 * `Dense(4)(x)` in `Add()([Dense(4)(x), y])`. (At the top of an assignment
 * the parser splits it into the AssignNode's `value` and `applied`.)
 */
export interface LayerCallNode {
  readonly kind: "LayerCall";
  /** The layer: `Dense(4)`. */
  readonly layer: CallNode;
  /** Its applications on tensors, `(x)`; never empty. */
  readonly applied: readonly ApplyNode[];
  readonly span: Span;
}

/** `{'out': 'mse', ...}`: a Python dict literal, meaning what `dict(out='mse', ...)` means. */
export interface DictNode {
  readonly kind: "Dict";
  readonly entries: readonly DictEntry[];
  readonly span: Span;
}

export interface DictEntry {
  readonly key: ValueNode;
  readonly value: ValueNode;
  readonly span: Span;
}

export type ValueNode = NumberLit | StringLit | BoolLit | NoneLit | NameRef | TupleNode | ListNode | CallNode | LayerCallNode | DictNode;

export interface ArgNode {
  readonly kind: "Arg";
  /** Present for keyword arguments. */
  readonly name?: Ident;
  readonly value: ValueNode;
  readonly span: Span;
}

/**
 * `name = value`, as pasted Python writes it (`model = keras.Sequential([…])`),
 * and the functional API's lines: `h = Dense(8)(x)` is the value
 * `Dense(8)` applied to `(x)`.
 */
export interface AssignNode {
  readonly kind: "Assign";
  /** The (first) name bound. */
  readonly target: Ident;
  /** Every name of an unpacking assignment (`seq, h, c = LSTM(…)(x)`), the first being `target`; absent for one name. */
  readonly targets?: readonly Ident[];
  readonly value: ValueNode;
  /** Calls of the value on tensors, `(x)` in `h = Dense(8)(x)`; absent when none. */
  readonly applied?: readonly ApplyNode[];
  /** From the target to the value's end, or to the last application. */
  readonly span: Span;
}

export type StatementNode = CallNode | AssignNode;

export interface ModelNode {
  readonly kind: "Model";
  readonly name: Ident;
  /** Model options `(seed=1, ...)`; empty when omitted. */
  readonly options: readonly ArgNode[];
  /** As written; check lowers pasted forms (assignments, `model.add`) to layer calls. */
  readonly statements: readonly StatementNode[];
  readonly span: Span;
}

export interface Comment {
  readonly text: string;
  readonly span: Span;
}

export interface FileNode {
  readonly kind: "File";
  readonly models: readonly ModelNode[];
  /** All comments in source order (kept for `fmt`). */
  readonly comments: readonly Comment[];
  readonly span: Span;
}
