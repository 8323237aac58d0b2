/**
 * `--format json`: diagnostics as plain data for editors and CI. One JSON
 * document per run (printed by main.ts): `{ version, files: [{ file, ok,
 * models?, outputs?, diagnostics }], errors, warnings }`. Positions are
 * 1-based lines and columns (UTF-16 code units), end exclusive, as in the
 * rendered text; `related` notes carry their own positions.
 */
import type { Diagnostic } from "../index.js";

export interface JsonPosition {
  readonly line: number;
  readonly column: number;
}

export interface JsonDiagnostic {
  readonly severity: "error" | "warning";
  readonly code: string;
  readonly message: string;
  readonly start: JsonPosition;
  readonly end: JsonPosition;
  readonly suggestion?: string;
  readonly related?: readonly { readonly message: string; readonly start: JsonPosition; readonly end: JsonPosition }[];
}

export interface FileReport {
  readonly file: string;
  /** No errors (for build: outputs are on disk). */
  readonly ok: boolean;
  readonly models?: readonly string[];
  readonly outputs?: readonly string[];
  readonly diagnostics: readonly JsonDiagnostic[];
}

/** 1-based line and column of an offset. */
function position(source: string, offset: number): JsonPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf("\n"); i !== -1 && i < offset; i = source.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

export function diagnosticJson(d: Diagnostic, source: string): JsonDiagnostic {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    start: position(source, d.span.start),
    end: position(source, d.span.end),
    ...(d.suggestion !== undefined ? { suggestion: d.suggestion } : {}),
    ...(d.related !== undefined && d.related.length > 0
      ? { related: d.related.map((r) => ({ message: r.message, start: position(source, r.span.start), end: position(source, r.span.end) })) }
      : {}),
  };
}
