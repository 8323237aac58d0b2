/**
 * Hardening of the front end (issue #10): user text is rendered visibly
 * (no terminal control from a spec), long lines and many diagnostics stay
 * bounded, fmt keeps comments split by a lone CR apart and has the same
 * size limit as check, and API options are validated.
 */
import { describe, expect, it } from "vitest";
import { check, compile, formatDiagnostics, formatSpec, parse } from "../src/index.js";

describe("diagnostics render user text visibly", () => {
  it("escapes control characters, separators and bidi overrides in messages and code frames", () => {
    const source = "model M {\n  Dense(2, input_shape=(1,), activation='re\u001b[2J\u0007lu\u202e\r')\n}\n";
    const r = check(source, { fileName: "bad\u001b.nn" });
    expect(r.diagnostics.length).toBeGreaterThan(0);
    const text = formatDiagnostics(r.diagnostics, source);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(text).toContain("\\u{1b}[2J\\u{7}lu\\u{202e}\\u{d}");
    expect(text).toContain("bad\\u{1b}.nn");
    // the carets still sit under the value: same display column as its first character
    const lines = text.split("\n");
    const code = lines.findIndex((l) => l.includes("activation="));
    const col = lines[code]!.indexOf("'re");
    expect(lines[code + 1]!.indexOf("^")).toBe(col);
  });

  it("cuts very long lines to a window around the span", () => {
    const filler = "Dense(1), ".repeat(1500);
    const source = `model M { ${filler}Dense(x) }\n`;
    const text = formatDiagnostics(check(source).diagnostics, source);
    expect(text.length).toBeLessThan(20_000);
    const lines = text.split("\n");
    const code = lines.findIndex((l) => l.includes("Dense(x)"));
    expect(lines[code + 1]!.indexOf("^")).toBe(lines[code]!.indexOf("x)"));
  });

  it("caps diagnostics per file, keeping an error visible", () => {
    const source = `model M {\n${"  Dense(x)\n".repeat(400)}}\n`;
    const r = check(source);
    expect(r.diagnostics.length).toBe(101);
    expect(r.diagnostics.at(-1)!.code).toBe("file_too_many_diagnostics");
    expect(r.diagnostics.at(-1)!.message).toContain("300 more");
    expect(r.diagnostics.some((d) => d.severity === "error")).toBe(true);
  });
});

describe("fmt", () => {
  it("keeps two comments separated by a lone CR on two lines", () => {
    const r = formatSpec("model M {\n  Dense(2, input_shape=(1,))  # one\r# two\n}\n");
    expect(r.text).toBe("model M {\n  Dense(2, input_shape=(1,))  # one\n  # two\n}\n");
    expect(formatSpec(r.text!).text).toBe(r.text);
  });

  it("counts CR and CRLF line breaks for blank lines", () => {
    const r = formatSpec("model M {\r  Dense(2, input_shape=(1,))\r\r  Dense(1)\r}\r");
    expect(r.text).toBe("model M {\n  Dense(2, input_shape=(1,))\n\n  Dense(1)\n}\n");
  });

  it("refuses a file above the size limit before parsing", () => {
    const big = `model M {\n${"  Dense(1)\n".repeat(120_000)}}\n`;
    const t = performance.now();
    const r = formatSpec(big);
    expect(performance.now() - t).toBeLessThan(500);
    expect(r.text).toBeNull();
    expect(r.diagnostics.map((d) => d.code)).toEqual(["file_too_large"]);
    expect(formatSpec("model M {\n  Dense(1, input_shape=(1,))\n}\n", { limits: { maxFileBytes: 10 } }).text).toBeNull();
  });
});

describe("API options", () => {
  const src = "model M {\n  Dense(1, input_shape=(1,))\n}\n";
  it.each([
    ["unroll", { unroll: "fast" }],
    ["limits", { limits: { maxParams: "10" } }],
    ["limits", { limits: { maxParms: 10 } }],
    ["limits", { limits: { maxParams: Number.NaN } }],
    ["runtimeImport", { runtimeImport: "layerc/runtime\n;process.exit(1)" }],
    ["runtimeImport", { runtimeImport: "" }],
    ["banner", { banner: 3 }],
    ["silence", { silence: "loss_activation_mismatch" }],
    ["wasm", { wasm: "no" }],
  ])("a bad %s is a TypeError naming it", async (name, opts) => {
    const message = new RegExp(`option \`${name}\``);
    expect(() => check(src, opts as never)).toThrow(message);
    expect(() => parse(src, opts as never)).toThrow(message);
    await expect(compile(src, opts as never)).rejects.toThrow(message);
  });
});
