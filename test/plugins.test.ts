/**
 * The bundler plugins (layerc/esbuild, layerc/rollup, layerc/vite,
 * layerc/webpack — one unplugin implementation), with the real bundlers:
 * each bundles test/fixtures/plugin/entry.js, which imports a `.nn` spec;
 * the bundle runs in Node and must predict exactly what the reference
 * interpreter predicts for the same seed. A broken spec must fail each
 * build with an error at file:line:col. Then Vite's dev server: editing a
 * spec invalidates its module, and breaking it sends the error overlay
 * instead of an update. The plugins are loaded from dist (what users get).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interpret } from "../src/index.js";
import { linkPackage } from "./helpers/package-link.js";
import { repoRoot, waitFor } from "./helpers/process.js";

const fixture = fileURLToPath(new URL("./fixtures/plugin/", import.meta.url));
const runtime = join(repoRoot, "dist/src/runtime/index.js");
const run = promisify(execFile);
type Plugins = {
  esbuild: typeof import("../src/plugin/esbuild.js").default;
  rollup: typeof import("../src/plugin/rollup.js").default;
  vite: typeof import("../src/plugin/vite.js").default;
  webpack: typeof import("../src/plugin/webpack.js").default;
};
const plugins = {} as Plugins;
const cleanups: (() => void)[] = [];
let out = "";

beforeAll(async () => {
  for (const name of ["esbuild", "rollup", "vite", "webpack"] as const) {
    const mod = (await import(pathToFileURL(join(repoRoot, `dist/src/plugin/${name}.js`)).href)) as { default: never };
    plugins[name] = mod.default;
  }
  cleanups.push(linkPackage(fixture));
  out = mkdtempSync(join(tmpdir(), "layerc-plugins-"));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
});
afterAll(() => cleanups.reverse().forEach((c) => c()));

/** What the reference interpreter predicts for the fixture (same seeds as entry.js). */
function expected() {
  const { Seed, Gate } = interpret(readFileSync(join(fixture, "seed.nn"), "utf8"));
  return {
    seed: Array.from(new Seed!({ seed: 42 }).predict([0.5])),
    gate: Array.from(new Gate!().predict([0.25, -1])),
    shapes: [[1], [2], [2]],
  };
}

/** Runs a bundle in a plain Node process (not through vitest's module runner) and returns its predictions. */
async function predictionsOf(file: string): Promise<ReturnType<typeof expected>> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(JSON.stringify(m.predictions()));`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: tmpdir() });
  return JSON.parse(stdout) as ReturnType<typeof expected>;
}

async function runBundle(file: string) {
  const got = await predictionsOf(file);
  const want = expected();
  expect(got.shapes).toEqual(want.shapes);
  expect(got.seed).toHaveLength(2);
  got.seed.forEach((v, i) => expect(v).toBeCloseTo(want.seed[i]!, 6));
  got.gate.forEach((v, i) => expect(v).toBeCloseTo(want.gate[i]!, 6));
}

const BAD_AT = "bad.nn:3:30: error[arg_unknown]: `Dense` has no argument `activaton`";

describe.concurrent("bundler plugins", () => {
  it("esbuild", async () => {
    const { build } = await import("esbuild");
    const file = join(out, "esbuild.mjs");
    await build({ entryPoints: [join(fixture, "entry.js")], bundle: true, format: "esm", platform: "node", outfile: file, plugins: [plugins.esbuild()], logLevel: "silent" });
    await runBundle(file);

    const failure = await build({ entryPoints: [join(fixture, "bad-entry.js")], bundle: true, write: false, plugins: [plugins.esbuild()], logLevel: "silent" }).then(
      () => undefined,
      (e: { errors: { text: string; location: { file: string; line: number; column: number } | null }[] }) => e,
    );
    expect(failure?.errors[0]?.text).toContain(BAD_AT);
    // no location from the plugin (esbuild would print a second, empty frame of the spec under the
    // diagnostic's own); esbuild shows where the spec is imported instead
    expect(failure?.errors[0]?.location?.file).toMatch(/bad-entry\.js$/);
  });

  it("rollup (runtimeImport option passed through)", async () => {
    const { rollup } = await import("rollup");
    const bundle = await rollup({ input: join(fixture, "entry.js"), plugins: [plugins.rollup({ runtimeImport: runtime })], logLevel: "silent" });
    const file = join(out, "rollup.mjs");
    await bundle.write({ file, format: "es" });
    await bundle.close();
    await runBundle(file);

    const failure = await rollup({ input: join(fixture, "bad-entry.js"), plugins: [plugins.rollup()], logLevel: "silent" }).then(
      () => undefined,
      (e: Error & { loc?: unknown; plugin?: string }) => e,
    );
    expect(failure?.message).toContain(BAD_AT);
    expect(failure?.plugin).toBe("layerc");
    expect(failure?.loc).toMatchObject({ line: 3, column: 29 });
  });

  it("rollup without node-resolve bundles the runtime (the plugin resolves it)", async () => {
    const { rollup } = await import("rollup");
    const bundle = await rollup({ input: join(fixture, "entry.js"), plugins: [plugins.rollup()], logLevel: "silent" });
    const { output } = await bundle.generate({ format: "es" });
    await bundle.close();
    expect(output[0].code).not.toMatch(/from ["']layerc\/runtime["']/);
    const file = join(out, "rollup-plain.mjs");
    writeFileSync(file, output[0].code);
    await runBundle(file);
  });

  it("vite build", async () => {
    const { build } = await import("vite");
    const config = (entry: string, outDir: string) => ({
      root: fixture,
      configFile: false as const,
      logLevel: "silent" as const,
      plugins: [plugins.vite()],
      build: { outDir, emptyOutDir: true, minify: false, lib: { entry: join(fixture, entry), formats: ["es" as const], fileName: () => "vite.mjs" } },
    });
    await build(config("entry.js", join(out, "vite")));
    await runBundle(join(out, "vite", "vite.mjs"));

    const failure = await build(config("bad-entry.js", join(out, "vite-bad"))).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(failure?.message).toContain(BAD_AT);
    // one diagnostic, and no stack of layerc's or the bundler's internals inside the message
    expect(failure?.message.split(BAD_AT)).toHaveLength(2);
    expect(failure?.message).not.toMatch(/\n\s+at /);
  });

  it("webpack", async () => {
    const { default: webpack } = await import("webpack");
    const compile = (entry: string, filename: string) =>
      new Promise<import("webpack").Stats>((resolve, reject) => {
        const compiler = webpack({
          mode: "none",
          context: fixture,
          entry: `./${entry}`,
          target: "node",
          devtool: false,
          cache: false,
          output: { path: out, filename, module: true, library: { type: "module" } },
          experiments: { outputModule: true },
          optimization: { minimize: false },
          infrastructureLogging: { level: "none" },
          plugins: [plugins.webpack()],
        });
        compiler.run((err, stats) => {
          compiler.close(() => (err || !stats ? reject(err ?? new Error("no stats")) : resolve(stats)));
        });
      });
    const stats = await compile("entry.js", "webpack.mjs");
    expect(stats.toJson({ all: false, errors: true }).errors).toEqual([]);
    await runBundle(join(out, "webpack.mjs"));

    const bad = await compile("bad-entry.js", "webpack-bad.mjs");
    expect(bad.hasErrors()).toBe(true);
    const messages = bad.toJson({ all: false, errors: true }).errors!.map((e) => e.message);
    expect(messages.join("\n")).toContain(BAD_AT);
  });
});

describe("vite dev server", () => {
  it("invalidates a spec's module when it changes, and shows the overlay (no update) when it breaks", async () => {
    const { createServer } = await import("vite");
    const root = mkdtempSync(join(tmpdir(), "layerc-vite-dev-"));
    const unlink = linkPackage(root);
    const spec = join(root, "seed.nn");
    const source = readFileSync(join(fixture, "seed.nn"), "utf8");
    writeFileSync(spec, source);
    writeFileSync(join(root, "main.js"), 'import { Seed } from "./seed.nn";\nexport const model = new Seed({ seed: 1 });\n');
    const logged: string[] = [];
    const customLogger = {
      info: () => undefined,
      warn: () => undefined,
      warnOnce: () => undefined,
      error: (msg: string) => void logged.push(msg),
      clearScreen: () => undefined,
      hasErrorLogged: () => false,
      hasWarned: false,
    };
    const server = await createServer({
      root,
      configFile: false,
      customLogger,
      appType: "custom",
      plugins: [plugins.vite()],
      optimizeDeps: { noDiscovery: true, include: [] },
      server: { middlewareMode: true, ws: false, watch: { usePolling: false } },
    });
    try {
      const env = server.environments.client;
      const sent: { type: string; err?: { message: string; loc?: unknown } }[] = [];
      const send = env.hot.send.bind(env.hot);
      env.hot.send = ((payload: { type: string }) => {
        sent.push(payload);
        return send(payload as never);
      }) as typeof env.hot.send;

      await env.transformRequest("/main.js");
      const first = await env.transformRequest("/seed.nn");
      expect(first?.code).toContain("class Seed");
      expect(first?.code).not.toContain("ModelMeta"); // type-only import removed
      const mod = [...(env.moduleGraph.getModulesByFile(spec) ?? [])][0]!;
      expect(mod.transformResult).not.toBeNull();
      await server.waitForRequestsIdle?.();

      // a valid edit invalidates the module; the next request sees the new model
      writeFileSync(spec, source.replace("Dense(2, activation='softmax')", "Dense(3, activation='softmax')"));
      await waitFor(() => mod.transformResult === null, "the spec's module to be invalidated", 10_000);
      const second = await env.transformRequest("/seed.nn");
      expect(second?.code).toMatch(/outputShape = \[3\]/);
      await waitFor(() => sent.some((p) => p.type === "full-reload" || p.type === "update"), "an HMR update or reload", 10_000, () => JSON.stringify(sent));

      // a broken edit sends the error overlay and no update
      sent.length = 0;
      writeFileSync(spec, source.replace("activation='relu'", "activaton='relu'"));
      const error = await waitFor(() => sent.find((p) => p.type === "error"), "the error overlay", 10_000, () => JSON.stringify(sent));
      expect(error.err?.message).toContain("seed.nn:3:30: error[arg_unknown]");
      // the overlay's link opens the editor at loc: the diagnostic's own 1-based column, as in the message
      expect(error.err?.loc).toMatchObject({ line: 3, column: 30 });
      // …and the terminal shows it too, not only the browser overlay
      expect(logged.join("\n")).toContain(error.err!.message);
      expect(sent.filter((p) => p.type === "update" || p.type === "full-reload")).toEqual([]);
    } finally {
      await server.close();
      unlink();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
