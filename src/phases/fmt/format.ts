/**
 * `layerc fmt`: the canonical layout of a `.nn` file. Refuses (text: null)
 * when the file has syntax errors, so broken input is never rewritten.
 *
 * Layout: `model Name(opts) {`, one two-space-indented statement per line,
 * `}`; `model Name {}` when empty; one blank line between models. Inside a
 * block, a run of blank lines becomes one; none after `{` or before `}`.
 *
 * Comments are all kept. The output is a list of "items" (a model header, a
 * statement, a closing brace, end of file), each one printed line; every
 * comment attaches to one item:
 * - trailing: on the same line as the item's last token → `line  # c`;
 * - leading: on its own line before the item's first token → own line above;
 * - hoisted: inside a multi-line item (statements print on one line) → own
 *   line above the item, after its leading comments.
 * The rules depend only on what the printed output preserves, so formatting
 * is idempotent (test/fmt.test.ts checks it on generated files).
 */
import type { IToken } from "chevrotain";
import { Comma, LBrace } from "../../../grammar/tokens.js";
import { hasErrors, InternalError, makeDiagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { defaultLimits, type Limits } from "../2-check/options.js";
import type { Comment, FileNode, ModelNode } from "../1-parse/ast.js";
import { parseDetailed } from "../1-parse/index.js";
import { printArgs, printStatement } from "./print-value.js";

/** Result of {@link formatSpec}. */
export interface FormatResult {
  /** The formatted file, or null when it has syntax errors. */
  readonly text: string | null;
  readonly diagnostics: Diagnostic[];
}

/**
 * Canonical formatting of a spec (what `layerc fmt` writes): comments kept,
 * idempotent. `text` is null when the spec has syntax errors.
 */
export function formatSpec(text: string, opts: { readonly limits?: Partial<Pick<Limits, "maxFileBytes">> } = {}): FormatResult {
  // the same size limit as check: fmt must not be the way to spend minutes and gigabytes on a huge file
  const limit = opts.limits?.maxFileBytes ?? defaultLimits.maxFileBytes;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limit) return { text: null, diagnostics: [makeDiagnostic("file_too_large", { start: 0, end: 0 }, { size: bytes, limit })] };
  const parsed = parseDetailed(text);
  if (hasErrors(parsed.diagnostics)) return { text: null, diagnostics: parsed.diagnostics };
  return { text: new Layout(text, parsed.ast, parsed.tokens).print(), diagnostics: parsed.diagnostics };
}

const INDENT = "  ";

interface Item {
  readonly kind: "header" | "statement" | "footer" | "end";
  readonly text: string;
  readonly indent: string;
  /** Indentation of the item's own-line comments (inside the block for `}`). */
  readonly commentIndent: string;
  /** Start of the item's first token; end of its last token. */
  readonly start: number;
  readonly end: number;
  readonly leading: Comment[];
  readonly hoisted: Comment[];
  readonly trailing: Comment[];
}

function item(kind: Item["kind"], text: string, indent: string, commentIndent: string, start: number, end: number): Item {
  return { kind, text, indent, commentIndent, start, end, leading: [], hoisted: [], trailing: [] };
}

class Layout {
  private readonly items: Item[] = [];
  private readonly itemStarts: number[];
  /** Ends of all tokens and comments, sorted, for blank-line detection. */
  private readonly ends: number[];
  private readonly byStart = new Map<number, number>();
  private readonly byEnd = new Map<number, number>();
  private readonly lines: string[] = [];

  constructor(
    private readonly text: string,
    ast: FileNode,
    private readonly tokens: readonly IToken[],
  ) {
    tokens.forEach((t, i) => {
      this.byStart.set(t.startOffset, i);
      this.byEnd.set(tokenEnd(t), i);
    });
    for (const m of ast.models) this.addModel(m);
    this.items.push(item("end", "", "", "", text.length, text.length));
    this.itemStarts = this.items.map((it) => it.start);
    this.ends = [...tokens.map(tokenEnd), ...ast.comments.map((c) => c.span.end)].sort((a, b) => a - b);
    for (const c of ast.comments) this.attach(c);
  }

  print(): string {
    let previous: Item | undefined;
    for (const it of this.items) {
      this.printItem(it, previous);
      previous = it;
    }
    return this.lines.length === 0 ? "" : `${this.lines.join("\n")}\n`;
  }

  // ---- items ----------------------------------------------------------------

  private addModel(m: ModelNode): void {
    let brace = this.tokenIndex(this.byStart, m.span.start);
    while (this.token(brace).tokenType !== LBrace) brace++;
    const options = m.options.length > 0 ? `(${printArgs(m.options)})` : "";
    const header = `model ${m.name.name}${options} {`;
    this.items.push(item("header", header, "", "", m.span.start, tokenEnd(this.token(brace))));
    for (const s of m.statements) {
      const after = this.tokens[this.tokenIndex(this.byEnd, s.span.end) + 1];
      const end = after?.tokenType === Comma ? tokenEnd(after) : s.span.end;
      this.items.push(item("statement", printStatement(s, INDENT), INDENT, INDENT, s.span.start, end));
    }
    this.items.push(item("footer", "}", "", INDENT, m.span.end - 1, m.span.end));
  }

  private token(i: number): IToken {
    const t = this.tokens[i];
    if (t === undefined) throw new InternalError(`fmt: no token at index ${i}`);
    return t;
  }

  private tokenIndex(map: ReadonlyMap<number, number>, offset: number): number {
    const i = map.get(offset);
    if (i === undefined) throw new InternalError(`fmt: no token boundary at offset ${offset}`);
    return i;
  }

  // ---- comments -------------------------------------------------------------

  private attach(c: Comment): void {
    const i = lastIndexBelow(this.itemStarts, c.span.start);
    const prev = this.items[i];
    if (prev !== undefined && prev.kind !== "end") {
      if (c.span.start < prev.end) {
        prev.hoisted.push(c);
        return;
      }
      // a lone CR ends a line (and a comment) just as LF does
      if (!/[\r\n]/.test(this.text.slice(prev.end, c.span.start))) {
        prev.trailing.push(c);
        return;
      }
    }
    const next = this.items[i + 1];
    if (next === undefined) throw new InternalError("fmt: no item after a comment");
    next.leading.push(c);
  }

  /** True when a blank line separates `offset` from the token or comment before it. */
  private blankBefore(offset: number): boolean {
    const prevEnd = this.ends[lastIndexBelow(this.ends, offset + 1)];
    if (prevEnd === undefined) return false;
    return (this.text.slice(prevEnd, offset).match(/\r\n|\r|\n/g) ?? []).length >= 2;
  }

  // ---- printing -------------------------------------------------------------

  private printItem(it: Item, previous: Item | undefined): void {
    const opensBlock = previous?.kind === "header";
    if (it.kind === "footer" && opensBlock && it.leading.length === 0 && previous.trailing.length === 0) {
      this.lines[this.lines.length - 1] += `}${trailingText(it.trailing)}`;
      return;
    }
    // The first line of the group: none after `{` or at file start; always one between models.
    let first = true;
    const blank = (wanted: boolean): boolean => {
      const forced = first && it.kind === "header" && previous?.kind === "footer";
      const allowed = this.lines.length > 0 && !(first && opensBlock);
      first = false;
      return forced || (wanted && allowed);
    };
    for (const c of it.leading) this.emit(it.commentIndent + c.text.trimEnd(), blank(this.blankBefore(c.span.start)));
    if (it.kind === "end") return;
    const gap = it.kind !== "footer" && this.blankBefore(it.start);
    it.hoisted.forEach((c, k) => this.emit(it.commentIndent + c.text.trimEnd(), blank(k === 0 && gap)));
    this.emit(it.indent + it.text + trailingText(it.trailing), blank(it.hoisted.length === 0 && gap));
  }

  private emit(line: string, blankBefore: boolean): void {
    if (blankBefore) this.lines.push("");
    this.lines.push(line);
  }
}

/** Index of the last element below `limit` in an ascending array; -1 if none. */
function lastIndexBelow(sorted: readonly number[], limit: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function tokenEnd(t: IToken): number {
  return t.startOffset + t.image.length;
}

function trailingText(comments: readonly Comment[]): string {
  return comments.map((c) => `  ${c.text.trimEnd()}`).join("");
}
