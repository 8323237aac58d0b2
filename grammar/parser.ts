/**
 * The `.nn` grammar (LANGUAGE.md §3) as a pure Chevrotain CstParser: no
 * semantic actions, no embedded meaning. src/phases/1-parse/parse.ts turns
 * the CST into the AST. Rule and token names here are the CST's shape; the
 * generated grammar/cst.d.ts types it (regenerate with
 * `npx tsx grammar/generate.ts`; a test fails if it drifts).
 *
 * Two deliberate choices:
 * - `(x)` is a parenthesised value and `(x,)` a 1-tuple, as in Python; the
 *   `parens` rule accepts both and the AST builder tells them apart by the
 *   comma.
 * - Trailing commas (`f(a, b,)`, `[1, 2,]`, `Dense(4),` as a statement) are
 *   accepted; the repetitions use two tokens of lookahead (`,` followed by a
 *   value) to tell "another item" from "trailing comma".
 *
 * Recovery in Chevrotain's repetitions re-enters the repetition recursively,
 * so the stack grows with the number of errors in one list. `parseFile`
 * therefore stops the parser (moves it to end of input) once it has seen
 * `errorLimit` distinct error positions; callers report "too many errors"
 * past that point anyway. This hooks two Chevrotain internals (`SAVE_ERROR`,
 * `moveToTerminatedState`, not in its .d.ts; chevrotain is pinned), and
 * test/parse.test.ts ("floods of errors") fails if the hook stops working.
 *
 * Error messages are produced by `labelErrorProvider`: each message is only
 * the *expected* part, in token labels ("`)`", "a value"); parse.ts adds the
 * found token and builds the catalog diagnostic.
 */
import {
  type CstNode,
  CstParser,
  EOF,
  type IParserErrorMessageProvider,
  type IRecognitionException,
  type IToken,
  type TokenType,
  tokenLabel,
} from "chevrotain";
import {
  allTokens,
  Bool,
  Colon,
  Comma,
  Dot,
  Equals,
  Identifier,
  LBrace,
  LBracket,
  LParen,
  Model,
  None,
  NumberLiteral,
  RBrace,
  RBracket,
  RParen,
  Slash,
  Star,
  StringLiteral,
} from "./tokens.js";

/** Token types that can start a value; used to say "a value" in messages. */
const valueStarts: readonly TokenType[] = [NumberLiteral, StringLiteral, Bool, None, Identifier, LParen, LBracket, LBrace];

function labelOf(t: TokenType): string {
  return t === EOF ? "end of file" : tokenLabel(t);
}

/** "`)`", "`)` or `,`", "a value, `)` or `,`". */
export function describeExpected(types: readonly TokenType[]): string {
  // Where a name may come, `model` is just a name pasted Python uses; saying so is noise.
  const unique = [...new Set(types)].filter((t) => t !== Model || !types.includes(Identifier));
  const parts: string[] = [];
  if (valueStarts.every((t) => unique.includes(t))) {
    parts.push("a value");
  }
  for (const t of unique) {
    if (parts[0] === "a value" && valueStarts.includes(t)) continue;
    parts.push(labelOf(t));
  }
  if (parts.length <= 1) return parts[0] ?? "something else";
  return `${parts.slice(0, -1).join(", ")} or ${parts[parts.length - 1]}`;
}

function firstTokens(paths: readonly (readonly TokenType[])[]): TokenType[] {
  return paths.flatMap((p) => (p[0] === undefined ? [] : [p[0]]));
}

/**
 * Messages hold only what was expected; the found token is read from the
 * exception's `token` by parse.ts.
 */
export const labelErrorProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, ruleName }: { expected: TokenType; actual: IToken; ruleName: string }): string {
    // Top-level repetition recovery reports "expected EOF"; a new model is just as valid there.
    return describeExpected(expected === EOF && ruleName === "file" ? [Model, EOF] : [expected]);
  },
  buildNotAllInputParsedMessage(): string {
    return describeExpected([Model, EOF]);
  },
  buildNoViableAltMessage({ expectedPathsPerAlt }: { expectedPathsPerAlt: TokenType[][][] }): string {
    return describeExpected(expectedPathsPerAlt.flatMap(firstTokens));
  },
  buildEarlyExitMessage({ expectedIterationPaths }: { expectedIterationPaths: TokenType[][] }): string {
    return describeExpected(firstTokens(expectedIterationPaths));
  },
};

/** The Chevrotain internals the error limit relies on. */
interface ParserInternals {
  SAVE_ERROR(error: IRecognitionException): IRecognitionException;
  moveToTerminatedState(): void;
}
const internals = CstParser.prototype as unknown as ParserInternals;

export interface FileParse {
  /**
   * A `FileCstNode` (grammar/cst.d.ts). Typed loosely here so emitted
   * declarations do not depend on the generated .d.ts, which tsc does not
   * copy to dist.
   */
  readonly cst: CstNode;
  readonly errors: readonly IRecognitionException[];
}

export class NnParser extends CstParser {
  private errorLimit = Infinity;
  private readonly errorOffsets = new Set<number>();

  /** Parses a whole file, stopping after `errorLimit` distinct error positions. */
  parseFile(tokens: IToken[], errorLimit: number): FileParse {
    this.input = tokens;
    this.errorLimit = errorLimit;
    this.errorOffsets.clear();
    const cst = this.file();
    return { cst, errors: this.errors };
  }

  /** Chevrotain calls this for every recognition error (see the file comment). */
  protected SAVE_ERROR(error: IRecognitionException): IRecognitionException {
    const saved = internals.SAVE_ERROR.call(this, error);
    this.errorOffsets.add(error.token.startOffset);
    if (this.errorOffsets.size >= this.errorLimit) internals.moveToTerminatedState.call(this);
    return saved;
  }

  constructor() {
    super(allTokens, {
      recoveryEnabled: true,
      maxLookahead: 2,
      errorMessageProvider: labelErrorProvider,
    });
    this.performSelfAnalysis();
  }

  /** file = { model } */
  public readonly file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.model));
  });

  /** model = "model" Name [ "(" [ args ] ")" ] "{" { statement [ "," ] } "}" */
  public readonly model = this.RULE("model", () => {
    this.CONSUME(Model);
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.OPTION2(() => this.SUBRULE(this.args));
      this.CONSUME(RParen);
    });
    this.CONSUME(LBrace);
    this.MANY({
      // `model` starts a statement only as pasted Python (`model = …`, `model.add(…)`);
      // `model B {` after an unclosed block is the next model, reported as "expected `}`"
      GATE: () => this.LA(1).tokenType !== Model || this.LA(2).tokenType === Equals || this.LA(2).tokenType === Dot,
      DEF: () => {
        this.SUBRULE(this.statement);
        this.OPTION3(() => this.CONSUME(Comma));
      },
    });
    this.CONSUME(RBrace);
  });

  /**
   * statement = target { "," target } "=" value | call
   * The assignment is pasted Python: `model = keras.Sequential([…])`,
   * `num_classes = 10`, and the functional API's `h = Dense(8)(x)` (the
   * value `Dense(8)` applied to tensors, see `value`) or
   * `seq, h, c = LSTM(8, return_state=True)(x)` (unpacking a call with
   * several outputs); check decides what each form means.
   */
  public readonly statement = this.RULE("statement", () => {
    this.OR([
      {
        // `a, b = …` vs the statements `Flatten, Dense(4)`: only a scan to the `=` tells them apart
        GATE: () => this.assignmentAhead(),
        ALT: () => {
          this.SUBRULE(this.target);
          this.MANY2(() => {
            this.CONSUME(Comma);
            this.SUBRULE2(this.target);
          });
          this.CONSUME(Equals);
          this.SUBRULE(this.value);
        },
      },
      { ALT: () => this.SUBRULE(this.call) },
    ]);
  });

  /** Names separated by commas, then `=`: the tokens ahead start an assignment. */
  private assignmentAhead(): boolean {
    const isName = (i: number) => this.LA(i).tokenType === Identifier || this.LA(i).tokenType === Model;
    if (!isName(1)) return false;
    let i = 1;
    while (this.LA(i + 1).tokenType === Comma && isName(i + 2)) i += 2;
    return this.LA(i + 1).tokenType === Equals;
  }

  /** application = "(" [ args ] ")"  — calling a layer on tensors: the `(x)` of `h = Dense(8)(x)` */
  public readonly application = this.RULE("application", () => {
    this.CONSUME(LParen);
    this.OPTION(() => this.SUBRULE(this.args));
    this.CONSUME(RParen);
  });

  /** target = Name  (`model` included, as Python code names its model so) */
  public readonly target = this.RULE("target", () => {
    this.OR([{ ALT: () => this.CONSUME(Identifier) }, { ALT: () => this.CONSUME(Model) }]);
  });

  /**
   * call = target { "." Name } [ "(" [ args ] ")" ]
   * The dotted prefix is a Keras module path (`tf.keras.layers.Dense`) or the
   * model variable (`model.add`); check validates it.
   */
  public readonly call = this.RULE("call", () => {
    this.SUBRULE(this.target);
    this.MANY(() => {
      this.CONSUME(Dot);
      this.CONSUME(Identifier);
    });
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.OPTION2(() => this.SUBRULE(this.args));
      this.CONSUME(RParen);
    });
  });

  /**
   * args = arg { [","] arg } [ "," ]
   * The language requires the comma; the grammar lets it be missing between
   * arguments on one line so that parse.ts can report exactly that
   * (syntax_missing_comma) and the rest of the call still parses and checks.
   */
  public readonly args = this.RULE("args", () => {
    this.SUBRULE(this.arg);
    this.MANY({
      // without a comma, the next argument must start on the same line: across a line
      // break the likelier mistake is an unclosed `(`, reported as "expected `)`"
      GATE: () => this.LA(1).tokenType === Comma || this.LA(1).startLine === this.LA(0).endLine,
      DEF: () => {
        this.OPTION3(() => this.CONSUME(Comma));
        this.SUBRULE2(this.arg);
      },
    });
    this.OPTION(() => this.CONSUME2(Comma));
  });

  /** arg = [ Name "=" ] value */
  public readonly arg = this.RULE("arg", () => {
    this.OPTION(() => {
      this.CONSUME(Identifier);
      this.CONSUME(Equals);
    });
    this.SUBRULE(this.value);
  });

  /**
   * value = number | String | Bool | None | call { application } | tuple | list | dict
   * (call covers Name). The applications are layer calls on tensors, as
   * Python nests them anywhere a value goes: `Add()([Dense(4)(x), y])`.
   */
  public readonly value = this.RULE("value", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.number) },
      { ALT: () => this.CONSUME(StringLiteral) },
      { ALT: () => this.CONSUME(Bool) },
      { ALT: () => this.CONSUME(None) },
      {
        ALT: () => {
          this.SUBRULE(this.call);
          this.MANY(() => this.SUBRULE(this.application));
        },
      },
      { ALT: () => this.SUBRULE(this.parens) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.dict) },
    ]);
  });

  /** number = Number { ( "/" | "*" ) Number }  — constant arithmetic, folded by the AST builder */
  public readonly number = this.RULE("number", () => {
    this.CONSUME(NumberLiteral);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(Slash) }, { ALT: () => this.CONSUME(Star) }]);
      this.CONSUME2(NumberLiteral);
    });
  });

  /** parens = "(" [ value [ "," [ values ] ] ] ")"  — a tuple, or `(x)` = x */
  public readonly parens = this.RULE("parens", () => {
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.value);
      this.OPTION2(() => {
        this.CONSUME(Comma);
        this.OPTION3(() => this.SUBRULE(this.values));
      });
    });
    this.CONSUME(RParen);
  });

  /** list = "[" [ values ] "]" */
  public readonly list = this.RULE("list", () => {
    this.CONSUME(LBracket);
    this.OPTION(() => this.SUBRULE(this.values));
    this.CONSUME(RBracket);
  });

  /** dict = "{" [ entry { "," entry } [ "," ] ] "}"  — a Python dict literal, `{'out': 'mse'}` */
  public readonly dict = this.RULE("dict", () => {
    this.CONSUME(LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.entry);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.entry);
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBrace);
  });

  /** entry = value ":" value */
  public readonly entry = this.RULE("entry", () => {
    this.SUBRULE(this.value);
    this.CONSUME(Colon);
    this.SUBRULE2(this.value);
  });

  /** values = value { "," value } [ "," ] */
  public readonly values = this.RULE("values", () => {
    this.SUBRULE(this.value);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.SUBRULE2(this.value);
    });
    this.OPTION(() => this.CONSUME2(Comma));
  });
}

/** The one parser instance; reset per run by assigning `input`. */
export const nnParser = new NnParser();
