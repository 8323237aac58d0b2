/**
 * Watch-mode latency, by hand (never in tests):
 *
 *   npm run build && npx tsx bench/watch-latency.ts [--edits 60]
 *
 * Spawns the built CLI (`node bin/layerc.js watch <tmp>`) on a temp folder
 * holding the seed spec and a CNN spec, then edits each spec N times. Every
 * edit changes the generated module (hidden units of the seed, learning
 * rate of the CNN), so each one is a full compile and write. Latency is
 * save → new output on disk: the clock starts just before writeFileSync of
 * the spec and stops when the output file (watched with fs.watch on its
 * folder, confirmed by reading it) holds the edit's marker. Edits are spaced
 * 150 ms after the previous output, so each is measured alone.
 *
 * Also times a cold `layerc build` of a copy of examples/ (fresh process,
 * module loading included). Results go to bench/RESULTS.md under
 * "## Watch mode" (that section is replaced; the rest is kept).
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const repo = fileURLToPath(new URL("..", import.meta.url));
const cli = join(repo, "bin/layerc.js");
const argEdits = process.argv.indexOf("--edits");
const EDITS = argEdits > 0 ? Number(process.argv[argEdits + 1]) : 60;

const seedSpec = (i: number) => `# the seed network (edit ${i})
model Seed {
  Dense(${4 + (i % 2)}, input_shape=(1,), activation='relu', use_bias=True, bias_initializer='zeros')
  Dense(2, activation='softmax')
}
`;
const seedMarker = (i: number) => `paramCount: ${i % 2 ? 22 : 18},`;
const cnnRate = (i: number) => (0.01 + i * 0.0001).toFixed(4);
const cnnSpec = (i: number) => `# M3 CNN: 28×28×1 → Conv2D 8 3×3 → MaxPooling2D 2 → Flatten → Dense 10 (edit ${i})
model Cnn(seed=42) {
  Conv2D(8, (3, 3), input_shape=(28, 28, 1), padding='valid', activation='relu')
  MaxPooling2D(2)
  Flatten()
  Dense(10, activation='softmax')
  compile(optimizer=SGD(learning_rate=${cnnRate(i)}), loss='categorical_crossentropy')
}
`;
const cnnMarker = (i: number) => `learningRate: ${Number(cnnRate(i))},`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** Resolves when `file` contains `marker` (checked on every fs event in its folder, and every 250 ms as a fallback). */
function waitForContent(dir: string, file: string, marker: string, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      try {
        if (readFileSync(join(dir, file), "utf8").includes(marker)) {
          done(performance.now());
          return;
        }
      } catch {
        // not there yet
      }
    };
    const watcher = watch(dir, (_event, name) => {
      if (name === file) check();
    });
    const poll = setInterval(check, 250);
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out waiting for ${file} to contain ${JSON.stringify(marker)}`));
    }, timeoutMs);
    const finish = () => {
      watcher.close();
      clearInterval(poll);
      clearTimeout(timer);
    };
    const done = (t: number) => {
      finish();
      resolve(t);
    };
    check();
  });
}

async function measureWatch(): Promise<{ name: string; latencies: number[]; builds: number[] }[]> {
  const dir = mkdtempSync(join(tmpdir(), "layerc-watch-bench-"));
  writeFileSync(join(dir, "seed.nn"), seedSpec(0));
  writeFileSync(join(dir, "cnn.nn"), cnnSpec(0));
  const child = spawn(process.execPath, [cli, "watch", "."], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => process.stderr.write(s));
  try {
    const start = Date.now();
    while (!out.includes("watching 2 specs")) {
      if (Date.now() - start > 30_000) throw new Error(`watch did not start:\n${out}`);
      await sleep(20);
    }
    const results = [];
    for (const [name, spec, marker] of [
      ["seed.nn", seedSpec, seedMarker],
      ["cnn.nn", cnnSpec, cnnMarker],
    ] as const) {
      const latencies: number[] = [];
      // edit 1 is a warm-up (the first rebuild after the initial build), not counted
      for (let i = 1; i <= EDITS + 1; i++) {
        const output = `${name}.ts`;
        const arrived = waitForContent(dir, output, marker(i));
        const t0 = performance.now();
        writeFileSync(join(dir, name), spec(i));
        const t1 = await arrived;
        if (i > 1) latencies.push(t1 - t0);
        await sleep(150);
      }
      const builds = [...out.matchAll(new RegExp(`\\] ${name.replace(".", "\\.")} ✓ (\\d+) ms`, "g"))].map((m) => Number(m[1])).slice(2);
      results.push({ name, latencies, builds });
      process.stderr.write(`${name}: median ${fmt(quantile(latencies, 0.5))}, p95 ${fmt(quantile(latencies, 0.95))}\n`);
    }
    const leftovers = readdirSync(dir).filter((f) => f.includes("layerc-tmp"));
    if (leftovers.length) throw new Error(`temp files left behind: ${leftovers.join(", ")}`);
    return results;
  } finally {
    child.kill("SIGINT");
    await new Promise((r) => child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

function measureColdBuild(runs = 3): { ms: number[]; specs: number } {
  const ms: number[] = [];
  let specs = 0;
  for (let r = 0; r < runs; r++) {
    const dir = mkdtempSync(join(tmpdir(), "layerc-build-bench-"));
    const nn = readdirSync(join(repo, "examples")).filter((f) => f.endsWith(".nn"));
    specs = nn.length;
    for (const f of nn) copyFileSync(join(repo, "examples", f), join(dir, f));
    const t0 = performance.now();
    const res = spawnSync(process.execPath, [cli, "build", dir], { encoding: "utf8" });
    ms.push(performance.now() - t0);
    if (res.status !== 0) throw new Error(`layerc build failed:\n${res.stderr}`);
    rmSync(dir, { recursive: true, force: true });
  }
  return { ms, specs };
}

function writeResults(section: string): void {
  const file = join(repo, "bench/RESULTS.md");
  const old = existsSync(file) ? readFileSync(file, "utf8") : "# layerc benchmark results\n";
  const start = old.indexOf("\n## Watch mode\n");
  let rest = old;
  if (start >= 0) {
    const next = old.indexOf("\n## ", start + 1);
    rest = old.slice(0, start) + (next >= 0 ? old.slice(next) : "\n");
  }
  writeFileSync(file, `${rest.trimEnd()}\n\n${section.trimEnd()}\n`);
}

const loadStart = loadavg();
const watchResults = await measureWatch();
const cold = measureColdBuild();
const loadEnd = loadavg();
const rows = watchResults.map(({ name, latencies, builds }) => {
  const med = quantile(latencies, 0.5);
  const p95 = quantile(latencies, 0.95);
  const ok = med < 100 && p95 < 200 ? "met" : "**missed**";
  return `| ${name} | ${latencies.length} | ${fmt(med)} | ${fmt(p95)} | ${fmt(Math.min(...latencies))} – ${fmt(Math.max(...latencies))} | ${builds.length ? `${quantile(builds, 0.5)} ms` : "n/a"} | ${ok} |`;
});
const section = `## Watch mode

Generated by \`bench/watch-latency.ts\` — rerun instead of editing.

| | |
|---|---|
| date | ${new Date().toISOString()} |
| command | \`npm run build && npx tsx bench/watch-latency.ts --edits ${EDITS}\` |
| machine | ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, node ${process.version} |
| load average (1 min) | start ${loadStart[0]!.toFixed(2)}, end ${loadEnd[0]!.toFixed(2)} |
| protocol | \`node bin/layerc.js watch <tmp>\` on a folder with the seed spec and the M3 CNN spec; ${EDITS} edits of each (plus one warm-up), each changing the generated module; latency = \`writeFileSync(spec)\` → output file holds the edit (fs.watch on its folder, confirmed by reading); 150 ms between edits. Includes the 30 ms debounce. |

Targets: median < 100 ms, p95 < 200 ms.

| spec | edits | median | p95 | min – max | compile+write (median, as printed by watch) | target |
|---|---|---|---|---|---|---|
${rows.join("\n")}

Cold \`layerc build\` of the ${cold.specs} specs in examples/ (a fresh \`node bin/layerc.js build\` process each run, module loading included): ${cold.ms.map(fmt).join(", ")} (median ${fmt(quantile(cold.ms, 0.5))}).
`;
writeResults(section);
process.stdout.write(section);
