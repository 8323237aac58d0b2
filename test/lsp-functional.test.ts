/**
 * The language server on functional models, end to end over JSON-RPC with
 * the real `layerc lsp` process (as test/lsp.test.ts): hover on a tensor
 * name shows its shape and producer, on a shared layer's name its layer and
 * calls; completion offers the tensors bound so far where a layer is
 * applied and in `Model(...)`, and shared layers where a value starts; go
 * to definition and find references follow rebinding (`h = Dense(8)(h)`:
 * each use is the latest binding before its statement); document symbols
 * list the variables.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LspClient } from "./helpers/lsp-client.js";

const SIAMESE = `model Siamese(seed=1) {
  a = Input(shape=(4,), name='left')
  b = Input(shape=(4,))
  shared = Dense(5, activation='tanh')
  ea = shared(a)
  eb = shared(b)
  h = Add()([ea, eb])
  h = Dense(8)(h)
  h = Dense(3, activation='relu')(h)
  y = Dense(1, activation='sigmoid')(h)
  Model(inputs=[a, b], outputs=y)
  compile(optimizer='adam', loss='binary_crossentropy')
}
`;

interface Pos {
  line: number;
  character: number;
}
interface Range {
  start: Pos;
  end: Pos;
}

/** The LSP position of the `nth` occurrence of `needle` in `text`, plus `delta` characters. */
function pos(text: string, needle: string, delta = 0, nth = 0): Pos {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`no ${needle} in text`);
  const o = i + delta;
  const before = text.slice(0, o);
  return { line: before.split("\n").length - 1, character: o - (before.lastIndexOf("\n") + 1) };
}
const span = (text: string, needle: string, length: number, delta = 0, nth = 0): Range => {
  const start = pos(text, needle, delta, nth);
  return { start, end: { line: start.line, character: start.character + length } };
};

let client: LspClient;
let count = 0;

async function openDoc(text: string): Promise<string> {
  const uri = `file:///work/functional-${count++}.nn`;
  const from = client.notifications.length;
  client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "nn", version: 1, text } });
  await client.waitNotification((m) => m.method === "textDocument/publishDiagnostics" && (m.params as { uri: string }).uri === uri, `diagnostics for ${uri}`, from);
  return uri;
}

const hoverText = async (uri: string, at: Pos) => (await client.request<{ contents: { value: string } } | null>("textDocument/hover", { textDocument: { uri }, position: at }))?.contents.value ?? "";
async function completionLabels(text: string, needle: string, delta: number): Promise<string[]> {
  const uri = await openDoc(text);
  const r = await client.request<{ label: string }[] | { items: { label: string }[] }>("textDocument/completion", { textDocument: { uri }, position: pos(text, needle, delta) });
  return (Array.isArray(r) ? r : r.items).map((i) => i.label);
}

beforeAll(async () => {
  client = new LspClient();
  const init = await client.request<{ capabilities: Record<string, unknown> }>("initialize", { processId: null, rootUri: null, capabilities: {}, initializationOptions: { debounceMs: 0 } });
  expect(init.capabilities).toMatchObject({ definitionProvider: true, referencesProvider: true });
  client.notify("initialized", {});
}, 60_000);

afterAll(() => client.kill());

describe("layerc lsp on functional models", () => {
  it("hover on a tensor name shows its shape, at its binding and at each use, following rebinding", async () => {
    const uri = await openDoc(SIAMESE);
    expect(await hoverText(uri, pos(SIAMESE, "ea = "))).toBe("**tensor `ea`** → `(None, 5)`\n\noutput of `dense` (Dense)");
    expect(await hoverText(uri, pos(SIAMESE, "eb]", 1))).toContain("**tensor `eb`** → `(None, 5)`");
    expect(await hoverText(uri, pos(SIAMESE, "a = Input"))).toBe("**tensor `a`** → `(None, 4)`\n\nmodel input `left`");
    // the three `h`s: Add's (None, 5), then (None, 8), then (None, 3)
    expect(await hoverText(uri, pos(SIAMESE, "(h)", 1, 0))).toContain("**tensor `h`** → `(None, 5)`\n\noutput of `add` (Add)");
    expect(await hoverText(uri, pos(SIAMESE, "(h)", 1, 1))).toContain("**tensor `h`** → `(None, 8)`");
    expect(await hoverText(uri, pos(SIAMESE, "(h)", 1, 2))).toContain("**tensor `h`** → `(None, 3)`");
    expect(await hoverText(uri, pos(SIAMESE, "outputs=y", 8))).toContain("**tensor `y`** → `(None, 1)`");
  });

  it("hover on a shared layer's name shows its layer, weights and calls; on a layer call its output", async () => {
    const uri = await openDoc(SIAMESE);
    const shared = await hoverText(uri, pos(SIAMESE, "shared(b)", 2));
    expect(shared).toContain("**shared layer `shared`**: `dense` (Dense) · 25 params · called 2 times");
    expect(shared).toContain("- `kernel` `(4, 5)`");
    expect(shared).toContain("Densely-connected layer");
    expect(await hoverText(uri, pos(SIAMESE, "shared ="))).toBe(shared);
    const call = await hoverText(uri, pos(SIAMESE, "Dense(8)", 1));
    expect(call).toContain("**Dense** `dense_1` → `(None, 8)` · 48 params");
    expect(call).toContain("input `(None, 5)`");
  });

  it("go to definition goes to the latest binding before the use", async () => {
    const uri = await openDoc(SIAMESE);
    const def = (at: Pos) => client.request<{ uri: string; range: Range } | null>("textDocument/definition", { textDocument: { uri }, position: at });
    expect(await def(pos(SIAMESE, "(h)", 1, 0))).toEqual({ uri, range: span(SIAMESE, "h = Add", 1) });
    expect(await def(pos(SIAMESE, "(h)", 1, 1))).toEqual({ uri, range: span(SIAMESE, "h = Dense(8)", 1) });
    expect(await def(pos(SIAMESE, "(h)", 1, 2))).toEqual({ uri, range: span(SIAMESE, "h = Dense(3", 1) });
    expect(await def(pos(SIAMESE, "shared(a)", 1))).toEqual({ uri, range: span(SIAMESE, "shared =", 6) });
    expect(await def(pos(SIAMESE, "[a, b]", 1))).toEqual({ uri, range: span(SIAMESE, "a = Input", 1) });
    expect(await def(pos(SIAMESE, "Dense(8)", 1))).toBeNull();
  });

  it("find references lists the uses of one binding only", async () => {
    const uri = await openDoc(SIAMESE);
    const refs = async (at: Pos, includeDeclaration: boolean) =>
      (await client.request<{ range: Range }[]>("textDocument/references", { textDocument: { uri }, position: at, context: { includeDeclaration } })).map((l) => l.range);
    expect(await refs(pos(SIAMESE, "shared ="), false)).toEqual([span(SIAMESE, "shared(a)", 6), span(SIAMESE, "shared(b)", 6)]);
    // the `h` bound by Dense(8) is used once, by Dense(3); the other h's are other bindings
    expect(await refs(pos(SIAMESE, "h = Dense(8)"), true)).toEqual([span(SIAMESE, "h = Dense(8)", 1), span(SIAMESE, "(h)", 1, 1, 1)]);
    expect(await refs(pos(SIAMESE, "ea,", 0), true)).toEqual([span(SIAMESE, "ea = ", 2), span(SIAMESE, "ea,", 2)]);
    expect(await refs(pos(SIAMESE, "b = Input"), false)).toEqual([span(SIAMESE, "(b)", 1, 1), span(SIAMESE, "[a, b]", 1, 4)]);
  });

  it("document symbols list a functional model's variables with the layer that made each and its shape", async () => {
    const uri = await openDoc(SIAMESE);
    const symbols = await client.request<{ name: string; children: { name: string; detail: string }[] }[]>("textDocument/documentSymbol", { textDocument: { uri } });
    expect(symbols[0]!.children.map((c) => `${c.name}: ${c.detail}`)).toEqual([
      "a: Input → (None, 4)",
      "b: Input → (None, 4)",
      "shared: dense (Dense), shared layer",
      "ea: dense (Dense) → (None, 5)",
      "eb: dense (Dense) → (None, 5)",
      "h: add (Add) → (None, 5)",
      "h: dense_1 (Dense) → (None, 8)",
      "h: dense_2 (Dense) → (None, 3)",
      "y: dense_3 (Dense) → (None, 1)",
      "Model: ",
      "compile: training",
    ]);
  });

  it("completes the tensors bound so far where a layer is applied and in Model(...), shared layers where a value starts", async () => {
    const partial = (from: string, to: string) => SIAMESE.replace(from, to);
    expect(await completionLabels(partial("y = Dense(1, activation='sigmoid')(h)", "y = Dense(1)()"), "Dense(1)(", 9)).toEqual(["a", "b", "ea", "eb", "h"]);
    expect(await completionLabels(partial("h = Add()([ea, eb])", "h = Add()([ea, ])"), "[ea, ", 5)).toEqual(["a", "b", "ea", "eb"]);
    expect(await completionLabels(partial("eb = shared(b)", "eb = shared()"), "eb = shared(", 12)).toEqual(["a", "b", "ea"]);
    expect(await completionLabels(partial("outputs=y", "outputs=[]"), "outputs=[", 9)).toEqual(["a", "b", "ea", "eb", "h", "y"]);
    const value = await completionLabels(partial("eb = shared(b)", "eb = sh"), "eb = sh", 7);
    expect(value[0]).toBe("shared");
    expect(value).toEqual(expect.arrayContaining(["Dense", "Conv2D"]));
    expect(value).not.toContain("ea");
  });
});
