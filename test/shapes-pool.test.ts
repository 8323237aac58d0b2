/**
 * Output shapes, parameter counts and argument errors for pooling, Dropout
 * and BatchNormalization, through the public check() and interpret().
 */
import { describe, expect, it } from "vitest";
import { check, interpret } from "../src/index.js";
import { summaryRows } from "./helpers/summary-rows.js";

const spec = (input: string, layer: string) => `model M {\n  Input(shape=${input})\n  ${layer}\n}`;

function shapeOf(input: string, layer: string) {
  const r = check(spec(input, layer));
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => d.message)).toEqual([]);
  const l = r.models[0]!.layers[0]!;
  return { shape: l.outputShape, params: l.params };
}

function errorsOf(input: string, layer: string) {
  return check(spec(input, layer)).diagnostics.filter((d) => d.severity === "error");
}

describe("pooling output shapes", () => {
  const table: [string, string, number[]][] = [
    // MaxPooling1D: pool_size=2, strides=None → pool_size
    ["(7, 3)", "MaxPooling1D()", [3, 3]],
    ["(8, 3)", "MaxPooling1D()", [4, 3]],
    ["(7, 3)", "MaxPooling1D(3)", [2, 3]],
    ["(7, 3)", "MaxPooling1D(pool_size=(3,))", [2, 3]],
    ["(7, 3)", "MaxPooling1D(3, strides=1)", [5, 3]],
    ["(8, 1)", "MaxPooling1D(2, strides=3)", [3, 1]],
    ["(7, 3)", "MaxPooling1D(padding='same')", [4, 3]],
    ["(7, 3)", "MaxPooling1D(3, strides=2, padding='same')", [4, 3]],
    ["(7, 3)", "MaxPooling1D(4, 1, 'same')", [7, 3]],
    ["(1, 2)", "MaxPooling1D(3, padding='same')", [1, 2]],
    // MaxPooling2D: pool_size=(2, 2)
    ["(5, 7, 2)", "MaxPooling2D()", [2, 3, 2]],
    ["(4, 4, 1)", "MaxPooling2D(2)", [2, 2, 1]],
    ["(7, 7, 1)", "MaxPooling2D(3, strides=2)", [3, 3, 1]],
    ["(5, 7, 2)", "MaxPooling2D((3, 2), strides=(2, 1), padding='same')", [3, 7, 2]],
    ["(5, 7, 2)", "MaxPooling2D(padding='same')", [3, 4, 2]],
    ["(9, 6, 4)", "MaxPooling2D(pool_size=[3, 2], strides=(3, 2))", [3, 3, 4]],
    // AveragePooling: pool_size required
    ["(5, 4)", "AveragePooling1D(2)", [2, 4]],
    ["(5, 4)", "AveragePooling1D(4, strides=3, padding='same')", [2, 4]],
    ["(5, 4)", "AveragePooling1D(pool_size=5)", [1, 4]],
    ["(7, 5, 2)", "AveragePooling2D(3)", [2, 1, 2]],
    ["(5, 7, 2)", "AveragePooling2D((2, 3), padding='same')", [3, 3, 2]],
    ["(1, 1, 1)", "AveragePooling2D(3, strides=1, padding='same')", [1, 1, 1]],
    ["(6, 5, 3)", "AveragePooling2D(2, 1)", [5, 4, 3]],
  ];
  for (const [input, layer, expected] of table) {
    it(`${layer} on ${input} → ${JSON.stringify(expected)}`, () => {
      expect(shapeOf(input, layer)).toEqual({ shape: expected, params: 0 });
    });
  }

  it("default layer names follow Keras", () => {
    const r = check(`model M {\n Input(shape=(8, 8, 2))\n MaxPooling2D()\n MaxPooling2D()\n AveragePooling2D(1)\n Dropout(0.1)\n BatchNormalization()\n}`);
    expect(r.models[0]!.layers.map((l) => l.name)).toEqual(["max_pooling2d", "max_pooling2d_1", "average_pooling2d", "dropout", "batch_normalization"]);
    const r1 = check(`model M {\n Input(shape=(8, 2))\n MaxPooling1D()\n AveragePooling1D(2)\n}`);
    expect(r1.models[0]!.layers.map((l) => l.name)).toEqual(["max_pooling1d", "average_pooling1d"]);
  });
});

describe("pooling errors", () => {
  it("a window larger than the input is shape_nonpositive with the would-be shape", () => {
    const e = errorsOf("(3, 5, 1)", "MaxPooling2D(pool_size=4)");
    expect(e.map((d) => d.code)).toEqual(["shape_nonpositive"]);
    expect(e[0]!.message).toContain("(None, 0, 1, 1)");
    const e1 = errorsOf("(4, 2)", "AveragePooling1D(5)");
    expect(e1.map((d) => d.code)).toEqual(["shape_nonpositive"]);
    expect(e1[0]!.message).toContain("(None, 0, 2)");
    // same padding never underflows
    expect(errorsOf("(3, 5, 1)", "MaxPooling2D(pool_size=4, padding='same')")).toEqual([]);
  });
  it("AveragePooling requires pool_size (Keras 3)", () => {
    for (const [input, layer] of [
      ["(4, 4, 1)", "AveragePooling2D()"],
      ["(4, 4, 1)", "AveragePooling2D(strides=2)"],
      ["(4, 1)", "AveragePooling1D(padding='same')"],
    ] as const) {
      const e = errorsOf(input, layer);
      expect(e.map((d) => d.code), layer).toEqual(["arg_missing"]);
      expect(e[0]!.message).toContain("pool_size");
    }
  });
  it("bad pool sizes, strides, paddings and ranks", () => {
    expect(errorsOf("(4, 4, 1)", "MaxPooling2D(0)").map((d) => d.code)).toEqual(["arg_range"]);
    expect(errorsOf("(4, 4, 1)", "MaxPooling2D(2, strides=(1, 0))").map((d) => d.code)).toEqual(["arg_range"]);
    expect(errorsOf("(4, 4, 1)", "MaxPooling2D((2, 2, 2))").map((d) => d.code)).toEqual(["arg_type"]);
    expect(errorsOf("(4, 4, 1)", "MaxPooling2D(padding='causal')").map((d) => d.code)).toEqual(["arg_enum"]);
    expect(errorsOf("(4, 4)", "MaxPooling2D()").map((d) => d.code)).toEqual(["shape_rank"]);
    expect(errorsOf("(4, 4, 1)", "MaxPooling1D()").map((d) => d.code)).toEqual(["shape_rank"]);
    expect(errorsOf("(4,)", "AveragePooling1D(2)").map((d) => d.code)).toEqual(["shape_rank"]);
  });
});

describe("Dropout", () => {
  it("keeps the shape and has no weights", () => {
    expect(shapeOf("(3, 4)", "Dropout(0.5)")).toEqual({ shape: [3, 4], params: 0 });
    expect(shapeOf("(3,)", "Dropout(rate=0, seed=7)")).toEqual({ shape: [3], params: 0 });
    expect(shapeOf("(3,)", "Dropout(1)")).toEqual({ shape: [3], params: 0 });
    expect(shapeOf("(3,)", "Dropout(1.0, seed=None)")).toEqual({ shape: [3], params: 0 });
  });
  it("rate outside [0, 1] is arg_range; rate is required", () => {
    for (const layer of ["Dropout(1.5)", "Dropout(-0.1)", "Dropout(rate=2)"]) {
      expect(errorsOf("(3,)", layer).map((d) => d.code), layer).toEqual(["arg_range"]);
    }
    expect(errorsOf("(3,)", "Dropout()").map((d) => d.code)).toEqual(["arg_missing"]);
    expect(errorsOf("(3,)", "Dropout('half')").map((d) => d.code)).toEqual(["arg_type"]);
    expect(errorsOf("(3,)", "Dropout(0.5, seed=-1)").map((d) => d.code)).toEqual(["arg_range"]);
    expect(errorsOf("(3,)", "Dropout(0.5, seed=1.5)").map((d) => d.code)).toEqual(["arg_type"]);
    expect(errorsOf("(3,)", "Dropout(0.5, noise_shape=(1, 3))").map((d) => d.code)).toEqual(["arg_unknown"]);
  });
});

describe("BatchNormalization", () => {
  const cases: [string, string, number, number][] = [
    // input, layer, trainable, non-trainable
    ["(4,)", "BatchNormalization()", 8, 8],
    ["(4, 4, 3)", "BatchNormalization()", 6, 6],
    ["(2, 3, 4, 5)", "BatchNormalization()", 10, 10],
    ["(4, 4, 3)", "BatchNormalization(center=False)", 3, 6],
    ["(4, 4, 3)", "BatchNormalization(scale=False)", 3, 6],
    ["(4, 4, 3)", "BatchNormalization(center=False, scale=False)", 0, 6],
    ["(4, 4, 3)", "BatchNormalization(axis=3)", 6, 6], // Keras counts the batch axis
    ["(6, 2)", "BatchNormalization(axis=-1, momentum=0.9, epsilon=1e-5)", 4, 4],
  ];
  for (const [input, layer, trainable, fixed] of cases) {
    it(`${layer} on ${input}: ${trainable} trainable + ${fixed} non-trainable`, () => {
      const r = check(spec(input, layer));
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const info = r.models[0]!.layers[0]!;
      const inShape = JSON.parse(input.replace(/\(/g, "[").replace(/\)/g, "]").replace(/,\s*]/, "]")) as number[];
      expect(info.outputShape).toEqual(inShape);
      expect(info.params).toBe(trainable + fixed);
      const params = r.ir.models[0]!.layers[0]!.params;
      const c = inShape[inShape.length - 1]!;
      const names = params.map((p) => p.name);
      const expected = [...(layer.includes("scale=False") ? [] : ["gamma"]), ...(layer.includes("center=False") ? [] : ["beta"]), "moving_mean", "moving_variance"];
      expect(names).toEqual(expected);
      for (const p of params) {
        expect(p.shape).toEqual([c]);
        expect(p.trainable).toBe(!p.name.startsWith("moving_"));
      }
      expect(params.filter((p) => p.trainable).reduce((s, p) => s + p.size, 0)).toBe(trainable);
      expect(params.filter((p) => !p.trainable).reduce((s, p) => s + p.size, 0)).toBe(fixed);
    });
  }

  it("summary() reports 2C non-trainable params", () => {
    const M = interpret(spec("(4, 4, 3)", "BatchNormalization()"))["M"]!;
    const text = new M({ seed: 1 }).summary();
    expect(summaryRows(text).map((r) => r[0])).toContain("batch_normalization (BatchNormalization)");
    expect(text).toContain("Total params: 12 (48.00 B)");
    expect(text).toContain("Trainable params: 6 (24.00 B)");
    expect(text).toContain("Non-trainable params: 6 (24.00 B)");
    const M2 = interpret(spec("(5,)", "BatchNormalization(center=False, scale=False)"))["M"]!;
    expect(new M2({ seed: 1 }).summary()).toContain("Non-trainable params: 10 (40.00 B)");
  });

  it("initializers and weights order", () => {
    const M = interpret(spec("(3,)", "BatchNormalization(moving_variance_initializer=Constant(2.0), gamma_initializer='zeros')"))["M"]!;
    const w = new M({ seed: 1 }).getWeights();
    expect(w.map((t) => t.name)).toEqual([
      "batch_normalization/gamma",
      "batch_normalization/beta",
      "batch_normalization/moving_mean",
      "batch_normalization/moving_variance",
    ]);
    expect(w.map((t) => Array.from(t.data))).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [2, 2, 2],
    ]);
  });

  it("only the last axis is supported; bad momentum/epsilon", () => {
    const e = errorsOf("(4, 4, 3)", "BatchNormalization(axis=1)");
    expect(e.map((d) => d.code)).toEqual(["arg_range"]);
    expect(e[0]!.message).toContain("axis");
    expect(errorsOf("(4, 4, 3)", "BatchNormalization(axis=2)").map((d) => d.code)).toEqual(["arg_range"]);
    expect(errorsOf("(3,)", "BatchNormalization(epsilon=0)").map((d) => d.code)).toEqual(["arg_range"]);
    expect(errorsOf("(3,)", "BatchNormalization(momentum=1.5)").map((d) => d.code)).toEqual(["arg_range"]);
    expect(errorsOf("(3,)", "BatchNormalization(renorm=True)").map((d) => d.code)).toEqual(["arg_unknown"]);
    // arguments bind by position in Keras order: axis, momentum, epsilon, center, scale, ...
    expect(shapeOf("(3,)", "BatchNormalization(-1, 0.9, 0.001, False)")).toEqual({ shape: [3], params: 9 });
    // axes count the batch dimension, as in Keras: for input (3,) the channels axis is 1
    expect(errorsOf("(3,)", "BatchNormalization(1)").map((d) => d.code)).toEqual([]);
    expect(errorsOf("(3,)", "BatchNormalization(0)").map((d) => d.code)).toEqual(["arg_range"]);
    expect(errorsOf("(3, 2)", "BatchNormalization(1)").map((d) => d.code)).toEqual(["arg_range"]);
  });
});
