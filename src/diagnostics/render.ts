/**
 * Rendering diagnostics for people: `file:line:col: severity[code]: message`,
 * then a code frame with carets under the span and one note per related
 * span. Only the CLI, plugins and tests render; the API returns data.
 */
import { LineMap, type Span } from "../source.js";
import type { Diagnostic } from "./diagnostic.js";

export interface RenderOptions {
  readonly fileName?: string;
  /** ANSI colours (the CLI enables them on a TTY). */
  readonly color?: boolean;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

function frame(lines: LineMap, span: Span, color: boolean, marker: string): string[] {
  const start = lines.position(span.start);
  const end = lines.position(Math.max(span.start, span.end - 1));
  const gutter = String(end.line).length;
  const out: string[] = [`${" ".repeat(gutter)} |`];
  for (let ln = start.line; ln <= Math.min(end.line, start.line + 4); ln++) {
    const text = lines.lineText(ln).replace(/\t/g, " ");
    out.push(`${String(ln).padStart(gutter)} | ${text}`);
    const from = ln === start.line ? start.column - 1 : 0;
    const to = ln === end.line ? Math.max(end.column, from + 1) : Math.max(text.length, from + 1);
    out.push(`${" ".repeat(gutter)} | ${" ".repeat(from)}${paint(color, "31;1", marker.repeat(Math.max(1, to - from)))}`);
  }
  return out;
}

export function formatDiagnostic(d: Diagnostic, source: string, opts: RenderOptions = {}, lines = new LineMap(source)): string {
  const color = opts.color ?? false;
  const pos = lines.position(d.span.start);
  const file = opts.fileName ?? d.file ?? "<input>";
  const sev = paint(color, d.severity === "error" ? "31;1" : "33;1", d.severity);
  const head = `${file}:${pos.line}:${pos.column}: ${sev}[${d.code}]: ${paint(color, "1", d.message)}`;
  const out = [head, ...frame(lines, d.span, color, "^")];
  for (const r of d.related ?? []) {
    const rp = lines.position(r.span.start);
    out.push(`  = note: ${r.message} (${file}:${rp.line}:${rp.column})`);
  }
  return out.join("\n");
}

/** All diagnostics, each followed by a blank line, then a one-line count. */
export function formatDiagnostics(diags: readonly Diagnostic[], source: string, opts: RenderOptions = {}): string {
  if (diags.length === 0) return "";
  const lines = new LineMap(source);
  const sorted = [...diags].sort((a, b) => a.span.start - b.span.start);
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.length - errors;
  const count = [errors ? `${errors} error${errors > 1 ? "s" : ""}` : "", warnings ? `${warnings} warning${warnings > 1 ? "s" : ""}` : ""]
    .filter(Boolean)
    .join(", ");
  return `${sorted.map((d) => formatDiagnostic(d, source, opts, lines)).join("\n\n")}\n\n${count}\n`;
}
