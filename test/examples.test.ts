/**
 * Every example under examples/ compiles (the CLI, as `npm run examples`)
 * and runs: the scripts with tsx, checked for the accuracy they promise;
 * `npm run demo`'s script; and examples/vite-app built with Vite's API
 * through its own vite.config.ts (layerc/vite), its training code then run
 * in Node from the built bundle.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkPackage } from "./helpers/package-link.js";
import { cliPath, repoRoot } from "./helpers/process.js";

const run = promisify(execFile);
const examples = join(repoRoot, "examples");
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.reverse().forEach((c) => c()));

/** Runs an example script with tsx (as `npx tsx examples/x.ts` would) and returns its output. */
async function runExample(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", join(examples, file)], { cwd: repoRoot, maxBuffer: 1 << 24 });
  return stdout;
}

const accuracy = (out: string, label: string) => Number(new RegExp(`^${label}: ([0-9.]+)`, "m").exec(out)?.[1] ?? NaN);

beforeAll(async () => {
  const { stdout } = await run(process.execPath, [cliPath, "build", "examples"], { cwd: repoRoot });
  expect(stdout).toMatch(/examples\/xor\.nn\.ts/);
}, 60_000);

describe.concurrent("examples", () => {
  it("every spec under examples/ has its generated module", () => {
    const specs = readdirSync(examples).filter((f) => f.endsWith(".nn"));
    expect(specs).toEqual(expect.arrayContaining(["seed.nn", "bias.nn", "xor.nn", "iris.nn", "digits.nn", "sentiment.nn", "forecast.nn"]));
    for (const s of specs) expect(existsSync(join(examples, `${s}.ts`))).toBe(true);
  });

  it("xor.ts trains XOR to 100% accuracy", async () => {
    const out = await runExample("xor.ts");
    expect(accuracy(out, "accuracy")).toBe(1);
  });

  it("iris.ts reaches at least 0.9 held-out accuracy on the real Iris data", async () => {
    const out = await runExample("iris.ts");
    expect(out).toContain("held-out: 30 flowers");
    expect(accuracy(out, "held-out accuracy")).toBeGreaterThanOrEqual(0.9);
  });

  it("digits.ts trains the CNN on synthetic glyphs to at least 0.9 held-out accuracy", async () => {
    const out = await runExample("digits.ts");
    expect(out).toMatch(/conv2d \(Conv2D\)/);
    // verbose: 1 into a pipe: Keras's lines, no control characters
    expect(out).toMatch(/^Epoch 10\/10\n94\/94 ━{20} \d+s \d+(us|ms|s)\/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$/m);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\x1b\r\b]/);
    expect(accuracy(out, "held-out accuracy")).toBeGreaterThanOrEqual(0.9);
  }, 120_000);

  it("sentiment.ts: the LSTM reads negation (≥ 0.9 held out) and beats the bag of words", async () => {
    const out = await runExample("sentiment.ts");
    expect(out).toMatch(/lstm \(LSTM\)/);
    const lstm = accuracy(out, "LSTM held-out accuracy");
    expect(lstm).toBeGreaterThanOrEqual(0.9);
    expect(lstm).toBeGreaterThan(accuracy(out, "bag of words held-out accuracy"));
  }, 120_000);

  it("forecast.ts: the GRU's held-out error is below both naive forecasts", async () => {
    const out = await runExample("forecast.ts");
    const gru = accuracy(out, "GRU MAE");
    expect(gru).toBeLessThan(accuracy(out, "naive \\(last value\\) MAE"));
    expect(gru).toBeLessThan(accuracy(out, "seasonal naive \\(12 steps ago\\) MAE"));
  }, 120_000);

  it("demo.ts (npm run demo) tells the story of bias", async () => {
    const out = await runExample("demo.ts");
    expect(out).toContain("use_bias=False on the hidden layer");
    expect(out).toContain("after training: the biases have moved away from zero");
  });
});

describe("examples/vite-app", () => {
  it("builds with Vite through layerc/vite, and its model trains", async () => {
    const { build } = await import("vite");
    const root = join(examples, "vite-app");
    cleanups.push(linkPackage(root));
    const out = mkdtempSync(join(tmpdir(), "layerc-vite-app-"));
    cleanups.push(() => rmSync(out, { recursive: true, force: true }));

    // the app as shipped: index.html + bundled script
    await build({ root, configFile: join(root, "vite.config.ts"), logLevel: "silent", build: { outDir: join(out, "app"), emptyOutDir: true } });
    expect(readFileSync(join(out, "app", "index.html"), "utf8")).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js">/);
    const [script] = readdirSync(join(out, "app", "assets")).filter((f) => f.endsWith(".js"));
    const js = readFileSync(join(out, "app", "assets", script!), "utf8");
    expect(js).not.toMatch(/from\s*["']layerc\/runtime["']/); // the runtime is bundled

    // the same config, building the app's training module as a library, run in Node
    await build({
      root,
      configFile: join(root, "vite.config.ts"),
      logLevel: "silent",
      build: { outDir: join(out, "lib"), emptyOutDir: true, minify: false, lib: { entry: join(root, "src/train.ts"), formats: ["es"], fileName: () => "train.mjs" } },
    });
    const script2 = `const m = await import(${JSON.stringify(pathToFileURL(join(out, "lib", "train.mjs")).href)}); console.log(m.trainXor());`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script2], { cwd: tmpdir() });
    expect(stdout).toContain("accuracy 1.000");
  }, 60_000);
});
