/**
 * Native row lookups (src/phases/3-emit/wasm-lookup.ts): for random table
 * sizes, row widths (below, at and past the vector width, short rows
 * unrolled and long ones looped), ids (repeats included), element types,
 * table offsets and batch sizes, the generated WebAssembly function computes
 * what the operation's own loop nest (src/kernel/lookup.ts) computes when
 * the interpreter runs it, bit for bit: a gather copies, a scatter-add adds
 * in the same order (float32 values widened exactly into a float64 table).
 * In models (float64): an Embedding whose output is the model output and one
 * shared by two inputs run natively and compute the interpreter's numbers
 * bit for bit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BATCH, mul, num } from "../src/kernel/expr.js";
import { lookupOp, type Lookup } from "../src/kernel/lookup.js";
import { compileKernel } from "../src/interpreter/exec.js";
import { kernelModule, type ElemType } from "../src/phases/3-emit/wasm.js";
import { lookupBody, lookupTypesOk } from "../src/phases/3-emit/wasm-lookup.js";
import { Rng } from "../src/runtime/random.js";
import { compile } from "../src/index.js";
import { flat, generated, interpreted } from "./helpers/models.js";
import { host } from "./helpers/wasm-api.js";

const WebAssembly = host.WebAssembly!;

interface Case {
  readonly op: "gather" | "scatter_add";
  readonly rows: number;
  readonly width: number;
  readonly positions: number;
  readonly batch: number;
  readonly per: number;
  readonly base: number;
  readonly types: { readonly ids: ElemType; readonly table: ElemType; readonly values: ElemType };
  readonly seed: number;
}

const typeArb = fc.constantFrom("f32" as const, "f64" as const);
const caseArb: fc.Arbitrary<Case> = fc.record({
  op: fc.constantFrom("gather" as const, "scatter_add" as const),
  rows: fc.integer({ min: 1, max: 12 }),
  width: fc.integer({ min: 1, max: 45 }),
  positions: fc.integer({ min: 1, max: 9 }),
  batch: fc.integer({ min: 0, max: 3 }),
  per: fc.constantFrom(1, 2),
  base: fc.integer({ min: 0, max: 5 }),
  types: fc.record({ ids: typeArb, table: typeArb, values: typeArb }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/** Runs one lookup both ways on the same random memory; true when every element is the same bits. */
function sameBits(c: Case): boolean {
  const spec: Lookup = {
    kind: "lookup",
    label: "l",
    op: c.op,
    batch: c.per === 1 ? BATCH : mul(BATCH, num(c.per)),
    positions: c.positions,
    width: c.width,
    ids: "I",
    table: "T",
    values: "V",
  };
  const k = { name: "l", spec, types: c.types, base: c.base };
  const bytes = kernelModule([{ name: "l", body: () => lookupBody(k) }]);
  expect(WebAssembly.validate(bytes)).toBe(true);
  const samples = Math.max(1, c.batch * c.per);
  const [nIds, nTable, nValues] = [samples * c.positions, c.base + c.rows * c.width, samples * c.positions * c.width];
  const memory = new WebAssembly.Memory({ initial: Math.ceil((8 * (nIds + nTable + nValues) + 256) / 65536) + 1 });
  const view = (t: ElemType, at: number, size: number) => (t === "f64" ? new Float64Array(memory.buffer, at, size) : new Float32Array(memory.buffer, at, size));
  // operands at offsets not aligned to 16, as buffers inside a shared store can be
  const I = view(c.types.ids, 8, nIds);
  const T = view(c.types.table, 8 + 8 * nIds + 24, nTable);
  const V = view(c.types.values, 8 + 8 * (nIds + nTable) + 40, nValues);
  const rng = new Rng(c.seed);
  for (let i = 0; i < I.length; i++) I[i] = rng.int(c.rows);
  for (const a of [T, V]) for (let i = 0; i < a.length; i++) a[i] = rng.uniform() * 2 - 1;
  const arrays = [I.slice(), T.slice(), V.slice()];
  const slot = { I: 0, T: 1, V: 2 } as const;
  compileKernel([lookupOp({ ...spec })], (buf) => ({ slot: slot[buf as keyof typeof slot], base: buf === "T" ? c.base : 0 }))({ arrays, batch: c.batch });
  const kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports["l"] as (n: number, a: number, b: number, c: number, d: number, e: number) => void;
  kernel(c.batch, I.byteOffset, T.byteOffset, V.byteOffset, 0, 0);
  return [I, T, V].every((got, s) => got.every((v, i) => Object.is(v, arrays[s]![i])));
}

describe("native row lookups", () => {
  it("compute what the loop nest computes, bit for bit, for random shapes, ids, types and batch sizes", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        if (!lookupTypesOk({ op: c.op } as Lookup, c.types)) return;
        expect(sameBits(c)).toBe(true);
      }),
      { numRuns: 300, seed: 20261130 },
    );
  });

  it("cover long rows (a vector loop) and every type mix the kernel takes", () => {
    let ran = 0;
    for (const op of ["gather", "scatter_add"] as const) {
      for (const width of [1, 2, 3, 4, 5, 8, 16, 33, 64, 130]) {
        for (const table of ["f32", "f64"] as const) {
          for (const values of ["f32", "f64"] as const) {
            const types = { ids: width % 2 ? ("f64" as const) : ("f32" as const), table, values };
            if (!lookupTypesOk({ op } as Lookup, types)) continue;
            const c: Case = { op, rows: 7, width, positions: 5, batch: 2, per: 1, base: width % 3, types, seed: width * 31 + table.length };
            expect(sameBits(c), `${op} width ${width} ${table} ${values}`).toBe(true);
            ran++;
          }
        }
      }
    }
    // gather: f32/f32, f64/f64; scatter_add: those and f32 values into a float64 table
    expect(ran).toBe(10 * 5);
  });

  it("in float64 models, an Embedding as the output and one shared by two inputs give the interpreter's numbers bit for bit", async () => {
    const cases: [string, string[], number[], number][] = [
      [
        `model M(seed=3, dtype=float64) {
  Input(shape=(10,))
  Embedding(20, 16)
  compile(optimizer=SGD(learning_rate=0.1), loss='mse')
}`,
        ["embedding_lookup", "embedding_lookup_grad"],
        [10],
        20,
      ],
      [
        `model M(seed=3, dtype=float64) {
  a = Input(shape=(12,))
  b = Input(shape=(12,))
  e = Embedding(30, 16)
  s = Add()([e(a), e(b)])
  p = GlobalAveragePooling1D()(s)
  y = Dense(2)(p)
  Model(inputs=[a, b], outputs=y)
  compile(optimizer=SGD(learning_rate=0.1), loss='mse')
}`,
        ["embedding_lookup", "embedding_lookup_grad", "embedding_call2_lookup", "embedding_call2_lookup_grad"],
        [12, 12],
        30,
      ],
    ];
    for (const [source, kernels, sizes, vocab] of cases) {
      const code = (await compile(source)).code!;
      for (const k of kernels) expect(code).toContain(`k.${k}(`);
      const [g, i] = [new ((await generated(source))["M"]!)({ seed: 3 }), new (interpreted(source)["M"]!)({ seed: 3 })];
      const rng = new Rng(1);
      const xs = sizes.map((size) => Float32Array.from({ length: 4 * size }, () => rng.int(vocab)));
      const x = (xs.length === 1 ? xs[0]! : xs) as Float32Array;
      const outs = [g, i].map((m) => Array.from(m.predictBatch(x, 4) as Float32Array));
      expect(outs[0]).toEqual(outs[1]);
      const y = Float32Array.from(outs[0]!, () => rng.uniform());
      const losses = [g, i].map((m) => [0, 1].map(() => m.trainOnBatch(x, y, 4)));
      expect(losses[0]).toEqual(losses[1]);
      expect(flat(g.getWeights())).toEqual(flat(i.getWeights()));
    }
  });
});
