/**
 * Building one spec: compile its source and write `<file>.nn.ts` (and, with
 * `dts`, `<file>.nn.d.ts`) atomically. Shared by `layerc build` and watch
 * mode. A spec with errors writes nothing, so its previous output stays;
 * write failures throw (the caller decides whether that ends the run).
 */
import { compile, type CompileOptions } from "../api/api.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { declarationPath, outputPath, writeAtomic, type SpecFile } from "./files.js";

export type Unroll = "auto" | "full" | "loops";

export interface BuildOptions {
  /** Mirror the spec tree under this directory instead of writing beside each spec. */
  readonly outDir?: string;
  /** Overrides every model's `unroll=` option. */
  readonly unroll?: Unroll;
  /** Also write `<file>.nn.d.ts` beside the output. */
  readonly dts?: boolean;
  /** Further compile options (limits, silenced warnings, unroll threshold). */
  readonly compile?: Omit<CompileOptions, "fileName" | "unroll" | "declaration">;
}

export interface SpecBuild {
  /** The `.nn.ts` path this spec compiles to (written only when `ok`). */
  readonly output: string;
  /** The `.nn.d.ts` path, when `dts` is on. */
  readonly declarationOutput?: string;
  readonly diagnostics: readonly Diagnostic[];
  /** No errors: outputs are on disk. */
  readonly ok: boolean;
  /** Outputs whose bytes changed (an edit to a comment may change none). */
  readonly wrote: readonly string[];
}

export async function buildSource(spec: SpecFile, source: string, fileName: string, opts: BuildOptions): Promise<SpecBuild> {
  const output = outputPath(spec, opts.outDir);
  const declarationOutput = opts.dts === true ? declarationPath(output) : undefined;
  const r = await compile(source, {
    ...opts.compile,
    fileName,
    ...(opts.unroll !== undefined ? { unroll: opts.unroll } : {}),
    ...(declarationOutput !== undefined ? { declaration: true } : {}),
  });
  const base = { output, ...(declarationOutput !== undefined ? { declarationOutput } : {}), diagnostics: r.diagnostics };
  if (r.code === undefined) return { ...base, ok: false, wrote: [] };
  const wrote: string[] = [];
  if (writeAtomic(output, r.code)) wrote.push(output);
  if (declarationOutput !== undefined && r.declaration !== undefined && writeAtomic(declarationOutput, r.declaration)) wrote.push(declarationOutput);
  return { ...base, ok: true, wrote };
}
