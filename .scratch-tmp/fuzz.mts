import fc from "fast-check";
import { parseSource } from "../src/phases/1-parse/index.ts";
import { formatSpec } from "../src/phases/fmt/format.ts";
import { allSpans } from "../test/helpers/ast-tools.ts";
import { languageExamples } from "../test/helpers/language-examples.ts";
function check(text: string) {
  const { ast, diagnostics } = parseSource(text);
  for (const s of [...diagnostics.map((d) => d.span), ...allSpans(ast)]) if (!(s.start >= 0 && s.start <= s.end && s.end <= text.length)) throw new Error("span " + JSON.stringify(s));
  const f = formatSpec(text);
  if (f.text !== null) { const again = formatSpec(f.text); if (again.text !== f.text) throw new Error("idem " + JSON.stringify(text)); }
}
const fragments = ["model", "models", "A", "Dense", "relu", "(", ")", "[", "]", "{", "}", ",", "=", "4", "-2.5", "1e-3", ".5", "1.", "'x'", '"y"', "'", '"', "'a\\'b'", "'\\n'", "\\", "#c\n", "//c\n", "/", "True", "false", "None", "null", " ", "\n", "\r\n", "\t", "@", "-", "😀", "é", "\u00a0", "\u2028", "\0", "\r", "\f", "# x", "\n\n"];
const soup = fc.array(fc.constantFrom(...fragments), { maxLength: 80 }).map((xs) => xs.join(""));
fc.assert(fc.property(soup, check), { numRuns: 100000 });
fc.assert(fc.property(fc.string({ maxLength: 300 }), check), { numRuns: 20000 });
const ex = fc.constantFrom(...Object.values(languageExamples));
fc.assert(fc.property(ex, fc.array(fc.record({ at: fc.nat(), t: fc.constantFrom(...fragments), op: fc.nat(2) }), { maxLength: 10 }), (e, eds) => {
  let s = e; for (const d of eds) { const i = d.at % (s.length || 1); s = d.op === 0 ? s.slice(0, i) + s.slice(i + 1) : d.op === 1 ? s.slice(0, i) + d.t + s.slice(i) : s.slice(0, i) + (s[i + 1] ?? "") + (s[i] ?? "") + s.slice(i + 2); }
  check(s);
}), { numRuns: 50000 });
console.log("ok");
