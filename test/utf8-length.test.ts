/**
 * utf8Length (the file-size limit's byte count, which must also run in
 * browsers) agrees with Node's Buffer.byteLength on any string, lone
 * surrogates included.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8Length } from "../src/source.js";

describe("utf8Length", () => {
  it("equals Buffer.byteLength for any UTF-16 string", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), (a, b) => utf8Length(a + b) === Buffer.byteLength(a + b, "utf8")), { seed: 16 });
    for (const s of ["", "a", "é", "€", "😀", "\ud800", "\udc00x", "a\ud83d"]) expect(utf8Length(s)).toBe(Buffer.byteLength(s, "utf8"));
  });
});
