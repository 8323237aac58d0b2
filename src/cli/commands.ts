/**
 * What the CLI accepts, as data: each command with its arguments, summary
 * and options. The general usage text, every command's `--help`, option
 * parsing and "did you mean" for commands and options all come from this one
 * table, so help cannot drift from what is parsed.
 */
import { suggest } from "../diagnostics/diagnostic.js";

export interface OptionSpec {
  readonly name: string;
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
  /** Placeholder shown in help: `--out-dir D`. */
  readonly value?: string;
  readonly short?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly args: string;
  readonly summary: string;
  readonly options: readonly OptionSpec[];
}

const outDir: OptionSpec = { name: "out-dir", type: "string", value: "D", help: "write outputs under D, mirroring the tree below each named directory" };
const unroll: OptionSpec = { name: "unroll", type: "string", value: "auto|full|loops", help: "override every model's unroll= (full: straight-line code, loops: tight loops)" };
const noWasm: OptionSpec = { name: "no-wasm", type: "boolean", help: "TypeScript only: no embedded WebAssembly SIMD kernels" };
const dts: OptionSpec = { name: "dts", type: "boolean", help: "also write <file>.nn.d.ts beside each output" };
const dtsOnly: OptionSpec = { name: "dts-only", type: "boolean", help: "write only <file>.nn.d.ts (commit declarations, compile in the bundler)" };
const silence: OptionSpec = { name: "silence", type: "string", multiple: true, value: "CODE,…", help: "drop warnings with these codes (repeatable); errors cannot be silenced" };
const format: OptionSpec = { name: "format", type: "string", value: "text|json", help: "json: one JSON document with every file's diagnostics on stdout" };
const quiet: OptionSpec = { name: "quiet", short: "q", type: "boolean", help: "print diagnostics only, no per-file success lines" };

/** Options every command takes. */
export const commonOptions: readonly OptionSpec[] = [
  { name: "color", type: "boolean", help: "colour diagnostics even when not writing to a terminal" },
  { name: "no-color", type: "boolean", help: "never colour (as does the NO_COLOR environment variable)" },
  { name: "help", short: "h", type: "boolean", help: "show this help" },
];

export const commands: readonly CommandSpec[] = [
  {
    name: "build",
    args: "[paths…]",
    summary: "compile every .nn under the paths (default .) to <file>.nn.ts beside it",
    options: [
      outDir,
      unroll,
      noWasm,
      dts,
      dtsOnly,
      silence,
      format,
      quiet,
      { name: "embed-weights", type: "string", value: "W.weights.bin", help: "bake these weights into the generated class (one spec only)" },
      { name: "weights-dtype", type: "string", value: "float32|float16|int8", help: "store the embedded weights quantized (dequantized once at construction)" },
    ],
  },
  { name: "check", args: "[paths…]", summary: "report diagnostics only; write nothing", options: [silence, format, quiet] },
  {
    name: "watch",
    args: "[paths…]",
    summary: "build, then rebuild what changes until Ctrl-C; spec errors never end it",
    options: [outDir, unroll, noWasm, dts, dtsOnly, { name: "clear", type: "boolean", help: "clear the terminal before each rebuild's report" }, silence],
  },
  {
    name: "fmt",
    args: "[paths…]",
    summary: "rewrite specs in the canonical layout, comments kept",
    options: [{ name: "check", type: "boolean", help: "write nothing; list files that would change and exit 1" }, quiet],
  },
  {
    name: "summary",
    args: "<file>",
    summary: "print the Keras-style model.summary() table of each model",
    options: [{ name: "model", type: "string", value: "M", help: "only model M" }],
  },
  {
    name: "import",
    args: "<file>",
    summary: "a Keras .keras / .h5 / .weights.h5 (with --spec) or a TensorFlow.js model.json → <stem>.nn + <stem>.weights.bin",
    options: [
      { name: "out-dir", type: "string", value: "D", help: "write the spec and weights under D (default .)" },
      { name: "name", type: "string", value: "ModelName", help: "the model (class) name in the spec (default: from the file name)" },
      { name: "spec", type: "string", value: "S.nn", help: "for a weights-only .weights.h5: the spec the weights belong to" },
    ],
  },
  {
    name: "export",
    args: "<spec>",
    summary: "a spec (and its weights) → a .keras archive, a TensorFlow.js model.json, or a Keras Python script",
    options: [
      { name: "to", type: "string", value: "keras|tfjs|python", help: "what to write" },
      { name: "weights", type: "string", value: "W.weights.bin", help: "the weights to export (default: the model's seeded initial weights)" },
      { name: "model", type: "string", value: "M", help: "which model of the spec (default: the only one)" },
      { name: "out-dir", type: "string", value: "D", help: "write under D (default .)" },
    ],
  },
  {
    name: "lsp",
    args: "",
    summary: "run the language server (LSP over stdin/stdout) for editors",
    options: [{ name: "stdio", type: "boolean", help: "talk over stdin/stdout (the default and only transport; editors pass it)" }],
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return commands.find((c) => c.name === name);
}

/** "unknown command `biuld`; did you mean `build`?" */
export function unknownCommandMessage(name: string): string {
  const hint = suggest(name, commands.map((c) => c.name));
  return `unknown command \`${name}\`${hint !== undefined ? `; did you mean \`${hint}\`?` : ""} (commands: ${commands.map((c) => c.name).join(", ")}; see layerc --help)`;
}

/** "unknown option --out for build; did you mean --out-dir?" */
export function unknownOptionMessage(command: CommandSpec, option: string): string {
  const names = [...command.options, ...commonOptions].map((o) => `--${o.name}`);
  const hint = suggest(option, names);
  return `unknown option ${option} for ${command.name}${hint !== undefined ? `; did you mean ${hint}?` : ""} (see layerc ${command.name} --help)`;
}

function optionLines(options: readonly OptionSpec[]): string[] {
  const left = options.map((o) => `${o.short ? `-${o.short}, ` : "    "}--${o.name}${o.value ? ` ${o.value}` : ""}`);
  const width = Math.max(...left.map((l) => l.length));
  return options.map((o, i) => `  ${left[i]!.padEnd(width)}  ${o.help}`);
}

export function commandHelp(c: CommandSpec): string {
  return [
    `layerc ${c.name} ${c.args} — ${c.summary}`,
    "",
    "Options:",
    ...optionLines([...c.options, ...commonOptions]),
    "",
    "Settings can also come from layerc.config.json (or \"layerc\" in package.json):",
    "outDir, unroll, dts, dtsOnly, wasm, silence; flags override them.",
  ].join("\n");
}

export function generalHelp(version: string): string {
  const width = Math.max(...commands.map((c) => `${c.name} ${c.args}`.length));
  return [
    `layerc ${version} — compile Keras-style .nn model specs to TypeScript`,
    "",
    "Usage: layerc <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${`${c.name} ${c.args}`.padEnd(width)}  ${c.summary}`),
    "",
    "Run `layerc <command> --help` for a command's options.",
    "Paths default to the current directory; directories are searched for *.nn.",
    "Colour: --color / --no-color, or the NO_COLOR and FORCE_COLOR environment variables.",
    "Exit codes: 0 success, 1 errors in a spec, 2 usage or I/O error.",
    "Docs: docs/language.md and docs/diagnostics.md in the package.",
  ].join("\n");
}
