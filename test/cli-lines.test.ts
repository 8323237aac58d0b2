/**
 * The CLI's own lines (`ok file (Models…)`, `wrote …`, `formatted …`, usage
 * errors, watch-mode log lines, JSON reports) show control characters in
 * user paths visibly, as formatDiagnostics does (issue #10): a file name
 * must not reach the terminal as an escape sequence, a carriage return or a
 * bidi override.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { watch, type WatchEvent } from "../src/index.js";
import { main } from "../src/cli/main.js";
import { waitFor } from "./helpers/process.js";

/** Raw controls, separators and bidi overrides (a newline only ends a line). */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
const HOSTILE = "m\u001b[2J\u009b31m\r\u202e\u2028x";
const SHOWN = "m\\u{1b}[2J\\u{9b}31m\\u{d}\\u{202e}\\u{2028}x";
const SPEC = "model M {\n  Dense(1, input_shape=(2,))\n}\n";

const root = mkdtempSync(join(tmpdir(), "layerc-cli-lines-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s), color: false });
  return { code, out, err };
}

function specIn(source = SPEC): string {
  const dir = mkdtempSync(join(root, "d-"));
  const path = join(dir, `${HOSTILE}.nn`);
  writeFileSync(path, source);
  return path;
}

describe("CLI lines show user paths visibly", () => {
  it("check, build and fmt", async () => {
    const path = specIn();
    const checked = await cli("check", path);
    expect(checked.code).toBe(0);
    expect(checked.out).toContain(`ok ${path.slice(0, -HOSTILE.length - 3)}${SHOWN}.nn (M)\n`);
    const built = await cli("build", path);
    expect(built.code).toBe(0);
    expect(built.out).toContain(`wrote ${path.slice(0, -HOSTILE.length - 3)}${SHOWN}.nn.ts\n`);
    // the output file itself is written under the real name
    expect(readFileSync(`${path}.ts`, "utf8")).toContain("class M");
    writeFileSync(path, "model M {\n    Dense(1, input_shape=(2,))\n}\n");
    const formatted = await cli("fmt", path);
    expect(formatted.out).toContain(`formatted ${path.slice(0, -HOSTILE.length - 3)}${SHOWN}.nn\n`);
    for (const r of [checked, built, formatted]) expect(r.out + r.err).not.toMatch(RAW);
  });

  it("a failed build, a usage error and a JSON report", async () => {
    const path = specIn("model M {\n  Dense(x)\n}\n");
    const failed = await cli("build", path);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain(`${SHOWN}.nn: not written (errors); `);
    expect(failed.err).not.toMatch(RAW);
    const missing = await cli("check", join(root, `${HOSTILE}-missing.nn`));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`layerc: no such file or directory: `);
    expect(missing.err).toContain(`${SHOWN}-missing.nn`);
    expect(missing.err).not.toMatch(RAW);
    const json = await cli("check", "--format", "json", path);
    expect(json.out).not.toMatch(RAW);
    // escaped as JSON, so the report still names the real file
    const report = JSON.parse(json.out) as { files: { file: string }[] };
    expect(report.files[0]!.file).toBe(path);
  });

  it("watch mode", async () => {
    const dir = mkdtempSync(join(root, "w-"));
    mkdirSync(join(dir, "specs"));
    const path = join(dir, "specs", `${HOSTILE}.nn`);
    writeFileSync(path, SPEC);
    let out = "";
    let err = "";
    const events: WatchEvent[] = [];
    const w = watch([join(dir, "specs")], { io: { out: (s) => void (out += s), err: (s) => void (err += s), color: false }, onEvent: (e) => events.push(e) });
    try {
      await w.ready;
      await waitFor(() => events.some((e) => e.type === "built"), "the first build");
      writeFileSync(path, "model M {\n  Dense(x)\n}\n");
      await waitFor(() => events.some((e) => e.type === "failed"), "the failed build");
      rmSync(path);
      await waitFor(() => events.some((e) => e.type === "removed"), "the removal");
    } finally {
      await w.close();
    }
    // the screen clear before each batch is the watcher's own
    const log = (out + err).replaceAll("\x1b[2J\x1b[3J\x1b[H", "");
    expect(log).toContain(`${SHOWN}.nn ✓ `);
    expect(log).toContain(`${SHOWN}.nn ✗ 1 error — kept previous `);
    expect(log).toContain(`${SHOWN}.nn deleted — removed `);
    expect(log).not.toMatch(RAW);
  });
});
