// Cold start of the CLI, side by side with the anchors the issue names (tsc, prettier, esbuild):
// every run is a fresh `node` process, as a user's shell would start it. Medians and spread
// over N runs; run with `npm run bench:cli` (builds first). Targets (issue #17): `layerc
// --version` < 150 ms, `layerc check` of the seed spec < 300 ms.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 15);
const bin = (rel) => join(root, rel);

const cases = [
  ["node -e 0 (floor)", ["-e", "0"]],
  ["layerc --version", [bin("bin/layerc.js"), "--version"]],
  ["layerc --help", [bin("bin/layerc.js"), "--help"]],
  ["layerc check examples/seed.nn", [bin("bin/layerc.js"), "check", bin("examples/seed.nn")]],
  ["layerc build examples/seed.nn (to a temp dir)", [bin("bin/layerc.js"), "build", bin("examples/seed.nn"), "--out-dir", join(root, "bench", ".tmp-cli")]],
  ["tsc --version", [bin("node_modules/typescript/bin/tsc"), "--version"]],
  ["prettier --version", [bin("node_modules/prettier/bin/prettier.cjs"), "--version"]],
  ["esbuild --version (native binary)", [bin("node_modules/esbuild/bin/esbuild"), "--version"], true],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`CLI cold start, ${runs} runs each (ms: median [min–max])`);
for (const [name, args, native] of cases) {
  const times = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = process.hrtime.bigint();
    const r = native ? spawnSync(args[0], args.slice(1), { cwd: root, encoding: "utf8" }) : spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
    if (i > 0) times.push(ms); // the first run warms the file cache
  }
  console.log(`${name.padEnd(48)} ${median(times).toFixed(0).padStart(5)}  [${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)}]`);
}
