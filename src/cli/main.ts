/**
 * The `layerc` command line: a thin shell over the public API.
 * Exit codes: 0 success, 1 diagnostics with errors, 2 usage or I/O error.
 */
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { catalog, check, formatDiagnostics, formatSpec, interpret, VERSION } from "../index.js";
import type { Diagnostic, EmbedWeights } from "../index.js";
import type { WeightsDtype } from "../runtime/weights.js";
import { findSpecs, writeAtomic, type SpecFile } from "./files.js";
import { buildSource, type BuildOptions, type SpecBuild } from "./build.js";
import { runWatch } from "./watch.js";
import { cmdExport, cmdImport, InteropUsageError } from "./interop.js";

const USAGE = `layerc ${VERSION} — compile Keras-style .nn model specs to TypeScript

Usage:
  layerc build [paths...] [--out-dir D] [--unroll auto|full|loops] [--no-wasm] [--dts] [--silence CODE,...]
               [--embed-weights W.weights.bin [--weights-dtype float32|float16|int8]]
  layerc check [paths...] [--silence CODE,...]
  layerc watch [paths...] [--out-dir D] [--unroll auto|full|loops] [--no-wasm] [--dts] [--clear] [--silence CODE,...]
  layerc fmt [paths...] [--check]
  layerc summary <file> [--model M]
  layerc import FILE [--out-dir D] [--name ModelName] [--spec S.nn]
  layerc export SPEC --to keras|tfjs|python [--weights W.weights.bin] [--model M] [--out-dir D]

Paths default to the current directory; directories are searched for *.nn.
--no-wasm emits TypeScript only (by default, under --unroll auto, large Dense products
run as embedded WebAssembly SIMD kernels, with the TypeScript loops as the fallback).
--embed-weights bakes a .weights.bin (from saveWeights or layerc import) into the one spec built,
so the module needs no weights file; --weights-dtype float16|int8 stores them quantized.
--silence drops warnings by code (docs/diagnostics.md lists them); errors cannot be silenced.
Exit codes: 0 success, 1 errors in a spec, 2 usage or I/O error.`;

/** Where the CLI and watch mode print: `out` for results and summaries, `err` for diagnostics. */
export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** ANSI colours in rendered diagnostics. */
  readonly color: boolean;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  color: process.stderr.isTTY === true,
};

class UsageError extends Error {}

function readSpec(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function display(path: string): string {
  const r = relative(process.cwd(), path);
  return r.startsWith("..") ? path : r;
}

function specsOrFail(paths: readonly string[]): SpecFile[] {
  const { files, missing } = findSpecs(paths.length ? paths : ["."]);
  if (missing.length) throw new UsageError(`no such file or directory: ${missing.join(", ")}`);
  if (files.length === 0) throw new UsageError(`no .nn files found under ${(paths.length ? paths : ["."]).join(", ")}`);
  return files;
}

function report(io: Io, diags: readonly Diagnostic[], source: string, file: string): void {
  if (diags.length) io.err(formatDiagnostics(diags, source, { fileName: file, color: io.color }));
}

const UNROLL = ["auto", "full", "loops"] as const;
type Unroll = (typeof UNROLL)[number];

function unrollOption(v: string | undefined): Unroll | undefined {
  if (v === undefined) return undefined;
  if (!(UNROLL as readonly string[]).includes(v)) throw new UsageError(`--unroll must be auto, full or loops, got ${v}`);
  return v as Unroll;
}

export async function buildFile(spec: SpecFile, opts: BuildOptions, io: Io): Promise<SpecBuild> {
  const source = readSpec(spec.path);
  const file = display(spec.path);
  try {
    const r = await buildSource(spec, source, file, opts);
    report(io, r.diagnostics, source, file);
    return r;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === undefined) throw e;
    throw new UsageError(`cannot write output of ${file}: ${(e as Error).message}`);
  }
}

/** `--silence a,b --silence c`: warning codes to drop; errors cannot be silenced. */
function silenceOption(values: Record<string, unknown>): string[] {
  const raw = (values["silence"] as string[] | undefined) ?? [];
  const codes = raw.flatMap((v) => v.split(",")).map((c) => c.trim()).filter(Boolean);
  for (const code of codes) {
    const entry = (catalog as Record<string, { severity: string }>)[code];
    if (entry === undefined) throw new UsageError(`--silence: unknown diagnostic code ${code}`);
    if (entry.severity === "error") throw new UsageError(`--silence: ${code} is an error; only warnings can be silenced`);
  }
  return codes;
}

function buildOptions(values: Record<string, unknown>): BuildOptions {
  const unroll = unrollOption(values["unroll"] as string | undefined);
  const silence = silenceOption(values);
  const embed = embedOption(values);
  const compile = {
    ...(silence.length ? { silence } : {}),
    ...(values["no-wasm"] ? { wasm: false } : {}),
    ...(embed ? { embedWeights: embed } : {}),
  };
  return {
    ...(values["out-dir"] ? { outDir: values["out-dir"] as string } : {}),
    ...(unroll ? { unroll } : {}),
    ...(values["dts"] ? { dts: true } : {}),
    ...(Object.keys(compile).length ? { compile } : {}),
  };
}

/** `--embed-weights FILE [--weights-dtype float16|int8]`: weights baked into the generated class. */
function embedOption(values: Record<string, unknown>): EmbedWeights | undefined {
  const file = values["embed-weights"] as string | undefined;
  const dtype = values["weights-dtype"] as string | undefined;
  if (dtype !== undefined && !["float32", "float16", "int8"].includes(dtype)) throw new UsageError(`--weights-dtype must be float32, float16 or int8, got ${dtype}`);
  if (file === undefined) {
    if (dtype !== undefined) throw new UsageError("--weights-dtype needs --embed-weights");
    return undefined;
  }
  let weights: Uint8Array;
  try {
    weights = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return { weights, ...(dtype !== undefined ? { dtype: dtype as WeightsDtype } : {}) };
}

async function cmdBuild(paths: string[], values: Record<string, unknown>, io: Io): Promise<number> {
  const opts = buildOptions(values);
  const specs = specsOrFail(paths);
  if (opts.compile?.embedWeights !== undefined && specs.length !== 1) throw new UsageError(`--embed-weights builds one spec file, but ${specs.length} were found`);
  let failed = 0;
  for (const spec of specs) {
    const r = await buildFile(spec, opts, io);
    if (!r.ok) {
      failed++;
      io.err(`${display(spec.path)}: not written (errors); ${display(r.output)} keeps its previous content\n`);
      continue;
    }
    for (const out of [r.output, ...(r.declarationOutput !== undefined ? [r.declarationOutput] : [])]) {
      io.out(`${r.wrote.includes(out) ? "wrote" : "unchanged"} ${display(out)}\n`);
    }
  }
  return failed ? 1 : 0;
}

function cmdCheck(paths: string[], values: Record<string, unknown>, io: Io): number {
  let failed = 0;
  const silence = silenceOption(values);
  for (const spec of specsOrFail(paths)) {
    const source = readSpec(spec.path);
    const r = check(source, { fileName: display(spec.path), silence });
    report(io, r.diagnostics, source, display(spec.path));
    if (r.diagnostics.some((d) => d.severity === "error")) failed++;
    else io.out(`ok ${display(spec.path)} (${r.models.map((m) => m.name).join(", ") || "no models"})\n`);
  }
  return failed ? 1 : 0;
}

function cmdFmt(paths: string[], values: Record<string, unknown>, io: Io): number {
  let failed = 0;
  let unformatted = 0;
  for (const spec of specsOrFail(paths)) {
    const source = readSpec(spec.path);
    const r = formatSpec(source);
    if (r.text === null) {
      report(io, r.diagnostics, source, display(spec.path));
      failed++;
      continue;
    }
    if (r.text === source) continue;
    if (values["check"]) {
      unformatted++;
      io.out(`would reformat ${display(spec.path)}\n`);
    } else {
      writeAtomic(spec.path, r.text);
      io.out(`formatted ${display(spec.path)}\n`);
    }
  }
  return failed || unformatted ? 1 : 0;
}

function cmdSummary(paths: string[], values: Record<string, unknown>, io: Io): number {
  if (paths.length !== 1) throw new UsageError("summary takes exactly one spec file");
  const path = paths[0]!;
  const source = readSpec(path);
  const r = check(source, { fileName: path });
  report(io, r.diagnostics, source, path);
  if (r.diagnostics.some((d) => d.severity === "error")) return 1;
  const classes = interpret(source, { fileName: path });
  const want = values["model"] as string | undefined;
  const names = Object.keys(classes).filter((n) => want === undefined || n === want);
  if (names.length === 0) throw new UsageError(`no model ${want} in ${path} (models: ${Object.keys(classes).join(", ")})`);
  io.out(names.map((n) => new classes[n]!({ seed: 0 }).summary()).join("\n\n") + "\n");
  return 0;
}

export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      io.out(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === "--version" || command === "-v") {
      io.out(`${VERSION}\n`);
      return 0;
    }
    const { values, positionals } = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        "out-dir": { type: "string" },
        unroll: { type: "string" },
        check: { type: "boolean" },
        model: { type: "string" },
        dts: { type: "boolean" },
        "no-wasm": { type: "boolean" },
        clear: { type: "boolean" },
        silence: { type: "string", multiple: true },
        name: { type: "string" },
        spec: { type: "string" },
        to: { type: "string" },
        weights: { type: "string" },
        "embed-weights": { type: "string" },
        "weights-dtype": { type: "string" },
      },
    });
    switch (command) {
      case "build":
        return await cmdBuild(positionals, values, io);
      case "check":
        return cmdCheck(positionals, values, io);
      case "fmt":
        return cmdFmt(positionals, values, io);
      case "summary":
        return cmdSummary(positionals, values, io);
      case "import":
        return cmdImport(positionals, values, io);
      case "export":
        return cmdExport(positionals, values, io);
      case "watch": {
        const paths = positionals.length ? positionals : ["."];
        const missing = paths.filter((p) => !existsSync(p));
        if (missing.length) throw new UsageError(`no such file or directory: ${missing.join(", ")}`);
        return await runWatch(paths, { ...buildOptions(values), ...(values["clear"] ? { clear: true } : {}) }, io);
      }
      default:
        throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof InteropUsageError || (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))) {
      io.err(`layerc: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
