/**
 * Phase 1 (parse): `.nn` source text → readonly AST (ast.ts) plus syntax
 * diagnostics. parseSource never throws; see parse.ts.
 * parseDetailed also returns the tokens, for fmt.
 */
export {
  parseSource,
  parseDetailed,
  MAX_NESTING,
  MAX_SYNTAX_ERRORS,
  type ParseResult,
  type DetailedParseResult,
} from "./parse.js";
export type * from "./ast.js";
