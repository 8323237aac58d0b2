/**
 * One limit case in its own process (for test/fuzz/limits.fuzz.ts): prints
 * its time (wall and CPU), codes, statements and peak memory as JSON.
 * `budget` as the second argument runs a budgetCases() model instead.
 */
import { compile, formatDiagnostics, formatSpec } from "../../src/index.js";
import { budgetCases, limitCases } from "../helpers/limit-cases.js";

const budget = process.argv[3] === "budget";
const c = budget ? { ...budgetCases()[Number(process.argv[2])]!, fmt: false, options: undefined } : limitCases()[Number(process.argv[2])]!;
// a budget case measures the model, not loading the emitter (about 0.5 s of start-up, paid once per process)
if (budget) await compile("model W {\n  Dense(1, input_shape=(2,))\n}\n");
const rssBefore = process.resourceUsage().maxRSS;
const t = performance.now();
const cpu = process.cpuUsage();
let codes: string[];
let statements = 0;
if (c.fmt) codes = formatSpec(c.source).diagnostics.map((d) => d.code);
else {
  const r = await compile(c.source, c.options);
  formatDiagnostics(r.diagnostics, c.source);
  codes = r.diagnostics.map((d) => d.code);
  statements = r.code === undefined ? 0 : r.stats!.reduce((n, m) => n + m.statements, 0);
}
const ms = performance.now() - t;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, codes, statements, maxRssMB: process.resourceUsage().maxRSS / 1024, baseRssMB: rssBefore / 1024 }));
