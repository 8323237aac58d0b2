/**
 * Type-checking generated modules the way a strict user project would:
 * `strict` plus the stricter flags application tsconfigs commonly add, with
 * `layerc/runtime` resolved to this repository's runtime source.
 */
import { join } from "node:path";
import ts from "typescript";

const root = join(import.meta.dirname, "..", "..");

/** The error messages of type-checking `files` together (empty when they are clean). */
export function typecheckFiles(files: readonly string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    noImplicitReturns: true,
    // common in application tsconfigs (Vite's templates): generated code declares nothing it does not use
    noUnusedLocals: true,
    noUnusedParameters: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    skipLibCheck: true,
    baseUrl: root,
    paths: { "layerc/runtime": ["./src/runtime/index.ts"] },
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}
