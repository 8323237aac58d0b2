/**
 * The `.nn` lexer (LANGUAGE.md §2). Token order is significant: Chevrotain
 * takes the first pattern that matches, so keywords come before Identifier
 * (with `longer_alt` so `models` or `Trueish` stay identifiers) and the
 * closed string comes before the unterminated one.
 *
 * Every token has a LABEL: parser messages print labels, never token names,
 * so users read "expected `)`" rather than "expected RParen".
 *
 * Lexing never throws. Unknown characters become lexer errors (reported as
 * syntax_invalid_character); a string that runs to the end of its line is an
 * `UnterminatedString` token, which shares the `StringLiteral` category with
 * `ClosedString` so the parser accepts it as a string and reports nothing
 * else; parse.ts reports syntax_unterminated_string for it.
 */
import { createToken, Lexer, type TokenType } from "chevrotain";

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

/** `#` and `//` comments; kept in the "comments" group for fmt. */
export const Comment = createToken({
  name: "Comment",
  pattern: /#[^\n\r]*|\/\/[^\n\r]*/,
  group: "comments",
  label: "a comment",
});

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: "a name",
});

export const Model = createToken({
  name: "Model",
  pattern: /model/,
  longer_alt: Identifier,
  label: "`model`",
});

export const Bool = createToken({
  name: "Bool",
  pattern: /True|False|true|false/,
  longer_alt: Identifier,
  label: "a boolean",
});

export const None = createToken({
  name: "None",
  pattern: /None|null/,
  longer_alt: Identifier,
  label: "`None`",
});

/** `4`, `-2`, `0.05`, `.5`, `1.`, `1e-3`, `-2.5E+4`. */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/,
  label: "a number",
});

/** Category shared by closed and unterminated strings; the parser consumes this. */
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: Lexer.NA,
  label: "a string",
});

/**
 * A closed string on one line. Any backslash pair is lexed here so the string
 * still ends at the right quote; parse.ts rejects escapes other than `\\`,
 * `\'` and `\"`.
 */
export const ClosedString = createToken({
  name: "ClosedString",
  pattern: /'(?:[^'\\\n\r]|\\[^\n\r])*'|"(?:[^"\\\n\r]|\\[^\n\r])*"/,
  categories: [StringLiteral],
  label: "a string",
});

/** A quote that runs to the end of its line (or of the file). */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /'(?:[^'\\\n\r]|\\[^\n\r]?)*|"(?:[^"\\\n\r]|\\[^\n\r]?)*/,
  categories: [StringLiteral],
  label: "a string",
});

export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "`(`" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "`)`" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "`[`" });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/, label: "`]`" });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/, label: "`{`" });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/, label: "`}`" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "`,`" });
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "`=`" });
/** Between a key and its value in a `{'out': 'mse'}` dict literal. */
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "`:`" });
/** Module paths (`layers.Dense`, `keras.optimizers.Adam`) and methods (`model.add`). */
export const Dot = createToken({ name: "Dot", pattern: /\./, label: "`.`" });
/** Constant arithmetic between numbers, as pasted Python writes it: `1./255`, `28 * 28`. */
export const Slash = createToken({ name: "Slash", pattern: /\//, label: "`/`" });
export const Star = createToken({ name: "Star", pattern: /\*/, label: "`*`" });

/** In lexing order. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Model,
  Bool,
  None,
  Identifier,
  NumberLiteral,
  StringLiteral,
  ClosedString,
  UnterminatedString,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Equals,
  Colon,
  Dot,
  Slash,
  Star,
];

/** One reused lexer. Diagnostics use offsets (line/column come from LineMap when rendering); token lines serve the parser. */
export const nnLexer = new Lexer(allTokens, {
  positionTracking: "full",
  ensureOptimizations: true,
});
