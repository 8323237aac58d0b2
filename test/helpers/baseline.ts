/**
 * Diagnostics baselines in the style of TypeScript's `.errors.txt`: the
 * diagnostics of one `.nn` case rendered as plain text that a reviewer can
 * read in a diff. test/diagnostics-baseline.test.ts compares these byte for
 * byte; scripts/gen-docs.ts quotes them in docs/diagnostics.md.
 *
 * Layout (one case, `bad.nn`):
 *
 *   bad.nn(3,3): error layer_unknown: unknown layer `Dens`; did you mean `Dense`?
 *     related bad.nn(2,7): ...                  ← one indented line per related note
 *
 *
 *   ==== bad.nn (1 error, 0 warnings) ====
 *       model A {                               ← every source line, indented 4
 *         Dens(4, input_shape=(1,))
 *         ~~~~                                  ← the span's part on this line
 *   !!! error layer_unknown: unknown layer `Dens`; did you mean `Dense`?
 *   !!! related bad.nn(2,7): ...
 *       }
 *
 * As in TypeScript's harness, each diagnostic gets its own `~` line under
 * every source line its span touches, and its `!!!` lines follow the line
 * where the span ends. Deviations: a zero-width span (end of file, a missing
 * token) still gets one `~` so it is visible; blank source lines carry no
 * trailing spaces; a final empty line after the last newline is printed only
 * when a diagnostic points at it.
 *
 * Cases may carry compile options in a first-line comment:
 * `# options: {"limits": {"maxParams": 10}, "silence": ["..."]}`
 * (`"embedWeights": {"weights": "<base64>"}` for a `.weights.bin`).
 * Diagnostics come from the public `check()`; when check finds no error, the
 * case also goes through `compile()`, whose extra diagnostics (the generated
 * code budget, `limit_code_size`) are only known after emission.
 */
import { check, compile, type CompileOptions, type Diagnostic } from "../../src/index.js";
import { LineMap } from "../../src/source.js";

/** Parses a first-line `# options: {...}` comment; no such line means no options. */
export function caseOptions(source: string): CompileOptions {
  const first = source.split("\n", 1)[0] ?? "";
  const m = /^\s*(?:#|\/\/)\s*options:\s*(\{.*\})\s*$/.exec(first);
  if (!m) return {};
  const parsed = JSON.parse(m[1]!) as Record<string, unknown>;
  const allowed = new Set(["limits", "silence", "unroll", "embedWeights"]);
  for (const key of Object.keys(parsed)) {
    if (!allowed.has(key)) throw new Error(`unknown case option "${key}" (allowed: ${[...allowed].join(", ")})`);
  }
  // JSON has no bytes: embedded weights are given as { "weights": "<base64 of a .weights.bin>" }
  const embed = parsed["embedWeights"] as { weights: string } | undefined;
  if (embed !== undefined) parsed["embedWeights"] = { ...embed, weights: new Uint8Array(Buffer.from(embed.weights, "base64")) };
  return parsed as CompileOptions;
}

/** Diagnostics for one case, through the public API (see the file comment). */
export async function diagnoseCase(fileName: string, source: string): Promise<Diagnostic[]> {
  const opts: CompileOptions = { ...caseOptions(source), fileName };
  const checked = check(source, opts);
  if (checked.diagnostics.some((d) => d.severity === "error")) return checked.diagnostics;
  return (await compile(source, opts)).diagnostics;
}

/** Source order, stable for diagnostics that share a span. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function position(lines: LineMap, offset: number): string {
  const p = lines.position(offset);
  return `(${p.line},${p.column})`;
}

function messageLines(d: Diagnostic, fileName: string, lines: LineMap): string[] {
  return [
    `!!! ${d.severity} ${d.code}: ${d.message}`,
    ...(d.related ?? []).map((r) => `!!! related ${fileName}${position(lines, r.span.start)}: ${r.message}`),
  ];
}

/** The `.errors.txt` text for one case; ends with a newline. */
export function renderBaseline(fileName: string, source: string, diagnostics: readonly Diagnostic[]): string {
  const diags = sortDiagnostics(diagnostics);
  const lines = new LineMap(source);
  const out: string[] = [];

  for (const d of diags) {
    out.push(`${fileName}${position(lines, d.span.start)}: ${d.severity} ${d.code}: ${d.message}`);
    for (const r of d.related ?? []) out.push(`  related ${fileName}${position(lines, r.span.start)}: ${r.message}`);
  }
  if (diags.length > 0) out.push("", "");

  const errors = diags.filter((d) => d.severity === "error").length;
  out.push(`==== ${fileName} (${plural(errors, "error")}, ${plural(diags.length - errors, "warning")}) ====`);

  const count = lines.lineCount();
  const lastLine = lines.lineText(count) === "" && !diags.some((d) => lines.position(d.span.start).line === count) ? count - 1 : count;
  const starts: number[] = [];
  for (let ln = 1; ln <= count; ln++) starts.push(ln === 1 ? 0 : source.indexOf("\n", starts[ln - 2]!) + 1);

  for (let ln = 1; ln <= lastLine; ln++) {
    const text = lines.lineText(ln);
    const lineStart = starts[ln - 1]!;
    const lineEnd = lineStart + text.length;
    out.push(text === "" ? "" : `    ${text}`);
    for (const d of diags) {
      const start = d.span.start;
      const last = Math.max(start, d.span.end - 1); // offset of the span's last character
      const startLine = lines.position(start).line;
      const endLine = lines.position(last).line;
      if (ln < startLine || ln > endLine) continue;
      const from = Math.max(start, lineStart) - lineStart;
      const to = Math.min(d.span.end, lineEnd) - lineStart;
      const pad = text.slice(0, from).replace(/[^\t]/g, " ");
      out.push(`    ${pad}${"~".repeat(Math.max(1, to - from))}`);
      if (ln === endLine) out.push(...messageLines(d, fileName, lines));
    }
  }
  return `${out.join("\n")}\n`;
}
