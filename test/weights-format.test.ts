/**
 * The `.weights.bin` format (src/runtime/weights.ts) and the model methods
 * over it: round trips per dtype, the quantization error bound, every kind
 * of damaged file as a clear LayercError, and weights for another model
 * refused without changing the model.
 */
import { describe, expect, it } from "vitest";
import {
  LayercError,
  readWeights,
  writeWeights,
} from "../src/runtime/index.js";
import { crc32 } from "../src/runtime/weights.js";
import { generated, interpreted } from "./helpers/models.js";

const SPEC = `model Net(seed=3) {
  Input(shape=(3,))
  Dense(5, activation='relu')
  Dense(2, activation='softmax')
}
model Other(seed=3) {
  Input(shape=(3,))
  Dense(4)
}
`;

const sample = () => [
  {
    name: "dense/kernel",
    shape: [2, 3],
    data: Float32Array.from([0.5, -1.25, 3, 1e-3, -7.5, 0]),
  },
  { name: "dense/bias", shape: [3], data: Float32Array.from([0.1, 0.2, -0.3]) },
  { name: "scalar", shape: [], data: Float32Array.from([42]) },
];

describe("readWeights / writeWeights", () => {
  it("round-trips float32 exactly, with names, shapes and the model name", () => {
    const w = readWeights(writeWeights(sample(), { model: "Net" }));
    expect(w.dtype).toBe("float32");
    expect(w.model).toBe("Net");
    expect(w.map((t) => [t.name, t.shape])).toEqual(
      sample().map((t) => [t.name, t.shape]),
    );
    w.forEach((t, i) =>
      expect(Array.from(t.data)).toEqual(Array.from(sample()[i]!.data)),
    );
  });

  it("stores float16 and int8 within their rounding error", () => {
    const f16 = readWeights(writeWeights(sample(), { dtype: "float16" }));
    const i8 = readWeights(writeWeights(sample(), { dtype: "int8" }));
    expect(f16.dtype).toBe("float16");
    sample().forEach((t, i) => {
      const max = Math.max(...Array.from(t.data, Math.abs));
      t.data.forEach((x, j) => {
        expect(Math.abs(f16[i]!.data[j]! - x)).toBeLessThanOrEqual(
          Math.abs(x) * 2 ** -11 + 2 ** -24,
        );
        expect(Math.abs(i8[i]!.data[j]! - x)).toBeLessThanOrEqual(
          max / 127 / 2 + 1e-6,
        );
      });
    });
    expect(writeWeights(sample(), { dtype: "float16" }).length).toBeLessThan(
      writeWeights(sample()).length,
    );
  });

  it("uses little-endian float32 after an 8-aligned header, with a CRC-32 over the rest", () => {
    const bytes = writeWeights([{ name: "a", shape: [1], data: [1] }]);
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 7))).toBe("LAYERCW");
    const h = view.getUint32(8, true);
    const start = Math.ceil((16 + h) / 8) * 8;
    expect(view.getFloat32(start, true)).toBe(1);
    expect(view.getUint32(12, true)).toBe(crc32(bytes.subarray(16)));
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("rejects damaged files with a clear error", () => {
    const good = writeWeights(sample());
    const flipped = good.slice();
    flipped[flipped.length - 1]! ^= 1;
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /magic/],
      [good.subarray(0, good.length - 4), /checksum/],
      [flipped, /checksum/],
      [new TextEncoder().encode("PK\u0003\u0004 not weights at all"), /magic/],
    ];
    // a header that claims 2 GiB of data: consistent checksum, so only the size check can catch it
    const huge = writeWeights([{ name: "a", shape: [1], data: [1] }]);
    const text = new TextDecoder().decode(
      huge.subarray(16, 16 + new DataView(huge.buffer).getUint32(8, true)),
    );
    const claimed = new TextEncoder().encode(
      text.replace('"shape":[1]', '"shape":[536870912]'),
    );
    const forged = new Uint8Array(Math.ceil((16 + claimed.length) / 8) * 8 + 4);
    forged.set(huge.subarray(0, 8));
    new DataView(forged.buffer).setUint32(8, claimed.length, true);
    forged.set(claimed, 16);
    new DataView(forged.buffer).setUint32(12, crc32(forged.subarray(16)), true);
    cases.push([forged, /describes 2147483\d+ bytes/]);
    for (const [bytes, message] of cases) {
      expect(() => readWeights(bytes)).toThrow(LayercError);
      expect(() => readWeights(bytes)).toThrow(message);
    }
  });

  it("keeps any Unicode name, and refuses a header that is not UTF-8", () => {
    const names = ["dënse/kérnel", "层/权重", "emoji/🙂"];
    const w = readWeights(writeWeights(names.map((name) => ({ name, shape: [1], data: [1] }))));
    expect(w.map((t) => t.name)).toEqual(names);
    const bad = writeWeights([{ name: "ab", shape: [1], data: [1] }]);
    const at = Buffer.from(bad).indexOf("ab");
    bad[at] = 0xff;
    new DataView(bad.buffer).setUint32(12, crc32(bad.subarray(16)), true);
    expect(() => readWeights(bad)).toThrow(/not UTF-8/);
  });

  it("refuses bad input to writeWeights", () => {
    expect(() => writeWeights([{ name: "a", shape: [2], data: [1] }])).toThrow(
      /expected 2/,
    );
    expect(() =>
      writeWeights(sample(), { dtype: "bfloat16" as "int8" }),
    ).toThrow(/dtype/);
  });
});

for (const [label, load] of [
  ["interpreter", async () => interpreted(SPEC)],
  ["generated", async () => generated(SPEC)],
] as const) {
  describe(`saveWeights / loadWeights (${label})`, () => {
    it("carries a model's weights to a fresh instance and predicts the same", async () => {
      const Net = (await load())["Net"]!;
      const a = new Net({ seed: 11 });
      const bytes = a.saveWeights();
      const b = new Net({ weights: readWeights(bytes) });
      const c = (
        Net as unknown as {
          loadWeights(b: Uint8Array): InstanceType<typeof Net>;
        }
      ).loadWeights(bytes);
      const x = [0.3, -1, 2];
      expect(Array.from(b.predict(x))).toEqual(Array.from(a.predict(x)));
      expect(Array.from(c.predict(x))).toEqual(Array.from(a.predict(x)));
      expect(readWeights(bytes).model).toBe("Net");
    });

    it("refuses another model's weights, naming the first mismatch, and changes nothing", async () => {
      const models = await load();
      const net = new models["Net"]!({ seed: 1 });
      const before = net.getWeights();
      const other = new models["Other"]!({ seed: 2 }).saveWeights();
      expect(() => net.loadWeights(other)).toThrow(/expects 4 tensors/);
      const renamed = writeWeights(
        before.map((w, i) => (i === 1 ? { ...w, name: "dense/gamma" } : w)),
      );
      expect(() => net.loadWeights(renamed)).toThrow(
        /weight 1 is named dense\/gamma, expected dense\/bias \(5,\)/,
      );
      const reshaped = writeWeights(
        before.map((w, i) => (i === 0 ? { ...w, shape: [5, 3] } : w)),
      );
      expect(() => net.loadWeights(reshaped)).toThrow(
        /shape \(5, 3\), expected \(3, 5\)/,
      );
      expect(net.getWeights()).toEqual(before);
    });
  });
}
