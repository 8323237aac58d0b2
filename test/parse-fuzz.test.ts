/**
 * Robustness properties: parseSource and formatSpec are total. On random
 * strings, token soups and random edits of the LANGUAGE.md examples they
 * never throw, every diagnostic and AST span lies inside the text, and
 * whatever fmt accepts it prints as a file that parses cleanly.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSource } from "../src/phases/1-parse/index.js";
import { formatSpec } from "../src/phases/fmt/format.js";
import { allSpans } from "./helpers/ast-tools.js";
import { languageExamples } from "./helpers/language-examples.js";

function checkTotal(text: string): void {
  const { ast, diagnostics } = parseSource(text);
  // Plain filtering first: thousands of expect() calls per run would dominate the test time.
  const spans = [...diagnostics.map((d) => d.span), ...allSpans(ast)];
  expect(spans.filter((s) => !(s.start >= 0 && s.start <= s.end && s.end <= text.length))).toEqual([]);
  expect(diagnostics.length).toBeLessThanOrEqual(51);
  const formatted = formatSpec(text);
  expect(formatted.text === null).toBe(diagnostics.some((d) => d.severity === "error"));
  if (formatted.text !== null) expect(parseSource(formatted.text).diagnostics).toEqual([]);
}

const fragments = [
  "model", "models", "A", "Dense", "relu", "(", ")", "[", "]", "{", "}", ",", "=", "4", "-2.5", "1e-3", ".5", "1.",
  "'x'", '"y"', "'", '"', "'a\\'b'", "'\\n'", "\\", "#c\n", "//c\n", "/", "True", "false", "None", "null", " ", "\n",
  "\r\n", "\t", "@", "-", "😀", "é", "\u00a0", "\u2028", "\0",
];
const soupArb = fc.array(fc.constantFrom(...fragments), { maxLength: 60 }).map((xs) => xs.join(""));

type Edit = { op: "delete" | "insert" | "swap"; at: number; text: string };
const editArb: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom("delete", "insert", "swap"),
  at: fc.nat(),
  text: fc.constantFrom(...fragments),
});

function applyEdits(source: string, edits: readonly Edit[]): string {
  let s = source;
  for (const e of edits) {
    const i = s.length === 0 ? 0 : e.at % s.length;
    if (e.op === "delete") s = s.slice(0, i) + s.slice(i + 1);
    else if (e.op === "insert") s = s.slice(0, i) + e.text + s.slice(i);
    else if (i + 1 < s.length) s = s.slice(0, i) + s[i + 1]! + s[i]! + s.slice(i + 2);
  }
  return s;
}

const exampleArb = fc.constantFrom(...Object.values(languageExamples));
const runs = { numRuns: 200 };

describe("parseSource and formatSpec are total", () => {
  it("on random strings", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), checkTotal), runs);
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 100 }), checkTotal), runs);
  });

  it("on token soups", () => {
    fc.assert(fc.property(soupArb, checkTotal), runs);
  });

  it("on random edits of the LANGUAGE.md examples", () => {
    fc.assert(
      fc.property(exampleArb, fc.array(editArb, { minLength: 1, maxLength: 8 }), (example, edits) => {
        checkTotal(applyEdits(example, edits));
      }),
      runs,
    );
  });

  it("on concatenations of the examples with soups", () => {
    fc.assert(
      fc.property(exampleArb, soupArb, exampleArb, (a, soup, b) => {
        checkTotal(a + soup + b);
      }),
      runs,
    );
  });
});
