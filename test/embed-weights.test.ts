/**
 * `embedWeights` / `layerc build --embed-weights`: the generated class
 * starts from the baked-in weights (unless given a seed or weights),
 * float16 and int8 storage stay within their rounding error, and weights
 * for another model are a `weights_mismatch` diagnostic with no code.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { compile, type EmbedWeights } from "../src/index.js";
import type { ModelClass } from "./helpers/models.js";
import { interpreted } from "./helpers/models.js";

const SPEC = `model Net(seed=3) {
  Input(shape=(3,))
  Dense(6, activation='tanh')
  Dense(2, activation='softmax')
}
`;
const TMP = join(import.meta.dirname, ".tmp");
const X = [0.5, -1, 2, 0.1, 0.2, -0.3];

async function build(
  embed: EmbedWeights,
): Promise<{ Net: ModelClass; code: string }> {
  const r = await compile(SPEC, { fileName: "net.nn", embedWeights: embed });
  expect(r.diagnostics).toEqual([]);
  mkdirSync(TMP, { recursive: true });
  const file = join(
    TMP,
    `embed-${createHash("sha1").update(r.code!).digest("hex").slice(0, 16)}.ts`,
  );
  writeFileSync(file, r.code!);
  const mod = (await import(pathToFileURL(file).href)) as { Net: ModelClass };
  return { Net: mod.Net, code: r.code! };
}

describe("embedded weights", () => {
  const trained = new (interpreted(SPEC)["Net"]!)({ seed: 99 });
  const want = trained.predictBatch(X, 2);
  const bytes = trained.saveWeights();

  it("a generated class starts from them; a seed or weights still override", async () => {
    const { Net, code } = await build({ weights: bytes });
    expect(code).toContain("embeddedWeights");
    expect(Array.from(new Net().predictBatch(X, 2))).toEqual(Array.from(want));
    expect(Array.from(new Net({ seed: 3 }).predictBatch(X, 2))).toEqual(
      Array.from(
        new (interpreted(SPEC)["Net"]!)({ seed: 3 }).predictBatch(X, 2),
      ),
    );
  });

  it("int8 storage: smaller module, predictions within the quantization error", async () => {
    const f32 = await compile(SPEC, {
      fileName: "net.nn",
      embedWeights: { weights: bytes },
    });
    const { Net, code } = await build({ weights: bytes, dtype: "int8" });
    // the embedded file is smaller
    const embedded = (text: string) => /embeddedWeights:\s*"([^"]*)"/.exec(text)![1]!.length;
    expect(embedded(code)).toBeLessThan(embedded(f32.code!));
    const got = new Net().predictBatch(X, 2);
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(0.02));
    expect(Array.from(got)).not.toEqual(Array.from(want));
  });

  it("weights for another model are a diagnostic, and no code", async () => {
    const other = new (interpreted(SPEC.replace("Dense(6", "Dense(5"))["Net"]!)(
      { seed: 1 },
    ).saveWeights();
    const r = await compile(SPEC, {
      fileName: "net.nn",
      embedWeights: { weights: other },
    });
    expect(r.code).toBeUndefined();
    expect(r.diagnostics[0]).toMatchObject({
      code: "weights_mismatch",
      line: 1,
    });
    expect(r.diagnostics[0]!.message).toMatch(
      /dense\/kernel has shape \[3, 5\] in the file, the model needs \[3, 6\]/,
    );
    const junk = await compile(SPEC, {
      embedWeights: { weights: new Uint8Array([1, 2, 3]) },
    });
    expect(junk.diagnostics[0]!.message).toMatch(/not a valid \.weights\.bin/);
  });
});
