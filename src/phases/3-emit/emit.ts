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
import { outputLosses, planModel, type ModelPlan } from "../../plan/plan.js";
import { metaOf } from "../../plan/meta.js";
import { makeDiagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import { isLookup, isMap, isWindow, type MapSpec, type NativeSpec, type Stmt } from "../../kernel/expr.js";
import type { Lookup } from "../../kernel/lookup.js";
import { lookupBody, lookupSplit, lookupTypesOk, type WasmLookup } from "./wasm-lookup.js";
import { mapBody, mapParams, planMap, takesBatch, type Scalar, type WasmMap } from "./wasm-map.js";
import { VERSION } from "../../version.js";
import { logsTypeText } from "./logs-type.js";
import { linkTypeImports, runtimeLinks } from "./links.js";
import { specialize, work } from "./specialize.js";
import { localOf, renderStmts, type RenderState } from "./render.js";
import { shouldUnroll, UNROLL_THRESHOLD, useNative } from "./policy.js";
import { NATIVE_MIN_WORK } from "../../kernel/schedule.js";
import { gemmKernel, kernelModule, nativeEligible, productWork, type ElemType, type WasmGemm } from "./wasm.js";
import { windowBody, windowSplit, type WasmWindow } from "./wasm-window.js";
import { initializeGradients } from "./grad-init.js";
import { extent, type Gemm } from "../../kernel/gemm.js";
import { writesImage, type Window } from "../../kernel/window.js";

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
  /** Emit WebAssembly SIMD kernels for large matrix products under `unroll=auto` (default true). */
  readonly wasm?: boolean;
  readonly wasmThreshold?: number;
  /** Per model name: a `.weights.bin` (base64) to bake into the class's meta as `embeddedWeights`. */
  readonly embeddedWeights?: ReadonlyMap<string, string>;
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
  /** Values per sample in the model's activation and scratch buffers (peak activation memory = this × batch × 4 bytes in a float32 model, 8 in a float64 one; random draws are 8). */
  readonly activationValues: number;
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
  /** The model has native kernels (its module imports NativeKernel). */
  readonly native: boolean;
  readonly statements: number;
  readonly helpers: ReadonlySet<string>;
  /** Runtime types the class's linked statics are annotated with (imported type-only). */
  readonly linkTypes: readonly string[];
  /** Specialized bodies keyed by marker name, spliced in after printing. */
  readonly bodies: ReadonlyMap<string, string>;
}

/** Elements per sample from which an elementwise loop over the batch runs natively (in a model with native kernels). */
const MAP_MIN_PER_SAMPLE = 16;

/**
 * Most arguments an elementwise kernel takes (the batch size, buffer
 * addresses, then scalars): enough for every update rule with EMA on top
 * (Adam with AMSGrad: parameters, gradients, three slots, the average;
 * learning rate, α_t, EMA momentum).
 */
const MAP_MAX_ARGS = 10;

/** The native kernels of one model: products and window operations replaced by WebAssembly calls, by kernel name. */
class NativeKernels {
  readonly gemms = new Map<string, WasmGemm>();
  readonly windows = new Map<string, WasmWindow>();
  readonly lookups = new Map<string, WasmLookup>();
  readonly maps = new Map<string, WasmMap>();
  /** Name of the module-level interface that types them (`<Model>Kernels`, renamed on a clash). */
  typeName = "";
  /** Model inputs (by index) some kernel reads; each is staged into native memory first. */
  readonly stagedInputs = new Set<number>();

  constructor(
    private readonly plan: ModelPlan,
    readonly enabled: boolean,
    private readonly threshold: number,
    /** Activation buffers (and the runtime's dOut) that are Float32Array: see `float32Buffers`. */
    private readonly f32: ReadonlySet<string>,
  ) {}

  private elemType(buf: string): ElemType {
    const s = this.plan.buffers.get(buf);
    if (s?.kind === "input") return "f32";
    if (s?.kind === "param" || s?.kind === "grad") return this.plan.model.dtype === "float64" ? "f64" : "f32";
    return this.f32.has(buf) ? "f32" : "f64";
  }

  private base(buf: string): number {
    const s = this.plan.buffers.get(buf);
    return s?.kind === "param" || s?.kind === "grad" ? s.base : 0;
  }

  /** The address argument of a buffer: the byte offset of its array in the native memory. */
  private address(buf: string, st: RenderState): string {
    const s = this.plan.buffers.get(buf);
    if (s?.kind === "input") {
      // kernels read the caller's input from its copy in native memory
      this.stagedInputs.add(s.index);
      st.used.add(stagedInput(s.index));
      return `${stagedInput(s.index)}.byteOffset`;
    }
    return `${localOf(buf, st).local}.byteOffset`;
  }

  private types(spec: Gemm) {
    return { a: this.elemType(spec.a.buf), b: this.elemType(spec.b.buf), c: this.elemType(spec.c.buf), ...(spec.bias ? { bias: this.elemType(spec.bias.buf) } : {}) };
  }

  /** float32 models compute in f32x4, float64 models in f64x2 (see wasm.ts). */
  private get precision(): ElemType {
    return this.plan.model.dtype === "float64" ? "f64" : "f32";
  }

  /** Number of native kernels. */
  get size(): number {
    return this.gemms.size + this.windows.size + this.lookups.size + this.maps.size;
  }

  /** The module's bytes: every product, then every window operation, row lookup and elementwise loop. */
  module(): Uint8Array {
    const gemms = [...this.gemms.values()].map(gemmKernel);
    const windows = [...this.windows.values()].map((w) => ({ name: w.name, body: () => windowBody(w), split: windowSplit(w) }));
    const lookups = [...this.lookups.values()].map((l) => {
      const split = lookupSplit(l);
      return { name: l.name, body: () => lookupBody(l), ...(split ? { split } : {}) };
    });
    const maps = [...this.maps.values()].map((m) => ({ name: m.name, body: () => mapBody(m), params: mapParams(m) }));
    return kernelModule([...gemms, ...windows, ...lookups, ...maps]);
  }

  /**
   * Does a row lookup become a native kernel? When it copies or adds at
   * least the threshold's elements per sample, its table is a parameter (or
   * gradient) and the values are activations, of element types its kernel
   * takes (lookupTypesOk).
   */
  private acceptsLookup(spec: Lookup): boolean {
    if (!this.enabled || extent(spec.batch) === null || extent(spec.batch)!.batch !== true) return false;
    const table = this.plan.buffers.get(spec.table)?.kind;
    const values = this.plan.buffers.get(spec.values)?.kind;
    if ((table !== "param" && table !== "grad") || (values !== "act" && values !== "dout")) return false;
    const types = { ids: this.elemType(spec.ids), table: this.elemType(spec.table), values: this.elemType(spec.values) };
    return lookupTypesOk(spec, types) && useNative(spec.positions * spec.width, this.threshold);
  }

  /**
   * Does a window operation become a native kernel? When its work (window
   * positions × taps × channels per sample) is past the same threshold as
   * products: smaller ones are unrolled, where the loops are as fast.
   */
  private acceptsWindow(spec: Window): boolean {
    if (!this.enabled || extent(spec.batch) === null || extent(spec.batch)!.batch !== true) return false;
    const bufs = [spec.image, spec.windows, ...(spec.source !== undefined ? [spec.source] : []), ...(spec.mask !== undefined ? [spec.mask] : [])];
    // the operation writes the image side (scatter, gradients) or the window side: never a model input
    const written = writesImage(spec.op) ? spec.image : spec.windows;
    if (this.plan.buffers.get(written)?.kind === "input" || bufs.some((b) => this.plan.buffers.get(b)?.kind === "param")) return false;
    const relu = spec.relu !== undefined ? this.plan.buffers.get(spec.relu)?.kind : undefined;
    if (relu === "input" || relu === "param") return false;
    const work = spec.axes.reduce((n, a) => n * a.out * a.k, 1) * spec.channels * (spec.multiplier ?? 1);
    return useNative(work, this.threshold);
  }

  /**
   * An elementwise loop as a native kernel (wasm-map.ts): the specialized
   * loop, after constant-index reads it hoisted (the learning rate), when
   * it runs at least `threshold` times (a loop over the batch: see
   * `accepts`), every buffer it indexes lives in the native memory
   * (parameters, gradients, optimizer state, activations, also ones sharing
   * storage with a dead buffer) and the call takes at most MAP_MAX_ARGS
   * arguments; undefined keeps the loop.
   */
  private callMap(name: string, spec: MapSpec, lowered: readonly Stmt[], st: RenderState): string | undefined {
    const hoisted = new Map<string, string>();
    let loop: Extract<Stmt, { k: "for" }> | undefined;
    for (const s of lowered) {
      if (s.k === "let" && s.value.k === "load" && s.value.index.k === "num" && loop === undefined) {
        const { local, base } = localOf(s.value.buf, st);
        hoisted.set(s.name, `${local}[${base + s.value.index.v}]!`);
      } else if (s.k === "for" && loop === undefined) loop = s;
      else if (s.k !== "note") return undefined;
    }
    if (loop === undefined) return undefined;
    if (spec.batch !== true && (loop.to.k !== "num" || loop.from.k !== "num" || !useNative(loop.to.v - loop.from.v, this.threshold))) return undefined;
    const place = (buf: string) => {
      const s = this.plan.buffers.get(buf);
      // the optimizer state (slots) lives there too: the runtime places it beside the gradients (model.ts)
      const resident = s?.kind === "param" || s?.kind === "grad" || s?.kind === "slot" || s?.kind === "dout" || s?.kind === "act";
      return resident ? { type: this.elemType(buf), base: this.base(buf), root: (s.kind === "act" ? s.shares : undefined) ?? buf } : null;
    };
    // free variables of the loop are locals the kernel computed before it (the learning rate it hoisted, clipnorm's
    // per-tensor scale): each becomes an argument, read where the fallback loop reads it
    const m = planMap(name, loop, null, place);
    if (m === null || (takesBatch(m) ? 1 : 0) + m.buffers.length + m.scalars.length > MAP_MAX_ARGS) return undefined;
    // one kernel per name: a second, different loop under the same name keeps its TypeScript
    const known = this.maps.get(name);
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(m)) return undefined;
    this.maps.set(name, m);
    const scalar = (sc: Scalar) => {
      if ("name" in sc) return hoisted.get(sc.name) ?? sc.name;
      const { local, base } = localOf(sc.buf, st);
      return `${local}[${base + sc.index}]!`;
    };
    const args = [...(takesBatch(m) ? ["n"] : []), ...m.buffers.map((b) => this.address(b.buf, st)), ...m.scalars.map(scalar)];
    return `k.${name}(${args.join(", ")});`;
  }

  /** Does `spec` become a native kernel (in a kernel that is `unrolled` or not)? */
  accepts(spec: NativeSpec, unrolled = false): boolean {
    // an elementwise loop (the update, rendered after forward and backward): in a model whose buffers are in the
    // native memory anyway (it has other native kernels), and long enough; whether its specialized loop compiles
    // is decided in call
    // one over the batch when a sample's part is at least MAP_MIN_PER_SAMPLE elements (a few vector steps: the call then
    // costs less than the TypeScript loop at any batch size), unless its layer's kernel is small enough to be unrolled
    if (isMap(spec)) {
      const long = spec.batch === true ? spec.size >= MAP_MIN_PER_SAMPLE && !unrolled : useNative(spec.size, this.threshold);
      return this.enabled && this.gemms.size + this.windows.size + this.lookups.size > 0 && long;
    }
    if (isWindow(spec)) return this.acceptsWindow(spec);
    if (isLookup(spec)) return this.acceptsLookup(spec);
    if (!this.enabled || !nativeEligible(spec, this.types(spec), this.precision)) return false;
    // a relu epilogue writes activations laid out like C, of C's element type
    if (spec.relu && (this.elemType(spec.relu.buf) !== this.elemType(spec.c.buf) || this.plan.buffers.get(spec.relu.buf)?.kind === "input")) return false;
    return useNative(productWork(spec), this.threshold);
  }

  /** The call replacing `spec` in layer `layer`, or undefined to keep its loops. */
  call(layer: string, spec: NativeSpec, st: RenderState, lowered: readonly Stmt[]): string | undefined {
    if (!this.accepts(spec)) return undefined;
    if (isMap(spec)) return this.callMap(`${layer}_${spec.label}`, spec, lowered, st);
    if (isLookup(spec)) {
      const name = `${layer}_${spec.label}`;
      const types = { ids: this.elemType(spec.ids), table: this.elemType(spec.table), values: this.elemType(spec.values) };
      this.lookups.set(name, { name, spec, types, base: this.base(spec.table) });
      // (n, ids, table, values)
      return `k.${name}(n, ${[spec.ids, spec.table, spec.values].map((b) => this.address(b, st)).join(", ")});`;
    }
    if (isWindow(spec)) {
      const name = `${layer}_${spec.label}`;
      const optional = (key: "source" | "mask" | "weights" | "bias" | "relu") => (spec[key] !== undefined ? { [key]: this.elemType(spec[key]) } : {});
      const types = {
        image: this.elemType(spec.image),
        windows: this.elemType(spec.windows),
        ...optional("source"),
        ...optional("mask"),
        ...optional("weights"),
        ...optional("bias"),
        ...optional("relu"),
      };
      const bases = { weights: spec.weights !== undefined ? this.base(spec.weights) : 0, bias: spec.bias !== undefined ? this.base(spec.bias) : 0 };
      this.windows.set(name, { name, spec, types, bases });
      // (n, image, windows, source, mask or weights[, bias[, relu output]])
      const tail = spec.relu !== undefined ? [spec.bias ?? "", spec.relu] : spec.bias !== undefined ? [spec.bias] : [];
      const bufs = [spec.image, spec.windows, spec.source ?? spec.mask ?? spec.weights ?? "", ...tail];
      const args = bufs.map((b) => (b === "" ? "0" : this.address(b, st)));
      return `k.${name}(n, ${args.join(", ")});`;
    }
    const types = this.types(spec);
    const name = `${layer}_${spec.label}`;
    const precision = this.precision;
    const bases = { a: this.base(spec.a.buf), b: this.base(spec.b.buf), c: this.base(spec.c.buf), ...(spec.bias ? { bias: this.base(spec.bias.buf) } : {}) };
    const known = this.gemms.get(name);
    // one kernel per name: a layer's inference and training forwards share a product's kernel only when it is the same product
    if (known !== undefined && JSON.stringify(known.spec) !== JSON.stringify(spec)) throw new Error(`layerc internal error: two different products named ${name}`);
    this.gemms.set(name, { name, spec, types, bases, precision });
    const bufs = [spec.a.buf, spec.b.buf, spec.c.buf];
    // the fused epilogue's buffers: the bias, and where relu(C) goes (0 when absent)
    if (spec.bias || spec.relu) bufs.push(spec.bias?.buf ?? "", spec.relu?.buf ?? "");
    const args = bufs.map((b) => (b === "" ? "0" : this.address(b, st)));
    return `k.${name}(n, ${args.join(", ")});`;
  }
}

/**
 * The activation, gradient and scratch buffers stored as Float32Array: all
 * of them in a float32 model (Keras keeps float32 activations; half the
 * bytes every pass moves, and the native kernels load them without
 * narrowing), none in a float64 one. Random buffers (dropout and noise
 * draws) stay float64, so a draw compares with the rate exactly as in the
 * interpreter, and so does every buffer sharing storage with one; so do
 * `wide` scratch buffers (a layer's running sums: ScratchDecl.wide). The
 * runtime's dOut follows (meta `activations`).
 */
function float32Buffers(plan: ModelPlan): Set<string> {
  if (plan.model.dtype === "float64") return new Set();
  const acts = [...plan.buffers].filter(([, s]) => s.kind === "act") as [string, { kind: "act"; random?: boolean; shares?: string; wide?: boolean }][];
  const root = (name: string, s: { shares?: string }) => s.shares ?? name;
  const wide = new Set(acts.filter(([, s]) => s.random === true || s.wide === true).map(([name, s]) => root(name, s)));
  const f32 = new Set(acts.filter(([name, s]) => !wide.has(root(name, s))).map(([name]) => name));
  for (const [name, s] of plan.buffers) if (s.kind === "dout") f32.add(name);
  return f32;
}

/** The comment above the loss kernel: the loss, and whether it is fused with the final activation. */
function lossTitle(plan: ModelPlan, k: number): string {
  const { loss, weight } = outputLosses(plan.model)[k]!;
  const name = loss.name + (loss.fromLogits ? " (from logits)" : "");
  const title = plan.outputs[k]!.fused ? `${name}, fused with the final activation: computed from its logits` : name;
  if (plan.outputs.length === 1 && weight === 1) return title;
  return `output ${plan.model.tensors[plan.model.outputs[k]!]!.name}: ${title}${weight !== 1 ? `, weight ${weight}` : ""}`;
}

/** The comment above the update rule, naming the optimizer as the spec configured it. */
function optimizerTitle(plan: ModelPlan): string {
  const o = plan.model.training!.optimizer;
  const args = Object.entries(o)
    .filter(([k]) => k !== "name")
    .map(([k, v]) => `${k}=${typeof v === "number" || typeof v === "boolean" ? String(v) : "?"}`)
    .join(", ");
  return `optimizer step: ${o.name}(${args})`;
}

/** Native memory copy of model input `k` (`x_native`, `x1_native`, ...), for kernels that read it. */
const stagedInput = (k: number) => (k === 0 ? "x_native" : `x${k}_native`);

function renderKernel(plan: ModelPlan, kernel: readonly Stmt[], st: RenderState, threshold: number, layer: string, native: NativeKernels): string {
  const unroll = shouldUnroll(plan.model.unroll, work(kernel), threshold);
  st.native = (spec, lowered) => native.call(layer, spec, st, lowered);
  const { reserved, rounding } = planNames(plan);
  const rendered = renderStmts(specialize(kernel, { unroll, reserved, native: (spec) => native.accepts(spec, unroll), rounding }), st);
  delete st.native;
  return `{\n${rendered.join("\n")}\n}`;
}

function renderKernels(
  plan: ModelPlan,
  pick: (l: ModelPlan["layers"][number]) => readonly Stmt[],
  reverse: boolean,
  st: RenderState,
  threshold: number,
  native: NativeKernels,
): string[] {
  const layers = reverse ? [...plan.layers].reverse() : plan.layers;
  const out: string[] = [];
  for (const l of layers) {
    const kernel = pick(l);
    if (kernel.length === 0) continue;
    out.push(`// ${l.label}: ${l.layer.kind}, line ${l.node.line}${reverse ? " (backward)" : ""}`, renderKernel(plan, kernel, st, threshold, l.label, native));
  }
  return out;
}

/**
 * The forward pass: each layer once, except layers that behave differently
 * in training (dropout, batch statistics), which get an if/else on
 * `training` of their own; the rest of the model is not duplicated.
 */
function renderForward(plan: ModelPlan, noise: readonly string[], st: RenderState, threshold: number, native: NativeKernels): string[] {
  const out: string[] = noise.length ? [`if (training) {\n${noise.join("\n")}\n}`] : [];
  for (const l of plan.layers) {
    if (l.forward.length === 0 && l.forwardTrain.length === 0) continue;
    out.push(`// ${l.label}: ${l.layer.kind}, line ${l.node.line}`);
    const same = !plan.training || JSON.stringify(l.forward) === JSON.stringify(l.forwardTrain);
    const render = (kernel: readonly Stmt[]) => renderKernel(plan, kernel, st, threshold, l.label, native);
    if (same) out.push(render(l.forward));
    else out.push(`if (training) ${render(l.forwardTrain)} else ${render(l.forward)}`);
  }
  return out;
}

/**
 * Per plan, computed once (per layer it would make emitting quadratic in
 * the layer count): the identifiers the generated methods bind, which
 * kernel locals must not shadow, and the parameter buffers whose stores
 * round to float32.
 */
const namesByPlan = new WeakMap<ModelPlan, { reserved: Set<string>; rounding: Set<string> }>();

function planNames(plan: ModelPlan): { reserved: Set<string>; rounding: Set<string> } {
  let names = namesByPlan.get(plan);
  if (names === undefined) {
    const reserved = new Set(["p", "g", "k", "h", ...SLOT_LOCALS.map(([local]) => local), "x", "y", "n", "res", "sw", "dOut", "training", "capacity", "store", "this", ...plan.inputs.map((_, k) => stagedInput(k)), ...plan.buffers.keys()]);
    const rounding = new Set([...plan.buffers].filter(([, s]) => (s.kind === "param" || s.kind === "grad") && plan.model.dtype === "float32").map(([name]) => name));
    names = { reserved, rounding };
    namesByPlan.set(plan, names);
  }
  return names;
}

/** How a method declares each local the rendered code may read (activation buffers: `this.<name>`). */
/** Optimizer state arrays: s0, s1, … (the plan declares as many as the optimizer keeps). */
const SLOT_LOCALS: readonly (readonly [string, string])[] = Array.from({ length: 8 }, (_, i) => [`s${i}`, `this.slots[${i}]!`] as const);
const DECLARED: readonly (readonly [string, string])[] = [["p", "this.params"], ["g", "this.grads"], ...SLOT_LOCALS, ["h", "this.hyper"]];
const DECLARED_LAST: readonly (readonly [string, string])[] = [
  ["dOut", "this.dOut"],
  ["res", "this.lossResult"],
  ["sw", "this.sampleWeights"],
];

/**
 * The locals a method body reads (recorded while rendering), declared at its
 * top; `params` are the method's parameters, which need no declaration.
 * `stage` is the copy of the input into native memory (forward only): it
 * runs whenever a native kernel reads the input — in every forward when
 * forward reads it, in training forwards when only backward does.
 */
function declareLocals(
  st: RenderState,
  body: string[],
  plan: ModelPlan,
  native: NativeKernels,
  params: readonly string[],
  stage?: { inSizes: readonly number[] },
): string[] {
  const staging = stage !== undefined && native.stagedInputs.size > 0;
  const declare = ([local, from]: readonly [string, string]) => (st.used.has(local) && !params.includes(local) ? [`const ${local} = ${from};`] : []);
  const heads: string[] = [
    ...(staging || st.used.has("k") ? [`const k = this.native<${native.typeName}>();`] : []),
    ...DECLARED.flatMap(declare),
    ...portLocals(plan, st),
    ...[...plan.buffers].filter(([name, s]) => s.kind === "act" && st.used.has(name)).map(([name]) => `const ${name} = this.${name};`),
    ...DECLARED_LAST.flatMap(declare),
  ];
  for (let k = 0; k < plan.inputs.length; k++) {
    const staged = stagedInput(k);
    if (staging && native.stagedInputs.has(k)) {
      // copied once per forward: in every forward when forward's kernels read it, in training ones when only backward does
      const when = st.used.has(staged) ? "k !== null" : "k !== null && training";
      const from = k === 0 ? "x" : `this.inputs[${k}]!`;
      // one block copy when the input holds exactly n samples (it always does from the runtime), else element by element;
      // none when the input is the copy itself (a training step hands the kernels the copy it scanned)
      const copy = `const from = ${from};\nif (from.length === n * ${stage.inSizes[k]}) {\nif (from !== ${staged}) ${staged}.set(from);\n} else for (let i = 0; i < n * ${stage.inSizes[k]}; i++) ${staged}[i] = from[i]!;`;
      heads.push(`const ${staged} = this.${staged};`, `if (${when}) {\n${copy}\n}`);
    } else if (st.used.has(staged)) heads.push(`const ${staged} = this.${staged};`);
  }
  return [...heads, ...body];
}

/**
 * Locals for the inputs, output gradients and targets after the first of a
 * model with several inputs or outputs (the first ones are the method's
 * `x`, `dOut`, `y`); the runtime keeps them in `inputs`, `dOuts`, `targets`.
 */
function portLocals(plan: ModelPlan, st: RenderState): string[] {
  const from = { input: "inputs", dout: "dOuts", labels: "targets" } as const;
  return [...plan.buffers].flatMap(([name, s]) =>
    (s.kind === "input" || s.kind === "dout" || s.kind === "labels") && s.index > 0 && st.used.has(name) ? [`const ${name} = this.${from[s.kind]}[${s.index}]!;`] : [],
  );
}

/**
 * Marker statements the scaffold carries until the specialized bodies are
 * spliced in: `__layerc_body_<model index>_<method>__`. A marker is matched
 * only where no identifier character precedes it, so no model or layer
 * name (`A__B`, `A_`, one containing `__layerc_body_0_meta__`) can be
 * mistaken for one.
 */
const marker = (key: string) => `__layerc_body_${key}__;`;
const MARKER = /(?<![\w$])__layerc_body_([0-9]+_[A-Za-z]+|[A-Za-z]+)__/g;

/**
 * The template's scaffolding as ts-morph structures (plain data), parsed
 * once per template text and process (≈2 ms a compile otherwise); each
 * model gets an edited copy, and the module is printed from structures in
 * one pass instead of re-parsing after every edit.
 */
interface Scaffold {
  readonly meta: VariableStatementStructure;
  readonly cls: ClassDeclarationStructure;
  /** The body of the template's trainOnBatch, which classes that keep the method keep as written. */
  readonly trainOnBatch: string;
}

/** Parsed scaffolds by template text: immutable data (callers clone before editing), so sharing it is safe. */
const scaffolds = new Map<string, Scaffold>();

function loadScaffold(project: Project): Scaffold {
  const text = findTemplate();
  const cached = scaffolds.get(text);
  if (cached) return cached;
  const sf = project.createSourceFile("template.ts", text, { overwrite: true });
  const meta = sf.getVariableStatementOrThrow((v) => v.getDeclarations()[0]?.getName() === "__META__").getStructure();
  const cls = sf.getClassOrThrow("__MODEL__").getStructure();
  const trainOnBatch = sf.getClassOrThrow("__MODEL__").getMethodOrThrow("trainOnBatch").getBodyText() ?? "";
  const scaffold = Object.freeze({ meta, cls, trainOnBatch });
  scaffolds.set(text, scaffold);
  return scaffold;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Rewrites `__layerc_body_key__` markers inside a structure to `__layerc_body_<prefix>key__`. */
function markPrefix(st: StatementStructures, prefix: string): void {
  const fix = (t: string) => t.replace(MARKER, (_m, k: string) => `__layerc_body_${prefix}${k}__`);
  if (st.kind === StructureKind.VariableStatement) {
    for (const d of st.declarations) if (typeof d.initializer === "string") (d as { initializer?: string }).initializer = fix(d.initializer);
  } else if (st.kind === StructureKind.Class) {
    for (const m of st.methods ?? []) m.statements = ((m.statements ?? []) as string[]).map(fix);
  }
}

/**
 * The type arguments that make a model's methods exact: with several inputs
 * predict takes a tuple of that many sample arrays, with several outputs it
 * returns a tuple of Float32Arrays and training takes a tuple of targets;
 * a trainable model's logs are its `<Model>Logs` (logs-type.ts). Empty for
 * one input and one output without training (the base class's defaults).
 */
function portTypes(model: ModelIR, logs: string | null): string {
  const tuple = (n: number, t: string) => `[${Array.from({ length: n }, () => t).join(", ")}]`;
  const ins = model.inputs.length;
  const outs = model.outputs.length;
  if (ins === 1 && outs === 1 && logs === null) return "";
  const args = [ins === 1 ? "Samples" : tuple(ins, "Samples"), outs === 1 ? "Float32Array" : tuple(outs, "Float32Array")];
  if (logs !== null) args.push(outs === 1 ? "Samples" : tuple(outs, "Samples"), logs);
  return `<${args.join(", ")}>`;
}

function fillClass(
  scaffold: Scaffold,
  model: ModelIR,
  plan: ModelPlan,
  threshold: number,
  wasm: { readonly enabled: boolean; readonly threshold: number },
  names: ModuleNames,
  embeds: boolean,
): RenderedModel & { structures: StatementStructures[] } {
  const metaName = names.meta;
  const rename = (text: string) => text.replace(/\b__META__\b/g, () => metaName).replace(/\b__MODEL__\b/g, () => model.name);
  const meta = clone(scaffold.meta);
  meta.declarations = meta.declarations.map((d) => ({ ...d, name: metaName, initializer: marker("meta").slice(0, -1) }));
  const cls = clone(scaffold.cls);
  cls.name = model.name;
  // only a model with compile(...) has training methods, so only it extends TrainableModel
  cls.extends = `${plan.training ? "TrainableModel" : "ModelBase"}${portTypes(model, plan.training ? names.logs : null)}`;
  for (const c of cls.ctors ?? []) c.statements = ((c.statements ?? []) as string[]).map(rename);

  const f32 = float32Buffers(plan);
  const arrayType = (buf: string) => (f32.has(buf) ? "Float32Array" : "Float64Array");
  const native = new NativeKernels(plan, wasm.enabled && plan.model.unroll === "auto", wasm.threshold, f32);
  native.typeName = names.kernels;
  const helpers = new Set<string>();
  const fwdState: RenderState = { storage: plan.buffers, helpers, used: new Set(), tmp: 0, statements: 0 };
  const states = [fwdState];
  const acts = [...plan.buffers].filter(([, s]) => s.kind === "act") as [string, { kind: "act"; perSample: number; random?: boolean; seed?: number; shares?: string }][];
  const noise = plan.training
    ? acts.filter(([, s]) => s.random).map(([name, s]) => `this.fillUniform(this.${name}, n * ${s.perSample}${s.seed !== undefined ? `, ${s.seed}` : ""});`)
    : [];
  const fwdBody = renderForward(plan, noise, fwdState, threshold, native);
  const inSizes = model.inputs.map((i) => model.tensors[i.tensor]!.shape.reduce((a, b) => a * b, 1));
  let statements = fwdState.statements;
  let bwd: string[] | null = null;
  let upd: string[] | null = null;
  let loss: string[] | null = null;
  let gradInit = false;
  if (plan.training) {
    const bwdState: RenderState = { storage: plan.buffers, helpers, used: new Set(), tmp: 0, statements: 0 };
    // a model with native kernels clears its gradients itself (grad-init.ts); the others leave it to the runtime
    gradInit = native.size > 0;
    const order = [...plan.layers].reverse();
    const init = gradInit ? initializeGradients(plan, order) : null;
    const kernels = new Map(order.map((l, i) => [l, init?.backward[i] ?? l.backward]));
    const zero = init !== null && init.zero.length > 0 ? ["// gradients the layers add into start at zero", renderKernel(plan, init.zero, bwdState, threshold, "gradients", native)] : [];
    const body = [...zero, ...renderKernels(plan, (l) => kernels.get(l)!, true, bwdState, threshold, native)];
    bwd = declareLocals(bwdState, body, plan, native, ["x", "dOut", "n"]);
    statements += bwdState.statements;
    states.push(bwdState);
    const updState: RenderState = { storage: plan.buffers, helpers, used: new Set(), tmp: 0, statements: 0 };
    const updBody = [`// ${optimizerTitle(plan)}`, renderKernel(plan, plan.update, updState, threshold, "optimizer", native)];
    upd = declareLocals(updState, updBody, plan, native, []);
    statements += updState.statements;
    states.push(updState);
    const lossState: RenderState = { storage: plan.buffers, helpers, used: new Set(["res"]), tmp: 0, statements: 0 };
    const lossBody = [...plan.losses.flatMap((l, k) => [`// loss: ${lossTitle(plan, k)}`, renderKernel(plan, l, lossState, threshold, "loss", native)]), "return res[0]!;"];
    loss = declareLocals(lossState, lossBody, plan, native, ["y", "n"]);
    statements += lossState.statements;
    states.push(lossState);
  }
  // declared after backward is rendered: the input is copied into native memory once per
  // forward when any kernel (forward or backward) reads it; backward reads the same copy
  const fwd = declareLocals(fwdState, fwdBody, plan, native, ["x", "n", "training"], { inSizes });
  // a model with several outputs hands the runtime every output buffer; forward returns the first
  if (plan.outputs.length > 1) plan.outputs.forEach((o, k) => fwd.push(`this.outputs[${k}] = this.${o.buffer};`));
  // a masked output hands the runtime its mask too: the metrics weight its rows with it
  if (plan.training) plan.outputs.forEach((o, k) => o.mask !== null && fwd.push(`this.outputMasks[${k}] = this.${o.mask};`));
  fwd.push(`return this.${plan.output};`);

  // only buffers some method reads or writes get a field (a fused output's dz scratch, say, is never touched)
  const touched = new Set(states.flatMap((st) => [...st.used]));
  // a buffer that shares another's storage (disjoint lifetimes, see plan/liveness.ts) takes that field; that one is kept
  for (const [name, s] of acts) if (s.shares !== undefined && touched.has(name)) touched.add(s.shares);
  const fields: { name: string; type: string; alloc: string }[] = acts
    .filter(([name, s]) => touched.has(name) || name === plan.output || s.random === true)
    .map(([name, s]) => {
      const t = f32.has(name) ? "f32" : "f64";
      return { name, type: t === "f32" ? "Float32Array" : "Float64Array", alloc: s.shares === undefined ? `store.${t}(capacity * ${s.perSample})` : `this.${s.shares}` };
    });
  for (const k of [...native.stagedInputs].sort((a, b) => a - b)) fields.push({ name: stagedInput(k), type: "Float32Array", alloc: `this.inputCopy(${k}, capacity * ${inSizes[k]}, store)` });
  const props = (cls.properties ?? []).map((prop) =>
    prop.name === "inputShape" ? { ...prop, initializer: JSON.stringify(model.inputShape) } : prop.name === "outputShape" ? { ...prop, initializer: JSON.stringify(model.outputShape) } : prop,
  );
  if (model.functional) {
    // every input and output shape, in Model(inputs=…, outputs=…) order
    const shapes = (name: string, list: readonly (readonly number[])[]) => ({
      kind: StructureKind.Property as const,
      name,
      isStatic: true,
      isReadonly: true,
      type: "readonly (readonly number[])[]",
      initializer: JSON.stringify(list),
    });
    props.push(shapes("inputShapes", model.inputs.map((i) => model.tensors[i.tensor]!.shape)), shapes("outputShapes", model.outputs.map((t) => model.tensors[t]!.shape)));
  }
  // what the model's spec decides, linked by the class (the runtime's other kinds tree-shake away)
  const modelMeta = metaOf(model, plan);
  const links = runtimeLinks(model, modelMeta, native.size > 0, embeds);
  for (const link of links) {
    link.exports.forEach((e) => helpers.add(e));
    props.push({
      kind: StructureKind.Property as const,
      name: link.name,
      isStatic: true,
      isReadonly: true,
      scope: Scope.Protected,
      hasOverrideKeyword: true,
      // typed, so the declaration can be written without inference (isolatedDeclarations)
      type: link.type,
      initializer: link.value,
    } as (typeof props)[number]);
  }
  cls.properties = [
    ...props,
    ...fields.map((f) => ({ kind: StructureKind.Property as const, name: f.name, scope: Scope.Private, type: f.type, initializer: `new ${f.type}(0)` })),
  ];

  // the summary text is in the meta; its rows are for tools, not the runtime
  const { layers: _rows, ...shipped } = modelMeta;
  // float32 parameter gradients where native kernels move them (half the bytes); TypeScript loops add into them
  // once per sample, where a float32 array converts on every store (measured on the seed: bench/seed-rows.ts)
  const metaValue = { ...shipped, ...(f32.size > 0 ? { activations: "float32" } : {}), ...(gradInit ? { gradients: "backward" } : {}), ...(plan.training && plan.model.dtype === "float32" && native.size > 0 ? { parameterGradients: "float32" } : {}), ...(native.size > 0 ? { wasm: Buffer.from(native.module()).toString("base64") } : {}) };
  const bodies = new Map<string, string>([["meta", JSON.stringify(metaValue)]]);
  bodies.set("allocate", fields.length ? fields.map((f) => `this.${f.name} = ${f.alloc};`).join("\n") : "void capacity;\nvoid store;");
  bodies.set("forward", fwd.join("\n"));
  if (bwd) bodies.set("backward", bwd.join("\n"));
  if (upd) bodies.set("update", upd.join("\n"));
  if (loss) bodies.set("lossAndGradient", loss.join("\n"));
  if (plainPorts(model, metaValue)) bodies.set("predictBatch", directPredictBatch(inSizes[0]!, metaValue.outputShape.reduce((a, b) => a * b, 1)));
  // the template's direct training step, kept as written, where its conditions hold (see templates/model.ts)
  const t = metaValue.training;
  if (t !== null && plainPorts(model, metaValue) && native.size === 0 && !t.loss.name.startsWith("sparse") && t.activityPenalty !== true) bodies.set("trainOnBatch", scaffold.trainOnBatch);
  // a parameter a body does not use gets a leading underscore (projects with noUnusedParameters accept it)
  const uses = (body: string, name: string) => new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, "\\$")}\\b`).test(body);
  cls.methods = (cls.methods ?? [])
    .filter((m) => bodies.has(m.name))
    .map((m) => ({
      ...m,
      // the array types of this model's buffers: forward returns its output buffer, backward reads dOut
      ...(m.name === "forward" ? { returnType: arrayType(plan.output) } : {}),
      parameters: (m.parameters ?? []).map((prm) => {
        const typed = m.name === "backward" && prm.name === "dOut" ? { ...prm, type: arrayType("dOut") } : prm;
        return uses(bodies.get(m.name)!, prm.name) ? typed : { ...typed, name: `_${prm.name}` };
      }),
      statements: [marker(m.name)],
    }));

  const structures: StatementStructures[] = [meta];
  if (plan.training) {
    structures.push({
      kind: StructureKind.TypeAlias,
      leadingTrivia: (w) => w.blankLine(),
      isExported: true,
      name: names.logs,
      docs: [`${model.name}'s logs under Keras's names: fit's callbacks and history, and what evaluate returns (val_… when fit validates).`],
      type: logsTypeText(metaValue),
    });
  }
  if (native.size > 0) {
    structures.push({
      kind: StructureKind.Interface,
      name: names.kernels,
      docs: ["Native (WebAssembly SIMD) kernels of the model's large matrix products (batch size, byte addresses of A, B, C[, bias, relu output]) and window operations (batch size, byte addresses of the image, windows[, source]) and elementwise loops such as the optimizer update (byte addresses of its buffers, then its scalars)."],
      properties: [
        ...[...native.gemms.keys(), ...native.windows.keys(), ...native.lookups.keys()].map((name) => ({ name, type: "NativeKernel", isReadonly: true })),
        // an elementwise loop takes its buffers' addresses and its scalars
        ...[...native.maps.keys()].map((name) => ({ name, type: "(...args: number[]) => void", isReadonly: true })),
      ],
    });
  }
  structures.push(cls);
  return { source: "", statements, helpers, linkTypes: links.flatMap(linkTypeImports), bodies, structures, native: native.size > 0 };
}

/** One input that is not token ids and one output: the model gets its own predictBatch direct path. */
function plainPorts(model: ModelIR, meta: { readonly tokenIds?: unknown }): boolean {
  return model.inputs.length === 1 && model.outputs.length === 1 && meta.tokenIds === undefined;
}

/**
 * The body of predictBatch for a model with one input and one output (the
 * template's method): the common call (Float32Arrays of the right lengths, a
 * batch the buffers already hold) in the class's own method, so its reads
 * and calls see one class; everything else, and every error, in the
 * runtime's method.
 */
function directPredictBatch(inSize: number, outSize: number): string {
  const times = (size: number) => (size === 1 ? "batchSize" : `batchSize * ${size}`);
  return [
    `if (out instanceof Float32Array && x instanceof Float32Array && Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= this.capacity && x.length === ${times(inSize)} && out.length === ${times(outSize)}) {`,
    "const y = this.forward(x, batchSize, false);",
    "for (let i = 0; i < out.length; i++) out[i] = y[i]!;",
    "return out;",
    "}",
    "return super.predictBatch(x, batchSize, out);",
  ].join("\n");
}

/**
 * The statements unrolling would generate, estimated before anything is
 * specialized: each kernel that will be unrolled contributes its per-sample
 * work (one statement per innermost execution), loop kernels nothing. On
 * large unrolled layers it is within a few percent of the final count for
 * Dense and about 2.5× it for convolutions (whose sums fold into one
 * statement per output); small models add declarations it does not count.
 * The exact count is checked again after rendering.
 */
export function estimateStatements(plan: ModelPlan, threshold: number): number {
  const unrolled = (kernel: readonly Stmt[]) => {
    const w = work(kernel);
    return shouldUnroll(plan.model.unroll, w, threshold) ? w : 0;
  };
  let total = unrolled(plan.update) + unrolled(plan.loss);
  for (const l of plan.layers) {
    // as renderForward: a training forward equal to the inference one is emitted once
    const twice = plan.training && JSON.stringify(l.forward) !== JSON.stringify(l.forwardTrain);
    total += unrolled(l.forward) + (twice ? unrolled(l.forwardTrain) : 0) + unrolled(l.backward);
  }
  return total;
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

/**
 * The banner as line comments: every line of the text (any line terminator
 * ends one) gets its own `//`, so no banner text can end the comment and
 * become code.
 */
export function bannerComment(text: string): string {
  return text
    .split(/\r\n|[\r\n\u2028\u2029]/)
    .map((line) => `// ${line}`.trimEnd() + "\n")
    .join("");
}

/** The module-level names generated for one model besides its class. */
interface ModuleNames {
  /** Its metadata constant, `<Model>Meta`. */
  readonly meta: string;
  /** Its native kernels' interface, `<Model>Kernels`. */
  readonly kernels: string;
  /** Its logs type, `<Model>Logs` (trainable models). */
  readonly logs: string;
}

/**
 * Names for every model's module-level declarations that collide with no
 * class (model) name and no other such declaration: `<Model>Meta`,
 * `<Model>Kernels` and `<Model>Logs`, with `_` appended until free (model `AMeta` beside
 * model `A` makes `A`'s metadata `AMeta_`). Runtime imports and globals
 * cannot collide: the checker reserves those names (2-check/names.ts).
 */
function allocateNames(program: ProgramIR): ModuleNames[] {
  const taken = new Set(program.models.map((m) => m.name));
  const free = (want: string) => {
    let name = want;
    while (taken.has(name)) name += "_";
    taken.add(name);
    return name;
  };
  return program.models.map((m) => ({ meta: free(`${m.name}Meta`), kernels: free(`${m.name}Kernels`), logs: free(`${m.name}Logs`) }));
}

export async function emitProgram(program: ProgramIR, opts: EmitOptions): Promise<EmitResult> {
  const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
  const diagnostics: Diagnostic[] = [];
  const stats: ModelStats[] = [];
  const helpers = new Set<string>();
  const linkTypes = new Set<string>();
  const threshold = opts.unrollThreshold ?? UNROLL_THRESHOLD;
  const scaffold = loadScaffold(project);
  const bodies = new Map<string, string>();
  const structures: StatementStructures[] = [];
  let anyNative = false;
  const moduleNames = allocateNames(program);
  const plans = program.models.map((m) => planModel(m));
  // fail fast: specializing a model far over the budget would take minutes and gigabytes first;
  // the budget holds for the file too (each of its models under it could still add up to hours)
  const estimates = plans.map((p) => estimateStatements(p, threshold));
  const fileTooLarge = (count: number, perModel: readonly ModelStats[]): EmitResult => ({
    diagnostics: [
      makeDiagnostic("limit_file_code_size", opts.modelSpans?.get(program.models[0]!.name) ?? { start: 0, end: 0 }, {
        count,
        models: program.models.length,
        limit: opts.maxStatements,
      }),
    ],
    stats: [...perModel],
  });
  const fileEstimate = estimates.reduce((n, e) => n + e, 0);
  if (estimates.every((e) => e <= opts.maxStatements) && fileEstimate > opts.maxStatements) {
    return fileTooLarge(
      fileEstimate,
      plans.map((p, i) => ({ name: p.model.name, statements: estimates[i]!, activationValues: p.activationValues })),
    );
  }
  for (const [index, model] of program.models.entries()) {
    const plan = plans[index]!;
    const estimate = estimates[index]!;
    if (estimate > opts.maxStatements) {
      stats.push({ name: model.name, statements: estimate, activationValues: plan.activationValues });
      diagnostics.push(
        makeDiagnostic("limit_code_size", opts.modelSpans?.get(model.name) ?? { start: 0, end: 0 }, { model: model.name, count: estimate, limit: opts.maxStatements }),
      );
      continue;
    }
    const embedded = opts.embeddedWeights?.get(model.name);
    const r = fillClass(scaffold, model, plan, threshold, { enabled: opts.wasm !== false, threshold: opts.wasmThreshold ?? NATIVE_MIN_WORK }, moduleNames[index]!, embedded !== undefined);
    if (r.native) anyNative = true;
    stats.push({ name: model.name, statements: r.statements, activationValues: plan.activationValues });
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
    r.linkTypes.forEach((t) => linkTypes.add(t));
    // markers are per model: prefix them so several models can share one module
    const prefix = `${index}_`;
    for (const st of r.structures) markPrefix(st, prefix);
    for (const [k, v] of r.bodies) bodies.set(prefix + k, v);
    if (embedded !== undefined) bodies.set(`${prefix}meta`, JSON.stringify({ ...JSON.parse(r.bodies.get("meta")!), embeddedWeights: embedded }));
    structures.push(...r.structures);
  }
  if (diagnostics.length > 0) return { diagnostics, stats };
  const fileStatements = stats.reduce((n, m) => n + m.statements, 0);
  if (fileStatements > opts.maxStatements) return fileTooLarge(fileStatements, stats);

  const bases = new Set(program.models.map((m) => (m.training ? "TrainableModel" : "ModelBase")));
  const named = [...[...bases].sort(), ...[...helpers].sort()];
  const direct = structures.some((st) => st.kind === StructureKind.Class && (st.methods ?? []).some((m) => m.name === "predictBatch"));
  const ported = direct || program.models.some((m) => m.inputs.length > 1 || m.outputs.length > 1 || m.training);
  const importDecl: ImportDeclarationStructure = {
    kind: StructureKind.ImportDeclaration,
    moduleSpecifier: opts.runtimeImport ?? "layerc/runtime",
    namedImports: [
      ...named.map((n) => ({ name: n })),
      { name: "ModelMeta", isTypeOnly: true },
      ...[...linkTypes].sort().map((name) => ({ name, isTypeOnly: true })),
      { name: "ModelOptions", isTypeOnly: true },
      ...(ported ? [{ name: "Samples", isTypeOnly: true }] : []),
      ...(anyNative ? [{ name: "NativeKernel", isTypeOnly: true }] : []),
      { name: "Store", isTypeOnly: true },
    ],
  };
  // one blank line after the import, as prettier keeps it
  const out = project.createSourceFile("module.ts", { statements: [importDecl, (w) => w.blankLine(), ...structures] }, { overwrite: true });
  const base = opts.fileName.split(/[\\/]/).pop()!.replace(/[\r\n\u2028\u2029]/g, " ");
  const banner = opts.banner === false ? "" : bannerComment(opts.banner ?? `generated by layerc ${VERSION} from ${base} — do not edit`);
  // splice the specialized bodies into the printed scaffold (one pass)
  const text = banner + out.getFullText().replace(new RegExp(`${MARKER.source};?`, "g"), (m, key: string) => bodies.get(key) ?? m);
  const total = stats.reduce((n, m) => n + m.statements, 0);
  // babel-ts prints the same as the typescript parser here, at about half the cost
  const code = total > PRETTIER_MAX_STATEMENTS ? `${indentBraces(text)}\n` : await prettier.format(text, { parser: "babel-ts", printWidth: 100 });
  return { code, diagnostics, stats };
}
