/**
 * `layerc lsp`: the language server over stdio. A thin shell: documents are
 * analysed by the compiler's own parse and check (analysis.ts) and every
 * feature is a pure function of that analysis. Diagnostics are published
 * after a short pause in typing (debounced per document); requests analyse
 * the current text on demand, cached per document version.
 *
 * Loaded lazily by the CLI, so only `layerc lsp` pays for vscode-languageserver.
 */
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, type Connection, type InitializeResult } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { VERSION } from "../version.js";
import { analyze, offsetAt, type Analysis } from "./analysis.js";
import { complete, signatureHelp } from "./completion.js";
import { hover } from "./hover.js";
import { definition, references } from "./names.js";
import { semanticTokens, tokenModifiers, tokenTypes } from "./semantic-tokens.js";
import { codeActions, documentSymbols, formatting, lspDiagnostics } from "./symbols.js";

export interface ServerOptions {
  /**
   * Milliseconds of quiet after an edit before diagnostics are published
   * (default 150; a client may send `initializationOptions.debounceMs`).
   */
  readonly debounceMs?: number;
}

export function startServer(opts: ServerOptions = {}, connection: Connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout)): Connection {
  let debounceMs = opts.debounceMs ?? 150;
  const documents = new TextDocuments(TextDocument);
  const cache = new Map<string, { version: number; analysis: Analysis }>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  const analysisOf = (uri: string): Analysis | undefined => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const hit = cache.get(uri);
    if (hit && hit.version === doc.version) return hit.analysis;
    const analysis = analyze(doc.getText(), fileNameOf(uri));
    cache.set(uri, { version: doc.version, analysis });
    return analysis;
  };

  const publish = (uri: string) => {
    timers.delete(uri);
    const a = analysisOf(uri);
    if (a) void connection.sendDiagnostics({ uri, version: documents.get(uri)?.version, diagnostics: lspDiagnostics(a, uri) });
  };

  const schedule = (uri: string, delay: number) => {
    const t = timers.get(uri);
    if (t !== undefined) clearTimeout(t);
    timers.set(uri, setTimeout(() => publish(uri), delay));
  };

  connection.onInitialize((params) => {
    const asked = (params.initializationOptions as { debounceMs?: unknown } | undefined)?.debounceMs;
    if (typeof asked === "number" && asked >= 0 && asked <= 10_000) debounceMs = asked;
    return initializeResult();
  });

  const initializeResult = (): InitializeResult => ({
    serverInfo: { name: "layerc", version: VERSION },
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      completionProvider: { triggerCharacters: ["(", ",", "=", "'", '"', "[", " "] },
      signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: ["="] },
      documentSymbolProvider: true,
      documentFormattingProvider: true,
      codeActionProvider: { codeActionKinds: ["quickfix"] },
      semanticTokensProvider: { legend: { tokenTypes: [...tokenTypes], tokenModifiers: [...tokenModifiers] }, full: true },
    },
  });

  documents.onDidOpen((e) => schedule(e.document.uri, 0));
  documents.onDidChangeContent((e) => schedule(e.document.uri, debounceMs));
  documents.onDidClose((e) => {
    const t = timers.get(e.document.uri);
    if (t !== undefined) clearTimeout(t);
    timers.delete(e.document.uri);
    cache.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  const at = <T>(uri: string, f: (a: Analysis) => T, none: T): T => {
    const a = analysisOf(uri);
    return a ? f(a) : none;
  };

  connection.onHover((p) => at(p.textDocument.uri, (a) => hover(a, offsetAt(a, p.position)), null));
  connection.onCompletion((p) => at(p.textDocument.uri, (a) => complete(a, offsetAt(a, p.position)), []));
  connection.onDefinition((p) => at(p.textDocument.uri, (a) => definition(a, p.textDocument.uri, offsetAt(a, p.position)), null));
  connection.onReferences((p) => at(p.textDocument.uri, (a) => references(a, p.textDocument.uri, offsetAt(a, p.position), p.context.includeDeclaration), []));
  connection.onSignatureHelp((p) => at(p.textDocument.uri, (a) => signatureHelp(a, offsetAt(a, p.position)), null));
  connection.onDocumentSymbol((p) => at(p.textDocument.uri, documentSymbols, []));
  connection.onDocumentFormatting((p) => at(p.textDocument.uri, formatting, []));
  connection.onCodeAction((p) => at(p.textDocument.uri, (a) => codeActions(a, p.textDocument.uri, p.range), []));
  connection.languages.semanticTokens.on((p) => ({ data: at(p.textDocument.uri, semanticTokens, []) }));

  documents.listen(connection);
  connection.listen();
  return connection;
}

/** The base name shown in diagnostics, from a `file:` URI. */
function fileNameOf(uri: string): string {
  const path = decodeURIComponent(uri.replace(/^[a-z]+:\/\//i, ""));
  return path.slice(path.lastIndexOf("/") + 1) || uri;
}

/** `layerc lsp [--stdio]`: serve until the client exits. */
export async function runServer(): Promise<number> {
  const connection = startServer();
  // The library ends the process on `exit` (0 after `shutdown`, else 1) and when stdin closes.
  return await new Promise<number>((resolve) => connection.onExit(() => resolve(0)));
}
