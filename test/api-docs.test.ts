/**
 * Every export of the public API (src/index.ts) and of the plugin entries
 * (src/plugin/*.ts) carries TSDoc where it is declared, so editors show
 * documentation for everything a user can import from `layerc` and
 * `layerc/<bundler>`.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Node, Project, ts, type SourceFile } from "ts-morph";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/process.js";

const hasDoc = (n: Node) => Node.isJSDocable(n) && n.getJsDocs().some((j) => j.getDescription().trim() !== "" || j.getTags().length > 0);

// Only declarations are inspected: no lib files, no dependency resolution.
const project = new Project({
  compilerOptions: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noLib: true },
  skipLoadingLibFiles: true,
  skipFileDependencyResolution: true,
});
const where = (d: Node) => `${d.getSourceFile().getFilePath().slice(repoRoot.length)}:${d.getStartLineNumber()}`;

describe("TSDoc on public exports", () => {
  it("every export of `layerc` (src/index.ts) is documented where it is declared", () => {
    const index = project.addSourceFileAtPath(join(repoRoot, "src/index.ts"));
    const missing: string[] = [];
    for (const [name, decls] of index.getExportedDeclarations()) {
      for (const d of decls) {
        const host = Node.isVariableDeclaration(d) ? d.getVariableStatement() : d;
        if (host === undefined || !hasDoc(host)) missing.push(`${name} (${where(d)})`);
      }
    }
    expect(missing).toEqual([]);
  }, 60_000);

  it("every declaration exported by src/plugin/*.ts is documented", () => {
    const dir = join(repoRoot, "src/plugin");
    const files: SourceFile[] = readdirSync(dir).map((f) => project.addSourceFileAtPath(join(dir, f)));
    const missing: string[] = [];
    for (const f of files) {
      for (const s of f.getStatements()) {
        const exported = Node.isExportable(s) && s.hasExportKeyword();
        if (exported && !hasDoc(s)) missing.push(where(s));
      }
    }
    expect(files.length).toBe(6);
    expect(missing).toEqual([]);
  });
});
