/**
 * Limits are checked early (issue #10): the hostile resource cases end with
 * a clear limit diagnostic, quickly. Time is process CPU time (the test
 * pool runs one file per process), so a busy machine does not make the
 * check flaky; `npm run fuzz` (test/fuzz/limits.fuzz.ts) runs the same cases
 * in separate processes and also bounds their memory.
 */
import { describe, expect, it } from "vitest";
import { check, compile, defaultLimits, formatDiagnostics, formatSpec } from "../src/index.js";
import { num, ref, type Expr, type Stmt } from "../src/kernel/expr.js";
import { specialize } from "../src/phases/3-emit/specialize.js";
import { renderStmts } from "../src/phases/3-emit/render.js";
import { convSumAtBudget, denseAtBudget, limitCases } from "./helpers/limit-cases.js";

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

  // Specializing was quadratic (loop fusion re-walked the growing loop, store forwarding scanned
  // every known element per store), and folded sums recursed once per term. A quarter of the
  // budget keeps `npm test` quick; `npm run fuzz` compiles these at the full budget (budgetCases).
  const quarter = Math.floor(defaultLimits.maxStatements / 4);
  const compiles = async (source: string, statements: number) => {
    let r: Awaited<ReturnType<typeof compile>> | undefined;
    const ms = await cpuMs(async () => {
      r = await compile(source);
    })();
    expect(r!.diagnostics).toEqual([]);
    expect(r!.stats![0]!.statements).toBe(statements);
    // about 0.5 s; the quadratic passes took 6 s here, and minutes at the full budget
    expect(ms).toBeLessThan(2000);
    return r!.code!;
  };

  it("a trained, unrolled Dense of a quarter of the statement budget compiles in linear time", async () => {
    const n = Math.floor((quarter - 22) / 12);
    await compiles(denseAtBudget(n), 12 * n + 22);
  });

  it("a convolution whose sum has 24,996 terms compiles to one flat sum", async () => {
    const n = quarter - 4;
    const code = await compiles(convSumAtBudget(n), n + 4);
    const sum = code.split("\n").find((l) => l.includes("const acc_0_0 = "))!;
    expect(sum).toMatch(/^ *const acc_0_0 = \(w0 \+ \(x\[\(b \* \d+\)\]! \* w1\) \+ \(x\[/);
    expect(sum.endsWith(` + ${n - 1})]! * w${n}));`)).toBe(true);
    // n nested parentheses would be as deep in every parser that reads the module
    expect(sum).not.toContain("((((");
  });

  it("a folded sum of 100,000 terms specializes and renders without deep recursion", () => {
    // let acc = 0; for i < N: acc += x[i] * w[i]; out[0] = acc — unrolled, folding makes one sum of N terms
    const N = 100_000;
    const load = (buf: string, index: Expr): Expr => ({ k: "load", buf, index });
    const kernel: Stmt[] = [
      { k: "let", name: "acc", value: num(0) },
      { k: "for", v: "i", from: num(0), to: num(N), body: [{ k: "set", name: "acc", acc: true, value: { k: "bin", op: "*", a: load("x", ref("i")), b: load("w", ref("i")) } }] },
      { k: "store", buf: "out", index: num(0), value: ref("acc"), acc: false },
    ];
    const stmts = specialize(kernel, { unroll: true });
    const storage = new Map([
      ["x", { kind: "input", index: 0 }],
      ["w", { kind: "param", base: 0 }],
      ["out", { kind: "act" }],
    ] as const);
    const st = { storage: new Map(storage), helpers: new Set<string>(), used: new Set<string>(), tmp: 0, statements: 0 };
    const lines = renderStmts(stmts, st as unknown as Parameters<typeof renderStmts>[1]);
    const sum = lines.find((l) => l.startsWith("const acc"))!;
    expect(sum.startsWith("const acc = ((x[0]! * p[0]!) + (x[1]! * p[1]!) + ")).toBe(true);
    expect(sum.endsWith(` + (x[${N - 1}]! * p[${N - 1}]!));`)).toBe(true);
    // the rendered sum evaluates left to right, as the kernel accumulates
    const x = Float32Array.from({ length: N }, (_, i) => ((i % 7) - 3) / 8);
    const p = Float64Array.from({ length: N }, (_, i) => ((i % 5) - 2) / 4);
    const value = new Function("x", "p", `${sum.replaceAll("]!", "]")} return acc;`)(x, p) as number;
    let acc = 0;
    for (let i = 0; i < N; i++) acc += x[i]! * p[i]!;
    expect(value).toBe(acc);
  });
});

