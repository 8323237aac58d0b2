import fc from "fast-check";
import { printedFileArb, printFile } from "/work/main/test/helpers/nn-arbitrary.ts";
import { formatSpec } from "/work/main/src/phases/fmt/format.ts";
const samples = fc.sample(printedFileArb, { numRuns: 40, seed: 42 });
let shown = 0;
for (const s of samples) { const p = printFile(s.file, s.seed, s.comments); if (p.comments.length > 1 && shown < 2) { shown++; console.log("=====\n" + JSON.stringify(p.text).slice(0, 1500)); console.log("---\n" + formatSpec(p.text).text); } }
