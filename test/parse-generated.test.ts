import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedFiles } from "../grammar/generate.js";

describe("generated grammar artifacts", () => {
  it.each(Object.entries(generatedFiles()))("grammar/%s is up to date (run `npx tsx grammar/generate.ts`)", (name, expected) => {
    const actual = readFileSync(new URL(`../grammar/${name}`, import.meta.url), "utf8");
    expect(actual).toBe(expected);
  });
});
