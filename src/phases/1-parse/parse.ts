/**
 * Phase 1 entry: source text → AST + syntax diagnostics. Total over all
 * inputs: lexer and parser errors are data, recovery keeps going so several
 * independent mistakes are reported in one run, and the AST is always
 * well-formed (see cst-to-ast.ts for recovered nodes).
 *
 * Order of work: lex (invalid characters, unterminated strings, bad escapes),
 * bound the bracket nesting so the recursive-descent parser cannot overflow
 * the stack, parse with the one shared parser, build the AST, then sort and
 * cap the syntax diagnostics at MAX_SYNTAX_ERRORS.
 */
import type { IRecognitionException, IToken, TokenType } from "chevrotain";
import { nnParser } from "../../../grammar/parser.js";
import { ClosedString, Comma, Identifier, LBrace, LBracket, LParen, Model, nnLexer, RBrace, RBracket, RParen, UnterminatedString } from "../../../grammar/tokens.js";
import { makeDiagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { span, type Span } from "../../source.js";
import type { ArgNode, Comment, FileNode, ValueNode } from "./ast.js";
import { cstToAst } from "./cst-to-ast.js";

export const MAX_SYNTAX_ERRORS = 50;
/**
 * Deep enough for any real spec (shapes nest two levels), shallow enough for
 * the JS stack: error recovery inside 125 unclosed `f(1,` already overflows
 * Node's default stack.
 */
export const MAX_NESTING = 64;

export interface ParseResult {
  readonly ast: FileNode;
  readonly diagnostics: Diagnostic[];
}

/** ParseResult plus the significant tokens, for tools (fmt) that need layout. */
export interface DetailedParseResult extends ParseResult {
  readonly tokens: readonly IToken[];
}

export interface ParseLimits {
  /** Most statements in one model block; a longer block is reported (limit_layers) before parsing. */
  readonly maxLayers?: number;
}

export function parseSource(text: string, limits: ParseLimits = {}): ParseResult {
  const { ast, diagnostics } = parseDetailed(text, limits);
  return { ast, diagnostics };
}

export function parseDetailed(text: string, limits: ParseLimits = {}): DetailedParseResult {
  const lexed = nnLexer.tokenize(text);
  const comments: Comment[] = (lexed.groups["comments"] ?? []).map((t) => ({
    text: t.image,
    span: span(t.startOffset, t.startOffset + t.image.length),
  }));
  const diagnostics: Diagnostic[] = [];
  for (const e of lexed.errors) {
    const ch = String.fromCodePoint(text.codePointAt(e.offset) ?? 0xfffd);
    diagnostics.push(makeDiagnostic("syntax_invalid_character", span(e.offset, e.offset + e.length), { char: describeChar(ch) }));
  }
  for (const t of lexed.tokens) diagnostics.push(...checkStringToken(t));

  const tooDeep = findTooDeep(lexed.tokens);
  const tooLong = limits.maxLayers !== undefined ? findTooManyStatements(lexed.tokens, limits.maxLayers) : undefined;
  let ast: FileNode;
  if (tooDeep !== undefined) {
    diagnostics.push(makeDiagnostic("syntax_nesting_too_deep", tokenSpanOf(tooDeep, text), { limit: MAX_NESTING }));
    ast = { kind: "File", models: [], comments, span: span(0, text.length) };
  } else if (tooLong !== undefined) {
    diagnostics.push(
      tooLong.models === undefined
        ? makeDiagnostic("limit_layers", tokenSpanOf(tooLong.name, text), { model: tooLong.name.image, count: tooLong.count, limit: limits.maxLayers! })
        : makeDiagnostic("limit_file_layers", tokenSpanOf(tooLong.name, text), { count: tooLong.count, models: tooLong.models, limit: limits.maxLayers! }),
    );
    ast = { kind: "File", models: [], comments, span: span(0, text.length) };
  } else {
    const { cst, errors } = nnParser.parseFile(lexed.tokens, MAX_SYNTAX_ERRORS + 1);
    diagnostics.push(...parserDiagnostics(errors, text));
    ast = cstToAst(cst, text.length, comments);
    diagnostics.push(...missingCommas(ast, lexed.tokens, text));
  }
  return { ast, diagnostics: capErrors(diagnostics), tokens: lexed.tokens };
}

/**
 * The first model block with more than `max` statements (calls at brace
 * depth 1 and bracket depth 0), counted on the tokens in one pass, so a
 * huge block costs no parsing, checking or emitting; or, with `models`, a
 * file whose blocks together have more than `max`.
 */
function findTooManyStatements(tokens: readonly IToken[], max: number): { name: IToken; count: number; models?: number } | undefined {
  let braces = 0;
  let brackets = 0;
  let count = 0;
  let total = 0;
  let models = 0;
  let name: IToken | undefined;
  let afterModel = false;
  for (const t of tokens) {
    const type = t.tokenType;
    if (afterModel && type === Identifier) name = t;
    afterModel = type === Model;
    if (type === LBrace) {
      if (braces++ === 0) {
        count = 0;
        models++;
      }
    } else if (type === RBrace) {
      if (braces > 0 && --braces === 0 && count > max) return { name: name ?? t, count };
    } else if (type === LParen || type === LBracket) {
      if (braces === 1 && brackets === 0 && type === LParen) {
        count++;
        total++;
      }
      brackets++;
    } else if (type === RParen || type === RBracket) brackets = Math.max(0, brackets - 1);
  }
  if (braces > 0 && count > max) return { name: name ?? tokens[0]!, count };
  // the models together (many small models cost what one large one does)
  return total > max ? { name: tokens.find((t) => t.tokenType === Model) ?? tokens[0]!, count: total, models } : undefined;
}

/**
 * The grammar accepts arguments without a separating comma (so the rest of
 * the call still parses); each such place is reported here, at the argument
 * that follows the missing comma.
 */
function missingCommas(ast: FileNode, tokens: readonly IToken[], text: string): Diagnostic[] {
  const commas = tokens.filter((t) => t.tokenType === Comma).map((t) => t.startOffset);
  const commaBetween = (from: number, to: number): boolean => {
    let lo = 0;
    let hi = commas.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (commas[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < commas.length && commas[lo]! < to;
  };
  const out: Diagnostic[] = [];
  const args = (list: readonly ArgNode[]) => {
    list.forEach((a, i) => {
      const prev = list[i - 1];
      if (prev !== undefined && !commaBetween(prev.span.end, a.span.start)) {
        const at = a.name?.span ?? a.value.span;
        out.push(makeDiagnostic("syntax_missing_comma", at, { next: text.slice(at.start, Math.min(at.end, at.start + 40)) }));
      }
      value(a.value);
    });
  };
  const value = (v: ValueNode) => {
    if (v.kind === "Call") args(v.args);
    else if (v.kind === "LayerCall") [v.layer, ...v.applied].forEach((c) => args(c.args));
    else if (v.kind === "Tuple" || v.kind === "List") v.items.forEach(value);
    else if (v.kind === "Dict") v.entries.forEach((e) => [e.key, e.value].forEach(value));
  };
  for (const m of ast.models) {
    args(m.options);
    for (const s of m.statements) {
      value(s.kind === "Assign" ? s.value : s);
      if (s.kind === "Assign") s.applied?.forEach((a) => args(a.args));
    }
  }
  return out;
}

/** `@`, or a code point for invisible characters. */
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const control = cp <= 0x20 || (cp >= 0x7f && cp <= 0xa0);
  const surrogate = cp >= 0xd800 && cp <= 0xdfff;
  const visible = !control && !surrogate && !/\s/u.test(ch);
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return visible && ch !== "`" ? `\`${ch}\`` : code;
}

function checkStringToken(t: IToken): Diagnostic[] {
  const start = t.startOffset;
  if (t.tokenType === UnterminatedString) {
    return [makeDiagnostic("syntax_unterminated_string", span(start, start + t.image.length))];
  }
  if (t.tokenType !== ClosedString) return [];
  const out: Diagnostic[] = [];
  for (const m of t.image.matchAll(/\\(.)/gsu)) {
    const escaped = m[1] ?? "";
    if (escaped === "\\" || escaped === "'" || escaped === '"') continue;
    const at = start + (m.index ?? 0);
    out.push(makeDiagnostic("syntax_invalid_escape", span(at, at + m[0].length), { escape: `\`${m[0]}\`` }));
  }
  return out;
}

const closerOf = new Map([
  [LParen, RParen],
  [LBracket, RBracket],
  [LBrace, RBrace],
]);

/**
 * The first opening bracket nested deeper than MAX_NESTING, if any. A closer
 * pops back to its matching opener (as recovery would), so a file full of
 * unclosed `(` inside closed `{...}` blocks is not mistaken for deep nesting.
 */
function findTooDeep(tokens: readonly IToken[]): IToken | undefined {
  const open: TokenType[] = [];
  for (const t of tokens) {
    const closer = closerOf.get(t.tokenType);
    if (closer !== undefined) {
      open.push(closer);
      if (open.length > MAX_NESTING) return t;
    } else if (open.includes(t.tokenType)) {
      while (open.pop() !== t.tokenType);
    }
  }
  return undefined;
}

/** A token's span; EOF (and any offset-less token) sits at the end of the text. */
function tokenSpanOf(t: IToken, text: string): Span {
  if (Number.isNaN(t.startOffset) || t.image === "") return span(text.length, text.length);
  return span(t.startOffset, t.startOffset + t.image.length);
}

function describeFound(t: IToken): string {
  if (Number.isNaN(t.startOffset) || t.image === "") return "end of file";
  const image = t.image.length > 30 ? `${t.image.slice(0, 27)}...` : t.image;
  return `\`${image}\``;
}

/** One diagnostic per offending token; recovery can report the same token twice. */
function parserDiagnostics(errors: readonly IRecognitionException[], text: string): Diagnostic[] {
  const seen = new Set<number>();
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const s = tokenSpanOf(e.token, text);
    if (seen.has(s.start)) continue;
    seen.add(s.start);
    out.push(makeDiagnostic("syntax_unexpected_token", s, { expected: e.message, found: describeFound(e.token) }));
  }
  return out;
}

function capErrors(diagnostics: Diagnostic[]): Diagnostic[] {
  const sorted = [...diagnostics].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  if (sorted.length <= MAX_SYNTAX_ERRORS) return sorted;
  const next = sorted[MAX_SYNTAX_ERRORS]!;
  return [
    ...sorted.slice(0, MAX_SYNTAX_ERRORS),
    makeDiagnostic("syntax_too_many_errors", next.span, { count: MAX_SYNTAX_ERRORS }),
  ];
}
