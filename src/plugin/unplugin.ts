/**
 * The layerc bundler plugin, written once on unplugin and exported for
 * Vite, Rollup, esbuild and webpack by the thin entries beside this file.
 *
 * Importing a `.nn` spec yields its generated module (one exported class
 * per model, importing `layerc/runtime`) transpiled to JavaScript with
 * TypeScript's `transpileModule` — the TypeScript that ts-morph already
 * ships, so the plugin adds no dependency. Spec errors fail the build in
 * the bundler's own error format: one error whose message is the rendered
 * diagnostics (`file:line:col: error[code]: …` plus a code frame), with
 * `id` and `loc` set for bundlers that show their own frame. Warnings are
 * bundler warnings.
 *
 * Vite's dev server: a spec edit invalidates the spec's module and Vite
 * propagates the update to its importers (a module that accepts
 * `./x.nn` hot-swaps it; otherwise the page reloads). An edit that breaks
 * the spec sends the error overlay instead of an update, so the page keeps
 * running with the last good model.
 *
 * No state outlives one plugin instance, and the compiler keeps none.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createUnplugin, type UnpluginInstance } from "unplugin";
import { check, compile, formatDiagnostics, type Diagnostic } from "../index.js";
import type { LayercPluginOptions } from "./options.js";

const SPEC = /\.nn$/;

/** A module id without its query (`/a/seed.nn?t=123` → `/a/seed.nn`). */
const cleanId = (id: string) => id.replace(/[?#].*$/, "");

function displayName(file: string): string {
  const r = relative(process.cwd(), file);
  return r === "" || r.startsWith("..") ? file : r;
}

/** Generated TypeScript → JavaScript: type-only imports and annotations removed, nothing else changed. */
export async function transpileGenerated(code: string, fileName: string): Promise<string> {
  // loaded on the first spec, not when the bundler loads its config
  const { ts } = await import("ts-morph");
  return ts.transpileModule(code, {
    fileName,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, isolatedModules: true, sourceMap: false },
  }).outputText;
}

/**
 * The unplugin message for a spec's errors: all of them rendered (with code
 * frames), positioned at the first. `loc` follows each bundler: Rollup and
 * webpack count columns from 0; Vite's overlay prints `loc` as the link it
 * opens in the editor, so it gets the diagnostic's own 1-based column (the
 * link and the message then agree); esbuild gets no `loc`, since it would
 * print a second, empty code frame under ours (it has no line text).
 * Bundlers print `stack` under the message; a spec error has none worth showing.
 */
export function errorMessage(errors: readonly Diagnostic[], source: string, file: string, framework = "rollup") {
  const name = displayName(file);
  const first = errors[0]!;
  const column = (first.column ?? 1) - (framework === "vite" ? 0 : 1);
  return {
    message: formatDiagnostics(errors, source, { fileName: name }).trimEnd(),
    id: file,
    // a user's spec error, not a crash: no JavaScript stack under the diagnostic
    stack: "",
    ...(framework === "esbuild" ? {} : { loc: { file, line: first.line ?? 1, column } }),
  };
}

/**
 * Where generated modules' `layerc/runtime` import points: this package's
 * own runtime, so a bundle gets it even where bare imports are not resolved
 * (Rollup without @rollup/plugin-node-resolve would leave it external).
 */
function ownRuntime(): string | undefined {
  for (const name of ["../runtime/index.js", "../runtime/index.ts"]) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** The one implementation behind every bundler entry. */
export const layercUnplugin: UnpluginInstance<LayercPluginOptions | undefined, false> = createUnplugin<LayercPluginOptions | undefined, false>(
  (options = {}, meta) => {
    const include = options.include ?? SPEC;
    const { include: _, ...compileOptions } = options;
    const isSpec = (id: string) => include.test(cleanId(id));
    const runtimeImport = compileOptions.runtimeImport ?? "layerc/runtime";
    const runtime = runtimeImport === "layerc/runtime" ? ownRuntime() : undefined;

    return {
      name: "layerc",
      enforce: "pre",

      load: {
        filter: { id: include },
        async handler(id) {
          const file = cleanId(id);
          if (!isSpec(file)) return undefined;
          const source = await readFile(file, "utf8");
          const r = await compile(source, { ...compileOptions, fileName: displayName(file) });
          const errors = r.diagnostics.filter((d) => d.severity === "error");
          for (const w of r.diagnostics.filter((d) => d.severity === "warning")) {
            this.warn({ message: formatDiagnostics([w], source, { fileName: displayName(file) }).trimEnd(), id: file });
          }
          if (r.code === undefined) {
            // Throws in Rollup and Vite; esbuild and webpack collect it and
            // fail the build, and then need some module text to go on with.
            this.error(errorMessage(errors, source, file, meta.framework));
            return { code: `throw new Error(${JSON.stringify(`layerc: ${displayName(file)} has errors`)});\n` };
          }
          const js = await transpileGenerated(r.code, `${file}.ts`);
          // moduleType: Vite 8 (Rolldown) would otherwise guess the type from `.nn`.
          return { code: js, map: null, moduleType: "js" } as { code: string; map: null };
        },
      },
      esbuild: { onLoadFilter: include, loader: "js" },
      // Rollup alone leaves a bare import unresolved (external) without @rollup/plugin-node-resolve;
      // Vite, esbuild and webpack resolve `layerc/runtime` themselves
      rollup: {
        resolveId(id, importer) {
          if (runtime === undefined || id !== runtimeImport || importer === undefined || !isSpec(importer)) return null;
          return runtime;
        },
      },
      vite: {
        // Runs when a file in the module graph changes (the spec's module is
        // already invalidated). A broken spec shows the overlay and sends no
        // update, so the running page keeps its last good model.
        async hotUpdate({ file, read, type }) {
          if (type === "delete" || !isSpec(file) || this.environment.name !== "client") return;
          const source = await read();
          const errors = check(source, { ...compileOptions, fileName: displayName(file) }).diagnostics.filter((d) => d.severity === "error");
          if (errors.length === 0) return;
          const e = errorMessage(errors, source, file, "vite");
          // the terminal too, not only the browser overlay
          this.environment.logger.error(`[layerc] ${e.message}`, { timestamp: true });
          this.environment.hot.send({ type: "error", err: { message: e.message, stack: "", id: file, ...(e.loc ? { loc: e.loc } : {}), plugin: "layerc" } });
          return [];
        },
      },
    };
  },
);
