/**
 * The public API: thin functions over the phases. User errors are data in
 * `diagnostics`, never thrown (interpret, which must return classes, throws
 * one LayercCompileError carrying them). No module-level mutable state, so
 * concurrent calls from a build tool are safe.
 */
import { parseSource } from "../phases/1-parse/index.js";
import type { FileNode } from "../phases/1-parse/ast.js";
import { checkFile } from "../phases/2-check/check.js";
import { resolveLimits, type CheckOptions, type Limits } from "../phases/2-check/options.js";
import { emitProgram, type ModelStats } from "../phases/3-emit/emit.js";
import { interpretModel, type ModelClass } from "../interpreter/interpret.js";
import type { ProgramIR, Shape } from "../ir/model-ir.js";
import { hasErrors, makeDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { formatDiagnostics as render, type RenderOptions } from "../diagnostics/render.js";
import { LineMap, type Span } from "../source.js";

export interface CompileOptions extends CheckOptions {
  /** Shown in diagnostics and the generated banner. */
  readonly fileName?: string;
  /** Module specifier generated code imports the runtime from (default `layerc/runtime`). */
  readonly runtimeImport?: string;
  /** Banner line text; false omits it. */
  readonly banner?: string | false;
  /** Per-kernel work below which `unroll=auto` unrolls (default UNROLL_THRESHOLD). */
  readonly unrollThreshold?: number;
}

export interface ModelInfo {
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly paramCount: number;
  readonly trainable: boolean;
  readonly layers: readonly { readonly name: string; readonly kind: string; readonly outputShape: Shape; readonly params: number }[];
}

export interface ParseResult {
  readonly ast: FileNode;
  readonly diagnostics: Diagnostic[];
}

export interface CheckResult {
  readonly diagnostics: Diagnostic[];
  readonly models: ModelInfo[];
  /** The checked IR (models without errors). */
  readonly ir: ProgramIR;
}

export interface CompileResult extends CheckResult {
  /** The generated module; absent when there is any error. */
  readonly code?: string;
  readonly stats?: readonly ModelStats[];
}

const EMPTY_FILE: FileNode = { kind: "File", models: [], comments: [], span: { start: 0, end: 0 } };

/** Adds file and 1-based line/column to each diagnostic. */
function locate(diags: readonly Diagnostic[], source: string, fileName: string | undefined): Diagnostic[] {
  const lines = new LineMap(source);
  return diags.map((d) => {
    const s = lines.position(d.span.start);
    const e = lines.position(d.span.end);
    return { ...d, ...(fileName !== undefined ? { file: fileName } : {}), line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
  });
}

function parseChecked(source: string, opts: CompileOptions, limits: Limits): ParseResult {
  if (typeof source !== "string") throw new TypeError("layerc: source must be a string");
  const bytes = Buffer.byteLength(source, "utf8");
  if (bytes > limits.maxFileBytes) {
    return { ast: EMPTY_FILE, diagnostics: [makeDiagnostic("file_too_large", { start: 0, end: 0 }, { size: bytes, limit: limits.maxFileBytes })] };
  }
  return parseSource(source);
}

export function parse(source: string, opts: CompileOptions = {}): ParseResult {
  const r = parseChecked(source, opts, resolveLimits(opts));
  return { ast: r.ast, diagnostics: locate(r.diagnostics, source, opts.fileName) };
}

function modelInfo(ir: ProgramIR): ModelInfo[] {
  return ir.models.map((m) => ({
    name: m.name,
    inputShape: m.inputShape,
    outputShape: m.outputShape,
    paramCount: m.paramCount,
    trainable: m.training !== null,
    layers: m.layers.map((l) => ({ name: l.name, kind: l.kind, outputShape: l.outputShape, params: l.params.reduce((s, p) => s + p.size, 0) })),
  }));
}

function checkRaw(source: string, opts: CompileOptions): { diagnostics: Diagnostic[]; ir: ProgramIR; ast: FileNode } {
  const limits = resolveLimits(opts);
  const parsed = parseChecked(source, opts, limits);
  const fileName = opts.fileName ?? "<input>";
  if (hasErrors(parsed.diagnostics)) {
    return { diagnostics: parsed.diagnostics, ir: { version: 1, fileName, models: [] }, ast: parsed.ast };
  }
  const checked = checkFile(parsed.ast, source, fileName, opts);
  return { diagnostics: [...parsed.diagnostics, ...checked.diagnostics], ir: checked.ir, ast: parsed.ast };
}

export function check(source: string, opts: CompileOptions = {}): CheckResult {
  const r = checkRaw(source, opts);
  return { diagnostics: locate(r.diagnostics, source, opts.fileName), models: modelInfo(r.ir), ir: r.ir };
}

export async function compile(source: string, opts: CompileOptions = {}): Promise<CompileResult> {
  const r = checkRaw(source, opts);
  const models = modelInfo(r.ir);
  if (hasErrors(r.diagnostics)) return { diagnostics: locate(r.diagnostics, source, opts.fileName), models, ir: r.ir };
  const modelSpans = new Map<string, Span>(r.ast.models.map((m) => [m.name.name, m.name.span]));
  const emitted = await emitProgram(r.ir, {
    fileName: opts.fileName ?? "input.nn",
    maxStatements: resolveLimits(opts).maxStatements,
    modelSpans,
    ...(opts.runtimeImport !== undefined ? { runtimeImport: opts.runtimeImport } : {}),
    ...(opts.banner !== undefined ? { banner: opts.banner } : {}),
    ...(opts.unrollThreshold !== undefined ? { unrollThreshold: opts.unrollThreshold } : {}),
  });
  const diagnostics = locate([...r.diagnostics, ...emitted.diagnostics], source, opts.fileName);
  if (emitted.code === undefined || hasErrors(emitted.diagnostics)) return { diagnostics, models, ir: r.ir, stats: emitted.stats };
  return { code: emitted.code, diagnostics, models, ir: r.ir, stats: emitted.stats };
}

/** Thrown by interpret() when the spec has errors; carries the diagnostics. */
export class LayercCompileError extends Error {
  override name = "LayercCompileError";
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    source: string,
    fileName: string | undefined,
  ) {
    super(`spec has errors:\n${render(diagnostics.filter((d) => d.severity === "error"), source, fileName !== undefined ? { fileName } : {})}`);
  }
}

/** The reference interpreter: one class per model, same interface as generated code. */
export function interpret(source: string, opts: CompileOptions = {}): Record<string, ModelClass> {
  const r = checkRaw(source, opts);
  if (hasErrors(r.diagnostics)) throw new LayercCompileError(locate(r.diagnostics, source, opts.fileName), source, opts.fileName);
  return Object.fromEntries(r.ir.models.map((m) => [m.name, interpretModel(m)]));
}

export function formatDiagnostics(diags: readonly Diagnostic[], source: string, opts: RenderOptions = {}): string {
  return render(diags, source, opts);
}
