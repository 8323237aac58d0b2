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
import { Project, Scope, SyntaxKind, type ClassDeclaration, type SourceFile } from "ts-morph";
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
    const unroll = shouldUnroll(plan.model.unroll, work(kernel), threshold);
    const body = renderStmts(specialize(kernel, { unroll, reserved: reservedNames(plan) }), st);
    out.push(`// ${l.layer.name}: ${l.layer.kind}, line ${l.layer.line}${reverse ? " (backward)" : ""}`, `{\n${body.join("\n")}\n}`);
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

function fillClass(sf: SourceFile, model: ModelIR, plan: ModelPlan, threshold: number): RenderedModel {
  const metaName = `${model.name}Meta`;
  for (const id of sf.getDescendantsOfKind(SyntaxKind.Identifier)) {
    const t = id.getText();
    if (t === "__META__") id.replaceWithText(metaName);
    else if (t === "__MODEL__") id.replaceWithText(model.name);
  }
  sf.getVariableDeclarationOrThrow(metaName).setInitializer(marker("meta").slice(0, -1));
  const cls: ClassDeclaration = sf.getClassOrThrow(model.name);
  cls.getStaticPropertyOrThrow("inputShape").asKindOrThrow(SyntaxKind.PropertyDeclaration).setInitializer(JSON.stringify(model.inputShape));
  cls.getStaticPropertyOrThrow("outputShape").asKindOrThrow(SyntaxKind.PropertyDeclaration).setInitializer(JSON.stringify(model.outputShape));

  const acts = [...plan.buffers].filter(([, s]) => s.kind === "act") as [string, { kind: "act"; perSample: number; random?: boolean; seed?: number }][];
  cls.insertProperties(
    2,
    acts.map(([name]) => ({ name, scope: Scope.Private, initializer: "new Float64Array(0)" })),
  );
  const bodies = new Map<string, string>([["meta", JSON.stringify(metaOf(model, plan))]]);
  bodies.set("allocate", acts.length ? acts.map(([name, s]) => `this.${name} = new Float64Array(capacity * ${s.perSample});`).join("\n") : "void capacity;");
  cls.getMethodOrThrow("allocate").setBodyText(marker("allocate"));

  const helpers = new Set<string>();
  const fwdState: RenderState = { storage: plan.buffers, helpers, used: new Set(), tmp: 0, statements: 0 };
  const infer = renderKernels(plan, (l) => l.forward, false, fwdState, threshold);
  const sameModes = !plan.training || plan.layers.every((l) => JSON.stringify(l.forward) === JSON.stringify(l.forwardTrain));
  let fwdBody = infer;
  if (!sameModes) {
    const noise = acts
      .filter(([, s]) => s.random)
      .map(([name, s]) => `this.fillUniform(this.${name}, n * ${s.perSample}${s.seed !== undefined ? `, ${s.seed}` : ""});`);
    const train = renderKernels(plan, (l) => l.forwardTrain, false, fwdState, threshold);
    fwdBody = [`if (training) {\n${[...noise, ...train].join("\n")}\n} else {\n${infer.join("\n")}\n}`];
  }
  const fwd = declareLocals(fwdState, fwdBody, plan);
  fwd.push(`return this.${plan.output};`);
  bodies.set("forward", fwd.join("\n"));
  cls.getMethodOrThrow("forward").setBodyText(marker("forward"));

  let statements = fwdState.statements;
  const backward = cls.getMethodOrThrow("backward");
  if (plan.training) {
    const bwdState: RenderState = { storage: plan.buffers, helpers, used: new Set(), tmp: 0, statements: 0 };
    const body = renderKernels(plan, (l) => l.backward, true, bwdState, threshold);
    bodies.set("backward", declareLocals(bwdState, body, plan).join("\n"));
    backward.setBodyText(marker("backward"));
    statements += bwdState.statements;
  } else backward.remove();
  const logits = cls.getMethodOrThrow("logits");
  if (plan.fused) logits.setBodyText(`return this.${plan.fused.logits};`);
  else logits.remove();

  const scaffold = sf
    .getStatements()
    .filter((s) => s.getKind() !== SyntaxKind.ImportDeclaration)
    .map((s) => s.getFullText())
    .join("");
  // splice the specialized bodies into the scaffold (one pass, no re-parsing)
  const source = scaffold.replace(/__layerc_body_(\w+?)__;?/g, (m, key: string) => bodies.get(key) ?? m);
  return { source, statements, helpers };
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
  const template = findTemplate();
  const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
  const diagnostics: Diagnostic[] = [];
  const stats: ModelStats[] = [];
  const parts: string[] = [];
  const helpers = new Set<string>();
  const threshold = opts.unrollThreshold ?? UNROLL_THRESHOLD;
  for (const model of program.models) {
    const sf = project.createSourceFile(`${model.name}.ts`, template, { overwrite: true });
    const r = fillClass(sf, model, planModel(model), threshold);
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
    parts.push(r.source);
  }
  if (diagnostics.length > 0) return { diagnostics, stats };

  const out = project.createSourceFile("module.ts", "", { overwrite: true });
  const named = ["ModelBase", ...[...helpers].sort()];
  out.addImportDeclaration({
    moduleSpecifier: opts.runtimeImport ?? "layerc/runtime",
    namedImports: [...named.map((n) => ({ name: n })), { name: "ModelMeta", isTypeOnly: true }, { name: "ModelOptions", isTypeOnly: true }],
  });
  out.addStatements(parts.join("\n"));
  const base = opts.fileName.split(/[\\/]/).pop()!.replace(/[\r\n\u2028\u2029]/g, " ");
  const banner = opts.banner === false ? "" : `// ${opts.banner ?? `Generated by layerc ${VERSION} from ${base} — do not edit.`}\n`;
  const text = banner + out.getFullText();
  const total = stats.reduce((n, m) => n + m.statements, 0);
  const code = total > PRETTIER_MAX_STATEMENTS ? `${indentBraces(text)}\n` : await prettier.format(text, { parser: "typescript", printWidth: 100 });
  return { code, diagnostics, stats };
}
