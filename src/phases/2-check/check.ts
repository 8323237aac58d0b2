/**
 * Check: resolves each statement of each model against the layer registry,
 * applies Keras 3 defaults, validates arguments, infers shapes, validates
 * `compile(...)`, enforces limits, and lowers to ModelIR. Never throws on
 * user input; analysis continues past errors so one run reports as many
 * independent mistakes as possible.
 */
import type { FileNode } from "../1-parse/ast.js";
import { IR_VERSION, type ModelIR, type ProgramIR } from "../../ir/model-ir.js";
import { makeDiagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { LineMap, type Span } from "../../source.js";
import type { Sink } from "./args.js";
import { resolveLimits, type CheckOptions } from "./options.js";
import { FunctionalChecker, isFunctional } from "./graph.js";
import { ModelChecker } from "./model-checker.js";

export { formatShape } from "./model-checker.js";

export interface CheckResult {
  /** Models that checked without errors (all of them when there is no error). */
  readonly ir: ProgramIR;
  readonly diagnostics: Diagnostic[];
}

export function checkFile(ast: FileNode, text: string, fileName: string, opts: CheckOptions = {}): CheckResult {
  const sink: Sink = { diags: [] };
  const lines = new LineMap(text);
  const limits = resolveLimits(opts);
  const models: ModelIR[] = [];
  const seen = new Map<string, Span>();
  if (ast.models.length === 0) sink.diags.push(makeDiagnostic("file_no_models", { start: 0, end: 0 }));
  for (const model of ast.models) {
    if (model.name.missing) continue;
    const prev = seen.get(model.name.name);
    if (prev) {
      sink.diags.push(
        makeDiagnostic("model_duplicate", model.name.span, { name: model.name.name }, {
          related: [{ message: `\`${model.name.name}\` is first declared here`, span: prev }],
        }),
      );
    } else seen.set(model.name.name, model.name.span);
    const before = sink.diags.length;
    const Checker = isFunctional(model.statements) ? FunctionalChecker : ModelChecker;
    const ir = new Checker(model, lines, sink, limits, opts).run();
    if (ir && !sink.diags.slice(before).some((d) => d.severity === "error")) models.push(ir);
  }
  const silenced = new Set(opts.silence ?? []);
  const diagnostics = sink.diags.filter((d) => d.severity === "error" || !silenced.has(d.code));
  return { ir: { version: IR_VERSION, fileName, models }, diagnostics };
}

