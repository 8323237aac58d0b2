/**
 * Generated code size stays O(parameters): under `auto` large layers become
 * constant-size loops and small ones unroll to one statement per weight;
 * under `full` Dense code grows linearly, never with the product of widths.
 * The statement budget fails the build with a positioned diagnostic.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const mlp = (width: number, unroll: string) => `model W(unroll=${unroll}) {
  Input(shape=(${width},))
  Dense(${width}, activation='relu')
  Dense(${width}, activation='relu')
  Dense(4, activation='softmax')
}
`;
const params = (w: number) => w * w + w + w * w + w + w * 4 + 4;

async function size(width: number, unroll: string): Promise<number> {
  const r = await compile(mlp(width, unroll), { limits: { maxStatements: 1_000_000 } });
  expect(r.code).toBeDefined();
  return r.code!.length;
}

describe("generated code size", () => {
  it("is bounded by a constant plus a few bytes per parameter under auto", async () => {
    for (const w of [4, 8, 12, 16, 32, 64, 128]) {
      const bytes = await size(w, "auto");
      expect(bytes, `width ${w}`).toBeLessThan(6000 + 60 * params(w));
    }
    // past the unroll threshold every layer is a loop: size no longer grows with the widths
    const [a, b] = [await size(64, "auto"), await size(128, "auto")];
    expect(b).toBeLessThan(a * 1.2);
  });

  it("grows linearly, not quadratically, in parameters under full unrolling", async () => {
    // statements, not bytes: large outputs are formatted by the linear brace indenter instead of prettier
    const statements = async (w: number) => (await compile(mlp(w, "full"), { limits: { maxStatements: 1_000_000 } })).stats!.reduce((n, m) => n + m.statements, 0);
    // both widths above SMALL_WORK, so both use the same (row-streaming) schedule
    const small = await statements(20);
    const large = await statements(40);
    const ratio = large / small;
    const paramRatio = params(40) / params(20);
    expect(ratio).toBeLessThan(paramRatio * 1.25);
    expect(ratio).toBeGreaterThan(paramRatio * 0.5);
  });

  it("a statement budget fails the build with limit_code_size at the model name", async () => {
    const src = mlp(64, "full");
    const r = await compile(src, { limits: { maxStatements: 500 } });
    expect(r.code).toBeUndefined();
    const d = r.diagnostics.find((x) => x.code === "limit_code_size");
    expect(d).toBeDefined();
    expect(src.slice(d!.span.start, d!.span.end)).toBe("W");
    expect(d!.message).toContain("unroll=loops");
  });
});
