/**
 * Shape inference and parameter counts for Conv1D, Conv2D, Reshape and the
 * global poolings, through the public check() API, against the formulas of
 * reference/keras-semantics.md §2.2 and §6 (written out independently here,
 * in their ceil form), plus the errors: rank, nonpositive sizes, reshape
 * mismatch and argument validation.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check, type Diagnostic } from "../src/index.js";
import { padBefore } from "../src/layers/conv-common.js";

/** §2.2: valid ⌈(L − k_eff + 1)/s⌉, same and causal ⌈L/s⌉. */
function refLength(L: number, k: number, s: number, d: number, padding: string): number {
  const kEff = d * (k - 1) + 1;
  return padding === "valid" ? Math.ceil((L - kEff + 1) / s) : Math.ceil(L / s);
}

const spec = (input: string, ...layers: string[]) => `model M {\n  Input(shape=${input})\n${layers.map((l) => `  ${l}\n`).join("")}}\n`;

function shapes(source: string) {
  const r = check(source);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => d.message), source).toEqual([]);
  return r.models[0]!.layers;
}

function errorsOf(source: string): Diagnostic[] {
  return check(source).diagnostics.filter((d) => d.severity === "error");
}

describe("Conv1D output shapes and parameter counts", () => {
  const cases: [input: string, layer: string, out: number[], params: number][] = [
    ["(7, 3)", "Conv1D(4, 3)", [5, 4], 3 * 3 * 4 + 4],
    ["(7, 3)", "Conv1D(4, (3,))", [5, 4], 3 * 3 * 4 + 4],
    ["(7, 3)", "Conv1D(4, 3, use_bias=False)", [5, 4], 36],
    ["(7, 3)", "Conv1D(4, 3, padding='same')", [7, 4], 40],
    ["(7, 3)", "Conv1D(4, 4, padding='SAME')", [7, 4], 52],
    ["(7, 3)", "Conv1D(2, 3, strides=2)", [3, 2], 20],
    ["(8, 3)", "Conv1D(2, 3, strides=2)", [3, 2], 20],
    ["(7, 3)", "Conv1D(2, 3, strides=2, padding='same')", [4, 2], 20],
    ["(7, 1)", "Conv1D(2, 3, dilation_rate=2)", [3, 2], 8],
    ["(7, 1)", "Conv1D(2, 3, padding='causal')", [7, 2], 8],
    ["(7, 1)", "Conv1D(2, 3, padding='causal', dilation_rate=3)", [7, 2], 8],
    ["(7, 1)", "Conv1D(2, 3, padding='causal', strides=3)", [3, 2], 8],
    ["(5, 2)", "Conv1D(filters=1, kernel_size=5)", [1, 1], 11],
    ["(5, 2)", "Conv1D(3, 1, data_format='channels_last')", [5, 3], 9],
  ];
  for (const [input, layer, out, params] of cases) {
    it(`${layer} on ${input}`, () => {
      const [l] = shapes(spec(input, layer));
      expect(l!.kind).toBe("Conv1D");
      expect(l!.outputShape).toEqual(out);
      expect(l!.params).toBe(params);
    });
  }
});

describe("Conv2D output shapes and parameter counts", () => {
  const cases: [input: string, layer: string, out: number[], params: number][] = [
    ["(28, 28, 1)", "Conv2D(8, 3)", [26, 26, 8], 3 * 3 * 1 * 8 + 8],
    ["(28, 28, 1)", "Conv2D(8, (3, 3))", [26, 26, 8], 80],
    ["(5, 7, 2)", "Conv2D(3, (2, 3))", [4, 5, 3], 2 * 3 * 2 * 3 + 3],
    ["(5, 7, 2)", "Conv2D(3, 3, padding='same')", [5, 7, 3], 57],
    ["(5, 5, 2)", "Conv2D(3, 2, padding='same')", [5, 5, 3], 27],
    ["(5, 7, 2)", "Conv2D(3, 3, strides=(2, 1), padding='same')", [3, 7, 3], 57],
    ["(5, 7, 2)", "Conv2D(3, 3, strides=2)", [2, 3, 3], 57],
    ["(6, 6, 1)", "Conv2D(1, 3, strides=(2, 3), padding='same')", [3, 2, 1], 10],
    ["(7, 7, 1)", "Conv2D(2, 3, dilation_rate=2)", [3, 3, 2], 20],
    ["(7, 6, 1)", "Conv2D(2, 3, dilation_rate=(2, 1))", [3, 4, 2], 20],
    ["(7, 6, 1)", "Conv2D(2, 3, dilation_rate=(2, 2), padding='same')", [7, 6, 2], 20],
    ["(4, 4, 3)", "Conv2D(5, 1, use_bias=False)", [4, 4, 5], 15],
    ["(4, 4, 3)", "Conv2D(5, (4, 4))", [1, 1, 5], 4 * 4 * 3 * 5 + 5],
  ];
  for (const [input, layer, out, params] of cases) {
    it(`${layer} on ${input}`, () => {
      const [l] = shapes(spec(input, layer));
      expect(l!.kind).toBe("Conv2D");
      expect(l!.outputShape).toEqual(out);
      expect(l!.params).toBe(params);
    });
  }

  it("default names follow Keras: conv2d, conv2d_1; conv1d", () => {
    const ls = shapes(spec("(8, 8, 1)", "Conv2D(2, 3)", "Conv2D(2, 3)", "Reshape((-1, 2))", "Conv1D(1, 2)"));
    expect(ls.map((l) => l.name)).toEqual(["conv2d", "conv2d_1", "reshape", "conv1d"]);
  });
});

describe("conv shapes agree with the reference formulas on random geometry", () => {
  it("Conv1D: output length, or shape_nonpositive exactly when it would be ≤ 0", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom("valid", "same", "causal"),
        fc.boolean(),
        (L, k, s, d, padding, stridesOrDilation) => {
          const [ss, dd] = stridesOrDilation ? [s, 1] : [1, d]; // Keras rejects strides > 1 with dilation > 1
          const src = spec(`(${L}, 2)`, `Conv1D(3, ${k}, strides=${ss}, dilation_rate=${dd}, padding='${padding}')`);
          const want = refLength(L, k, ss, dd, padding);
          const r = check(src);
          if (want <= 0) {
            expect(r.diagnostics.map((x) => x.code)).toEqual(["shape_nonpositive"]);
          } else {
            expect(r.diagnostics).toEqual([]);
            expect(r.models[0]!.layers[0]!.outputShape).toEqual([want, 3]);
            expect(r.models[0]!.paramCount).toBe(k * 2 * 3 + 3);
          }
        },
      ),
      { numRuns: 300, seed: 20261129 },
    );
  });

  it("Conv2D: each spatial axis by the formula", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })),
        fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        fc.constantFrom("valid", "same"),
        fc.boolean(),
        ([h, w], [kh, kw], [a, b], padding, useStrides) => {
          const [s, d] = useStrides ? [[a, b], [1, 1]] : [[1, 1], [a, b]];
          const src = spec(`(${h}, ${w}, 2)`, `Conv2D(3, (${kh}, ${kw}), strides=(${s}), dilation_rate=(${d}), padding='${padding}')`);
          const want = [refLength(h, kh, s[0]!, d[0]!, padding), refLength(w, kw, s[1]!, d[1]!, padding)];
          const r = check(src);
          if (want.some((n) => n <= 0)) expect(r.diagnostics.map((x) => x.code)).toEqual(["shape_nonpositive"]);
          else expect(r.models[0]!.layers[0]!.outputShape).toEqual([...want, 3]);
        },
      ),
      { numRuns: 300, seed: 20261130 },
    );
  });

  it("'same' pads asymmetrically: the odd pixel goes at the end (§2.2 examples)", () => {
    // L=5, k=2, s=1 → P=1: (0 before, 1 after); L=6, k=3, s=2 → P=1: (0, 1)
    expect(padBefore(5, 2, 1, 1, "same")).toBe(0);
    expect(padBefore(6, 3, 2, 1, "same")).toBe(0);
    expect(padBefore(5, 3, 1, 1, "same")).toBe(1);
    expect(padBefore(7, 4, 1, 1, "same")).toBe(1); // P=3 → (1, 2)
    expect(padBefore(7, 3, 1, 2, "same")).toBe(2); // k_eff=5, P=4 → (2, 2)
    expect(padBefore(7, 3, 1, 2, "causal")).toBe(4);
    expect(padBefore(7, 3, 2, 1, "valid")).toBe(0);
  });
});

describe("Reshape and global pooling shapes", () => {
  const cases: [input: string, layer: string, out: number[]][] = [
    ["(12,)", "Reshape((3, 4))", [3, 4]],
    ["(12,)", "Reshape((-1, 4))", [3, 4]],
    ["(12,)", "Reshape(target_shape=(2, -1, 3))", [2, 2, 3]],
    ["(2, 3, 2)", "Reshape((-1,))", [12]],
    ["(2, 3, 2)", "Reshape([6, 2])", [6, 2]],
    ["(5, 4, 3)", "GlobalAveragePooling2D()", [3]],
    ["(5, 4, 3)", "GlobalMaxPooling2D()", [3]],
    ["(5, 4, 3)", "GlobalMaxPooling2D(keepdims=True)", [1, 1, 3]],
    ["(5, 4, 3)", "GlobalAveragePooling2D(data_format='channels_last', keepdims=True)", [1, 1, 3]],
  ];
  for (const [input, layer, out] of cases) {
    it(`${layer} on ${input}`, () => {
      const [l] = shapes(spec(input, layer));
      expect(l!.outputShape).toEqual(out);
      expect(l!.params).toBe(0);
    });
  }

  it("a small CNN: Conv2D → GlobalAveragePooling2D → Dense", () => {
    const r = check(spec("(28, 28, 1)", "Conv2D(8, 3, activation='relu')", "Conv2D(16, 3, strides=2, padding='same')", "GlobalAveragePooling2D()", "Dense(10, activation='softmax')"));
    expect(r.diagnostics).toEqual([]);
    const m = r.models[0]!;
    expect(m.layers.map((l) => l.outputShape)).toEqual([[26, 26, 8], [13, 13, 16], [16], [10]]);
    expect(m.layers.map((l) => l.params)).toEqual([80, 3 * 3 * 8 * 16 + 16, 0, 170]);
    expect(m.paramCount).toBe(80 + 1168 + 170);
  });
});

describe("shape errors", () => {
  it("Conv2D after Dense: shape_rank, with a related note naming `dense`", () => {
    const src = spec("(4,)", "Dense(3)", "Conv2D(2, 3)");
    const [d, ...rest] = errorsOf(src);
    expect(rest).toEqual([]);
    expect(d!.code).toBe("shape_rank");
    expect(d!.message).toBe("`Conv2D` expects input of rank 3 (height, width, channels), but its input has shape (None, 3)");
    expect(src.slice(d!.span.start, d!.span.end)).toBe("Conv2D");
    expect(d!.related?.[0]?.message).toMatch(/`dense`.*outputs \(3,\)/);
    expect(src.slice(d!.related![0]!.span.start, d!.related![0]!.span.end)).toBe("Dense(3)");
  });

  it.each([
    ["(4, 4, 3)", "Conv1D(2, 3)", "`Conv1D` expects input of rank 2 (steps, channels), but its input has shape (None, 4, 4, 3)"],
    ["(8,)", "Conv1D(2, 3)", "`Conv1D` expects input of rank 2 (steps, channels), but its input has shape (None, 8)"],
    ["(4, 3)", "GlobalMaxPooling2D()", "`GlobalMaxPooling2D` expects input of rank 3 (height, width, channels), but its input has shape (None, 4, 3)"],
    ["(2, 4, 4, 3)", "GlobalAveragePooling2D()", "`GlobalAveragePooling2D` expects input of rank 3 (height, width, channels), but its input has shape (None, 2, 4, 4, 3)"],
  ])("rank: %s into %s", (input, layer, message) => {
    const ds = errorsOf(spec(input, layer));
    expect(ds.map((d) => [d.code, d.message])).toEqual([["shape_rank", message]]);
    expect(ds[0]!.related?.[0]?.message).toMatch(/the model input/);
  });

  it.each([
    ["(4, 4, 1)", "Conv2D(2, 5)", "(None, 0, 0, 2)"],
    ["(4, 9, 1)", "Conv2D(2, (2, 10))", "(None, 3, 0, 2)"],
    ["(6, 1)", "Conv1D(1, 3, dilation_rate=3)", "(None, 0, 1)"],
    ["(2, 1)", "Conv1D(1, 5)", "(None, -2, 1)"],
  ])("nonpositive: %s into %s", (input, layer, shape) => {
    const src = spec(input, layer);
    const ds = errorsOf(src);
    expect(ds.map((d) => d.code)).toEqual(["shape_nonpositive"]);
    expect(ds[0]!.message).toBe(`\`${layer.slice(0, 6)}\` would produce output shape ${shape}: a size is zero or negative`);
    expect(src.slice(ds[0]!.span.start, ds[0]!.span.end)).toBe(layer);
  });

  it("'same' and 'causal' never produce a nonpositive size", () => {
    expect(errorsOf(spec("(1, 1)", "Conv1D(1, 9, padding='causal', dilation_rate=3)"))).toEqual([]);
    expect(errorsOf(spec("(1, 1, 1)", "Conv2D(1, 9, padding='same', strides=4)"))).toEqual([]);
  });

  it.each([
    ["(7,)", "Reshape((4, 2))", "cannot reshape input of shape (7,) (7 values) to (4, 2)"],
    ["(7,)", "Reshape((-1, 2))", "cannot reshape input of shape (7,) (7 values) to (-1, 2)"],
    ["(2, 3)", "Reshape((12, -1))", "cannot reshape input of shape (2, 3) (6 values) to (12, -1)"],
  ])("reshape mismatch: %s to %s", (input, layer, message) => {
    const ds = errorsOf(spec(input, layer));
    expect(ds.map((d) => [d.code, d.message])).toEqual([["shape_reshape", message]]);
  });

  it("Reshape accepts one -1 only", () => {
    expect(errorsOf(spec("(12,)", "Reshape((-1, -1))")).map((d) => d.code)).toEqual(["arg_range"]);
    expect(errorsOf(spec("(12,)", "Reshape((0, 12))")).map((d) => d.code)).toEqual(["shape_invalid"]);
    expect(errorsOf(spec("(12,)", "Reshape()")).map((d) => d.code)).toEqual(["arg_missing"]);
  });
});

describe("conv argument validation", () => {
  it.each([
    ["(5, 5, 1)", "Conv2D(2, 3, padding='causal')", "arg_enum"],
    ["(5, 1)", "Conv1D(2, 3, padding='full')", "arg_enum"],
    ["(5, 5, 1)", "Conv2D(2, 3, data_format='channels_first')", "arg_enum"],
    ["(5, 5, 1)", "Conv2D(2, (3,))", "arg_type"],
    ["(5, 5, 1)", "Conv2D(2, (3, 3, 3))", "arg_type"],
    ["(5, 1)", "Conv1D(2, (3, 3))", "arg_type"],
    ["(5, 5, 1)", "Conv2D(2, 0)", "arg_range"],
    ["(5, 5, 1)", "Conv2D(2, (3, 0))", "arg_range"],
    ["(5, 5, 1)", "Conv2D(0, 3)", "arg_range"],
    ["(5, 5, 1)", "Conv2D(2, 3, strides=0)", "arg_range"],
    ["(5, 5, 1)", "Conv2D(2, 3, dilation_rate=(1, 0))", "arg_range"],
    ["(5, 5, 1)", "Conv2D(2)", "arg_missing"],
    ["(5, 5, 1)", "Conv2D(2, 3, groups=2)", "arg_unknown"],
    ["(5, 5, 1)", "GlobalMaxPooling2D(2)", "arg_too_many_positional"],
  ])("%s into %s: %s", (input, layer, code) => {
    expect(errorsOf(spec(input, layer)).map((d) => d.code)).toEqual([code]);
  });

  it("strides > 1 together with dilation_rate > 1 is rejected, as Keras 3 does", () => {
    const ds = errorsOf(spec("(9, 9, 1)", "Conv2D(2, 3, strides=(2, 1), dilation_rate=(1, 2))"));
    expect(ds.map((d) => [d.code, d.message])).toEqual([
      ["arg_range", "`dilation_rate` must be 1 when strides > 1 (strides=(2, 1)), got (1, 2)"],
    ]);
  });
});
