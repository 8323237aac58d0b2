/**
 * Soak: every resource case of issue #10 (test/helpers/limit-cases.ts) in
 * its own Node process, `--max-old-space-size=500`: each must end with its
 * limit diagnostic in under 2 s (compile and render, after start-up) and
 * under 500 MB peak resident memory.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { limitCases } from "../helpers/limit-cases.js";
import type { FuzzReport } from "./report.js";

export function fuzzLimits(): FuzzReport {
  const failures: string[] = [];
  const lines: string[] = [];
  const cases = limitCases();
  for (const [i, c] of cases.entries()) {
    const r = spawnSync(process.execPath, ["--max-old-space-size=500", "--import", "tsx", join(import.meta.dirname, "limit-child.ts"), String(i)], { encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) {
      failures.push(`${c.name}: exit ${r.status} ${r.signal ?? ""} ${r.stderr.slice(-300)}`);
      continue;
    }
    const o = JSON.parse(r.stdout) as { ms: number; codes: string[]; maxRssMB: number };
    lines.push(`${c.name}: ${o.ms.toFixed(0)} ms, peak ${o.maxRssMB.toFixed(0)} MB, ${o.codes.includes(c.expect) ? c.expect : o.codes.join(",")}`);
    if (!o.codes.includes(c.expect)) failures.push(`${c.name}: ended with ${o.codes.join(", ")}, not ${c.expect}`);
    if (o.ms >= 2000) failures.push(`${c.name}: ${o.ms.toFixed(0)} ms`);
    if (o.maxRssMB >= 500) failures.push(`${c.name}: peak ${o.maxRssMB.toFixed(0)} MB`);
  }
  return { name: "limits", tried: `${cases.length} resource cases, one process each:\n    ${lines.join("\n    ")}`, failures };
}
