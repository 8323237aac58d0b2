/**
 * The HDF5 reader on layouts h5py writes beyond Keras's defaults (fixtures
 * from test/keras/interop/hdf5/make_hdf5.py): chunked + gzip + shuffle,
 * float64, big-endian ints and floats, scalars, both kinds of string
 * attribute, groups split over several symbol-table nodes, and the newest
 * format (superblock v3, v2 object headers, link messages); and the writer,
 * read back by the reader.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  Hdf5Error,
  openHdf5,
  type Hdf5Dataset,
  type Hdf5Group,
} from "../src/interop/hdf5/read.js";
import { writeHdf5 } from "../src/interop/hdf5/write.js";

const DIR = join(import.meta.dirname, "keras", "interop", "hdf5");
const expected = JSON.parse(
  readFileSync(join(DIR, "expected.json"), "utf8"),
) as Record<string, number[]>;
const open = (f: string) =>
  openHdf5(new Uint8Array(readFileSync(join(DIR, f))));
const at = (g: Hdf5Group, path: string) =>
  path
    .split("/")
    .reduce<Hdf5Group | Hdf5Dataset | undefined>(
      (n, k) => (n?.kind === "group" ? n.get(k) : undefined),
      g,
    );
const dataset = (g: Hdf5Group, path: string) => {
  const d = at(g, path);
  expect(d?.kind).toBe("dataset");
  return d as Hdf5Dataset;
};
const close = (a: Float64Array, b: number[]) =>
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 6));

describe("HDF5 reader", () => {
  it("reads chunked, compressed, big-endian and scalar datasets (superblock v0)", () => {
    const f = open("chunked.h5");
    const gz = dataset(f, "weights/inner/gz");
    expect(gz.shape).toEqual([7, 5]);
    close(gz.read(), expected["gz"]!);
    expect(dataset(f, "weights/inner/f64").shape).toEqual([2, 3, 4]);
    expect(Array.from(dataset(f, "weights/inner/f64").read())).toEqual(
      expected["f64"],
    );
    expect(Array.from(dataset(f, "weights/inner/i32be").read())).toEqual(
      expected["i32be"],
    );
    close(dataset(f, "weights/inner/f32be").read(), expected["f32be"]!);
    expect(dataset(f, "weights/inner/scalar").shape).toEqual([]);
    expect(Array.from(dataset(f, "weights/inner/scalar").read())).toEqual([
      2.5,
    ]);
  });

  it("reads string and number attributes, and groups spread over several nodes", () => {
    const f = open("chunked.h5");
    expect(f.attrs["vlen"]).toBe("héllo");
    expect(f.attrs["names"]).toEqual(["dense/kernel", "dense/bias"]);
    expect(f.attrs["ints"]).toEqual([3, 1, 4]);
    const many = at(f, "many") as Hdf5Group;
    expect(many.keys()).toEqual(
      Array.from({ length: 20 }, (_, i) => `g${String(i).padStart(2, "0")}`),
    );
  });

  it("reads the newest format: superblock v3, v2 object headers, link messages", () => {
    const f = open("latest.h5");
    close(dataset(f, "layers/dense/vars/0").read(), expected["gz"]!);
    expect(Array.from(dataset(f, "layers/dense/vars/1").read())).toEqual(
      expected["i32be"],
    );
    expect((at(f, "layers/dense/vars") as Hdf5Group).attrs["name"]).toBe(
      "dense",
    );
  });

  it("reads back what the writer writes, with more members than one symbol-table node holds", () => {
    const tree = {
      layers: Object.fromEntries(
        Array.from({ length: 30 }, (_, i) => [
          `l${i}`,
          { vars: { "0": { shape: [2, 2], data: [i, 1, 2, 3] } } },
        ]),
      ),
      vars: {},
    };
    const f = openHdf5(writeHdf5(tree));
    expect((at(f, "layers") as Hdf5Group).keys().length).toBe(30);
    expect(Array.from(dataset(f, "layers/l17/vars/0").read())).toEqual([
      17, 1, 2, 3,
    ]);
  });

  it("a damaged file is an Hdf5Error, not a crash", () => {
    const bytes = new Uint8Array(readFileSync(join(DIR, "chunked.h5")));
    expect(() => openHdf5(bytes.subarray(0, 100))).toThrow(Hdf5Error);
    expect(() => openHdf5(new Uint8Array(64))).toThrow(/no HDF5 signature/);
    for (let cut = 200; cut < bytes.length; cut += 997) {
      const f = (() => {
        try {
          return openHdf5(bytes.subarray(0, cut));
        } catch (e) {
          expect(e).toBeInstanceOf(Hdf5Error);
          return null;
        }
      })();
      if (f === null) continue;
      try {
        close(dataset(f, "weights/inner/gz").read(), expected["gz"]!);
      } catch (e) {
        if (!(e instanceof Hdf5Error))
          expect(String(e)).toMatch(/expected|toBe|toEqual/);
      }
    }
  });
});
