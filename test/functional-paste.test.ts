/**
 * Pasted Keras functional code needs only `model Name { }` around it:
 * module prefixes (`keras.Input`, `layers.Dense`, `keras.Model`),
 * `model = keras.Model(...)`, `model.compile(...)`, `model.summary()` and
 * constants check to the same model as the plain spelling.
 */
import { describe, expect, it } from "vitest";
import { check } from "../src/index.js";

const PASTED = `model M {
  num_hidden = 8
  inputs = keras.Input(shape=(4,), name="features")
  x = layers.Dense(num_hidden, activation="relu")(inputs)
  x = layers.Dropout(0.1)(x)
  outputs = layers.Dense(2, activation="softmax")(x)
  model = keras.Model(inputs=inputs, outputs=outputs, name="pasted")
  model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
  model.summary()
}`;

const PLAIN = `model M {

  inputs = Input(shape=(4,), name='features')
  x = Dense(8, activation='relu')(inputs)
  x = Dropout(0.1)(x)
  outputs = Dense(2, activation='softmax')(x)
  Model(inputs=inputs, outputs=outputs)
  compile(optimizer=Adam(1e-3), loss='categorical_crossentropy', metrics=['accuracy'])
}`;

describe("pasted functional Keras", () => {
  it("checks to the same graph as the plain spelling", () => {
    const a = check(PASTED, { fileName: "a.nn" });
    const b = check(PLAIN, { fileName: "b.nn" });
    expect(a.diagnostics).toEqual([]);
    expect(b.diagnostics).toEqual([]);
    expect(a.ir.models[0]!).toEqual(b.ir.models[0]!);
    expect(a.ir.models[0]!.inputs).toEqual([{ name: "features", tensor: 0 }]);
  });

  it("rejects a wrong module prefix at its position", () => {
    const r = check(PASTED.replace("layers.Dense(num_hidden", "torch.Dense(num_hidden"));
    expect(r.diagnostics.map((d) => d.code)).toContain("module_unknown");
  });
});
