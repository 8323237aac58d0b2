/**
 * Every argument position of every call (layer schemas from the registry,
 * Input, model options, initializers, optimizers, losses, compile) with
 * every kind of value: check answers with diagnostics and never fails
 * inside (no exception, no internal_error); accepted specs compile. The
 * full matrix (all value kinds, compile and type-check of every accepted
 * spec) is `npm run fuzz` (test/fuzz/args.fuzz.ts).
 */
import { describe, expect, it } from "vitest";
import { check, compile } from "../src/index.js";
import { argCases, valueKinds } from "./helpers/arg-matrix.js";

// a spread of kinds: numbers (bad range, non-finite), strings (hostile), names, tuples, calls
const fast = ["1e309", "'\u001b[2J\u0007'", "dense1", "(2, 2)", "f(x=1, 2)"];

describe("argument matrix", () => {
  it("covers every value kind used by the fuzzer", () => {
    for (const v of fast) expect(valueKinds).toContain(v);
  });

  it("check reports, never throws, for every argument position × value kind", () => {
    const cases = argCases(fast);
    expect(cases.length).toBeGreaterThan(1000);
    let accepted = 0;
    for (const c of cases) {
      const r = check(c.source);
      const internal = r.diagnostics.find((d) => d.code === "internal_error");
      expect(internal, `${c.label}\n${c.source}`).toBeUndefined();
      for (const d of r.diagnostics) {
        expect(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= c.source.length, c.label).toBe(true);
      }
      if (!r.diagnostics.some((d) => d.severity === "error")) accepted++;
    }
    // the matrix is not all rejections: valid values at valid positions pass
    expect(accepted).toBeGreaterThan(20);
  });

  it("a non-string layer name is a type error, not a crash", () => {
    const r = check("model M {\n  Dense(1, input_shape=(1,), name=dense1)\n}\n");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["arg_type"]);
    expect(r.diagnostics[0]!.message).toContain("`name` expects a string");
  });

  it("accepted specs of the matrix compile", async () => {
    const accepted = argCases(["2", "None"]).filter((c) => !check(c.source).diagnostics.some((d) => d.severity === "error"));
    // every 15th, spread over layers and vocabularies
    const sample = accepted.filter((_, i) => i % 25 === 0);
    expect(sample.length).toBeGreaterThan(5);
    for (const c of sample) {
      const r = await compile(c.source);
      expect(r.code, `${c.label}: ${r.diagnostics.map((d) => d.message).join("; ")}`).toBeDefined();
    }
  });
});
