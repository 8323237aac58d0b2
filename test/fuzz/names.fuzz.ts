/**
 * Fuzz: generated code for model names from the whole accepted name space —
 * every global and runtime export, placeholder look-alikes, `<M>Meta` /
 * `<M>Kernels` beside `M`, and random identifiers. Every accepted name's
 * module must type-check and import, and every class must predict; every
 * rejected name must be rejected with model_name_invalid.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { check, compile } from "../../src/index.js";
import { inputWidth, namePool, specOf } from "../helpers/name-pool.js";
import { typecheckFiles } from "../helpers/typecheck.js";
import type { FuzzReport } from "./report.js";

export async function fuzzNames(randomCount: number): Promise<FuzzReport> {
  const failures: string[] = [];
  const pool = namePool(randomCount, 777);
  const accepted: string[] = [];
  for (const name of pool) {
    const errors = check(specOf([name])).diagnostics.filter((d) => d.severity === "error");
    if (errors.length === 0) accepted.push(name);
    else if (errors.some((d) => d.code !== "model_name_invalid")) failures.push(`${name}: rejected with ${errors.map((d) => d.code).join(", ")}`);
  }
  const dir = join(import.meta.dirname, "..", ".tmp", "fuzz-names");
  mkdirSync(dir, { recursive: true });
  const chunks: string[][] = [];
  for (let i = 0; i < accepted.length; i += 50) chunks.push(accepted.slice(i, i + 50));
  const files: string[] = [];
  for (const [k, chunk] of chunks.entries()) {
    const r = await compile(specOf(chunk), { fileName: `names${k}.nn` });
    if (r.code === undefined) {
      failures.push(`chunk ${k}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
      continue;
    }
    const file = join(dir, `names${k}.nn.ts`);
    writeFileSync(file, r.code);
    files.push(file);
  }
  failures.push(...typecheckFiles(files));
  let predicted = 0;
  for (const [k, file] of files.entries()) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, new () => { predict(x: Float32Array): Float32Array }>;
    for (const [i, name] of chunks[k]!.entries()) {
      try {
        if (new mod[name]!().predict(new Float32Array(inputWidth(name, i)).fill(0.25)).length === 2) predicted++;
        else failures.push(`${name}: wrong output size`);
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message}`);
      }
    }
  }
  return { name: "model names", tried: `${pool.length} names, ${accepted.length} accepted: ${files.length} modules type-checked, ${predicted} classes imported and run`, failures };
}
