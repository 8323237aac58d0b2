/**
 * File-system helpers for the CLI and watch mode: finding specs, mapping a
 * spec to its output path, and atomic writes (temp file + rename) that
 * never truncate or delete a previous good output.
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

const SKIP = new Set(["node_modules", ".git", "dist", "coverage"]);

export interface SpecFile {
  /** Absolute path of the spec. */
  readonly path: string;
  /** The directory the user named (for --out-dir layouts). */
  readonly root: string;
}

/** Every `.nn` file under the given paths (a named file is taken as is). */
export function findSpecs(paths: readonly string[]): { files: SpecFile[]; missing: string[] } {
  const files: SpecFile[] = [];
  const missing: string[] = [];
  const walk = (dir: string, root: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name) && !entry.name.startsWith(".")) walk(join(dir, entry.name), root);
      } else if (entry.isFile() && entry.name.endsWith(".nn")) files.push({ path: join(dir, entry.name), root });
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) {
      missing.push(p);
      continue;
    }
    if (statSync(abs).isDirectory()) walk(abs, abs);
    else files.push({ path: abs, root: dirname(abs) });
  }
  return { files, missing };
}

export function outputPath(spec: SpecFile, outDir: string | undefined): string {
  if (outDir === undefined) return `${spec.path}.ts`;
  return join(resolve(outDir), `${relative(spec.root, spec.path)}.ts`);
}

export function declarationPath(output: string): string {
  return output.replace(/\.ts$/, ".d.ts");
}

/** Writes atomically; returns false when the file already has this content. */
export function writeAtomic(path: string, content: string): boolean {
  if (existsSync(path) && readFileSync(path, "utf8") === content) return false;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.layerc-tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
  return true;
}
