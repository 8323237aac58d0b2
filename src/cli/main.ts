/**
 * The `layerc` command line: a thin shell over the public API.
 * Exit codes: 0 success, 1 diagnostics with errors, 2 usage or I/O error.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { compile, check, formatDiagnostics, formatSpec, interpret, VERSION } from "../index.js";
import type { Diagnostic } from "../index.js";
import { findSpecs, outputPath, writeAtomic, type SpecFile } from "./files.js";
import { runWatch } from "./watch.js";

const USAGE = `layerc ${VERSION} — compile Keras-style .nn model specs to TypeScript

Usage:
  layerc build [paths...] [--out-dir D] [--unroll auto|full|loops]
  layerc check [paths...]
  layerc watch [paths...] [--out-dir D] [--unroll auto|full|loops]
  layerc fmt [paths...] [--check]
  layerc summary <file> [--model M]

Paths default to the current directory; directories are searched for *.nn.
Exit codes: 0 success, 1 errors in a spec, 2 usage or I/O error.`;

export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
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

export async function buildFile(spec: SpecFile, opts: { outDir?: string; unroll?: Unroll }, io: Io): Promise<{ ok: boolean; wrote: boolean; output: string }> {
  const source = readSpec(spec.path);
  const file = display(spec.path);
  const output = outputPath(spec, opts.outDir);
  const r = await compile(source, { fileName: file, ...(opts.unroll ? { unroll: opts.unroll } : {}) });
  report(io, r.diagnostics, source, file);
  if (r.code === undefined) return { ok: false, wrote: false, output };
  try {
    return { ok: true, wrote: writeAtomic(output, r.code), output };
  } catch (e) {
    throw new UsageError(`cannot write ${output}: ${(e as Error).message}`);
  }
}

async function cmdBuild(paths: string[], values: Record<string, unknown>, io: Io): Promise<number> {
  const unroll = unrollOption(values["unroll"] as string | undefined);
  let failed = 0;
  for (const spec of specsOrFail(paths)) {
    const r = await buildFile(spec, { ...(values["out-dir"] ? { outDir: values["out-dir"] as string } : {}), ...(unroll ? { unroll } : {}) }, io);
    if (!r.ok) {
      failed++;
      io.err(`${display(spec.path)}: not written (errors); ${display(r.output)} keeps its previous content\n`);
    } else io.out(`${r.wrote ? "wrote" : "unchanged"} ${display(r.output)}\n`);
  }
  return failed ? 1 : 0;
}

function cmdCheck(paths: string[], io: Io): number {
  let failed = 0;
  for (const spec of specsOrFail(paths)) {
    const source = readSpec(spec.path);
    const r = check(source, { fileName: display(spec.path) });
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
      },
    });
    switch (command) {
      case "build":
        return await cmdBuild(positionals, values, io);
      case "check":
        return cmdCheck(positionals, io);
      case "fmt":
        return cmdFmt(positionals, values, io);
      case "summary":
        return cmdSummary(positionals, values, io);
      case "watch":
        return await runWatch(positionals.length ? positionals : ["."], { outDir: values["out-dir"], unroll: unrollOption(values["unroll"]) }, io);
      default:
        throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))) {
      io.err(`layerc: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
