/**
 * Golden samples (DESIGN.md §4): one folder per case under test/golden,
 * holding `input.nn` and the expected
 *   - `ir.json`          the IR from the public `check()`, JSON with 2-space indent;
 *   - `output.ts`        the module from `compile()`, byte for byte;
 *   - `diagnostics.txt`  its warnings rendered with code frames (empty when none).
 * `UPDATE_GOLDEN=1 npx vitest run test/golden` rewrites the expected files.
 *
 * Every registered layer kind must have a case named after it in lower case
 * (`Conv2D` → test/golden/conv2d) whose model uses it, so registering a kind
 * without a golden sample fails here. The `output.ts` files sit under test/,
 * so `tsc -p tsconfig.json` also type-checks them.
 *
 * Also here: the seed network's summary matches Keras's numbers.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check, compile, formatDiagnostics, interpret } from "../src/index.js";
import { layers } from "../src/layers/registry.js";

const DIR = join(import.meta.dirname, "golden");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
const FILE = "input.nn";

const cases = readdirSync(DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

interface Produced {
  readonly ir: string;
  readonly output: string;
  readonly diagnostics: string;
}

async function produce(source: string): Promise<Produced> {
  const checked = check(source, { fileName: FILE });
  const compiled = await compile(source, { fileName: FILE });
  const rendered = formatDiagnostics(compiled.diagnostics, source, { fileName: FILE });
  if (compiled.code === undefined) throw new Error(`golden input does not compile:\n${rendered}`);
  return { ir: `${JSON.stringify(checked.ir, null, 2)}\n`, output: compiled.code, diagnostics: rendered };
}

function expectFile(dir: string, name: string, actual: string) {
  const file = join(dir, name);
  if (UPDATE) {
    if (!existsSync(file) || readFileSync(file, "utf8") !== actual) writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `missing ${file}; run UPDATE_GOLDEN=1 npx vitest run test/golden`).toBe(true);
  expect(actual, `${file} differs; run UPDATE_GOLDEN=1 npx vitest run test/golden if the change is intended`).toBe(readFileSync(file, "utf8"));
}

describe("golden samples", () => {
  it.each(cases)("%s", async (name) => {
    const dir = join(DIR, name);
    const source = readFileSync(join(dir, FILE), "utf8");
    const produced = await produce(source);
    expectFile(dir, "ir.json", produced.ir);
    expectFile(dir, "output.ts", produced.output);
    expectFile(dir, "diagnostics.txt", produced.diagnostics);
  });

  it("the seed case is examples/seed.nn verbatim", () => {
    const example = readFileSync(join(import.meta.dirname, "..", "examples", "seed.nn"), "utf8");
    expect(readFileSync(join(DIR, "seed", FILE), "utf8")).toBe(example);
  });

  // its own folder (`dense/`), or a case that shows several kinds together (`functional-merges/`)
  it.each(Object.keys(layers))("layer kind %s has a golden case using it", (kind) => {
    const folder = kind.toLowerCase();
    const kindsOf = (c: string) => check(readFileSync(join(DIR, c, FILE), "utf8"), { fileName: FILE }).ir.models.flatMap((m) => m.layers.map((l) => l.kind));
    const using = cases.filter((c) => c === folder || c.startsWith("functional-")).filter((c) => kindsOf(c).includes(kind));
    expect(using, `add test/golden/${folder}/input.nn using ${kind}, then UPDATE_GOLDEN=1`).not.toEqual([]);
  });
});

describe("summary matches Keras", () => {
  const seed = readFileSync(join(import.meta.dirname, "..", "examples", "seed.nn"), "utf8");
  const noBias = seed.replace("use_bias=True", "use_bias=False").replace("Dense(2, activation='softmax')", "Dense(2, activation='softmax', use_bias=False)");

  function summaryOf(source: string): string {
    const classes = interpret(source);
    const Model = classes["Seed"];
    if (Model === undefined) throw new Error("no model Seed");
    return new Model({ seed: 0 }).summary();
  }

  it("the seed network has 18 parameters (72.00 B), as Keras reports", () => {
    const s = summaryOf(seed);
    expect(s).toContain('Model: "Seed"');
    expect(s).toMatch(/dense \(Dense\)\s+│ \(None, 4\)\s+│\s+8 │/);
    expect(s).toMatch(/dense_1 \(Dense\)\s+│ \(None, 2\)\s+│\s+10 │/);
    expect(s).toContain("Total params: 18 (72.00 B)");
    expect(s).toContain("Trainable params: 18 (72.00 B)");
    expect(s).toContain("Non-trainable params: 0 (0.00 B)");
  });

  // Keras: kernels only, 1·4 + 4·2 = 12. (10 is the output layer's count *with* its bias.)
  it("with use_bias=False on both layers it has 12 (48.00 B)", () => {
    expect(noBias.match(/use_bias=False/g)).toHaveLength(2);
    const s = summaryOf(noBias);
    expect(s).toMatch(/dense \(Dense\)\s+│ \(None, 4\)\s+│\s+4 │/);
    expect(s).toMatch(/dense_1 \(Dense\)\s+│ \(None, 2\)\s+│\s+8 │/);
    expect(s).toContain("Total params: 12 (48.00 B)");
    expect(s).toContain("Trainable params: 12 (48.00 B)");
  });
});
