import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSource } from "../src/phases/1-parse/index.js";
import { formatSpec } from "../src/phases/fmt/format.js";
import { stripSpans } from "./helpers/ast-tools.js";
import { languageExamples } from "./helpers/language-examples.js";
import { printedFileArb, printFile } from "./helpers/nn-arbitrary.js";

function fmt(text: string): string {
  const r = formatSpec(text);
  expect(r.diagnostics).toEqual([]);
  if (r.text === null) throw new Error("fmt refused valid input");
  return r.text;
}

/** Parse result compared structurally: no spans, strings by value, comments trimmed. */
function structure(text: string): unknown {
  const { ast } = parseSource(text);
  return stripSpans({ ...ast, comments: ast.comments.map((c) => ({ ...c, text: c.text.trimEnd() })) });
}

const lines = (...ls: string[]) => `${ls.join("\n")}\n`;

describe("fmt layout", () => {
  it.each(Object.entries(languageExamples))("leaves the LANGUAGE.md %s example unchanged", (_, text) => {
    expect(fmt(text)).toBe(text);
  });

  it.each<[string, string, string]>([
    ["indents one statement per line", "model A { Dense(4) Flatten Dense(2) }", lines("model A {", "  Dense(4)", "  Flatten", "  Dense(2)", "}")],
    [
      "normalizes spacing in calls and values",
      "model  A ( seed = 7 ) {\nDense( 4,activation = 'relu' ,input_shape=( 1 , ) )\n}",
      lines("model A(seed=7) {", "  Dense(4, activation='relu', input_shape=(1,))", "}"),
    ],
    [
      "prints functional lines: assignments, applications, Model(...)",
      "model A {\n  x=Input(shape=(4,))\n  h =Dense( 8 )( x )\n  s = Add()( [x,h] ,)\n  shared=Dense(2)\n  y= shared(s)\n  model = Model(inputs=x , outputs=[y])\n}",
      lines("model A {", "  x = Input(shape=(4,))", "  h = Dense(8)(x)", "  s = Add()([x, h])", "  shared = Dense(2)", "  y = shared(s)", "  model = Model(inputs=x, outputs=[y])", "}"),
    ],
    [
      "prints layer calls nested in values and dict literals",
      "model A {\n  s = Add()( [Dense( 4 )( x ),y] )\n  compile(loss={ 'out' : 'mse','aux':'mae', }, loss_weights = {})\n}",
      lines("model A {", "  s = Add()([Dense(4)(x), y])", "  compile(loss={'out': 'mse', 'aux': 'mae'}, loss_weights={})", "}"),
    ],
    [
      "drops trailing commas after statements, args and items",
      "model A {\n  Dense(4, activation='relu',),\n  Dense(2),\n  f([1, 2,], (3, 4,)),\n}",
      lines("model A {", "  Dense(4, activation='relu')", "  Dense(2)", "  f([1, 2], (3, 4))", "}"),
    ],
    ["keeps bare statements bare and empty parens empty", "model A {\nFlatten\nFlatten()\n}", lines("model A {", "  Flatten", "  Flatten()", "}")],
    ["prints tuples Python-style and unwraps (x)", "model A { f((1,), (3,3), (), (4), [ ]) }", lines("model A {", "  f((1,), (3, 3), (), 4, [])", "}")],
    ["keeps number, boolean and None spellings", "model A { f(1e-3, -2.5, .5, true, False, null) }", lines("model A {", "  f(1e-3, -2.5, .5, true, False, null)", "}")],
    [
      "prefers single quotes, double when the string holds a single quote",
      String.raw`model A { f("relu", "it's", 'say "hi"', "both ' \"", 'a\\b') }`,
      lines("model A {", String.raw`  f('relu', "it's", 'say "hi"', 'both \' "', 'a\\b')`, "}"),
    ],
    ["drops `()` after a model without options", "model A() {\n  Flatten\n}", lines("model A {", "  Flatten", "}")],
    ["prints an empty model on one line", "model A {\n\n}", lines("model A {}")],
    ["separates models by one blank line", "model A {}\n\n\n\nmodel B {} model C {}", lines("model A {}", "", "model B {}", "", "model C {}")],
    [
      "collapses blank lines inside a block, none after { or before }",
      "model A {\n\n\n  Dense(4)\n\n\n\n  Dense(2)\n  Dense(1)\n\n}\n\n\n",
      lines("model A {", "  Dense(4)", "", "  Dense(2)", "  Dense(1)", "}"),
    ],
    ["formats an empty file to nothing", "\n\n  \n", ""],
    ["normalizes CRLF line ends", "model A {\r\n  Dense(4)\r\n}\r\n", lines("model A {", "  Dense(4)", "}")],
  ])("%s", (_, input, expected) => {
    expect(fmt(input)).toBe(expected);
  });
});

describe("fmt comments", () => {
  it.each<[string, string, string]>([
    [
      "keeps whole-line comments at the block's indentation",
      "# file\nmodel A {\n# first\n      # second\n  Dense(4)\n        // last\n}\n# end",
      lines("# file", "model A {", "  # first", "  # second", "  Dense(4)", "  // last", "}", "# end"),
    ],
    [
      "keeps trailing comments after two spaces",
      "model A {   # header\n  Dense(4)# units\n  Flatten,      // flat\n}    # close",
      lines("model A {  # header", "  Dense(4)  # units", "  Flatten  // flat", "}  # close"),
    ],
    [
      "hoists comments inside a multi-line statement above it",
      "model A {\n  Dense(4,  # units\n     # why relu\n     activation='relu',\n  )  # done\n}",
      lines("model A {", "  # units", "  # why relu", "  Dense(4, activation='relu')  # done", "}"),
    ],
    [
      "hoists comments inside a multi-line header above the model",
      "model A(  # opts\n  seed=1,\n) {\n  Flatten\n}",
      lines("# opts", "model A(seed=1) {", "  Flatten", "}"),
    ],
    ["keeps an empty model's comments inside it", "model A {  # h\n}\nmodel B {\n  # nothing yet\n}", lines("model A {  # h", "}", "", "model B {", "  # nothing yet", "}")],
    ["keeps a trailing comment on a one-line empty model", "model A {} # empty", lines("model A {}  # empty")],
    [
      "keeps single blank lines around comments, collapses runs",
      "# a\n\n\n# b\nmodel A {\n  Dense(4)\n\n\n  # c\n\n  Dense(2)\n  # d\n\n}\n\n\n# e",
      lines("# a", "", "# b", "model A {", "  Dense(4)", "", "  # c", "", "  Dense(2)", "  # d", "}", "", "# e"),
    ],
    [
      "puts a blank line between models even with comments between them",
      "model A {}\n# about B\nmodel B {}",
      lines("model A {}", "", "# about B", "model B {}"),
    ],
    ["trims trailing spaces in comments", "# a   \nmodel A {}  # b \t", lines("# a", "model A {}  # b")],
  ])("%s", (_, input, expected) => {
    const out = fmt(input);
    expect(out).toBe(expected);
    expect(fmt(out)).toBe(out);
  });
});

describe("fmt refuses broken input", () => {
  it.each(["model A { Dense(4 }", "model A { Dense('x) }", "model A { @ }", "model A {", "Dense(4)"])("%j", (text) => {
    const r = formatSpec(text);
    expect(r.text).toBeNull();
    expect(r.diagnostics.length).toBeGreaterThan(0);
  });
});

describe("fmt properties", () => {
  it("is idempotent and preserves the parse on generated files", () => {
    fc.assert(
      fc.property(printedFileArb, ({ file, seed, comments }) => {
        const source = printFile(file, seed, comments).text;
        const once = fmt(source);
        expect(fmt(once)).toBe(once);
        expect(structure(once)).toEqual(structure(source));
        expect(once === "" || (once.endsWith("\n") && !once.endsWith("\n\n"))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
