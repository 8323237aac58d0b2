/**
 * The Diagnostic data type and the one way to make one: from a catalog code
 * and its holes. User errors are data; only compiler bugs throw, as
 * InternalError.
 */
import type { Span } from "../source.js";
import { catalog, type DiagnosticCode, type Severity } from "./catalog.js";

/** A secondary location a diagnostic points at (e.g. "the earlier definition is here"). */
export interface RelatedInformation {
  readonly message: string;
  readonly span: Span;
}

/**
 * One problem found in a spec: a stable catalog `code`, a `severity`, a
 * one-line `message` that usually names the fix, and where it is: `span`
 * (half-open UTF-16 offsets into the source) plus the derived 1-based
 * `line`/`column`. User errors are always reported this way, never thrown.
 */
export interface Diagnostic {
  /** Stable, subject-first code from {@link catalog}, e.g. `arg_unknown`. */
  readonly code: DiagnosticCode;
  /** `error` blocks code generation; `warning` does not and can be silenced by code. */
  readonly severity: Severity;
  /** The filled-in message template. */
  readonly message: string;
  /** Half-open `[start, end)` UTF-16 offsets into the source text. */
  readonly span: Span;
  /** File name as given to the API (`fileName` option), if any. */
  readonly file?: string;
  /** 1-based line and column of `span.start`, filled in by the public API. */
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly related?: readonly RelatedInformation[];
  /** A replacement the user most likely meant ("did you mean ..."). */
  readonly suggestion?: string;
  /**
   * For a diagnostic about a Keras or TensorFlow.js file (`layerc import` /
   * `layerc export`), which has no spec span: where the problem is in that
   * file (`config.layers[2].config.kernel_regularizer`, `model_weights/dense`).
   */
  readonly path?: string;
}

export type Holes = Readonly<Record<string, string | number>>;

export function fillTemplate(template: string, holes: Holes): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = holes[name];
    return v === undefined ? whole : String(v);
  });
}

export function makeDiagnostic(
  code: DiagnosticCode,
  span: Span,
  holes: Holes = {},
  extra: { related?: RelatedInformation[]; suggestion?: string } = {},
): Diagnostic {
  const entry = catalog[code];
  // A template may place the suggestion itself (`{suggestion}`); otherwise it ends the message.
  const placed = entry.message.includes("{suggestion}");
  const hint = extra.suggestion === undefined ? "" : placed ? ` (did you mean \`${extra.suggestion}\`?)` : `; did you mean \`${extra.suggestion}\`?`;
  let message = fillTemplate(entry.message, placed ? { ...holes, suggestion: hint } : holes);
  if (!placed) message += hint;
  const d: Diagnostic = { code, severity: entry.severity, message, span };
  return {
    ...d,
    ...(extra.related && extra.related.length > 0 ? { related: extra.related } : {}),
    ...(extra.suggestion !== undefined ? { suggestion: extra.suggestion } : {}),
  };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** A bug in layerc itself, never a user error. */
export class InternalError extends Error {
  constructor(message: string) {
    super(`layerc internal error: ${message}. This is a bug in layerc; please report it.`);
    this.name = "InternalError";
  }
}

/**
 * Edit distance for "did you mean" suggestions: insertions, deletions,
 * substitutions and transpositions of neighbours each cost 1 (optimal string
 * alignment), so `Adma` is one edit from `Adam`.
 */
export function levenshtein(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let before: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      cur[j] = d;
    }
    before = prev;
    prev = cur;
  }
  return prev[n]!;
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : levenshtein(lower, c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  const threshold = Math.max(1, Math.floor(name.length / 3));
  return best !== undefined && bestDist <= threshold ? best : undefined;
}
