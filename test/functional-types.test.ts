/**
 * The generated classes of functional models have exact types: a
 * two-input, two-output model's predict takes a 2-tuple and returns a
 * 2-tuple, training takes a tuple of targets, and the static shapes list
 * every input and output. A consumer file uses them correctly and marks
 * each misuse with `@ts-expect-error`, so the check fails both when a
 * correct call stops compiling and when a misuse starts to.
 */
import fc from "fast-check";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { graphSpec } from "./helpers/graph-arbitrary.js";

const root = join(import.meta.dirname, "..");

const TWO_TOWER = `model TwoTower(seed=1) {
  a = Input(shape=(3,), name='a')
  b = Input(shape=(2,), name='b')
  ha = Dense(4)(a)
  h = Concatenate()([ha, b])
  cls = Dense(2, activation='softmax', name='cls')(h)
  reg = Dense(1, name='reg')(h)
  Model(inputs=[a, b], outputs=[cls, reg])
  compile(optimizer='sgd', loss=['categorical_crossentropy', 'mse'], loss_weights=[1.0, 0.5])
}
`;

const CONSUMER = `import { TwoTower } from "./two.nn.js";
const m = new TwoTower();
const a = new Float32Array(3);
const b = [0, 1];
const [p, r]: [Float32Array, Float32Array] = m.predict([a, b]);
const shapes: readonly (readonly number[])[] = TwoTower.inputShapes;
const loss: number = m.trainOnBatch([a, b], [p, r], 1);
void shapes;
void loss;
// @ts-expect-error one input is not enough
m.predict(a);
// @ts-expect-error three inputs are too many
m.predict([a, b, b]);
// @ts-expect-error predict returns a tuple, not one array
const single: Float32Array = m.predict([a, b]);
void single;
// @ts-expect-error targets are one per output
m.trainOnBatch([a, b], p, 1);
`;

const options: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  noEmit: true,
  skipLibCheck: true,
  baseUrl: root,
  paths: { "layerc/runtime": ["./src/runtime/index.ts"] },
  types: [],
};

describe("generated functional classes", () => {
  it("have exact tuple types, and random graphs type-check under strict", async () => {
    const dir = join(root, "test", ".tmp", "functional-types");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const two = await compile(TWO_TOWER, { fileName: "two.nn" });
    expect(two.code, two.diagnostics.map((d) => d.message).join("\n")).toBeDefined();
    writeFileSync(join(dir, "two.nn.ts"), two.code!);
    writeFileSync(join(dir, "consumer.ts"), CONSUMER);
    const files = [join(dir, "consumer.ts")];
    for (const [i, spec] of fc.sample(graphSpec, { numRuns: 8, seed: 99 }).entries()) {
      const r = await compile(spec.source, { fileName: `g${i}.nn` });
      expect(r.code).toBeDefined();
      writeFileSync(join(dir, `g${i}.nn.ts`), r.code!);
      files.push(join(dir, `g${i}.nn.ts`));
    }
    const program = ts.createProgram(files, options);
    const diags = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName.split("/").pop()}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    expect(diags).toEqual([]);
  });
});
