/**
 * CST → AST: one builder per grammar rule, typed by the generated
 * grammar/cst.d.ts. `builders` must name every rule (checked at compile time
 * against the generated visitor interface), so a grammar change that adds a
 * rule does not compile until it has a builder.
 *
 * The CST may come from error recovery: mandatory children can be absent
 * and tokens can be "inserted" (empty image, NaN offsets). Builders are total
 * over such trees: a missing model name becomes an Ident with `missing`, and
 * a node with nothing usable (e.g. an argument whose value was never parsed)
 * is dropped. Spans cover the real tokens a node holds; offsets are half-open.
 */
import type { CstNode, ICstVisitor, IToken } from "chevrotain";
import type {
  ApplicationCstNode,
  ArgCstNode,
  ArgsCstNode,
  CallCstNode,
  FileCstNode,
  ListCstNode,
  ModelCstNode,
  NnCstVisitor,
  ParensCstNode,
  StatementCstNode,
  ValueCstNode,
  ValuesCstNode,
} from "../../../grammar/cst.js";
import { ClosedString } from "../../../grammar/tokens.js";
import { span, type Span } from "../../source.js";
import type { ApplyNode, ArgNode, CallNode, Comment, FileNode, Ident, ModelNode, NameRef, ValueNode } from "./ast.js";

type RuleName = Exclude<keyof NnCstVisitor<unknown, unknown>, keyof ICstVisitor<unknown, unknown>>;

function first<T>(xs: readonly T[] | undefined): T | undefined {
  return xs?.[0];
}

/** The span of a real token; undefined for absent or recovery-inserted tokens. */
export function tokenSpan(t: IToken | undefined): Span | undefined {
  if (t === undefined || t.isInsertedInRecovery === true || Number.isNaN(t.startOffset)) return undefined;
  return span(t.startOffset, t.startOffset + t.image.length);
}

function cover(parts: readonly (Span | undefined)[]): Span | undefined {
  let start = Infinity;
  let end = -Infinity;
  for (const p of parts) {
    if (p === undefined) continue;
    start = Math.min(start, p.start);
    end = Math.max(end, p.end);
  }
  return start === Infinity ? undefined : span(start, end);
}

function isDefined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

/** Inside quotes, `\\`, `\'` and `\"` stand for the escaped character; other pairs stay as written (and are reported). */
export function unescapeString(raw: string, closed: boolean): string {
  const body = raw.slice(1, closed ? raw.length - 1 : raw.length);
  return body.replace(/\\([\\'"])/g, "$1");
}

function buildFile(node: FileCstNode, textLength: number, comments: readonly Comment[]): FileNode {
  const models = (node.children.model ?? []).map(buildModel).filter(isDefined);
  return { kind: "File", models, comments, span: span(0, textLength) };
}

function buildModel(node: ModelCstNode): ModelNode | undefined {
  const c = node.children;
  const keyword = tokenSpan(first(c.Model));
  if (keyword === undefined) return undefined;
  const nameTok = first(c.Identifier);
  const nameSpan = tokenSpan(nameTok);
  const name: Ident =
    nameTok !== undefined && nameSpan !== undefined
      ? { kind: "Ident", name: nameTok.image, span: nameSpan }
      : { kind: "Ident", name: "", span: span(keyword.end, keyword.end), missing: true };
  const options = buildArgs(first(c.args));
  const statements = (c.statement ?? []).map(buildStatement).filter(isDefined);
  const whole = cover([
    keyword,
    name.span,
    tokenSpan(first(c.RParen)),
    tokenSpan(first(c.LBrace)),
    ...statements.map((s) => s.span),
    tokenSpan(first(c.RBrace)),
  ]);
  return { kind: "Model", name, options, statements, span: whole ?? keyword };
}

function buildStatement(node: StatementCstNode): CallNode | undefined {
  const c = node.children;
  const callNode = first(c.call);
  const call = callNode === undefined ? undefined : buildCall(callNode);
  if (call === undefined) return undefined;
  const targetTok = first(c.Identifier) ?? first(c.Model);
  const targetSpan = tokenSpan(targetTok);
  const applied = (c.application ?? []).map(buildApplication).filter(isDefined);
  if (targetSpan === undefined && applied.length === 0) return call;
  const target: Ident | undefined = targetTok !== undefined && targetSpan !== undefined ? { kind: "Ident", name: targetTok.image, span: targetSpan } : undefined;
  const whole = cover([targetSpan, call.span, ...applied.map((a) => a.span)]) ?? call.span;
  return { ...call, ...(target ? { target } : {}), ...(applied.length ? { applied } : {}), span: whole };
}

function buildApplication(node: ApplicationCstNode): ApplyNode | undefined {
  const c = node.children;
  const args = buildArgs(first(c.args));
  const whole = cover([tokenSpan(first(c.LParen)), ...args.map((a) => a.span), tokenSpan(first(c.RParen))]);
  return whole === undefined ? undefined : { kind: "Apply", args, span: whole };
}

function buildCall(node: CallCstNode): CallNode | undefined {
  const c = node.children;
  const idTok = first(c.Identifier);
  const idSpan = tokenSpan(idTok);
  if (idTok === undefined || idSpan === undefined) return undefined;
  const args = buildArgs(first(c.args));
  const whole = cover([idSpan, tokenSpan(first(c.LParen)), ...args.map((a) => a.span), tokenSpan(first(c.RParen))]);
  return {
    kind: "Call",
    callee: { kind: "Ident", name: idTok.image, span: idSpan },
    args,
    hasParens: c.LParen !== undefined,
    span: whole ?? idSpan,
  };
}

function buildArgs(node: ArgsCstNode | undefined): ArgNode[] {
  return (node?.children.arg ?? []).map(buildArg).filter(isDefined);
}

function buildArg(node: ArgCstNode): ArgNode | undefined {
  const c = node.children;
  const valueNode = first(c.value);
  const value = valueNode === undefined ? undefined : buildValue(valueNode);
  if (value === undefined) return undefined;
  const nameTok = first(c.Identifier);
  const nameSpan = tokenSpan(nameTok);
  if (nameTok === undefined || nameSpan === undefined) {
    return { kind: "Arg", value, span: value.span };
  }
  const name: Ident = { kind: "Ident", name: nameTok.image, span: nameSpan };
  return { kind: "Arg", name, value, span: span(nameSpan.start, value.span.end) };
}

function buildValue(node: ValueCstNode): ValueNode | undefined {
  const c = node.children;
  const tok = first(c.NumberLiteral) ?? first(c.StringLiteral) ?? first(c.Bool) ?? first(c.None);
  const s = tokenSpan(tok);
  if (tok !== undefined && s !== undefined) return buildLiteral(tok, s);
  const call = first(c.call);
  if (call !== undefined) return buildValueCall(call);
  const parens = first(c.parens);
  if (parens !== undefined) return buildParens(parens);
  const list = first(c.list);
  if (list !== undefined) return buildList(list);
  return undefined;
}

function buildLiteral(tok: IToken, s: Span): ValueNode {
  const raw = tok.image;
  switch (tok.tokenType.name) {
    case "NumberLiteral":
      return { kind: "Number", value: Number(raw), raw, isInteger: !/[.eE]/.test(raw), span: s };
    case "Bool":
      return { kind: "Bool", value: raw === "True" || raw === "true", raw, span: s };
    case "None":
      return { kind: "None", raw, span: s };
    default:
      return { kind: "String", value: unescapeString(raw, tok.tokenType === ClosedString), raw, span: s };
  }
}

/** In value position a bare name is a NameRef; with parentheses it is a call. */
function buildValueCall(node: CallCstNode): CallNode | NameRef | undefined {
  const call = buildCall(node);
  if (call === undefined || call.hasParens) return call;
  return { kind: "Name", name: call.callee.name, span: call.callee.span };
}

/** `(x)` is x; `(x,)`, `(x, y)` and `()` are tuples. */
function buildParens(node: ParensCstNode): ValueNode | undefined {
  const c = node.children;
  const head = first(c.value);
  const headValue = head === undefined ? undefined : buildValue(head);
  const whole = cover([tokenSpan(first(c.LParen)), headValue?.span, tokenSpan(first(c.RParen))]);
  if (c.Comma === undefined && headValue !== undefined) return headValue;
  const rest = buildValues(first(c.values));
  const items = headValue === undefined ? rest : [headValue, ...rest];
  const s = cover([whole, ...rest.map((v) => v.span)]);
  return s === undefined ? undefined : { kind: "Tuple", items, span: s };
}

function buildList(node: ListCstNode): ValueNode | undefined {
  const c = node.children;
  const items = buildValues(first(c.values));
  const s = cover([tokenSpan(first(c.LBracket)), ...items.map((v) => v.span), tokenSpan(first(c.RBracket))]);
  return s === undefined ? undefined : { kind: "List", items, span: s };
}

function buildValues(node: ValuesCstNode | undefined): ValueNode[] {
  return (node?.children.value ?? []).map(buildValue).filter(isDefined);
}

/** Compile-time completeness: one builder per grammar rule. */
const ruleBuilders = {
  file: buildFile,
  model: buildModel,
  statement: buildStatement,
  application: buildApplication,
  call: buildCall,
  args: buildArgs,
  arg: buildArg,
  value: buildValue,
  parens: buildParens,
  list: buildList,
  values: buildValues,
} satisfies Record<RuleName, unknown>;

/** `cst` must come from NnParser's `file` rule (see FileParse for why it is typed loosely). */
export function cstToAst(cst: CstNode, textLength: number, comments: readonly Comment[]): FileNode {
  return ruleBuilders.file(cst as FileCstNode, textLength, comments);
}
