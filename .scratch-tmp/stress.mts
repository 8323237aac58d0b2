import fc from "fast-check";
import { printedFileArb, printFile } from "../test/helpers/nn-arbitrary.ts";
import { stripSpans } from "../test/helpers/ast-tools.ts";
import { formatSpec } from "../src/phases/fmt/format.ts";
import { parseSource } from "../src/phases/1-parse/index.ts";
import { isDeepStrictEqual } from "node:util";
const structure = (t: string) => { const { ast } = parseSource(t); return stripSpans({ ...ast, comments: ast.comments.map((c) => ({ ...c, text: c.text.trimEnd() })) }); };
fc.assert(fc.property(printedFileArb, ({ file, seed, comments }) => {
  const p = printFile(file, seed, comments);
  const r = parseSource(p.text);
  if (r.diagnostics.length) throw new Error("diag " + JSON.stringify(r.diagnostics));
  if (!isDeepStrictEqual(stripSpans(r.ast), { ...file, comments: p.comments.map((text) => ({ text })) })) throw new Error("parse mismatch");
  const once = formatSpec(p.text).text!;
  const twice = formatSpec(once).text;
  if (once !== twice) throw new Error("not idempotent\n" + JSON.stringify(p.text) + "\n" + once + "\n----\n" + twice);
  if (!isDeepStrictEqual(structure(once), structure(p.text))) throw new Error("fmt changed structure");
}), { numRuns: 20000 });
console.log("ok");
