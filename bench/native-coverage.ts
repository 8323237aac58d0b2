/**
 * Which layer kinds and configurations run as native (WebAssembly) kernels
 * and which as TypeScript loops, in float32 models with native kernels, read
 * from the plan and the generated code (test/helpers/native-coverage.ts).
 * Each case is one layer under test between an input and a small Dense head,
 * at the sizes Keras users write (MNIST-like images, 100-step sequences).
 *
 *   node --import tsx bench/native-coverage.ts [filter]
 *
 * Columns: inference forward, training forward, backward; "native a: op"
 * names the kernels called, "loops a: op" the native-capable statements left
 * as loops (below the threshold or not eligible), "TS" other TypeScript work.
 */
import { COVERAGE_CASES, nativeCoverage, phaseText, underTest } from "../test/helpers/native-coverage.js";

const filter = process.argv[2];
console.log("| case | layer | forward (inference) | forward (training) | backward |\n| --- | --- | --- | --- | --- |");
for (const [name, source] of Object.entries(COVERAGE_CASES)) {
  if (filter !== undefined && !name.includes(filter)) continue;
  const rows = await nativeCoverage(source);
  for (const r of underTest(source, rows)) {
    if (r.kind === "Flatten") continue;
    console.log(`| ${name} | ${r.label} (${r.kind}) | ${phaseText(r.forward)} | ${phaseText(r.train)} | ${phaseText(r.backward)} |`);
  }
}
