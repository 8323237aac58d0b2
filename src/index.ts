/**
 * layerc: compile Keras-style `.nn` model specs into specialized TypeScript.
 * The public API (DESIGN.md §1). Everything else is internal.
 *
 * Every export below is documented where it is declared; a test checks that
 * none lacks TSDoc. The API keeps no module-level mutable state, so any
 * number of calls may run concurrently (as build plugins do).
 *
 * @packageDocumentation
 */

/** Compiling, checking, parsing, interpreting and rendering diagnostics. */
export { compile, check, parse, interpret, formatDiagnostics, LayercCompileError } from "./api/api.js";
export type { CompileOptions, CompileResult, CheckResult, ParseResult, ModelInfo, EmbedWeights } from "./api/api.js";

/** Diagnostics: data, never exceptions. */
export type { Diagnostic, RelatedInformation } from "./diagnostics/diagnostic.js";
export type { DiagnosticCode, Severity } from "./diagnostics/catalog.js";
export { catalog } from "./diagnostics/catalog.js";

/** Limits checked before allocation or emission. */
export type { Limits } from "./phases/2-check/options.js";
export { defaultLimits } from "./phases/2-check/options.js";

/** The checked intermediate representation (plain, versioned JSON). */
export type { ModelIR, ProgramIR, LayerIR, ParamIR } from "./ir/model-ir.js";

/** The constructor type of generated and interpreted model classes. */
export type { Model, ModelClass } from "./interpreter/interpret.js";

/** Canonical formatting of spec files (`layerc fmt`). */
export { formatSpec } from "./phases/fmt/format.js";
export type { FormatResult } from "./phases/fmt/format.js";

/** Watch mode (`layerc watch`) as a library. */
export { watch } from "./cli/watch.js";
export type { WatchOptions, WatchEvent, Watcher } from "./cli/watch.js";
export type { Io } from "./cli/main.js";

/** Keras / TensorFlow.js interop: `layerc import` and `layerc export` as a library. */
export { importModel } from "./interop/import.js";
export type { ImportOptions, ImportResult, ImportFormat } from "./interop/import.js";
export { exportModel } from "./interop/export.js";
export type { ExportOptions, ExportResult, ExportTarget } from "./interop/export.js";
export type { InteropDiagnostic, InteropCode } from "./interop/diagnostics.js";

/** The version printed in generated banners. */
export { VERSION } from "./version.js";
