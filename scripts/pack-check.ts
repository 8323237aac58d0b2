/**
 * `npm run pack:check`: the package as a new user gets it. Packs the
 * tarball (prepack builds), installs it into a fresh temporary project (a
 * real install from the tarball, not a symlink), then checks what the first
 * hour touches: `"types": ["layerc/nn"]` type-checks without skipLibCheck,
 * CommonJS `require` of the plugins and the API, the CLI, a Rollup bundle
 * without @rollup/plugin-node-resolve (the runtime must be bundled), and
 * prints the install footprint. Needs the npm registry (for the
 * dependencies); not part of `npm test`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, existsSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = join(import.meta.dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const work = mkdtempSync(join(tmpdir(), "layerc-pack-"));
const failures: string[] = [];

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function step(name: string, fn: () => string | void): void {
  try {
    const note = fn();
    console.log(`ok   ${name}${note ? ` — ${note}` : ""}`);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    failures.push(name);
    console.log(`FAIL ${name}\n${[err.stdout, err.stderr, err.message].filter(Boolean).join("\n").slice(0, 2000)}`);
  }
}

function sizeOf(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += sizeOf(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

function packages(nm: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(nm)) {
    if (e.startsWith(".")) continue;
    if (e.startsWith("@")) out.push(...readdirSync(join(nm, e)).map((s) => `${e}/${s}`));
    else out.push(e);
  }
  return out;
}

try {
  const tarball = join(work, sh(npm, ["pack", "--pack-destination", work, "--silent"], root).trim().split("\n").pop()!);
  const app = join(work, "app");
  mkdirSync(join(app, "src"), { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  step("npm install <tarball> (production dependencies only)", () => {
    sh(npm, ["install", "--omit=dev", "--no-audit", "--no-fund", tarball], app);
    const nm = join(app, "node_modules");
    const names = packages(nm);
    const sizes = names.map((n) => [n, sizeOf(join(nm, n))] as const).sort((a, b) => b[1] - a[1]);
    const top = sizes.slice(0, 8).map(([n, b]) => `${n} ${(b / 1e6).toFixed(1)}`).join(", ");
    return `${names.length} packages, ${(sizeOf(nm) / 1e6).toFixed(1)} MB in node_modules; largest (MB): ${top}`;
  });
  writeFileSync(join(app, "src", "seed.nn"), "model Seed {\n  Dense(4, input_shape=(1,), activation='relu')\n  Dense(2, activation='softmax')\n}\n");
  writeFileSync(
    join(app, "src", "main.ts"),
    'import * as models from "./seed.nn";\nimport { LayercError, type ModelBase } from "layerc/runtime";\nconst Seed = models["Seed"]!;\nexport const m: ModelBase = new Seed({ seed: 1 });\nexport const y: Float32Array = m.predict([0.5]);\nexport const E = LayercError;\n',
  );
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  for (const [module, resolution] of [["nodenext", "nodenext"], ["esnext", "bundler"]]) {
    step(`tsc (module ${module}, no skipLibCheck) with "types": ["layerc/nn"]`, () => {
      const config = { compilerOptions: { strict: true, module, moduleResolution: resolution, target: "es2022", noEmit: true, types: ["layerc/nn"] }, include: ["src"] };
      writeFileSync(join(app, "tsconfig.json"), JSON.stringify(config));
      sh(process.execPath, [tsc, "-p", "."], app);
    });
  }
  step("CommonJS: require('layerc/webpack'), require('layerc/rollup'), require('layerc')", () =>
    sh(process.execPath, ["-e", "const w=require('layerc/webpack');const r=require('layerc/rollup');const a=require('layerc');if(typeof w.layerc!=='function'||typeof r.default!=='function'||typeof a.compile!=='function')throw new Error('missing exports');"], app).trim(),
  );
  step("npx layerc --version / check", () => {
    const v = sh(process.execPath, [join(app, "node_modules", ".bin", "layerc"), "--version"], app).trim();
    const c = sh(process.execPath, [join(app, "node_modules", ".bin", "layerc"), "check", "src"], app).trim();
    return `${v}; ${c}`;
  });
  step("Rollup without node-resolve bundles the runtime", () => {
    writeFileSync(join(app, "src", "entry.js"), 'import { Seed } from "./seed.nn";\nexport const y = new Seed({ seed: 1 }).predict([0.5]);\n');
    const script = `
      const { rollup } = await import(${JSON.stringify(pathToFileURL(join(root, "node_modules", "rollup", "dist", "es", "rollup.js")).href)});
      const { default: layerc } = await import("layerc/rollup");
      const b = await rollup({ input: "src/entry.js", plugins: [layerc()], onwarn: () => {} });
      const { output } = await b.generate({ format: "es" });
      const code = output[0].code;
      if (/from ['"]layerc\\/runtime['"]/.test(code)) throw new Error("layerc/runtime left unbundled");
      console.log(code.length);`;
    return `${sh(process.execPath, ["--input-type=module", "-e", script], app).trim()} bytes`;
  });
  step("shipped files", () => {
    const dir = join(app, "node_modules", "layerc");
    for (const f of ["LICENSE", "docs/language.md", "docs/diagnostics.md", "types/nn.d.cts"]) if (!existsSync(join(dir, f))) throw new Error(`missing ${f}`);
    if (existsSync(join(dir, "grammar"))) throw new Error("grammar/ sources shipped");
    const map = JSON.parse(readFileSync(join(dir, "dist/src/index.js.map"), "utf8")) as { sourcesContent?: unknown[] };
    if (!map.sourcesContent?.length) throw new Error("source maps without sourcesContent");
  });
} finally {
  if (!process.argv.includes("--keep")) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
if (failures.length) {
  console.log(`\n${failures.length} check(s) failed`);
  process.exitCode = 1;
}
