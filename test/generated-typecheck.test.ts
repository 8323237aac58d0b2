/**
 * Generated code is a product: for random specs it type-checks under
 * `strict` with `noUncheckedIndexedAccess`, `exactOptionalPropertyTypes`
 * and `noUnusedLocals`/`noUnusedParameters` (the strictest settings users
 * are likely to have), and two compiles of
 * the same spec give the same bytes.
 */
import fc from "fast-check";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { denseSpec } from "./helpers/spec-arbitrary.js";
import { layerSpec } from "./helpers/layer-arbitrary.js";
import { typecheckFiles } from "./helpers/typecheck.js";

const root = join(import.meta.dirname, "..");

/**
 * Masked models (issue 12): a masked output with metrics (its mask handed to
 * the runtime), masked merges, a masked BatchNormalization, GRU(reset_after=False).
 */
const MASKED = [
  {
    source: `model Merged {
  a = Input(shape=(6,))
  b = Input(shape=(6,))
  ea = Embedding(10, 3, mask_zero=True)(a)
  eb = Embedding(10, 3, mask_zero=True)(b)
  m = Maximum()([ea, eb])
  n = BatchNormalization()(m)
  c = Concatenate(axis=1)([n, ea])
  s, h = GRU(4, reset_after=False, recurrent_dropout=0.2, return_sequences=True, return_state=True)(c)
  y = Dense(3, activation='softmax')(s)
  z = Dense(1)(h)
  Model(inputs=[a, b], outputs=[y, z])
  compile(optimizer='adam', loss=['sparse_categorical_crossentropy', 'mse'], metrics=[['accuracy'], ['mae']])
}
`,
  },
];

describe("generated code", () => {
  it("type-checks under strict for random specs and is byte-identical across compiles", async () => {
    // Dense stacks and specs over every layer kind (pooling or Flatten first, dropout, batch norm, native kernels)
    const specs = [...fc.sample(denseSpec, { numRuns: 25, seed: 424242 }), ...fc.sample(layerSpec, { numRuns: 15, seed: 434343 }), ...MASKED];
    const dir = join(root, "test", ".tmp", "typecheck");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    for (const [i, spec] of specs.entries()) {
      const a = await compile(spec.source, { fileName: `spec${i}.nn` });
      const b = await compile(spec.source, { fileName: `spec${i}.nn` });
      expect(a.code, a.diagnostics.map((d) => d.message).join("\n")).toBeDefined();
      expect(b.code).toBe(a.code);
      const file = join(dir, `spec${i}.nn.ts`);
      writeFileSync(file, a.code!);
      files.push(file);
    }
    const diags = typecheckFiles(files);
    expect(diags).toEqual([]);
  });

  it("declares no local whose use folded away (a focal loss with gamma=0)", async () => {
    const dir = join(root, "test", ".tmp", "typecheck-folded");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const losses = ["categorical_focal_crossentropy(gamma=0)", "categorical_focal_crossentropy(gamma=0, label_smoothing=0.1)", "binary_focal_crossentropy(gamma=0)"];
    const files: string[] = [];
    for (const [i, loss] of losses.entries()) {
      const units = loss.startsWith("binary") ? 1 : 2;
      const r = await compile(`model M {\n  Dense(${units}, activation='${units === 1 ? "sigmoid" : "softmax"}', input_shape=(2,))\n  compile(loss=${loss})\n}\n`);
      expect(r.code, r.diagnostics.map((d) => d.message).join("\n")).toBeDefined();
      const file = join(dir, `focal${i}.nn.ts`);
      writeFileSync(file, r.code!);
      files.push(file);
    }
    expect(typecheckFiles(files)).toEqual([]);
  });
});
