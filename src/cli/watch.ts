/**
 * Watch mode (`layerc watch`, and `watch()` from the API): build every spec
 * once, then rebuild only the specs that changed.
 *
 * Why chokidar 4 and not `fs.watch`: editors save in different ways — in
 * place, write-a-temp-file-then-rename (VS Code, JetBrains "safe write"),
 * or delete-then-create (vim's backup dance). Raw `fs.watch` reports those
 * as `rename` events without saying which file or whether it still exists,
 * so a save would look like a delete (removing the output) followed by an
 * add. chokidar's `atomic` handling folds an unlink followed by a re-add
 * of the same path within 100 ms into one `change`. Node 20's recursive
 * `fs.watch` is also uneven across platforms: on Linux it is emulated over
 * per-directory inotify watchers and misses files in directories created or
 * renamed after the watch started. chokidar 4 brings one small dependency
 * (readdirp) and no globbing, which we do not need.
 *
 * Invariants:
 * - outputs are written atomically (writeAtomic: temp file + rename), so a
 *   reader never sees a truncated module;
 * - a spec with errors writes nothing: the last good output stays, and the
 *   summary line says so;
 * - a deleted spec deletes its outputs only if they carry layerc's banner;
 * - spec errors (and I/O errors) never stop the watcher;
 * - rebuilds run one batch at a time, in path order, after `debounceMs` of
 *   quiet; a save whose content hash equals the last build's is skipped.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, type Stats } from "node:fs";
import { basename, dirname, relative, resolve, sep } from "node:path";
import { performance } from "node:perf_hooks";
import { watch as chokidarWatch, type FSWatcher } from "chokidar";
import { formatDiagnostics } from "../api/api.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { buildSource, type BuildOptions } from "./build.js";
import { declarationPath, outputPath, removeGenerated, type SpecFile } from "./files.js";
import type { Io } from "./main.js";

/** Options of {@link watch}: the build options of `layerc build`, plus how to report. */
export interface WatchOptions extends BuildOptions {
  /** Clear the terminal before each rebuild's report (`--clear`). */
  readonly clear?: boolean;
  /** Quiet time after the last file event before a rebuild starts (default 30 ms). */
  readonly debounceMs?: number;
  /** Where the report goes: summaries to `out`, diagnostics to `err`. Default: the process's stdout/stderr; pass no-op functions to silence. */
  readonly io?: Io;
  /** Structured events, one per spec built, failed or removed, for tools and tests. */
  readonly onEvent?: (event: WatchEvent) => void;
}

/** What happened to one spec in a rebuild (`spec` and `output` are absolute paths). */
export type WatchEvent =
  | { readonly type: "built"; readonly spec: string; readonly output: string; readonly ms: number; readonly changed: boolean; readonly diagnostics: readonly Diagnostic[] }
  | { readonly type: "failed"; readonly spec: string; readonly output: string; readonly ms: number; readonly kept: boolean; readonly diagnostics: readonly Diagnostic[] }
  | { readonly type: "removed"; readonly spec: string; readonly output: string; readonly deleted: boolean }
  | { readonly type: "error"; readonly spec?: string; readonly message: string };

/** A running watcher. */
export interface Watcher {
  /** Resolves once the initial build is done and file events are being watched. */
  readonly ready: Promise<void>;
  /** Stops watching; resolves after an in-flight rebuild has finished writing. */
  close(): Promise<void>;
}

const processIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  color: process.stderr.isTTY === true,
};

const SKIP_DIRS = new Set(["node_modules", ".git", "dist", "coverage"]);
const CLEAR_SCREEN = "\x1b[2J\x1b[3J\x1b[H";

type Change = "write" | "unlink";

interface SpecState {
  readonly hash: string;
}

function display(path: string): string {
  const r = relative(process.cwd(), path);
  return r === "" || r.startsWith("..") ? path : r;
}

function clock(): string {
  const d = new Date();
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

function changedSince(path: string, before: Stats): boolean {
  try {
    const now = statSync(path);
    return now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino;
  } catch {
    return true;
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Watches spec files and directories (directories are searched for `*.nn`,
 * skipping node_modules, dist and dot-directories) and keeps their
 * generated modules up to date, as `layerc watch` does.
 *
 * @throws Error when a path does not exist.
 * @example
 * ```ts
 * const w = watch(["models"], { outDir: "src/generated", onEvent: (e) => console.log(e.type, e) });
 * await w.ready;
 * // …
 * await w.close();
 * ```
 */
export function watch(paths: readonly string[], options: WatchOptions = {}): Watcher {
  const roots = (paths.length ? paths : ["."]).map((p) => resolve(p));
  const missing = roots.filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`layerc watch: no such file or directory: ${missing.join(", ")}`);
  const io = options.io ?? processIo;
  const debounceMs = options.debounceMs ?? 30;
  const dirRoots = roots.filter((r) => statSync(r).isDirectory());
  const states = new Map<string, SpecState>();
  let pending = new Map<string, Change>();
  let timer: NodeJS.Timeout | undefined;
  let initialDone = false;
  let closed = false;
  let queue: Promise<void> = Promise.resolve();

  const emit = (e: WatchEvent) => options.onEvent?.(e);

  /** The directory a spec was found under, for --out-dir layouts (the deepest watched one). */
  const specFile = (path: string): SpecFile => {
    const root = dirRoots.filter((r) => path.startsWith(r + sep)).sort((a, b) => b.length - a.length)[0];
    return { path, root: root ?? dirname(path) };
  };

  const ignored = (path: string, stats?: { isFile(): boolean }): boolean => {
    if (roots.includes(path)) return false;
    const name = basename(path);
    if (name.startsWith(".") || SKIP_DIRS.has(name)) return true;
    return stats?.isFile() === true && !name.endsWith(".nn");
  };

  const watcher: FSWatcher = chokidarWatch([...roots], { ignored, ignoreInitial: false, atomic: true, persistent: true });

  const schedule = (path: string, change: Change) => {
    if (closed || !path.endsWith(".nn")) return;
    pending.set(path, change);
    if (!initialDone) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };

  const flush = () => {
    timer = undefined;
    const batch = pending;
    pending = new Map();
    if (batch.size === 0) return queue;
    queue = queue.then(() => rebuild(batch));
    return queue;
  };

  const rebuild = async (batch: ReadonlyMap<string, Change>) => {
    let cleared = !options.clear;
    const say = (fn: () => void) => {
      if (!cleared) {
        io.out(CLEAR_SCREEN);
        cleared = true;
      }
      fn();
    };
    for (const path of [...batch.keys()].sort()) {
      if (closed) return;
      try {
        if (batch.get(path) === "unlink") removeSpec(path, say);
        else await buildSpec(path, say);
      } catch (e) {
        const message = `${display(path)}: ${(e as Error).message}`;
        say(() => io.err(`[${clock()}] ${message}\n`));
        emit({ type: "error", spec: path, message });
      }
    }
  };

  const buildSpec = async (path: string, say: (fn: () => void) => void) => {
    let source: string;
    let before: Stats;
    try {
      before = statSync(path);
      source = readFileSync(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return removeSpec(path, say);
      throw e;
    }
    const spec = specFile(path);
    const hash = createHash("sha256").update(source).digest("hex");
    const output = outputPath(spec, options.outDir);
    if (states.get(path)?.hash === hash && existsSync(output)) return;
    const hadOutput = existsSync(output);
    const name = display(path);
    const start = performance.now();
    const r = await buildSource(spec, source, name, options);
    const ms = Math.round(performance.now() - start);
    states.set(path, { hash });
    const errors = r.diagnostics.filter((d) => d.severity === "error").length;
    const warnings = r.diagnostics.length - errors;
    say(() => {
      if (r.diagnostics.length) io.err(formatDiagnostics(r.diagnostics, source, { fileName: name, color: io.color }));
      if (r.ok) {
        const notes = [...(warnings ? [plural(warnings, "warning")] : []), ...(r.wrote.length ? [] : ["output unchanged"])];
        io.out(`[${clock()}] ${name} ✓ ${ms} ms${notes.length ? ` (${notes.join(", ")})` : ""}\n`);
      } else {
        const kept = hadOutput ? `kept previous ${display(output)}` : `${display(output)} not written`;
        io.out(`[${clock()}] ${name} ✗ ${plural(errors, "error")} — ${kept}\n`);
      }
    });
    if (r.ok) emit({ type: "built", spec: path, output, ms, changed: r.wrote.length > 0, diagnostics: r.diagnostics });
    else emit({ type: "failed", spec: path, output, ms, kept: hadOutput, diagnostics: r.diagnostics });
    // chokidar drops a second `change` within 50 ms of the first, and an
    // editor may write again while we compile (format-on-save): if the file
    // moved on since we read it, build it again.
    if (changedSince(path, before)) schedule(path, "write");
  };

  const removeSpec = (path: string, say: (fn: () => void) => void) => {
    if (existsSync(path)) return; // re-created since the event: the next event rebuilds it
    states.delete(path);
    const output = outputPath(specFile(path), options.outDir);
    const outcome = removeGenerated(output);
    if (options.dts) removeGenerated(declarationPath(output));
    const what =
      outcome === "removed" ? `removed ${display(output)}` : outcome === "kept" ? `kept ${display(output)} (not generated by layerc)` : "no output to remove";
    say(() => io.out(`[${clock()}] ${display(path)} deleted — ${what}\n`));
    emit({ type: "removed", spec: path, output, deleted: outcome === "removed" });
  };

  watcher
    .on("add", (p) => schedule(p, "write"))
    .on("change", (p) => schedule(p, "write"))
    .on("unlink", (p) => schedule(p, "unlink"))
    .on("error", (e) => {
      const message = `watcher error: ${(e as Error).message}`;
      io.err(`[${clock()}] ${message}\n`);
      emit({ type: "error", message });
    });

  const ready = new Promise<void>((resolveReady, rejectReady) => {
    watcher.once("ready", () => {
      initialDone = true;
      const count = pending.size;
      flush()
        .then(() => {
          if (closed) return;
          const where = (paths.length ? paths : ["."]).join(", ");
          io.out(`[${clock()}] watching ${plural(count, "spec")} in ${where} — press Ctrl-C to stop\n`);
        })
        .then(resolveReady, rejectReady);
    });
  });
  // A caller that only closes must not see an unhandled rejection.
  ready.catch(() => undefined);

  return {
    ready,
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await watcher.close();
      await queue.catch(() => undefined);
    },
  };
}

/**
 * The `layerc watch` command: runs {@link watch} until SIGINT or SIGTERM,
 * then closes the watcher and returns exit code 0. Spec errors never end it.
 */
export async function runWatch(paths: readonly string[], opts: Omit<WatchOptions, "io">, io: Io): Promise<number> {
  const w = watch(paths, { ...opts, io });
  return await new Promise<number>((resolveExit) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      w.close().then(
        () => resolveExit(0),
        () => resolveExit(0),
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    w.ready.catch((e: unknown) => io.err(`layerc: ${(e as Error).message}\n`));
  });
}
