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
  DictCstNode,
  EntryCstNode,
  FileCstNode,
  ListCstNode,
  ModelCstNode,
  NnCstVisitor,
  NumberCstNode,
  ParensCstNode,
  StatementCstNode,
  TargetCstNode,
  ValueCstNode,
  ValuesCstNode,
} from "../../../grammar/cst.js";
import { ClosedString } from "../../../grammar/tokens.js";
import { span, type Span } from "../../source.js";
import type { ApplyNode, ArgNode, CallNode, Comment, DictEntry, FileNode, Ident, ModelNode, NameRef, NumberLit, StatementNode, ValueNode } from "./ast.js";

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

function buildStatement(node: StatementCstNode): StatementNode | undefined {
  const c = node.children;
  const call = first(c.call);
  if (call !== undefined) return buildCall(call);
  const targets = (c.target ?? []).map(buildTarget);
  const target = targets[0];
  const valueNode = first(c.value);
  const value = valueNode === undefined ? undefined : buildValue(valueNode);
  if (target === undefined || value === undefined || !targets.every(isDefined)) return undefined;
  const unpack = targets.length > 1 ? { targets: targets as Ident[] } : {};
  // `h = Dense(8)(x)`: the layer is the value, `(x)` its application
  const whole = span(target.span.start, value.span.end);
  if (value.kind === "LayerCall") return { kind: "Assign", target, ...unpack, value: value.layer, applied: value.applied, span: whole };
  return { kind: "Assign", target, ...unpack, value, span: whole };
}

function buildApplication(node: ApplicationCstNode): ApplyNode | undefined {
  const c = node.children;
  const args = buildArgs(first(c.args));
  const whole = cover([tokenSpan(first(c.LParen)), ...args.map((a) => a.span), tokenSpan(first(c.RParen))]);
  return whole === undefined ? undefined : { kind: "Apply", args, span: whole };
}

function buildTarget(node: TargetCstNode): Ident | undefined {
  const tok = first(node.children.Identifier) ?? first(node.children.Model);
  const s = tokenSpan(tok);
  return tok === undefined || s === undefined ? undefined : { kind: "Ident", name: tok.image, span: s };
}

function buildCall(node: CallCstNode): CallNode | undefined {
  const c = node.children;
  const head = first(c.target);
  const headIdent = head === undefined ? undefined : buildTarget(head);
  if (headIdent === undefined) return undefined;
  const rest: Ident[] = [];
  for (const t of c.Identifier ?? []) {
    const s = tokenSpan(t);
    if (s !== undefined) rest.push({ kind: "Ident", name: t.image, span: s });
  }
  const path = [headIdent, ...rest];
  const callee = path[path.length - 1]!;
  const args = buildArgs(first(c.args));
  const whole = cover([headIdent.span, callee.span, tokenSpan(first(c.LParen)), ...args.map((a) => a.span), tokenSpan(first(c.RParen))]);
  return {
    kind: "Call",
    callee,
    ...(path.length > 1 ? { qualifier: path.slice(0, -1) } : {}),
    args,
    hasParens: c.LParen !== undefined,
    span: whole ?? callee.span,
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
  const num = first(c.number);
  if (num !== undefined) return buildNumber(num);
  const tok = first(c.StringLiteral) ?? first(c.Bool) ?? first(c.None);
  const s = tokenSpan(tok);
  if (tok !== undefined && s !== undefined) return buildLiteral(tok, s);
  const call = first(c.call);
  if (call !== undefined) {
    const value = buildValueCall(call);
    const applied = (c.application ?? []).map(buildApplication).filter(isDefined);
    // (an application always follows the call's own parentheses, so the value is a Call)
    if (value === undefined || value.kind !== "Call" || applied.length === 0) return value;
    return { kind: "LayerCall", layer: value, applied, span: span(value.span.start, applied[applied.length - 1]!.span.end) };
  }
  const dict = first(c.dict);
  if (dict !== undefined) return buildDict(dict);
  const parens = first(c.parens);
  if (parens !== undefined) return buildParens(parens);
  const list = first(c.list);
  if (list !== undefined) return buildList(list);
  return undefined;
}

/** Folds `1./255` or `28 * 28` left to right, as Python evaluates it; `/` always makes a float. */
function buildNumber(node: NumberCstNode): NumberLit | undefined {
  const c = node.children;
  const operators = [...(c.Slash ?? []), ...(c.Star ?? [])].sort((a, b) => a.startOffset - b.startOffset);
  const operands = c.NumberLiteral.filter((t) => tokenSpan(t) !== undefined);
  const head = operands[0];
  if (head === undefined || operands.length !== operators.length + 1) return undefined;
  let value = Number(head.image);
  let raw = head.image;
  let isInteger = !/[.eE]/.test(head.image);
  operators.forEach((op, i) => {
    const operand = operands[i + 1]!;
    const divide = op.image === "/";
    value = divide ? value / Number(operand.image) : value * Number(operand.image);
    isInteger = isInteger && !divide && !/[.eE]/.test(operand.image);
    raw += `${divide ? "/" : " * "}${operand.image}`;
  });
  const last = operands[operands.length - 1]!;
  return { kind: "Number", value, raw, isInteger, span: span(head.startOffset, last.startOffset + last.image.length) };
}

function buildLiteral(tok: IToken, s: Span): ValueNode {
  const raw = tok.image;
  switch (tok.tokenType.name) {
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
  return { kind: "Name", name: call.callee.name, ...(call.qualifier ? { qualifier: call.qualifier } : {}), span: call.span };
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

function buildDict(node: DictCstNode): ValueNode | undefined {
  const c = node.children;
  const entries = (c.entry ?? []).map(buildEntry).filter(isDefined);
  const s = cover([tokenSpan(first(c.LBrace)), ...entries.map((e) => e.span), tokenSpan(first(c.RBrace))]);
  return s === undefined ? undefined : { kind: "Dict", entries, span: s };
}

function buildEntry(node: EntryCstNode): DictEntry | undefined {
  const [k, v] = node.children.value ?? [];
  const key = k === undefined ? undefined : buildValue(k);
  const value = v === undefined ? undefined : buildValue(v);
  return key === undefined || value === undefined ? undefined : { key, value, span: span(key.span.start, value.span.end) };
}

function buildValues(node: ValuesCstNode | undefined): ValueNode[] {
  return (node?.children.value ?? []).map(buildValue).filter(isDefined);
}

/** Compile-time completeness: one builder per grammar rule. */
const ruleBuilders = {
  file: buildFile,
  model: buildModel,
  statement: buildStatement,
  target: buildTarget,
  application: buildApplication,
  call: buildCall,
  args: buildArgs,
  arg: buildArg,
  value: buildValue,
  number: buildNumber,
  parens: buildParens,
  list: buildList,
  dict: buildDict,
  entry: buildEntry,
  values: buildValues,
} satisfies Record<RuleName, unknown>;

/** `cst` must come from NnParser's `file` rule (see FileParse for why it is typed loosely). */
export function cstToAst(cst: CstNode, textLength: number, comments: readonly Comment[]): FileNode {
  return ruleBuilders.file(cst as FileCstNode, textLength, comments);
}
