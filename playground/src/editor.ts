/**
 * The spec editor: CodeMirror 6 with `.nn` highlighting, the compiler's
 * diagnostics as underlines (from the compiler worker), and the language
 * server's hover (output shapes, weights, defaults) as tooltips.
 */
import { basicSetup } from "codemirror";
import { EditorView, hoverTooltip, type Tooltip } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { StreamLanguage, type StreamParser } from "@codemirror/language";
import { linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import type { PlainDiagnostic } from "./protocol.js";

interface NnState {
  depth: number;
  afterModel: boolean;
}

const nnParser: StreamParser<NnState> = {
  name: "nn",
  startState: () => ({ depth: 0, afterModel: false }),
  token(stream, state) {
    if (stream.eatSpace()) return null;
    if (stream.match("#") || stream.match("//")) {
      stream.skipToEnd();
      return "comment";
    }
    const quote = stream.peek();
    if (quote === "'" || quote === '"') {
      stream.next();
      let escaped = false;
      for (let ch = stream.next(); ch !== undefined && ch !== null; ch = stream.next()) {
        if (ch === quote && !escaped) break;
        escaped = !escaped && ch === "\\";
      }
      return "string";
    }
    if (stream.match(/^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/)) return "number";
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
    if (word) {
      const w = word[0];
      if (w === "model") {
        state.afterModel = true;
        return "keyword";
      }
      if (state.afterModel) {
        state.afterModel = false;
        return "typeName";
      }
      if (/^(True|False|true|false|None|null)$/.test(w)) return "atom";
      if (stream.match(/^\s*=(?!=)/, false)) return state.depth > 0 ? "propertyName" : "variableName.definition";
      if (stream.match(/^\s*\(/, false)) return /^[A-Z]/.test(w) ? "className" : "variableName.function";
      return /^[A-Z]/.test(w) ? "className" : "variableName";
    }
    const ch = stream.next();
    if (ch === "(" || ch === "[") state.depth++;
    if (ch === ")" || ch === "]") state.depth = Math.max(0, state.depth - 1);
    return ch === "=" ? "operator" : "punctuation";
  },
};

export const nnLanguage = StreamLanguage.define(nnParser);

export interface SpecEditorOptions {
  readonly parent: HTMLElement;
  readonly doc: string;
  readonly onChange: (text: string) => void;
  /** Diagnostics for the current text (resolved by the compiler worker). */
  readonly diagnostics: (text: string) => Promise<readonly PlainDiagnostic[]>;
  readonly hover: (text: string, offset: number) => Promise<{ html: string; from: number; to: number } | null>;
}

export function createSpecEditor(o: SpecEditorOptions): EditorView {
  const lint = linter(
    async (view): Promise<Diagnostic[]> => {
      const text = view.state.doc.toString();
      const diags = await o.diagnostics(text);
      if (view.state.doc.toString() !== text) return [];
      const len = view.state.doc.length;
      return diags.map((d) => ({
        from: Math.min(d.from, len),
        to: Math.min(Math.max(d.to, d.from), len),
        severity: d.severity,
        source: d.code,
        message: d.message + d.related.map((r) => `\nnote: ${r.message}`).join(""),
        ...(d.suggestion !== undefined
          ? {
              actions: [
                {
                  name: `Change to ${d.suggestion}`,
                  apply(v: EditorView, from: number, to: number) {
                    const t = v.state.doc.sliceString(from, to);
                    const q = /^['"]/.test(t) && t.length >= 2 ? 1 : 0;
                    v.dispatch({ changes: { from: from + q, to: to - q, insert: d.suggestion! } });
                  },
                },
              ],
            }
          : {}),
      }));
    },
    { delay: 250 },
  );
  const hover = hoverTooltip(async (view, pos): Promise<Tooltip | null> => {
    const h = await o.hover(view.state.doc.toString(), pos);
    if (!h) return null;
    return {
      pos: h.from,
      end: h.to,
      above: true,
      create: () => {
        const dom = document.createElement("div");
        dom.className = "hover-doc";
        dom.innerHTML = h.html;
        return { dom };
      },
    };
  });
  return new EditorView({
    parent: o.parent,
    state: EditorState.create({
      doc: o.doc,
      extensions: [
        basicSetup,
        nnLanguage,
        lint,
        lintGutter(),
        hover,
        EditorView.updateListener.of((u) => u.docChanged && o.onChange(u.state.doc.toString())),
      ],
    }),
  });
}

/** A read-only view of the generated TypeScript, highlighted. */
export function createCodeView(parent: HTMLElement, extensions: import("@codemirror/state").Extension[]): EditorView {
  return new EditorView({ parent, state: EditorState.create({ doc: "", extensions: [basicSetup, EditorState.readOnly.of(true), EditorView.editable.of(false), ...extensions] }) });
}

/** The hover's small markdown subset (bold, code, italics, lists, paragraphs) as HTML. */
export function markdownToHtml(md: string): string {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const inline = (s: string) =>
    esc(s)
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/(^|[\s(])_([^_]+)_/g, "$1<em>$2</em>");
  return md
    .split(/\n\n+/)
    .map((block) => {
      const lines = block.split("\n");
      if (lines.every((l) => l.startsWith("- "))) return `<ul>${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join("")}</ul>`;
      return `<p>${lines.map(inline).join("<br>")}</p>`;
    })
    .join("");
}
