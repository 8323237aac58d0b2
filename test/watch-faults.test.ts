/**
 * Watch mode under faults (issue #10): a failed write is not recorded as
 * built (saving the same content again retries it), and an empty read of a
 * spec that had content — an editor truncating before it writes — is read
 * again after the debounce instead of building an empty module.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { watch, type WatchEvent } from "../src/index.js";
import { sleep, waitFor } from "./helpers/process.js";

const spec = (units: number) => `model Seed {\n  Dense(${units}, input_shape=(1,))\n}\n`;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const quiet = { out: () => {}, err: () => {}, color: false };

describe("watch() under faults", () => {
  it("records a spec as built only after its output was written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "layerc-watch-fault-"));
    dirs.push(dir);
    const file = join(dir, "seed.nn");
    const outDir = join(dir, "out");
    const output = join(outDir, "seed.nn.ts");
    writeFileSync(file, spec(2));
    const events: WatchEvent[] = [];
    const w = watch([dir], { outDir, io: quiet, onEvent: (e) => events.push(e) });
    await w.ready;
    // the output directory becomes a file: the next write fails (a read-only directory would do the same, but tests run as root)
    rmSync(outDir, { recursive: true });
    writeFileSync(outDir, "not a directory\n");
    writeFileSync(file, spec(3));
    await waitFor(() => events.some((e) => e.type === "error"), "the write error", 20_000, () => JSON.stringify(events));
    // the fault is cleared; saving the unchanged spec again must build it
    rmSync(outDir);
    writeFileSync(file, spec(3));
    await waitFor(() => existsSync(output) && readFileSync(output, "utf8").includes("readonly number[] = [3]"), "the retried build", 20_000, () => JSON.stringify(events));
    await w.close();
  });

  it("reads a spec truncated to zero bytes again before building it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "layerc-watch-empty-"));
    dirs.push(dir);
    const file = join(dir, "seed.nn");
    const output = join(dir, "seed.nn.ts");
    writeFileSync(file, spec(2));
    const built: string[] = [];
    const w = watch([dir], { io: quiet, debounceMs: 400, onEvent: (e) => e.type === "built" && built.push(readFileSync(output, "utf8")) });
    await w.ready;
    // an editor saving in place: truncate, then (within the re-read window) the new content
    writeFileSync(file, "");
    await sleep(600);
    writeFileSync(file, spec(4));
    await waitFor(() => built.some((code) => code.includes("readonly number[] = [4]")), "the new content", 20_000, () => built.join("\n----\n"));
    // no empty module was ever written in between
    expect(built.every((code) => code.includes("export class Seed"))).toBe(true);
    // a spec that stays empty is built as it is, after the second read
    writeFileSync(file, "  \n");
    await waitFor(() => built.some((code) => !code.includes("export class")), "the emptied spec", 20_000, () => built.join("\n----\n"));
    await w.close();
  });
});
