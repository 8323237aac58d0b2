/**
 * Limits are checked early (issue #10): the hostile resource cases end with
 * a clear limit diagnostic, quickly. Time is process CPU time (the test
 * pool runs one file per process), so a busy machine does not make the
 * check flaky; `npm run fuzz` (test/fuzz/limits.fuzz.ts) runs the same cases
 * in separate processes and also bounds their memory.
 */
import { describe, expect, it } from "vitest";
import { check, compile, formatDiagnostics, formatSpec } from "../src/index.js";
import { limitCases } from "./helpers/limit-cases.js";

const cpuMs = (f: () => unknown) => async () => {
  const before = process.cpuUsage();
  await f();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};

describe("limits", () => {
  it.each(limitCases().map((c) => [c.name, c] as const))("%s ends fast with its diagnostic", async (_name, c) => {
    let codes: string[] = [];
    const ms = await cpuMs(async () => {
      if (c.fmt) {
        const r = formatSpec(c.source);
        expect(r.text).toBeNull();
        codes = r.diagnostics.map((d) => d.code);
      } else {
        const r = await compile(c.source, c.options);
        // rendering is bounded too (16,000 positional arguments once crashed it)
        expect(formatDiagnostics(r.diagnostics, c.source).length).toBeLessThan(1_000_000);
        expect(r.code).toBeUndefined();
        codes = r.diagnostics.map((d) => d.code);
      }
    })();
    expect(codes).toContain(c.expect);
    expect(ms).toBeLessThan(2000);
  });

  it("a model just under the layer limit still checks in linear time", async () => {
    const ms = await cpuMs(() => check(`model M {\n  Dense(1, input_shape=(1,))\n${"  Dense(1)\n".repeat(1998)}}\n`))();
    expect(ms).toBeLessThan(2000);
  });
});
