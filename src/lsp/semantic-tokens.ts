/**
 * Semantic tokens: the lexer's tokens classified by what the checker's
 * vocabulary says they are (a layer, an argument name, an activation…),
 * encoded as the protocol's relative five-integer groups.
 */
import type { IToken } from "chevrotain";
import { nnLexer } from "../../grammar/tokens.js";
import { lookupCallee } from "./vocab.js";
import { activationNames, has, lossNames, metricNames, optimizerNames, initializerNames } from "../phases/2-check/vocabulary.js";
import type { Analysis } from "./analysis.js";

export const tokenTypes = ["keyword", "class", "function", "parameter", "enumMember", "number", "string", "comment", "variable", "type"] as const;
export const tokenModifiers = ["declaration", "defaultLibrary"] as const;
type TokenType = (typeof tokenTypes)[number];

interface Classified {
  readonly start: number;
  readonly length: number;
  readonly type: TokenType;
  readonly modifiers: number;
}

const isValueName = (n: string): boolean => has(activationNames, n) || has(lossNames, n) || has(optimizerNames, n) || has(metricNames, n) || has(initializerNames, n);

function classify(tokens: readonly IToken[], comments: readonly IToken[]): Classified[] {
  const out: Classified[] = comments.map((c) => ({ start: c.startOffset, length: c.image.length, type: "comment", modifiers: 0 }));
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    const prev = tokens[i - 1];
    const name = t.tokenType.name;
    const add = (type: TokenType, modifiers = 0) => out.push({ start: t.startOffset, length: t.image.length, type, modifiers });
    if (name === "Model") add("keyword");
    else if (name === "Bool" || name === "None") add("keyword");
    else if (name === "NumberLiteral") add("number");
    else if (name === "ClosedString" || name === "UnterminatedString") add(isValueName(t.image.slice(1, -1)) ? "enumMember" : "string");
    else if (name === "Identifier") {
      if (prev?.tokenType.name === "Model") add("class", 1);
      else if (next?.image === "=" && prev?.image !== "=") add(prev?.image === "(" || prev?.image === "," ? "parameter" : "variable", 1);
      else if (next?.image === "(" || lookupCallee(t.image)?.kind === "layer") {
        const c = lookupCallee(t.image);
        add(c?.kind === "layer" || c?.kind === "input" ? "type" : "function", 2);
      } else if (isValueName(t.image)) add("enumMember", 2);
      else add("variable");
    }
  });
  return out.sort((a, b) => a.start - b.start);
}

/** The full-document semantic tokens, encoded for the protocol. */
export function semanticTokens(a: Analysis): number[] {
  const lexed = nnLexer.tokenize(a.text);
  const data: number[] = [];
  let line = 0;
  let char = 0;
  for (const c of classify(lexed.tokens, lexed.groups["comments"] ?? [])) {
    const p = a.lines.position(c.start);
    const l = p.line - 1;
    const ch = p.column - 1;
    data.push(l - line, l === line ? ch - char : ch, c.length, tokenTypes.indexOf(c.type), c.modifiers);
    line = l;
    char = ch;
  }
  return data;
}
