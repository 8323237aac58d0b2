/**
 * `layerc import` and `layerc export`: thin shells over importModel and
 * exportModel. Outputs are written only when the whole conversion
 * succeeded, each atomically, so a failed run leaves no partial files.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { importModel } from "../interop/import.js";
import { exportModel, type ExportTarget } from "../interop/export.js";
import type { InteropDiagnostic } from "../interop/diagnostics.js";
import { writeAtomic } from "./files.js";
import { line } from "./lines.js";

export interface InteropIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

/** A problem with the command line or the file system: exit code 2. */
export class InteropUsageError extends Error {}

export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new InteropUsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

export function reportInterop(
  io: InteropIo,
  file: string,
  diags: readonly InteropDiagnostic[],
): void {
  for (const d of diags)
    io.err(
      line(`${file}: ${d.severity}[${d.code}]: ${d.message}${d.path !== undefined ? ` (at ${d.path})` : ""}`),
    );
}

/** The output stem of an imported file: `mlp.keras` → `mlp`, `mlp.weights.h5` → `mlp`, `tfjs/model.json` → `model`. */
export function importStem(file: string): string {
  return (
    basename(file).replace(/(\.weights)?\.(keras|h5|hdf5|json)$/i, "") ||
    "model"
  );
}

export function cmdImport(
  paths: string[],
  values: Record<string, unknown>,
  io: InteropIo,
): number {
  if (paths.length !== 1)
    throw new InteropUsageError(
      "import takes exactly one file (.keras, .h5, .weights.h5 with --spec, or a TensorFlow.js model.json)",
    );
  const file = paths[0]!;
  const bytes = readBytes(file);
  const specPath = values["spec"] as string | undefined;
  const spec =
    specPath !== undefined
      ? new TextDecoder().decode(readBytes(specPath))
      : undefined;
  const name = values["name"] as string | undefined;
  const r = importModel(bytes, {
    fileName: basename(file),
    ...(name !== undefined ? { name } : {}),
    ...(spec !== undefined ? { spec } : {}),
    readFile: (p) => {
      const q = resolve(dirname(file), p);
      return existsSync(q) ? new Uint8Array(readFileSync(q)) : undefined;
    },
  });
  reportInterop(io, file, r.diagnostics);
  if (r.spec === null || r.weights === null) {
    io.err(line(`${file}: nothing written`));
    return 1;
  }
  const outDir = (values["out-dir"] as string | undefined) ?? ".";
  const stem = importStem(file);
  const specOut = join(outDir, `${stem}.nn`);
  const weightsOut = join(outDir, `${stem}.weights.bin`);
  try {
    writeAtomic(weightsOut, r.weights);
    writeAtomic(specOut, r.spec);
  } catch (e) {
    throw new InteropUsageError(
      `cannot write ${specOut}: ${(e as Error).message}`,
    );
  }
  io.out(line(`wrote ${specOut}`) + line(`wrote ${weightsOut}`));
  return 0;
}

const TARGETS = ["keras", "tfjs", "python"] as const;

export function cmdExport(
  paths: string[],
  values: Record<string, unknown>,
  io: InteropIo,
): number {
  if (paths.length !== 1)
    throw new InteropUsageError("export takes exactly one spec file");
  const to = values["to"] as string | undefined;
  if (to === undefined || !(TARGETS as readonly string[]).includes(to))
    throw new InteropUsageError(
      `--to must be keras, tfjs or python${to !== undefined ? `, got ${to}` : ""}`,
    );
  const file = paths[0]!;
  const source = new TextDecoder().decode(readBytes(file));
  const weightsPath = values["weights"] as string | undefined;
  const model = values["model"] as string | undefined;
  const r = exportModel(source, {
    to: to as ExportTarget,
    fileName: basename(file),
    stem: basename(file).replace(/\.nn$/, ""),
    ...(weightsPath !== undefined ? { weights: readBytes(weightsPath) } : {}),
    ...(model !== undefined ? { model } : {}),
  });
  reportInterop(io, file, r.diagnostics);
  if (r.files.length === 0) {
    io.err(line(`${file}: nothing written`));
    return 1;
  }
  const outDir = (values["out-dir"] as string | undefined) ?? ".";
  for (const f of r.files) {
    const path = join(outDir, f.name);
    try {
      writeAtomic(path, f.data);
    } catch (e) {
      throw new InteropUsageError(
        `cannot write ${path}: ${(e as Error).message}`,
      );
    }
    io.out(line(`wrote ${path}`));
  }
  return 0;
}
