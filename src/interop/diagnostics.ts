/**
 * Diagnostics of import and export. Their codes live in the one catalog
 * (src/diagnostics/catalog.ts, `source: "keras-file"`); since the problem
 * sits in a Keras file rather than in a spec, such a diagnostic has an
 * empty span and carries `path`, the place in that file's config
 * (`config.layers[2].config.kernel_regularizer`).
 */
import { catalog, type DiagnosticCode } from "../diagnostics/catalog.js";
import { makeDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";

/** The catalog codes import and export report. */
export type InteropCode = {
  [K in DiagnosticCode]: (typeof catalog)[K] extends { readonly source: "keras-file" } ? K : never;
}[DiagnosticCode];

/** One import or export problem: a catalog diagnostic whose `path` locates it in the Keras config (or the file). */
export type InteropDiagnostic = Diagnostic & { readonly code: InteropCode };

export function interopDiagnostic(
  code: InteropCode,
  message: string,
  path?: string,
): InteropDiagnostic {
  const d = makeDiagnostic(code, { start: 0, end: 0 }, { detail: message });
  return { ...d, code, ...(path !== undefined ? { path } : {}) };
}

/** Thrown inside import for a file that cannot be read at all; caught at the API and turned into a diagnostic. */
export class InteropFailure extends Error {
  constructor(readonly diagnostic: InteropDiagnostic) {
    super(diagnostic.message);
  }
}

export function failImport(
  code: InteropCode,
  message: string,
  path?: string,
): never {
  throw new InteropFailure(interopDiagnostic(code, message, path));
}
