/**
 * One analysis of one document version: the compiler's own parse and check
 * (no second implementation), plus the lookups the editor features share:
 * offset ↔ LSP position, the statement and call under the cursor, and the
 * checked layer a statement produced. Pure and synchronous; imports no
 * server library, so the browser playground can reuse every feature.
 */
import type { Position, Range } from "vscode-languageserver";
import { check, parse, type CheckResult } from "../api/api.js";
import type { ArgNode, CallNode, FileNode, ModelNode, ValueNode } from "../phases/1-parse/ast.js";
import type { LayerIR, ModelIR } from "../ir/model-ir.js";
import { LineMap, type Span } from "../source.js";

export interface Analysis {
  readonly text: string;
  readonly ast: FileNode;
  readonly checked: CheckResult;
  readonly lines: LineMap;
}

export function analyze(text: string, fileName?: string): Analysis {
  const opts = fileName !== undefined ? { fileName } : {};
  return { text, ast: parse(text, opts).ast, checked: check(text, opts), lines: new LineMap(text) };
}

export function positionAt(a: Analysis, offset: number): Position {
  const p = a.lines.position(offset);
  return { line: p.line - 1, character: p.column - 1 };
}

export function offsetAt(a: Analysis, pos: Position): number {
  let line = 0;
  let i = 0;
  while (line < pos.line) {
    const nl = a.text.indexOf("\n", i);
    if (nl < 0) return a.text.length;
    i = nl + 1;
    line++;
  }
  const nl = a.text.indexOf("\n", i);
  const end = nl < 0 ? a.text.length : nl;
  return Math.min(i + pos.character, end);
}

export function rangeOf(a: Analysis, span: Span): Range {
  return { start: positionAt(a, span.start), end: positionAt(a, span.end) };
}

export const contains = (s: Span, offset: number): boolean => s.start <= offset && offset <= s.end;

export function modelAt(a: Analysis, offset: number): ModelNode | undefined {
  return a.ast.models.find((m) => contains(m.span, offset));
}

export function modelIR(a: Analysis, model: ModelNode): ModelIR | undefined {
  return a.checked.ir.models.find((m) => m.name === model.name.name);
}

/** The model's layer-call statements (assignments of pasted Python are not layers). */
export function callStatements(model: ModelNode): CallNode[] {
  return model.statements.filter((s): s is CallNode => s.kind === "Call");
}

/** The call statement whose span holds `offset`. */
export function statementAt(model: ModelNode, offset: number): CallNode | undefined {
  return callStatements(model).find((s) => contains(s.span, offset));
}

/**
 * The checked layer a statement produced: IR layers record their statement's
 * line, and statements on one line produce layers in order.
 */
export function layerOf(a: Analysis, model: ModelNode, stmt: CallNode): LayerIR | undefined {
  const ir = modelIR(a, model);
  if (!ir) return undefined;
  const line = a.lines.position(stmt.span.start).line;
  const sameLine = callStatements(model).filter((s) => a.lines.position(s.span.start).line === line && s.callee.name === stmt.callee.name);
  const layers = ir.layers.filter((l) => l.line === line && l.kind === stmt.callee.name);
  return layers[sameLine.indexOf(stmt)];
}

/** What is under the cursor, innermost first. */
export type Hit =
  | { readonly kind: "callee"; readonly call: CallNode; readonly parentArg?: ArgNode; readonly depth: number }
  | { readonly kind: "argName"; readonly call: CallNode; readonly arg: ArgNode; readonly depth: number }
  | { readonly kind: "value"; readonly value: ValueNode; readonly call: CallNode; readonly arg: ArgNode; readonly depth: number };

/** The innermost callee, argument name or bare value under `offset` within a statement. */
export function hitAt(stmt: CallNode, offset: number): Hit | undefined {
  return hitInCall(stmt, offset, 0, undefined);
}

function hitInCall(call: CallNode, offset: number, depth: number, parentArg: ArgNode | undefined): Hit | undefined {
  if (contains(call.callee.span, offset)) return { kind: "callee", call, depth, ...(parentArg ? { parentArg } : {}) };
  for (const arg of call.args) {
    if (!contains(arg.span, offset)) continue;
    if (arg.name && contains(arg.name.span, offset)) return { kind: "argName", call, arg, depth };
    return hitInValue(arg.value, offset, call, arg, depth);
  }
  return undefined;
}

function hitInValue(v: ValueNode, offset: number, call: CallNode, arg: ArgNode, depth: number): Hit | undefined {
  if (!contains(v.span, offset)) return undefined;
  if (v.kind === "Call") return hitInCall(v, offset, depth + 1, arg);
  if (v.kind === "LayerCall") return hitInCall(v.layer, offset, depth + 1, arg);
  if (v.kind === "Tuple" || v.kind === "List" || v.kind === "Dict") {
    for (const item of v.kind === "Dict" ? v.entries.flatMap((e) => [e.key, e.value]) : v.items) {
      const h = hitInValue(item, offset, call, arg, depth);
      if (h) return h;
    }
    return undefined;
  }
  return { kind: "value", value: v, call, arg, depth };
}

/** `(None, 28, 28, 1)`, as Keras prints shapes with the batch dimension. */
export const kerasShape = (s: readonly number[]): string => `(None, ${s.join(", ")})`;
/** `(784, 128)` / `(128,)`, as Keras prints weight shapes. */
export const tupleShape = (s: readonly number[]): string => (s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`);
