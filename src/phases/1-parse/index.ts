/**
 * Phase 1 (parse): `.nn` source text → readonly AST (ast.ts) plus syntax
 * diagnostics. parseSource never throws; see parse.ts.
 */
export { parseSource, MAX_NESTING, MAX_SYNTAX_ERRORS, type ParseResult } from "./parse.js";
export type * from "./ast.js";
