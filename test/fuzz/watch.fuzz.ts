/**
 * Soak: watch mode under random faults — in-place saves that truncate the
 * spec before writing it (up to 35 ms later, within the 40 ms debounce), write failures (the output
 * path turned into a directory, then repaired and the unchanged spec saved
 * again), and plain edits. After every step the output must reach the
 * spec's current content, and no empty module may ever be written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { watch, type WatchEvent } from "../../src/index.js";
import { Rng } from "../../src/runtime/random.js";
import { sleep, waitFor } from "../helpers/process.js";
import type { FuzzReport } from "./report.js";

const spec = (units: number) => `model Seed {\n  Dense(${units}, input_shape=(1,))\n}\n`;

export async function soakWatch(steps: number): Promise<FuzzReport> {
  const failures: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "layerc-watch-soak-"));
  const file = join(dir, "seed.nn");
  const outDir = join(dir, "out");
  const output = join(outDir, "seed.nn.ts");
  writeFileSync(file, spec(1));
  const events: WatchEvent[] = [];
  const w = watch([file], { outDir, io: { out: () => {}, err: () => {}, color: false }, debounceMs: 40, onEvent: (e) => events.push(e) });
  await w.ready;
  const rng = new Rng(99);
  const counts = { truncate: 0, writeFailure: 0, edit: 0 };
  const current = () => (existsSync(output) && statSync(output).isFile() ? readFileSync(output, "utf8") : "");
  for (let s = 0; s < steps; s++) {
    const units = 2 + (s % 7);
    const kind = rng.uniform();
    try {
      if (kind < 0.4) {
        counts.truncate++;
        writeFileSync(file, "");
        // the rest of the save lands within the debounce (40 ms), as an editor's does; a longer gap is a spec really emptied
        await sleep(Math.floor(rng.uniform() * 35));
        writeFileSync(file, spec(units));
      } else if (kind < 0.6) {
        counts.writeFailure++;
        // the output directory turns into a file: the write fails; then it is repaired and the same content saved again
        rmSync(outDir, { recursive: true, force: true });
        writeFileSync(outDir, "not a directory\n");
        const errors = events.filter((e) => e.type === "error").length;
        writeFileSync(file, spec(units));
        await waitFor(() => events.filter((e) => e.type === "error").length > errors, "the write error", 20_000, () => JSON.stringify(events.slice(-3)));
        rmSync(outDir);
        writeFileSync(file, spec(units));
      } else {
        counts.edit++;
        writeFileSync(file, spec(units));
      }
      await waitFor(() => current().includes(`readonly number[] = [${units}]`), `step ${s}: the output for ${units} units`, 20_000, () => current().slice(0, 300));
      if (!current().includes("export class Seed")) failures.push(`step ${s}: an empty module was written`);
    } catch (e) {
      failures.push((e as Error).message);
    }
  }
  const empty = events.filter((e) => e.type === "built" && e.diagnostics.some((d) => d.code === "file_no_models")).length;
  if (empty > 0) failures.push(`${empty} builds of an empty spec`);
  await w.close();
  rmSync(dir, { recursive: true, force: true });
  return { name: "watch", tried: `${steps} fault steps (${counts.truncate} truncating saves, ${counts.writeFailure} failed writes then a re-save of the same content, ${counts.edit} edits)`, failures };
}
