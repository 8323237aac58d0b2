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
import type { FSWatcher } from "chokidar";
import { createRequire } from "node:module";
import { formatDiagnostics } from "../api/api.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { buildSource, type BuildOptions, type SpecBuild } from "./build.js";
import { declarationPath, outputPath, removeGenerated, type SpecFile } from "./files.js";
import type { Io } from "./main.js";
import { line } from "./lines.js";

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
const CHOKIDAR_THROTTLE_MS = 50;
const CLEAR_SCREEN = "\x1b[2J\x1b[3J\x1b[H";

type Change = "write" | "unlink";

interface SpecState {
  /** Content hash of the last build's source. */
  readonly hash: string;
  /** The spec's stat when it was read for that build. */
  readonly stat: Stats;
  /** That source was empty or only whitespace. */
  readonly blank: boolean;
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
  const named = paths.length ? paths : ["."];
  const roots = named.map((p) => resolve(p));
  const missing = roots.filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`layerc watch: no such file or directory: ${missing.join(", ")}`);
  const w = new SpecWatcher(roots, named.join(", "), options);
  return { ready: w.ready, close: () => w.close() };
}

type Say = (print: () => void) => void;

/** One watch session: the chokidar watcher, the debounce, the build queue and what was last built. */
class SpecWatcher {
  readonly ready: Promise<void>;
  private readonly io: Io;
  private readonly dirRoots: readonly string[];
  private readonly watcher: FSWatcher;
  /** What each spec's last build read. */
  private readonly states = new Map<string, SpecState>();
  /** Paths changed since the last flush, with what happened last. */
  private pending = new Map<string, Change>();
  private timer: NodeJS.Timeout | undefined;
  private readonly rechecks = new Map<string, NodeJS.Timeout>();
  /** Specs read empty once after having content: the next read builds whatever it finds. */
  private readonly blankRetried = new Set<string>();
  private initialDone = false;
  private closed = false;
  /** Rebuilds run one batch at a time, chained here. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly roots: readonly string[],
    where: string,
    private readonly options: WatchOptions,
  ) {
    this.io = options.io ?? processIo;
    this.dirRoots = roots.filter((r) => statSync(r).isDirectory());
    // loaded here, not at import: `layerc check` and the API never need it
    const { watch: chokidarWatch } = createRequire(import.meta.url)("chokidar") as typeof import("chokidar");
    this.watcher = chokidarWatch([...roots], { ignored: (p, stats) => this.ignored(p, stats), ignoreInitial: false, atomic: true, persistent: true });
    this.watcher
      .on("add", (p) => this.schedule(p, "write"))
      .on("change", (p) => this.onChange(p))
      .on("unlink", (p) => this.schedule(p, "unlink"))
      .on("error", (e) => this.report(undefined, `watcher error: ${(e as Error).message}`));
    this.ready = new Promise<void>((resolveReady, rejectReady) => {
      this.watcher.once("ready", () => {
        this.initialDone = true;
        const count = this.pending.size;
        this.flush()
          .then(() => {
            if (!this.closed) this.io.out(line(`[${clock()}] watching ${plural(count, "spec")} in ${where} — press Ctrl-C to stop`));
          })
          .then(resolveReady, rejectReady);
      });
    });
    // A caller that only closes must not see an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.rechecks.forEach((t) => clearTimeout(t));
    await this.watcher.close();
    await this.queue.catch(() => undefined);
  }

  private ignored(path: string, stats?: { isFile(): boolean }): boolean {
    if (this.roots.includes(path)) return false;
    const name = basename(path);
    if (name.startsWith(".") || SKIP_DIRS.has(name)) return true;
    return stats?.isFile() === true && !name.endsWith(".nn");
  }

  /** The directory a spec was found under, for --out-dir layouts (the deepest watched one). */
  private specFile(path: string): SpecFile {
    const root = this.dirRoots.filter((r) => path.startsWith(r + sep)).sort((a, b) => b.length - a.length)[0];
    return { path, root: root ?? dirname(path) };
  }

  private schedule(path: string, change: Change): void {
    if (this.closed || !path.endsWith(".nn")) return;
    this.pending.set(path, change);
    if (!this.initialDone) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.options.debounceMs ?? 30);
  }

  /**
   * chokidar swallows every further `change` of a path for 50 ms after it
   * emits one, so a second save soon after the first (format-on-save, or a
   * fix typed right after an error appeared) would be lost: look once more
   * when that window has passed, and rebuild if the file differs from what
   * was last built.
   */
  private onChange(path: string): void {
    this.schedule(path, "write");
    clearTimeout(this.rechecks.get(path));
    const recheck = () => {
      this.rechecks.delete(path);
      const last = this.states.get(path);
      if (last !== undefined && !this.pending.has(path) && changedSince(path, last.stat)) this.schedule(path, "write");
    };
    this.rechecks.set(path, setTimeout(recheck, CHOKIDAR_THROTTLE_MS + 15));
  }

  private flush(): Promise<void> {
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size > 0) this.queue = this.queue.then(() => this.rebuild(batch));
    return this.queue;
  }

  private async rebuild(batch: ReadonlyMap<string, Change>): Promise<void> {
    let cleared = !this.options.clear;
    // Clear the screen lazily: a batch of no-op saves prints nothing.
    const say: Say = (print) => {
      if (!cleared) this.io.out(CLEAR_SCREEN);
      cleared = true;
      print();
    };
    for (const path of [...batch.keys()].sort()) {
      if (this.closed) return;
      try {
        if (batch.get(path) === "unlink") this.removeSpec(path, say);
        else await this.buildSpec(path, say);
      } catch (e) {
        this.report(path, `${display(path)}: ${(e as Error).message}`, say);
      }
    }
  }

  private report(spec: string | undefined, message: string, say: Say = (print) => print()): void {
    say(() => this.io.err(line(`[${clock()}] ${message}`)));
    this.options.onEvent?.({ type: "error", ...(spec !== undefined ? { spec } : {}), message });
  }

  private async buildSpec(path: string, say: Say): Promise<void> {
    let source: string;
    let before: Stats;
    try {
      before = statSync(path);
      source = readFileSync(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return this.removeSpec(path, say);
      throw e;
    }
    const spec = this.specFile(path);
    const hash = createHash("sha256").update(source).digest("hex");
    const output = outputPath(spec, this.options.outDir);
    const last = this.states.get(path);
    const blank = source.trim() === "";
    // An editor saving in place truncates the file before writing it: an empty read of a spec that
    // had content is most likely that moment. Read again after the debounce; build only what is
    // still there then (a spec really emptied stays empty and is built as such).
    if (blank && last !== undefined && !last.blank && !this.blankRetried.has(path)) {
      this.blankRetried.add(path);
      this.schedule(path, "write");
      return;
    }
    this.blankRetried.delete(path);
    if (last?.hash === hash && existsSync(output)) return;
    const hadOutput = existsSync(output);
    const name = display(path);
    const start = performance.now();
    // recorded only once the build is done: a write that throws (read-only output directory)
    // leaves the spec unrecorded, so saving it again retries
    const r = await buildSource(spec, source, name, this.options);
    this.states.set(path, { hash, stat: before, blank });
    const ms = Math.round(performance.now() - start);
    say(() => this.printBuild(name, source, output, hadOutput, ms, r));
    if (r.ok) this.options.onEvent?.({ type: "built", spec: path, output, ms, changed: r.wrote.length > 0, diagnostics: r.diagnostics });
    else this.options.onEvent?.({ type: "failed", spec: path, output, ms, kept: hadOutput, diagnostics: r.diagnostics });
    // An editor may write again while we compile (format-on-save): if the
    // file moved on since we read it, build it again.
    if (changedSince(path, before)) this.schedule(path, "write");
  }

  private printBuild(name: string, source: string, output: string, hadOutput: boolean, ms: number, r: SpecBuild): void {
    const errors = r.diagnostics.filter((d) => d.severity === "error").length;
    const warnings = r.diagnostics.length - errors;
    if (r.diagnostics.length) this.io.err(formatDiagnostics(r.diagnostics, source, { fileName: name, color: this.io.color }));
    if (r.ok) {
      const notes = [...(warnings ? [plural(warnings, "warning")] : []), ...(r.wrote.length ? [] : ["output unchanged"])];
      this.io.out(line(`[${clock()}] ${name} ✓ ${ms} ms${notes.length ? ` (${notes.join(", ")})` : ""}`));
    } else if (r.refused !== undefined) {
      this.io.out(line(`[${clock()}] ${name} ✗ not written: ${r.refused}`));
    } else {
      const kept = hadOutput ? `kept previous ${display(output)}` : `${display(output)} not written`;
      this.io.out(line(`[${clock()}] ${name} ✗ ${plural(errors, "error")} — ${kept}`));
    }
  }

  private removeSpec(path: string, say: Say): void {
    if (existsSync(path)) return; // re-created since the event: that event rebuilds it
    this.states.delete(path);
    const output = outputPath(this.specFile(path), this.options.outDir);
    const outcome = removeGenerated(output);
    if (this.options.dts) removeGenerated(declarationPath(output));
    const what =
      outcome === "removed" ? `removed ${display(output)}` : outcome === "kept" ? `kept ${display(output)} (not generated by layerc)` : "no output to remove";
    say(() => this.io.out(line(`[${clock()}] ${display(path)} deleted — ${what}`)));
    this.options.onEvent?.({ type: "removed", spec: path, output, deleted: outcome === "removed" });
  }
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
    w.ready.catch((e: unknown) => io.err(line(`layerc: ${(e as Error).message}`)));
  });
}
