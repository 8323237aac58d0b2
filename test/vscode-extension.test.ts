/**
 * The VS Code extension: its TextMate grammar, run by the real engine VS Code
 * uses (vscode-textmate + oniguruma), must scope every token of every example
 * spec as the compiler's own lexer and parser classify it; the client finds
 * the workspace's installed layerc; the packaging script writes a `.vsix`
 * whose zip entries are intact and whose manifest matches the extension.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";
import { nnLexer } from "../grammar/tokens.js";
import { parse } from "../src/index.js";
import type { CallNode, ValueNode } from "../src/phases/1-parse/ast.js";
import { findServer } from "../editors/vscode/src/server-path.js";
import { crc32 } from "../src/runtime/weights.js";
import { EXTENSION_DIR, packageExtension } from "../scripts/package-vscode.js";
import { repoRoot } from "./helpers/process.js";

const require = createRequire(import.meta.url);
let grammar: textmate.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async () => textmate.parseRawGrammar(readFileSync(join(EXTENSION_DIR, "syntaxes", "nn.tmLanguage.json"), "utf8"), "nn.tmLanguage.json"),
  });
  grammar = (await registry.loadGrammar("source.nn"))!;
}, 60_000);

/** The scopes at each offset of `text`, tokenized line by line as VS Code does. */
function scopesOf(text: string): (offset: number) => string[] {
  const at: string[][] = [];
  let state = textmate.INITIAL;
  let base = 0;
  for (const line of text.split("\n")) {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) for (let i = t.startIndex; i < Math.min(t.endIndex, line.length); i++) at[base + i] = t.scopes;
    state = r.ruleStack;
    base += line.length + 1;
  }
  return (o) => at[o] ?? [];
}

/** What the compiler says each token is: the scope the grammar must give it. */
function expectedScopes(text: string): Map<number, { image: string; scope: string }> {
  const out = new Map<number, { image: string; scope: string }>();
  const lexed = nnLexer.tokenize(text);
  for (const c of lexed.groups["comments"] ?? []) out.set(c.startOffset, { image: c.image, scope: "comment.line" });
  for (const t of lexed.tokens) {
    // `model` is the keyword only where it opens a model block (pasted Python also names a variable `model`).
    const scope = { NumberLiteral: "constant.numeric", ClosedString: "string.quoted", Bool: "constant.language", None: "constant.language" }[t.tokenType.name];
    if (scope) out.set(t.startOffset, { image: t.image, scope });
  }
  const visitValue = (v: ValueNode): void => {
    if (v.kind === "Call") visitCall(v, false);
    else if (v.kind === "Tuple" || v.kind === "List") v.items.forEach(visitValue);
  };
  const visitCall = (c: CallNode, statement: boolean): void => {
    // A qualified statement (`model.add(…)`, `model.summary()`) is pasted Python, not a layer.
    // `Input(…)` and a functional model's `Model(inputs=…, outputs=…)` are classes, not layers.
    const cls = c.callee.name === "Input" || c.callee.name === "Model";
    const layer = statement && c.qualifier === undefined && c.callee.name !== "compile" && !cls;
    const scope = layer ? "entity.name.function.layer" : c.callee.name === "compile" ? "support.function" : cls ? "support.class" : "entity.name.function";
    out.set(c.callee.span.start, { image: c.callee.name, scope });
    for (const a of c.args) {
      if (a.name) out.set(a.name.span.start, { image: a.name.name, scope: "variable.parameter" });
      visitValue(a.value);
    }
  };
  for (const m of parse(text).ast.models) {
    out.set(m.span.start, { image: "model", scope: "keyword.other.model" });
    out.set(m.name.span.start, { image: m.name.name, scope: "entity.name.type.class" });
    for (const o of m.options) if (o.name) out.set(o.name.span.start, { image: o.name.name, scope: "variable.parameter" });
    for (const s of m.statements) if (s.kind === "Call") visitCall(s, true);
  }
  return out;
}

const examples = [
  ...readdirSync(join(repoRoot, "examples")).filter((f) => f.endsWith(".nn")).map((f) => join(repoRoot, "examples", f)),
  join(repoRoot, "examples", "vite-app", "src", "xor.nn"),
];

describe("the TextMate grammar", () => {
  it.each(examples.map((p) => [p.slice(repoRoot.length), p]))("scopes every token of %s as the compiler classifies it", (_name, path) => {
    const text = readFileSync(path, "utf8");
    const scopes = scopesOf(text);
    const wrong: string[] = [];
    const expected = expectedScopes(text);
    expect(expected.size).toBeGreaterThan(5);
    for (const [offset, { image, scope }] of expected) {
      const got = scopes(offset);
      if (!got.some((s) => s.startsWith(scope))) wrong.push(`${image} at ${offset}: expected ${scope}, got ${got.join(" ")}`);
    }
    expect(wrong).toEqual([]);
  });

  it("ends an unterminated string at the end of its line, as the lexer does", () => {
    const scopes = scopesOf("model M {\n  Dense(2, activation='relu)\n  Dense(3)\n}\n");
    const text = "model M {\n  Dense(2, activation='relu)\n  Dense(3)\n}\n";
    expect(scopes(text.indexOf("Dense(3)"))).toContain("entity.name.function.layer.nn");
  });
});

describe("the extension client", () => {
  const dir = mkdtempSync(join(tmpdir(), "layerc-vscode-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("starts the layerc installed in the workspace, or the configured one", () => {
    const ws = join(dir, "ws");
    mkdirSync(join(ws, "node_modules", "layerc", "bin"), { recursive: true });
    writeFileSync(join(ws, "node_modules", "layerc", "package.json"), JSON.stringify({ name: "layerc", version: "9.9.9" }));
    writeFileSync(join(ws, "node_modules", "layerc", "bin", "layerc.js"), "");
    mkdirSync(join(ws, "packages", "app"), { recursive: true });
    expect(findServer([join(ws, "packages", "app")], "")).toBe(join(ws, "node_modules", "layerc", "bin", "layerc.js"));
    expect(findServer([join(dir, "elsewhere")], "")).toBeUndefined();
    expect(findServer([ws], join(dir, "missing.js"))).toBeUndefined();
    expect(findServer([join(dir, "elsewhere")], join(ws, "node_modules", "layerc", "bin", "layerc.js"))).toBe(join(ws, "node_modules", "layerc", "bin", "layerc.js"));
  });

  it("packages into a .vsix with intact entries, the manifest and the bundled client", async () => {
    const out = await packageExtension(dir);
    const entries = readZip(readFileSync(out));
    expect([...entries.keys()].sort()).toEqual([
      "[Content_Types].xml",
      "extension.vsixmanifest",
      "extension/README.md",
      "extension/dist/extension.js",
      "extension/language-configuration.json",
      "extension/package.json",
      "extension/syntaxes/nn.tmLanguage.json",
    ]);
    const pkg = JSON.parse(entries.get("extension/package.json")!.toString("utf8")) as { name: string; version: string; main: string; contributes: { languages: { extensions: string[] }[] } };
    expect(out.endsWith(`${pkg.name}-${pkg.version}.vsix`)).toBe(true);
    expect(pkg.main).toBe("./dist/extension.js");
    expect(pkg.contributes.languages[0]!.extensions).toEqual([".nn"]);
    const manifest = entries.get("extension.vsixmanifest")!.toString("utf8");
    expect(manifest).toContain(`Id="${pkg.name}" Version="${pkg.version}" Publisher="layerc"`);
    const client = entries.get("extension/dist/extension.js")!.toString("utf8");
    expect(client).toContain('require("vscode")');
    expect(client).toContain("layerc.restartServer");
    expect(client).not.toMatch(/require\("vscode-languageclient/);
  });
});

/** Reads a zip's central directory, inflates each entry and verifies its CRC. */
function readZip(buf: Buffer): Map<string, Buffer> {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString("utf8");
    const localNameLen = buf.readUInt16LE(local + 26);
    const data = buf.subarray(local + 30 + localNameLen + buf.readUInt16LE(local + 28), local + 30 + localNameLen + buf.readUInt16LE(local + 28) + size);
    const content = method === 8 ? inflateRawSync(data) : Buffer.from(data);
    expect(crc32(content)).toBe(crc);
    out.set(name, content);
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return out;
}
