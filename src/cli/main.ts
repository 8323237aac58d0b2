/**
 * The `layerc` command line: a thin shell over the public API.
 * Exit codes: 0 success, 1 diagnostics with errors, 2 usage or I/O error.
 *
 * Commands and their options are data (commands.ts): help, parsing and
 * "did you mean" come from that table. Settings come from the config file
 * (config.ts), overridden by flags. Output manners follow tsc/esbuild:
 * diagnostics on stderr (or one JSON document on stdout with
 * `--format json`), results on stdout unless `--quiet`, colour when stderr
 * is a terminal unless NO_COLOR / FORCE_COLOR / --color / --no-color say
 * otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { catalog, check, formatDiagnostics, formatSpec, interpret, VERSION } from "../index.js";
import type { Diagnostic } from "../index.js";
import { findSpecs, writeAtomic, type SpecFile } from "./files.js";
import { buildSource, type BuildOptions, type SpecBuild } from "./build.js";
import { commandHelp, commonOptions, findCommand, generalHelp, unknownCommandMessage, unknownOptionMessage, type CommandSpec } from "./commands.js";
import { cmdExport, cmdImport, InteropUsageError } from "./interop.js";
import type { EmbedWeights } from "../api/api.js";
import type { WeightsDtype } from "../runtime/weights.js";
import { ConfigError, loadConfig, type LayercConfig } from "./config.js";
import { diagnosticJson, type FileReport } from "./json.js";
import { jsonText, line } from "./lines.js";

/** Where the CLI and watch mode print: `out` for results and summaries, `err` for diagnostics. */
export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** ANSI colours in rendered diagnostics. */
  readonly color: boolean;
}

/**
 * Colour by default when stderr is a terminal; NO_COLOR (any non-empty
 * value) turns it off and FORCE_COLOR (other than `0`/`false`) on, as
 * https://no-color.org and https://force-color.org describe; flags win.
 */
export function colorEnabled(flags: { color?: boolean; noColor?: boolean }, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (flags.noColor) return false;
  if (flags.color) return true;
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  const force = env["FORCE_COLOR"];
  if (force !== undefined) return force !== "0" && force !== "false";
  return isTTY;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  color: colorEnabled({}, process.env, process.stderr.isTTY === true),
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

/** The settings of one run: the parsed flags over the config file. */
interface Run {
  readonly io: Io;
  readonly values: Record<string, unknown>;
  readonly config: LayercConfig;
  readonly json: boolean;
  readonly quiet: boolean;
}

function report(run: Run, diags: readonly Diagnostic[], source: string, file: string): void {
  if (diags.length && !run.json) run.io.err(formatDiagnostics(diags, source, { fileName: file, color: run.io.color }));
}

const UNROLL = ["auto", "full", "loops"] as const;
type Unroll = (typeof UNROLL)[number];

function unrollOption(v: string | undefined): Unroll | undefined {
  if (v === undefined) return undefined;
  if (!(UNROLL as readonly string[]).includes(v)) throw new UsageError(`--unroll must be auto, full or loops, got ${v}`);
  return v as Unroll;
}

export async function buildFile(spec: SpecFile, opts: BuildOptions, io: Io): Promise<SpecBuild> {
  const run: Run = { io, values: {}, config: {}, json: false, quiet: false };
  return (await buildOne(spec, opts, run)).build;
}

async function buildOne(spec: SpecFile, opts: BuildOptions, run: Run): Promise<{ build: SpecBuild; source: string }> {
  const source = readSpec(spec.path);
  const file = display(spec.path);
  try {
    const build = await buildSource(spec, source, file, opts);
    report(run, build.diagnostics, source, file);
    return { build, source };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === undefined) throw e;
    throw new UsageError(`cannot write output of ${file}: ${(e as Error).message}`);
  }
}

/** `--silence a,b --silence c` (plus the config's): warning codes to drop; errors cannot be silenced. */
function silenceOption(run: Run): string[] {
  const raw = [...(run.config.silence ?? []), ...((run.values["silence"] as string[] | undefined) ?? [])];
  const codes = raw.flatMap((v) => v.split(",")).map((c) => c.trim()).filter(Boolean);
  for (const code of codes) {
    const entry = (catalog as Record<string, { severity: string }>)[code];
    if (entry === undefined) throw new UsageError(`--silence: unknown diagnostic code ${code}`);
    if (entry.severity === "error") throw new UsageError(`--silence: ${code} is an error; only warnings can be silenced`);
  }
  return [...new Set(codes)];
}

function buildOptions(run: Run): BuildOptions {
  const { values, config } = run;
  const unroll = unrollOption((values["unroll"] as string | undefined) ?? config.unroll);
  const silence = silenceOption(run);
  const outDir = (values["out-dir"] as string | undefined) ?? config.outDir;
  const dtsOnly = values["dts-only"] === true || config.dtsOnly === true;
  const noWasm = values["no-wasm"] === true || config.wasm === false;
  const embed = embedOption(values);
  const compile = { ...(silence.length ? { silence } : {}), ...(noWasm ? { wasm: false } : {}), ...(embed ? { embedWeights: embed } : {}) };
  return {
    ...(outDir ? { outDir } : {}),
    ...(unroll ? { unroll } : {}),
    ...(values["dts"] || config.dts || dtsOnly ? { dts: true } : {}),
    ...(dtsOnly ? { dtsOnly: true } : {}),
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

function printJson(run: Run, files: readonly FileReport[]): void {
  const all = files.flatMap((f) => f.diagnostics);
  const errors = all.filter((d) => d.severity === "error").length;
  run.io.out(`${jsonText({ version: VERSION, files, errors, warnings: all.length - errors })}\n`);
}

async function cmdBuild(paths: string[], run: Run): Promise<number> {
  const opts = buildOptions(run);
  const specs = specsOrFail(paths);
  if (opts.compile?.embedWeights !== undefined && specs.length !== 1) throw new UsageError(`--embed-weights builds one spec file, but ${specs.length} were found`);
  let failed = 0;
  const reports: FileReport[] = [];
  for (const spec of specs) {
    const { build: r, source } = await buildOne(spec, opts, run);
    const outputs = [...(opts.dtsOnly ? [] : [r.output]), ...(r.declarationOutput !== undefined ? [r.declarationOutput] : [])];
    reports.push({ file: display(spec.path), ok: r.ok, diagnostics: r.diagnostics.map((d) => diagnosticJson(d, source)), outputs: r.ok ? outputs.map(display) : [] });
    if (!r.ok) {
      failed++;
      if (!run.json) run.io.err(line(`${display(spec.path)}: not written (${r.refused ?? "errors"}); ${display(r.output)} keeps its previous content`));
      continue;
    }
    if (run.quiet || run.json) continue;
    for (const out of outputs) run.io.out(line(`${r.wrote.includes(out) ? "wrote" : "unchanged"} ${display(out)}`));
  }
  if (run.json) printJson(run, reports);
  return failed ? 1 : 0;
}

function cmdCheck(paths: string[], run: Run): number {
  let failed = 0;
  const silence = silenceOption(run);
  const reports: FileReport[] = [];
  for (const spec of specsOrFail(paths)) {
    const source = readSpec(spec.path);
    const r = check(source, { fileName: display(spec.path), silence });
    report(run, r.diagnostics, source, display(spec.path));
    const ok = !r.diagnostics.some((d) => d.severity === "error");
    reports.push({ file: display(spec.path), ok, models: r.models.map((m) => m.name), diagnostics: r.diagnostics.map((d) => diagnosticJson(d, source)) });
    if (!ok) failed++;
    else if (!run.quiet && !run.json) run.io.out(line(`ok ${display(spec.path)} (${r.models.map((m) => m.name).join(", ") || "no models"})`));
  }
  if (run.json) printJson(run, reports);
  return failed ? 1 : 0;
}

function cmdFmt(paths: string[], run: Run): number {
  let failed = 0;
  let unformatted = 0;
  for (const spec of specsOrFail(paths)) {
    const source = readSpec(spec.path);
    const r = formatSpec(source);
    if (r.text === null) {
      report(run, r.diagnostics, source, display(spec.path));
      failed++;
      continue;
    }
    if (r.text === source) continue;
    if (run.values["check"]) {
      unformatted++;
      run.io.out(line(`would reformat ${display(spec.path)}`));
    } else {
      writeAtomic(spec.path, r.text);
      if (!run.quiet) run.io.out(line(`formatted ${display(spec.path)}`));
    }
  }
  return failed || unformatted ? 1 : 0;
}

function cmdSummary(paths: string[], run: Run): number {
  if (paths.length !== 1) throw new UsageError("summary takes exactly one spec file");
  const path = paths[0]!;
  const source = readSpec(path);
  const r = check(source, { fileName: path });
  report(run, r.diagnostics, source, path);
  if (r.diagnostics.some((d) => d.severity === "error")) return 1;
  const classes = interpret(source, { fileName: path });
  const want = run.values["model"] as string | undefined;
  const names = Object.keys(classes).filter((n) => want === undefined || n === want);
  if (names.length === 0) throw new UsageError(`no model ${want} in ${path} (models: ${Object.keys(classes).join(", ")})`);
  run.io.out(names.map((n) => new classes[n]!({ seed: 0 }).summary()).join("\n\n") + "\n");
  return 0;
}

async function cmdWatch(paths: string[], run: Run): Promise<number> {
  const roots = paths.length ? paths : ["."];
  const missing = roots.filter((p) => !existsSync(p));
  if (missing.length) throw new UsageError(`no such file or directory: ${missing.join(", ")}`);
  const { runWatch } = await import("./watch.js");
  return await runWatch(roots, { ...buildOptions(run), ...(run.values["clear"] ? { clear: true } : {}) }, run.io);
}

/** Parses a command's flags; unknown options get a did-you-mean. */
function parseCommand(command: CommandSpec, args: readonly string[]) {
  const options = Object.fromEntries(
    [...command.options, ...commonOptions].map((o) => [o.name, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]),
  );
  try {
    return parseArgs({ args: [...args], allowPositionals: true, options, strict: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const unknown = /Unknown option '([^']+)'/.exec((e as Error).message)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown !== undefined) throw new UsageError(unknownOptionMessage(command, unknown));
    if (code?.startsWith("ERR_PARSE_ARGS")) throw new UsageError(`${command.name}: ${(e as Error).message}`);
    throw e;
  }
}

export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      const topic = name === "help" && rest[0] !== undefined ? findCommand(rest[0]) : undefined;
      if (name === "help" && rest[0] !== undefined && topic === undefined) throw new UsageError(unknownCommandMessage(rest[0]));
      io.out(`${topic ? commandHelp(topic) : generalHelp(VERSION)}\n`);
      return name === undefined ? 2 : 0;
    }
    if (name === "--version" || name === "-v") {
      io.out(`${VERSION}\n`);
      return 0;
    }
    const command = findCommand(name);
    if (command === undefined) throw new UsageError(unknownCommandMessage(name));
    const { values, positionals } = parseCommand(command, rest);
    if (values["help"]) {
      io.out(`${commandHelp(command)}\n`);
      return 0;
    }
    const format = (values["format"] as string | undefined) ?? "text";
    if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json, got ${format}`);
    const color = values["color"] === true || values["no-color"] === true ? colorEnabled({ color: values["color"] === true, noColor: values["no-color"] === true }, {}, false) : io.color;
    const run: Run = { io: { ...io, color }, values, config: loadConfig().config, json: format === "json", quiet: values["quiet"] === true };
    switch (command.name) {
      case "build":
        return await cmdBuild(positionals, run);
      case "check":
        return cmdCheck(positionals, run);
      case "fmt":
        return cmdFmt(positionals, run);
      case "summary":
        return cmdSummary(positionals, run);
      case "import":
        return cmdImport(positionals, values, run.io);
      case "export":
        return cmdExport(positionals, values, run.io);
      case "lsp":
        // Loaded only here, so no other command pays for the language-server library.
        return await (await import("../lsp/server.js")).runServer();
      default:
        return await cmdWatch(positionals, run);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof InteropUsageError) {
      io.err(line(`layerc: ${e.message}`));
      return 2;
    }
    throw e;
  }
}
