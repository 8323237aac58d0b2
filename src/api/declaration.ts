/**
 * Declaration files for generated modules (`layerc build --dts`, and
 * `compile(…, { declaration: true })`): the generated `.nn.ts` text is
 * turned into `.d.ts` text by TypeScript's isolated-declarations emitter
 * (`transpileDeclaration`, from the TypeScript that ts-morph ships, so no
 * extra dependency). That needs no type-checking and no resolution of
 * `layerc/runtime`, because generated code annotates every exported member
 * (the templates are written that way). The generated banner is carried
 * over, so tools can tell the file was produced by layerc.
 */
import { ts } from "ts-morph";
import { InternalError } from "../diagnostics/diagnostic.js";

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  strict: true,
  declaration: true,
};

/** The `.d.ts` text of a generated module (`fileName` is its `.nn.ts` name). */
export function declarationOf(code: string, fileName: string): string {
  const r = ts.transpileDeclaration(code, { fileName, compilerOptions, reportDiagnostics: true });
  const problems = (r.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (problems.length > 0) {
    const text = problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
    throw new InternalError(`generated code for ${fileName} has no isolated declaration: ${text}`);
  }
  const banner = /^(?:\/\/[^\n]*\n)+/.exec(code)?.[0] ?? "";
  return banner + r.outputText;
}
