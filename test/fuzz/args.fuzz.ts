/**
 * Fuzz: every argument position of every call × every value kind (the full
 * matrix of test/helpers/arg-matrix.ts), plus random argument lists drawn
 * from the same kinds at random positions. check and compile must never
 * throw or report internal_error; every accepted spec compiles, and a
 * sample of the accepted ones type-checks under strict settings.
 */
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { check, compile } from "../../src/index.js";
import { layers } from "../../src/layers/registry.js";
import { argCases, valueKinds } from "../helpers/arg-matrix.js";
import { typecheckFiles } from "../helpers/typecheck.js";
import type { FuzzReport } from "./report.js";

export async function fuzzArgs(randomRuns: number): Promise<FuzzReport> {
  const failures: string[] = [];
  const cases = argCases();
  const random = fc.sample(
    fc.record({
      kind: fc.constantFrom(...Object.keys(layers)),
      args: fc.array(fc.tuple(fc.option(fc.constantFrom("units", "filters", "kernel_size", "strides", "padding", "activation", "name", "input_shape", "rate", "axis", "pool_size", "target_shape", "use_bias", "seed", "momentum", "epsilon", "x")), fc.constantFrom(...valueKinds)), { maxLength: 6 }),
    }),
    { numRuns: randomRuns, seed: 4242 },
  );
  for (const r of random) {
    const args = r.args.map(([k, v]) => (k === null ? v : `${k}=${v}`)).join(", ");
    cases.push({ label: `random ${r.kind}(${args})`, source: `model M {\n  Input(shape=(6, 6, 2))\n  ${r.kind}(${args})\n}\n` });
  }
  const accepted: typeof cases = [];
  for (const c of cases) {
    try {
      const r = check(c.source);
      if (r.diagnostics.some((d) => d.code === "internal_error")) failures.push(`${c.label}: internal_error`);
      else if (!r.diagnostics.some((d) => d.severity === "error")) accepted.push(c);
    } catch (e) {
      failures.push(`${c.label}: check threw ${(e as Error).message}`);
    }
  }
  const dir = join(import.meta.dirname, "..", ".tmp", "fuzz-args");
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, c] of accepted.entries()) {
    try {
      const r = await compile(c.source);
      if (r.code === undefined) failures.push(`${c.label}: accepted by check, not compiled: ${r.diagnostics.map((d) => d.message).join("; ")}`);
      else if (i % 10 === 0) {
        const file = join(dir, `case${i}.nn.ts`);
        writeFileSync(file, r.code);
        files.push(file);
      }
    } catch (e) {
      failures.push(`${c.label}: compile threw ${(e as Error).message}`);
    }
  }
  failures.push(...typecheckFiles(files));
  return {
    name: "arguments",
    tried: `${cases.length} specs (${cases.length - random.length} matrix cases: every argument position × ${valueKinds.length} value kinds; ${random.length} random argument lists); ${accepted.length} accepted and compiled, ${files.length} type-checked`,
    failures,
  };
}
