/**
 * summary() against Keras 3's (test/keras/summary.json, made by
 * test/keras/gen_summary.py): the box-drawn table, line for line, for
 * models whose cells are longer than Keras's columns — Keras wraps them
 * (a word longer than the column is cut with "…") instead of widening.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wrapCell } from "../src/runtime/summary.js";
import { interpreted } from "./helpers/models.js";

interface Case {
  readonly name: string;
  readonly source: string;
  readonly table: string[];
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "keras", "summary.json"), "utf8")) as { cases: Case[] };
const spec = (c: Case) => `model K {\n${c.source.split("\n").map((l) => `  ${l}`).join("\n")}\n}\n`;

describe("summary() wraps cells as Keras 3 does", () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const m = new (interpreted(spec(c))["K"]!)({ seed: 1 });
    const table = m
      .summary()
      .split("\n")
      .filter((l) => "┏┃┡│├└".includes(l[0]!));
    expect(table).toEqual(c.table);
  });

  it("wraps at spaces, gives an overlong word its own line cut with …, and never widens", () => {
    expect(wrapCell("b[0][0], c[0][0], dense[0][0]", 17)).toEqual(["b[0][0], c[0][0],", "dense[0][0]"]);
    expect(wrapCell("x[0][0], a_very_long_name[0][0], y", 10)).toEqual(["x[0][0],", "a_very_lo…", "y"]);
    expect(wrapCell("short", 10)).toEqual(["short"]);
    expect(wrapCell("", 4)).toEqual([""]);
    for (const w of [4, 7, 17]) for (const line of wrapCell("some_layer_name (SomeKind) and more[0][0], text", w)) expect(line.length).toBeLessThanOrEqual(w);
  });
});
