/**
 * The CLI's own output lines (`ok file (Models…)`, `wrote …`, watch-mode
 * log lines, usage errors) carry user paths and text. Like rendered
 * diagnostics, they show control characters, line separators and
 * bidirectional overrides as `\u{…}`, so a file name cannot move the
 * cursor, recolour the terminal or forge another line.
 */
import { INVISIBLE, visible } from "../diagnostics/render.js";

/** One output line with user text shown visibly, ending in a newline. */
export function line(text: string): string {
  return `${visible(text)}\n`;
}

/**
 * Indented JSON text with the same characters written as `\uXXXX` escapes.
 * JSON.stringify escapes C0 controls in strings but leaves C1 controls,
 * separators and bidi overrides raw; outside strings there is only the
 * indentation's line feeds, which stay. The text parses to the same value.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(INVISIBLE, (c) => (c === "\n" ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}
