/**
 * layerc: compile Keras-style `.nn` model specs into specialized TypeScript.
 * The public API (DESIGN.md §1). Everything else is internal.
 */
export { compile, check, parse, interpret, formatDiagnostics, LayercCompileError } from "./api/api.js";
export type { CompileOptions, CompileResult, CheckResult, ParseResult, ModelInfo } from "./api/api.js";
export type { Diagnostic, RelatedInformation } from "./diagnostics/diagnostic.js";
export type { DiagnosticCode, Severity } from "./diagnostics/catalog.js";
export { catalog } from "./diagnostics/catalog.js";
export type { Limits } from "./phases/2-check/options.js";
export { defaultLimits } from "./phases/2-check/options.js";
export type { ModelIR, ProgramIR, LayerIR, ParamIR } from "./ir/model-ir.js";
export type { ModelClass } from "./interpreter/interpret.js";
export { formatSpec } from "./phases/fmt/format.js";
export { VERSION } from "./version.js";
