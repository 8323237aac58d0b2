/**
 * Emit: ModelIR → one TypeScript module. The class scaffolding comes from
 * templates/model.ts through ts-morph (placeholders renamed, fields and
 * method bodies filled); the bodies are the layers' kernels specialized by
 * specialize.ts and rendered by render.ts; prettier formats the module once.
 * Output is deterministic: same IR and options → same bytes.
 */
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Project,
  Scope,
  StructureKind,
  type ClassDeclarationStructure,
  type ImportDeclarationStructure,
  type StatementStructures,
  type VariableStatementStructure,
} from "ts-morph";
import * as prettier from "prettier";
import type { ModelIR, ProgramIR } from "../../ir/model-ir.js";
import { planModel, type ModelPlan } from "../../plan/plan.js";
import { metaOf } from "../../plan/meta.js";
import { makeDiagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import type { Stmt } from "../../kernel/expr.js";
import { VERSION } from "../../version.js";
import { specialize, work } from "./specialize.js";
import { renderStmts, type RenderState } from "./render.js";
import { shouldUnroll, UNROLL_THRESHOLD } from "./policy.js";

export interface EmitOptions {
  /** Source file name shown in the banner (base name only is used). */
  readonly fileName: string;
  /** Module the generated code imports the runtime from. */
  readonly runtimeImport?: string;
  /** Replace the banner line; false drops it. */
  readonly banner?: string | false;
  readonly maxStatements: number;
  readonly unrollThreshold?: number;
  /** Spans of model names, for positioning size-budget diagnostics. */
  readonly modelSpans?: ReadonlyMap<string, Span>;
}

/**
 * Above this many statements, formatting uses indentBraces instead of
 * prettier: prettier costs about 0.5–1 ms per statement here, which would
 * make large unrolled models take seconds to compile. indentBraces is
 * linear and deterministic.
 */
export const PRETTIER_MAX_STATEMENTS = 1_500;

export interface ModelStats {
  readonly name: string;
  readonly statements: number;
}

export interface EmitResult {
  readonly code?: string;
  readonly diagnostics: Diagnostic[];
  readonly stats: ModelStats[];
}

function findTemplate(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "templates", "model.ts");
    if (existsSync(candidate)) return readFileSync(candidate, "utf8");
    dir = dirname(dir);
  }
  throw new Error("layerc internal error: templates/model.ts not found next to the package");
}

interface RenderedModel {
  readonly source: string;
  readonly statements: number;
  readonly helpers: ReadonlySet<string>;
  /** Specialized bodies keyed by marker name, spliced in after printing. */
  readonly bodies: ReadonlyMap<string, string>;
}

function renderKernel(plan: ModelPlan, kernel: readonly Stmt[], st: RenderState, threshold: number): string {
  const unroll = shouldUnroll(plan.model.unroll, work(kernel), threshold);
  return `{\n${renderStmts(specialize(kernel, { unroll, reserved: reservedNames(plan) }), st).join("\n")}\n}`;
}

function renderKernels(
  plan: ModelPlan,
  pick: (l: ModelPlan["layers"][number]) => readonly Stmt[],
  reverse: boolean,
  st: RenderState,
  threshold: number,
): string[] {
  const layers = reverse ? [...plan.layers].reverse() : plan.layers;
  const out: string[] = [];
  for (const l of layers) {
    const kernel = pick(l);
    if (kernel.length === 0) continue;
    out.push(`// ${l.layer.name}: ${l.layer.kind}, line ${l.layer.line}${reverse ? " (backward)" : ""}`, renderKernel(plan, kernel, st, threshold));
  }
  return out;
}

/**
 * The forward pass: each layer once, except layers that behave differently
 * in training (dropout, batch statistics), which get an if/else on
 * `training` of their own; the rest of the model is not duplicated.
 */
function renderForward(plan: ModelPlan, noise: readonly string[], st: RenderState, threshold: number): string[] {
  const out: string[] = noise.length ? [`if (training) {\n${noise.join("\n")}\n}`] : [];
  for (const l of plan.layers) {
    if (l.forward.length === 0 && l.forwardTrain.length === 0) continue;
    out.push(`// ${l.layer.name}: ${l.layer.kind}, line ${l.layer.line}`);
    const same = !plan.training || JSON.stringify(l.forward) === JSON.stringify(l.forwardTrain);
    if (same) out.push(renderKernel(plan, l.forward, st, threshold));
    else out.push(`if (training) ${renderKernel(plan, l.forwardTrain, st, threshold)} else ${renderKernel(plan, l.forward, st, threshold)}`);
  }
  return out;
}

/** Identifiers the generated methods bind; kernel locals must not shadow them. */
function reservedNames(plan: ModelPlan): Set<string> {
  return new Set(["p", "g", "x", "n", "dOut", "training", "capacity", "this", ...plan.buffers.keys()]);
}

function declareLocals(st: RenderState, body: string[], plan: ModelPlan): string[] {
  const heads: string[] = [];
  if (body.some((l) => l.includes("p["))) heads.push("const p = this.params;");
  if (body.some((l) => l.includes("g["))) heads.push("const g = this.grads;");
  for (const name of plan.buffers.keys()) if (st.used.has(name)) heads.push(`const ${name} = this.${name};`);
  return [...heads, ...body];
}

/** Marker statements the scaffold carries until the specialized bodies are spliced in. */
const marker = (key: string) => `__layerc_body_${key}__;`;

/**
 * The template's scaffolding as ts-morph structures (plain data), parsed
 * once per compile; each model gets an edited copy, and the module is
 * printed from structures in one pass instead of re-parsing after every edit.
 */
interface Scaffold {
  readonly meta: VariableStatementStructure;
  readonly cls: ClassDeclarationStructure;
}

function loadScaffold(project: Project): Scaffold {
  const sf = project.createSourceFile("template.ts", findTemplate(), { overwrite: true });
  const meta = sf.getVariableStatementOrThrow((v) => v.getDeclarations()[0]?.getName() === "__META__").getStructure();
  const cls = sf.getClassOrThrow("__MODEL__").getStructure();
  return { meta, cls };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Rewrites `__layerc_body_key__` markers inside a structure to `__layerc_body_<prefix>key__`. */
function markPrefix(st: StatementStructures, prefix: string): void {
  const fix = (t: string) => t.replace(/__layerc_body_(\w+?)__/g, (_m, k: string) => `__layerc_body_${prefix}${k}__`);
  if (st.kind === StructureKind.VariableStatement) {
    for (const d of st.declarations) if (typeof d.initializer === "string") (d as { initializer?: string }).initializer = fix(d.initializer);
  } else if (st.kind === StructureKind.Class) {
    for (const m of st.methods ?? []) m.statements = ((m.statements ?? []) as string[]).map(fix);
  }
}

function fillClass(scaffold: Scaffold, model: ModelIR, plan: ModelPlan, threshold: number): RenderedModel & { structures: StatementStructures[] } {
  const metaName = `${model.name}Meta`;
  const rename = (text: string) => text.replace(/\b__META__\b/g, metaName).replace(/\b__MODEL__\b/g, model.name);
  const meta = clone(scaffold.meta);
  meta.declarations = meta.declarations.map((d) => ({ ...d, name: metaName, initializer: marker("meta").slice(0, -1) }));
  const cls = clone(scaffold.cls);
  cls.name = model.name;
  // only a model with compile(...) has training methods, so only it extends TrainableModel
  cls.extends = plan.training ? "TrainableModel" : "ModelBase";
  for (const c of cls.ctors ?? []) c.statements = ((c.statements ?? []) as string[]).map(rename);

  const acts = [...plan.buffers].filter(([, s]) => s.kind === "act") as [string, { kind: "act"; perSample: number; random?: boolean; seed?: number }][];
  const props = (cls.properties ?? []).map((prop) =>
    prop.name === "inputShape" ? { ...prop, initializer: JSON.stringify(model.inputShape) } : prop.name === "outputShape" ? { ...prop, initializer: JSON.stringify(model.outputShape) } : prop,
  );
  cls.properties = [...props, ...acts.map(([name]) => ({ kind: StructureKind.Property as const, name, scope: Scope.Private, initializer: "new Float64Array(0)" }))];

  const bodies = new Map<string, string>([["meta", JSON.stringify(metaOf(model, plan))]]);
  bodies.set("allocate", acts.length ? acts.map(([name, s]) => `this.${name} = new Float64Array(capacity * ${s.perSample});`).join("\n") : "void capacity;");

  const helpers = new Set<string>();
  const fwdState: RenderState = { storage: plan.buffers, helpers, used: new Set(), tmp: 0, statements: 0 };
  const noise = plan.training
    ? acts.filter(([, s]) => s.random).map(([name, s]) => `this.fillUniform(this.${name}, n * ${s.perSample}${s.seed !== undefined ? `, ${s.seed}` : ""});`)
    : [];
  const fwd = declareLocals(fwdState, renderForward(plan, noise, fwdState, threshold), plan);
  fwd.push(`return this.${plan.output};`);
  bodies.set("forward", fwd.join("\n"));

  let statements = fwdState.statements;
  if (plan.training) {
    const bwdState: RenderState = { storage: plan.buffers, helpers, used: new Set(), tmp: 0, statements: 0 };
    const body = renderKernels(plan, (l) => l.backward, true, bwdState, threshold);
    bodies.set("backward", declareLocals(bwdState, body, plan).join("\n"));
    statements += bwdState.statements;
  }
  if (plan.fused) bodies.set("logits", `return this.${plan.fused.logits};`);
  cls.methods = (cls.methods ?? [])
    .filter((m) => bodies.has(m.name))
    .map((m) => ({ ...m, statements: [marker(m.name)] }));

  return { source: "", statements, helpers, bodies, structures: [meta, cls] };
}

/**
 * Indents brace-structured code deterministically; used instead of prettier
 * for very large bodies, where prettier's cost would dominate compile time.
 * Safe because rendered bodies contain no strings or template literals.
 */
function indentBraces(code: string): string {
  let depth = 0;
  return code
    .split("\n")
    .map((raw) => {
      const line = raw.trim();
      if (line === "") return "";
      const opens = (line.match(/[{([]/g) ?? []).length;
      const closes = (line.match(/[})\]]/g) ?? []).length;
      const lead = /^[})\]]/.test(line) ? 1 : 0;
      const out = "  ".repeat(Math.max(0, depth - lead)) + line;
      depth += opens - closes;
      return out;
    })
    .join("\n");
}

export async function emitProgram(program: ProgramIR, opts: EmitOptions): Promise<EmitResult> {
  const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
  const diagnostics: Diagnostic[] = [];
  const stats: ModelStats[] = [];
  const helpers = new Set<string>();
  const threshold = opts.unrollThreshold ?? UNROLL_THRESHOLD;
  const scaffold = loadScaffold(project);
  const bodies = new Map<string, string>();
  const structures: StatementStructures[] = [];
  for (const model of program.models) {
    const r = fillClass(scaffold, model, planModel(model), threshold);
    stats.push({ name: model.name, statements: r.statements });
    if (r.statements > opts.maxStatements) {
      diagnostics.push(
        makeDiagnostic("limit_code_size", opts.modelSpans?.get(model.name) ?? { start: 0, end: 0 }, {
          model: model.name,
          count: r.statements,
          limit: opts.maxStatements,
        }),
      );
      continue;
    }
    r.helpers.forEach((h) => helpers.add(h));
    // markers are per model: prefix them so several models can share one module
    const prefix = `${model.name}_`;
    for (const st of r.structures) markPrefix(st, prefix);
    for (const [k, v] of r.bodies) bodies.set(prefix + k, v);
    structures.push(...r.structures);
  }
  if (diagnostics.length > 0) return { diagnostics, stats };

  const bases = new Set(program.models.map((m) => (m.training ? "TrainableModel" : "ModelBase")));
  const named = [...[...bases].sort(), ...[...helpers].sort()];
  const importDecl: ImportDeclarationStructure = {
    kind: StructureKind.ImportDeclaration,
    moduleSpecifier: opts.runtimeImport ?? "layerc/runtime",
    namedImports: [...named.map((n) => ({ name: n })), { name: "ModelMeta", isTypeOnly: true }, { name: "ModelOptions", isTypeOnly: true }],
  };
  // one blank line after the import, as prettier keeps it
  const out = project.createSourceFile("module.ts", { statements: [importDecl, (w) => w.blankLine(), ...structures] }, { overwrite: true });
  const base = opts.fileName.split(/[\\/]/).pop()!.replace(/[\r\n\u2028\u2029]/g, " ");
  const banner = opts.banner === false ? "" : `// ${opts.banner ?? `generated by layerc ${VERSION} from ${base} — do not edit`}\n`;
  // splice the specialized bodies into the printed scaffold (one pass)
  const text = banner + out.getFullText().replace(/__layerc_body_(\w+?)__;?/g, (m, key: string) => bodies.get(key) ?? m);
  const total = stats.reduce((n, m) => n + m.statements, 0);
  // babel-ts prints the same as the typescript parser here, at about half the cost
  const code = total > PRETTIER_MAX_STATEMENTS ? `${indentBraces(text)}\n` : await prettier.format(text, { parser: "babel-ts", printWidth: 100 });
  return { code, diagnostics, stats };
}
