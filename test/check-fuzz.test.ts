/**
 * The checker never throws on any input: mutations of valid specs and token
 * soups always come back as diagnostics with spans inside the file. Hostile
 * names are either rejected with a diagnostic or appear in generated code
 * only as checked identifiers.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check, compile } from "../src/index.js";
import { denseSpec } from "./helpers/spec-arbitrary.js";

const mutate = (text: string, edits: readonly { at: number; kind: number; ch: string }[]) => {
  let t = text;
  for (const e of edits) {
    const i = Math.floor(e.at * (t.length + 1));
    if (e.kind === 0) t = t.slice(0, i) + t.slice(i + 1);
    else if (e.kind === 1) t = t.slice(0, i) + e.ch + t.slice(i);
    else t = t.slice(0, i) + e.ch + t.slice(i + 1);
  }
  return t;
};

const soupToken = fc.constantFrom(
  "model", "M", "{", "}", "(", ")", "[", "]", ",", "=", "Dense", "Input", "Conv2D", "compile", "3", "-1", "2.5", "'relu'",
  "relu", "shape", "(4,)", "units", "True", "None", "\n", "loss", "'mse'", "optimizer", "Adam", "input_shape", "#c\n",
);

function assertSane(text: string) {
  const r = check(text);
  for (const d of r.diagnostics) {
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(d.span.start).toBeLessThanOrEqual(d.span.end);
    expect(typeof d.message).toBe("string");
  }
}

describe("check never throws", () => {
  it("on random edits of valid specs", () => {
    fc.assert(
      fc.property(denseSpec, fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), kind: fc.integer({ min: 0, max: 2 }), ch: fc.constantFrom(..."(),=[]{}'\"#-.0123456789aZ_ \n") }), { maxLength: 6 }), (spec, edits) => {
        assertSane(mutate(spec.source, edits));
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it("on token soups inside a model", () => {
    fc.assert(
      fc.property(fc.array(soupToken, { maxLength: 40 }), (tokens) => {
        assertSane(`model M {\n${tokens.join(" ")}\n}`);
        assertSane(tokens.join(" "));
      }),
      { numRuns: 400, seed: 8 },
    );
  });
});

describe("hostile names", () => {
  const hostile = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom("class", "ModelBase", "constructor", "__proto__", "a-b", "x\"; process.exit(1); //", "`${1}`", "\u2028", "toString", "Math", "p"),
  );
  it("never reach generated code unchecked", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (modelName, layerName) => {
        const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
        const src = `model ${/^[A-Za-z_]\w*$/.test(modelName) ? modelName : "M"} {\n  Dense(2, input_shape=(1,), name='${esc(layerName)}')\n}\n`;
        const r = await compile(src);
        if (r.code === undefined) {
          expect(r.diagnostics.some((d) => d.severity === "error")).toBe(true);
          return;
        }
        // accepted names are plain identifiers, so they cannot break out of an identifier or a string
        for (const m of r.models) {
          expect(m.name).toMatch(/^[A-Z][A-Za-z0-9_]*$/);
          for (const l of m.layers) expect(l.name).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
        }
        expect(r.code).not.toContain("process.exit");
      }),
      { numRuns: 150, seed: 9 },
    );
  });
});
