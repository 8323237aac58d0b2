/**
 * Generated code is correct for every model name the checker accepts
 * (issue #10): names like the emitter's placeholders and markers (`A__B`,
 * `A_`), every global and runtime export, `<M>Meta` / `<M>Kernels` beside
 * `M`, and random identifiers. Each accepted name's module type-checks
 * under strict settings and imports, and every class predicts and trains.
 * A rejected name is rejected with model_name_invalid. Strings reaching
 * generated code from options (banner, runtimeImport) cannot inject code.
 * The larger draw is `npm run fuzz` (test/fuzz/names.fuzz.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { check, compile } from "../src/index.js";
import { inputWidth, namePool, specOf } from "./helpers/name-pool.js";
import { typecheckFiles } from "./helpers/typecheck.js";

const root = join(import.meta.dirname, "..");
const dir = join(root, "test", ".tmp", "names");

/** The names of `pool` that check accepts, and asserts every rejection is a model_name_invalid. */
function accepted(pool: readonly string[]): string[] {
  const ok: string[] = [];
  for (const name of pool) {
    const r = check(specOf([name]));
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    if (errors.length === 0) ok.push(name);
    else expect(errors.map((d) => d.code), name).toEqual(["model_name_invalid"]);
  }
  return ok;
}

describe("generated code for every accepted model name", () => {
  it("type-checks, imports, predicts and trains", async () => {
    const names = accepted(namePool(6, 1010, 16));
    expect(names).toEqual(expect.arrayContaining(["A__B", "A_", "M", "MMeta", "MKernels", "Buffer", "WebAssembly", "Proxy"]));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    const chunks: string[][] = [];
    chunks.push(names);
    for (const [k, chunk] of chunks.entries()) {
      const r = await compile(specOf(chunk), { fileName: `names${k}.nn` });
      expect(r.code, r.diagnostics.map((d) => d.message).join("\n")).toBeDefined();
      const file = join(dir, `names${k}.nn.ts`);
      writeFileSync(file, r.code!);
      files.push(file);
    }
    expect(typecheckFiles(files)).toEqual([]);
    for (const [k, chunk] of chunks.entries()) {
      const mod = (await import(pathToFileURL(files[k]!).href)) as Record<string, new (o?: object) => { predict(x: Float32Array): Float32Array; trainOnBatch?: (x: Float32Array, y: Float32Array, n: number) => number }>;
      for (const [i, name] of chunk.entries()) {
        const Model = mod[name];
        expect(typeof Model, name).toBe("function");
        const m = new Model!();
        const x = new Float32Array(inputWidth(name, i)).fill(0.5);
        expect(m.predict(x).length).toBe(2);
        if (i % 2 === 0) expect(Number.isFinite(m.trainOnBatch!(x, Float32Array.from([1, 0]), 1))).toBe(true);
      }
    }
  });
});

describe("strings from options reach generated code only escaped", () => {
  const src = "model M {\n  Dense(1, input_shape=(1,))\n}\n";
  it("a banner is line comments, whatever line breaks it holds", async () => {
    const banner = "line one\nprocess.exit(1)\r\nthree\u2028four\rfive */ x";
    const r = await compile(src, { banner, declaration: true });
    const lines = r.code!.split("\n");
    expect(lines.slice(0, 5)).toEqual(["// line one", "// process.exit(1)", "// three", "// four", "// five */ x"]);
    // nothing but comments before the import
    const sf = ts.createSourceFile("m.ts", r.code!, ts.ScriptTarget.ES2022, true);
    expect(sf.statements[0]!.kind).toBe(ts.SyntaxKind.ImportDeclaration);
    expect(r.declaration!.startsWith(lines.slice(0, 5).join("\n"))).toBe(true);
  });

  it("a runtime import is a string literal holding exactly the specifier", async () => {
    for (const spec of [`a"b`, `a'b`, `a'"b\\c`, "x`${y}`", "./rt.js?x=1#h", "C:\\\\rt\\\\index.js"]) {
      const r = await compile(src, { runtimeImport: spec });
      const sf = ts.createSourceFile("m.ts", r.code!, ts.ScriptTarget.ES2022, true);
      const imp = sf.statements[0] as ts.ImportDeclaration;
      expect((imp.moduleSpecifier as ts.StringLiteral).text).toBe(spec);
      expect(sf.statements.filter((s) => ts.isImportDeclaration(s))).toHaveLength(1);
    }
  });
});
