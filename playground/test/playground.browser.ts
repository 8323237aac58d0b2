/**
 * The playground in a real browser: Debian's chromium driven by
 * playwright-core (no browser download), against the production build
 * (`npm run playground:build`) served from a local static server.
 *
 * A shared link with a broken spec shows the diagnostic; fixing it shows the
 * shapes; training XOR reaches accuracy 1.0 while the chart grows; a
 * functional two-input model is drawn as its graph (both inputs, the merge);
 * the page logs no console errors. Screenshots go to playground/test/artifacts/.
 *
 *   npm run test:browser
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from "lz-string";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../test/helpers/process.js";

const DIST = join(repoRoot, "playground", "dist");
const ARTIFACTS = join(repoRoot, "playground", "test", "artifacts");
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".json": "application/json" };

function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    let file = join(root, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` })));
}

let browser: BrowserContext;
let page: Page;
let server: Server;
let base: string;
let profile: string;
const consoleErrors: string[] = [];

const BROKEN = `# a spec with a typo, shared as a link
model Xor(seed=1) {
  Input(shape=(2,))
  Dense(8, activation='tanh')
  Dens(1, activation='sigmoid')
  compile(optimizer=Adam(learning_rate=0.05), loss='binary_crossentropy', metrics=['accuracy'])
}
`;

const TWO_TOWER = `model Tower(seed=1) {
  a = Input(shape=(5,), name='left')
  b = Input(shape=(3,), name='right')
  ha = Dense(4, activation='relu')(a)
  hb = Dense(4)(b)
  h = Concatenate()([ha, hb])
  y = Dense(1, activation='sigmoid')(h)
  Model(inputs=[a, b], outputs=y)
  compile(optimizer='adam', loss='binary_crossentropy')
}
`;

beforeAll(async () => {
  if (!existsSync(join(DIST, "index.html"))) throw new Error("playground/dist is missing: run `npm run playground:build` first (npm run test:browser does)");
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ server, url: base } = await serve(DIST));
  profile = mkdtempSync(join(tmpdir(), "layerc-chromium-"));
  // A fresh profile directory (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 1000 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe("the playground", () => {
  it("shows the diagnostic of a shared link's broken spec, in the list and as an underline", async () => {
    await page.goto(`${base}#code=${compressToEncodedURIComponent(BROKEN)}`);
    const item = page.locator('#diagnostics li[data-code="layer_unknown"]');
    await item.waitFor({ timeout: 30_000 });
    const text = await item.textContent();
    expect(text).toContain("5:3 error[layer_unknown]: unknown layer `Dens`");
    expect(text).toContain("did you mean `Dense`");
    await page.locator(".cm-lintRange-error").first().waitFor();
    expect(await page.locator("#model").textContent()).toContain("no model without errors");
    await page.screenshot({ path: join(ARTIFACTS, "broken-link.png") });
  }, 60_000);

  it("shows the model's shapes once the spec is fixed, and keeps the spec in the URL", async () => {
    // Double-click selects the misspelled word; typing replaces it.
    await page.locator(".cm-line", { hasText: "Dens(1" }).getByText("Dens", { exact: false }).first().dblclick({ position: { x: 12, y: 5 } });
    await page.keyboard.type("Dense");
    await page.locator("#model svg").waitFor({ timeout: 30_000 });
    const shapes = await page.locator("#model svg text.shape").allTextContents();
    expect(shapes).toEqual(["(None, 2)", "(None, 8) · 24 params", "(None, 1) · 9 params"]);
    expect(await page.locator("#diagnostics li").count()).toBe(0);
    expect(decodeURIComponent(page.url())).toContain("#code=");
    // The generated module (CodeMirror renders only the lines in view, so check the top and the line count).
    await page.waitForFunction(() => /^\d+ lines$/.test(document.querySelector("#code-status")!.textContent ?? ""), undefined, { timeout: 60_000 });
    const code = await page.locator("#code .cm-content").textContent();
    expect(code).toContain("// generated by layerc");
    expect(code).toContain('const XorMeta: ModelMeta = {');
  }, 120_000);

  it("shows a layer's shape and weights on hover", async () => {
    await page.locator(".cm-line", { hasText: "Dense(8" }).locator("text=Dense").first().hover();
    const tip = page.locator(".hover-doc");
    await tip.waitFor({ timeout: 15_000 });
    const t = await tip.textContent();
    expect(t).toContain("dense → (None, 8)");
    expect(t).toContain("kernel (2, 8)");
  }, 30_000);

  it("trains XOR to accuracy 1.0 in a worker, with the chart and heatmaps updating", async () => {
    await page.locator("#train").click();
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("#chart")!.dataset["points"]) > 3, undefined, { timeout: 30_000 });
    await page.waitForFunction(() => /accuracy 1\.000/.test(document.querySelector("#status")!.textContent ?? ""), undefined, { timeout: 60_000 });
    const points = Number(await page.locator("#chart").getAttribute("data-points"));
    expect(points).toBeGreaterThan(3);
    expect(await page.locator("#heatmaps canvas").count()).toBe(4);
    expect(await page.locator("#heatmaps figcaption").first().textContent()).toBe("dense/kernel (2, 8)");
    await page.screenshot({ path: join(ARTIFACTS, "xor-trained.png") });
  }, 120_000);

  it("stops training on Stop, keeping the chart where it was", async () => {
    await page.locator("#dataset").selectOption("spirals");
    await page.locator("#example").click();
    await page.locator("#model h3", { hasText: "Spirals" }).waitFor({ timeout: 30_000 });
    await page.locator("#train").click();
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("#chart")!.dataset["points"]) >= 2, undefined, { timeout: 30_000 });
    await page.locator("#stop").click();
    const stoppedAt = await page.locator("#chart").getAttribute("data-points");
    expect(await page.locator("#status").textContent()).toContain("stopped");
    await page.waitForTimeout(1500);
    expect(await page.locator("#chart").getAttribute("data-points")).toBe(stoppedAt);
    expect(await page.locator("#train").isEnabled()).toBe(true);
    expect(await page.locator("#stop").isEnabled()).toBe(false);
  }, 60_000);

  it("Share gives a link that holds the current spec", async () => {
    await page.locator("#share").click();
    const link = await page.locator("#share-url").inputValue();
    const code = /#code=(.*)$/.exec(link)?.[1];
    expect(code).toBeDefined();
    const spec = decompressFromEncodedURIComponent(code!);
    expect(spec).toContain("model Spirals(seed=3)");
    // The status is set after the clipboard promise settles, which is asynchronous: wait for it, don't sample it.
    await page.waitForFunction(() => (document.querySelector("#share-status")?.textContent ?? "") !== "", undefined, { timeout: 10_000 });
    expect(await page.locator("#share-status").textContent()).toMatch(/link copied|copy the link above/);
  }, 30_000);

  it("draws a functional model's graph (both inputs, their branches, the merge they meet in) and hovers its tensor names with their shapes", async () => {
    await page.goto("about:blank");
    await page.goto(`${base}#code=${compressToEncodedURIComponent(TWO_TOWER)}`);
    await page.locator('#model svg g[data-layer="concatenate"]').waitFor({ timeout: 30_000 });
    const boxes = await page.locator("#model svg g.layer").evaluateAll((gs) =>
      gs.map((g) => ({
        name: g.getAttribute("data-layer"),
        title: g.querySelector("text.title")?.textContent,
        shape: g.querySelector("text.shape")?.textContent,
        at: /translate\(([\d.]+),([\d.]+)\)/.exec(g.getAttribute("transform") ?? "")!.slice(1).map(Number),
      })),
    );
    expect(boxes.map((b) => [b.title, b.shape])).toEqual([
      ["left (Input)", "(None, 5)"],
      ["right (Input)", "(None, 3)"],
      ["dense (Dense)", "(None, 4) · 24 params"],
      ["dense_1 (Dense)", "(None, 4) · 16 params"],
      ["concatenate (Concatenate)", "(None, 8)"],
      ["dense_2 (Dense)", "(None, 1) · 9 params"],
    ]);
    const at = Object.fromEntries(boxes.map((b) => [b.name, b.at as [number, number]]));
    // the two inputs side by side on the top row, each branch below its input, the merge below both
    expect(at["left"]![1]).toBe(at["right"]![1]);
    expect(at["left"]![0]).not.toBe(at["right"]![0]);
    expect(at["dense"]![1]).toBeGreaterThan(at["left"]![1]);
    expect(at["concatenate"]![1]).toBeGreaterThan(at["dense"]![1]);
    expect(at["dense_2"]![1]).toBeGreaterThan(at["concatenate"]![1]);
    // edges: input → branch twice, both branches into the merge, merge → output
    const edges = await page.locator("#model svg line.edge").evaluateAll((ls) => ls.map((l) => ["x1", "y1", "x2", "y2"].map((k) => Number(l.getAttribute(k)))));
    expect(edges).toHaveLength(5);
    const into = (name: string) => edges.filter(([, , x2, y2]) => Math.abs(x2! - (at[name]![0] + 94)) < 1 && Math.abs(y2! - (at[name]![1] - 2)) < 1);
    const from = (name: string) => edges.filter(([x1, y1]) => Math.abs(x1! - (at[name]![0] + 94)) < 1 && Math.abs(y1! - (at[name]![1] + 46)) < 1);
    const key = (e: number[]) => e.join();
    expect(into("concatenate").map(key).sort()).toEqual([...from("dense"), ...from("dense_1")].map(key).sort());
    expect(into("concatenate")).toHaveLength(2);
    expect(from("left").map(key)).toEqual(into("dense").map(key));
    expect(from("right").map(key)).toEqual(into("dense_1").map(key));
    expect(from("concatenate").map(key)).toEqual(into("dense_2").map(key));
    expect(into("dense_2")).toHaveLength(1);
    await page.screenshot({ path: join(ARTIFACTS, "two-tower-graph.png") });
    // the editor's hover (the language server's module) knows the tensors' shapes
    const hb = await page.locator(".cm-line", { hasText: "Concatenate" }).evaluate((line) => {
      // the screen position of `hb` in `[ha, hb]`: a DOM range over the text node that holds it
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const at = n.textContent!.indexOf("hb]");
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(n, at);
        range.setEnd(n, at + 2);
        const r = range.getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }
      return null;
    });
    expect(hb).not.toBeNull();
    await page.mouse.move(hb!.x, hb!.y);
    const tip = page.locator(".hover-doc", { hasText: "tensor" });
    await tip.waitFor({ timeout: 15_000 });
    expect(await tip.textContent()).toContain("tensor hb → (None, 4)");
  }, 60_000);

  it("logged no console errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
