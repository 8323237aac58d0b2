/**
 * Document symbols (models, their layers and `compile`; in a functional
 * model its variables, each with the layer that made it), LSP diagnostics
 * from the checker's (same codes, spans and related notes as the CLI),
 * quick fixes for every diagnostic that carries a did-you-mean suggestion,
 * and whole-document formatting through `formatSpec`.
 */
import type { CodeAction, Diagnostic as LspDiagnostic, DocumentSymbol, Range, TextEdit } from "vscode-languageserver";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatSpec } from "../phases/fmt/format.js";
import type { CallNode } from "../phases/1-parse/ast.js";
import { kerasShape, layerOf, modelIR, positionAt, rangeOf, type Analysis } from "./analysis.js";
import { assignedLayer, modelNames, tensorOf } from "./names.js";

const SymbolKind = { Class: 5, Method: 6, Field: 8, Variable: 13 } as const;
const Severity = { Error: 1, Warning: 2 } as const;

export function documentSymbols(a: Analysis): DocumentSymbol[] {
  return a.ast.models
    .filter((m) => !m.name.missing)
    .map((m) => {
      const ir = modelIR(a, m);
      const names = modelNames(m);
      const children: DocumentSymbol[] = m.statements.flatMap((s): DocumentSymbol[] => {
        if (s.kind === "Call") return s.callee.missing ? [] : [callSymbol(s)];
        // functional: `h = Dense(8)(x)` is the variable h, made by a layer; `x = Input(…)` an input; `shared = Dense(8)` a layer
        const b = names.bindings.find((x) => x.def === s.target.span);
        if (!b) return [];
        const layer = ir ? assignedLayer(a, ir, names, s) : undefined;
        const t = ir && b.kind === "tensor" ? tensorOf(a, ir, b) : undefined;
        const made = layer ? `${layer.name} (${layer.kind})` : t ? "Input" : "";
        return [
          {
            name: b.name,
            detail: b.kind === "layer" ? `${made ? `${made}, ` : ""}shared layer` : `${made}${t ? ` → ${kerasShape(t.shape)}` : ""}`,
            kind: b.kind === "layer" ? SymbolKind.Field : SymbolKind.Variable,
            range: rangeOf(a, s.span),
            selectionRange: rangeOf(a, s.target.span),
          },
        ];
      });
      return {
        name: m.name.name,
        detail: ir ? `${kerasShape(ir.inputShape)} → ${kerasShape(ir.outputShape)}, ${ir.paramCount} params` : "",
        kind: SymbolKind.Class,
        range: rangeOf(a, m.span),
        selectionRange: rangeOf(a, m.name.span),
        children,
      };

      function callSymbol(s: CallNode): DocumentSymbol {
        const layer = layerOf(a, m, s);
        const isCompile = s.callee.name === "compile";
        return {
          name: layer ? layer.name : s.callee.name,
          detail: layer ? `${layer.kind} → ${kerasShape(layer.outputShape)}` : isCompile ? "training" : s.callee.name === "Input" && ir ? kerasShape(ir.inputShape) : "",
          kind: isCompile ? SymbolKind.Method : SymbolKind.Field,
          range: rangeOf(a, s.span),
          selectionRange: rangeOf(a, s.callee.span),
        };
      }
    });
}

/** The checker's diagnostics as LSP diagnostics; `uri` for related locations. */
export function lspDiagnostics(a: Analysis, uri: string): LspDiagnostic[] {
  return a.checked.diagnostics.map((d) => ({
    range: rangeOf(a, d.span),
    severity: d.severity === "error" ? Severity.Error : Severity.Warning,
    code: d.code,
    source: "layerc",
    message: d.message,
    ...(d.related ? { relatedInformation: d.related.map((r) => ({ message: r.message, location: { uri, range: rangeOf(a, r.span) } })) } : {}),
    ...(d.suggestion !== undefined ? { data: { suggestion: d.suggestion } } : {}),
  }));
}

/**
 * The edit that applies a suggestion: the span's text replaced, keeping the
 * quotes of a string (`'rleu'` → `'relu'`).
 */
export function suggestionEdit(a: Analysis, d: Pick<Diagnostic, "span" | "suggestion">): TextEdit | undefined {
  if (d.suggestion === undefined) return undefined;
  const text = a.text.slice(d.span.start, d.span.end);
  const quote = /^['"]/.exec(text)?.[0];
  const span = quote !== undefined && text.length >= 2 && text.endsWith(quote) ? { start: d.span.start + 1, end: d.span.end - 1 } : d.span;
  return { range: rangeOf(a, span), newText: d.suggestion };
}

const overlaps = (r: Range, s: { start: number; end: number }, a: Analysis): boolean => {
  const start = positionAt(a, s.start);
  const end = positionAt(a, s.end);
  const before = (p: { line: number; character: number }, q: { line: number; character: number }) => p.line < q.line || (p.line === q.line && p.character <= q.character);
  return before(start, r.end) && before(r.start, end);
};

/** Quick fixes for the did-you-mean diagnostics that touch `range`. */
export function codeActions(a: Analysis, uri: string, range: Range): CodeAction[] {
  const lsp = lspDiagnostics(a, uri);
  const actions: CodeAction[] = [];
  a.checked.diagnostics.forEach((d, i) => {
    if (d.suggestion === undefined || !overlaps(range, d.span, a)) return;
    const edit = suggestionEdit(a, d)!;
    actions.push({
      title: `Change to \`${d.suggestion}\``,
      kind: "quickfix",
      diagnostics: [lsp[i]!],
      isPreferred: true,
      edit: { changes: { [uri]: [edit] } },
    });
  });
  return actions;
}

/** `layerc fmt` as one whole-document edit; none when the file has syntax errors or is already formatted. */
export function formatting(a: Analysis): TextEdit[] {
  const r = formatSpec(a.text);
  if (r.text === null || r.text === a.text) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: positionAt(a, a.text.length) }, newText: r.text }];
}
