/**
 * CLI manners (the built CLI, spawned): per-command help listing every
 * option, did-you-mean for commands and options, colour from flags and
 * NO_COLOR / FORCE_COLOR, `--format json`, `--quiet`, the config file,
 * `--dts-only`, and that a hand-written file at an output path is never
 * overwritten.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commands, commonOptions } from "../src/cli/commands.js";
import { colorEnabled } from "../src/cli/main.js";
import { cliPath } from "./helpers/process.js";

const root = mkdtempSync(join(tmpdir(), "layerc-manners-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SEED = "model Seed {\n  Dense(4, input_shape=(1,), activation='relu')\n  Dense(2, activation='softmax')\n}\n";
const BAD = "model Bad {\n  Dense(4, input_shape=(1,))\n  Dens(2)\n}\n";

/** A fresh project directory (with a package.json, so no config is found above it). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "p-"));
  writeFileSync(join(dir, "package.json"), "{}");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function run(cwd: string, args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NO_COLOR" && k !== "FORCE_COLOR"));
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, encoding: "utf8", env: { ...clean, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("help and did-you-mean", () => {
  it.each(commands.map((c) => c.name))("`layerc %s --help` lists every option", (name) => {
    const r = run(root, [name, "--help"]);
    expect(r.code).toBe(0);
    for (const o of [...commands.find((c) => c.name === name)!.options, ...commonOptions]) expect(r.out).toContain(`--${o.name}`);
  });

  it("suggests the command and the option that were meant", () => {
    const cmd = run(root, ["biuld"]);
    expect(cmd.code).toBe(2);
    expect(cmd.err).toContain("unknown command `biuld`; did you mean `build`?");
    const opt = run(root, ["build", "--out-dri", "x"]);
    expect(opt.code).toBe(2);
    expect(opt.err).toContain("unknown option --out-dri for build; did you mean --out-dir?");
  });
});

describe("colour", () => {
  it("follows flags, then NO_COLOR, then FORCE_COLOR, then the terminal", () => {
    expect(colorEnabled({}, {}, true)).toBe(true);
    expect(colorEnabled({}, {}, false)).toBe(false);
    expect(colorEnabled({}, { NO_COLOR: "1" }, true)).toBe(false);
    expect(colorEnabled({}, { NO_COLOR: "" }, true)).toBe(true);
    expect(colorEnabled({}, { FORCE_COLOR: "1" }, false)).toBe(true);
    expect(colorEnabled({}, { FORCE_COLOR: "0" }, true)).toBe(false);
    expect(colorEnabled({ color: true }, { NO_COLOR: "1" }, false)).toBe(true);
    expect(colorEnabled({ noColor: true }, { FORCE_COLOR: "1" }, true)).toBe(false);
  });

  it("colours diagnostics of the spawned CLI as asked", () => {
    const dir = project({ "bad.nn": BAD });
    expect(run(dir, ["check", "bad.nn"]).err).not.toContain("\x1b[");
    expect(run(dir, ["check", "bad.nn"], { FORCE_COLOR: "1" }).err).toContain("\x1b[");
    expect(run(dir, ["check", "bad.nn", "--color"]).err).toContain("\x1b[");
    expect(run(dir, ["check", "bad.nn", "--no-color"], { FORCE_COLOR: "1" }).err).not.toContain("\x1b[");
  });
});

describe("--format json and --quiet", () => {
  it("check prints one JSON document with positioned diagnostics", () => {
    const dir = project({ "seed.nn": SEED, "bad.nn": BAD });
    const r = run(dir, ["check", ".", "--format", "json"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    const doc = JSON.parse(r.out) as { files: { file: string; ok: boolean; models: string[]; diagnostics: { code: string; start: object; end: object; suggestion?: string }[] }[]; errors: number };
    expect(doc.errors).toBe(1);
    expect(doc.files.map((f) => [f.file, f.ok])).toEqual([
      ["bad.nn", false],
      ["seed.nn", true],
    ]);
    expect(doc.files[0]!.diagnostics[0]).toMatchObject({ code: "layer_unknown", start: { line: 3, column: 3 }, end: { line: 3, column: 7 }, suggestion: "Dense" });
    expect(doc.files[1]!.models).toEqual(["Seed"]);
  });

  it("build --format json lists outputs; --quiet prints nothing on success", () => {
    const dir = project({ "seed.nn": SEED });
    const json = JSON.parse(run(dir, ["build", "--format", "json"]).out) as { files: { outputs: string[] }[] };
    expect(json.files[0]!.outputs).toEqual(["seed.nn.ts"]);
    const quiet = run(dir, ["check", "-q"]);
    expect([quiet.code, quiet.out, quiet.err]).toEqual([0, "", ""]);
  });
});

describe("config file, --dts-only, hand-written outputs", () => {
  it("reads layerc.config.json and flags override it", () => {
    const dir = project({ "models/seed.nn": SEED, "layerc.config.json": JSON.stringify({ outDir: "gen", dts: true }) });
    expect(run(dir, ["build", "models"]).code).toBe(0);
    expect(existsSync(join(dir, "gen", "seed.nn.ts"))).toBe(true);
    expect(existsSync(join(dir, "gen", "seed.nn.d.ts"))).toBe(true);
    expect(run(dir, ["build", "models", "--out-dir", "other"]).code).toBe(0);
    expect(existsSync(join(dir, "other", "seed.nn.ts"))).toBe(true);
  });

  it("reads \"layerc\" in package.json and rejects unknown keys", () => {
    const dir = project({ "seed.nn": SEED });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "x", layerc: { dtsOnly: true } }));
    expect(run(dir, ["build"]).code).toBe(0);
    expect(existsSync(join(dir, "seed.nn.d.ts"))).toBe(true);
    expect(existsSync(join(dir, "seed.nn.ts"))).toBe(false);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "x", layerc: { outdir: "gen" } }));
    const bad = run(dir, ["build"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown key "outdir"; did you mean "outDir"?');
  });

  it("--dts-only writes the declaration alone", () => {
    const dir = project({ "seed.nn": SEED });
    const r = run(dir, ["build", "--dts-only"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("wrote seed.nn.d.ts\n");
    expect(readFileSync(join(dir, "seed.nn.d.ts"), "utf8")).toContain("export declare class Seed");
  });

  it("never overwrites a hand-written file at the output path", () => {
    const dir = project({ "seed.nn": SEED, "seed.nn.ts": "// my own code\nexport const mine = 1;\n" });
    const r = run(dir, ["build"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("seed.nn.ts exists and was not generated by layerc");
    expect(readFileSync(join(dir, "seed.nn.ts"), "utf8")).toBe("// my own code\nexport const mine = 1;\n");
  });
});
