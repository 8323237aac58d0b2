/**
 * What `npm pack` ships (read from `npm pack --dry-run --json`, no network):
 * the docs the README and `--help` point at, a LICENSE, the compiled code
 * with source maps that carry their sources, and none of the grammar's
 * sources or its diagrams page; package.json names the repository, builds on
 * `prepack` (never `prepare`, which runs in consumers) and lets CommonJS
 * `require` every entry. The full consumer check (a fresh project installing
 * the tarball, tsc without skipLibCheck, require from CommonJS) is
 * `npm run pack:check`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/process.js";

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  exports: Record<string, Record<string, string>>;
  repository?: unknown;
  homepage?: string;
  files: string[];
};

function packedFiles(): string[] {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const json = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repoRoot, encoding: "utf8" });
  return (JSON.parse(json) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

describe("the published package", () => {
  const files = packedFiles();

  it("ships docs, LICENSE, README, the CLI, the runtime and the templates", () => {
    for (const f of ["LICENSE", "README.md", "docs/language.md", "docs/diagnostics.md", "bin/layerc.js", "dist/src/runtime/index.js", "dist/src/index.d.ts", "templates/model.ts", "types/nn.d.cts"]) {
      expect(files, f).toContain(f);
    }
  });

  it("ships no grammar sources, diagrams or build scripts", () => {
    const stray = files.filter((f) => /^grammar\//.test(f) || f.endsWith("diagrams.html") || /^dist\/grammar\/generate\./.test(f) || /^(src|test|bench|scripts)\//.test(f));
    expect(stray).toEqual([]);
  });

  it("ships source maps that carry their sources", () => {
    const maps = files.filter((f) => f.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(10);
    for (const f of [maps[0]!, "dist/src/api/api.js.map"]) {
      const map = JSON.parse(readFileSync(join(repoRoot, f), "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
      expect(map.sourcesContent?.length, f).toBe(map.sources.length);
      expect(map.sourcesContent?.every((s) => typeof s === "string" && s.length > 0), f).toBe(true);
    }
  });

  it("names its repository and builds on prepack, not prepare", () => {
    expect(pkg.repository).toBeDefined();
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.scripts["prepare"]).toBeUndefined();
    expect(pkg.scripts["prepack"]).toContain("build");
  });

  it("lets require() resolve every entry with code (Node >= 20.19 loads the ESM)", () => {
    for (const [entry, conditions] of Object.entries(pkg.exports)) {
      if (typeof conditions !== "object" || conditions["import"] === undefined) continue;
      expect(conditions["default"], entry).toBe(conditions["import"]);
      expect(existsSync(join(repoRoot, conditions["default"]!)), entry).toBe(true);
    }
  });

  it("requires the webpack plugin and the API from CommonJS", () => {
    const script = "const w = require('layerc/webpack'); const api = require('layerc'); console.log(typeof w.layerc, typeof w.default, typeof api.check)";
    const out = execFileSync(process.execPath, ["-e", script], { cwd: repoRoot, encoding: "utf8" });
    expect(out.trim()).toBe("function function function");
  });
});
