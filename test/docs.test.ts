/**
 * The generated docs cannot drift: docs/language.md and docs/diagnostics.md
 * are regenerated in memory by scripts/gen-docs.ts and must equal the
 * committed files (regenerate with `npx tsx scripts/gen-docs.ts`). The
 * hand-written grammar/README.md must carry the grammar exactly as the
 * parser implements it, and must point at the railroad diagrams.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalog } from "../src/index.js";
import { layers } from "../src/layers/registry.js";
import { nnParser } from "../grammar/parser.js";
import { generateDocs, grammarEbnf, ROOT } from "../scripts/gen-docs.js";

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

const docs = await generateDocs();

describe("generated docs", () => {
  it.each(docs.map((d) => [d.path, d.content] as const))("%s is up to date (run `npx tsx scripts/gen-docs.ts`)", (path, content) => {
    expect(read(path)).toBe(content);
  });

  it("language.md documents every registered layer kind", () => {
    const language = docs.find((d) => d.path === "docs/language.md")!.content;
    for (const kind of Object.keys(layers)) expect(language).toContain(`\n### ${kind}\n`);
  });

  it("diagnostics.md has a section with an example for every catalog code", () => {
    const diagnostics = docs.find((d) => d.path === "docs/diagnostics.md")!.content;
    for (const code of Object.keys(catalog)) {
      const section = diagnostics.split(`\n## ${code}\n`)[1]?.split("\n## ")[0];
      expect(section, `no section for ${code}`).toBeDefined();
      if (code === "internal_error") continue; // a layerc bug, not something a spec can show
      // a diagnostic about a Keras file is shown with the file that the real importer/exporter reported it for
      const about = (catalog as Record<string, { source?: string }>)[code]!.source === "keras-file" ? "Example: `layerc " : "Example: [test/baselines/";
      expect(section, `no example for ${code}`).toContain(about);
    }
  });
});

describe("grammar/README.md", () => {
  const readme = read("grammar/README.md");

  it("carries the EBNF of grammar/parser.ts exactly", () => {
    const block = /```ebnf\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block).toBe(grammarEbnf());
  });

  it("names one EBNF rule per parser rule", () => {
    const rules = grammarEbnf()
      .split("\n")
      .map((l) => l.split(" ")[0]);
    expect(rules).toEqual(Object.keys(nnParser.getGAstProductions()));
  });

  it("points at the railroad diagrams", () => {
    expect(readme).toContain("diagrams.html");
  });
});
