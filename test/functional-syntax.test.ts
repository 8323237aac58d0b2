/**
 * Issue 11, syntax that Python allows in functional code: a layer call
 * nested where a tensor goes (`Add()([Dense(4)(x), y])`, `outputs=Dense(1)(h)`)
 * and `{…}` dict literals meaning what `dict(...)` means. Numeric agreement
 * with Keras for both is in test/functional-keras.test.ts (nested_* cases).
 */
import { describe, expect, it } from "vitest";
import { check, type Diagnostic } from "../src/index.js";
import { parseSource } from "../src/phases/1-parse/index.js";

const ir = (src: string) => {
  const r = check(src);
  expect(r.diagnostics.filter((d: Diagnostic) => d.severity === "error")).toEqual([]);
  return r.ir!.models[0]!;
};
const codes = (src: string) => check(src).diagnostics.map((d: Diagnostic) => d.code);

describe("layer calls nested in values", () => {
  it("parses a nested call as a LayerCall and a top-level one as the assignment's application", () => {
    const { ast } = parseSource("model A {\n  s = Add()([Dense(4)(x), y])\n}");
    const stmt = ast.models[0]!.statements[0]!;
    expect(stmt.kind).toBe("Assign");
    if (stmt.kind !== "Assign") return;
    expect(stmt.value.kind === "Call" && stmt.value.callee.name).toBe("Add");
    const list = stmt.applied![0]!.args[0]!.value;
    expect(list.kind).toBe("List");
    if (list.kind !== "List") return;
    expect(list.items.map((i) => i.kind)).toEqual(["LayerCall", "Name"]);
  });

  it("builds the same graph as binding each call to a name first (names follow Python's evaluation order)", () => {
    const nested = ir(`model N {
  x = Input(shape=(3,))
  y = Dense(3)(x)
  s = Add()([layers.Dense(3)(x), y])
  out = Dense(2, name='out')(Concatenate()([s, y]))
}`);
    const bound = ir(`model N {
  x = Input(shape=(3,))
  y = Dense(3)(x)
  d = Dense(3, name='dense_1')(x)
  s = Add(name='add')([d, y])
  c = Concatenate()([s, y])
  out = Dense(2, name='out')(c)
}`);
    expect(nested.layers.map((l) => l.name)).toEqual(["dense_1", "dense", "add", "concatenate", "out"]);
    expect(nested.nodes.map(({ layer, inputs, output }) => ({ layer, inputs, output }))).toEqual(bound.nodes.map(({ layer, inputs, output }) => ({ layer, inputs, output })));
    expect(nested.layers.map((l) => [l.name, l.kind, l.outputShape])).toEqual(bound.layers.map((l) => [l.name, l.kind, l.outputShape]));
  });

  it("calls a shared layer in place and accepts a call as outputs=", () => {
    const m = ir(`model S {
  a = Input(shape=(2,))
  b = Input(shape=(2,))
  shared = Dense(3)
  Model(inputs=[a, b], outputs=Dense(1)(Concatenate()([shared(a), shared(b)])))
}`);
    expect(m.layers.map((l) => l.name)).toEqual(["dense", "concatenate", "dense_1"]);
    expect(m.nodes.filter((n) => n.layer === 0)).toHaveLength(2);
    expect(m.outputs).toEqual([m.nodes[m.nodes.length - 1]!.output]);
  });

  it("reports a nested call's own mistakes at the nested call", () => {
    expect(codes("model E {\n  x = Input(shape=(3,))\n  s = Add()([Dense(4)(x), Dense(5)(x)])\n}")).toEqual(["merge_shape_mismatch"]);
    expect(codes("model E {\n  x = Input(shape=(3,))\n  s = Add()([Dense(4)(x)(x), x])\n}")).toContain("tensor_not_callable");
    expect(codes("model E {\n  x = Input(shape=(3,))\n  s = Dense(2)([Dense(4)(q)])\n}")).toContain("tensor_undefined");
  });
});

describe("dict literals", () => {
  const twoHeads = (compileArgs: string) => `model T {
  x = Input(shape=(4,))
  cls = Dense(3, activation='softmax', name='cls')(x)
  reg = Dense(1, name='reg')(x)
  Model(inputs=x, outputs=[cls, reg])
  compile(optimizer='sgd', ${compileArgs})
}`;

  it("means what dict(...) means in compile(loss=, loss_weights=, metrics=)", () => {
    const literal = ir(twoHeads("loss={'reg': 'mse', 'cls': 'categorical_crossentropy'}, loss_weights={'cls': 1.0, 'reg': 0.25}, metrics={'cls': ['accuracy']}"));
    const call = ir(twoHeads("loss=dict(reg='mse', cls='categorical_crossentropy'), loss_weights=dict(cls=1.0, reg=0.25), metrics=dict(cls=['accuracy'])"));
    expect(literal.training).toEqual(call.training);
    expect(literal.training!.outputs!.map((o) => [o.loss.name, o.weight, o.metrics.map((m) => m.name)])).toEqual([
      ["categorical_crossentropy", 1, ["accuracy"]],
      ["mean_squared_error", 0.25, []],
    ]);
  });

  it("keys a one-output model's loss by its output name, as Keras does", () => {
    const m = ir("model O {\n  x = Input(shape=(2,))\n  y = Dense(1, name='y')(x)\n  compile(optimizer='sgd', loss={'y': 'mse'}, loss_weights={'y': 2.0})\n}");
    expect(m.training!.loss.name).toBe("mean_squared_error");
    expect(m.training!.outputs![0]!.weight).toBe(2);
    expect(codes("model O {\n  x = Input(shape=(2,))\n  y = Dense(1, name='y')(x)\n  compile(optimizer='sgd', loss={'z': 'mse'})\n}")).toEqual(["model_io_invalid"]);
  });

  it("reports duplicate and non-string keys at the key, in dict(...) too, with no follow-on errors", () => {
    const dup = check(twoHeads("loss={'cls': 'categorical_crossentropy', 'reg': 'mse', 'cls': 'mse'}"));
    expect(dup.diagnostics.map((d) => d.code)).toEqual(["dict_key_duplicate"]);
    const src = twoHeads("loss={'cls': 'categorical_crossentropy', 'reg': 'mse', 'cls': 'mse'}");
    expect(src.slice(dup.diagnostics[0]!.span.start, dup.diagnostics[0]!.span.end)).toBe("'cls'");
    expect(codes(twoHeads("loss={0: 'categorical_crossentropy', 'reg': 'mse'}"))).toEqual(["dict_key_invalid"]);
    expect(codes(twoHeads("loss=dict(cls='categorical_crossentropy', reg='mse', cls='mse')"))).toEqual(["dict_key_duplicate"]);
  });

  it("refuses a dict as Model(inputs=) or outputs= with a positioned reason", () => {
    const src = "model D {\n  a = Input(shape=(3,), name='a')\n  out = Dense(2)(a)\n  Model(inputs={'a': a}, outputs=out)\n}";
    const d = check(src).diagnostics.find((x) => x.code === "model_io_invalid")!;
    expect(src.slice(d.span.start, d.span.end)).toBe("{'a': a}");
  });

  it("is an ordinary wrong-type value elsewhere", () => {
    expect(codes("model W {\n  Input(shape=(2,))\n  Dense({'units': 4})\n}")).toContain("arg_type");
  });
});
