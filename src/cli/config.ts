/**
 * The project configuration the CLI reads, so a team does not repeat flags:
 * `layerc.config.json`, or a `"layerc"` object in package.json, found in the
 * current directory or the nearest ancestor that has either (the search stops
 * at the first package.json, as the project's root). Flags on the command
 * line override it. Unknown keys and wrong types are usage errors (exit 2),
 * with a did-you-mean, so a typo does not silently do nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { suggest } from "../diagnostics/diagnostic.js";

/** What a config file may set (the long flag names in camelCase). */
export interface LayercConfig {
  /** `--out-dir`, resolved against the config file's directory. */
  readonly outDir?: string;
  readonly unroll?: "auto" | "full" | "loops";
  readonly dts?: boolean;
  readonly dtsOnly?: boolean;
  /** `false` is `--no-wasm`. */
  readonly wasm?: boolean;
  readonly silence?: readonly string[];
}

export interface LoadedConfig {
  readonly config: LayercConfig;
  /** The file it came from (`…/layerc.config.json` or `…/package.json`), if any. */
  readonly path?: string;
}

export class ConfigError extends Error {}

const keys: Readonly<Record<keyof LayercConfig, (v: unknown) => boolean>> = {
  outDir: (v) => typeof v === "string" && v.length > 0,
  unroll: (v) => v === "auto" || v === "full" || v === "loops",
  dts: (v) => typeof v === "boolean",
  dtsOnly: (v) => typeof v === "boolean",
  wasm: (v) => typeof v === "boolean",
  silence: (v) => Array.isArray(v) && v.every((c) => typeof c === "string"),
};

const expected: Readonly<Record<keyof LayercConfig, string>> = {
  outDir: "a directory name",
  unroll: '"auto", "full" or "loops"',
  dts: "true or false",
  dtsOnly: "true or false",
  wasm: "true or false",
  silence: "an array of warning codes",
};

/** The configuration for a run started in `cwd` (empty when there is none). */
export function loadConfig(cwd: string = process.cwd()): LoadedConfig {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, "layerc.config.json");
    if (existsSync(file)) return { config: validate(readJson(file), file, dir), path: file };
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      const section = (readJson(pkg) as Record<string, unknown> | null)?.["layerc"];
      return section === undefined ? { config: {} } : { config: validate(section, `${pkg} ("layerc")`, dir), path: pkg };
    }
    if (dirname(dir) === dir) return { config: {} };
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

function validate(raw: unknown, where: string, dir: string): LayercConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(`${where}: the configuration must be a JSON object`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const check = (keys as Record<string, (v: unknown) => boolean>)[key];
    if (check === undefined) {
      const hint = suggest(key, Object.keys(keys));
      throw new ConfigError(`${where}: unknown key "${key}"${hint !== undefined ? `; did you mean "${hint}"?` : ""} (keys: ${Object.keys(keys).join(", ")})`);
    }
    if (!check(value)) throw new ConfigError(`${where}: "${key}" must be ${expected[key as keyof LayercConfig]}, got ${JSON.stringify(value)}`);
    out[key] = key === "outDir" ? resolve(dir, value as string) : value;
  }
  return out as LayercConfig;
}
