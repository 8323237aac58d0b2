/**
 * The language server end to end: the built `layerc lsp` process, spoken
 * to over stdio in JSON-RPC by an independent client (helpers/lsp-client.ts).
 * Diagnostics (debounced, with codes, ranges and related notes), hover,
 * completion, signature help, formatting, quick fixes, symbols and
 * semantic tokens.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSpec } from "../src/index.js";
import { LspClient } from "./helpers/lsp-client.js";
import { cliPath } from "./helpers/process.js";

const URI = "file:///work/mlp.nn";
const MLP = `model Mlp(seed=1) {
  Input(shape=(784,))
  Dense(128, activation='relu')
  Dense(10, activation='softmax')
  compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
}
`;

interface Pos {
  line: number;
  character: number;
}
interface PublishParams {
  uri: string;
  version?: number;
  diagnostics: { code: string; message: string; severity: number; range: { start: Pos; end: Pos }; relatedInformation?: { message: string; location: { range: { start: Pos } } }[] }[];
}

/** The LSP position of the `nth` occurrence of `needle` in `text`, plus `delta` characters. */
function pos(text: string, needle: string, delta = 0, nth = 0): Pos {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`no ${needle} in text`);
  const o = i + delta;
  const before = text.slice(0, o);
  const line = before.split("\n").length - 1;
  return { line, character: o - (before.lastIndexOf("\n") + 1) };
}

let client: LspClient;
let version = 1;
let doc = "";

async function open(uri: string, text: string): Promise<PublishParams> {
  const from = client.notifications.length;
  client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "nn", version: 1, text } });
  const n = await client.waitNotification((m) => m.method === "textDocument/publishDiagnostics" && (m.params as PublishParams).uri === uri, `diagnostics for ${uri}`, from);
  return n.params as PublishParams;
}

async function openScratch(text: string): Promise<string> {
  const uri = `file:///work/scratch-${version++}.nn`;
  await open(uri, text);
  return uri;
}

const labels = (items: { label: string }[]) => items.map((i) => i.label);

async function completionAt(text: string, needle: string, delta: number): Promise<{ label: string; insertText?: string }[]> {
  const uri = await openScratch(text);
  const r = await client.request<{ label: string }[] | { items: { label: string }[] }>("textDocument/completion", { textDocument: { uri }, position: pos(text, needle, delta) });
  return Array.isArray(r) ? r : r.items;
}

beforeAll(async () => {
  client = new LspClient();
  const init = await client.request<{ capabilities: Record<string, unknown>; serverInfo: { name: string } }>("initialize", { processId: null, rootUri: null, capabilities: {}, initializationOptions: { debounceMs: 600 } });
  expect(init.serverInfo.name).toBe("layerc");
  expect(init.capabilities).toMatchObject({ hoverProvider: true, documentFormattingProvider: true, documentSymbolProvider: true });
  client.notify("initialized", {});
}, 60_000);

afterAll(() => client.kill());

describe("layerc lsp", () => {
  it("publishes the checker's diagnostics on open, with code, range, severity and related notes", async () => {
    const broken = "model M {\n  Input(shape=(4,))\n  Dense(8)\n  Conv2D(4, 3)\n  Dens(2)\n}\n";
    const p = await open("file:///work/broken.nn", broken);
    const byCode = Object.fromEntries(p.diagnostics.map((d) => [d.code, d]));
    expect(Object.keys(byCode).sort()).toEqual(["layer_unknown", "shape_rank"]);
    expect(byCode["layer_unknown"]!.range).toEqual({ start: pos(broken, "Dens("), end: pos(broken, "Dens(", 4) });
    expect(byCode["layer_unknown"]!.severity).toBe(1);
    expect(byCode["layer_unknown"]!.message).toContain("did you mean `Dense`");
    const related = byCode["shape_rank"]!.relatedInformation!;
    expect(related[0]!.message).toContain("dense");
    expect(related[0]!.location.range.start).toEqual(pos(broken, "Dense(8)"));
  });

  it("debounces edits: one publish for a burst of changes, for the last version, and clears fixed errors", async () => {
    doc = MLP.replace("Dense(10", "Dens(10");
    const first = await open(URI, doc);
    expect(first.diagnostics.map((d) => d.code)).toEqual(["layer_unknown"]);
    const from = client.notifications.length;
    // Three quick edits: type the missing `e` in three steps (insert, delete, insert again).
    const at = pos(doc, "Dens(10", 4);
    const edits = [{ text: "e" }, { text: "" }, { text: "e" }];
    for (const [i, e] of edits.entries()) {
      const range = e.text === "" ? { start: at, end: { ...at, character: at.character + 1 } } : { start: at, end: at };
      client.notify("textDocument/didChange", { textDocument: { uri: URI, version: 2 + i }, contentChanges: [{ range, text: e.text }] });
    }
    const p = await client.waitNotification((m) => m.method === "textDocument/publishDiagnostics" && (m.params as PublishParams).uri === URI, "diagnostics after edits", from);
    expect((p.params as PublishParams).version).toBe(4);
    expect((p.params as PublishParams).diagnostics).toEqual([]);
    await new Promise((r) => setTimeout(r, 700));
    expect(client.notifications.slice(from).filter((m) => (m.params as PublishParams | undefined)?.uri === URI)).toHaveLength(1);
    doc = MLP;
  });

  it("hover on a layer shows its output shape, weights with shapes, parameter count and Keras defaults", async () => {
    const h = await client.request<{ contents: { kind: string; value: string } }>("textDocument/hover", { textDocument: { uri: URI }, position: pos(doc, "Dense(128", 2) });
    const v = h.contents.value;
    expect(v).toContain("`dense` → `(None, 128)` · 100,480 params");
    expect(v).toContain("`kernel` `(784, 128)` glorot_uniform");
    expect(v).toContain("`bias` `(128,)` zeros");
    expect(v).toContain("Densely-connected layer");
    expect(v).toContain("Defaults: units (required), activation=None, use_bias=True, kernel_initializer='glorot_uniform', bias_initializer='zeros'");
    const second = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri: URI }, position: pos(doc, "Dense(10", 1) });
    expect(second.contents.value).toContain("`dense_1` → `(None, 10)` · 1,290 params");
    const act = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri: URI }, position: pos(doc, "'relu'", 2) });
    expect(act.contents.value).toContain("activation `relu`");
    const arg = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri: URI }, position: pos(doc, "activation=", 3) });
    expect(arg.contents.value).toContain("argument `activation`");
  });

  it("completes layer names, remaining argument names, enum values, activations, initializers, optimizers, losses and metrics", async () => {
    const body = (line: string) => `model M {\n  Input(shape=(8, 8, 1))\n  ${line}\n}\n`;
    expect(labels(await completionAt(body("Con"), "Con", 3))).toEqual(expect.arrayContaining(["Dense", "Conv2D", "MaxPooling2D", "compile"]));
    const args = labels(await completionAt(body("Conv2D(4, 3, padding='same', )"), "same', ", 7));
    expect(args).toEqual(expect.arrayContaining(["strides=", "activation=", "kernel_initializer=", "use_bias="]));
    expect(args).not.toContain("filters=");
    expect(args).not.toContain("kernel_size=");
    expect(args).not.toContain("padding=");
    const padding = await completionAt(body("Conv2D(4, 3, padding=)"), "padding=", 8);
    expect(labels(padding).sort()).toEqual(["same", "valid"]);
    expect(padding.find((i) => i.label === "same")!.insertText).toBe("'same'");
    const quoted = await completionAt(body("Conv2D(4, 3, activation='re')"), "'re", 3);
    expect(labels(quoted)).toEqual(expect.arrayContaining(["relu", "relu6", "sigmoid"]));
    expect(quoted.find((i) => i.label === "relu")!.insertText).toBe("relu");
    expect(labels(await completionAt(body("Dense(4, kernel_initializer=)"), "initializer=", 12))).toEqual(expect.arrayContaining(["he_normal", "glorot_uniform", "VarianceScaling"]));
    expect(labels(await completionAt(body("Dense(4, kernel_initializer=VarianceScaling(mode=))"), "mode=", 5)).sort()).toEqual(["fan_avg", "fan_in", "fan_out"]);
    expect(labels(await completionAt(body("compile(optimizer=, loss='mse')"), "optimizer=", 10))).toEqual(expect.arrayContaining(["adam", "Adam", "sgd", "rmsprop"]));
    expect(labels(await completionAt(body("compile(optimizer='adam', loss=)"), "loss=", 5))).toEqual(expect.arrayContaining(["categorical_crossentropy", "mse"]));
    expect(labels(await completionAt(body("compile(optimizer='adam', loss='mse', metrics=[])"), "metrics=[", 9))).toEqual(expect.arrayContaining(["accuracy", "acc"]));
    expect(labels(await completionAt("model M(se) {\n}\n", "(se", 3))).toEqual(expect.arrayContaining(["seed=", "dtype=", "unroll="]));
  });

  it("signature help names the call's parameters and the active one", async () => {
    const text = "model M {\n  Input(shape=(4,))\n  Dense(4, activation='relu')\n}\n";
    const uri = await openScratch(text);
    const s = await client.request<{ signatures: { label: string; parameters: { label: string }[] }[]; activeParameter: number }>("textDocument/signatureHelp", { textDocument: { uri }, position: pos(text, "Dense(", 6) });
    expect(s.signatures[0]!.label).toMatch(/^Dense\(units, activation=None, use_bias=True, /);
    expect(s.activeParameter).toBe(0);
    const kw = await client.request<{ signatures: { parameters: { label: string }[] }[]; activeParameter: number }>("textDocument/signatureHelp", { textDocument: { uri }, position: pos(text, "'relu'", 1) });
    expect(kw.signatures[0]!.parameters[kw.activeParameter]!.label).toBe("activation=None");
  });

  it("formats with layerc fmt and refuses a file with syntax errors", async () => {
    const messy = "model   M{\nInput(shape=(4,))\n   Dense(2,activation = 'relu')\n}";
    const uri = await openScratch(messy);
    const edits = await client.request<{ newText: string }[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toBe(formatSpec(messy).text);
    const broken = await openScratch("model M {\n  Dense(2,,\n}\n");
    expect(await client.request("textDocument/formatting", { textDocument: { uri: broken }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });

  it("offers a quick fix for each did-you-mean diagnostic, keeping string quotes", async () => {
    const text = "model M {\n  Input(shape=(4,))\n  Dens(8, activaton='relu')\n  Dense(2, activation='rleu')\n  compile(optimizer='adma', loss='mse')\n}\n";
    const uri = "file:///work/fixes.nn";
    const p = await open(uri, text);
    expect(p.diagnostics.map((d) => d.code).sort()).toEqual(["activation_unknown", "layer_unknown", "optimizer_unknown"]);
    const whole = { start: { line: 0, character: 0 }, end: { line: 6, character: 0 } };
    const actions = await client.request<{ title: string; kind: string; edit: { changes: Record<string, { range: { start: Pos; end: Pos }; newText: string }[]> } }[]>("textDocument/codeAction", {
      textDocument: { uri },
      range: whole,
      context: { diagnostics: p.diagnostics },
    });
    const applied = actions.map((a) => {
      const e = a.edit.changes[uri]![0]!;
      const lines = text.split("\n");
      const line = lines[e.range.start.line]!;
      return line.slice(0, e.range.start.character) + e.newText + line.slice(e.range.end.character);
    });
    expect(actions.every((a) => a.kind === "quickfix")).toBe(true);
    expect(applied).toEqual(["  Dense(8, activaton='relu')", "  Dense(2, activation='relu')", "  compile(optimizer='adam', loss='mse')"]);
    // The unknown argument is only reported once the layer is known; its fix follows the first.
    const fixed = await openScratch(text.replace("Dens(", "Dense("));
    const argFix = await client.request<{ edit: { changes: Record<string, { newText: string }[]> } }[]>("textDocument/codeAction", { textDocument: { uri: fixed }, range: whole, context: { diagnostics: [] } });
    expect(argFix.map((a) => Object.values(a.edit.changes)[0]![0]!.newText)).toContain("activation");
  });

  it("lists models and layers as document symbols and classifies tokens", async () => {
    const symbols = await client.request<{ name: string; detail: string; children: { name: string; detail: string }[] }[]>("textDocument/documentSymbol", { textDocument: { uri: URI } });
    expect(symbols.map((s) => s.name)).toEqual(["Mlp"]);
    expect(symbols[0]!.detail).toBe("(None, 784) → (None, 10), 101770 params");
    expect(symbols[0]!.children.map((c) => `${c.name} ${c.detail}`)).toEqual(["Input (None, 784)", "dense Dense → (None, 128)", "dense_1 Dense → (None, 10)", "compile training"]);
    const tokens = await client.request<{ data: number[] }>("textDocument/semanticTokens/full", { textDocument: { uri: URI } });
    const legend = ["keyword", "class", "function", "parameter", "enumMember", "number", "string", "comment", "variable", "type"];
    const decoded: string[] = [];
    let line = 0;
    let ch = 0;
    const lines = doc.split("\n");
    for (let i = 0; i < tokens.data.length; i += 5) {
      const [dl, dc, len, type] = tokens.data.slice(i, i + 4) as [number, number, number, number];
      line += dl;
      ch = dl === 0 ? ch + dc : dc;
      decoded.push(`${lines[line]!.slice(ch, ch + len)}:${legend[type]}`);
    }
    expect(decoded.slice(0, 5)).toEqual(["model:keyword", "Mlp:class", "seed:parameter", "1:number", "Input:type"]);
    expect(decoded).toEqual(expect.arrayContaining(["Dense:type", "activation:parameter", "'relu':enumMember", "compile:function", "'adam':enumMember"]));
  });

  it("shuts down cleanly on shutdown + exit", async () => {
    expect(await client.shutdown()).toBe(0);
  });
});

describe("the rest of the CLI", () => {
  it("never loads the language-server library; `layerc lsp` does", () => {
    const dir = mkdtempSync(join(tmpdir(), "layerc-lazy-"));
    try {
      const resolvedBy = (args: string[]): string => {
        const log = join(dir, `${args[0]}.log`);
        const hook = `import { appendFileSync } from "node:fs"; export async function resolve(s, c, next) { appendFileSync(${JSON.stringify(log)}, s + "\\n"); return next(s, c); }`;
        writeFileSync(join(dir, "hook.mjs"), `import { register } from "node:module"; register(${JSON.stringify("data:text/javascript," + encodeURIComponent(hook))});`);
        // stdin is closed at once, so `lsp` starts, sees the end of its input and exits.
        spawnSync(process.execPath, ["--import", join(dir, "hook.mjs"), cliPath, ...args], { encoding: "utf8", input: "" });
        return readFileSync(log, "utf8");
      };
      writeFileSync(join(dir, "m.nn"), "model M {\n  Dense(2, input_shape=(1,))\n}\n");
      expect(resolvedBy(["check", join(dir, "m.nn")])).not.toContain("vscode-languageserver");
      expect(resolvedBy(["lsp", "--stdio"])).toContain("vscode-languageserver");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
