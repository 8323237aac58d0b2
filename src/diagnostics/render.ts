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

/**
 * Control characters, line and paragraph separators and bidirectional
 * overrides from a spec would act on the terminal (an escape sequence, a
 * carriage return that overwrites the line, text that reads backwards):
 * they are shown as `\u{…}` instead.
 */
export const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const escapeChar = (c: string) => `\\u{${c.charCodeAt(0).toString(16)}}`;

/** `s` with every invisible or terminal-controlling character written as `\u{…}`. */
export function visible(s: string): string {
  return s.replace(INVISIBLE, escapeChar);
}

/** Longest stretch of one source line shown in a code frame; longer lines are cut around the span. */
const FRAME_WIDTH = 160;

/**
 * One source line as displayed (tabs as spaces, invisible characters
 * escaped, cut to a window around columns [from, to)), with the display
 * columns of `from` and `to`.
 */
function displayLine(text: string, from: number, to: number): { text: string; from: number; to: number } {
  let lo = 0;
  let hi = text.length;
  if (hi > FRAME_WIDTH) {
    lo = Math.max(0, Math.min(from - 40, hi - FRAME_WIDTH));
    hi = Math.min(hi, lo + FRAME_WIDTH);
  }
  let out = lo > 0 ? "…" : "";
  let dFrom = -1;
  let dTo = -1;
  for (let i = lo; i <= hi; i++) {
    if (i === from) dFrom = out.length;
    if (i === to) dTo = out.length;
    if (i === hi) break;
    const c = text[i]!;
    out += c === "\t" ? " " : c.replace(INVISIBLE, escapeChar);
  }
  if (dFrom < 0) dFrom = from < lo ? (lo > 0 ? 1 : 0) : out.length;
  if (dTo < 0) dTo = out.length;
  if (hi < text.length) out += "…";
  return { text: out, from: dFrom, to: Math.max(dTo, dFrom + 1) };
}

function frame(lines: LineMap, span: Span, color: boolean, marker: string): string[] {
  const start = lines.position(span.start);
  const end = lines.position(Math.max(span.start, span.end - 1));
  const gutter = String(end.line).length;
  const out: string[] = [`${" ".repeat(gutter)} |`];
  for (let ln = start.line; ln <= Math.min(end.line, start.line + 4); ln++) {
    const raw = lines.lineText(ln);
    const from = ln === start.line ? start.column - 1 : 0;
    const to = ln === end.line ? Math.max(end.column, from + 1) : Math.max(raw.length, from + 1);
    const shown = displayLine(raw, from, to);
    out.push(`${String(ln).padStart(gutter)} | ${shown.text}`);
    out.push(`${" ".repeat(gutter)} | ${" ".repeat(shown.from)}${paint(color, "31;1", marker.repeat(Math.max(1, shown.to - shown.from)))}`);
  }
  return out;
}

export function formatDiagnostic(d: Diagnostic, source: string, opts: RenderOptions = {}, lines = new LineMap(source)): string {
  const color = opts.color ?? false;
  const pos = lines.position(d.span.start);
  const file = visible(opts.fileName ?? d.file ?? "<input>");
  const sev = paint(color, d.severity === "error" ? "31;1" : "33;1", d.severity);
  const head = `${file}:${pos.line}:${pos.column}: ${sev}[${d.code}]: ${paint(color, "1", visible(d.message))}`;
  const out = [head, ...frame(lines, d.span, color, "^")];
  for (const r of d.related ?? []) {
    const rp = lines.position(r.span.start);
    out.push(`  = note: ${visible(r.message)} (${file}:${rp.line}:${rp.column})`);
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
