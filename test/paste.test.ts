/**
 * Pasted Keras code: module prefixes, `model = keras.Sequential([…])`,
 * `model.add(…)`, constants and Python number forms lower to the same model
 * as the plain spelling; prefixes and statements Keras would not accept are
 * rejected with their own codes; unknown and unsupported layers say which
 * layers exist.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check, type Diagnostic } from "../src/index.js";
import { kerasLayerGroups } from "../src/layers/keras-layers.js";
import { lookupLayer } from "../src/layers/registry.js";
import type { ModelIR } from "../src/ir/model-ir.js";

/** The checked model without source lines, for comparing two spellings. */
function modelOf(source: string): Omit<ModelIR, "layers"> & { layers: unknown[] } {
  const r = check(source, { fileName: "t.nn" });
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  const m = r.ir.models[0]!;
  return { ...m, layers: m.layers.map(({ line: _line, ...l }) => l) };
}

function codes(source: string): string[] {
  return check(source, { fileName: "t.nn" }).diagnostics.map((d: Diagnostic) => d.code);
}

const plain = `model M {
  Input(shape=(8,))
  Dense(16, activation='relu', kernel_initializer='he_normal')
  Dropout(0.25)
  Dense(3, activation='softmax')
  compile(optimizer=Adam(learning_rate=0.001), loss=CategoricalCrossentropy(from_logits=False), metrics=['accuracy'])
}`;

describe("pasted Keras lowers to the plain model", () => {
  it.each([
    [
      "keras.Sequential with layers. prefixes and trailing commas",
      `model M {
  model = keras.Sequential([
      keras.Input(shape=(8,)),
      layers.Dense(16, activation="relu", kernel_initializer="he_normal"),
      layers.Dropout(0.25),
      layers.Dense(3, activation="softmax"),
  ])
  model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=keras.losses.CategoricalCrossentropy(from_logits=False), metrics=["accuracy"],)
}`,
    ],
    [
      "tf.keras prefixes and model.add",
      `model M {
  model = tf.keras.models.Sequential()
  model.add(tf.keras.Input(shape=(8,)))
  model.add(tf.keras.layers.Dense(16, kernel_initializer=tf.keras.initializers.HeNormal(), activation=tf.nn.relu))
  model.add(tf.keras.layers.Dropout(1./4))
  model.add(tf.keras.layers.Dense(3, activation=keras.activations.softmax))
  model.summary()
  model.compile(loss=tf.keras.losses.CategoricalCrossentropy(from_logits=False), metrics=['accuracy'], optimizer=tf.keras.optimizers.Adam(learning_rate=0.001))
}`,
    ],
    [
      "constants and keyword arguments in any order",
      `model M {
  n_features = 8
  hidden = 4 * 4
  rate = 1. / 4
  opt = keras.optimizers.Adam(learning_rate=1e-3)
  keras.Sequential([
    layers.Input(shape=(n_features,)),
    layers.Dense(activation="relu", units=hidden, kernel_initializer="he_normal"),
    layers.Dropout(rate),
    layers.Dense(3, activation="softmax"),
  ])
  compile(loss=losses.CategoricalCrossentropy(from_logits=False), optimizer=opt, metrics=["accuracy"])
}`,
    ],
  ])("%s", (_, pasted) => {
    expect(modelOf(pasted)).toEqual(modelOf(plain));
  });

  it("folds Python number forms and reads True/False/None", () => {
    const m = modelOf(`model M {
  Input(shape=(28 * 28,))
  Dense(4, use_bias=True, activation=None)
  Dense(2, use_bias=False)
  Dropout(1./255)
}`);
    expect(m.inputShape).toEqual([784]);
    expect(m.layers.map((l) => (l as { attrs: Record<string, unknown> }).attrs["use_bias"] ?? null)).toEqual([true, false, null]);
    expect((m.layers[2] as { attrs: { rate: number } }).attrs.rate).toBeCloseTo(1 / 255, 12);
  });

  it("takes Keras's aliases for a layer's class", () => {
    const alias = modelOf("model M {\n  Input(shape=(8, 8, 1))\n  layers.MaxPool2D()\n  Convolution2D(2, 3)\n}");
    const canonical = modelOf("model M {\n  Input(shape=(8, 8, 1))\n  MaxPooling2D()\n  Conv2D(2, 3)\n}");
    expect(alias).toEqual(canonical);
  });

  it("compiles examples/pasted.nn, with Keras's parameter counts", () => {
    const source = readFileSync(join(import.meta.dirname, "../examples/pasted.nn"), "utf8");
    const r = check(source, { fileName: "pasted.nn" });
    expect(r.diagnostics).toEqual([]);
    // model.summary() in Keras 3: 34,826 (mnist_convnet), 49,002 (sequential guide), 101,770 (TF classification)
    expect(r.ir.models.map((m) => [m.name, m.paramCount])).toEqual([
      ["MnistConvnet", 34826],
      ["SequentialGuide", 49002],
      ["FashionMnist", 101770],
    ]);
  });
});

describe("what pasting rejects", () => {
  it.each([
    ["a prefix Keras does not have", "model M {\n  Input(shape=(2,))\n  nn.Dense(2)\n}", ["module_unknown"]],
    ["torch-style paths", "model M {\n  Input(shape=(2,))\n  torch.nn.Linear(2)\n}", ["module_unknown"]],
    ["a layer from keras.losses", "model M {\n  Input(shape=(2,))\n  keras.losses.Dense(2)\n}", ["module_mismatch"]],
    ["an optimizer from keras.losses", "model M {\n  Input(shape=(2,))\n  Dense(2)\n  compile(optimizer=keras.losses.Adam(), loss='mse')\n}", ["module_mismatch"]],
    ["an activation from keras.layers", "model M {\n  Input(shape=(2,))\n  Dense(2, activation=layers.relu)\n}", ["module_mismatch"]],
    ["model.fit", "model M {\n  model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(2)])\n  model.fit(x, y)\n}", ["method_unsupported"]],
    ["model.add before the model exists", "model M {\n  model.add(layers.Dense(2, input_shape=(2,)))\n}", ["statement_unsupported"]],
    ["a second Sequential", "model M {\n  keras.Sequential([layers.Dense(2, input_shape=(2,))])\n  keras.Sequential([layers.Dense(2)])\n}", ["statement_unsupported"]],
    ["a Sequential list item that is not a layer", "model M {\n  keras.Sequential([layers.Dense(2, input_shape=(2,)), 4])\n}", ["statement_unsupported"]],
  ])("%s", (_, source, expected) => {
    expect(codes(source)).toEqual(expected);
  });

  it("says a Keras layer is not supported yet, without suggesting another layer", () => {
    const unsupported = Object.values(kerasLayerGroups).flat().filter((n) => lookupLayer(n) === undefined);
    expect(unsupported.length).toBeGreaterThan(0);
    for (const name of unsupported) {
      const [d, ...rest] = check(`model M {\n  Input(shape=(4,))\n  layers.${name}()\n}`).diagnostics;
      expect(rest).toEqual([]);
      expect(d?.code, name).toBe("layer_unsupported");
      expect(d?.suggestion).toBeUndefined();
      expect(d?.message).toContain(`\`${name}\` is a Keras layer that layerc does not support yet`);
    }
  });

  it("lists the supported layers by group for an unknown one", () => {
    const [d] = check("model M {\n  Input(shape=(4,))\n  Dens(2)\n}").diagnostics;
    expect(d?.code).toBe("layer_unknown");
    expect(d?.suggestion).toBe("Dense");
    expect(d?.message).toMatch(/supported layers: core: Dense.*; convolutional: Conv1D, .*Conv2D.*; pooling: /);
  });
});
