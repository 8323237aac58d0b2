/** One limit case in its own process (for test/fuzz/limits.fuzz.ts): prints its time, codes and peak memory as JSON. */
import { compile, formatDiagnostics, formatSpec } from "../../src/index.js";
import { limitCases } from "../helpers/limit-cases.js";

const c = limitCases()[Number(process.argv[2])]!;
const rssBefore = process.resourceUsage().maxRSS;
const t = performance.now();
let codes: string[];
if (c.fmt) codes = formatSpec(c.source).diagnostics.map((d) => d.code);
else {
  const r = await compile(c.source, c.options);
  formatDiagnostics(r.diagnostics, c.source);
  codes = r.diagnostics.map((d) => d.code);
}
const ms = performance.now() - t;
process.stdout.write(JSON.stringify({ ms, codes, maxRssMB: process.resourceUsage().maxRSS / 1024, baseRssMB: rssBefore / 1024 }));
