/**
 * `npm run fuzz`: the long fuzz and soak runs of issue #10, one per class
 * (`npm test` runs the fast versions). Prints what each tried and every
 * failure; exits 1 if any failed. `--quick` runs smaller draws.
 *
 *   npm run fuzz            # about 10 minutes on an idle 2-core machine
 *   npm run fuzz -- --quick
 */
import { fuzzArgs } from "./args.fuzz.js";
import { fuzzLimits } from "./limits.fuzz.js";
import { fuzzNames } from "./names.fuzz.js";
import { fuzzRuntime } from "./runtime.fuzz.js";
import { soakWatch } from "./watch.fuzz.js";
import type { FuzzReport } from "./report.js";

const quick = process.argv.includes("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const runs: [string, () => Promise<FuzzReport> | FuzzReport][] = [
  ["arguments", () => fuzzArgs(quick ? 300 : 3000)],
  ["names", () => fuzzNames(quick ? 40 : 300)],
  ["limits", () => fuzzLimits()],
  ["runtime", () => fuzzRuntime(quick ? 100 : 1000)],
  ["watch", () => soakWatch(quick ? 12 : 120)],
];
let failed = 0;
for (const [name, run] of runs) {
  if (only !== undefined && only !== name) continue;
  const t = performance.now();
  const r = await run();
  const s = ((performance.now() - t) / 1000).toFixed(0);
  console.log(`${r.name}: ${r.tried} — ${r.failures.length} failures (${s} s)`);
  for (const f of r.failures.slice(0, 20)) console.log(`  FAIL ${f}`);
  failed += r.failures.length;
}
process.exit(failed > 0 ? 1 : 0);
