/**
 * `new Model({ threads: 2 })` in a real browser (Debian's chromium via
 * playwright-core): a generated model and the runtime, bundled by esbuild,
 * on a page served with and without cross-origin isolation (COOP/COEP).
 * Isolated: a worker (a Blob URL Worker) computes parts of the products and
 * every loss and prediction has exactly the bits of the single-thread model;
 * the page's main thread may not Atomics.wait, so it polls. Not isolated
 * (no SharedArrayBuffer): the model runs on one thread, same results.
 *
 *   npm run test:browser
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../src/api/api.js";
import { repoRoot } from "../../test/helpers/process.js";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

const SPEC = `model T(seed=3) {
  Input(shape=(160,))
  Dense(128, activation='relu')
  Dense(72, activation='relu')
  Dense(10, activation='softmax')
  compile(optimizer=Adam(learning_rate=0.01), loss='categorical_crossentropy')
}
`;

/** What the page does: the same steps on a 1-thread and a 2-thread model, until a worker has computed parts. */
const PAGE_SCRIPT = `
const one = new T();
const two = new T({ threads: 2 });
const x = new Float32Array(16 * 160).map((_, i) => Math.sin(i * 0.37));
const y = new Float32Array(160).map((_, i) => (i % 10 === (i / 10 | 0) % 10 ? 1 : 0));
const bits = (a) => Array.from(new Uint32Array(new Float64Array(a).buffer)).join(",");
let same = true;
let steps = 0;
const start = performance.now();
// the pool exists once the model has laid its memory out (its first call)
const workerParts = () => (two.pool === null ? 0 : two.pool.parts().workers);
while (steps < 3 || (two.pool !== null && workerParts() === 0 && performance.now() - start < 10000)) {
  if (one.trainOnBatch(x, y, 16) !== two.trainOnBatch(x, y, 16)) same = false;
  steps++;
  await new Promise((r) => setTimeout(r, 0));
}
same = same && bits(one.predictBatch(x, 16)) === bits(two.predictBatch(x, 16));
window.result = { isolated: self.crossOriginIsolated === true, threads: two.threads, workerParts: workerParts(), same, steps };
two.dispose();
`;

let server: Server;
let base: string;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  const r = await compile(SPEC);
  const entry = `${r.code!.replace('from "layerc/runtime"', `from ${JSON.stringify(join(repoRoot, "src/runtime/index.ts"))}`)}\n${PAGE_SCRIPT}`;
  const bundle = buildSync({ stdin: { contents: entry, loader: "ts", resolveDir: repoRoot }, bundle: true, format: "esm", platform: "browser", target: "es2022", write: false }).outputFiles[0]!.text;
  const html = `<!doctype html><meta charset="utf-8"><title>threads</title><script type="module" src="model.js"></script>`;
  server = createServer((req, res) => {
    const isolated = req.url!.startsWith("/isolated/");
    const headers: Record<string, string> = isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {};
    if (req.url!.endsWith("/model.js")) res.writeHead(200, { ...headers, "content-type": "text/javascript" }).end(bundle);
    else if (req.url!.endsWith("/")) res.writeHead(200, { ...headers, "content-type": "text/html" }).end(html);
    else res.writeHead(req.url === "/favicon.ico" ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  profile = mkdtempSync(join(tmpdir(), "layerc-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (profile) rmSync(profile, { recursive: true, force: true });
});

interface Result {
  isolated: boolean;
  threads: number;
  workerParts: number;
  same: boolean;
  steps: number;
}

async function run(path: string): Promise<{ result: Result; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}${path}`);
  await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 60_000 });
  const result = (await page.evaluate(() => (window as unknown as { result: Result }).result)) as Result;
  await page.close();
  return { result, errors };
}

describe("threads in a browser", () => {
  it("a cross-origin isolated page runs a worker, with results bit-identical to one thread", async () => {
    const { result, errors } = await run("/isolated/");
    expect(errors).toEqual([]);
    expect(result.isolated).toBe(true);
    expect(result.threads).toBe(2);
    expect(result.workerParts).toBeGreaterThan(0);
    expect(result.same).toBe(true);
  }, 90_000);

  it("a page that is not isolated runs on one thread, with the same results", async () => {
    const { result, errors } = await run("/plain/");
    expect(errors).toEqual([]);
    expect(result.isolated).toBe(false);
    expect(result.threads).toBe(1);
    expect(result.same).toBe(true);
  }, 90_000);
});
