/**
 * Where the cursor is, in terms of the language: in a model body at the
 * start of a statement, naming an argument of a call, or writing the value of
 * an argument. Read from the lexer's tokens rather than the AST, because the
 * text being typed is usually incomplete (`Dense(4, act|`) and the parser's
 * recovered tree says little about it. The lexer never throws.
 */
import type { IToken } from "chevrotain";
import { nnLexer } from "../../grammar/tokens.js";

/** One open bracket before the cursor. */
interface Frame {
  readonly open: "(" | "[" | "{";
  readonly offset: number;
  /** For `(`: the name right before it (`Dense`), if any; for `{`: the model name. */
  readonly callee?: string;
  /** For `(`: the keyword argument this call is the value of, in the enclosing call (`kernel_initializer`). */
  readonly parentKeyword?: string;
  /** For `(` after `model Name`: model options. */
  readonly modelOptions?: boolean;
  /** For `(` right after `)`: a layer applied to tensors, `Dense(8)(x)`. */
  readonly application?: boolean;
  readonly keywords: string[];
  positional: number;
  /** Keyword of the argument being written, once `name=` is seen. */
  keyword?: string;
  /** The current argument has something in it already. */
  hasContent: boolean;
}

export type CursorContext =
  | { readonly kind: "top" }
  /** At the start of a statement in a model body (or after `name =`). */
  | { readonly kind: "statement"; readonly model: string }
  /** At the start of an argument of `callee`: an argument name or a positional value. */
  | { readonly kind: "argument"; readonly callee: string; readonly modelOptions: boolean; readonly parentKeyword?: string; readonly given: readonly string[]; readonly positional: number; readonly inString: boolean }
  /** Writing the value of `callee(keyword=…)`; `inList` inside `[...]`. */
  | { readonly kind: "value"; readonly callee: string; readonly modelOptions: boolean; readonly parentKeyword?: string; readonly keyword: string; readonly inList: boolean; readonly inString: boolean }
  /** Naming the tensors a layer is applied to: `Dense(8)(|` or `Add()([a, |`. */
  | { readonly kind: "tensors" }
  | { readonly kind: "none" };

export interface CursorInfo {
  readonly context: CursorContext;
  /** The word being typed (identifier or string contents) and where it starts. */
  readonly prefix: string;
  readonly prefixStart: number;
  /** The innermost open call (for signature help): its callee, the argument index, keyword in progress. */
  readonly call?: { readonly callee: string; readonly modelOptions: boolean; readonly parentKeyword?: string; readonly given: readonly string[]; readonly positional: number; readonly keyword?: string };
}

export function tokensOf(text: string): IToken[] {
  return nnLexer.tokenize(text).tokens;
}

const PAIRS: Record<string, "(" | "[" | "{"> = { ")": "(", "]": "[", "}": "{" };

/** The cursor context at `offset` in `text`. */
export function cursorInfo(text: string, offset: number): CursorInfo {
  const tokens = tokensOf(text);
  const stack: Frame[] = [];
  let prefix = "";
  let prefixStart = offset;
  let inString = false;
  let prev: IToken | undefined;
  let prev2: IToken | undefined;
  let model: string | undefined;
  for (const t of tokens) {
    const end = t.startOffset + t.image.length;
    if (t.startOffset >= offset) break;
    if (end >= offset) {
      // The token under the cursor: a word being typed, or a string being written.
      const type = t.tokenType.name;
      if (type === "Identifier" || type === "Bool" || type === "None" || type === "Model") {
        prefix = t.image.slice(0, offset - t.startOffset);
        prefixStart = t.startOffset;
        break;
      }
      if ((type === "ClosedString" && end > offset) || type === "UnterminatedString") {
        inString = true;
        prefix = t.image.slice(1, offset - t.startOffset);
        prefixStart = t.startOffset + 1;
        break;
      }
    }
    if (prev?.tokenType.name === "Model" && t.tokenType.name === "Identifier") model = t.image;
    step(t, stack, prev, prev2, model);
    prev2 = prev;
    prev = t;
  }
  const top = stack[stack.length - 1];
  const call = innermostCall(stack);
  return { context: contextOf(stack, top, prev, text, prefixStart, inString), prefix, prefixStart, ...(call ? { call } : {}) };
}

function step(t: IToken, stack: Frame[], prev: IToken | undefined, prev2: IToken | undefined, model: string | undefined): void {
  const image = t.image;
  const top = stack[stack.length - 1];
  if (image === "(" || image === "[" || image === "{") {
    if (top) top.hasContent = true;
    const named = image === "(" && prev?.tokenType.name === "Identifier" ? prev.image : undefined;
    const isModel = prev2?.tokenType.name === "Model";
    stack.push({
      open: image,
      offset: t.startOffset,
      ...(named !== undefined ? { callee: named } : {}),
      ...(image === "(" && isModel ? { modelOptions: true } : {}),
      ...(image === "(" && prev?.image === ")" ? { application: true } : {}),
      ...(image === "{" && model !== undefined ? { callee: model } : {}),
      ...(top?.keyword !== undefined ? { parentKeyword: top.keyword } : {}),
      keywords: [],
      positional: 0,
      hasContent: false,
    });
    return;
  }
  const opener = PAIRS[image];
  if (opener) {
    if (top && top.open === opener) stack.pop();
    return;
  }
  if (!top) return;
  if (image === ",") {
    if (top.keyword !== undefined) top.keywords.push(top.keyword);
    else if (top.hasContent) top.positional++;
    delete top.keyword;
    top.hasContent = false;
    return;
  }
  if (image === "=" && prev?.tokenType.name === "Identifier") {
    top.keyword = prev.image;
    top.hasContent = false;
    return;
  }
  if (top.open === "{" && prev && prev.image !== "=" && t.startLine !== prev.endLine) {
    // A new statement on a new line.
    delete top.keyword;
  }
  top.hasContent = true;
}

function innermostCall(stack: readonly Frame[]): CursorInfo["call"] {
  for (let i = stack.length - 1; i >= 0; i--) {
    const f = stack[i]!;
    if (f.open === "{") return undefined;
    if (f.open === "(" && f.callee !== undefined) {
      return {
        callee: f.callee,
        modelOptions: f.modelOptions === true,
        ...(f.parentKeyword !== undefined ? { parentKeyword: f.parentKeyword } : {}),
        given: f.keywords,
        positional: f.positional,
        ...(f.keyword !== undefined ? { keyword: f.keyword } : {}),
      };
    }
  }
  return undefined;
}

function contextOf(stack: readonly Frame[], top: Frame | undefined, prev: IToken | undefined, text: string, at: number, inString: boolean): CursorContext {
  if (!top) return { kind: "top" };
  if (top.open === "{") {
    const lineStart = text.lastIndexOf("\n", at - 1) + 1;
    const before = text.slice(lineStart, at).trim();
    if (before === "" || before === "," || /^[A-Za-z_]\w*\s*=$/.test(before) || prev?.image === "{") return { kind: "statement", model: top.callee ?? "" };
    return { kind: "none" };
  }
  if (top.open === "[") {
    const owner = stack[stack.length - 2];
    if (owner?.application === true && owner.keyword === undefined) return { kind: "tensors" };
    if (owner?.open === "(" && owner.callee !== undefined && owner.keyword !== undefined) {
      return { kind: "value", callee: owner.callee, modelOptions: owner.modelOptions === true, ...(owner.parentKeyword !== undefined ? { parentKeyword: owner.parentKeyword } : {}), keyword: owner.keyword, inList: true, inString };
    }
    return { kind: "none" };
  }
  if (top.application === true) return top.keyword === undefined && !top.hasContent ? { kind: "tensors" } : { kind: "none" };
  if (top.callee === undefined) return { kind: "none" };
  const base = { callee: top.callee, modelOptions: top.modelOptions === true, ...(top.parentKeyword !== undefined ? { parentKeyword: top.parentKeyword } : {}) };
  if (top.keyword !== undefined) {
    if (top.hasContent) return { kind: "none" };
    return { kind: "value", ...base, keyword: top.keyword, inList: false, inString };
  }
  if (top.hasContent) return { kind: "none" };
  return { kind: "argument", ...base, given: top.keywords, positional: top.positional, inString };
}
