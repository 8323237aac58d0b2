/**
 * Soak: every resource case of issue #10 (test/helpers/limit-cases.ts) in
 * its own Node process, `--max-old-space-size=500`: each must end with its
 * limit diagnostic in under 2 s of CPU time (compile and render, after
 * start-up; the first compile loads the emitter, about 0.5 s) and
 * under 500 MB peak resident memory. Then every model of budgetCases (at
 * the default statement budget) must compile in about 2 s of CPU time
 * after start-up (the check allows 3 s: the machine is shared, and tsx
 * runs the sources a little slower than the built package) and under
 * 500 MB.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { budgetCases, limitCases } from "../helpers/limit-cases.js";
import { defaultLimits } from "../../src/index.js";
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
    const o = JSON.parse(r.stdout) as { ms: number; cpuMs: number; codes: string[]; maxRssMB: number };
    lines.push(`${c.name}: ${o.cpuMs.toFixed(0)} ms CPU (${o.ms.toFixed(0)} ms wall), peak ${o.maxRssMB.toFixed(0)} MB, ${o.codes.includes(c.expect) ? c.expect : o.codes.join(",")}`);
    if (!o.codes.includes(c.expect)) failures.push(`${c.name}: ended with ${o.codes.join(", ")}, not ${c.expect}`);
    // CPU time: on the shared machine wall time mostly measures the other processes
    if (o.cpuMs >= 2000) failures.push(`${c.name}: ${o.cpuMs.toFixed(0)} ms CPU`);
    if (o.maxRssMB >= 500) failures.push(`${c.name}: peak ${o.maxRssMB.toFixed(0)} MB`);
  }
  const budget = budgetCases();
  for (const [i, c] of budget.entries()) {
    const r = spawnSync(process.execPath, ["--max-old-space-size=500", "--import", "tsx", join(import.meta.dirname, "limit-child.ts"), String(i), "budget"], { encoding: "utf8", timeout: 300_000 });
    if (r.status !== 0) {
      failures.push(`${c.name}: exit ${r.status} ${r.signal ?? ""} ${r.stderr.slice(-300)}`);
      continue;
    }
    const o = JSON.parse(r.stdout) as { ms: number; cpuMs: number; codes: string[]; statements: number; maxRssMB: number };
    lines.push(`${c.name}: ${o.statements} statements, ${o.cpuMs.toFixed(0)} ms CPU (${o.ms.toFixed(0)} ms wall), peak ${o.maxRssMB.toFixed(0)} MB`);
    if (o.codes.length > 0) failures.push(`${c.name}: ended with ${o.codes.join(", ")}`);
    if (c.statements !== undefined && o.statements !== c.statements) failures.push(`${c.name}: ${o.statements} statements, not ${c.statements}`);
    if (o.statements > defaultLimits.maxStatements) failures.push(`${c.name}: ${o.statements} statements, over the budget`);
    if (o.cpuMs >= 3000) failures.push(`${c.name}: ${o.cpuMs.toFixed(0)} ms CPU`);
    if (o.maxRssMB >= 500) failures.push(`${c.name}: peak ${o.maxRssMB.toFixed(0)} MB`);
  }
  return {
    name: "limits",
    tried: `${cases.length} resource cases and ${budget.length} models at the statement budget, one process each:\n    ${lines.join("\n    ")}`,
    failures,
  };
}
