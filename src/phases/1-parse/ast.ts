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
  /** The text as written (`1e-3`, `-2.5`), for fmt and messages. */
  readonly raw: string;
  /** Written without `.` or exponent, e.g. `4` or `-2`. */
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

/** A bare identifier used as a value: `relu`, `he_normal`. */
export interface NameRef {
  readonly kind: "Name";
  readonly name: string;
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

/** `Name(args)` or a bare `Name` statement. */
export interface CallNode {
  readonly kind: "Call";
  readonly callee: Ident;
  readonly args: readonly ArgNode[];
  /** False for a bare `Flatten` statement written without parentheses. */
  readonly hasParens: boolean;
  /** Statements only: the name bound, `h` in `h = Dense(8)(x)`. */
  readonly target?: Ident;
  /** Statements only: the tensor arguments the constructed layer is called on, `(x)` in `Dense(8)(x)`. */
  readonly applied?: readonly ApplyNode[];
  /** The whole call; for a statement, from its target to its last application. */
  readonly span: Span;
}

/** Calling a layer on tensors: `(x)` or `([a, b])` after a layer constructor. */
export interface ApplyNode {
  readonly kind: "Apply";
  readonly args: readonly ArgNode[];
  readonly span: Span;
}

export type ValueNode = NumberLit | StringLit | BoolLit | NoneLit | NameRef | TupleNode | ListNode | CallNode;

export interface ArgNode {
  readonly kind: "Arg";
  /** Present for keyword arguments. */
  readonly name?: Ident;
  readonly value: ValueNode;
  readonly span: Span;
}

export interface ModelNode {
  readonly kind: "Model";
  readonly name: Ident;
  /** Model options `(seed=1, ...)`; empty when omitted. */
  readonly options: readonly ArgNode[];
  readonly statements: readonly CallNode[];
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
